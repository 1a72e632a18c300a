// Package pagerduty ingests PagerDuty incidents and their log-entry timelines
// into the store, through go-pagerduty and the shared httpx transport.
//
// It collects documents (incidents, log entries), extracts each once into
// this package's own view of it (mapping.go: decoded once, the JSON kept as
// the raw document) and converts it into a domain fact (an incident as its
// document says, a timeline event). Nothing derived is stored: what a
// timeline says about the response (first acknowledgement, escalations,
// reassignments) is computed on read from the events, so no incident is
// fetched again, nor a timeline read back, to keep such a field right.
//
// One Sync is:
//
//  1. Timelines: every log entry created since the "log_entries" checkpoint
//     (BackfillStart on first use) up to now, fetched in bulk from
//     /log_entries by created_at window (never one call per incident). Each
//     window is stored, then the checkpoint advances.
//  2. Incidents still open at the last run are fetched again, in bulk, since
//     their documents change (status, resolve time): one listing of the
//     incidents open now (statuses triggered and acknowledged,
//     date_range=all), a page per 100. Those it does not return were
//     resolved or are out of reach; they are fetched one by one, or by
//     window when many. A sync that finds nothing new thus costs three
//     requests: one page of log entries, one of open incidents, one of new
//     incidents.
//  3. New incidents: every incident created since the "incidents" checkpoint,
//     by created_at window, stored, and the checkpoint advanced.
//  4. History: when BackfillStart is earlier than the "history_start"
//     checkpoint (where the stored history starts: the first sync records
//     its BackfillStart), the log entries and then the incidents created in
//     the gap between them are walked and stored the same way, each walk
//     checkpointed, and history_start moved back once both are done
//     (history.go). A later BackfillStart fetches nothing and removes
//     nothing.
//
// Windows are sized to stay under PagerDuty's 10,000 offset cap: the first
// page of each window asks for the total, a window that is too big is split,
// and the next window is sized from the density just seen. A window whose
// pages served fewer distinct items than its total (items shifted while
// paging) is paged again and the passes merged.
//
// Checkpoints advance only after the rows they cover are stored, and every
// write is an idempotent upsert, so a killed Sync resumes with neither gaps
// nor duplicates.
package pagerduty

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/aftermath-sre/aftermath/domain"
	"github.com/aftermath-sre/aftermath/ingest"
	"github.com/aftermath-sre/aftermath/ingest/httpx"
	catalog "github.com/aftermath-sre/aftermath/metrics"
)

// Source is the source name in the store, in metrics and in logs: the
// metrics catalogue's, which names the source's families after it.
const Source = string(catalog.SourcePagerDuty)

const (
	kindIncident = "incident"
	kindLogEntry = "log_entry"

	checkpointLogEntries = "log_entries"
	checkpointIncidents  = "incidents"
)

// Store is what the ingester needs of the store: what every source needs
// (ingest.Store) and its own facts.
type Store interface {
	ingest.Store
	UpsertIncidents(ctx context.Context, incs []domain.Incident) error
	UpsertTimelineEvents(ctx context.Context, evs []domain.TimelineEvent) error
	OpenIncidents(ctx context.Context, source string, createdBefore time.Time) ([]domain.Incident, error)
}

// Options configure New. cmd/ maps the config's pagerduty section onto it.
type Options struct {
	BaseURL    string   // default https://api.pagerduty.com
	Token      string   // API token (required); never logged
	ServiceIDs []string // only incidents of these services; empty = all
	TeamIDs    []string // only incidents of these teams; empty = all
	// RequestsPerMinute is the request budget; 0 means unlimited. PagerDuty
	// allows 960 a minute per token.
	RequestsPerMinute int
	// SeverityByPriority maps priority names to severities ("P1" -> "SEV1");
	// SeverityByUrgency maps "high"/"low" for incidents without a mapped
	// priority. Unmapped incidents get domain.SeverityUnknown.
	SeverityByPriority map[string]string
	SeverityByUrgency  map[string]string
	// BackfillStart is where the first Sync starts (required until the
	// checkpoints exist). When a later Sync finds it earlier than where
	// the stored history starts, that Sync also fetches the gap; a later
	// one changes nothing. Zero: no history is recorded or extended.
	BackfillStart time.Time
	PageSize      int // default and maximum 100
	// MaxResponseBytes bounds one response body; a larger one fails the
	// sync with an error naming the endpoint template. 0 means
	// httpx.DefaultMaxBodyBytes (64 MiB).
	MaxResponseBytes int64
	// HTTPClient's Transport (if any) is wrapped by the httpx transport. Its
	// Timeout is not used: it would bound retries and rate-limit waits too;
	// AttemptTimeout bounds each attempt instead. Nil means a default client.
	HTTPClient *http.Client
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	Now        func() time.Time // clock; time.Now when nil

	// Tuning, mostly for tests; zero values get the defaults.
	MaxAttempts    int           // per request, by the transport (default 10)
	BaseBackoff    time.Duration // first retry delay of a 5xx or network error, doubling (default 100ms)
	AttemptTimeout time.Duration // per attempt (default 60s)
	DecodeAttempts int           // fetches of a page whose JSON does not decode (default 4)
	WindowPasses   int           // pagings of a window whose items shift (default 5)
	WindowTarget   int           // items a window is sized for (default 4/5 of OffsetCap)
	OffsetCap      int           // PagerDuty's cap on offset+limit (default 10000)
	InitialSpan    time.Duration // first window (default 7 days)
	RefreshBatch   int           // above this many incidents to re-fetch, list windows instead of one GET each (default 30)
	FlushItems     int           // items stored per batch while a window is paged (default 2000)
	// Concurrency is how many pages of one window are fetched at once
	// (default 4): a page waiting out a 5xx backoff or a slow answer does not
	// hold up the others. The request budget is shared by all of them.
	Concurrency int
	// Clock and Sleep drive the transport's budget and retry waits (wall
	// time, unlike Now, which dates the data); nil means real time.
	Clock func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// Ingester is the PagerDuty source. It implements ingest.Syncer, and
// ingest.Source through the shared ingest.Loop.
type Ingester struct {
	loop      *ingest.Loop
	opts      Options
	st        Store
	client    *pd.Client
	transport *httpx.Transport
	baseURL   string
	log       *slog.Logger
	metrics   *metrics
	sev       SeverityMapping

	enumMu      sync.Mutex
	warnedEnums map[string]bool // field and value of unknown enums logged at WARN
}

var (
	_ ingest.Source      = (*Ingester)(nil)
	_ ingest.Syncer      = (*Ingester)(nil)
	_ ingest.Reextractor = (*Ingester)(nil)
)

// New builds the ingester. Without a token it can re-extract stored raw
// documents, not sync.
func New(st Store, opts Options) (*Ingester, error) {
	if st == nil {
		return nil, errors.New("pagerduty: no store")
	}
	if opts.BaseURL == "" {
		opts.BaseURL = "https://api.pagerduty.com"
	}
	if opts.PageSize <= 0 || opts.PageSize > 100 {
		opts.PageSize = 100
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	// A 5xx or a dropped connection is retried after 100 ms, doubling up
	// to httpx's 30 s cap (the AWS SDKs' base for transient errors): with
	// one response in five a 5xx, a backfill must not spend most of its time
	// waiting. Ten attempts wait about 40 s in all before giving up, enough
	// for a brief outage; a longer one fails the sync, whose checkpoints let
	// the next run resume. 429s wait what the server says.
	if opts.BaseBackoff <= 0 {
		opts.BaseBackoff = 100 * time.Millisecond
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 10
	}
	if opts.AttemptTimeout == 0 {
		opts.AttemptTimeout = 60 * time.Second
	}
	if opts.DecodeAttempts <= 0 {
		opts.DecodeAttempts = 4
	}
	if opts.WindowPasses <= 0 {
		opts.WindowPasses = 5
	}
	if opts.OffsetCap <= 0 {
		opts.OffsetCap = maxOffset
	}
	if opts.WindowTarget <= 0 || opts.WindowTarget > opts.OffsetCap {
		opts.WindowTarget = opts.OffsetCap * 4 / 5
	}
	if opts.InitialSpan <= 0 {
		opts.InitialSpan = 7 * 24 * time.Hour
	}
	if opts.RefreshBatch <= 0 {
		opts.RefreshBatch = 30
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.FlushItems <= 0 {
		opts.FlushItems = 2000
	}
	log := opts.Logger.With("source", Source)
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("pagerduty: register metrics: %w", err)
	}
	hc := &http.Client{}
	var base http.RoundTripper
	if opts.HTTPClient != nil {
		base = opts.HTTPClient.Transport
	}
	tr, err := httpx.New(httpx.Options{
		Source: Source, Base: base, RequestsPerMinute: opts.RequestsPerMinute,
		MaxAttempts: opts.MaxAttempts, BaseBackoff: opts.BaseBackoff, AttemptTimeout: opts.AttemptTimeout,
		BufferBodies: true, MaxBodyBytes: opts.MaxResponseBytes,
		Endpoint:   httpx.Templates("/incidents", "/incidents/{id}", "/incidents/{id}/log_entries", "/log_entries", "/services", "/teams", "/priorities", "/users"),
		Registerer: opts.Registerer, Logger: log, Now: opts.Clock, Sleep: opts.Sleep,
	})
	if err != nil {
		return nil, fmt.Errorf("pagerduty: %w", err)
	}
	hc.Transport = tr
	baseURL := strings.TrimSuffix(opts.BaseURL, "/")
	client := pd.NewClient(opts.Token, pd.WithAPIEndpoint(baseURL))
	client.HTTPClient = hc
	in := &Ingester{
		opts: opts, st: st, client: client, transport: tr, baseURL: baseURL, log: log, metrics: m, warnedEnums: map[string]bool{},
		sev: SeverityMapping{ByPriority: opts.SeverityByPriority, ByUrgency: opts.SeverityByUrgency},
	}
	in.loop, err = ingest.NewLoop(in, ingest.LoopOptions{Store: st, Metrics: m.SourceMetrics, Requests: tr, Logger: log, Now: opts.Now})
	if err != nil {
		return nil, err
	}
	return in, nil
}

// Sync runs one pass through the shared loop, which records it.
func (in *Ingester) Sync(ctx context.Context) (ingest.Stats, error) { return in.loop.Sync(ctx) }

// Reextract converts the stored raw documents into rows again through the
// shared loop, without calling the API.
func (in *Ingester) Reextract(ctx context.Context) (ingest.Stats, error) {
	return in.loop.Reextract(ctx)
}

// ReextractRun converts every stored raw log entry and incident into timeline
// events and incidents again, with the current mapping and options (the
// service filter, the severity mapping), and stores them. It makes no
// request and leaves the raw documents and the checkpoints as they are.
func (in *Ingester) ReextractRun(ctx context.Context, ir *ingest.Run) error {
	r := &run{Run: ir, now: ir.Start().Truncate(time.Second), refreshed: map[string]bool{}}
	docs := func(raws []domain.RawDocument) []doc {
		out := make([]doc, len(raws))
		for i, x := range raws {
			out[i] = decodeDoc(x.Kind, x.Body)
		}
		return out
	}
	err := r.RawDocuments(ctx, kindLogEntry, func(raws []domain.RawDocument) error {
		return in.storeLogEntries(ctx, r, docs(raws), false)
	})
	if err != nil {
		return err
	}
	return r.RawDocuments(ctx, kindIncident, func(raws []domain.RawDocument) error {
		return in.storeIncidents(ctx, r, docs(raws), nil, false)
	})
}

// Name is the source name.
func (in *Ingester) Name() string { return Source }

// run is the state of one Sync.
type run struct {
	*ingest.Run
	now        time.Time
	incThrough time.Time       // the incidents checkpoint at the start of the run
	refreshed  map[string]bool // open incidents stored again by step 2
}

// SyncRun runs one pass: timelines, open incidents, new incidents, and the
// history BackfillStart asks for before what is stored.
func (in *Ingester) SyncRun(ctx context.Context, ir *ingest.Run) error {
	// The token is needed to sync, not to re-extract stored documents.
	if in.opts.Token == "" {
		return errors.New("pagerduty: no API token")
	}
	r := &run{Run: ir, now: ir.Start().Truncate(time.Second), refreshed: map[string]bool{}}
	return in.sync(ctx, r)
}

func (in *Ingester) sync(ctx context.Context, r *run) error {
	logThrough, logOK, err := r.TimeCheckpoint(ctx, checkpointLogEntries, time.Time{})
	if err != nil {
		return err
	}
	incThrough, incOK, err := r.TimeCheckpoint(ctx, checkpointIncidents, time.Time{})
	if err != nil {
		return err
	}
	// Without a backfill start there is no history to record or extend:
	// the forward checkpoints must exist.
	backfill := in.opts.BackfillStart.UTC().Truncate(time.Second)
	var hist time.Time
	if in.opts.BackfillStart.IsZero() {
		switch {
		case !logOK:
			return fmt.Errorf("pagerduty: no %s checkpoint and no backfill start", checkpointLogEntries)
		case !incOK:
			return fmt.Errorf("pagerduty: no %s checkpoint and no backfill start", checkpointIncidents)
		}
	} else {
		var forward []time.Time
		if logOK {
			forward = append(forward, logThrough)
		}
		if incOK {
			forward = append(forward, incThrough)
		}
		if hist, err = in.historyStart(ctx, r, backfill, forward); err != nil {
			return err
		}
		// A forward walk not started yet starts where the history does.
		if !logOK {
			logThrough = hist
		}
		if !incOK {
			incThrough = hist
		}
	}
	r.incThrough = incThrough

	// 1. Timelines.
	span := in.opts.InitialSpan
	if logThrough.Before(r.now) {
		in.log.Info("fetching log entries", "since", logThrough, "until", r.now)
		err := in.walk(ctx, kindLogEntry, logThrough, r.now, &span, func(ctx context.Context, items []doc) error {
			return in.storeLogEntries(ctx, r, items, true)
		}, func(ctx context.Context, until time.Time) error {
			return r.SetTimeCheckpoint(ctx, checkpointLogEntries, until)
		})
		if err != nil {
			return err
		}
	}

	// 2. Incidents still open at the last run.
	open, err := in.st.OpenIncidents(ctx, Source, r.incThrough)
	if err != nil {
		return fmt.Errorf("pagerduty: read open incidents: %w", err)
	}
	if len(open) > 0 {
		in.log.Info("re-syncing incidents open at the last run", "count", len(open))
		if err := in.refreshOpen(ctx, r, open); err != nil {
			return err
		}
	}

	// 3. New incidents.
	if r.incThrough.Before(r.now) {
		in.log.Info("fetching incidents", "since", r.incThrough, "until", r.now)
		span := in.opts.InitialSpan
		err := in.walk(ctx, kindIncident, r.incThrough, r.now, &span, func(ctx context.Context, items []doc) error {
			return in.storeIncidents(ctx, r, items, nil, true)
		}, func(ctx context.Context, until time.Time) error {
			return r.SetTimeCheckpoint(ctx, checkpointIncidents, until)
		})
		if err != nil {
			return err
		}
	}

	// 4. History before what is stored, when BackfillStart asks for it.
	if !in.opts.BackfillStart.IsZero() {
		return in.extendHistory(ctx, r, backfill, hist)
	}
	return nil
}

// storeLogEntries stores a batch of log entries as timeline events, with
// their raw documents when withRaw. The caller advances the checkpoint once
// the whole window is stored.
func (in *Ingester) storeLogEntries(ctx context.Context, r *run, items []doc, withRaw bool) error {
	evs := make([]domain.TimelineEvent, 0, len(items))
	raws := make([]domain.RawDocument, 0, len(items))
	services := set(in.opts.ServiceIDs)
	for _, d := range items {
		ev, svc, unknownType, err := d.event()
		if err != nil {
			r.Unmapped(kindLogEntry, d.id, err)
			continue
		}
		if services != nil && !services[svc] {
			continue
		}
		if unknownType {
			// The raw type stays in the event's RawType.
			in.unknownEnum("log_entry.type", ev.RawType, ev.ID)
		}
		evs = append(evs, ev)
		if withRaw {
			raws = append(raws, domain.RawDocument{Source: Source, Kind: kindLogEntry, ID: ev.ID, FetchedAt: r.now, Body: d.raw})
		}
	}
	if err := in.st.UpsertRaw(ctx, raws); err != nil {
		return fmt.Errorf("pagerduty: store raw log entries: %w", err)
	}
	if err := in.st.UpsertTimelineEvents(ctx, evs); err != nil {
		return fmt.Errorf("pagerduty: store timeline events: %w", err)
	}
	r.Stored("raw_document", len(raws))
	r.Stored("timeline_event", len(evs))
	return nil
}

// event converts a decoded log entry.
func (d doc) event() (domain.TimelineEvent, string, bool, error) {
	if d.err != nil {
		return domain.TimelineEvent{}, "", false, d.err
	}
	return eventOf(d.le)
}

// incident converts a decoded incident.
func (d doc) incident(sev SeverityMapping) (domain.Incident, unknowns, error) {
	if d.err != nil {
		return domain.Incident{}, nil, d.err
	}
	return incidentOf(d.inc, sev)
}

// refreshOpen stores again the incidents open at the last run from one
// listing of the incidents open now; the ones it does not cover (resolved
// since, served with a status we do not know, or gone) are fetched by
// refresh.
func (in *Ingester) refreshOpen(ctx context.Context, r *run, stale []domain.Incident) error {
	want := make(map[string]bool, len(stale))
	for _, x := range stale {
		want[x.ID] = true
	}
	n, err := in.listOpen(ctx, func(ctx context.Context, items []doc) error {
		return in.storeIncidents(ctx, r, items, want, true)
	})
	var big errTooBig
	if err != nil && !errors.As(err, &big) {
		return err
	}
	var missing []domain.Incident
	for _, x := range stale {
		if !r.refreshed[x.ID] {
			missing = append(missing, x)
		}
	}
	in.log.Debug("open incidents listed", "listed", n, "stale", len(stale), "not_listed", len(missing), "too_many", err != nil)
	if len(missing) == 0 {
		return nil
	}
	return in.refresh(ctx, r, missing)
}

// refresh fetches stored incidents again, whose documents changed: one GET
// each when they are few, else listing the created_at windows around them.
func (in *Ingester) refresh(ctx context.Context, r *run, incs []domain.Incident) error {
	sort.Slice(incs, func(i, j int) bool { return incs[i].CreatedAt.Before(incs[j].CreatedAt) })
	want := map[string]bool{}
	for _, x := range incs {
		want[x.ID] = true
	}
	// Group incidents created within a day of each other; a big group is
	// listed, the rest fetched one by one.
	var singles []string
	for i := 0; i < len(incs); {
		j := i + 1
		for j < len(incs) && incs[j].CreatedAt.Sub(incs[j-1].CreatedAt) < 24*time.Hour {
			j++
		}
		group := incs[i:j]
		if len(group) > in.opts.RefreshBatch || len(incs) > in.opts.RefreshBatch && len(group) >= 5 {
			span := in.opts.InitialSpan
			from, to := group[0].CreatedAt, group[len(group)-1].CreatedAt.Add(time.Second)
			err := in.walk(ctx, kindIncident, from, to, &span, func(ctx context.Context, items []doc) error {
				return in.storeIncidents(ctx, r, items, want, true)
			}, nil)
			if err != nil {
				return err
			}
		} else {
			for _, x := range group {
				singles = append(singles, x.ID)
			}
		}
		i = j
	}
	const batch = 50
	for i := 0; i < len(singles); i += batch {
		var items []doc
		for _, id := range singles[i:min(i+batch, len(singles))] {
			d, err := in.getIncident(ctx, id)
			if notFound(err) {
				// Gone, or out of the token's reach (a service or team
				// removed from its access): keep the last stored state.
				r.Unmapped("incident_not_found", id, err)
				continue
			}
			if err != nil {
				return err
			}
			items = append(items, d)
		}
		if err := in.storeIncidents(ctx, r, items, want, true); err != nil {
			return err
		}
	}
	return nil
}

// storeIncidents converts incidents and stores them, with their raw
// documents when withRaw; only ids in keep when keep is not nil.
func (in *Ingester) storeIncidents(ctx context.Context, r *run, items []doc, keep map[string]bool, withRaw bool) error {
	incs := make([]domain.Incident, 0, len(items))
	raws := make([]domain.RawDocument, 0, len(items))
	for _, d := range items {
		if keep != nil && !keep[d.id] {
			continue
		}
		x, unk, err := d.incident(in.sev)
		if err != nil {
			r.Unmapped(kindIncident, d.id, err)
			continue
		}
		for _, u := range unk {
			// The row says "unknown"; the raw value stays in the raw
			// document stored with it (raw_documents.body).
			in.unknownEnum("incident."+u.Field, u.Value, x.ID)
		}
		incs = append(incs, x)
		if withRaw {
			raws = append(raws, domain.RawDocument{Source: Source, Kind: kindIncident, ID: x.ID, FetchedAt: r.now, Body: d.raw})
		}
		if keep != nil {
			r.refreshed[x.ID] = true
		}
	}
	if len(incs) == 0 {
		return nil
	}
	if err := in.st.UpsertRaw(ctx, raws); err != nil {
		return fmt.Errorf("pagerduty: store raw incidents: %w", err)
	}
	if err := in.st.UpsertIncidents(ctx, incs); err != nil {
		return fmt.Errorf("pagerduty: store incidents: %w", err)
	}
	r.Stored("raw_document", len(raws))
	r.Stored("incident", len(incs))
	return nil
}

// maxWarnedEnums bounds the set of unknown enum values already logged at
// WARN: a source inventing values without end gets DEBUG lines past it.
const maxWarnedEnums = 256

// unknownEnum counts an enum value this code does not know and logs it: at
// WARN the first time this ingester sees the value in that field, at DEBUG
// after that.
func (in *Ingester) unknownEnum(field, value, id string) {
	in.metrics.UnknownEnums.WithLabelValues(field).Inc()
	if len(value) > 64 {
		value = value[:64] + "..."
	}
	key := field + "\x00" + value
	in.enumMu.Lock()
	first := !in.warnedEnums[key] && len(in.warnedEnums) < maxWarnedEnums
	if first {
		in.warnedEnums[key] = true
	}
	in.enumMu.Unlock()
	if first {
		in.log.Warn("unknown enum value: stored as unknown, raw value kept in the raw document", "field", field, "value", value, "id", id)
		return
	}
	in.log.Debug("unknown enum value", "field", field, "value", value, "id", id)
}

func set(vs []string) map[string]bool {
	if len(vs) == 0 {
		return nil
	}
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		m[v] = true
	}
	return m
}

// notFound reports whether err is PagerDuty's 404 (go-pagerduty returns its
// APIError by value or by pointer depending on the call).
func notFound(err error) bool {
	var v pd.APIError
	var p *pd.APIError
	return errors.As(err, &v) && v.StatusCode == http.StatusNotFound ||
		errors.As(err, &p) && p != nil && p.StatusCode == http.StatusNotFound
}
