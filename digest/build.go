package digest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aftermath-sre/aftermath/analyze"
	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
)

// ErrNoAnalysis is returned by Build when no analysis run has succeeded yet.
var ErrNoAnalysis = errors.New("digest: no successful analysis run yet (run `aftermath analyze` first)")

// ErrUnknownTeam is wrapped by Build's error when Options.Team names a team
// that no result or item of the analysis run is labelled with; the error
// (an *UnknownTeamError) lists the teams it knows.
var ErrUnknownTeam = errors.New("unknown team")

// ErrMonthNotCovered is wrapped by Build's error when Options.Month is a
// month the analysis run has no results for; the error (a
// *MonthNotCoveredError) says which months it covers.
var ErrMonthNotCovered = errors.New("month not covered by the analysis")

// UnknownTeamError is Build's error for a team the analysis run does not
// know. Its text has no "digest:" prefix (Build's error adds it), so that a
// caller can report it under its own flag.
type UnknownTeamError struct {
	Team  string
	RunID string
	Known []string // the run's teams, sorted
}

// maxTeamsListed caps the teams an unknown-team error lists.
const maxTeamsListed = 30

func (e *UnknownTeamError) Error() string {
	if len(e.Known) == 0 {
		return fmt.Sprintf("%v %q: the analysis run %s has no results by team", ErrUnknownTeam, e.Team, e.RunID)
	}
	var list []string
	for i, t := range e.Known {
		if i == maxTeamsListed {
			list = append(list, fmt.Sprintf("%d more", len(e.Known)-maxTeamsListed))
			break
		}
		list = append(list, strconv.Quote(t))
	}
	return fmt.Sprintf("%v %q: the analysis run %s knows %s: %s", ErrUnknownTeam, e.Team, e.RunID,
		plural(len(e.Known), "team", "teams"), strings.Join(list, ", "))
}

// Is makes errors.Is(err, ErrUnknownTeam) hold.
func (e *UnknownTeamError) Is(target error) bool { return target == ErrUnknownTeam }

// TimeZoneMismatchError is Build's error when the analysis run's calendar
// months are in another time zone than Options.Location: its figures would
// be labeled with months they do not cover. Like UnknownTeamError, its text
// has no "digest:" prefix.
type TimeZoneMismatchError struct {
	RunID          string
	Run, Requested string // IANA names
}

func (e *TimeZoneMismatchError) Error() string {
	return fmt.Sprintf("the analysis run %s has calendar months in %s, not %s: run `aftermath analyze` with this time zone, or write the digest in %s",
		e.RunID, e.Run, e.Requested, e.Run)
}

// MonthNotCoveredError is Build's error for a month the analysis run has
// no results for. Like UnknownTeamError, its text has no "digest:" prefix.
type MonthNotCoveredError struct {
	Month string
	RunID string
	// From and To are the first and last months the run covers ("" when
	// it covers none).
	From, To string
	// DataFrom, when set, is the first month with any data (incidents,
	// action items or contributing factors): Month is in the run's months
	// but before it, so every figure would be an unknown read as zero.
	DataFrom string
}

func (e *MonthNotCoveredError) Error() string {
	if e.DataFrom != "" {
		return fmt.Sprintf("the data of analysis run %s starts in %s, so %s has none to report", e.RunID, e.DataFrom, e.Month)
	}
	if e.From == "" {
		return fmt.Sprintf("the analysis run %s covers no months, so not %s", e.RunID, e.Month)
	}
	return fmt.Sprintf("the analysis run %s covers %s to %s, not %s", e.RunID, e.From, e.To, e.Month)
}

// Is makes errors.Is(err, ErrMonthNotCovered) hold.
func (e *MonthNotCoveredError) Is(target error) bool { return target == ErrMonthNotCovered }

// Reader is what Build reads: the analysis results and items of the latest
// successful run. *store.Store implements it.
type Reader interface {
	LatestAnalysisRun(ctx context.Context) (store.AnalysisRun, bool, error)
	AnalysisResults(ctx context.Context, runID, analysis string) ([]store.Result, error)
	AnalysisItems(ctx context.Context, runID string, f store.AnalysisItemFilter) ([]store.AnalysisItem, error)
}

var _ Reader = (*store.Store)(nil)

// Options configure Build.
type Options struct {
	// Month is the digest's month, "YYYY-MM". Empty means the month before
	// the one containing Now in Location.
	Month string
	// Team limits the digest to one team; empty is the whole organization.
	Team string
	// Location decides month boundaries and the dates shown; nil is UTC. Use
	// the time zone the analysis ran with (config digest.time_zone).
	Location *time.Location
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// BaseURL is the absolute URL the digest folder is published at (serve's
	// /digests/), used for links in deliveries. Optional.
	BaseURL string
	// MaxItems caps each list (oldest items, highlights, themes...); 5 when 0.
	MaxItems int
	// Similar, when set, lists the earlier postmortems most like each
	// quoted one (analyze.SimilarMany over the store), shown under its
	// quote as "Seen before". Nil leaves them out.
	Similar SimilarFunc
	Logger  *slog.Logger
	// NoIncidentData says the incident source has never completed a sync:
	// the month's incident-derived figures are unknown, not zero (a digest
	// written by hand while PagerDuty is unreachable).
	NoIncidentData bool
}

// SimilarFunc lists up to n earlier postmortems like each of keys, most
// similar first (analyze.SimilarMany has this shape over a store).
type SimilarFunc func(ctx context.Context, keys []string, n int) (map[string][]analyze.SimilarPostmortem, error)

// SimilarShown is how many earlier postmortems a quote lists.
const SimilarShown = 3

// seenBefore fills each quoted postmortem's similar earlier ones, asking
// once for all of them.
func seenBefore(ctx context.Context, similar SimilarFunc, h *HighlightSection) error {
	var keys []string
	seen := map[string]bool{}
	for _, list := range [][]Highlight{h.Lessons, h.Lucky} {
		for _, x := range list {
			if !seen[x.Key] {
				seen[x.Key] = true
				keys = append(keys, x.Key)
			}
		}
	}
	if len(keys) == 0 {
		return nil
	}
	got, err := similar(ctx, keys, SimilarShown)
	if err != nil {
		return err
	}
	for _, list := range [][]Highlight{h.Lessons, h.Lucky} {
		for i := range list {
			for _, m := range got[list[i].Key] {
				list[i].Similar = append(list[i].Similar, SimilarPostmortem{
					Key: m.Key, Title: m.Title, URL: safeURL(m.URL), SharedThemes: m.SharedThemeLabels,
				})
			}
		}
	}
	return nil
}

// PreviousMonth returns the month before the one containing now in loc.
func PreviousMonth(now time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	l := now.In(loc)
	return time.Date(l.Year(), l.Month()-1, 1, 0, 0, 0, 0, loc).Format("2006-01")
}

// ParseMonth checks a "YYYY-MM" month. Its errors say what is wrong
// without naming the value, which the caller names (Build: "digest: month
// "2026-13": month 13 is not 01-12").
func ParseMonth(m string) (time.Time, error) {
	if len(m) != 7 || m[4] != '-' || !digits(m[:4]) || !digits(m[5:]) {
		return time.Time{}, errors.New("want a month as YYYY-MM, e.g. 2026-10")
	}
	if mm, _ := strconv.Atoi(m[5:]); mm < 1 || mm > 12 {
		return time.Time{}, fmt.Errorf("month %s is not 01-12", m[5:])
	}
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return time.Time{}, fmt.Errorf("want a month as YYYY-MM: %w", err)
	}
	return t, nil
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// Build assembles the digest of one month from the latest successful
// analysis run.
func Build(ctx context.Context, r Reader, opts Options) (*Digest, error) {
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxItems <= 0 {
		opts.MaxItems = 5
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	now := opts.Now()
	if opts.Month == "" {
		opts.Month = PreviousMonth(now, opts.Location)
	}
	mt, err := ParseMonth(opts.Month)
	if err != nil {
		return nil, fmt.Errorf("digest: month %q: %w", opts.Month, err)
	}
	run, ok, err := r.LatestAnalysisRun(ctx)
	if err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	if !ok {
		return nil, ErrNoAnalysis
	}
	rows, err := r.AnalysisResults(ctx, run.ID, "")
	if err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	items, err := r.AnalysisItems(ctx, run.ID, store.AnalysisItemFilter{})
	if err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	ix := indexItems(items)
	if tz := ix.setting(analyze.SettingTimeZone).Field("value"); tz != "" && tz != opts.Location.String() {
		return nil, fmt.Errorf("digest: %w", &TimeZoneMismatchError{RunID: run.ID, Run: tz, Requested: opts.Location.String()})
	}
	if opts.Team != "" {
		if known := knownTeams(rows, items); !slices.Contains(known, opts.Team) {
			return nil, fmt.Errorf("digest: %w", &UnknownTeamError{Team: opts.Team, RunID: run.ID, Known: known})
		}
	}
	res := indexResults(rows)

	from := time.Date(mt.Year(), mt.Month(), 1, 0, 0, 0, 0, opts.Location)
	to := from.AddDate(0, 1, 0)
	months := make([]string, TrendMonths)
	for i := range months {
		months[i] = addMonths(opts.Month, i-(TrendMonths-1))
	}
	covered := res.periods(metrics.IncidentsBySeverity)
	if !covered[opts.Month] {
		from, to := coverage(covered)
		return nil, fmt.Errorf("digest: %w", &MonthNotCoveredError{Month: opts.Month, RunID: run.ID, From: from, To: to})
	}
	// Months before the organization's first activity (before PagerDuty and
	// Jira were connected) read as zeros in the results; leave them out of
	// comparisons rather than average them in.
	start := dataStart(res, covered)
	if start != "" && opts.Month < start {
		// Not "no incidents this month": nothing was known then.
		from, to := coverage(covered)
		return nil, fmt.Errorf("digest: %w", &MonthNotCoveredError{Month: opts.Month, RunID: run.ID, From: from, To: to, DataFrom: start})
	}
	if start != "" && start <= opts.Month {
		for m := range covered {
			if m < start {
				delete(covered, m)
				res.excluded[m] = true
			}
		}
	}
	// A PagerDuty history shorter than Jira's (pagerduty.backfill_start):
	// before the first month with incidents, the incident-derived figures
	// are unknown, not zero.
	incidentsFrom := incidentStart(res, covered)
	if incidentsFrom != "" && start != "" && incidentsFrom > start {
		res.incidentsFrom = incidentsFrom
	}
	if opts.NoIncidentData {
		res.incidentsFrom = addMonths(opts.Month, 1) // none up to this month
	}
	b := &builder{
		res: res, items: ix, months: months, covered: covered,
		month: opts.Month, team: opts.Team, loc: opts.Location, max: opts.MaxItems, runAt: run.FinishedAt,
		noIncidentSource: opts.NoIncidentData,
	}
	b.serviceTeams()

	d := &Digest{
		Month: opts.Month, MonthName: monthName(opts.Month), Previous: addMonths(opts.Month, -1), Months: months,
		Team: opts.Team, From: from, To: to, TimeZone: opts.Location.String(),
		GeneratedAt: now.UTC(), RunID: run.ID, RunStarted: run.StartedAt.UTC(), RunAt: run.FinishedAt.UTC(),
	}
	d.Scope = "the whole organization"
	d.Title = "Learning digest · " + d.MonthName
	if opts.Team != "" {
		d.Scope = "team " + opts.Team
		d.Title = "Learning digest · " + opts.Team + " · " + d.MonthName
	}
	if run.FinishedAt.Before(to) {
		d.Partial = true
		d.Notes = append(d.Notes, fmt.Sprintf("%s was not over when the analysis ran (%s): its numbers cover the month so far, so its counts and their arrows fall short of full months'; “Is the change real?” compares them per day.",
			d.MonthName, run.FinishedAt.In(opts.Location).Format("2 Jan 2006 15:04 MST")))
	}
	if days := int(run.FinishedAt.Sub(to).Hours() / 24); days >= LateAnalysisDays {
		// A digest written well after its month: the figures "as of the
		// run" are not the month's end.
		d.AsOf = run.FinishedAt.In(opts.Location).Format("2 Jan 2006")
		d.Notes = append(d.Notes, fmt.Sprintf("The analysis behind this digest ran on %s, %d days after %s ended: what is open, overdue, unowned or still owed (action items, postmortems, incidents, the fixes' repeats) is as of %s, not the end of %s.",
			d.AsOf, days, d.MonthName, d.AsOf, d.MonthName))
	}
	var missing []string
	for _, m := range months[:len(months)-1] {
		if !covered[m] && !res.excluded[m] {
			missing = append(missing, monthName(m))
		}
	}
	if len(missing) > 0 {
		d.Notes = append(d.Notes, "The analysis run has no data for "+joinAnd(missing)+"; comparisons use the months it has.")
	}
	if start > months[0] && start <= opts.Month {
		d.Notes = append(d.Notes, "The data starts in "+monthName(start)+"; earlier months are left out of the comparisons.")
	}
	if from := res.incidentsFrom; from != "" && !opts.NoIncidentData {
		d.IncidentsFrom = from
		switch {
		case opts.Month < from:
			d.Notes = append(d.Notes, "The incident data starts in "+monthName(from)+", later than the postmortems and action items "+
				"(PagerDuty's history in Aftermath begins there: pagerduty.backfill_start), so this month's incident, response, "+
				"error-budget, recurrence and postmortem-coverage figures are unknown, not zero.")
		case from > months[0]:
			note := "The incident data starts in " + monthName(from) + ", later than the postmortems and action items " +
				"(pagerduty.backfill_start); incident figures before it are unknown and left out of the comparisons."
			if from == opts.Month {
				note = strings.TrimSuffix(note, ".") + ", and " + monthName(from) + " itself may be only partly covered."
			}
			d.Notes = append(d.Notes, note)
		}
	}
	if opts.NoIncidentData {
		d.IncidentsFrom = res.incidentsFrom
		d.NoIncidentSource = true
	}
	if note := partialFirstMonth(b.items, months, opts.Month, opts.Location); note != "" && !opts.NoIncidentData {
		d.Notes = append(d.Notes, note)
	}
	d.Links = links(opts.BaseURL, FileBase(opts.Month, opts.Team))

	d.Incidents = b.incidents(opts.Team)
	d.Response = b.response(opts.Team)
	d.ErrorBudget = b.budget(opts.Team)
	d.Postmortems = b.postmortems(opts.Team != "")
	d.Actions = b.actions(opts.Team)
	d.Actions.AsOf = run.FinishedAt.UTC()
	d.Themes = b.themeSection(opts.Team)
	d.Recurrence = b.recurrence(opts.Team)
	if opts.Team == "" {
		d.ThemeCost = b.themeCost()
	}
	// Whether the fixes held is read from the incidents that repeated
	// their failures: without any incident data it is not known.
	if !opts.NoIncidentData {
		if opts.Team == "" {
			d.Fixes = b.fixSection()
		}
		// The fixes still owed: the organization's most repeated, or the
		// team's own (a team's digest has no other part of the fixes
		// section).
		d.Fixes.Pending = b.items.pendingFixes(opts.Team, 5)
	}
	d.Language = b.language(opts.Team != "")
	d.Highlights = b.highlights(opts.Team)
	if opts.Similar != nil {
		if err := seenBefore(ctx, opts.Similar, &d.Highlights); err != nil {
			return nil, fmt.Errorf("digest: similar postmortems: %w", err)
		}
	}
	if opts.Team == "" {
		for _, t := range b.teams() {
			d.Teams = append(d.Teams, b.teamSection(t))
		}
	}
	d.Changes = b.changes(opts.Team)
	d.Changes.attach(d)
	d.Summary = summarize(d)
	return d, nil
}

// knownTeams are the teams the analysis run's results and items are
// labelled with, sorted ("" and "unknown" are not teams).
func knownTeams(rows []store.Result, items []store.AnalysisItem) []string {
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r.Label("team")] = true
	}
	for _, it := range items {
		seen[it.Team] = true
	}
	return teamNames(seen)
}

func links(base, file string) Links {
	if base == "" {
		return Links{}
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return Links{}
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return Links{
		HTML:     u.JoinPath(file + ".html").String(),
		Markdown: u.JoinPath(file + ".md").String(),
		Index:    u.String(),
	}
}

// incidentStart is the first covered month with incidents ("" for none).
func incidentStart(res *results, covered map[string]bool) string {
	return firstMonthWith(res, covered, metrics.IncidentsBySeverity)
}

// dataStart is the first covered month with any activity: incidents,
// action items created or contributing factors ("" for none).
func dataStart(res *results, covered map[string]bool) string {
	return firstMonthWith(res, covered, metrics.IncidentsBySeverity, metrics.ActionItemsCreated, metrics.ThemeFactors)
}

// firstMonthWith is the first covered month in which one of the families
// sums above zero ("" for none).
func firstMonthWith(res *results, covered map[string]bool, families ...metrics.Family) string {
	var ms []string
	for m := range covered {
		if len(m) == 7 {
			ms = append(ms, m)
		}
	}
	sort.Strings(ms)
	for _, m := range ms {
		for _, f := range families {
			if v, _ := res.sum(f, L{"period": m}); v > 0 {
				return m
			}
		}
	}
	return ""
}

// coverage is the first and last month of the covered ones ("" without
// any).
func coverage(covered map[string]bool) (from, to string) {
	var ms []string
	for m := range covered {
		if len(m) == 7 {
			ms = append(ms, m)
		}
	}
	if len(ms) == 0 {
		return "", ""
	}
	sort.Strings(ms)
	return ms[0], ms[len(ms)-1]
}

type builder struct {
	res     *results
	items   *itemIndex
	months  []string
	covered map[string]bool
	month   string
	team    string
	loc     *time.Location
	max     int
	runAt   time.Time
	// noIncidentSource: the incident source has never completed a sync
	// (Options.NoIncidentData), so even the run's snapshot of incidents
	// (open now, postmortems overdue now, fixes and their repeats) is
	// unknown, not empty.
	noIncidentSource bool
	// teamsOf maps a service to the teams that had its incidents in the trend.
	teamsOf map[string]map[string]bool
}

func (b *builder) serviceTeams() {
	b.teamsOf = map[string]map[string]bool{}
	for _, m := range b.months {
		for _, row := range b.res.rows(metrics.Incidents, L{"period": m}) {
			s, t := row.Label("service"), row.Label("team")
			if b.teamsOf[s] == nil {
				b.teamsOf[s] = map[string]bool{}
			}
			b.teamsOf[s][t] = true
		}
	}
}

// ownedBy reports whether a team had incidents of the service in the trend.
func (b *builder) ownedBy(service, team string) bool { return team == "" || b.teamsOf[service][team] }

var severityOrder = map[string]int{"SEV1": 1, "SEV2": 2, "SEV3": 3, "SEV4": 4, "SEV5": 5}

func sortSeverities(s []string) {
	sort.Slice(s, func(i, j int) bool {
		oi, oj := severityOrder[s[i]], severityOrder[s[j]]
		if oi == 0 {
			oi = 99
		}
		if oj == 0 {
			oj = 99
		}
		if oi != oj {
			return oi < oj
		}
		return s[i] < s[j]
	})
}

func sortPriorities(p []string) {
	sort.Slice(p, func(i, j int) bool {
		ui, uj := p[i] == "unknown" || p[i] == "", p[j] == "unknown" || p[j] == ""
		if ui != uj {
			return uj
		}
		return p[i] < p[j]
	})
}

func (b *builder) incidents(team string) IncidentSection {
	sevs := map[string]bool{"SEV1": true, "SEV2": true}
	for _, m := range b.months {
		metric := metrics.IncidentsBySeverity
		if team != "" {
			metric = metrics.Incidents
		}
		for _, row := range b.res.rows(metric, L{"period": m}) {
			if team == "" || row.Label("team") == team {
				if row.Value != 0 {
					sevs[row.Label("severity")] = true
				}
			}
		}
	}
	var list []string
	for s := range sevs {
		list = append(list, s)
	}
	sortSeverities(list)
	sec := IncidentSection{}
	total := newSeries(b.months)
	for _, sev := range list {
		var s Series
		if team == "" {
			s = b.res.series(b.months, metrics.IncidentsBySeverity, L{"severity": sev})
		} else {
			s = b.res.sumSeries(b.months, b.covered, metrics.Incidents, L{"severity": sev, "team": team})
		}
		for i := range s.Values {
			if s.Known[i] {
				total.set(i, total.Values[i]+s.Values[i])
			}
		}
		sec.BySeverity = append(sec.BySeverity, Measure{Name: sev, Unit: UnitCount, Direction: LowerIsBetter, Series: s})
	}
	sec.Total = Measure{Name: "Incidents", Unit: UnitCount, Direction: LowerIsBetter, Series: total}
	f := L{}
	if team != "" {
		f["team"] = team
	}
	open, _ := b.res.sum(metrics.IncidentsOpen, f)
	if !b.noIncidentSource {
		sec.OpenNow = int(open) // else not known (the page says so)
	}
	sec.Sentence = incidentSentence(sec)
	return sec
}

func (b *builder) response(team string) ResponseSection {
	l := func(stat string) L { return L{"team": team, "stat": stat} }
	r := ResponseSection{
		MTTAP50: Measure{Name: "MTTA p50", Unit: UnitDuration, Direction: LowerIsBetter, Series: b.res.series(b.months, metrics.MTTASeconds, l(analyze.StatP50))},
		MTTAP90: Measure{Name: "MTTA p90", Unit: UnitDuration, Direction: LowerIsBetter, Series: b.res.series(b.months, metrics.MTTASeconds, l(analyze.StatP90))},
		MTTRP50: Measure{Name: "MTTR p50", Unit: UnitDuration, Direction: LowerIsBetter, Series: b.res.series(b.months, metrics.MTTRSeconds, l(analyze.StatP50))},
		MTTRP90: Measure{Name: "MTTR p90", Unit: UnitDuration, Direction: LowerIsBetter, Series: b.res.series(b.months, metrics.MTTRSeconds, l(analyze.StatP90))},
	}
	if team != "" {
		return r // percentiles are broken down by at most one label
	}
	sevs := b.res.labelValues(metrics.MTTRSeconds, "severity", L{"period": b.month})
	sortSeverities(sevs)
	for _, sev := range sevs {
		if sev == "" {
			continue
		}
		sl := func(stat string) L { return L{"severity": sev, "stat": stat} }
		r.BySeverity = append(r.BySeverity, SeverityResponse{
			Severity:  sev,
			Incidents: Measure{Name: sev, Unit: UnitCount, Direction: LowerIsBetter, Series: b.res.series(b.months, metrics.IncidentsBySeverity, L{"severity": sev})},
			MTTAP90:   Measure{Name: "MTTA p90", Unit: UnitDuration, Direction: LowerIsBetter, Series: b.res.series(b.months, metrics.MTTASeconds, sl(analyze.StatP90))},
			MTTRP50:   Measure{Name: "MTTR p50", Unit: UnitDuration, Direction: LowerIsBetter, Series: b.res.series(b.months, metrics.MTTRSeconds, sl(analyze.StatP50))},
			MTTRP90:   Measure{Name: "MTTR p90", Unit: UnitDuration, Direction: LowerIsBetter, Series: b.res.series(b.months, metrics.MTTRSeconds, sl(analyze.StatP90))},
		})
	}
	return r
}

// monthSeconds is the length of a month in the digest's time zone.
func (b *builder) monthSeconds(m string) float64 {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return 0
	}
	from := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, b.loc)
	return from.AddDate(0, 1, 0).Sub(from).Seconds()
}

func (b *builder) budget(team string) BudgetSection {
	services := map[string]bool{}
	for _, s := range b.res.labelValues(metrics.SLOObjectiveRatio, "service", nil) {
		services[s] = true
	}
	for _, m := range b.months {
		for _, s := range b.res.labelValues(metrics.DowntimeSeconds, "service", L{"period": m}) {
			services[s] = true
		}
	}
	unrecorded := map[string]bool{}
	for _, s := range b.sloServicesWithoutIncidents() {
		unrecorded[s] = true
	}
	var sec BudgetSection
	for s := range services {
		if s == "" || !b.ownedBy(s, team) {
			continue
		}
		// Without any incident data, no service has incidents on record:
		// that says nothing of the SLO's name (its downtime reads unknown).
		sb := ServiceBudget{Service: s, NoIncidents: unrecorded[s] && !b.noIncidentSource}
		if ws := b.res.labelValues(metrics.SLOObjectiveRatio, "window", L{"service": s}); len(ws) > 0 {
			sb.Window = ws[0]
			sb.Objective, _ = b.res.value(metrics.SLOObjectiveRatio, L{"service": s, "window": sb.Window})
			sb.RemainingNow, sb.HasRemainingNow = b.res.value(metrics.ErrorBudgetRemainingRatio, L{"service": s, "window": sb.Window})
		}
		sb.Downtime = Measure{Name: "Downtime", Unit: UnitDuration, Direction: LowerIsBetter, Series: b.res.series(b.months, metrics.DowntimeSeconds, L{"service": s})}
		consumed := newSeries(b.months)
		if sb.Objective > 0 && sb.Objective < 1 {
			for i, m := range b.months {
				if v, ok := sb.Downtime.Series.at(len(b.months) - 1 - i); ok {
					consumed.set(i, v/((1-sb.Objective)*b.monthSeconds(m)))
				}
			}
		}
		sb.Consumed = Measure{Name: "Budget used", Unit: UnitRatio, Direction: LowerIsBetter, Series: consumed}
		if v, ok := b.res.value(metrics.SLOBreached, L{"service": s, "period": b.month}); ok && v >= 1 {
			sb.Breached = true
			sec.Breached++
		}
		sb.Cost, sb.HasCost = b.res.value(metrics.DowntimeCost, L{"service": s, "period": b.month})
		sec.Services = append(sec.Services, sb)
	}
	sort.Slice(sec.Services, func(i, j int) bool {
		a, c := sec.Services[i], sec.Services[j]
		if a.Consumed.Value() != c.Consumed.Value() {
			return a.Consumed.Value() > c.Consumed.Value()
		}
		return a.Service < c.Service
	})
	return sec
}

// sloServicesWithoutIncidents are the services with an SLO that no
// incident of the run is labelled with, in any period, and that had no
// downtime in any (an SLO may name its service by id, which the incident
// labels do not show, but then its downtime does). Sorted; nil for none.
func (b *builder) sloServicesWithoutIncidents() []string {
	seen := map[string]bool{}
	for _, m := range []metrics.Family{metrics.Incidents, metrics.IncidentsOpen} {
		for _, row := range b.res.rows(m, nil) {
			if row.Value > 0 {
				seen[row.Label("service")] = true
			}
		}
	}
	for _, row := range b.res.rows(metrics.DowntimeSeconds, nil) {
		if row.Value > 0 {
			seen[row.Label("service")] = true
		}
	}
	var out []string
	for _, svc := range b.res.labelValues(metrics.SLOObjectiveRatio, "service", nil) {
		if svc != "" && !seen[svc] {
			out = append(out, svc)
		}
	}
	return out
}

func (b *builder) postmortems(orgWide bool) PostmortemSection {
	p := PostmortemSection{
		OrgWide:      orgWide,
		Required:     Measure{Name: "Incidents needing a postmortem", Unit: UnitCount, Direction: Neutral, Series: b.res.series(b.months, metrics.PostmortemsRequired, L{"severity": ""})},
		Coverage:     Measure{Name: "Postmortem coverage", Unit: UnitRatio, Direction: HigherIsBetter, Series: b.res.series(b.months, metrics.PostmortemCoverageRatio, L{"severity": ""})},
		PublishP50:   Measure{Name: "Time to publish p50", Unit: UnitDuration, Direction: LowerIsBetter, Series: b.res.series(b.months, metrics.PostmortemLagSeconds, L{"stage": analyze.StagePublish, "stat": analyze.StatP50})},
		PublishP90:   Measure{Name: "Time to publish p90", Unit: UnitDuration, Direction: LowerIsBetter, Series: b.res.series(b.months, metrics.PostmortemLagSeconds, L{"stage": analyze.StagePublish, "stat": analyze.StatP90})},
		DraftP50:     Measure{Name: "Time to draft p50", Unit: UnitDuration, Direction: LowerIsBetter, Series: b.res.series(b.months, metrics.PostmortemLagSeconds, L{"stage": analyze.StageDraft, "stat": analyze.StatP50})},
		WithinTarget: Measure{Name: "Published within target", Unit: UnitRatio, Direction: HigherIsBetter, Series: b.res.series(b.months, metrics.PostmortemWithinTargetRatio, L{"stage": analyze.StagePublish})},
		Completeness: Measure{Name: "Template completeness", Unit: UnitRatio, Direction: HigherIsBetter, Series: b.res.series(b.months, metrics.PostmortemCompletenessRatio, nil)},
		OwnerAndDue:  Measure{Name: "Action items with owner and due date", Unit: UnitRatio, Direction: HigherIsBetter, Series: b.res.series(b.months, metrics.ActionItemsOwnerAndDueRatio, nil)},
	}
	p.PublishTarget, _ = b.res.value(metrics.PostmortemLagTargetSeconds, L{"stage": analyze.StagePublish})
	if req, ok := p.Required.Series.Current(); ok {
		if cov, ok := p.Coverage.Series.Current(); ok {
			p.Written = int(math.Round(req * cov))
		}
	}
	d, _ := b.res.sum(metrics.PostmortemsOverdue, L{"stage": analyze.StageDraft})
	pub, _ := b.res.sum(metrics.PostmortemsOverdue, L{"stage": analyze.StagePublish})
	p.OverdueDraft, p.OverduePub = int(d), int(pub)
	p.LateUndrafted, p.LateUnpublished, p.LateKnown = b.lateCounts(d)
	p.LookbackDays = fieldInt(b.items.setting(analyze.SettingOverdueLookback), "value")
	p.Late = p.LateUndrafted + p.LateUnpublished
	for _, row := range b.res.rows(metrics.PostmortemSectionsMissing, L{"period": b.month}) {
		if row.Label("period") == b.month && row.Value > 0 {
			p.Missing = append(p.Missing, NameCount{Name: row.Label("section"), Count: int(row.Value)})
		}
	}
	sortNameCounts(p.Missing)
	if len(p.Missing) > b.max {
		p.Missing = p.Missing[:b.max]
	}
	p.Overdue = b.items.overduePostmortems(b.team, b.max)
	if b.noIncidentSource {
		// Postmortems are owed for incidents: whatever a failed sync
		// stored, which ones are overdue is not known (the page says so).
		p.OverdueDraft, p.OverduePub, p.Late, p.LateUndrafted, p.LateUnpublished = 0, 0, 0, 0, 0
		p.LateKnown, p.Overdue = false, nil
	}
	return p
}

// lateCounts counts the incidents (the builder's team's, or all) whose
// postmortem is overdue now from the run's overdue-postmortem items, which
// name each such incident once, at its earliest missing stage. ok is false
// when the items may not name them all: the run kept as many as it keeps,
// or its items' undrafted incidents differ from its count of them
// (undrafted, aftermath_postmortems_overdue{stage="draft"}).
func (b *builder) lateCounts(undrafted float64) (draft, publish int, ok bool) {
	all := b.items.pick(itemOverduePM, "", "")
	if len(all) >= analyze.OverduePostmortemsKept {
		return 0, 0, false
	}
	n := 0
	for _, it := range all {
		if field(it, "stage") == analyze.StageDraft {
			n++
		}
	}
	if b.res.has(metrics.PostmortemsOverdue) && float64(n) != undrafted {
		return 0, 0, false
	}
	for _, it := range b.items.pick(itemOverduePM, "", b.team) {
		switch field(it, "stage") {
		case analyze.StageDraft:
			draft++
		case analyze.StagePublish:
			publish++
		default:
			return 0, 0, false
		}
	}
	return draft, publish, true
}

func sortNameCounts(s []NameCount) {
	sort.Slice(s, func(i, j int) bool {
		if s[i].Count != s[j].Count {
			return s[i].Count > s[j].Count
		}
		return s[i].Name < s[j].Name
	})
}

func (b *builder) count(metric metrics.Family, team string, extra L) Count {
	f := L{}
	for k, v := range extra {
		f[k] = v
	}
	if team != "" {
		f["team"] = team
	}
	by := map[string]float64{}
	for _, row := range b.res.rows(metric, nil) {
		if matches(row, f) {
			by[row.Label("priority")] += row.Value
		}
	}
	var c Count
	var ps []string
	for p := range by {
		ps = append(ps, p)
	}
	sortPriorities(ps)
	for _, p := range ps {
		n := int(math.Round(by[p]))
		if n == 0 {
			continue
		}
		name := p
		if name == "" {
			name = "unknown"
		}
		c.ByPriority = append(c.ByPriority, NameCount{Name: name, Count: n})
		c.Total += n
	}
	return c
}

func (b *builder) actions(team string) ActionSection {
	f := L{}
	if team != "" {
		f["team"] = team
	}
	a := ActionSection{
		Created:   Measure{Name: "Created", Unit: UnitCount, Direction: Neutral, Series: b.res.sumSeries(b.months, b.covered, metrics.ActionItemsCreated, f)},
		Completed: Measure{Name: "Completed", Unit: UnitCount, Direction: HigherIsBetter, Series: b.res.sumSeries(b.months, b.covered, metrics.ActionItemsCompleted, f)},
		Declined: Measure{Name: "Declined", Unit: UnitCount, Direction: Neutral,
			Series: b.res.sumSeries(b.months, b.covered, metrics.ActionItemsDeclined, f)},
		Open:      b.count(metrics.ActionItems, team, L{"state": analyze.StateOpen}),
		Overdue:   b.count(metrics.ActionItemsOverdue, team, nil),
		Stale:     b.count(metrics.ActionItemsStale, team, nil),
		Unowned:   b.count(metrics.ActionItemsUnowned, team, nil),
		NoDueDate: b.count(metrics.ActionItemsWithoutDueDate, team, nil),
	}
	if !b.res.has(metrics.ActionItemsDeclined) {
		a.Declined = Measure{} // an analysis from before they were counted
	}

	a.ClosedWithinSLO, a.HasClosedWithinSLO = b.res.value(metrics.ActionItemsClosedWithinSLORatio, L{"team": team})
	if n, ok := b.res.value(metrics.ActionItemOwners, L{"team": team}); ok && n > 0 {
		a.Owners, a.HasOwners = int(n), true
		a.BusiestShare, _ = b.res.value(metrics.ActionItemsBusiestOwnersRatio, L{"team": team})
	}
	p50, ok50 := b.res.value(metrics.ActionItemTimeToCloseSeconds, L{"stat": analyze.StatKMP50})
	p90, ok90 := b.res.value(metrics.ActionItemTimeToCloseSeconds, L{"stat": analyze.StatKMP90})
	if ok50 || ok90 {
		a.TimeToCloseP50, a.TimeToCloseP90, a.HasTimeToClose = p50, p90, true
		if !ok50 {
			a.TimeToCloseP50 = math.NaN()
		}
		if !ok90 {
			a.TimeToCloseP90 = math.NaN()
		}
	}
	a.TimeToCloseOrgWide = team != ""
	a.Kinds = b.kinds(team)
	for _, t := range b.mostlyInvestigate() {
		if team == "" || t.Team == team {
			a.MostlyInvestigate = append(a.MostlyInvestigate, t) // a team's digest: its own
		}
	}
	a.Oldest = b.items.oldestActionItems(team, b.max)
	// The per-item overdue gauges name the most overdue items.
	for _, row := range b.res.rows(metrics.ActionItemOverdueSeconds, nil) {
		if team != "" && row.Label("team") != team {
			continue
		}
		a.MostOverdue = append(a.MostOverdue, ActionItem{Key: row.Label("key"), Team: row.Label("team"), Priority: row.Label("priority"), Age: row.Value})
	}
	sort.Slice(a.MostOverdue, func(i, j int) bool {
		if a.MostOverdue[i].Age != a.MostOverdue[j].Age {
			return a.MostOverdue[i].Age > a.MostOverdue[j].Age
		}
		return a.MostOverdue[i].Key < a.MostOverdue[j].Key
	})
	if len(a.MostOverdue) > b.max {
		a.MostOverdue = a.MostOverdue[:b.max]
	}
	b.items.describeActionItems(a.MostOverdue)
	return a
}

// kinds are the action items created in the digest's month by kind.
func (b *builder) kinds(team string) []KindCount {
	f := L{"period": b.month}
	if team != "" {
		f["team"] = team
	}
	by := map[string]float64{}
	for _, row := range b.res.rows(metrics.ActionItemsByKind, L{"period": b.month}) {
		if matches(row, f) {
			by[row.Label("kind")] += row.Value
		}
	}
	var out []KindCount
	for k, v := range by {
		n := int(math.Round(v))
		if n == 0 {
			continue
		}
		kc := KindCount{Kind: k, Count: n}
		kc.Closed, kc.HasClosed = b.res.value(metrics.ActionItemsClosedByKindRatio, L{"kind": k, "period": b.month})
		out = append(out, kc)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Kind < out[j].Kind
	})
	return out
}

// mostlyInvestigate names the teams whose follow-ups of the month and the
// two before are mostly "investigate" (Lunney and Lueder: a program that
// investigates and never prevents learns less than its counts suggest).
func (b *builder) mostlyInvestigate() []TeamKindShare {
	from := addMonths(b.month, -2)
	inv, all := map[string]int{}, map[string]int{}
	for i := -2; i <= 0; i++ {
		for _, row := range b.res.rows(metrics.ActionItemsByKind, L{"period": addMonths(b.month, i)}) {
			team := row.Label("team")
			if team == "" {
				continue
			}
			n := int(math.Round(row.Value))
			all[team] += n
			if row.Label("kind") == "investigate" {
				inv[team] += n
			}
		}
	}
	var out []TeamKindShare
	for team, n := range all {
		if n >= MinKindItems && 2*inv[team] > n {
			out = append(out, TeamKindShare{Team: team, Investigate: inv[team], Total: n, From: from, To: b.month})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		x, y := float64(out[i].Investigate)/float64(out[i].Total), float64(out[j].Investigate)/float64(out[j].Total)
		if x != y {
			return x > y
		}
		return out[i].Team < out[j].Team
	})
	return out
}

// Sentence says which teams mostly investigate, for the digest.
func (s TeamKindShare) Sentence() string {
	span := ThemeCostSection{QuarterMonths: []string{s.From, s.To}}.QuarterName()
	return fmt.Sprintf("%s, %d of %d action items created %s (%s)", s.Team, s.Investigate, s.Total,
		span, formatValue(float64(s.Investigate)/float64(s.Total), UnitRatio))
}

func (b *builder) themeLabel(id string) string {
	for _, row := range b.res.rows(metrics.ThemeInfo, nil) {
		if row.Label("theme") == id && row.Label("label") != "" {
			return row.Label("label")
		}
	}
	if l, _ := b.items.themeInfo(id); l != "" {
		return l
	}
	return id
}

func (b *builder) themeTrends(team string) []ThemeTrend {
	ids := map[string]bool{}
	metric, f := metrics.ThemeFactors, L{}
	if team != "" {
		metric, f = metrics.ThemeFactorsByTeam, L{"team": team}
	}
	for _, m := range b.months {
		ff := L{"period": m}
		for k, v := range f {
			ff[k] = v
		}
		for _, id := range b.res.labelValues(metric, "theme", ff) {
			ids[id] = true
		}
	}
	var out []ThemeTrend
	for id := range ids {
		ff := L{"theme": id}
		for k, v := range f {
			ff[k] = v
		}
		t := ThemeTrend{ID: id, Label: b.themeLabel(id), Factors: Measure{Name: "Factors", Unit: UnitCount, Direction: LowerIsBetter, Series: b.res.sumSeries(b.months, b.covered, metric, ff)}}
		if avg, ok := t.Factors.Series.Average(); ok && avg == 0 && t.Factors.Value() > 0 {
			t.New = true
		}
		_, t.Representative = b.items.themeInfo(id)
		if team != "" {
			if text, pm := b.items.themeTeamExample(id, team, b.month, b.months); text != "" {
				t.Representative, t.ExampleFrom = text, pm
			}
		}
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool {
		ci, cj := out[i].Factors.Value(), out[j].Factors.Value()
		if ci != cj {
			return ci > cj
		}
		ai, _ := out[i].Factors.Series.Average()
		aj, _ := out[j].Factors.Series.Average()
		if ai != aj {
			return ai > aj
		}
		return out[i].Label < out[j].Label
	})
	return out
}

func (b *builder) themeSection(team string) ThemeSection {
	all := b.themeTrends(team)
	total := newSeries(b.months)
	for i, m := range b.months {
		if b.covered[m] {
			total.set(i, 0)
		}
	}
	for _, t := range all {
		for i := range t.Factors.Series.Values {
			if t.Factors.Series.Known[i] {
				total.set(i, total.Values[i]+t.Factors.Series.Values[i])
			}
		}
	}
	sec := ThemeSection{Factors: Measure{Name: "Contributing factors", Unit: UnitCount, Direction: Neutral, Series: total}}
	for _, t := range all {
		if t.Factors.Value() > 0 && len(sec.Top) < b.max {
			sec.Top = append(sec.Top, t)
		}
	}
	sec.Changes = themeChanges(all, b.max)
	if team == "" {
		sec.Causes = b.causeClasses()
		sec.Changes = append(sec.Changes, b.items.themeChanges(b.themeLabel, 2)...)
	}
	return sec
}

// themeChanges describes what moved: themes new this month, themes well above
// their six-month average, and regular themes that did not appear.
func themeChanges(all []ThemeTrend, max int) []string {
	type moved struct {
		t     ThemeTrend
		delta float64
		text  string
	}
	var rising, fading, fresh []moved
	for _, t := range all {
		cur := t.Factors.Value()
		avg, ok := t.Factors.Series.Average()
		if !ok {
			continue
		}
		switch {
		case t.New:
			fresh = append(fresh, moved{t, cur, fmt.Sprintf("New this month: %s (%s), absent in %s.", quoted(t.Label), plural(int(cur), "factor", "factors"), t.Factors.Series.monthsPhrase())})
		case cur >= 3 && cur >= 2*avg && cur-avg >= 2:
			from := "a six-month average of " + formatValue(math.Round(avg*10)/10, UnitCount)
			if n := t.Factors.Series.knownBefore(); n == 1 {
				from = formatValue(avg, UnitCount) + " the month before"
			} else if n < 6 {
				from = fmt.Sprintf("a %d-month average of %s", n, formatValue(math.Round(avg*10)/10, UnitCount))
			}
			rising = append(rising, moved{t, cur - avg, fmt.Sprintf("%s rose to %s, from %s.", quoted(t.Label), plural(int(cur), "factor", "factors"), from)})
		case cur == 0 && avg >= 2:
			fading = append(fading, moved{t, avg, fmt.Sprintf("%s did not come up this month (it averaged %s a month).", quoted(t.Label), formatValue(math.Round(avg*10)/10, UnitCount))})
		}
	}
	var out []string
	for _, group := range [][]moved{rising, fresh, fading} {
		sort.SliceStable(group, func(i, j int) bool { return group[i].delta > group[j].delta })
		for i, m := range group {
			if i >= 3 || len(out) >= max {
				break
			}
			out = append(out, m.text)
		}
	}
	return out
}

// incidentsKnown reports whether the run covers month m and has incident
// data for it (not before a PagerDuty history that starts later than the
// other sources').
func (b *builder) incidentsKnown(m string) bool { return b.covered[m] && !b.res.noIncidentData(m) }

func (b *builder) recurrence(team string) RecurrenceSection {
	r := RecurrenceSection{
		Ratio: Measure{Name: "Repeat incidents", Unit: UnitRatio, Direction: LowerIsBetter, Series: b.res.series(b.months, metrics.RepeatIncidentRatio, nil)},
	}
	count := newSeries(b.months)
	byService := map[string]float64{}
	for i, m := range b.months {
		if !b.incidentsKnown(m) {
			continue
		}
		total := 0.0
		for _, row := range b.res.rows(metrics.RecurringIncidents, L{"period": m}) {
			if !b.ownedBy(row.Label("service"), team) {
				continue
			}
			total += row.Value
			if m == b.month {
				byService[row.Label("service")] += row.Value
			}
		}
		count.set(i, total)
	}
	r.Count = Measure{Name: "Repeat incidents", Unit: UnitCount, Direction: LowerIsBetter, Series: count}
	r.MajorRatio = Measure{Name: "Share of SEV1/SEV2 incidents", Unit: UnitRatio, Direction: LowerIsBetter, Series: newSeries(b.months)}
	if team != "" {
		r.Ratio.Series = newSeries(b.months) // the ratios are organization-wide
		r.OnServices = true
	} else {
		for i, m := range b.months {
			var rep, all float64
			for _, sev := range []string{"SEV1", "SEV2"} {
				x, ok1 := b.res.value(metrics.RecurringIncidentsBySeverity, L{"period": m, "severity": sev})
				n, ok2 := b.res.value(metrics.IncidentsBySeverity, L{"period": m, "severity": sev})
				if ok1 && ok2 {
					rep, all = rep+x, all+n
				}
			}
			if b.incidentsKnown(m) && all > 0 {
				r.MajorRatio.Series.set(i, rep/all)
			}
		}
	}
	for s, n := range byService {
		if n > 0 {
			r.Services = append(r.Services, NameCount{Name: s, Count: int(n)})
		}
	}
	sortNameCounts(r.Services)
	if len(r.Services) > b.max {
		r.Services = r.Services[:b.max]
	}
	if b.incidentsKnown(b.month) {
		r.Groups = b.items.recurringGroups(b.month, team, b.max)
	}
	return r
}

func (b *builder) language(orgWide bool) LanguageSection {
	l := LanguageSection{
		OrgWide:    orgWide,
		BlameRatio: Measure{Name: "Postmortems with blaming language", Unit: UnitRatio, Direction: LowerIsBetter, Series: b.res.series(b.months, metrics.PostmortemsWithBlameRatio, nil)},
		VagueRatio: Measure{Name: "Vague action items", Unit: UnitRatio, Direction: LowerIsBetter, Series: b.res.series(b.months, metrics.ActionItemsVagueRatio, nil)},
	}
	rules := map[string]bool{}
	for _, m := range b.months {
		for _, r := range b.res.labelValues(metrics.LanguageFindings, "rule", L{"period": m}) {
			rules[r] = true
		}
	}
	for r := range rules {
		l.Rules = append(l.Rules, Measure{Name: r, Unit: UnitCount, Direction: LowerIsBetter, Series: b.res.sumSeries(b.months, b.covered, metrics.LanguageFindings, L{"rule": r})})
	}
	sort.Slice(l.Rules, func(i, j int) bool {
		if l.Rules[i].Value() != l.Rules[j].Value() {
			return l.Rules[i].Value() > l.Rules[j].Value()
		}
		return l.Rules[i].Name < l.Rules[j].Name
	})
	l.Examples = b.items.findings(b.month, b.team, 3)
	if n, ok := b.res.sum(metrics.LanguageFindingsDismissed, L{"period": b.month}); ok {
		l.Dismissed = int(n)
	}
	return l
}

func (b *builder) highlights(team string) HighlightSection {
	return HighlightSection{
		Lessons: b.items.highlights(sectionLessons, b.month, team, b.max),
		Lucky:   b.items.highlights(sectionLucky, b.month, team, b.max),
	}
}

// teams lists every team with incidents, action items or themes in the
// trend, sorted by name.
func (b *builder) teams() []string {
	seen := map[string]bool{}
	for _, m := range b.months {
		for _, metric := range []metrics.Family{metrics.Incidents, metrics.ThemeFactorsByTeam, metrics.ActionItemsCreated, metrics.ActionItemsCompleted} {
			for _, t := range b.res.labelValues(metric, "team", L{"period": m}) {
				seen[t] = true
			}
		}
	}
	for _, metric := range []metrics.Family{metrics.ActionItems, metrics.ActionItemsOverdue} {
		for _, t := range b.res.labelValues(metric, "team", nil) {
			seen[t] = true
		}
	}
	return teamNames(seen)
}

func (b *builder) teamSection(team string) TeamSection {
	inc := b.incidents(team)
	resp := b.response(team)
	act := b.actions(team)
	ts := TeamSection{
		Team: team, Incidents: inc, MTTAP90: resp.MTTAP90, MTTRP90: resp.MTTRP90, Completed: act.Completed,
		Overdue: act.Overdue, Unowned: act.Unowned, Stale: act.Stale,
		Recurring: int(b.recurrence(team).Count.Value()),
	}
	for _, t := range b.themeTrends(team) {
		if t.Factors.Value() > 0 && len(ts.TopThemes) < 3 {
			ts.TopThemes = append(ts.TopThemes, t)
		}
	}
	_, known := inc.Total.Series.Current()
	ts.NoIncidentData = !known
	ts.NoIncidents = known && inc.Total.Value() == 0
	h := b.highlights(team)
	ts.Highlights = len(h.Lessons) + len(h.Lucky)
	ts.Sentences = teamSentences(ts)
	return ts
}

// causeClasses are the month's contributing factors by cause class
// (aftermath_cause_class_factors has no team label: organization-wide only).
func (b *builder) causeClasses() []ClassCount {
	var out []ClassCount
	total := 0
	for _, row := range b.res.rows(metrics.CauseClassFactors, L{"period": b.month}) {
		n := int(math.Round(row.Value))
		if n == 0 {
			continue
		}
		out = append(out, ClassCount{Class: row.Label("class"), Count: n})
		total += n
	}
	for i := range out {
		out[i].Share = float64(out[i].Count) / float64(total)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Class < out[j].Class
	})
	return out
}

// teamNames are the teams of a set of team labels, sorted ("" and
// "unknown" are not teams).
func teamNames(seen map[string]bool) []string {
	var out []string
	for t := range seen {
		if t != "" && t != "unknown" {
			out = append(out, t)
		}
	}
	sort.Strings(out)
	return out
}

// partialFirstMonth notes a month of the trend (up to month) in which the
// incident history starts after its first day (the run's
// analyze.SettingIncidentsFrom): that month's incident counts cover only
// part of it, so they do not compare with a full month's ("" otherwise).
func partialFirstMonth(items *itemIndex, months []string, month string, loc *time.Location) string {
	from, err := time.Parse(time.RFC3339, items.setting(analyze.SettingIncidentsFrom).Field("value"))
	if err != nil {
		return ""
	}
	local := from.In(loc)
	m := local.Format("2006-01")
	if !slices.Contains(months, m) || m > month || local.Day() == 1 {
		return ""
	}
	name := monthName(m)
	return fmt.Sprintf("The earliest incident Aftermath holds is from %s, so %s may be only partly covered: its incident counts do not compare with a full month's, and “Is the change real?” leaves it out.",
		local.Format("2 Jan 2006"), name)
}
