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
