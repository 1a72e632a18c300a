package digest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze"
	"github.com/aftermath-sre/aftermath/digest"
	"github.com/aftermath-sre/aftermath/simulate/org"
	"github.com/aftermath-sre/aftermath/simulate/orgstore"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// TestDigestBeforePagerDutySyncedStatesNoIncidentFacts reproduces the
// report: Jira ingested, PagerDuty enabled but never synced, analyze, then
// digest. The page said "No incident data for this month" and yet "0
// incidents still open when the analysis ran." and "No postmortem is
// overdue now." (postmortems are owed for incidents), and listed the SLO
// services as having "no incidents on record under this name", as if
// their SLOs named them wrongly. Those now read as not known, in the
// organization's digest and a team's, in HTML and Markdown.
func TestDigestBeforePagerDutySyncedStatesNoIncidentFacts(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and analyses a simulated org")
	}
	ctx := context.Background()
	end := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	o, err := org.Generate(org.Options{Seed: 11, Scale: org.ScaleSmall, End: end})
	require.NoError(t, err)
	st := chtest.Store(t)
	// Jira's postmortems and action items; no incident at all.
	require.NoError(t, st.UpsertPostmortems(ctx, orgstore.Postmortems(o)))
	require.NoError(t, st.UpsertActionItems(ctx, orgstore.ActionItems(o)))
	var slos []analyze.SLO
	for _, s := range o.Services[:3] {
		slos = append(slos, analyze.SLO{Service: s.Name, Target: 0.999, Window: analyze.WindowCalendarMonth, Severities: []string{"SEV1", "SEV2"}})
	}
	runAt := end.Add(6 * time.Hour)
	_, err = analyze.Run(ctx, st, analyze.Options{Now: func() time.Time { return runAt }, SLOs: slos})
	require.NoError(t, err)

	for _, team := range []string{"", "platform"} {
		d, err := digest.Build(ctx, st, digest.Options{Month: "2025-12", Team: team, NoIncidentData: true, Now: func() time.Time { return runAt }})
		require.NoError(t, err)
		scope := ""
		if team != "" {
			scope = " for team " + team
		}
		for format, page := range map[string]string{"markdown": renderMD(t, d), "html": render(t, d)} {
			require.Contains(t, page, "No incident data for this month.", "%s, team %q", format, team)
			require.NotContains(t, page, "0 incidents still open", "%s, team %q", format, team)
			require.Contains(t, page, "Incidents still open when the analysis ran: not known, as PagerDuty has not completed a sync yet.", "%s, team %q", format, team)
			require.NotContains(t, page, "No postmortem is overdue now", "%s, team %q", format, team)
			require.Contains(t, page, "Postmortems overdue now"+scope+": not known, as PagerDuty has not completed a sync yet.", "%s, team %q", format, team)
			require.NotContains(t, page, "no incidents on record under this name", "%s, team %q: no incident data says nothing of the SLO's name", format, team)
			require.NotContains(t, page, "No service has an SLO or downtime", "%s, team %q", format, team)
		}
		if team == "" {
			require.Len(t, d.ErrorBudget.Services, 3, "the SLO services are listed")
			for _, s := range d.ErrorBudget.Services {
				require.False(t, s.Downtime.Known(), "%s: downtime not known, not zero", s.Service)
			}
		} else {
			require.Contains(t, renderMD(t, d), "No incident data for this month: the services' downtime is not known.",
				"the team's services are those it had incidents of")
		}
	}
}

// TestDigestBeforePagerDutySyncedIgnoresTheIncidentsOfAFailedSync: a first
// PagerDuty sync that failed midway stored some incidents, which the
// analysis read. PagerDuty has still not completed a sync, so the digest
// states no incident-derived fact from them: not the incidents open now,
// not the postmortems overdue now (nor list them), not the recurring
// incidents of the month, not whether the fixes held (the
// incidents that repeated their failures), nor the fixes still owed, nor
// the month's changes in incident figures (a "real rise" of MTTR p90).
func TestDigestBeforePagerDutySyncedIgnoresTheIncidentsOfAFailedSync(t *testing.T) {
	f := orgFixture(t) // 3 incidents open, a postmortem overdue
	addFixRow(f, "", 40, 25, 10, 1308, 1373, 0.85, 0.39, 0.41, 0.46, 0.5)
	f.item(store.AnalysisItem{Analysis: "recurrence", Kind: analyze.ItemPendingFix, Key: "PM-12", Team: "Payments", Service: "checkout", Value: 4,
		Fields: fields("theme", "th-a", "theme_label", "deploy config", "title", "Checkout down", "since", "2026-09-02T00:00:00Z",
			"last_at", "2026-10-20T00:00:00Z", "open_items", "1", "items", "3")})
	st := f.store()
	build := func(team string, noIncidentData bool) *digest.Digest {
		t.Helper()
		d, err := digest.Build(context.Background(), st, digest.Options{Month: "2026-10", Team: team, Now: genAt, NoIncidentData: noIncidentData})
		require.NoError(t, err)
		return d
	}

	// Once PagerDuty has synced, the same run's facts are stated.
	synced := build("", false)
	page := renderMD(t, synced) + render(t, synced)
	require.Contains(t, page, "3 incidents still open when the analysis ran.")
	require.Contains(t, page, "Postmortems overdue now: 1 incident")
	require.True(t, synced.Fixes.Known())
	require.NotEmpty(t, synced.Fixes.Pending)
	require.Contains(t, page, "Did the fixes hold?")
	require.Contains(t, page, "real rise")
	require.Contains(t, page, "P200", "the overdue postmortem is listed")
	require.NotEmpty(t, synced.Recurrence.Groups)
	require.Contains(t, strings.Join(synced.Summary, " "), "Beyond chance by team or severity: MTTR p90 of Payments rose")

	for _, team := range []string{"", "Payments"} {
		d := build(team, true)
		page := renderMD(t, d) + render(t, d)
		require.NotContains(t, page, "3 incidents still open", "team %q", team)
		require.Contains(t, page, "Incidents still open when the analysis ran: not known", "team %q", team)
		require.NotContains(t, page, ": 1 incident", "team %q", team)
		require.NotContains(t, page, "No postmortem is overdue now", "team %q", team)
		require.NotContains(t, page, "P200", "team %q: no overdue postmortem listed", team)
		require.Empty(t, d.Postmortems.Overdue, "team %q", team)
		require.Empty(t, d.Recurrence.Groups, "team %q: no recurring incidents listed", team)
		require.False(t, d.Fixes.Known(), "team %q: whether the fixes held is read from repeat incidents", team)
		require.Empty(t, d.Fixes.Pending, "team %q: the fixes still owed are those whose failure repeated", team)
		require.NotContains(t, page, "Did the fixes hold?", "team %q", team)
		require.NotContains(t, page, "Still failing while the fixes are open", "team %q", team)
		for _, s := range d.Summary {
			require.NotContains(t, s, "repeats most while its fixes are open", "team %q", team)
			require.NotContains(t, s, "Beyond chance", "team %q", team)
		}
		require.NotContains(t, page, "real rise", "team %q: no verdict on incident figures", team)
		for _, r := range append(d.Changes.Rows, d.Changes.Clear...) {
			require.Equal(t, analyze.MeasureBlame, r.Measure, "team %q: only the comparisons not of incident figures", team)
		}
		require.Equal(t, 17, d.Changes.Tests, "team %q: the correction still counts every comparison", team)
	}
	d := build("", true)
	require.Equal(t, "Month-over-month differences are mostly noise. This month has no incident data: its incident figures are not compared. "+
		"Of the remaining 1 comparison with September 2026, none is a clear change.", d.Changes.Lede())
	team := build("Payments", true)
	require.False(t, team.Changes.Shown(), "the team's comparisons are all of incident figures")
	require.NotContains(t, renderMD(t, team)+render(t, team), "Is the change real?")
}
