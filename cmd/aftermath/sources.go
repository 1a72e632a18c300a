package main

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aftermath-sre/aftermath/analyze"
	"github.com/aftermath-sre/aftermath/config"
	"github.com/aftermath-sre/aftermath/ingest"
	jiraingest "github.com/aftermath-sre/aftermath/ingest/jira"
	pdingest "github.com/aftermath-sre/aftermath/ingest/pagerduty"
	"github.com/aftermath-sre/aftermath/store"
)

// sources builds the enabled ingest sources (only the named one when only is
// not empty or "all").
func (a *app) sources(st *store.Store, reg prometheus.Registerer, only string) ([]ingest.Source, error) {
	return a.sourcesAt(st, reg, only, nil)
}

// sourcesAt is sources with a clock for the ingesters (nil: time.Now).
func (a *app) sourcesAt(st *store.Store, reg prometheus.Registerer, only string, now func() time.Time) ([]ingest.Source, error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, err
	}
	var out []ingest.Source
	want := func(name string, enabled bool) (bool, error) {
		switch {
		case only == "" || only == "all":
			return enabled, nil
		case only != name:
			return false, nil
		case !enabled:
			return false, usagef("--source %s: the %s source is not enabled in the config (%s.enabled: true)", name, name, name)
		}
		return true, nil
	}
	if ok, err := want(pdingest.Source, cfg.PagerDuty.Enabled); err != nil {
		return nil, err
	} else if ok {
		src, err := newPagerDuty(cfg.PagerDuty, st, a, reg, now)
		if err != nil {
			return nil, err
		}
		out = append(out, src)
	}
	if ok, err := want("jira", cfg.Jira.Enabled); err != nil {
		return nil, err
	} else if ok {
		src, err := newJira(cfg.Jira, st, a, reg, now)
		if err != nil {
			return nil, err
		}
		out = append(out, src)
	}
	if only != "" && only != "all" && only != pdingest.Source && only != "jira" {
		return nil, usagef("--source: must be pagerduty, jira or all, got %q", only)
	}
	if len(out) == 0 {
		return nil, usagef("no ingest source is enabled: set pagerduty.enabled or jira.enabled in the config")
	}
	return out, nil
}

func newPagerDuty(c config.PagerDuty, st *store.Store, a *app, reg prometheus.Registerer, now func() time.Time) (ingest.Source, error) {
	start := time.Now()
	if now != nil {
		start = now()
	}
	return pdingest.New(st, pdingest.Options{
		Now:                now,
		BaseURL:            c.APIURL,
		Token:              c.Token.Reveal(),
		ServiceIDs:         c.ServiceIDs,
		TeamIDs:            c.TeamIDs,
		RequestsPerMinute:  c.RequestsPerMinute,
		SeverityByPriority: c.Severity.Priorities,
		SeverityByUrgency:  map[string]string{"high": c.Severity.Urgency.High, "low": c.Severity.Urgency.Low},
		BackfillStart:      c.BackfillStart.At(start),
		PageSize:           c.PageSize,
		AttemptTimeout:     c.RequestTimeout.D(),
		MaxResponseBytes:   int64(c.MaxResponseBytes),
		Logger:             a.logger,
		Registerer:         reg,
	})
}

func newJira(c config.Jira, st *store.Store, a *app, reg prometheus.Registerer, now func() time.Time) (ingest.Source, error) {
	return jiraingest.New(jiraingest.Options{
		Now:               now,
		BaseURL:           c.BaseURL,
		APIVersion:        c.APIVersion,
		Email:             c.Auth.Email,
		Token:             c.Auth.Token.Reveal(),
		Bearer:            c.Auth.Type == config.AuthBearer,
		PostmortemJQL:     c.PostmortemJQL,
		ActionItemJQL:     c.ActionItemJQL,
		PublishedStatuses: c.PublishedStatuses,
		Priorities:        c.Priorities,
		PageSize:          c.PageSize,
		RequestsPerMinute: c.RequestsPerMinute,
		RequestTimeout:    c.RequestTimeout.D(),
		MaxResponseBytes:  int64(c.MaxResponseBytes),
		Overlap:           overlap(c.SyncOverlap.D()),
		TimeZone:          c.TimeZone,
		MetadataRefresh:   c.MetadataRefresh.D(),
		Fields: jiraingest.Fields{
			DueDate:      c.Fields.DueDate,
			Severity:     c.Fields.Severity,
			Team:         jiraingest.TeamField{From: c.Fields.Team.From, Field: c.Fields.Team.Field, LabelPrefix: c.Fields.Team.LabelPrefix},
			IncidentLink: jiraingest.IncidentLinkField{Mode: c.Fields.IncidentLink.Mode, Field: c.Fields.IncidentLink.Field, LabelPrefix: c.Fields.IncidentLink.LabelPrefix},
		},
		Store:      st,
		Logger:     a.logger,
		Registerer: reg,
	})
}

// syncOnce runs one Sync of src and logs its outcome. The ingesters record
// their runs in the store themselves (ingest_runs), which is where the
// exporter reads each source's last success from.
func syncOnce(ctx context.Context, src ingest.Source, a *app) (ingest.Stats, error) {
	began := time.Now()
	stats, err := src.Sync(ctx)
	if err != nil {
		return stats, fmt.Errorf("%s: %w", src.Name(), err)
	}
	a.logger.Info("ingest finished", "source", src.Name(), "requests", stats.Requests, "records", stats.Records,
		"unmapped", stats.Unmapped, "retries", stats.Retries, "rate_limit_waits", stats.RateWaits, "took", time.Since(began).Round(time.Millisecond))
	return stats, nil
}

// analyzeOptions maps the config onto the analyzers' options.
func (a *app) analyzeOptions() (analyze.Options, error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return analyze.Options{}, err
	}
	loc, err := time.LoadLocation(cfg.Digest.TimeZone)
	if err != nil {
		return analyze.Options{}, usagef("digest.time_zone: %v", err)
	}
	byPriority := func(p config.PriorityDurations) map[string]time.Duration {
		out := map[string]time.Duration{}
		for _, k := range []string{"P1", "P2", "P3", "P4", "P5"} {
			out[k], _ = p.For(k)
		}
		return out
	}
	var slos []analyze.SLO
	for _, s := range cfg.SLOs {
		slos = append(slos, analyze.SLO{Service: s.Service, Target: s.Target, Window: s.Window,
			Severities: s.CustomerImpacting.Severities, HourlyCost: s.HourlyCost})
	}
	return analyze.Options{
		Logger:             a.logger.With("component", "analyze"),
		Location:           loc,
		StaleAfter:         byPriority(cfg.Analysis.StaleAfter),
		ClosureSLO:         byPriority(cfg.Analysis.ClosureSLO),
		RequiredSeverities: cfg.Analysis.Postmortem.RequiredSeverities,
		DraftWithin:        cfg.Analysis.Postmortem.DraftWithin.D(),
		PublishWithin:      cfg.Analysis.Postmortem.PublishWithin.D(),
		RecurrenceWindow:   cfg.Analysis.RecurrenceWindow.D(),
		TeamAliases:        cfg.Analysis.TeamAliases,
		MaxItemSeries:      cfg.Exporter.MaxItemSeries,
		SLOs:               slos,
		KeepRuns:           48,
	}, nil
}

// overlap maps the config's sync_overlap (0 = none) onto the Jira ingester's
// (0 = its default, negative = none).
func overlap(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}
