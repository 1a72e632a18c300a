package digest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Counts printed with a noun agree with it when the count is 1.
func TestCountsOfOneReadInTheSingular(t *testing.T) {
	one := func(v float64) Series {
		s := newSeries([]string{"2026-09", "2026-10"})
		s.set(0, 2)
		s.set(1, v)
		return s
	}
	b := BudgetSection{Services: []ServiceBudget{{Service: "search-api", Objective: 0.995,
		Consumed: Measure{Unit: UnitRatio, Series: one(0)}}}}
	require.Equal(t, "search-api, the one service with an SLO, had no customer-impacting downtime.", budgetSummary(b))
	b.Services = append(b.Services, ServiceBudget{Service: "login", Objective: 0.999, Consumed: Measure{Unit: UnitRatio, Series: one(0)}})
	require.Equal(t, "All 2 services with an SLO had no customer-impacting downtime.", budgetSummary(b))

	c := ChangeSection{Compared: true, Quiet: 1, Tests: 1, Previous: "2026-09"}
	require.Equal(t, "No team or severity shows a clear change in incidents, MTTA or MTTR from September (1 comparison).", changeSummary(c))
	require.Equal(t, "The other comparison by team and severity shows no clear change.", c.QuietSentence())
	require.Equal(t, "Month-over-month differences are mostly noise. Of the 1 comparison with September 2026, none is a clear change.", c.Lede())
	c.Clear = []ChangeRow{{Measure: analyzeMeasureIncidents, Severity: "SEV2", Before: 1, After: 9, Ratio: 9, Lower: 2, Upper: 40, Verdict: 1}}
	require.Contains(t, changeSummary(c), "; no clear change in the other comparison by team and severity.")
	c.Quiet = 12
	require.Contains(t, changeSummary(c), "; no clear change in the other 12 comparisons by team and severity.")
	require.Equal(t, "The other 12 comparisons by team and severity show no clear change.", c.QuietSentence())

	f := FixSection{All: FixRow{Held: 1, Open: 1}}
	require.Contains(t, f.Sentence(), "Of 1 fix with every action item closed")
	require.Contains(t, f.Sentence(), "1 more still has open items.")

	p := PostmortemSection{Required: Measure{Unit: UnitCount, Series: one(1)}, Coverage: Measure{Unit: UnitRatio, Series: one(1)}, Written: 1}
	require.True(t, strings.HasPrefix(postmortemSummary(p), "Postmortems were written for 1 of 1 incident that needed one (100%"), postmortemSummary(p))

	d := &Digest{Month: "2026-10", MonthName: "October 2026", Previous: "2026-09", Months: []string{"2026-09", "2026-10"}, Postmortems: p,
		Themes: ThemeSection{Factors: Measure{Unit: UnitCount, Series: one(1)}}}
	h, err := RenderHTML(d)
	require.NoError(t, err)
	m, err := RenderMarkdown(d)
	require.NoError(t, err)
	require.Contains(t, string(h), "Postmortems written: 1 of 1 incident that needed one.")
	require.Contains(t, string(m), "Postmortems written: 1 of 1 incident that needed one.")
	require.Contains(t, string(h), "clustered into themes: 1 factor (2 in Sep)")
	require.Contains(t, string(m), "1 contributing factor this month (2 in Sep).")
}
