package process

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze/internal/calc"
	"github.com/aftermath-sre/aftermath/store"
)

const day = 24 * time.Hour

var now = time.Date(2025, 6, 20, 12, 0, 0, 0, time.UTC)

func index(rs []store.Result) map[string]float64 {
	out := map[string]float64{}
	for _, r := range rs {
		var b strings.Builder
		b.WriteString(r.Metric)
		for i, n := range r.LabelNames {
			fmt.Fprintf(&b, "|%s=%s", n, r.LabelValues[i])
		}
		out[b.String()] = r.Value
	}
	return out
}

func inc(id, sev string, created, resolved time.Time) store.Incident {
	return store.Incident{ID: id, Severity: sev, ServiceName: "api", TeamName: "Payments", CreatedAt: created, ResolvedAt: resolved}
}

func TestCoverageLagAndOverdue(t *testing.T) {
	r := func(daysAgo float64) time.Time { return now.Add(-time.Duration(daysAgo * float64(day))) }
	merged := inc("merged", "SEV1", r(10), r(9.9))
	merged.MergedInto = "a"
	incs := []store.Incident{
		inc("a", "SEV1", r(10), r(9)),          // postmortem drafted 1 day after resolve, published after 5
		inc("b", "SEV2", r(10), r(8)),          // no postmortem: draft and publish overdue
		inc("c", "SEV2", r(1.5), r(1)),         // no postmortem, but the draft target (2d) has not passed
		inc("d", "SEV3", r(10), r(9)),          // not required
		inc("open", "SEV1", r(1), time.Time{}), // open: not in coverage yet
		merged,                                 // merged: excluded
		inc("e", "SEV1", r(12), r(11)),         // covered by a postmortem of two incidents
		inc("f", "SEV1", r(12), r(10)),
		inc("old", "SEV1", r(200), r(199)), // outside the overdue lookback
		// Drafted long ago, never published: still overdue whatever the
		// lookback (black-box pass 9: the drafts held in review longest
		// dropped out).
		inc("held", "SEV2", r(130), r(120)),
	}
	pms := []store.Postmortem{
		{Key: "PM-1", IncidentIDs: []string{"a"}, CreatedAt: r(8), PublishedAt: r(4)},
		{Key: "PM-2", IncidentIDs: []string{"e", "f"}, CreatedAt: r(10.5), Sections: []string{"summary"}, MissingSections: []string{"timeline", "impact", "lessons"}}, // drafted before f resolved
		{Key: "PM-near", CreatedAt: r(3), Sections: []string{"summary", "impact"}},
		{Key: "PM-held", IncidentIDs: []string{"held"}, CreatedAt: r(119)},
	}
	items := []store.ActionItem{
		{Key: "ACT-1", AssigneeID: "u", DueDate: r(-3), CreatedAt: r(2)},
		{Key: "ACT-2", CreatedAt: r(2)},
	}
	rs, out := compute(t, incs, pms, items, Input{Periods: calc.NewPeriods(now, time.UTC, 1),
		Options: Options{MaxItemSeries: 10}})
	got := index(rs)
	require.Equal(t, 5.0, got["postmortems_required|period=30d|severity="], "a, b, c, e, f: open, merged, SEV3 and old are not")
	require.InDelta(t, 3.0/5.0, got["postmortem_coverage_ratio|period=30d|severity="], 1e-12)
	require.Equal(t, 1.0, got["postmortem_coverage_ratio|period=30d|severity=SEV1"], "a, e, f")
	require.Equal(t, 0.0, got["postmortem_coverage_ratio|period=30d|severity=SEV2"], "b, c")
	require.Equal(t, 1.0, got["postmortems_overdue|stage=draft|severity=SEV2"], "b only: c's target has not passed")
	require.Equal(t, 2.0, got["postmortems_overdue|stage=publish|severity=SEV2"], "b, and held: its draft awaits publication past the lookback")
	require.Contains(t, got, "postmortem_overdue_seconds|incident=held|severity=SEV2|stage=publish|team=Payments")
	require.Equal(t, 2.0, got["postmortems_overdue|stage=publish|severity=SEV1"], "e and f: PM-2 is not published; old is outside the lookback")
	require.Equal(t, (8*day - 2*day).Seconds(), got["postmortem_overdue_seconds|incident=b|severity=SEV2|stage=draft|team=Payments"])
	// b was never drafted: it is late for publication too (counted above),
	// but its own series and item name only the draft.
	_, both := got["postmortem_overdue_seconds|incident=b|severity=SEV2|stage=publish|team=Payments"]
	require.False(t, both, "one missing postmortem is one series")
	require.Contains(t, got, "postmortem_overdue_seconds|incident=e|severity=SEV1|stage=publish|team=Payments", "drafted, not published")
	// Draft lag: PM-1 1 day; PM-2 drafted before its last incident resolved: 0.
	require.Equal(t, 0.5*day.Seconds(), got["postmortem_lag_seconds|period=30d|stage=draft|stat=p50"])
	require.Equal(t, (5 * day).Seconds(), got["postmortem_lag_seconds|period=30d|stage=publish|stat=p50"], "only published postmortems have a publish lag")
	require.Equal(t, 1.0, got["postmortem_within_target_ratio|period=30d|stage=draft"])
	require.Equal(t, 0.5, got["postmortem_within_target_ratio|period=30d|stage=publish"], "PM-1 in time, PM-2 past target and unpublished")
	require.InDelta(t, (0.25+1)/2, got["postmortem_completeness_ratio|period=30d"], 1e-12, "postmortems without section data are skipped")
	require.Equal(t, 1.0, got["postmortem_sections_missing|period=30d|section=timeline"])
	require.Equal(t, 0.5, got["action_items_owner_and_due_ratio|period=30d"])
	var kinds []string
	for _, it := range out {
		kinds = append(kinds, it.Kind+":"+it.Key)
	}
	require.Contains(t, kinds, "overdue_postmortem:b")
	nb := 0
	for _, k := range kinds {
		if k == "overdue_postmortem:b" {
			nb++
		}
	}
	require.Equal(t, 1, nb, "one item for b, its draft")
}

func TestHighlightsQuoteLessonsAndLuckByMonth(t *testing.T) {
	pms := []store.Postmortem{
		{Key: "PM-1", Severity: "SEV2", Title: "Checkout down", URL: "u1", PublishedAt: time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC),
			Lessons: "  Canary   everything. ", Lucky: "It happened at night."},
		{Key: "PM-2", Severity: "SEV1", Title: "Ledger", PublishedAt: time.Date(2025, 6, 3, 0, 0, 0, 0, time.UTC), Lessons: "Backups work."},
		{Key: "PM-3", Severity: "SEV1", Lessons: "Unpublished."},
	}
	_, items := compute(t, nil, pms, nil, Input{Periods: calc.NewPeriods(now, time.UTC, 2)})
	var got []string
	for _, it := range items {
		if it.Kind == "highlight" {
			got = append(got, fmt.Sprintf("%s %d %s %s %q", it.Period, it.Rank, it.Key, it.Field("section"), it.Field("quote")))
		}
	}
	require.Equal(t, []string{
		`2025-06 0 PM-2 lessons "Backups work."`,
		`2025-06 1 PM-1 lessons "Canary everything."`,
		`2025-06 2 PM-1 lucky "It happened at night."`,
	}, got, "SEV1 first, published only, whitespace collapsed")
}

func TestHighlightsKeepTheFirstOfEachMonthSectionAndTeam(t *testing.T) {
	var pms []store.Postmortem
	for i := range 7 {
		team, sev := "a", "SEV2"
		if i%2 == 1 {
			team = "b"
		}
		if i == 6 {
			sev = "SEV1" // streamed first although published last
		}
		pm := store.Postmortem{Key: fmt.Sprintf("PM-%d", i), Severity: sev, Team: team,
			PublishedAt: time.Date(2025, 6, 2+i, 0, 0, 0, 0, time.UTC), Lessons: fmt.Sprintf("lesson %d", i)}
		if i < 2 {
			pm.Lucky = fmt.Sprintf("luck %d", i)
		}
		pms = append(pms, pm)
	}
	_, items := compute(t, nil, pms, nil, Input{Periods: calc.NewPeriods(now, time.UTC, 2), Options: Options{MaxHighlights: 2}})
	var got []string
	for _, it := range items {
		if it.Kind == "highlight" {
			got = append(got, fmt.Sprintf("%d %s %s %s", it.Rank, it.Team, it.Key, it.Field("section")))
		}
	}
	require.Equal(t, []string{
		"0 a PM-6 lessons",
		"1 a PM-0 lessons", "2 a PM-0 lucky",
		"3 b PM-1 lessons", "4 b PM-1 lucky",
		"5 b PM-3 lessons",
	}, got, "two per month, section and team in the stream's order: team a's third lessons (PM-2) and later ones are left out")
}

func TestQuote(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"short", "short"},
		{"one two three four", "one two…"},
		{"ééééééééé", "éééé…"},
	} {
		require.Equal(t, tc.want, Quote(tc.in, 9), tc.in)
	}
}
