package digest

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze"
	"github.com/aftermath-sre/aftermath/analyze/fixes"
	"github.com/aftermath-sre/aftermath/store"
)

// A team's pending fixes come in the run's rank order; the organization's
// by repeats across teams, then the latest repeat; unsafe links are dropped.
func TestPendingFixesOrderAndLinks(t *testing.T) {
	pf := func(key, team string, rank int, repeats float64, last, url string) store.AnalysisItem {
		return store.AnalysisItem{Analysis: "recurrence", Kind: analyze.ItemPendingFix, Key: key, Team: team, Service: "api", Rank: rank, Value: repeats,
			Fields: []store.Field{{Name: "theme", Value: "th-1"}, {Name: "theme_label", Value: "bad data"}, {Name: "title", Value: "Title " + key},
				{Name: "url", Value: url}, {Name: "since", Value: "2026-01-02T00:00:00Z"}, {Name: "last_at", Value: last},
				{Name: "open_items", Value: "1"}, {Name: "items", Value: "3"}}}
	}
	ix := indexItems([]store.AnalysisItem{
		pf("PM-1", "payments", 0, 4, "2026-03-01T00:00:00Z", "https://jira/browse/PM-1"),
		pf("PM-2", "payments", 1, 2, "2026-03-09T00:00:00Z", "javascript:alert(1)"),
		pf("PM-3", "search", 0, 4, "2026-03-05T00:00:00Z", "https://jira/browse/PM-3"),
		pf("PM-4", "search", 1, 3, "2026-02-01T00:00:00Z", ""),
	})
	keys := func(ps []PendingFix) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Postmortem)
		}
		return out
	}
	require.Equal(t, []string{"PM-3", "PM-1", "PM-4"}, keys(ix.pendingFixes("", 3)))
	team := ix.pendingFixes("payments", 5)
	require.Equal(t, []string{"PM-1", "PM-2"}, keys(team))
	require.Empty(t, team[1].URL, "an unsafe link is dropped")
	require.Equal(t, "bad data", team[0].Theme)
	require.Equal(t, "api · bad data: 4 repeats since 2 Jan 2026, the latest on 1 Mar 2026; 1 of 3 action items open", team[0].Line(time.UTC))
}

// The organization's pending fixes are in the order the fixes analysis
// ranks a team's (fixes.ComparePending), every tie-break included: the
// items are ranked in reverse, and the same postmortem's two themes have
// labels in the opposite order to their ids.
func TestPendingFixesAcrossTeamsInTheFixesOrder(t *testing.T) {
	type pf struct {
		key, team, theme, label string
		repeats                 int
		last                    string
	}
	in := []pf{
		{"PM-1", "payments", "th-1", "b", 5, "2026-03-01T00:00:00Z"},
		{"PM-2", "search", "th-1", "b", 4, "2026-03-09T00:00:00Z"},
		{"PM-3", "payments", "th-1", "b", 4, "2026-03-05T00:00:00Z"},
		{"PM-4", "search", "th-1", "b", 4, "2026-03-05T00:00:00Z"},
		{"PM-4", "search", "th-2", "a", 4, "2026-03-05T00:00:00Z"},
	}
	var items []store.AnalysisItem
	var keys []fixes.PendingKey
	for i, p := range in {
		items = append(items, store.AnalysisItem{Analysis: "recurrence", Kind: analyze.ItemPendingFix, Key: p.key, Team: p.team, Service: "api",
			Rank: len(in) - 1 - i, Value: float64(p.repeats), Fields: []store.Field{{Name: "theme", Value: p.theme}, {Name: "theme_label", Value: p.label},
				{Name: "since", Value: "2026-01-02T00:00:00Z"}, {Name: "last_at", Value: p.last}}})
		at, err := time.Parse(time.RFC3339, p.last)
		require.NoError(t, err)
		keys = append(keys, fixes.PendingKey{Repeats: p.repeats, LastAt: at, Postmortem: p.key, Theme: p.theme})
	}
	slices.SortFunc(keys, fixes.ComparePending)
	var want, got []string
	for _, k := range keys {
		want = append(want, k.Postmortem+"/"+k.Theme)
	}
	require.Equal(t, []string{"PM-1/th-1", "PM-2/th-1", "PM-3/th-1", "PM-4/th-1", "PM-4/th-2"}, want)
	for _, p := range indexItems(items).pendingFixes("", 10) {
		got = append(got, p.Postmortem+"/"+map[string]string{"b": "th-1", "a": "th-2"}[p.Theme])
	}
	require.Equal(t, want, got)
}
