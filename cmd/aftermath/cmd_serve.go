package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	oklog "github.com/oklog/run"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/aftermath-sre/aftermath/analyze"
	"github.com/aftermath-sre/aftermath/cmd/aftermath/internal/scheduler"
	"github.com/aftermath-sre/aftermath/config"
	"github.com/aftermath-sre/aftermath/digest"
	"github.com/aftermath-sre/aftermath/exporter"
	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func serveCommand() command {
	var webCfg *web.FlagConfig
	return command{
		name:    "serve",
		summary: "Run Aftermath as a service: ingest each source at its interval, analyze after ingestion, write\nthe monthly digest on the first of the month, and serve /metrics, /healthz, /readyz, /digests/.",
		flags:   func(fs *flag.FlagSet) { webCfg = exporter.AddFlags(fs, "") },
		// secrets nil: all of them, as serve syncs, analyzes and delivers.
		run: func(ctx context.Context, a *app, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			// Check the sources before starting anything.
			if _, err := a.sources(nil, nil, "all"); err != nil {
				return err
			}
			if err := resolveWebConfig(webCfg, cfg); err != nil {
				return err
			}
			st, closeStore, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer closeStore()
			pending := &atomic.Bool{} // a migration waits for a cluster node: jobs are held
			if _, err := st.Migrate(ctx); err != nil {
				var down *store.UnreachableHostsError
				if !errors.As(err, &down) {
					return err
				}
				// A cluster node is down while a migration is pending:
				// serve anyway (/readyz fails and aftermath_up is 0 until
				// the schema is there) and retry the migration.
				a.logger.Warn("clickhouse cluster degraded: the pending migration waits until every node answers; serving meanwhile",
					"cluster", down.Cluster, "unreachable", strings.Join(down.Hosts, ","))
				pending.Store(true)
				go func() {
					retryMigrate(ctx, st, a.logger, 30*time.Second)
					pending.Store(false)
				}()
			}
			a.migrationPending = pending.Load
			return a.serve(ctx, st, webCfg, nil)
		},
	}
}

// retryMigrate retries a postponed migration every interval until it is
// applied or ctx ends.
func retryMigrate(ctx context.Context, st *store.Store, logger *slog.Logger, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		res, err := st.Migrate(ctx)
		if err == nil {
			logger.Info("postponed migration applied", "applied", strings.Join(res.Applied, ","))
			return
		}
		logger.Warn("migration still postponed", "err", err)
	}
}

// resolveWebConfig fills in what the web flags did not set from the
// config file (flags win: --web.listen-address replaces
// exporter.listen_address, --web.config.file replaces
// exporter.web_config_file) and checks the web config file, so that a bad
// one is a usage error before anything starts.
func resolveWebConfig(webCfg *web.FlagConfig, cfg *config.Config) error {
	if len(*webCfg.WebListenAddresses) == 0 {
		*webCfg.WebListenAddresses = []string{cfg.Exporter.ListenAddress}
	}
	if err := checkListenAddresses(*webCfg.WebListenAddresses); err != nil {
		return err
	}
	if *webCfg.WebConfigFile == "" {
		*webCfg.WebConfigFile = cfg.Exporter.WebConfigFile
	} else if err := config.CheckWebConfig(*webCfg.WebConfigFile); err != nil {
		// The config file's own was checked when it was loaded.
		return usagef("--web.config.file: %v", err)
	}
	return nil
}

// checkListenAddresses checks the --web.listen-address values as the config
// checks exporter.listen_address, so that a bad one is bad usage before
// anything starts rather than a failure once the jobs run.
func checkListenAddresses(addrs []string) error {
	for _, addr := range addrs {
		if addr == "" {
			return usagef("--web.listen-address: must not be empty")
		}
		_, port, err := net.SplitHostPort(addr)
		if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 {
			return usagef("--web.listen-address: must be [host]:port, got %q", addr)
		}
	}
	return nil
}

// serve runs the scheduler and the HTTP endpoints until ctx is done or one of
// them fails. started, when set, is called once the jobs are scheduled.
func (a *app) serve(ctx context.Context, st *store.Store, webCfg *web.FlagConfig, started func()) error {
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	srcs, err := a.sources(st, reg, "all")
	if err != nil {
		return err
	}
	aopts, err := a.analyzeOptions()
	if err != nil {
		return err
	}
	var names []string
	for _, s := range srcs {
		names = append(names, s.Name())
	}
	exp, err := exporter.New(exporter.Options{Store: st, Logger: a.logger.With("component", "exporter"), Sources: names, MaxItemSeries: cfg.Exporter.MaxItemSeries})
	if err != nil {
		return err
	}
	monthly := &digest.Monthly{
		Reader: st, Dir: cfg.Digest.OutputDir, Location: aopts.Location, BaseURL: cfg.Digest.BaseURL,
		Deliverer: digest.NewDeliverer(cfg.Digest, digest.DeliverOptions{Logger: a.logger.With("component", "digest")}),
		Logger:    a.logger.With("component", "digest"),
		Similar: func(ctx context.Context, keys []string, n int) (map[string][]analyze.SimilarPostmortem, error) {
			return analyze.SimilarMany(ctx, st, keys, n)
		},
		// A month's digest waits until every enabled source synced after
		// the month ended and an analysis followed: written from a failed
		// sync's data, it would count as written and never be redone.
		Sources: sourceSyncs(st, names),
	}
	handler, err := exporter.NewHandler(exporter.HandlerOptions{
		Exporter: exp, Gatherer: reg, Registerer: reg, Ready: exp.Ready, Version: version,
		Digests: http.FileServer(http.Dir(cfg.Digest.OutputDir)), Logger: a.logger.With("component", "http"),
	})
	if err != nil {
		return err
	}

	var jobs []scheduler.Job
	for _, src := range srcs {
		src := src
		jobs = append(jobs, scheduler.Job{Name: src.Name(), Interval: src.every, AfterSuccess: []string{"analysis"},
			Run: func(ctx context.Context) error { _, err := syncOnce(ctx, src, a); return err }})
	}
	jobs = append(jobs,
		scheduler.Job{Name: "analysis", Interval: cfg.Schedule.Analysis.D(), AfterSuccess: []string{"digest"},
			Run: func(ctx context.Context) error {
				_, err := analyze.Run(ctx, st, aopts)
				if err == nil {
					err = exp.Refresh(ctx)
				}
				return err
			}},
		scheduler.Job{Name: "digest", Interval: time.Hour, Run: func(ctx context.Context) error {
			_, err := monthly.Run(ctx)
			if errors.Is(err, digest.ErrNoAnalysis) {
				return nil // nothing to write before the first analysis
			}
			return err
		}},
	)
	var hold func() string
	if a.migrationPending != nil {
		// The jobs would fail on the missing schema and count as failures
		// (AftermathJobFailing on top of AftermathDown).
		hold = func() string {
			if a.migrationPending() {
				return "a migration waits for every cluster node to answer (" + metrics.Up.Name() + " is 0 until it is applied)"
			}
			return ""
		}
	}
	sched := scheduler.New(jobs, scheduler.Options{Logger: a.logger.With("component", "scheduler"), Registerer: reg, Hold: hold})

	var g oklog.Group
	{
		ctx, cancel := context.WithCancel(ctx)
		g.Add(func() error {
			if started != nil {
				started()
			}
			return sched.Run(ctx)
		}, func(error) { cancel() })
	}
	{
		ctx, cancel := context.WithCancel(ctx)
		g.Add(func() error { return exporter.Serve(ctx, handler, webCfg, a.logger.With("component", "http")) }, func(error) { cancel() })
	}
	{
		parent := ctx
		ctx, cancel := context.WithCancel(ctx)
		g.Add(func() error {
			var managedDone <-chan struct{}
			if a.managed != nil {
				managedDone = a.managed.Done()
			}
			select {
			case <-managedDone:
				return a.managed.Err()
			case <-ctx.Done():
				if parent.Err() != nil {
					a.logger.Info("shutting down: work in flight finishes or is checkpointed")
				}
				return nil
			}
		}, func(error) { cancel() })
	}
	a.logger.Info("serving", "addresses", strings.Join(*webCfg.WebListenAddresses, ","), "sources", strings.Join(names, ","))
	if err := g.Run(); err != nil {
		return err
	}
	a.logger.Info("stopped")
	return nil
}
