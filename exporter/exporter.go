package exporter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
)

// Store is what the exporter reads. *store.Store implements it.
type Store interface {
	Ping(ctx context.Context) error
	CheckSchema(ctx context.Context) error
	LatestAnalysisRun(ctx context.Context) (store.AnalysisRun, bool, error)
	AnalysisResults(ctx context.Context, runID, analysis string) ([]store.Result, error)
	LastIngestSuccess(ctx context.Context) (map[string]time.Time, error)
}

var _ Store = (*store.Store)(nil)

// Options configure New.
type Options struct {
	// Store is read at scrape time. Required.
	Store Store
	// Logger; nil discards.
	Logger *slog.Logger
	// Sources are the ingest sources that should be running ("pagerduty",
	// "jira"). Each gets a last-success series, 0 when it never succeeded, so
	// that an alert fires for a source that never worked. Sources found in
	// the store are served too.
	Sources []string
	// MaxItemSeries caps each per-action-item info family (stale, overdue):
	// the items with the highest value are kept. 0 serves none.
	MaxItemSeries int
	// Timeout bounds the ClickHouse work of one scrape; a scrape whose
	// Prometheus gives up sooner gets less (see ScrapeTimeoutHeader).
	// Default DefaultTimeout.
	Timeout time.Duration
	// Clock measures collector durations; time.Now when nil.
	Clock func() time.Time
}

// IngestCollector is the collector name of the ingest freshness series.
const IngestCollector = "ingest"

const (
	// DefaultTimeout bounds the ClickHouse work of a scrape when
	// Options.Timeout is not set: 2 s under Prometheus's default scrape
	// timeout of 10 s, so that a scraper of that timeout which does not send
	// ScrapeTimeoutHeader still gets aftermath_clickhouse_up 0 from a
	// ClickHouse that hangs.
	DefaultTimeout = 8 * time.Second

	// ScrapeTimeoutHeader is the request header in which Prometheus says
	// after how many seconds it gives up on a scrape (its scrape_timeout).
	ScrapeTimeoutHeader = "X-Prometheus-Scrape-Timeout-Seconds"

	// ScrapeTimeoutOffset is the part of the scrape timeout left for
	// answering once the ClickHouse work has given up (as blackbox_exporter's
	// --timeout-offset): the deadline of a scrape is its scrape timeout less
	// this offset, or half the scrape timeout when that is shorter than twice
	// the offset, and never less than MinScrapeTimeout.
	ScrapeTimeoutOffset = 500 * time.Millisecond

	// MinScrapeTimeout is the least time a scrape gives ClickHouse, however
	// short the scrape timeout Prometheus sends.
	MinScrapeTimeout = 100 * time.Millisecond
)

// scrapeTimeout is how long a scrape may wait for ClickHouse: configured, or
// less when header (ScrapeTimeoutHeader, seconds; empty when not sent) says
// Prometheus gives up sooner. A header that is no positive number is an
// error, and configured applies.
func scrapeTimeout(configured time.Duration, header string) (time.Duration, error) {
	if header == "" {
		return configured, nil
	}
	secs, err := strconv.ParseFloat(header, 64)
	if err != nil || math.IsNaN(secs) || secs <= 0 {
		return configured, fmt.Errorf("exporter: %s %q is not a positive number of seconds", ScrapeTimeoutHeader, header)
	}
	if secs >= (configured + ScrapeTimeoutOffset).Seconds() {
		return configured, nil // also keeps a huge or infinite value from overflowing
	}
	scrape := time.Duration(secs * float64(time.Second))
	d := scrape - ScrapeTimeoutOffset
	if d < scrape/2 {
		d = scrape / 2
	}
	return min(max(d, MinScrapeTimeout), configured), nil
}

// Exporter is a prometheus.Collector serving the latest analysis results and
// Aftermath's self metrics.
type Exporter struct {
	st         Store
	logger     *slog.Logger
	sources    []string
	maxItems   int
	timeout    time.Duration
	now        func() time.Time
	collectors []*resultCollector
	names      []string // every family name the exporter serves

	up, clickhouseUp, analysisLast, ingestLast *prometheus.Desc
	success, duration                          *prometheus.Desc
	skipped, dropped, series                   *prometheus.Desc
}

var _ prometheus.Collector = (*Exporter)(nil)

// resultCollector serves one analysis' families and caches the series it
// built for the latest run.
type resultCollector struct {
	name     string
	families []*family

	// lock (one slot) guards runID and built; a channel rather than a
	// mutex, so that a scrape waiting for another's read (or Refresh's)
	// gives up at its own deadline.
	lock  chan struct{}
	runID string
	built *built
}

// New builds the descriptor of every catalogued family once.
func New(opts Options) (*Exporter, error) {
	return newExporter(opts, metrics.By(metrics.ByAnalysis))
}

// newExporter serves the analysis families cat; an entry that is not one is
// an error.
func newExporter(opts Options, cat []metrics.Family) (*Exporter, error) {
	fams, err := resultFamilies(cat)
	if err != nil {
		return nil, err
	}
	return newExporterOf(opts, fams)
}

func newExporterOf(opts Options, fams []*family) (*Exporter, error) {
	if opts.Store == nil {
		return nil, errors.New("exporter: no store")
	}
	if opts.MaxItemSeries < 0 {
		return nil, errors.New("exporter: negative max item series")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	e := &Exporter{
		st:           opts.Store,
		logger:       opts.Logger,
		sources:      slices.Clone(opts.Sources),
		maxItems:     opts.MaxItemSeries,
		timeout:      opts.Timeout,
		now:          opts.Clock,
		up:           selfDesc(metrics.Up),
		clickhouseUp: selfDesc(metrics.ClickHouseUp),
		analysisLast: selfDesc(metrics.AnalysisLastSuccessTimestampSeconds),
		ingestLast:   selfDesc(metrics.IngestLastSuccessTimestampSeconds),
		success:      selfDesc(metrics.CollectorSuccess),
		duration:     selfDesc(metrics.CollectorDurationSeconds),
		skipped:      selfDesc(metrics.ExporterSkippedResults),
		dropped:      selfDesc(metrics.ExporterItemSeriesDropped),
		series:       selfDesc(metrics.ExporterResultSeries),
	}
	e.names = selfNames()
	for _, d := range e.selfDescs() {
		if err := d.Err(); err != nil {
			return nil, fmt.Errorf("exporter: self metric descriptor %s: %w", d, err)
		}
	}
	byName := map[string]*resultCollector{}
	names := map[string]bool{}
	for _, f := range fams {
		if names[f.name] {
			return nil, errors.New("exporter: metric " + f.name + " is in the catalogue twice")
		}
		names[f.name] = true
		f.desc = prometheus.NewDesc(f.fqName(), f.help, f.labels, nil)
		if err := f.desc.Err(); err != nil {
			return nil, fmt.Errorf("exporter: descriptor of %s: %w", f.fqName(), err)
		}
		e.names = append(e.names, f.fqName())
		c := byName[f.collector]
		if c == nil {
			c = &resultCollector{name: f.collector, lock: make(chan struct{}, 1)}
			byName[f.collector] = c
			e.collectors = append(e.collectors, c)
		}
		c.families = append(c.families, f)
	}
	sort.Slice(e.collectors, func(i, j int) bool { return e.collectors[i].name < e.collectors[j].name })
	return e, nil
}

// selfDesc is the descriptor of one of the exporter's self metrics.
func selfDesc(f metrics.Family) *prometheus.Desc {
	return prometheus.NewDesc(f.Name(), f.Help(), f.Labels(), nil)
}

func (e *Exporter) selfDescs() []*prometheus.Desc {
	return []*prometheus.Desc{e.up, e.clickhouseUp, e.analysisLast, e.ingestLast, e.success, e.duration, e.skipped, e.dropped, e.series}
}

func selfNames() []string {
	var out []string
	for _, f := range metrics.By(metrics.ByExporter) {
		out = append(out, f.Name())
	}
	return out
}

// Served lists every family the exporter serves: its self metrics and every
// catalogued analysis family, sorted by name.
func Served() []metrics.Family {
	var out []metrics.Family
	for _, f := range metrics.All() {
		if p := f.Producer(); p == metrics.ByExporter || p == metrics.ByAnalysis {
			out = append(out, f)
		}
	}
	return out
}

// Collectors returns the collector names, in the order they run.
func (e *Exporter) Collectors() []string {
	out := make([]string, 0, len(e.collectors)+1)
	for _, c := range e.collectors {
		out = append(out, c.name)
	}
	return append(out, IngestCollector)
}

// Describe implements prometheus.Collector.
func (e *Exporter) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range e.selfDescs() {
		ch <- d
	}
	for _, c := range e.collectors {
		for _, f := range c.families {
			ch <- f.desc
		}
	}
}

// Collect implements prometheus.Collector: one scrape, bounded by
// Options.Timeout (a registry does not pass on the scrape's request; the
// handler of MetricsHandler honours ScrapeTimeoutHeader).
func (e *Exporter) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), e.timeout)
	defer cancel()
	s := e.scrape(ctx)
	for _, m := range s.self {
		ch <- m
	}
	for _, b := range s.parts {
		for _, m := range b.metrics {
			ch <- m
		}
	}
}

// scraped is one scrape: the self metrics, and the cached series of every
// collector that served the latest run.
type scraped struct {
	self  []prometheus.Metric
	parts []*built
}

// scrape reads what one scrape serves, within ctx's deadline. The reads
// run aside: a new connection to a ClickHouse that hangs waits out the
// store's dial timeout whatever the context says (the driver's handshake
// has its own deadline), so past ctx's deadline (and a short grace for
// reads that are ending) the scrape answers with ClickHouse down and
// leaves the reads to end on their own.
func (e *Exporter) scrape(ctx context.Context) scraped {
	start := e.now()
	done := make(chan scraped, 1)
	go func() { done <- e.read(ctx) }()
	select {
	case s := <-done:
		return s
	case <-ctx.Done():
	}
	select {
	case s := <-done:
		return s
	case <-time.After(scrapeGrace):
	}
	e.logger.Warn("scrape: ClickHouse did not answer before the scrape's deadline; served as down", "err", ctx.Err())
	var s scraped
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		s.self = append(s.self, prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...))
	}
	took := e.now().Sub(start).Seconds()
	gauge(e.clickhouseUp, 0)
	for _, c := range e.collectors {
		gauge(e.success, 0, c.name)
		gauge(e.duration, took, c.name)
	}
	gauge(e.success, 0, IngestCollector)
	gauge(e.duration, took, IngestCollector)
	gauge(e.up, 0)
	return s
}

// scrapeGrace is how long a scrape past its deadline still waits for reads
// that are ending (a cancelled query returns within milliseconds).
const scrapeGrace = 100 * time.Millisecond

// read is scrape's work: the latest run, the results of each collector and
// the ingest freshness, from ClickHouse.
func (e *Exporter) read(ctx context.Context) scraped {
	var s scraped
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		s.self = append(s.self, prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...))
	}
	// The ingest freshness query runs next to the latest-run lookup; a
	// separate ping is needed only when the lookup fails, so a healthy scrape
	// costs two small queries at the latency of one.
	type ingestRead struct {
		last map[string]time.Time
		err  error
		took time.Duration
	}
	ingest := make(chan ingestRead, 1)
	go func() {
		start := e.now()
		last, err := e.st.LastIngestSuccess(ctx)
		ingest <- ingestRead{last, err, e.now().Sub(start)}
	}()
	run, haveRun, runErr := e.st.LatestAnalysisRun(ctx)
	// Past the deadline no ping: a new connection to a server that hangs
	// waits out the dial timeout whatever the context says.
	chUp := runErr == nil || ctx.Err() == nil && e.st.Ping(ctx) == nil
	if runErr != nil {
		e.logger.Warn("scrape: read latest analysis run", "err", runErr)
	}
	gauge(e.clickhouseUp, b2f(chUp))
	if runErr == nil && haveRun {
		gauge(e.analysisLast, float64(run.FinishedAt.Unix()))
	}
	allOK := chUp && runErr == nil && haveRun
	for _, c := range e.collectors {
		start := e.now()
		ok := false
		if runErr == nil && haveRun {
			b, err := c.load(ctx, e, run.ID)
			if err != nil {
				e.logger.Warn("scrape: read analysis results", "collector", c.name, "run_id", run.ID, "err", err)
			} else {
				ok = true
				s.parts = append(s.parts, b)
				gauge(e.skipped, float64(b.skipped), c.name)
				gauge(e.dropped, float64(b.dropped), c.name)
				gauge(e.series, float64(len(b.metrics)), c.name)
			}
		}
		allOK = allOK && ok
		gauge(e.success, b2f(ok), c.name)
		gauge(e.duration, e.now().Sub(start).Seconds(), c.name)
	}

	// The freshness query may be dialling a new connection, which a server
	// that hangs holds for the dial timeout: the scrape does not wait past
	// its deadline for it.
	var ir ingestRead
	select {
	case ir = <-ingest:
	case <-ctx.Done():
		ir.err = fmt.Errorf("exporter: read ingest runs: %w", ctx.Err())
	}
	ok := ir.err == nil
	if ir.err != nil {
		if chUp {
			e.logger.Warn("scrape: read ingest runs", "err", ir.err)
		}
	} else {
		for _, src := range e.ingestSources(ir.last) {
			v := 0.0
			if t, found := ir.last[src]; found {
				v = float64(t.Unix())
			}
			gauge(e.ingestLast, v, src)
		}
	}
	gauge(e.success, b2f(ok), IngestCollector)
	gauge(e.duration, ir.took.Seconds(), IngestCollector)
	gauge(e.up, b2f(allOK && ok))
	return s
}

func (e *Exporter) ingestSources(last map[string]time.Time) []string {
	out := slices.Clone(e.sources)
	for src := range last {
		if !slices.Contains(out, src) {
			out = append(out, src)
		}
	}
	sort.Strings(out)
	return out
}

// Refresh loads the latest successful run's results into the cache and
// renders their exposition, so that the next scrape is fast. `aftermath serve` calls it after each analysis run;
// scrapes do the same on their own when the latest run changes.
func (e *Exporter) Refresh(ctx context.Context) error {
	run, ok, err := e.st.LatestAnalysisRun(ctx)
	if err != nil || !ok {
		return err
	}
	for _, c := range e.collectors {
		b, err := c.load(ctx, e, run.ID)
		if err != nil {
			return err
		}
		if _, _, err := b.rendered(); err != nil {
			return fmt.Errorf("exporter: render %s results of run %s: %w", c.name, run.ID, err)
		}
	}
	return nil
}

// load returns the series of run runID, reading the results only when the
// cached run differs. Concurrent scrapes wait for one read, until ctx ends.
func (c *resultCollector) load(ctx context.Context, e *Exporter, runID string) (*built, error) {
	select {
	case c.lock <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("exporter: wait for the read of the %s results in progress: %w", c.name, ctx.Err())
	}
	defer func() { <-c.lock }()
	if c.built != nil && c.runID == runID {
		return c.built, nil
	}
	results, err := e.st.AnalysisResults(ctx, runID, c.name)
	if err != nil {
		return nil, err
	}
	b := buildMetrics(c.families, results, e.maxItems)
	if b.skipped > 0 {
		e.logger.Warn("analysis results the exporter cannot serve", "collector", c.name, "run_id", runID, "skipped", b.skipped, "reasons", b.reasons)
	}
	c.runID, c.built = runID, b
	return b, nil
}

// Ready says whether `aftermath serve` can do its work: ClickHouse answers
// and its schema is the one this binary knows.
func (e *Exporter) Ready(ctx context.Context) error {
	if err := e.st.Ping(ctx); err != nil {
		return err
	}
	return e.st.CheckSchema(ctx)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
