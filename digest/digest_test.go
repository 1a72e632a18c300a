package digest_test

import (
	"context"
	"errors"
	stdhtml "html"
	"math"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze"
	similarpkg "github.com/aftermath-sre/aftermath/analyze/similar"
	"github.com/aftermath-sre/aftermath/digest"
	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

func posInf() float64 { return math.Inf(1) }

var genAt = func() time.Time { return time.Date(2026, 11, 1, 7, 0, 0, 0, time.UTC) }

func build(t *testing.T, r digest.Reader, month, team string) *digest.Digest {
	t.Helper()
	d, err := digest.Build(context.Background(), r, digest.Options{Month: month, Team: team, Now: genAt, BaseURL: "https://aftermath.example.com/digests/"})
	require.NoError(t, err)
	return d
}

func measure(t *testing.T, ms []digest.Measure, name string) digest.Measure {
	t.Helper()
	for _, m := range ms {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("no measure %q", name)
	return digest.Measure{}
}

func cur(t *testing.T, m digest.Measure) float64 {
	t.Helper()
	v, ok := m.Series.Current()
	require.True(t, ok, "%s has no value this month", m.Name)
	return v
}

func prev(t *testing.T, m digest.Measure) float64 {
	t.Helper()
	v, ok := m.Series.Previous()
	require.True(t, ok, "%s has no value last month", m.Name)
	return v
}

func TestBuildReadsTheMonthAgainstThePreviousAndSixBefore(t *testing.T) {
	st := orgFixture(t).store()
	d := build(t, st, "2026-10", "")

	require.Equal(t, "2026-10", d.Month)
	require.Equal(t, "2026-09", d.Previous)
	require.Equal(t, []string{"2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"}, d.Months)
	require.False(t, d.Partial, "the run finished after October ended")
	require.Equal(t, "run-1", d.RunID)

	sev1 := measure(t, d.Incidents.BySeverity, "SEV1")
	require.Equal(t, 2.0, cur(t, sev1))
	require.Equal(t, 4.0, prev(t, sev1))
	avg, ok := sev1.Series.Average()
	require.True(t, ok)
	require.InDelta(t, (1+2+3+1+2+4)/6.0, avg, 1e-9, "six-month average of Apr..Sep")
	require.Equal(t, 19.0, cur(t, d.Incidents.Total))
	require.Equal(t, 17.0, prev(t, d.Incidents.Total))
	require.Equal(t, 3, d.Incidents.OpenNow)

	require.Equal(t, 11400.0, cur(t, d.Response.MTTRP90))
	require.Equal(t, 8770.0, prev(t, d.Response.MTTRP90))
	require.Equal(t, "+30%", d.Response.MTTRP90.VsPrevious().Text)
	require.Equal(t, "worse", d.Response.MTTRP90.VsPrevious().Class)
	require.Equal(t, "3h 10m", d.Response.MTTRP90.Now())
	require.Len(t, d.Response.BySeverity, 1, "only SEV1 has per-severity percentiles in October")
	require.Equal(t, "4h", d.Response.BySeverity[0].MTTRP90.Now())

	require.Equal(t, 12, d.Actions.Overdue.Total)
	require.Equal(t, 5, d.Actions.Overdue.Priority("P1"))
	require.Equal(t, 4, d.Actions.Unowned.Total)
	require.Equal(t, 30.0, cur(t, d.Actions.Completed))
	require.Equal(t, 22.0, prev(t, d.Actions.Completed))
	require.True(t, d.Actions.HasTimeToClose)
	require.True(t, math.IsInf(d.Actions.TimeToCloseP90, 1), "a Kaplan-Meier p90 that is never reached stays +Inf")
	require.Equal(t, []string{"SRCH-1", "PAY-3", "PAY-7"}, keys(d.Actions.Oldest), "oldest first across teams")
	require.Equal(t, "Add circuit breaker to ledger client", d.Actions.Oldest[1].Title)
	require.Equal(t, []string{"PAY-7", "SRCH-2"}, keys(d.Actions.MostOverdue))
	require.Equal(t, "Alert on queue depth", d.Actions.MostOverdue[0].Title, "titles come from the item of the same key")

	require.Len(t, d.ErrorBudget.Services, 2)
	co := d.ErrorBudget.Services[0]
	require.Equal(t, "checkout", co.Service, "the service that used most of its budget comes first")
	require.True(t, co.Breached)
	require.InDelta(t, 2.0, cur(t, co.Consumed), 1e-9, "5356.8s of a 31-day month at 99.9%")
	require.InDelta(t, 0.5, prev(t, co.Consumed), 1e-9, "1296s of a 30-day month at 99.9%")
	require.Equal(t, 1, d.ErrorBudget.Breached)

	require.Equal(t, 5, d.Postmortems.Written)
	require.Equal(t, "71%", d.Postmortems.Coverage.Now())
	require.Equal(t, "−29 pts", d.Postmortems.Coverage.VsPrevious().Text)
	require.Equal(t, "4d 2h", d.Postmortems.PublishP50.Now())
	require.Equal(t, 1, d.Postmortems.OverduePub)
	require.Len(t, d.Postmortems.Overdue, 1)

	require.Len(t, d.Themes.Top, 3-1, "certificates had no factors in October")
	require.Equal(t, "deploy config", d.Themes.Top[0].Label)
	require.Equal(t, "A config change was deployed without canary", d.Themes.Top[0].Representative)
	require.Equal(t, "capacity", d.Themes.Top[1].Label)
	require.True(t, d.Themes.Top[1].New)
	require.Contains(t, d.Themes.Changes, "“deploy config” rose to 9 factors, from a six-month average of 2.")
	require.Contains(t, d.Themes.Changes, "New this month: “capacity” (4 factors), absent in the six months before.")
	require.Contains(t, d.Themes.Changes, "“certificates” did not come up this month (it averaged 3 a month).")

	require.Equal(t, 4.0, cur(t, d.Recurrence.Count))
	require.Len(t, d.Recurrence.Groups, 1)
	require.Equal(t, 4, d.Recurrence.Groups[0].Incidents)

	require.Len(t, d.Highlights.Lessons, 1, "only October's published postmortems are quoted")
	require.Equal(t, "Feature flags let us roll back in minutes.", d.Highlights.Lessons[0].Quote)
	require.Equal(t, "https://jira.example.com/browse/PM-12", d.Highlights.Lessons[0].URL)
	require.Len(t, d.Highlights.Lucky, 1)
	require.Equal(t, []string{"Payments", "Quiet", "Search"}, teamNames(d.Teams))
	require.Len(t, d.Language.Examples, 1, "vague action items are quoted, blame is not")
	require.Equal(t, "Improve monitoring", d.Language.Examples[0].Sentence)
	require.Equal(t, "human_error", d.Language.Rules[1].Name)
	require.Equal(t, 2, d.Language.Dismissed, "October's dismissed findings, not September's")
	line := "2 findings this month were dismissed by the teams that reviewed them (the dismiss label on their Jira issues) and are not counted above."
	require.Contains(t, renderMD(t, d), line)
	require.Contains(t, render(t, d), line)
	require.Equal(t, "https://aftermath.example.com/digests/2026-10.html", d.Links.HTML)
}

func keys(items []digest.ActionItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Key)
	}
	return out
}

func teamNames(ts []digest.TeamSection) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Team)
	}
	return out
}

func TestSummaryIsGeneratedFromTheNumbers(t *testing.T) {
	st := orgFixture(t).store()
	d := build(t, st, "2026-10", "")
	require.Equal(t, []string{
		"2 SEV1s, 5 SEV2s and 19 incidents in all, against 4, 3 and 17 the month before: no clear change.",
		"MTTR p90 rose 30% to 3h 10m (95% interval +12% to +55%), beyond chance; no clear change in MTTR p50 or MTTA.",
		"Beyond chance by team or severity: MTTR p90 of Payments rose 50% to 1h 30m (95% interval +20% to +90%); no clear change in the other 2 comparisons by team and severity.",
		"1 service overspent the month's error budget: checkout (200%).",
		"12 action items are overdue, 5 of them P1; 30 completed this month (22 the month before); 4 open items have no owner.",
		"Postmortems were written for 5 of 7 incidents that needed one (71%, against 100% the month before: no clear change); the median took 4d 2h to publish against a 7d target.",
		"The top contributing-factor theme was “deploy config” (9 factors, 3 the month before). It rose to 9 factors, from a six-month average of 2.",
		"4 incidents repeated an earlier incident (12% of all incidents, 29% of SEV1/SEV2: no clear change from 5% and 14% the month before), most often on checkout.",
	}, d.Summary)
	major, ok := d.Recurrence.MajorRatio.Series.Current()
	require.True(t, ok)
	require.InDelta(t, 2.0/7, major, 1e-9)
	prev, ok := d.Recurrence.MajorRatio.Series.Previous()
	require.True(t, ok)
	require.InDelta(t, 1.0/7, prev, 1e-9)
	team := build(t, st, "2026-10", "Payments")
	require.False(t, team.Recurrence.MajorRatio.Series.AnyKnown(), "the SEV1/SEV2 repeat share is organization-wide")
}

func TestTeamsWithoutIncidentsReadSensibly(t *testing.T) {
	st := orgFixture(t).store()
	d := build(t, st, "2026-10", "")
	var quiet digest.TeamSection
	for _, ts := range d.Teams {
		if ts.Team == "Quiet" {
			quiet = ts
		}
	}
	require.True(t, quiet.NoIncidents)
	require.Equal(t, []string{"No incidents this month."}, quiet.Sentences)

	pay := d.Teams[0]
	require.Equal(t, "Payments", pay.Team)
	require.Equal(t, 5.0, cur(t, pay.Incidents.Total))
	require.Equal(t, 7, pay.Overdue.Total)
	require.Equal(t, "1h 30m", pay.MTTRP90.Now())
	require.Equal(t, []string{
		"2 SEV1s, 3 SEV2s and 5 incidents in all, against 3, 1 and 4 the month before: no clear change.",
		"MTTR p90 rose 50% to 1h 30m (95% interval +20% to +90%), beyond chance.",
		"7 action items are overdue, 3 of them P1.",
	}, pay.Sentences)

	html := render(t, d)
	require.Contains(t, html, "No incidents this month.")

	// A digest of the quiet team alone.
	q := build(t, st, "2026-10", "Quiet")
	require.Equal(t, "No incidents this month.", q.Summary[0])
	require.Equal(t, 0.0, cur(t, q.Incidents.Total))
	require.Empty(t, q.Teams, "a team digest has no per-team sections")
	require.Empty(t, q.Highlights.Lessons)
	qh := render(t, q)
	require.Contains(t, qh, "No published postmortem this month stated lessons learned.")
	require.Contains(t, qh, "Quiet")
}

func TestTeamDigestIsScopedToTheTeam(t *testing.T) {
	st := orgFixture(t).store()
	d := build(t, st, "2026-10", "Search")
	require.Equal(t, "Search", d.Team)
	require.Equal(t, 14.0, cur(t, d.Incidents.Total))
	require.Equal(t, 0.0, cur(t, measure(t, d.Incidents.BySeverity, "SEV1")))
	require.Equal(t, 5, d.Actions.Overdue.Total)
	require.Equal(t, []string{"SRCH-1"}, keys(d.Actions.Oldest))
	require.Len(t, d.ErrorBudget.Services, 1)
	require.Equal(t, "search-api", d.ErrorBudget.Services[0].Service)
	require.Equal(t, "capacity", d.Themes.Top[0].Label)
	require.True(t, d.Postmortems.OrgWide)
	require.Equal(t, "https://aftermath.example.com/digests/2026-10-search.html", d.Links.HTML)
	require.Equal(t, "0 SEV1s, 2 SEV2s and 14 incidents in all, against 1, 2 and 13 the month before: no clear change.", d.Summary[0])
}

func TestEmptyMonthReadsSensibly(t *testing.T) {
	f := newFixture(t, time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC), 13)
	st := f.store()
	d := build(t, st, "2026-10", "")
	require.Equal(t, []string{"No incidents this month."}, d.Summary)
	require.Empty(t, d.Teams)
	html := render(t, d)
	for _, want := range []string{
		"No incidents this month.",
		"No service has an SLO or downtime in these months.",
		"No contributing factors were recorded this month.",
		"No published postmortem this month stated lessons learned.",
		"No published postmortem this month said where we got lucky.",
	} {
		require.Contains(t, html, want)
	}
	for _, bad := range []string{"NaN", "Inf", "%!", "<no value>"} {
		require.NotContains(t, html, bad)
	}
	md := renderMD(t, d)
	require.Contains(t, md, "No incidents this month.")
	require.NotContains(t, md, "NaN")
	require.NotContains(t, md, "<no value>")
}

// A month the run does not cover is an error that says which months it
// covers (a *MonthNotCoveredError, so the CLI can call it bad usage); a
// month that is not one says what is wrong with it.
func TestMonthTheRunDoesNotCoverIsAnError(t *testing.T) {
	st := orgFixture(t).store()
	for _, month := range []string{"2024-01", "2027-01"} {
		_, err := digest.Build(context.Background(), st, digest.Options{Month: month, Now: genAt})
		require.ErrorIs(t, err, digest.ErrMonthNotCovered)
		require.EqualError(t, err, "digest: the analysis run run-1 covers 2025-11 to 2026-11, not "+month)
		var nc *digest.MonthNotCoveredError
		require.ErrorAs(t, err, &nc)
		require.Equal(t, digest.MonthNotCoveredError{Month: month, RunID: "run-1", From: "2025-11", To: "2026-11"}, *nc)
	}
	// A month the run covers, before any data (incidents, action items,
	// factors): not "no incidents this month" (black-box pass 10).
	_, err := digest.Build(context.Background(), st, digest.Options{Month: "2026-02", Now: genAt})
	require.ErrorIs(t, err, digest.ErrMonthNotCovered)
	require.EqualError(t, err, "digest: the data of analysis run run-1 starts in 2026-04, so 2026-02 has none to report")
	_, err = digest.Build(context.Background(), st, digest.Options{Month: "2026-13", Now: genAt})
	require.EqualError(t, err, `digest: month "2026-13": month 13 is not 01-12`)
	_, err = digest.Build(context.Background(), st, digest.Options{Month: "26-10", Now: genAt})
	require.EqualError(t, err, `digest: month "26-10": want a month as YYYY-MM, e.g. 2026-10`)
}

func TestNoAnalysisYet(t *testing.T) {
	st := chtest.Store(t)
	_, err := digest.Build(context.Background(), st, digest.Options{Month: "2026-10", Now: genAt})
	require.ErrorIs(t, err, digest.ErrNoAnalysis)
}

func TestPartialMonthIsMarked(t *testing.T) {
	f := orgFixture(t)
	f.runAt = time.Date(2026, 10, 20, 6, 0, 0, 0, time.UTC)
	st := f.store()
	d := build(t, st, "2026-10", "")
	require.True(t, d.Partial)
	require.Contains(t, d.Notes[0], "October 2026 was not over when the analysis ran")
	require.Contains(t, d.Notes[0], "“Is the change real?” compares them per day", "the arrows of counts compare a part of a month with a whole one")
}

func TestLatestSuccessfulRunIsRead(t *testing.T) {
	f := orgFixture(t)
	st := f.store()
	// a later run with other numbers
	g := orgFixture(t)
	g.runAt = f.runAt.Add(time.Hour)
	g.set(metrics.IncidentsBySeverity, 9, "period", "2026-10", "severity", "SEV1")
	g.write(st, "run-2")
	// and a failed run after it, which must be ignored
	require.NoError(t, st.RecordAnalysisRun(context.Background(), storeRun("run-3", g.runAt.Add(time.Hour), "failed")))
	d := build(t, st, "2026-10", "")
	require.Equal(t, "run-2", d.RunID)
	require.Equal(t, 9.0, cur(t, measure(t, d.Incidents.BySeverity, "SEV1")))
}

func render(t *testing.T, d *digest.Digest) string {
	t.Helper()
	b, err := digest.RenderHTML(d)
	require.NoError(t, err)
	return string(b)
}

func renderMD(t *testing.T, d *digest.Digest) string {
	t.Helper()
	b, err := digest.RenderMarkdown(d)
	require.NoError(t, err)
	return string(b)
}

func TestHTMLShowsTheNumbersAndLoadsNothingExternal(t *testing.T) {
	st := orgFixture(t).store()
	d := build(t, st, "2026-10", "")
	html := render(t, d)
	text := stdhtml.UnescapeString(html)
	require.Contains(t, html, "&#43;30%", "html/template escapes + in text")
	for _, want := range []string{
		"<h1>October 2026</h1>",
		"2 SEV1s, 5 SEV2s and 19 incidents in all, against 4, 3 and 17 the month before: no clear change.",
		"Is the change real?", "Of the 17 comparisons with September 2026, 2 are clear changes.",
		"MTTR p90</td><td class=\"num hide-sm\">2h 26m</td><td class=\"num wrap\"><strong>3h 10m</strong></td><td class=\"num wrap\">+30%</td><td class=\"num hide-sm\">+12% to +55%</td><td><span class=\"pill bad\">real rise</span>",
		"Payments · MTTR p90", "Clear changes by team and severity", "The other 2 comparisons by team and severity show no clear change.",
		"3h 10m", "+30%", "200%", "checkout", "deploy config", "Feature flags let us roll back in minutes.",
		`href="https://jira.example.com/browse/PM-12"`, "Where we got lucky", "Quiet",
		"<svg class=\"chart\"", "Incidents per month by severity", "Time to resolve per month", "Share of SEV1/SEV2 incidents",
		"@media print", "@media (max-width:640px)",
	} {
		require.Contains(t, text, want)
	}
	require.NotContains(t, html, "September lesson", "last month's highlights stay out")
	require.NotContains(t, html, "Robin", "blaming sentences are never quoted")
	// self-contained: no scripts, no external resources
	require.NotContains(t, html, "<script")
	require.NotRegexp(t, regexp.MustCompile(`(?i)<(link|img|iframe|object|embed)\b`), html)
	require.NotRegexp(t, regexp.MustCompile(`(?i)(src|srcset)\s*=`), html)
	require.NotRegexp(t, regexp.MustCompile(`(?i)url\(|@import`), html)

	md := renderMD(t, d)
	for _, want := range []string{
		"# Learning digest: October 2026",
		"- 2 SEV1s, 5 SEV2s and 19 incidents in all, against 4, 3 and 17 the month before: no clear change.",
		"## Is the change real?",
		"| MTTR p90 | 2h 26m | **3h 10m** | +30% | +12% to +55% | **real rise** |",
		"| SEV2 incidents | 3 | **5** | +61% per day | −65% to ×8.3 | no clear change |",
		"| MTTR p90 | **3h 10m** | 2h 26m | ▲ +30% (beyond chance) |",
		"[Checkout outage](https://jira.example.com/browse/PM-12)",
		"> “Feature flags let us roll back in minutes.”",
		"| checkout **(breached)** | 99.9% | 1h 29m | **200%** | 50% |",
		"| Share of SEV1/SEV2 incidents | **29%** | 14% |",
	} {
		require.Contains(t, md, want)
	}
}

func storeRun(id string, at time.Time, status string) store.AnalysisRun {
	return store.AnalysisRun{ID: id, StartedAt: at.Add(-time.Minute), FinishedAt: at, Status: status}
}

func TestActionItemsByKind(t *testing.T) {
	f := orgFixture(t)
	f.add(metrics.ActionItemsByKind, 6, "kind", "prevent", "team", "Payments", "period", "2026-10")
	f.add(metrics.ActionItemsByKind, 2, "kind", "prevent", "team", "Search", "period", "2026-10")
	f.add(metrics.ActionItemsByKind, 7, "kind", "investigate", "team", "Search", "period", "2026-10")
	f.add(metrics.ActionItemsByKind, 9, "kind", "detect", "team", "Payments", "period", "2026-09") // another month
	f.add(metrics.ActionItemsClosedByKindRatio, 0.25, "kind", "prevent", "period", "2026-10")
	f.add(metrics.ActionItemsClosedByKindRatio, 0.5, "kind", "investigate", "period", "2026-10")
	// Three months decide whether a team mostly investigates: Search 9 of
	// 11 (August counts), Quiet exactly half (not more), Payments' July
	// items are out of the window.
	f.add(metrics.ActionItemsByKind, 2, "kind", "investigate", "team", "Search", "period", "2026-08")
	f.add(metrics.ActionItemsByKind, 5, "kind", "investigate", "team", "Quiet", "period", "2026-09")
	f.add(metrics.ActionItemsByKind, 5, "kind", "repair", "team", "Quiet", "period", "2026-09")
	f.add(metrics.ActionItemsByKind, 20, "kind", "investigate", "team", "Payments", "period", "2026-07")
	st := f.store()

	d := build(t, st, "2026-10", "")
	require.Equal(t, []digest.KindCount{
		{Kind: "prevent", Count: 8, Closed: 0.25, HasClosed: true},
		{Kind: "investigate", Count: 7, Closed: 0.5, HasClosed: true},
	}, d.Actions.Kinds)
	require.Contains(t, render(t, d), "prevent 8 (25% closed) · investigate 7 (50% closed)")
	require.Contains(t, renderMD(t, d), "prevent 8 (25% closed) · investigate 7 (50% closed)")
	require.Equal(t, []digest.TeamKindShare{{Team: "Search", Investigate: 9, Total: 11, From: "2026-08", To: "2026-10"}}, d.Actions.MostlyInvestigate)
	require.Contains(t, renderMD(t, d), "- Follow-ups mostly “investigate”: Search, 9 of 11 action items created August–October 2026 (82%).")
	require.Contains(t, render(t, d), "Follow-ups mostly “investigate”: Search, 9 of 11 action items created August–October 2026 (82%).")
	require.Contains(t, strings.Join(d.Summary, "\n"), "9 of Search’s 11 follow-ups over three months were “investigate”")

	d = build(t, st, "2026-10", "Search")
	require.Equal(t, []digest.KindCount{
		{Kind: "investigate", Count: 7, Closed: 0.5, HasClosed: true},
		{Kind: "prevent", Count: 2, Closed: 0.25, HasClosed: true},
	}, d.Actions.Kinds, "a team's counts, the closure organization-wide")
	// The team's own digest says it mostly investigates (black-box pass 8:
	// only the organization's did); another team's does not.
	require.Equal(t, []digest.TeamKindShare{{Team: "Search", Investigate: 9, Total: 11, From: "2026-08", To: "2026-10"}}, d.Actions.MostlyInvestigate)
	require.Contains(t, renderMD(t, d), "- Follow-ups mostly “investigate”: Search, 9 of 11 action items created August–October 2026 (82%).")
	require.Contains(t, strings.Join(d.Summary, "\n"), "of Search’s 11 follow-ups over three months were “investigate”")
	d = build(t, st, "2026-10", "Payments")
	require.Empty(t, d.Actions.MostlyInvestigate)
}

func TestHighlightsListSimilarEarlierPostmortems(t *testing.T) {
	st := orgFixture(t).store()
	var asked [][]string
	similar := func(_ context.Context, keys []string, n int) (map[string][]analyze.SimilarPostmortem, error) {
		asked = append(asked, keys)
		require.Equal(t, digest.SimilarShown, n)
		return map[string][]analyze.SimilarPostmortem{"PM-12": {
			{Match: similarpkg.Match{Key: "PM-7"}, Title: "Checkout flag rollout", URL: "https://jira.example.com/browse/PM-7", SharedThemeLabels: []string{"deploy config", "feature flags"}},
			{Match: similarpkg.Match{Key: "PM-3"}, Title: "Ledger timeouts", URL: "javascript:alert(1)"},
		}}, nil
	}
	d, err := digest.Build(context.Background(), st, digest.Options{Month: "2026-10", Now: genAt, Similar: similar})
	require.NoError(t, err)
	require.Equal(t, [][]string{{"PM-12"}}, asked, "one call for every quoted postmortem, each once")
	want := []digest.SimilarPostmortem{
		{Key: "PM-7", Title: "Checkout flag rollout", URL: "https://jira.example.com/browse/PM-7", SharedThemes: []string{"deploy config", "feature flags"}},
		{Key: "PM-3", Title: "Ledger timeouts"},
	}
	require.Equal(t, want, d.Highlights.Lessons[0].Similar, "unsafe links dropped")
	require.Equal(t, want, d.Highlights.Lucky[0].Similar)
	require.Contains(t, stdhtml.UnescapeString(render(t, d)),
		`Seen before: <a href="https://jira.example.com/browse/PM-7">Checkout flag rollout</a> <span class="muted">(deploy config, feature flags)</span>; Ledger timeouts</p>`)
	require.Contains(t, renderMD(t, d), "> Seen before: [Checkout flag rollout](https://jira.example.com/browse/PM-7) (deploy config, feature flags); Ledger timeouts")

	_, err = digest.Build(context.Background(), st, digest.Options{Month: "2026-10", Now: genAt,
		Similar: func(context.Context, []string, int) (map[string][]analyze.SimilarPostmortem, error) {
			return nil, errors.New("boom")
		}})
	require.ErrorContains(t, err, "boom")

	d = build(t, st, "2026-10", "")
	require.Empty(t, d.Highlights.Lessons[0].Similar, "without Similar, no matches")
}

// TestTeamDigestSaysTheThemeExampleIsTheOrganizations: a theme's example is
// the factor closest to the theme's centre across the organization, so in a
// team's digest it can be another team's (black-box pass 8): a team with no
// example of its own is told so; the organization's digest does not need
// to.
func TestTeamDigestSaysTheThemeExampleIsTheOrganizations(t *testing.T) {
	st := orgFixture(t).store()
	d := build(t, st, "2026-10", "Payments")
	require.Contains(t, renderMD(t, d), "deploy config, e.g., across the organization, “A config change was deployed without canary”")
	require.Contains(t, render(t, d), "e.g., across the organization, “A config change was deployed without canary”")
	d = build(t, st, "2026-10", "")
	require.Contains(t, renderMD(t, d), "deploy config, e.g. “A config change was deployed without canary”")
	require.NotContains(t, render(t, d), "across the organization")
}

// TestTeamDigestQuotesTheTeamsOwnThemeExample: a team's digest quotes the
// theme's factor from the team's own latest postmortem of the month (or of
// the latest earlier month of the trend), naming it; other teams and the
// organization keep the theme's representative.
func TestTeamDigestQuotesTheTeamsOwnThemeExample(t *testing.T) {
	f := orgFixture(t)
	ex := func(month, team, pm, text string) {
		f.item(store.AnalysisItem{Analysis: "themes", Kind: analyze.ItemThemeTeamExample, Key: "th-a", Period: month, Team: team, Value: 1,
			Fields: fields("factor", pm+"#1", "postmortem", pm, "text", text)})
	}
	ex("2026-08", "Payments", "PAY-3", "An older Payments example")
	ex("2026-09", "Payments", "PAY-77", "The ledger flag was flipped in production without review")
	ex("2026-11", "Payments", "PAY-9", "A later month's example")
	ex("2026-10", "Search", "SRCH-2", "Search's own example")
	st := f.store()

	d := build(t, st, "2026-10", "Payments")
	require.Contains(t, renderMD(t, d), "deploy config, e.g., in PAY-77, “The ledger flag was flipped in production without review”")
	require.Contains(t, render(t, d), "e.g., in PAY-77, “The ledger flag was flipped in production without review”")
	require.NotContains(t, render(t, d), "A config change was deployed without canary")

	d = build(t, st, "2026-10", "")
	require.Contains(t, renderMD(t, d), "deploy config, e.g. “A config change was deployed without canary”")
	require.NotContains(t, render(t, d), "PAY-77")
}

// TestDigestInAnotherTimeZoneThanTheAnalysisIsRefused: an analysis run
// whose calendar months are UTC's cannot be written up as Auckland's months
// (black-box pass 10: the page said "Month boundaries in Pacific/Auckland"
// over UTC figures).
func TestDigestInAnotherTimeZoneThanTheAnalysisIsRefused(t *testing.T) {
	f := orgFixture(t)
	f.item(store.AnalysisItem{Analysis: "run", Kind: analyze.ItemRunSetting, Key: analyze.SettingTimeZone, Fields: fields("value", "UTC")})
	st := f.store()
	auckland, err := time.LoadLocation("Pacific/Auckland")
	require.NoError(t, err)
	_, err = digest.Build(context.Background(), st, digest.Options{Month: "2026-10", Now: genAt, Location: auckland})
	var tz *digest.TimeZoneMismatchError
	require.ErrorAs(t, err, &tz)
	require.EqualError(t, err, "digest: the analysis run run-1 has calendar months in UTC, not Pacific/Auckland: run `aftermath analyze` with this time zone, or write the digest in UTC")
	_, err = digest.Build(context.Background(), st, digest.Options{Month: "2026-10", Now: genAt, Location: time.UTC})
	require.NoError(t, err)
}

// TestOverduePostmortemsSayTheirWindow: the overdue postmortems count only
// incidents resolved in the run's lookback (90 days); the digest says so
// (black-box pass 10: older incidents never written up were left out
// without a word).
func TestOverduePostmortemsSayTheirWindow(t *testing.T) {
	f := orgFixture(t)
	f.item(store.AnalysisItem{Analysis: "run", Kind: analyze.ItemRunSetting, Key: analyze.SettingOverdueLookback, Fields: fields("value", "90")})
	d := build(t, f.store(), "2026-10", "")
	require.Equal(t, 90, d.Postmortems.LookbackDays)
	require.Contains(t, renderMD(t, d), "An incident without a draft counts for 90 days after it was resolved; a draft counts until it is published.")
	require.Contains(t, render(t, d), "An incident without a draft counts for 90 days after it was resolved; a draft counts until it is published.")
}

// TestDigestWrittenLongAfterItsMonthDatesTheRunsFigures: a digest of
// October from an analysis of 8 December says that what is open and
// overdue is as of 8 December (black-box pass 10: every month's digest
// repeated the same "422 action items are overdue" as if of that month).
func TestDigestWrittenLongAfterItsMonthDatesTheRunsFigures(t *testing.T) {
	f := orgFixture(t)
	f.runAt = time.Date(2026, 12, 8, 6, 0, 0, 0, time.UTC)
	d := build(t, f.store(), "2026-10", "")
	require.Equal(t, "8 Dec 2026", d.AsOf)
	md := renderMD(t, d)
	require.Contains(t, md, "The analysis behind this digest ran on 8 Dec 2026, 37 days after October 2026 ended")
	require.Contains(t, md, "12 action items are overdue on 8 Dec 2026, 5 of them P1")
	require.Contains(t, md, "4 open items have no owner on 8 Dec 2026")
	require.Contains(t, md, "still open when the analysis ran, on 8 Dec 2026.")

	// The usual digest, written just after its month: no date needed.
	d = build(t, orgFixture(t).store(), "2026-10", "")
	require.Empty(t, d.AsOf)
	require.NotContains(t, renderMD(t, d), "The analysis behind this digest ran on")
}

// TestDigestNotesAPartlyCoveredFirstMonth: when the incident history starts
// after the first day of a month in the trend, the digest says that month
// may be only partly covered (black-box pass 10: December's 1,065 incidents
// from 9 December on read as a full month's, and January's "+317" as a
// rise when the rate per day fell).
func TestDigestNotesAPartlyCoveredFirstMonth(t *testing.T) {
	f := orgFixture(t) // incidents from April 2026
	f.item(store.AnalysisItem{Analysis: "run", Kind: analyze.ItemRunSetting, Key: analyze.SettingIncidentsFrom, Fields: fields("value", "2026-04-09T10:00:00Z")})
	st := f.store()
	const note = "The earliest incident Aftermath holds is from 9 Apr 2026, so April 2026 may be only partly covered"
	require.Contains(t, renderMD(t, build(t, st, "2026-05", "")), note)
	require.Contains(t, renderMD(t, build(t, st, "2026-10", "")), note, "April is in October's trend")
	require.NotContains(t, renderMD(t, build(t, st, "2026-11", "")), note, "April is out of November's trend")

	f = orgFixture(t)
	f.item(store.AnalysisItem{Analysis: "run", Kind: analyze.ItemRunSetting, Key: analyze.SettingIncidentsFrom, Fields: fields("value", "2026-04-01T00:10:00Z")})
	require.NotContains(t, renderMD(t, build(t, f.store(), "2026-05", "")), "may be only partly covered", "from the month's first day")
}

// TestDigestSaysHowManyItemsWereDeclined: items closed without being done
// (Won't Do, Cancelled, Duplicate) are not "completed"; the digest counts
// them apart (black-box pass 9). An analysis that did not count them shows
// no such row.
func TestDigestSaysHowManyItemsWereDeclined(t *testing.T) {
	f := orgFixture(t)
	f.set(metrics.ActionItemsDeclined, 5, "period", "2026-10", "team", "Payments")
	f.set(metrics.ActionItemsDeclined, 2, "period", "2026-09", "team", "Payments")
	d := build(t, f.store(), "2026-10", "")
	require.Contains(t, strings.Join(d.Summary, "\n"), "30 completed this month (22 the month before), 5 closed without being done (won't do, cancelled, duplicate)")
	require.Contains(t, renderMD(t, d), "| Declined | **5** | 2 |")
	require.Contains(t, renderMD(t, d), "Declined: closed without being done (a status such as Won't Do, Cancelled or Duplicate)")
	require.Contains(t, render(t, d), "Declined: closed without being done (a status such as Won&#39;t Do, Cancelled or Duplicate)")

	d = build(t, orgFixture(t).store(), "2026-10", "")
	require.NotContains(t, renderMD(t, d), "Declined")
}

// TestMarkdownOverduePostmortemsNameTheirTeam: the organization's digest
// lists each overdue postmortem with its team, as the page's table does
// (black-box pass 10: the Markdown left the team out).
func TestMarkdownOverduePostmortemsNameTheirTeam(t *testing.T) {
	d := build(t, orgFixture(t).store(), "2026-10", "")
	require.NotEmpty(t, d.Postmortems.Overdue)
	o := d.Postmortems.Overdue[0]
	require.NotEmpty(t, o.Team)
	require.Contains(t, renderMD(t, d), " · "+o.Severity+" · "+o.Team+" · ")
}
