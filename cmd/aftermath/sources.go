package main

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aftermath-sre/aftermath/analyze"
	"github.com/aftermath-sre/aftermath/config"
	"github.com/aftermath-sre/aftermath/ingest"
	jiraingest "github.com/aftermath-sre/aftermath/ingest/jira"
	pdingest "github.com/aftermath-sre/aftermath/ingest/pagerduty"
	"github.com/aftermath-sre/aftermath/store"
)

// source is an enabled ingest source and how often it syncs.
type source struct {
	ingest.Source
	every time.Duration
}

// sourceKind is a source Aftermath knows: whether the config enables it, how
// often it syncs, and how to build it.
type sourceKind struct {
	name    string
	enabled func(*config.Config) bool
	every   func(*config.Config) time.Duration
	build   func(*config.Config, *store.Store, *app, buildOptions) (ingest.Source, error)
}

// buildOptions are what a sourceKind's build needs besides the config, the
// store and the app.
type buildOptions struct {
	reg prometheus.Registerer
	now func() time.Time // the ingesters' clock; nil: time.Now
}

// sourceKinds are the sources, in sync order. A new source is its package
// and one line here (and its config section).
var sourceKinds = []sourceKind{
	{pdingest.Source, func(c *config.Config) bool { return c.PagerDuty.Enabled }, func(c *config.Config) time.Duration { return c.Schedule.PagerDuty.D() }, newPagerDuty},
	{jiraingest.Source, func(c *config.Config) bool { return c.Jira.Enabled }, func(c *config.Config) time.Duration { return c.Schedule.Jira.D() }, newJira},
}

// sources builds the enabled ingest sources (only the named one when only is
// not empty or "all").
func (a *app) sources(st *store.Store, reg prometheus.Registerer, only string) ([]source, error) {
	return a.sourcesAt(st, reg, only, nil)
}

// sourcesAt is sources with a clock for the ingesters (nil: time.Now).
func (a *app) sourcesAt(st *store.Store, reg prometheus.Registerer, only string, now func() time.Time) ([]source, error) {
	return a.buildSources(st, only, buildOptions{reg: reg, now: now})
}

// reextractSources builds the sources as sources does, for re-extracting
// their stored raw documents only: ingest --reextract does not resolve the
// credentials, and an ingester without them refuses to sync.
func (a *app) reextractSources(st *store.Store, reg prometheus.Registerer, only string) ([]source, error) {
	return a.buildSources(st, only, buildOptions{reg: reg})
}

func (a *app) buildSources(st *store.Store, only string, opts buildOptions) ([]source, error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, k := range sourceKinds {
		names = append(names, k.name)
	}
	if only != "" && only != "all" && !slices.Contains(names, only) {
		return nil, usagef("--source: must be %s or all, got %q", strings.Join(names, ", "), only)
	}
	var out []source
	for _, k := range sourceKinds {
		switch {
		case only != "" && only != "all" && only != k.name:
			continue
		case !k.enabled(cfg) && only == k.name:
			return nil, usagef("--source %s: the %s source is not enabled in the config (%s.enabled: true)", k.name, k.name, k.name)
		case !k.enabled(cfg):
			continue
		}
		src, err := k.build(cfg, st, a, opts)
		if err != nil {
			return nil, err
		}
		out = append(out, source{Source: src, every: k.every(cfg)})
	}
	if len(out) == 0 {
		return nil, usagef("no ingest source is enabled: set %s in the config", strings.Join(enabledKeys(names), " or "))
	}
	return out, nil
}

func enabledKeys(names []string) []string {
	keys := make([]string, len(names))
	for i, n := range names {
		keys[i] = n + ".enabled"
	}
	return keys
}

func newPagerDuty(cfg *config.Config, st *store.Store, a *app, o buildOptions) (ingest.Source, error) {
	c := cfg.PagerDuty
	start := time.Now()
	if o.now != nil {
		start = o.now()
	}
	return pdingest.New(st, pdingest.Options{
		Now:                o.now,
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
		Registerer:         o.reg,
	})
}

func newJira(cfg *config.Config, st *store.Store, a *app, o buildOptions) (ingest.Source, error) {
	c := cfg.Jira
	return jiraingest.New(jiraingest.Options{
		Now:               o.now,
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
		Overlap:           offWhenZero(c.SyncOverlap.D()),
		ReconcileInterval: offWhenZero(c.ReconcileInterval.D()),
		ReconcileMaxShare: c.ReconcileMaxShare,
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
		Registerer: o.reg,
	})
}

// syncOnce runs one Sync of src and logs its outcome. The shared ingest loop
// records the run in the store (ingest_runs, where the exporter reads each
// source's last success from), closing first the runs of src a killed
// process left running. Its errors already start with the source's name
// ("pagerduty: GET /incidents: ..."), so they are returned as they are.
func syncOnce(ctx context.Context, src ingest.Source, a *app) (ingest.Stats, error) {
	began := time.Now()
	stats, err := src.Sync(ctx)
	if err != nil {
		return stats, err
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
		MemoryLimit:        int64(cfg.Analysis.MemoryLimitMiB) << 20,
		DismissLabel:       cfg.Analysis.DismissLabel,
		MaxItemSeries:      cfg.Exporter.MaxItemSeries,
		SLOs:               slos,
		KeepRuns:           48,
		Memo:               analyze.NewMemo(), // serve's runs share it
	}, nil
}

// offWhenZero maps a config duration where 0 means none (sync_overlap,
// reconcile_interval) onto the Jira ingester's (0 = its default, negative =
// none).
func offWhenZero(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}
