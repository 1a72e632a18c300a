package analyze

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aftermath-sre/aftermath/analyze/actions"
	"github.com/aftermath-sre/aftermath/analyze/change"
	"github.com/aftermath-sre/aftermath/analyze/internal/calc"
	"github.com/aftermath-sre/aftermath/analyze/language"
	"github.com/aftermath-sre/aftermath/analyze/process"
	"github.com/aftermath-sre/aftermath/analyze/recurrence"
	"github.com/aftermath-sre/aftermath/analyze/response"
	"github.com/aftermath-sre/aftermath/analyze/themes"
	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
)

// SLO is one service's availability objective (see response.SLO).
type SLO = response.SLO

// SLO windows.
const (
	WindowCalendarMonth = response.WindowCalendarMonth
	WindowRolling28d    = response.WindowRolling28d
	WindowRolling30d    = response.WindowRolling30d
)

// Options configure Run. cmd/ maps config.Analysis, config.SLOs,
// exporter.max_item_series and digest.time_zone onto it.
type Options struct {
	Logger *slog.Logger     // nil: discard
	Now    func() time.Time // the run's clock; time.Now when nil
	// Location is the time zone of calendar months (periods and
	// calendar-month SLO windows); UTC when nil.
	Location *time.Location
	// Months is how many calendar months get a period label, the current
	// one included; default 13.
	Months int

	StaleAfter map[string]time.Duration // by priority "P1".."P5"
	ClosureSLO map[string]time.Duration // by priority "P1".."P5"

	RequiredSeverities []string      // default SEV1, SEV2
	DraftWithin        time.Duration // default 2 days
	PublishWithin      time.Duration // default 7 days
	// PostmortemOverdueLookback bounds postmortems_overdue to incidents
	// resolved this recently; default 90 days.
	PostmortemOverdueLookback time.Duration

	RecurrenceWindow time.Duration // default 30 days

	// TeamAliases maps team names as a source spells them onto the team
	// they are (see TeamKey); both sides are compared in canonical form.
	TeamAliases map[string]string

	// MaxItemSeries caps each per-item gauge (overdue items, stale items,
	// overdue postmortems); 0 writes none.
	MaxItemSeries int

	SLOs []SLO

	// Themes tunes the clustering (the zero value is the default).
	Themes themes.Options

	// DismissLabel is the Jira label with which a team dismisses the
	// language findings on an issue (a postmortem's findings, an action
	// item's vagueness findings); "" dismisses none.
	DismissLabel string
	// MaxFindingsPerMonth caps the language findings listed as items per
	// month, subject kind and rule (counts are exact); default 100.
	MaxFindingsPerMonth int

	// KeepRuns, when positive, prunes the results and items of all but the
	// newest KeepRuns runs after a successful run.
	KeepRuns int

	// RunID names the run; a time-based unique id when empty.
	RunID string

	// MemoryLimit, when positive, is the soft limit of the process's Go
	// memory while the run lasts (runtime/debug.SetMemoryLimit): the
	// collector then runs more often instead of letting the heap double
	// over what the steps hold. A lower limit already in force (GOMEMLIMIT)
	// is kept; the previous limit is restored when the run ends.
	MemoryLimit int64

	// Memo, when set, keeps what a run computed for the next run of the
	// same process to reuse (see Memo); nil computes everything.
	Memo *Memo

	// beforeStep, when set, is called as each step starts (tests).
	beforeStep func(step string)
	// noSnapshot makes the steps query the incidents without the run's
	// snapshot (tests: the results must not differ).
	noSnapshot bool
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Months <= 0 {
		o.Months = 13
	}
	if o.RecurrenceWindow <= 0 {
		o.RecurrenceWindow = 30 * 24 * time.Hour
	}
	if o.PostmortemOverdueLookback <= 0 {
		o.PostmortemOverdueLookback = process.DefaultOverdueLookback
	}
	if o.MaxFindingsPerMonth <= 0 {
		o.MaxFindingsPerMonth = 100
	}
	return o
}

// Validate checks the options that have no sensible default.
func (o Options) Validate() error {
	var errs []error
	for _, slo := range o.SLOs {
		if slo.Service == "" {
			errs = append(errs, errors.New("analyze: slo with an empty service"))
		}
		if !(slo.Target > 0 && slo.Target < 1) {
			errs = append(errs, fmt.Errorf("analyze: slo %s: target %v not in (0, 1)", slo.Service, slo.Target))
		}
		switch slo.Window {
		case "", WindowCalendarMonth, WindowRolling28d, WindowRolling30d:
		default:
			errs = append(errs, fmt.Errorf("analyze: slo %s: unknown window %q", slo.Service, slo.Window))
		}
	}
	if o.MemoryLimit < 0 {
		errs = append(errs, fmt.Errorf("analyze: memory limit %d is negative", o.MemoryLimit))
	}
	if o.MaxItemSeries < 0 {
		errs = append(errs, fmt.Errorf("analyze: max item series %d is negative", o.MaxItemSeries))
	}
	return errors.Join(errs...)
}

// RunSummary describes a finished run.
type RunSummary struct {
	RunID                 string
	StartedAt, FinishedAt time.Time // StartedAt is the run's clock ("now")
	Results, Items        int
	Incidents             int
	Postmortems           int
	Factors               int
	ActionItems           int
	Themes                int
	ThemeChanges          []themes.Change
	Durations             map[string]time.Duration // by analysis, plus "load" and "write"
	// TextsAnalyzed are the distinct texts the language checks analyzed in
	// this run (new or changed); every other text had a stored result.
	TextsAnalyzed int
}

// Run computes every analysis from the stored rows as of opts.Now and writes
// the results, items and theme state with a new run id. Re-running on the
// same rows and clock gives the same results (under a new id). The run
// becomes visible to readers (LatestAnalysisRun) only once everything is
// written; a failed run is recorded as failed. Independent steps run at
// once in two lanes (see inParallel): a failing step cancels the other
// lane, and the run fails with that step's error.
func Run(ctx context.Context, st *store.Store, opts Options) (RunSummary, error) {
	if err := opts.Validate(); err != nil {
		return RunSummary{}, err
	}
	opts = opts.withDefaults()
	log := opts.Logger
	if opts.MemoryLimit > 0 {
		if prev := debug.SetMemoryLimit(-1); opts.MemoryLimit < prev {
			debug.SetMemoryLimit(opts.MemoryLimit)
			defer debug.SetMemoryLimit(prev)
		}
	}
	now := opts.Now().UTC().Truncate(time.Second)
	wall := time.Now()
	sum := RunSummary{RunID: opts.RunID, StartedAt: now, Durations: map[string]time.Duration{}}
	if sum.RunID == "" {
		sum.RunID = newRunID(now)
	}
	fail := func(err error) (RunSummary, error) {
		run := store.AnalysisRun{ID: sum.RunID, StartedAt: now, FinishedAt: now.Add(time.Since(wall)), Status: store.RunFailed, Error: err.Error()}
		if rerr := st.RecordAnalysisRun(context.WithoutCancel(ctx), run); rerr != nil {
			log.Error("record failed analysis run", "run_id", sum.RunID, "err", rerr)
		}
		return sum, err
	}
	// timed runs one step and times it. A panic in the step (an analyzer
	// meeting data it did not expect) fails the run instead of the process:
	// the run is recorded as failed and readers keep the previous one.
	// Steps run in lanes at once (inParallel): mu guards sum and the test
	// hook.
	var mu sync.Mutex
	timed := func(name string, f func() error) error {
		t0 := time.Now()
		defer func() {
			mu.Lock()
			sum.Durations[name] += time.Since(t0)
			mu.Unlock()
		}()
		return protect(log, name, func() error {
			if opts.beforeStep != nil {
				func() {
					mu.Lock()
					defer mu.Unlock() // the hook may panic (tests)
					opts.beforeStep(name)
				}()
			}
			return f()
		})
	}

	ps := calc.NewPeriods(now, opts.Location, opts.Months)
	var d *dataset
	namer := newTeamNamer(opts.TeamAliases)
	var teams map[string]string // stored team name -> label, for the aggregates ClickHouse computes
	var input store.InputCounts
	var incidentsFrom time.Time // the earliest incident, for the digest's notes (response step)
	if err := timed("load", func() (err error) {
		if d, err = load(ctx, st, namer); err != nil {
			return err
		}
		teams = d.labels
		input, err = st.CountInputs(ctx, ps.Scope(teams))
		return err
	}); err != nil {
		return fail(fmt.Errorf("analyze: load: %w", err))
	}
	sum.Incidents, sum.Postmortems, sum.ActionItems = input.Incidents, input.Postmortems, input.ActionItems
	log.Info("analysis input loaded", "run_id", sum.RunID, "incidents", sum.Incidents, "postmortems", sum.Postmortems,
		"action_items", sum.ActionItems, "took", sum.Durations["load"])

	var results []store.Result
	var items []store.AnalysisItem

	// The incidents with their timeline's summary, copied once for the
	// steps that aggregate them (store.SnapshotIncidents) instead of each
	// query deduplicating the incidents and aggregating the timeline again:
	// taken by the first step that needs it, in either lane, and dropped
	// when the run ends. When the server refuses it (a user without the
	// right to create tables, a full disk: store.SnapshotRefused), the steps
	// query the incidents directly: slower, the same results. Any other
	// error fails the step that asked for it.
	var dropSnapshot func(context.Context) error
	incidents := sync.OnceValues(func() (*store.Store, error) {
		if opts.noSnapshot {
			return st, nil
		}
		t0 := time.Now()
		snap, drop, err := st.SnapshotIncidents(ctx, sum.RunID)
		if err != nil {
			if ctx.Err() != nil || !store.SnapshotRefused(err) {
				return nil, err
			}
			log.Warn("incident snapshot not taken; the aggregates read the incidents directly (slower, same results)",
				"run_id", sum.RunID, "err", err)
			return st, nil
		}
		dropSnapshot = drop
		log.Debug("incident snapshot taken", "run_id", sum.RunID, "took", time.Since(t0))
		return snap, nil
	})
	defer func() {
		// After the lanes: inParallel has returned, so the step that took
		// the snapshot has set dropSnapshot.
		if dropSnapshot != nil {
			if err := dropSnapshot(context.WithoutCancel(ctx)); err != nil {
				log.Warn("drop the run's incident snapshot", "run_id", sum.RunID, "err", err)
			}
		}
	}()

	// Two lanes at once: the aggregates ClickHouse computes (response, SLO,
	// action items: the server's CPU, this process mostly waits), the
	// language checks and then process; and the themes with the steps that
	// read them (recurrence, fixes, theme cost). Language runs before
	// process so that it overlaps the themes rather than fixes and theme
	// cost: at xlarge the reruns then mostly peaked at 418-433 MiB (452 and
	// 447 once each in eleven runs), against 426-484 MiB (three of four
	// above 450) with language beside fixes; the times did not change. A
	// third lane (language on its own) was no faster on two cores and held
	// more at once: the xlarge rerun peaked at 529 MiB. Each step keeps its
	// own output; they are gathered in step order.
	var resp, slo, act, proc, lang, rec, fix, cost stepOut
	// quotable is the blame check of texts the digest quotes, with the
	// organization's people (set by the process step).
	var quotable func(string) bool
	var th themeRun
	var langCounts languageCounts
	err := inParallel(ctx, func(ctx context.Context) error {
		if err := timed(AnalysisResponse, func() error {
			ist, err := incidents()
			if err != nil {
				return err
			}
			if resp.results, err = response.Compute(ctx, ist, response.Input{Periods: ps, Teams: teams}); err != nil {
				return err
			}
			// On the snapshot (sorted by creation) this costs next to
			// nothing; on the incidents, a read of their FINAL rows.
			incidentsFrom, _, err = ist.FirstIncidentAt(ctx, ps.Scope(teams))
			return err
		}); err != nil {
			return fmt.Errorf("analyze: %s: %w", AnalysisResponse, err)
		}
		if err := timed(AnalysisSLO, func() error {
			ist, err := incidents()
			if err != nil {
				return err
			}
			slo.results, err = response.ComputeSLO(ctx, ist, opts.SLOs, ps, opts.Location)
			if err != nil {
				return err
			}
			warnUnmatchedSLOs(ctx, log, ist, opts.SLOs, ps.Now)
			return nil
		}); err != nil {
			return fmt.Errorf("analyze: %s: %w", AnalysisSLO, err)
		}
		if err := timed(AnalysisActions, func() error {
			// The snapshot: the postmortems without action items are
			// counted by severity, which a postmortem takes from its
			// incidents when it states none.
			ist, err := incidents()
			if err != nil {
				return err
			}
			act.results, act.items, err = actions.Compute(ctx, ist, actions.Input{Periods: ps, Teams: teams, Options: actions.Options{
				StaleAfter: opts.StaleAfter, ClosureSLO: opts.ClosureSLO, MaxItemSeries: opts.MaxItemSeries,
			}})
			return err
		}); err != nil {
			return fmt.Errorf("analyze: %s: %w", AnalysisActions, err)
		}
		var names []string // the organization's people, for the blame check
		if err := timed(AnalysisLanguage, func() (err error) {
			if names, err = st.PersonNames(ctx); err != nil {
				return err
			}
			r, it, analyzed, lc, err := analyzeLanguage(ctx, log, st, d, ps, names, opts.MaxFindingsPerMonth, opts.DismissLabel)
			if err != nil {
				return err
			}
			mu.Lock()
			sum.TextsAnalyzed = analyzed
			mu.Unlock()
			langCounts = lc
			lang.results, lang.items = r, it
			return nil
		}); err != nil {
			return fmt.Errorf("analyze: language: %w", err)
		}
		if err := timed(AnalysisProcess, func() error {
			ist, err := incidents()
			if err != nil {
				return err
			}
			// The digest quotes lessons, never blame: a highlight whose
			// quote the blame check flags is not kept.
			checker := language.NewChecker(language.BlameOptions{Names: names})
			quotable = func(q string) bool { return len(checker.CheckBlame(q)) == 0 }
			proc.results, proc.items, err = process.Compute(ctx, ist, process.Input{Periods: ps, Teams: teams,
				Options: process.Options{RequiredSeverities: opts.RequiredSeverities, DraftWithin: opts.DraftWithin,
					PublishWithin: opts.PublishWithin, OverdueLookback: opts.PostmortemOverdueLookback, MaxItemSeries: opts.MaxItemSeries,
					Quotable: quotable}})
			return err
		}); err != nil {
			return fmt.Errorf("analyze: %s: %w", AnalysisProcess, err)
		}
		return nil
	}, func(ctx context.Context) error {
		if err := timed(AnalysisThemes, func() (err error) {
			if th, err = clusterThemes(ctx, log, st, d, ps, opts.Themes, opts.Memo); err != nil {
				return err
			}
			// Written now, not with the results: the assignments (one per
			// factor) would otherwise be held through every later step.
			// Readers see them only once the run is recorded successful.
			if err := st.WriteThemes(ctx, sum.RunID, now, th.state, th.assignments); err != nil {
				return fmt.Errorf("write: %w", err)
			}
			th.assignments = nil
			return nil
		}); err != nil {
			return fmt.Errorf("analyze: themes: %w", err)
		}
		mu.Lock()
		sum.Themes, sum.ThemeChanges, sum.Factors = len(th.res.Themes), th.res.Changes, len(th.factors)
		mu.Unlock()
		// Per factor, later steps need only the themes of incidents and
		// postmortems (and the write, the assignments).
		th.factors, th.res.Assignments, th.res.Causes, th.res.Unassigned = nil, nil, nil, nil
		if err := timed(AnalysisRecurrence, func() (err error) {
			rec.results, rec.items, err = recurrence.Compute(ctx, st, recurrence.Input{Themes: th.incidentThemes, Window: opts.RecurrenceWindow, Periods: ps, Teams: teams})
			return err
		}); err != nil {
			return fmt.Errorf("analyze: %s: %w", AnalysisRecurrence, err)
		}
		if err := timed(stepFixes, func() error {
			ist, err := incidents()
			if err != nil {
				return err
			}
			fix.results, fix.items, err = computeFixes(ctx, ist, d, th, ps, teams)
			return err
		}); err != nil {
			return fmt.Errorf("analyze: %s: %w", stepFixes, err)
		}
		if err := timed(stepThemeCost, func() error {
			ist, err := incidents()
			if err != nil {
				return err
			}
			cost.results, err = computeThemeCost(ctx, ist, th, opts.SLOs, ps)
			return err
		}); err != nil {
			return fmt.Errorf("analyze: %s: %w", stepThemeCost, err)
		}
		return nil
	})
	if err != nil {
		return fail(err)
	}
	// The themes' examples are quoted too (the digest's themes): never
	// one the blame check flags.
	th.items = quotableThemeItems(th.items, quotable)
	for _, o := range []stepOut{resp, slo, act, proc, lang, {th.results, th.items}, rec, fix, cost} {
		results, items = append(results, o.results...), append(items, o.items...)
	}
	items = append(items, teamLabelItems(teams)...)
	from := ""
	if !incidentsFrom.IsZero() {
		from = incidentsFrom.UTC().Format(time.RFC3339)
	}
	for _, set := range [][2]string{{SettingTimeZone, opts.Location.String()},
		{SettingOverdueLookback, strconv.Itoa(int(opts.PostmortemOverdueLookback.Hours() / 24))}, {SettingIncidentsFrom, from}} {
		items = append(items, store.AnalysisItem{Analysis: "run", Kind: ItemRunSetting, Key: set[0], Fields: []store.Field{{Name: "value", Value: set[1]}}})
	}
	// Last: the change step compares the month with the month before in
	// every measure the digest compares, reading the counts behind the
	// other steps' shares from their results.
	if err := timed(AnalysisChange, func() error {
		more, err := changeInputsFrom(results, ps, langCounts)
		more.memo = opts.Memo
		if err != nil {
			return err
		}
		ist, err := incidents()
		if err != nil {
			return err
		}
		r, err := changeFromStore(ctx, ist, ps.Scope(teams), ps, change.Resamples, more)
		results = append(results, r...)
		return err
	}); err != nil {
		return fail(fmt.Errorf("analyze: %s: %w", AnalysisChange, err))
	}

	// Bookkeeping results of the run itself.
	rs := calc.Sink{}
	names := make([]string, 0, len(sum.Durations))
	for k := range sum.Durations {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		rs.Add(metrics.AnalysisDurationSeconds, sum.Durations[k].Seconds(), "analysis", k)
	}
	for _, t := range []struct {
		table string
		n     int
	}{{"incidents", sum.Incidents}, {"postmortems", sum.Postmortems}, {"contributing_factors", sum.Factors}, {"action_items", sum.ActionItems}} {
		rs.Add(metrics.AnalysisInputRows, float64(t.n), "table", t.table)
	}
	for _, u := range []struct {
		field string
		n     int
	}{{"incident_severity", input.UnknownIncidentSeverity}, {"postmortem_severity", input.UnknownPostmortemSeverity},
		{"action_item_priority", input.UnknownItemPriority}, {"action_item_team", input.ItemsWithoutTeam}} {
		rs.Add(metrics.AnalysisUnknownValues, float64(u.n), "field", u.field)
	}
	results = append(results, rs.Results...)
	if err := checkResults(results); err != nil {
		return fail(fmt.Errorf("analyze: %w", err))
	}

	if err := timed("write", func() error {
		// In parts: a connection keeps the buffers of the largest insert
		// it sent for as long as it is pooled.
		for lo := 0; lo < len(items); lo += writeItemsBatch {
			if err := st.WriteAnalysisItems(ctx, sum.RunID, now, items[lo:min(lo+writeItemsBatch, len(items))]); err != nil {
				return err
			}
		}
		sum.FinishedAt = now.Add(time.Since(wall)).Truncate(time.Second)
		return st.WriteAnalysis(ctx, store.AnalysisRun{ID: sum.RunID, StartedAt: now, FinishedAt: sum.FinishedAt, Status: store.RunSuccess}, results)
	}); err != nil {
		return fail(fmt.Errorf("analyze: write run %s: %w", sum.RunID, err))
	}
	sum.Results, sum.Items = len(results), len(items)
	if opts.KeepRuns > 0 {
		if err := st.PruneAnalysis(ctx, opts.KeepRuns); err != nil {
			log.Warn("prune analysis results", "err", err)
		} else if err := st.PruneAnalysisItems(ctx, opts.KeepRuns); err != nil {
			log.Warn("prune analysis items", "err", err)
		}
	}
	log.Info("analysis run finished", "run_id", sum.RunID, "results", sum.Results, "items", sum.Items,
		"themes", sum.Themes, "took", time.Since(wall))
	return sum, nil
}

// quotableThemeItems drops the team examples whose text quotable refuses
// and blanks such a theme representative's text (the theme is kept; the
// digest then shows no example).
func quotableThemeItems(items []store.AnalysisItem, quotable func(string) bool) []store.AnalysisItem {
	if quotable == nil {
		return items
	}
	out := items[:0]
	for _, it := range items {
		switch it.Kind {
		case ItemThemeTeamExample:
			if !quotable(it.Field("text")) {
				continue
			}
		case ItemTheme:
			if t := it.Field("representative_text"); t != "" && !quotable(t) {
				fields := slices.Clone(it.Fields)
				for i := range fields {
					if fields[i].Name == "representative_text" {
						fields[i].Value = ""
					}
				}
				it.Fields = fields
			}
		}
		out = append(out, it)
	}
	return out
}

// stepOut is what one step adds to the run.
type stepOut struct {
	results []store.Result
	items   []store.AnalysisItem
}

// inParallel runs the lanes at once and waits for all of them. The first
// lane to fail cancels the others' context; its error is returned (not
// the cancellation it caused in the others).
func inParallel(ctx context.Context, lanes ...func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		once  sync.Once
		first error
		wg    sync.WaitGroup
	)
	for _, lane := range lanes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := lane(ctx); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		}()
	}
	wg.Wait()
	return first
}

// writeItemsBatch bounds the items of one insert.
const writeItemsBatch = 5000

// newRunID is the run's clock and 6 random bytes: sortable and unique.
func newRunID(now time.Time) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// teamLabelItems are the run's ItemTeamLabel items: every stored team name
// with its label, sorted by name.
func teamLabelItems(teams map[string]string) []store.AnalysisItem {
	names := slices.Sorted(maps.Keys(teams))
	out := make([]store.AnalysisItem, 0, len(names))
	for i, n := range names {
		out = append(out, store.AnalysisItem{Analysis: "run", Kind: ItemTeamLabel, Key: n, Team: teams[n], Rank: i})
	}
	return out
}

// warnUnmatchedSLOs logs at warn each SLO whose service matches no stored
// incident (its downtime reads 0 and its availability 100%), with the
// closest service names on record. A failure to check is logged too: the
// SLO's results stand.
func warnUnmatchedSLOs(ctx context.Context, log *slog.Logger, st *store.Store, slos []SLO, now time.Time) {
	unmatched, err := response.UnmatchedSLOs(ctx, st, slos, now)
	if err != nil {
		if ctx.Err() == nil {
			log.Warn("cannot check the SLOs' services against the stored incidents", "err", err)
		}
		return
	}
	for _, u := range unmatched {
		attrs := []any{"service", u.Service, "known_services", u.Known}
		if len(u.Closest) > 0 {
			attrs = append(attrs, "closest", strings.Join(u.Closest, ","))
		}
		log.Warn("SLO service matches no incident on record: its downtime reads 0 and its availability 100%; check the SLO's service name", attrs...)
	}
}
