package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aftermath-sre/aftermath/analyze"
	"github.com/aftermath-sre/aftermath/digest"
	pdingest "github.com/aftermath-sre/aftermath/ingest/pagerduty"
	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
)

// teamFlag is --team. An empty value given explicitly is a mistake (a
// shell variable that expanded to nothing), not the organization's digest.
type teamFlag struct{ name string }

func (f *teamFlag) String() string { return f.name }

func (f *teamFlag) Set(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("empty: leave --team out for the whole organization's digest")
	}
	f.name = v
	return nil
}

func digestCommand() command {
	var month, out string
	var teamF teamFlag
	var deliver bool
	return command{
		name:    "digest",
		summary: "Write the monthly learning-culture digest (self-contained HTML and Markdown) from the\nlatest analysis, and deliver it by webhook or mail when the config enables that.",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&month, "month", "", "month YYYY-MM (default: the previous month in digest.time_zone)")
			fs.Var(&teamF, "team", "only this team (default: the whole organization)")
			fs.StringVar(&out, "out", "", "output folder (default: digest.output_dir)")
			fs.BoolVar(&deliver, "deliver", true, "deliver through the channels enabled in the config")
		},
		secrets: digestSecrets,
		run: func(ctx context.Context, a *app, _ []string) error {
			team := teamF.name
			if month != "" {
				if _, err := digest.ParseMonth(month); err != nil {
					return usagef("--month %q: %w", month, err)
				}
			}
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			loc, err := time.LoadLocation(cfg.Digest.TimeZone)
			if err != nil {
				return usagef("digest.time_zone: %v", err)
			}
			if out == "" {
				out = cfg.Digest.OutputDir
			}
			st, closeStore, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer closeStore()
			if err := st.CheckSchema(ctx); err != nil {
				return err
			}
			label := teamLabel(team, cfg.Analysis.TeamAliases)
			noIncidents, err := incidentsNeverSynced(ctx, st, cfg.PagerDuty.Enabled)
			if err != nil {
				return err
			}
			d, err := digest.Build(ctx, st, digest.Options{Month: month, Team: label, Location: loc, BaseURL: cfg.Digest.BaseURL, Logger: a.logger,
				NoIncidentData: noIncidents,
				Similar: func(ctx context.Context, keys []string, n int) (map[string][]analyze.SimilarPostmortem, error) {
					return analyze.SimilarMany(ctx, st, keys, n)
				}})
			if err != nil {
				return digestBuildError(err, month, team, label)
			}
			// Written as asked; but a month whose sources had not synced
			// since it ended (serve waits for them), or an analysis that
			// predates a source's latest sync, is said to be incomplete,
			// in the log and on the page.
			if note := warnIncomplete(ctx, a.logger, st, d, enabledSourceNames(cfg), loc); note != "" {
				d.Notes = append(d.Notes, note)
			}
			paths, err := digest.Write(ctx, d, out)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "wrote %s\nwrote %s\n", paths.HTML, paths.Markdown)
			if dl := digest.NewDeliverer(cfg.Digest, digest.DeliverOptions{Logger: a.logger}); deliver && dl.Enabled() {
				if err := dl.Deliver(ctx, d); err != nil {
					return fmt.Errorf("digest written to %s but not delivered: %w", out, err)
				}
				fmt.Fprintln(a.stdout, "delivered")
			}
			return nil
		},
	}
}

// warnIncomplete logs at warn when d may miss data: an enabled source has
// not completed a successful sync that started after d's month ended, or
// d's analysis run started before a source's latest successful sync
// finished (the analysis did not read what that sync stored or removed: a
// history extended by a longer backfill, issues Jira's reconciliation
// removed); it returns the note the digest then carries ("" when
// complete). A failure to check is logged too: the digest is written.
func warnIncomplete(ctx context.Context, logger *slog.Logger, st *store.Store, d *digest.Digest, sources []string, loc *time.Location) string {
	if len(sources) == 0 {
		return ""
	}
	r, err := digest.CheckSources(ctx, sourceSyncs(st, sources), d.Month, loc)
	if err != nil {
		logger.Warn("cannot check whether the sources synced after the month ended", "month", d.Month, "err", err)
		return ""
	}
	if !r.Ready() {
		logger.Warn("digest written before every source completed a successful sync after the month ended: it may miss their data (serve waits for them)",
			"month", d.Month, "waiting", strings.Join(r.Waiting, ","), "month_end", r.End)
		them := "them"
		if len(r.Waiting) == 1 {
			them = "it"
		}
		return "Written before " + joinSources(r.Waiting) + " completed a successful sync after " + d.MonthName +
			" ended: the figures drawn from " + them + " may be incomplete or missing."
	}
	last, err := st.LastSyncs(ctx, sources)
	if err != nil {
		logger.Warn("cannot check whether the analysis followed the sources' syncs", "month", d.Month, "err", err)
		return ""
	}
	later := digest.SyncedAfter(last, d.RunStarted)
	if len(later) == 0 {
		return ""
	}
	var synced time.Time
	for _, src := range later {
		if last[src].After(synced) {
			synced = last[src]
		}
	}
	logger.Warn("digest written from an analysis that started before a source's latest successful sync finished: run `aftermath analyze` and write it again",
		"month", d.Month, "run", d.RunID, "run_started", d.RunStarted, "sources", strings.Join(later, ","), "synced", synced)
	what, when, it := "the latest sync of ", "", "it"
	if len(later) > 1 {
		what, when, it = "the latest syncs of ", "the last ", "they"
	}
	return "Written from an analysis that started before " + what + joinSources(later) + " finished (" + when +
		synced.In(loc).Format("2 Jan 2006 15:04 MST") + "): what " + it + " stored or removed, in " + d.MonthName +
		" or the months before, is not in these figures."
}

// incidentsNeverSynced reports whether PagerDuty, enabled, has never
// completed a successful sync: the digest's incident figures are then
// unknown, not zero.
func incidentsNeverSynced(ctx context.Context, st *store.Store, enabled bool) (bool, error) {
	if !enabled {
		return false, nil
	}
	first, err := st.FirstSyncsSince(ctx, []string{pdingest.Source}, time.Time{})
	if err != nil {
		return false, fmt.Errorf("digest: check the PagerDuty syncs: %w", err)
	}
	return first[pdingest.Source].IsZero(), nil
}

// joinSources names sources for a reader ("PagerDuty and Jira").
func joinSources(sources []string) string {
	names := make([]string, len(sources))
	for i, s := range sources {
		names[i] = metrics.Source(s).Display()
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// teamLabel is the label the analysis gives the team --team names, as
// analyze labels teams: the canonical form (analyze.TeamKey) of the name,
// or of the name analysis.team_aliases maps it to (aliases compared in
// canonical form). "" stays "" (the whole organization).
func teamLabel(team string, aliases map[string]string) string {
	if strings.TrimSpace(team) == "" {
		return ""
	}
	k := analyze.TeamKey(team)
	for from, to := range aliases {
		if analyze.TeamKey(from) == k {
			return analyze.TeamKey(to)
		}
	}
	return k
}

// digestBuildError reports digest.Build's error under the flag it is
// about: an unknown team or a month the analysis does not cover is bad
// usage (exit 2), named once and without digest's own prefix.
func digestBuildError(err error, month, team, label string) error {
	var ut *digest.UnknownTeamError
	if errors.As(err, &ut) {
		if label != team {
			return usagef("--team %q: %w", team, ut)
		}
		return usagef("--team: %w", ut)
	}
	var tz *digest.TimeZoneMismatchError
	if errors.As(err, &tz) {
		return usagef("digest.time_zone: %w", tz)
	}
	var nc *digest.MonthNotCoveredError
	if errors.As(err, &nc) {
		if month == "" {
			// The default month: not the user's input but a stale analysis.
			return fmt.Errorf("the previous month (--month not given): %w", nc)
		}
		return usagef("--month: %w", nc)
	}
	return err
}
