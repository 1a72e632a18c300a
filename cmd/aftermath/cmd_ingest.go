package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aftermath-sre/aftermath/analyze"
	"github.com/aftermath-sre/aftermath/cmd/aftermath/internal/scheduler"
	"github.com/aftermath-sre/aftermath/config"
	jiraingest "github.com/aftermath-sre/aftermath/ingest/jira"
	pdingest "github.com/aftermath-sre/aftermath/ingest/pagerduty"
)

func ingestCommand() command {
	var source string
	var once, reextract bool
	return command{
		name:    "ingest",
		summary: "Pull incidents (PagerDuty) and postmortems with action items (Jira) into ClickHouse.\nThe first run backfills from the configured start; later runs are incremental. Without --once it\nkeeps syncing at the intervals of the schedule section until stopped.",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&source, "source", "all", "which source: pagerduty, jira or all (the enabled ones)")
			fs.BoolVar(&once, "once", false, "sync once and exit")
			fs.BoolVar(&reextract, "reextract", false, "convert the raw documents already stored into rows again, without calling the\nAPIs (after an upgrade or a configuration change that maps them differently), and exit")
		},
		secrets: ingestSecrets,
		run: func(ctx context.Context, a *app, _ []string) error {
			// Check the source choice before starting anything.
			sources := a.sources
			if reextract {
				sources = a.reextractSources
			}
			if _, err := sources(nil, nil, source); err != nil {
				return err
			}
			st, _, closeStore, err := a.openMigratedStore(ctx)
			if err != nil {
				return err
			}
			defer closeStore()
			srcs, err := sources(st, prometheus.NewRegistry(), source)
			if err != nil {
				return err
			}
			if reextract {
				var errs []error
				for _, src := range srcs {
					stats, err := src.Reextract(ctx)
					if err != nil {
						errs = append(errs, err)
						continue
					}
					fmt.Fprintf(a.stdout, "%s: %d records re-extracted from raw documents, %d unmapped\n", src.Name(), stats.Records, stats.Unmapped)
				}
				return errors.Join(errs...)
			}
			if once {
				var errs []error
				for _, src := range srcs {
					if ctx.Err() != nil {
						break // stopped (a signal): start no other source
					}
					stats, err := syncOnce(ctx, src, a)
					if err != nil && ctx.Err() != nil {
						// Stopped by a signal, as serve is: not a failure. The
						// run is recorded as aborted; the next one redoes the rest.
						a.logger.Info("ingest stopped by a signal", "source", src.Name())
						break
					}
					if err != nil {
						errs = append(errs, err)
						continue
					}
					fmt.Fprintf(a.stdout, "%s: %d records stored, %d requests, %d unmapped\n", src.Name(), stats.Records, stats.Requests, stats.Unmapped)
				}
				return errors.Join(errs...)
			}
			var jobs []scheduler.Job
			for _, src := range srcs {
				src := src
				jobs = append(jobs, scheduler.Job{Name: src.Name(), Interval: src.every, Run: func(ctx context.Context) error {
					_, err := syncOnce(ctx, src, a)
					return err
				}})
			}
			return scheduler.New(jobs, scheduler.Options{Logger: a.logger}).Run(ctx)
		},
	}
}

// ingestSecrets: a sync needs the store's secret and the sources'
// credentials; --reextract, which calls no API, only the store's.
func ingestSecrets(fs *flag.FlagSet) config.Secrets {
	if f := fs.Lookup("reextract"); f != nil && f.Value.String() == "true" {
		return config.ClickHouseSecrets
	}
	// --source names one source: the other's credentials are not needed.
	switch f := fs.Lookup("source"); {
	case f != nil && f.Value.String() == pdingest.Source:
		return config.ClickHouseSecrets | config.PagerDutySecrets
	case f != nil && f.Value.String() == jiraingest.Source:
		return config.ClickHouseSecrets | config.JiraSecrets
	}
	return config.ClickHouseSecrets | config.SourceSecrets
}

func analyzeCommand() command {
	return command{
		name:    "analyze",
		summary: "Analyze the stored incidents, postmortems and action items once and store the results\n(response times, SLOs, action-item closure, postmortem process, language, themes, recurrence).",
		secrets: clickHouseSecrets,
		run: func(ctx context.Context, a *app, _ []string) error {
			opts, err := a.analyzeOptions()
			if err != nil {
				return err
			}
			st, _, closeStore, err := a.openMigratedStore(ctx)
			if err != nil {
				return err
			}
			defer closeStore()
			began := time.Now()
			sum, err := analyze.Run(ctx, st, opts)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "analysis %s done in %s: %d incidents, %d postmortems, %d factors in %d themes, %d action items; %d results and %d items stored\n",
				sum.RunID, time.Since(began).Round(time.Millisecond), sum.Incidents, sum.Postmortems, sum.Factors, sum.Themes, sum.ActionItems, sum.Results, sum.Items)
			return nil
		},
	}
}
