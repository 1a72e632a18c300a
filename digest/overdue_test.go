package digest_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze"
	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
)

// overdueFixture has three incidents whose postmortem is late: P1 (Search)
// and P2 (Payments) were never drafted and are past the publication target
// too, P3 (Search) was drafted and not published. The run counts 2 late
// drafts and 3 late publications (aftermath_postmortems_overdue), which do
// not add up to the 3 incidents; its items name each incident once, at its
// earliest missing stage.
func overdueFixture(t *testing.T) *fixture {
	f := orgFixture(t)
	var items []store.AnalysisItem
	for _, it := range f.items {
		if it.Kind != analyze.ItemOverduePostmortem {
			items = append(items, it)
		}
	}
	f.items = items
	f.set(metrics.PostmortemsOverdue, 0, "stage", "publish", "severity", "SEV2")
	f.add(metrics.PostmortemsOverdue, 2, "stage", "draft", "severity", "SEV2")
	f.add(metrics.PostmortemsOverdue, 3, "stage", "publish", "severity", "SEV1")
	for i, x := range []struct{ key, team, stage string }{{"P1", "Search", "draft"}, {"P2", "Payments", "draft"}, {"P3", "Search", "publish"}} {
		f.item(store.AnalysisItem{Analysis: "process", Kind: analyze.ItemOverduePostmortem, Key: x.key, Team: x.team, Rank: i, Value: float64(9-i) * 86400,
			Fields: fields("stage", x.stage, "title", "Incident "+x.key, "severity", "SEV1", "url", "https://pd.example.com/incidents/"+x.key)})
	}
	return f
}

// TestOverduePostmortemsCountEachIncidentOnce: "Overdue now: 2 drafts and 3
// publications" read as 5 late postmortems where there are 3 (an incident
// never drafted counts for both stages). The digest counts the incidents
// once, split by their earliest missing stage, and a team's digest counts
// the team's own.
func TestOverduePostmortemsCountEachIncidentOnce(t *testing.T) {
	st := overdueFixture(t).store()
	for _, c := range []struct{ team, want string }{
		{"", "Postmortems overdue now: 3 incidents, 2 without a draft and 1 drafted but not published."},
		{"Search", "Postmortems overdue now for team Search: 2 incidents, 1 without a draft and 1 drafted but not published."},
		{"Payments", "Postmortems overdue now for team Payments: 1 incident, without a draft."},
		{"Quiet", "No postmortem is overdue now for team Quiet."},
	} {
		d := build(t, st, "2026-10", c.team)
		require.True(t, d.Postmortems.LateKnown, c.team)
		require.Equal(t, 2, d.Postmortems.OverdueDraft, "the organization's count of late drafts")
		require.Equal(t, 3, d.Postmortems.OverduePub, "the organization's count of late publications")
		require.Contains(t, render(t, d), c.want, c.team)
		require.Contains(t, renderMD(t, d), c.want, c.team)
		require.NotContains(t, render(t, d), "drafts and", c.team)
	}

	// Items that do not account for the run's count (it keeps the most
	// overdue only) leave the two stages' counts, which the digest says
	// overlap, and a team's digest says are the organization's.
	f := overdueFixture(t)
	f.set(metrics.PostmortemsOverdue, 5, "stage", "draft", "severity", "SEV2")
	st = f.store()
	d := build(t, st, "2026-10", "")
	require.False(t, d.Postmortems.LateKnown)
	want := "Postmortems overdue now: 5 incidents are past the draft target without a draft, 3 past the publication target unpublished; an incident never drafted can be in both."
	require.Contains(t, render(t, d), want)
	require.Contains(t, renderMD(t, d), want)
	d = build(t, st, "2026-10", "Search")
	want = "Postmortems overdue now, organization-wide: 5 incidents are past the draft target without a draft, 3 past the publication target unpublished; an incident never drafted can be in both."
	require.Contains(t, render(t, d), want)
	require.Contains(t, renderMD(t, d), want)
}

// TestOverduePostmortemsListTheMostSevereFirst: the list of overdue
// postmortems (five at most) led with the longest overdue, so the one SEV1
// of a month with many late SEV2s was left out (black-box pass 6). It now
// lists the most severe first, then the longest overdue.
func TestOverduePostmortemsListTheMostSevereFirst(t *testing.T) {
	f := orgFixture(t)
	var items []store.AnalysisItem
	for _, it := range f.items {
		if it.Kind != analyze.ItemOverduePostmortem {
			items = append(items, it)
		}
	}
	f.items = items
	keys := []string{"P1", "P2", "P3", "P4", "P5", "P6", "P7"}
	for i, key := range keys {
		sev := "SEV2"
		if key == "P7" {
			sev = "SEV1" // the least overdue
		}
		f.item(store.AnalysisItem{Analysis: "process", Kind: analyze.ItemOverduePostmortem, Key: key, Team: "Search", Rank: i, Value: float64(20-i) * 86400,
			Fields: fields("stage", "draft", "title", "Incident "+key, "severity", sev)})
	}
	d := build(t, f.store(), "2026-10", "")
	var got []string
	for _, o := range d.Postmortems.Overdue {
		got = append(got, o.Incident)
	}
	require.Equal(t, []string{"P7", "P1", "P2", "P3", "P4"}, got)
}
