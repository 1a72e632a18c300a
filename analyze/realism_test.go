package analyze

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze/actions"
	"github.com/aftermath-sre/aftermath/analyze/internal/calc"
	"github.com/aftermath-sre/aftermath/analyze/recurrence"
	"github.com/aftermath-sre/aftermath/analyze/response"
	"github.com/aftermath-sre/aftermath/simulate/org"
)

// realism is what a leader reads first in the demo, measured on a simulated
// org through the analyzers' own functions (recurrence.Find, response.Downtime
// with calc.UnionWithin, actions.OverdueBy and actions.StaleBy).
type realism struct {
	incidents, repeats   int // non-merged incidents after the first 30 days, and those that repeat an earlier one
	major, majorRepeats  int // the same for SEV1/SEV2
	serviceMonths        int // (service, full calendar month) pairs
	overBudget           int // of those, over a 99.9% budget (SEV1/SEV2 downtime)
	maxBurn, medianBurn  float64
	servicesMostlyWithin int // services within budget in more than half of the months
	services             int
	items, open, overdue int // action items at End
	stale                int
	overdueDays          []float64 // sorted
}

func (r realism) String() string {
	q := func(p float64) float64 {
		if len(r.overdueDays) == 0 {
			return 0
		}
		return r.overdueDays[min(len(r.overdueDays)-1, int(p*float64(len(r.overdueDays))))]
	}
	return fmt.Sprintf("repeats %d/%d (%.1f%%), SEV1/SEV2 %d/%d (%.1f%%); budget burn (99.9%%, SEV1/SEV2, by service and month) max %.0f%% median %.0f%%, %d/%d service-months over, %d/%d services within budget most months; action items %d, open %d, overdue %d (%.1f%%), stale %d (%.1f%%), overdue days p50 %.0f p90 %.0f max %.0f",
		r.repeats, r.incidents, pct(r.repeats, r.incidents), r.majorRepeats, r.major, pct(r.majorRepeats, r.major),
		100*r.maxBurn, 100*r.medianBurn, r.overBudget, r.serviceMonths, r.servicesMostlyWithin, r.services,
		r.items, r.open, r.overdue, pct(r.overdue, r.items), r.stale, pct(r.stale, r.items), q(0.5), q(0.9), q(1))
}

func pct(a, b int) float64 { return 100 * float64(a) / float64(max(1, b)) }

func measureRealism(o *org.Org) realism {
	var r realism
	incs, _ := orgIncidents(o)
	themes := map[string][]string{}
	for i := range o.Postmortems {
		for _, id := range o.Postmortems[i].IncidentIDs {
			themes[id] = append(themes[id], o.Postmortems[i].FactorThemes...)
		}
	}
	reps := recurrence.Find(recurrence.Input{Incidents: incs, Themes: themes, Window: 30 * 24 * time.Hour})
	warm := o.Start.Add(30 * 24 * time.Hour)
	for i := range incs {
		x := &incs[i]
		if response.Merged(x) || x.CreatedAt.Before(warm) {
			continue
		}
		_, rep := reps[x.ID]
		r.incidents++
		major := x.Severity == "SEV1" || x.Severity == "SEV2"
		if major {
			r.major++
		}
		if rep {
			r.repeats++
			if major {
				r.majorRepeats++
			}
		}
	}
	// Budget burn by service and full calendar month (UTC).
	var months [][2]time.Time
	for m := time.Date(o.Start.Year(), o.Start.Month(), 1, 0, 0, 0, 0, time.UTC); !m.AddDate(0, 1, 0).After(o.End); m = m.AddDate(0, 1, 0) {
		if !m.Before(o.Start) {
			months = append(months, [2]time.Time{m, m.AddDate(0, 1, 0)})
		}
	}
	var burns []float64
	for _, s := range o.Services {
		slo := response.SLO{Service: s.Name, Target: 0.999, Severities: []string{"SEV1", "SEV2"}}
		ivs := response.Downtime(incs, slo, o.End)
		within := 0
		for _, m := range months {
			d := calc.UnionWithin(slices.Clone(ivs), m[0], m[1])
			b := d.Seconds() / ((1 - slo.Target) * m[1].Sub(m[0]).Seconds())
			burns = append(burns, b)
			r.serviceMonths++
			if b > 1 {
				r.overBudget++
			} else {
				within++
			}
		}
		r.services++
		if 2*within > len(months) {
			r.servicesMostlyWithin++
		}
	}
	sort.Float64s(burns)
	if len(burns) > 0 {
		r.maxBurn, r.medianBurn = burns[len(burns)-1], burns[len(burns)/2]
	}
	items := orgActionItems(o)
	for i := range items {
		a := &items[i]
		r.items++
		if actions.Open(a) {
			r.open++
		}
		if d, ok := actions.OverdueBy(a, o.End); ok {
			r.overdue++
			r.overdueDays = append(r.overdueDays, d.Hours()/24)
		}
		if _, ok := actions.StaleBy(a, o.End, exampleStale); ok {
			r.stale++
		}
	}
	sort.Float64s(r.overdueDays)
	return r
}

func (r realism) overdueQuantile(p float64) float64 {
	if len(r.overdueDays) == 0 {
		return 0
	}
	return r.overdueDays[min(len(r.overdueDays)-1, int(p*float64(len(r.overdueDays))))]
}

// TestSimulatedOrgReadsTrue pins what a leader reads first in the demo to
// moderate, published ranges (simulate/org/REALISM.md): most incidents do
// not repeat within 30 days, most services keep most months within a 99.9%
// budget and no service-month burns tens of budgets, and a minority of
// action items are overdue, most of them by weeks, not a year. Small and
// medium orgs, two seeds each; AFTERMATH_REALISM_SCALES=large adds scales.
//
//	go test ./analyze -run TestSimulatedOrgReadsTrue -v
func TestSimulatedOrgReadsTrue(t *testing.T) {
	scales := []string{"small", "medium"}
	if s := os.Getenv("AFTERMATH_REALISM_SCALES"); s != "" {
		scales = strings.Split(s, ",")
	}
	for _, sc := range scales {
		for _, seed := range []int64{1, 7} {
			o, err := org.Generate(org.Options{Seed: seed, Scale: org.Scale(sc)})
			require.NoError(t, err)
			r := measureRealism(o)
			t.Logf("%s seed %d: %d incidents, %d postmortems: %s", sc, seed, len(o.Incidents), len(o.Postmortems), r)
			name := fmt.Sprintf("%s seed %d", sc, seed)
			require.Less(t, pct(r.repeats, r.incidents), 50.0, "%s: most incidents do not repeat within 30 days", name)
			require.Greater(t, pct(r.repeats, r.incidents), 15.0, "%s: some do (chronic alerts, storms)", name)
			if r.major >= 50 {
				require.Less(t, pct(r.majorRepeats, r.major), 65.0, "%s: SEV1/SEV2 repeats", name)
			}
			require.Less(t, pct(r.overBudget, r.serviceMonths), 25.0, "%s: service-months over a 99.9%% budget", name)
			require.GreaterOrEqual(t, pct(r.servicesMostlyWithin, r.services), 70.0, "%s: services within budget most months", name)
			require.Less(t, r.maxBurn, 30.0, "%s: worst service-month burn (budgets)", name)
			require.Less(t, r.medianBurn, 0.5, "%s: median service-month burn", name)
			require.Greater(t, r.overBudget, 0, "%s: some service-months are over budget", name)
			require.InDelta(t, 11, pct(r.overdue, r.items), 9, "%s: a minority of items overdue", name)
			require.Less(t, pct(r.stale, r.items), 20.0, "%s: stale items", name)
			require.InDelta(t, 45, r.overdueQuantile(0.5), 38, "%s: median overdue age (days)", name)
			require.Less(t, r.overdueQuantile(0.9), 250.0, "%s: 90th percentile overdue age (days)", name)
		}
	}
}
