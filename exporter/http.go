package exporter

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/exporter-toolkit/web"
)

// HandlerOptions configure NewHandler.
type HandlerOptions struct {
	// Exporter is served on /metrics, its result series rendered once per
	// analysis run (see MetricsHandler). Do not also register it in
	// Gatherer.
	Exporter *Exporter
	// Gatherer is served on /metrics too: a registry holding everything else
	// `aftermath serve` registers (ingest transport, scheduler, Go runtime).
	// Without an Exporter it is all /metrics serves.
	Gatherer prometheus.Gatherer
	// Registerer, when set, receives the /metrics handler's own metrics
	// (promhttp_metric_handler_requests_total).
	Registerer prometheus.Registerer
	// Ready answers /readyz; nil means always ready. Exporter.Ready checks
	// that ClickHouse answers and its schema is current.
	Ready func(ctx context.Context) error
	// Digests, when set, is served under /digests/ (the monthly digests).
	Digests http.Handler
	// Version is shown on the landing page.
	Version string
	// ReadyTimeout bounds one readiness check. Default 5s.
	ReadyTimeout time.Duration
	Logger       *slog.Logger
}

// NewHandler returns the HTTP handler of `aftermath serve`: /metrics,
// /healthz (the process is alive), /readyz (it can do its work), /digests/
// and a landing page linking them.
func NewHandler(opts HandlerOptions) (http.Handler, error) {
	if opts.Gatherer == nil && opts.Exporter == nil {
		return nil, errors.New("exporter: handler needs an exporter or a gatherer")
	}
	if opts.Gatherer == nil {
		opts.Gatherer = prometheus.NewRegistry()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.ReadyTimeout <= 0 {
		opts.ReadyTimeout = 5 * time.Second
	}
	mux := http.NewServeMux()
	var metrics http.Handler
	if opts.Exporter != nil {
		metrics = opts.Exporter.MetricsHandler(opts.Gatherer)
	} else {
		metrics = promhttp.HandlerFor(opts.Gatherer, promhttp.HandlerOpts{
			ErrorLog:      slog.NewLogLogger(opts.Logger.Handler(), slog.LevelError),
			ErrorHandling: promhttp.ContinueOnError,
		})
	}
	if opts.Registerer != nil {
		metrics = promhttp.InstrumentMetricHandler(opts.Registerer, metrics)
	}
	mux.Handle("GET /metrics", metrics)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if opts.Ready != nil {
			ctx, cancel := context.WithTimeout(r.Context(), opts.ReadyTimeout)
			defer cancel()
			if err := opts.Ready(ctx); err != nil {
				opts.Logger.Warn("not ready", "err", err)
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = io.WriteString(w, "not ready: "+err.Error()+"\n")
				return
			}
		}
		_, _ = io.WriteString(w, "ready\n")
	})
	links := []web.LandingLinks{{Address: "/metrics", Text: "Metrics", Description: "Aftermath's findings and self metrics for Prometheus"}}
	if opts.Digests != nil {
		mux.Handle("GET /digests/", http.StripPrefix("/digests", opts.Digests))
		links = append(links, web.LandingLinks{Address: "/digests/", Text: "Digests", Description: "Monthly reliability and learning digests"})
	}
	links = append(links,
		web.LandingLinks{Address: "/healthz", Text: "Health", Description: "The process is alive"},
		web.LandingLinks{Address: "/readyz", Text: "Readiness", Description: "ClickHouse answers and its schema is current"},
	)
	landing, err := web.NewLandingPage(web.LandingConfig{
		Name:        "Aftermath",
		Description: "Incidents, postmortems and action items turned into measured learning",
		Version:     opts.Version,
		Links:       links,
		Profiling:   "false",
	})
	if err != nil {
		return nil, err
	}
	mux.Handle("GET /{$}", landing)
	return mux, nil
}

// MetricsHandler serves the exporter's metrics and g's in the Prometheus
// text format. Self metrics and g are gathered on every request; the result
// series of the latest analysis run are written from an exposition rendered
// (and gzipped) once per run, so a scrape of tens of thousands of series
// costs a few small ClickHouse queries and a copy. Families of the exporter
// found in g are dropped, so registering the Exporter there too does no harm.
//
// The ClickHouse work of a request is bounded by Options.Timeout and, when
// the request carries ScrapeTimeoutHeader (Prometheus sends its
// scrape_timeout), by that timeout less ScrapeTimeoutOffset: a ClickHouse
// that does not answer in time is reported as aftermath_clickhouse_up 0
// before Prometheus gives up on the scrape.
func (e *Exporter) MetricsHandler(g prometheus.Gatherer) http.Handler {
	if g == nil {
		g = prometheus.NewRegistry()
	}
	own := map[string]bool{}
	for _, n := range e.names {
		own[n] = true
	}
	return &metricsHandler{e: e, g: g, own: own}
}

type metricsHandler struct {
	e   *Exporter
	g   prometheus.Gatherer
	own map[string]bool
}

func (h *metricsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	timeout, err := scrapeTimeout(h.e.timeout, r.Header.Get(ScrapeTimeoutHeader))
	if err != nil {
		h.e.logger.Warn("scrape: ignore the scrape timeout header", "timeout", timeout, "err", err)
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	s := h.e.scrape(ctx)

	mfs, err := h.g.Gather()
	if err != nil {
		h.e.logger.Error("gather metrics", "err", err) // serve what was gathered
	}
	var live bytes.Buffer
	for _, mf := range mfs {
		if h.own[mf.GetName()] {
			continue
		}
		if _, err := expfmt.MetricFamilyToText(&live, mf); err != nil {
			h.e.logger.Error("encode metrics", "family", mf.GetName(), "err", err)
		}
	}
	self := prometheus.NewRegistry()
	if err := self.Register(staticMetrics(s.self)); err != nil {
		http.Error(w, "register self metrics: "+err.Error(), http.StatusInternalServerError)
		return
	}
	selfMFs, err := self.Gather()
	if err != nil {
		http.Error(w, "gather self metrics: "+err.Error(), http.StatusInternalServerError)
		return
	}
	for _, mf := range selfMFs {
		_, _ = expfmt.MetricFamilyToText(&live, mf)
	}

	w.Header().Set("Content-Type", string(expfmt.NewFormat(expfmt.TypeTextPlain)))
	w.Header().Set("Vary", "Accept-Encoding")
	zipped := acceptsGzip(r.Header.Get("Accept-Encoding"))
	if zipped {
		// A gzip stream may hold several members one after the other
		// (RFC 1952); the cached parts are such members.
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		_, _ = zw.Write(live.Bytes())
		if err := zw.Close(); err != nil {
			return
		}
	} else if _, err := w.Write(live.Bytes()); err != nil {
		return
	}
	for _, b := range s.parts {
		text, gz, err := b.rendered()
		if err != nil {
			h.e.logger.Error("render analysis results", "err", err)
			continue
		}
		if zipped {
			text = gz
		}
		if _, err := w.Write(text); err != nil {
			return
		}
	}
}

// acceptsGzip reads an Accept-Encoding header.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(coding) != "gzip" {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

// AddFlags registers the exporter-toolkit web flags on fs:
// --web.listen-address (repeatable; defaultAddress when not given),
// --web.config.file (TLS and basic auth, see exporter-toolkit's
// web-configuration.md) and, on Linux, --web.systemd-socket. An empty
// defaultAddress leaves the address list empty until the flag is given, so
// the caller can fall back to the config file's exporter.listen_address.
func AddFlags(fs *flag.FlagSet, defaultAddress string) *web.FlagConfig {
	addrs := &listFlag{}
	if defaultAddress != "" {
		addrs.values = []string{defaultAddress}
	}
	// The usage's back-quoted word names the value in --help, which
	// prints a given default itself.
	usage := "`address` on which to expose metrics and the web interface, as :9847 or [::1]:9847; repeatable"
	if defaultAddress == "" {
		usage += " (default: the config's exporter.listen_address, :9847 unless set)"
	}
	fs.Var(addrs, "web.listen-address", usage)
	cfg := fs.String("web.config.file", "", "Path to a configuration file that can enable TLS or authentication (exporter-toolkit web config).")
	systemd := new(bool)
	if runtime.GOOS == "linux" {
		fs.BoolVar(systemd, "web.systemd-socket", false, "Use systemd socket activation listeners instead of port listeners (Linux only).")
	}
	return &web.FlagConfig{WebListenAddresses: &addrs.values, WebSystemdSocket: systemd, WebConfigFile: cfg}
}

// FlagConfig builds a web.FlagConfig from values (the config file's
// exporter.listen_address and exporter.web_config_file, or flags).
func FlagConfig(listenAddresses []string, webConfigFile string) *web.FlagConfig {
	addrs := append([]string(nil), listenAddresses...)
	systemd := false
	return &web.FlagConfig{WebListenAddresses: &addrs, WebSystemdSocket: &systemd, WebConfigFile: &webConfigFile}
}

// listFlag is a repeatable string flag whose default is replaced by the
// first value given.
type listFlag struct {
	values []string
	set    bool
}

func (l *listFlag) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(l.values, ",")
}

func (l *listFlag) Set(v string) error {
	if !l.set {
		l.values, l.set = nil, true
	}
	l.values = append(l.values, v)
	return nil
}

// Serve serves h as configured by flags (listen addresses, TLS and basic auth
// through exporter-toolkit) until ctx is cancelled, then shuts down
// gracefully, letting requests in flight finish for up to 10 seconds.
func Serve(ctx context.Context, h http.Handler, flags *web.FlagConfig, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	done := make(chan error, 1)
	go func() { done <- web.ListenAndServe(srv, flags, logger) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
