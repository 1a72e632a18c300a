package digest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The budget sentence of services with an SLO and no incidents on record
// under that name, beside services whose downtime is known.
func TestBudgetSummaryOfServicesWithoutIncidents(t *testing.T) {
	used := func(v float64) Measure {
		s := newSeries([]string{"2026-09", "2026-10"})
		s.set(1, v)
		return Measure{Unit: UnitRatio, Series: s}
	}
	svc := func(name string, consumed float64) ServiceBudget {
		return ServiceBudget{Service: name, Objective: 0.999, Consumed: used(consumed)}
	}
	for _, tc := range []struct {
		name     string
		services []ServiceBudget
		none     []string
		want     string
	}{
		{"known and quiet", []ServiceBudget{svc("search", 0)}, nil,
			"search, the one service with an SLO, had no customer-impacting downtime."},
		{"the only one", []ServiceBudget{svc("checkout", 0)}, []string{"checkout"},
			"checkout, the one service with an SLO, has no incidents on record under that name, so its downtime is not known: check the SLO's service name."},
		{"beside one within budget", []ServiceBudget{svc("search", 0.25), svc("checkout", 0)}, []string{"checkout"},
			"checkout has no incidents on record under that name, so its downtime is not known: check its SLO's service name. " +
				"search, the other service with an SLO, stayed within its error budget, using 25% of it."},
		{"two beside two quiet", []ServiceBudget{svc("a", 0), svc("b", 0), svc("checkout", 0), svc("ledger", 0)}, []string{"checkout", "ledger"},
			"checkout and ledger have no incidents on record under those names, so their downtime is not known: check their SLOs' service names. " +
				"The other 2 services with an SLO had no customer-impacting downtime."},
		{"beside an overspent one", []ServiceBudget{svc("search", 2), svc("checkout", 0)}, []string{"checkout"},
			"checkout has no incidents on record under that name, so its downtime is not known: check its SLO's service name. " +
				"1 service overspent the month's error budget: search (200%)."},
		{"a service without an SLO is not named", []ServiceBudget{{Service: "checkout"}}, []string{"checkout"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			services := append([]ServiceBudget(nil), tc.services...)
			for i := range services {
				for _, n := range tc.none {
					services[i].NoIncidents = services[i].NoIncidents || services[i].Service == n
				}
			}
			require.Equal(t, tc.want, budgetSummary(BudgetSection{Services: services}))
		})
	}
}

// The top theme's own change does not name it again.
func TestThemeSummaryNamesTheTopThemeOnce(t *testing.T) {
	series := func(months []string) Series {
		s := newSeries(months)
		for i := range months {
			s.set(i, 0)
		}
		s.set(len(months)-1, 3)
		return s
	}
	top := ThemeTrend{Label: "load beyond capacity", Factors: Measure{Series: series([]string{"2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"})}}
	got := themeSummary(ThemeSection{Top: []ThemeTrend{top}, Changes: []string{"New this month: “load beyond capacity” (3 factors), absent in the six months before."}})
	require.Equal(t, "The top contributing-factor theme was “load beyond capacity” (3 factors, 0 the month before). It is new this month, absent in the six months before.", got)
	got = themeSummary(ThemeSection{Top: []ThemeTrend{top}, Changes: []string{"“load beyond capacity” rose to 3 factors, from a six-month average of 1."}})
	require.Equal(t, "The top contributing-factor theme was “load beyond capacity” (3 factors, 0 the month before). It rose to 3 factors, from a six-month average of 1.", got)
	// Only one earlier month of data: not "the six months before".
	young := ThemeTrend{Label: "load beyond capacity", New: true, Factors: Measure{Series: series([]string{"2026-10", "2026-11"})}}
	changes := themeChanges([]ThemeTrend{young}, 5)
	require.Equal(t, []string{"New this month: “load beyond capacity” (3 factors), absent in the month before."}, changes)
	got = themeSummary(ThemeSection{Top: []ThemeTrend{young}, Changes: changes})
	require.Equal(t, "The top contributing-factor theme was “load beyond capacity” (3 factors, 0 the month before). It is new this month, absent in the month before.", got)
}

// Fixes none of which has every item closed read as such, not "Of 0 fixes".
func TestFixSentenceWithNoFixClosed(t *testing.T) {
	s := FixSection{All: FixRow{Open: 87}}
	require.Equal(t, "No fix (a postmortem and one theme of its factors) has every action item closed yet: all 87 still have open items.", s.Sentence())
	s = FixSection{All: FixRow{Open: 1}}
	require.Equal(t, "No fix (a postmortem and one theme of its factors) has every action item closed yet: the one still has open items.", s.Sentence())
}
