package digest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze"
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
