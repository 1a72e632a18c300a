package digest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze"
	"github.com/aftermath-sre/aftermath/analyze/change"
	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// fixture builds an analysis run by hand: results labelled exactly as the
// catalogue says, and analysis items, then stores them in a real ClickHouse.
type fixture struct {
	t       *testing.T
	runAt   time.Time
	months  []string // every month the run covers, oldest first
	results []store.Result
	items   []store.AnalysisItem
}

func newFixture(t *testing.T, runAt time.Time, months int) *fixture {
	f := &fixture{t: t, runAt: runAt}
	l := runAt.UTC()
	for i := months - 1; i >= 0; i-- {
		f.months = append(f.months, time.Date(l.Year(), l.Month()-time.Month(i), 1, 0, 0, 0, 0, time.UTC).Format("2006-01"))
	}
	// incidents_by_severity is written for every period, zero included.
	for _, m := range f.months {
		for _, sev := range []string{"SEV1", "SEV2", "SEV3", "SEV4", "SEV5"} {
			f.add(metrics.IncidentsBySeverity, 0, "period", m, "severity", sev)
		}
	}
	return f
}

// add appends one result; labels are given as name, value pairs and stored
// in the catalogue's order (a label not given is "").
func (f *fixture) add(metric metrics.Family, v float64, kv ...string) {
	f.t.Helper()
	given := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		given[kv[i]] = kv[i+1]
	}
	labels := metric.Labels()
	for name := range given {
		require.Contains(f.t, labels, name, "metric %s has no label %s", metric, name)
	}
	r := store.Result{Analysis: metric.Analysis(), Metric: metric.ResultName(), LabelNames: labels, LabelValues: make([]string, len(labels)), Value: v}
	for i, name := range labels {
		r.LabelValues[i] = given[name]
	}
	f.results = append(f.results, r)
}

// set replaces (or adds) a row with exactly these labels.
func (f *fixture) set(metric metrics.Family, v float64, kv ...string) {
	f.t.Helper()
	f.add(metric, v, kv...)
	last := f.results[len(f.results)-1]
	for i := 0; i < len(f.results)-1; i++ {
		r := f.results[i]
		if r.Metric == metric.ResultName() && fmt.Sprint(r.LabelValues) == fmt.Sprint(last.LabelValues) {
			f.results[i].Value = v
			f.results = f.results[:len(f.results)-1]
			return
		}
	}
}

func (f *fixture) item(it store.AnalysisItem) { f.items = append(f.items, it) }

func fields(kv ...string) []store.Field {
	var out []store.Field
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, store.Field{Name: kv[i], Value: kv[i+1]})
	}
	return out
}

// store writes the fixture as a successful run into a fresh database.
func (f *fixture) store() *store.Store {
	f.t.Helper()
	st := chtest.Store(f.t)
	f.write(st, "run-1")
	return st
}

func (f *fixture) write(st *store.Store, id string) {
	f.t.Helper()
	ctx := context.Background()
	require.NoError(f.t, st.WriteAnalysisItems(ctx, id, f.runAt, f.items))
	require.NoError(f.t, st.WriteAnalysis(ctx, store.AnalysisRun{ID: id, StartedAt: f.runAt.Add(-time.Minute), FinishedAt: f.runAt, Status: store.RunSuccess}, f.results))
}

// orgFixture is a small organization with known numbers for October 2026,
// analysed on 1 November 2026:
//
//   - SEV1 4 -> 2, SEV2 3 -> 5, SEV3 10 -> 12 (Sep -> Oct); teams Payments
//     and Search have incidents in October, team Quiet only in August;
//   - MTTR p90 8770s -> 11400s (+30%, 3h 10m), p50 42m in October;
//   - 12 overdue action items, 5 of them P1; 30 completed in October (22 in
//     September);
//   - checkout (SLO 99.9%) had 5356.8s of downtime in October: 200% of a
//     31-day month's budget;
//   - postmortems: 5 of 7 (71%), 100% in September; publish p50 4d 2h;
//   - themes: "deploy config" 3 -> 9 (six-month average 2), "capacity" new
//     with 4.
func orgFixture(t *testing.T) *fixture {
	f := newFixture(t, time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC), 13)
	sev := func(m, s string, n float64) { f.set(metrics.IncidentsBySeverity, n, "period", m, "severity", s) }
	inc := func(m, s, svc, team string, n float64) {
		f.add(metrics.Incidents, n, "period", m, "severity", s, "service", svc, "team", team)
	}
	// six months before October: SEV1 1,2,3,1,2,4 (Apr..Sep)
	for i, n := range []float64{1, 2, 3, 1, 2} {
		m := fmt.Sprintf("2026-%02d", 4+i)
		sev(m, "SEV1", n)
		inc(m, "SEV1", "checkout", "Payments", n)
	}
	sev("2026-08", "SEV2", 1)
	inc("2026-08", "SEV2", "ledger", "Quiet", 1)
	sev("2026-09", "SEV1", 4)
	sev("2026-09", "SEV2", 3)
	sev("2026-09", "SEV3", 10)
	inc("2026-09", "SEV1", "checkout", "Payments", 3)
	inc("2026-09", "SEV1", "search-api", "Search", 1)
	inc("2026-09", "SEV2", "checkout", "Payments", 1)
	inc("2026-09", "SEV2", "search-api", "Search", 2)
	inc("2026-09", "SEV3", "search-api", "Search", 10)
	sev("2026-10", "SEV1", 2)
	sev("2026-10", "SEV2", 5)
	sev("2026-10", "SEV3", 12)
	inc("2026-10", "SEV1", "checkout", "Payments", 2)
	inc("2026-10", "SEV2", "checkout", "Payments", 3)
	inc("2026-10", "SEV2", "search-api", "Search", 2)
	inc("2026-10", "SEV3", "search-api", "Search", 12)
	f.add(metrics.IncidentsOpen, 3, "severity", "SEV3", "service", "search-api", "team", "Search")

	mttr := func(m, stat string, v float64, kv ...string) {
		f.add(metrics.MTTRSeconds, v, append([]string{"period", m, "stat", stat}, kv...)...)
	}
	mtta := func(m, stat string, v float64, kv ...string) {
		f.add(metrics.MTTASeconds, v, append([]string{"period", m, "stat", stat}, kv...)...)
	}
	for i, m := range []string{"2026-04", "2026-05", "2026-06", "2026-07", "2026-08"} {
		mttr(m, "p90", 7000+float64(i)*100)
		mttr(m, "p50", 2000)
		mtta(m, "p90", 700)
		mtta(m, "p50", 200)
	}
	mttr("2026-09", "p90", 8770)
	mttr("2026-09", "p50", 2400)
	mttr("2026-10", "p90", 11400)
	mttr("2026-10", "p50", 2520)
	mtta("2026-09", "p90", 720)
	mtta("2026-09", "p50", 240)
	mtta("2026-10", "p90", 600)
	mtta("2026-10", "p50", 180)
	mttr("2026-10", "p90", 14400, "severity", "SEV1")
	mttr("2026-10", "p50", 9000, "severity", "SEV1")
	mtta("2026-10", "p90", 300, "severity", "SEV1")
	mttr("2026-09", "p90", 7200, "severity", "SEV1")
	mttr("2026-10", "p90", 5400, "team", "Payments")
	mttr("2026-09", "p90", 3600, "team", "Payments")
	mtta("2026-10", "p90", 420, "team", "Payments")
	// The change analysis, October against September: MTTR p90 rose beyond
	// chance (+30%, 95% interval +12% to +55%), and Payments' MTTR p90
	// (+50%); nothing else is a clear change.
	cmp := func(measure, stat, sev, team string, ratio, lo, hi, verdict float64) {
		kv := []string{"period", "2026-10", "measure", measure, "severity", sev, "team", team, "stat", stat}
		f.add(metrics.ChangeRatio, ratio, append(kv, "bound", analyze.BoundEstimate)...)
		f.add(metrics.ChangeRatio, lo, append(kv, "bound", analyze.BoundLower)...)
		f.add(metrics.ChangeRatio, hi, append(kv, "bound", analyze.BoundUpper)...)
		f.add(metrics.ChangeVerdict, verdict, kv...)
	}
	cmp(analyze.MeasureMTTR, "p90", "", "", 11400.0/8770, 1.12, 1.55, 1)
	cmp(analyze.MeasureMTTR, "p50", "", "", 2520.0/2400, 0.8, 1.4, 0)
	cmp(analyze.MeasureMTTA, "p90", "", "", 600.0/720, 0.6, 1.2, 0)
	cmp(analyze.MeasureMTTA, "p50", "", "", 180.0/240, 0.5, 1.1, 0)
	cmp(analyze.MeasureIncidents, analyze.StatRate, "", "", 19.0/17*30/31, 0.57, 2.1, 0)
	cmp(analyze.MeasureIncidents, analyze.StatRate, "SEV1", "", 2.0/4*30/31, 0.07, 2.8, 0)
	cmp(analyze.MeasureIncidents, analyze.StatRate, "SEV2", "", 5.0/3*30/31, 0.35, 8.3, 0)
	cmp(analyze.MeasureIncidents, analyze.StatRate, "SEV3", "", 12.0/10*30/31, 0.48, 2.9, 0)
	cmp(analyze.MeasureMTTR, "p90", "", "Payments", 1.5, 1.2, 1.9, 1)
	cmp(analyze.MeasureIncidents, analyze.StatRate, "", "Payments", 5.0/4*30/31, 0.3, 5.1, 0)
	cmp(analyze.MeasureIncidents, analyze.StatRate, "", "Search", 14.0/13*30/31, 0.45, 2.4, 0)
	// The shares and counts of the other sections, tested by the change
	// package itself on counts that give the fixture's percentages: none
	// is beyond chance.
	share := func(measure string, x1, n1, x2, n2 int) {
		c := change.Proportions(x1, n1, x2, n2)
		cmp(measure, analyze.StatShare, "", "", c.Ratio, c.Lower, c.Upper, 0)
	}
	share(analyze.MeasureCoverage, 7, 7, 5, 7)
	share(analyze.MeasureBlame, 2, 20, 3, 20)
	share(analyze.MeasureRepeats, 1, 20, 3, 25)
	share(analyze.MeasureMajorRepeats, 1, 7, 2, 7)
	rate := func(measure string, before, after int) {
		c := change.RateRatio(before, 30, after, 31)
		cmp(measure, analyze.StatRate, "", "", c.Ratio, c.Lower, c.Upper, 0)
	}
	rate(analyze.MeasureMajorIncidents, 7, 7)
	rate(analyze.MeasureRepeats, 1, 4)

	// action items
	f.add(metrics.ActionItemsOverdue, 3, "priority", "P1", "team", "Payments")
	f.add(metrics.ActionItemsOverdue, 4, "priority", "P2", "team", "Payments")
	f.add(metrics.ActionItemsOverdue, 2, "priority", "P1", "team", "Search")
	f.add(metrics.ActionItemsOverdue, 3, "priority", "P3", "team", "Search")
	f.add(metrics.ActionItemsUnowned, 4, "priority", "P2", "team", "Search")
	f.add(metrics.ActionItemsStale, 6, "priority", "P3", "team", "Search")
	f.add(metrics.ActionItemsWithoutDueDate, 2, "priority", "P4", "team", "Payments")
	f.add(metrics.ActionItems, 40, "state", "open", "priority", "P2", "team", "Payments")
	f.add(metrics.ActionItems, 25, "state", "open", "priority", "P1", "team", "Search")
	f.add(metrics.ActionItems, 80, "state", "closed", "priority", "P2", "team", "Payments")
	f.add(metrics.ActionItemsCompleted, 20, "period", "2026-10", "team", "Payments")
	f.add(metrics.ActionItemsCompleted, 10, "period", "2026-10", "team", "Search")
	f.add(metrics.ActionItemsCompleted, 22, "period", "2026-09", "team", "Payments")
	f.add(metrics.ActionItemsCreated, 35, "period", "2026-10", "team", "Payments")
	f.add(metrics.ActionItemsCreated, 18, "period", "2026-09", "team", "Payments")
	f.add(metrics.ActionItemsClosedWithinSLORatio, 0.62, "priority", "", "team", "")
	f.add(metrics.ActionItemTimeToCloseSeconds, 12*86400, "priority", "", "stat", "km_p50")
	f.add(metrics.ActionItemTimeToCloseSeconds, 0, "priority", "", "stat", "km_p90")
	f.results[len(f.results)-1].Value = posInf()
	f.add(metrics.ActionItemOverdueSeconds, 40*86400, "key", "PAY-7", "team", "Payments", "priority", "P1")
	f.add(metrics.ActionItemOverdueSeconds, 9*86400, "key", "SRCH-2", "team", "Search", "priority", "P1")

	// SLOs
	f.add(metrics.SLOObjectiveRatio, 0.999, "service", "checkout", "window", "30d")
	f.add(metrics.SLOObjectiveRatio, 0.995, "service", "search-api", "window", "calendar_month")
	f.add(metrics.ErrorBudgetRemainingRatio, -0.4, "service", "checkout", "window", "30d")
	f.add(metrics.ErrorBudgetRemainingRatio, 0.9, "service", "search-api", "window", "calendar_month")
	for _, m := range f.months {
		f.add(metrics.DowntimeSeconds, 0, "service", "search-api", "period", m)
	}
	f.add(metrics.DowntimeSeconds, 1296, "service", "checkout", "period", "2026-09") // 50% of a 30-day month at 99.9%
	f.add(metrics.DowntimeSeconds, 5356.8, "service", "checkout", "period", "2026-10")
	f.add(metrics.SLOBreached, 1, "service", "checkout", "period", "2026-10")
	f.add(metrics.SLOBreached, 0, "service", "search-api", "period", "2026-10")
	f.add(metrics.DowntimeCost, 14880, "service", "checkout", "period", "2026-10")

	// postmortems
	f.add(metrics.PostmortemsRequired, 7, "period", "2026-10")
	f.add(metrics.PostmortemCoverageRatio, 5.0/7, "period", "2026-10")
	f.add(metrics.PostmortemsRequired, 7, "period", "2026-09")
	f.add(metrics.PostmortemCoverageRatio, 1, "period", "2026-09")
	f.add(metrics.PostmortemLagSeconds, 4*86400+7200, "period", "2026-10", "stage", "publish", "stat", "p50")
	f.add(metrics.PostmortemLagSeconds, 9*86400, "period", "2026-10", "stage", "publish", "stat", "p90")
	f.add(metrics.PostmortemLagSeconds, 86400, "period", "2026-10", "stage", "draft", "stat", "p50")
	f.add(metrics.PostmortemLagTargetSeconds, 7*86400, "stage", "publish")
	f.add(metrics.PostmortemWithinTargetRatio, 0.8, "period", "2026-10", "stage", "publish")
	f.add(metrics.PostmortemCompletenessRatio, 0.9, "period", "2026-10")
	f.add(metrics.PostmortemSectionsMissing, 3, "period", "2026-10", "section", "Where we got lucky")
	f.add(metrics.PostmortemsOverdue, 1, "stage", "publish", "severity", "SEV2")

	// themes
	f.add(metrics.ThemeInfo, 1, "theme", "th-a", "label", "deploy config")
	f.add(metrics.ThemeInfo, 1, "theme", "th-b", "label", "capacity")
	f.add(metrics.ThemeInfo, 1, "theme", "th-c", "label", "certificates")
	for i, n := range []float64{2, 1, 2, 3, 1} { // Apr..Aug
		m := fmt.Sprintf("2026-%02d", 4+i)
		f.add(metrics.ThemeFactors, n, "period", m, "theme", "th-a")
		f.add(metrics.ThemeFactors, 3, "period", m, "theme", "th-c")
	}
	f.add(metrics.ThemeFactors, 3, "period", "2026-09", "theme", "th-a")
	f.add(metrics.ThemeFactors, 3, "period", "2026-09", "theme", "th-c")
	f.add(metrics.ThemeFactors, 9, "period", "2026-10", "theme", "th-a")
	f.add(metrics.ThemeFactors, 4, "period", "2026-10", "theme", "th-b")
	f.add(metrics.ThemeFactorsByTeam, 9, "period", "2026-10", "theme", "th-a", "team", "Payments")
	f.add(metrics.ThemeFactorsByTeam, 4, "period", "2026-10", "theme", "th-b", "team", "Search")

	// recurrence
	f.add(metrics.RepeatIncidentRatio, 0.12, "period", "2026-10")
	f.add(metrics.RepeatIncidentRatio, 0.05, "period", "2026-09")
	f.add(metrics.RecurringIncidents, 3, "period", "2026-10", "service", "checkout")
	f.add(metrics.RecurringIncidents, 1, "period", "2026-10", "service", "search-api")
	// by severity, zero included: 2 of October's 7 SEV1/SEV2 (29%), 1 of
	// September's 7 (14%)
	for _, sev := range []string{"SEV1", "SEV2", "SEV3", "SEV4", "SEV5"} {
		f.add(metrics.RecurringIncidentsBySeverity, 0, "period", "2026-10", "severity", sev)
		f.add(metrics.RecurringIncidentsBySeverity, 0, "period", "2026-09", "severity", sev)
	}
	f.set(metrics.RecurringIncidentsBySeverity, 2, "period", "2026-10", "severity", "SEV2")
	f.set(metrics.RecurringIncidentsBySeverity, 2, "period", "2026-10", "severity", "SEV3")
	f.set(metrics.RecurringIncidentsBySeverity, 1, "period", "2026-09", "severity", "SEV1")

	// language
	f.add(metrics.PostmortemsWithBlameRatio, 0.15, "period", "2026-10")
	f.add(metrics.PostmortemsWithBlameRatio, 0.10, "period", "2026-09")
	f.add(metrics.ActionItemsVagueRatio, 0.2, "period", "2026-10")
	f.add(metrics.LanguageFindings, 2, "period", "2026-10", "rule", "human_error")
	f.add(metrics.LanguageFindings, 5, "period", "2026-10", "rule", "vague_monitoring")
	f.add(metrics.LanguageFindingsDismissed, 1, "period", "2026-10", "rule", "vague_monitoring")
	f.add(metrics.LanguageFindingsDismissed, 1, "period", "2026-10", "rule", "human_error")
	f.add(metrics.LanguageFindingsDismissed, 4, "period", "2026-09", "rule", "human_error")

	// items
	f.item(store.AnalysisItem{Analysis: "process", Kind: analyze.ItemHighlight, Period: "2026-10", Key: "PM-12", Team: "Payments", Service: "checkout",
		Fields: fields("section", "lessons", "quote", "Feature flags let us roll back in minutes.", "title", "Checkout outage", "url", "https://jira.example.com/browse/PM-12")})
	f.item(store.AnalysisItem{Analysis: "process", Kind: analyze.ItemHighlight, Period: "2026-10", Key: "PM-12", Team: "Payments", Rank: 1,
		Fields: fields("section", "lucky", "quote", "The spike came at 3am when traffic was low.", "title", "Checkout outage", "url", "https://jira.example.com/browse/PM-12")})
	f.item(store.AnalysisItem{Analysis: "process", Kind: analyze.ItemHighlight, Period: "2026-09", Key: "PM-9", Team: "Search", Rank: 0,
		Fields: fields("section", "lessons", "quote", "September lesson that must not show in October.", "title", "Old", "url", "https://jira.example.com/browse/PM-9")})
	f.item(store.AnalysisItem{Analysis: "actions", Kind: analyze.ItemOldestOpenActionItem, Key: "PAY-3", Team: "Payments", Rank: 0, Value: 200 * 86400,
		Fields: fields("summary", "Add circuit breaker to ledger client", "priority", "P1", "assignee", "Dana", "url", "https://jira.example.com/browse/PAY-3", "due_date", "2026-06-01")})
	f.item(store.AnalysisItem{Analysis: "actions", Kind: analyze.ItemOldestOpenActionItem, Key: "SRCH-1", Team: "Search", Rank: 0, Value: 300 * 86400,
		Fields: fields("summary", "Shard the index", "priority", "P2", "url", "https://jira.example.com/browse/SRCH-1")})
	f.item(store.AnalysisItem{Analysis: "actions", Kind: analyze.ItemOldestOpenActionItem, Key: "PAY-7", Team: "Payments", Rank: 1, Value: 100 * 86400,
		Fields: fields("summary", "Alert on queue depth", "priority", "P1", "assignee", "Lee", "url", "https://jira.example.com/browse/PAY-7")})
	f.item(store.AnalysisItem{Analysis: "recurrence", Kind: analyze.ItemRecurringGroup, Period: "2026-10", Key: "P123", Team: "Payments", Service: "checkout", Value: 4,
		Fields: fields("title", "Checkout 5xx spike", "repeats", "3", "reason", "title", "url", "https://pd.example.com/incidents/P126")})
	f.item(store.AnalysisItem{Analysis: "language", Kind: analyze.ItemLanguageFinding, Period: "2026-10", Key: "PM-12", Team: "Payments",
		Fields: fields("subject", "postmortem", "rule", "human_error", "sentence", "Root cause: human error by Robin.", "why", "“human error” given as a root cause", "title", "Checkout outage", "url", "https://jira.example.com/browse/PM-12")})
	f.item(store.AnalysisItem{Analysis: "language", Kind: analyze.ItemLanguageFinding, Period: "2026-10", Key: "PAY-9", Team: "Payments", Rank: 1,
		Fields: fields("subject", "action_item", "rule", "vague_monitoring", "sentence", "Improve monitoring", "why", "no measurable outcome", "title", "Improve monitoring", "url", "https://jira.example.com/browse/PAY-9")})
	f.item(store.AnalysisItem{Analysis: "language", Kind: analyze.ItemLanguageFinding, Period: "2026-10", Key: "PAY-8", Team: "Payments", Rank: 0,
		Fields: fields("subject", "action_item", "rule", "no-due-date", "sentence", "Add a canary stage to the checkout deploy", "why", "no due date", "title", "Add a canary stage", "url", "https://jira.example.com/browse/PAY-8")})
	f.item(store.AnalysisItem{Analysis: "themes", Kind: analyze.ItemTheme, Key: "th-a", Value: 30, Fields: fields("label", "deploy config", "representative_text", "A config change was deployed without canary")})
	f.item(store.AnalysisItem{Analysis: "process", Kind: analyze.ItemOverduePostmortem, Key: "P200", Team: "Search", Value: 3 * 86400,
		Fields: fields("stage", "publish", "title", "Search latency", "severity", "SEV2", "url", "https://pd.example.com/incidents/P200")})
	return f
}
