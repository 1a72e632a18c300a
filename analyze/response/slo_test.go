package response

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze/internal/calc"
	"github.com/aftermath-sre/aftermath/store"
)

func TestSLODowntime(t *testing.T) {
	now := time.Date(2025, 6, 20, 0, 0, 0, 0, time.UTC)
	h := func(n float64) time.Time { return t0.Add(time.Duration(n * float64(time.Hour))) }
	merged := inc("m", "SEV1", "api", h(10), time.Time{}, h(20))
	merged.MergedInto = "x"
	incs := []store.Incident{
		inc("a", "SEV1", "api", h(0), time.Time{}, h(2)),
		inc("b", "SEV2", "api", h(1), time.Time{}, h(3)), // overlaps a: union 0..3
		inc("c", "SEV3", "api", h(5), time.Time{}, h(6)), // not customer-impacting
		inc("d", "SEV1", "db", h(0), time.Time{}, h(8)),  // another service
		merged, // merged: not downtime
		inc("open", "SEV1", "api", now.Add(-30*time.Minute), time.Time{}, time.Time{}), // open: counts until now
		// The history starts in April.
		inc("early", "SEV3", "db", time.Date(2025, 4, 30, 0, 0, 0, 0, time.UTC), time.Time{}, time.Date(2025, 4, 30, 1, 0, 0, 0, time.UTC)),
	}
	slos := []SLO{{Service: "api", Target: 0.99, Window: WindowRolling30d, Severities: []string{"SEV1", "SEV2"}, HourlyCost: 100}}
	got := index(computeSLO(t, incs, slos, calc.NewPeriods(now, time.UTC, 3), time.UTC))
	require.Equal(t, 3.5*3600, got["downtime_seconds|service=api|period=30d"], "overlaps merged, open incident until now")
	require.Equal(t, 350.0, got["downtime_cost|service=api|period=2025-06"])
	budget := 0.01 * 30 * 24 * 3600
	require.InDelta(t, 3.5*3600/budget, got["error_budget_consumed_ratio|service=api|window=rolling_30d"], 1e-12)
	require.InDelta(t, 1-3.5*3600/budget, got["error_budget_remaining_ratio|service=api|window=rolling_30d"], 1e-12)
	require.Equal(t, 0.0, got["slo_breached|service=api|period=2025-06"])
	require.Equal(t, 0.0, got["downtime_seconds|service=api|period=2025-05"], "an empty month has zero downtime")
	require.Equal(t, 1.0, got["availability_ratio|service=api|period=2025-05"])
	require.Contains(t, got, "availability_ratio|service=api|period=2025-04", "the month the history starts in")
	// Last hour: 30 minutes down out of 60 against a 1% budget.
	require.InDelta(t, 50.0, got["error_budget_burn_rate|service=api|range=1h"], 1e-9)
	require.InDelta(t, 1-3.5*3600/(19*24*3600), got["availability_ratio|service=api|period=2025-06"], 1e-12, "the current month's elapsed part")
}

func TestSLOCalendarMonthAcrossDST(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	now := time.Date(2025, 3, 31, 12, 0, 0, 0, time.UTC)
	incs := []store.Incident{inc("a", "SEV1", "api", time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC), time.Time{}, time.Date(2025, 3, 10, 1, 0, 0, 0, time.UTC))}
	slos := []SLO{{Service: "api", Target: 0.999, Window: WindowCalendarMonth, Severities: []string{"SEV1"}}}
	got := index(computeSLO(t, incs, slos, calc.NewPeriods(now, berlin, 2), berlin))
	march := (31*24 - 1) * 3600.0 // Berlin's March is an hour short
	require.InDelta(t, 3600/(0.001*march), got["error_budget_consumed_ratio|service=api|window=calendar_month"], 1e-12)
	require.Equal(t, 1.0, got["slo_breached|service=api|period=2025-03"], "one hour exceeds the 44.58-minute budget of March")
}

// TestSLOBeforeTheIncidentHistory: the months before the earliest stored
// incident (a PagerDuty history shorter than the periods) have no downtime,
// availability or breach series: a zero would chart as 100% available. The
// SLO window's budget is still reported.
func TestSLOBeforeTheIncidentHistory(t *testing.T) {
	now := time.Date(2025, 6, 20, 0, 0, 0, 0, time.UTC)
	incs := []store.Incident{inc("a", "SEV1", "api", time.Date(2025, 6, 3, 0, 0, 0, 0, time.UTC), time.Time{}, time.Date(2025, 6, 3, 1, 0, 0, 0, time.UTC))}
	slos := []SLO{{Service: "api", Target: 0.99, Window: WindowRolling30d, Severities: []string{"SEV1"}, HourlyCost: 10}}
	got := index(computeSLO(t, incs, slos, calc.NewPeriods(now, time.UTC, 3), time.UTC))
	for _, m := range []string{"2025-04", "2025-05"} {
		for _, f := range []string{"downtime_seconds", "availability_ratio", "slo_breached", "downtime_cost"} {
			require.NotContains(t, got, f+"|service=api|period="+m)
		}
	}
	require.Equal(t, 3600.0, got["downtime_seconds|service=api|period=2025-06"])
	require.Equal(t, 3600.0, got["downtime_seconds|service=api|period=30d"])
	require.Contains(t, got, "error_budget_remaining_ratio|service=api|window=rolling_30d")

	// No incident stored at all: no period is known.
	got = index(computeSLO(t, nil, slos, calc.NewPeriods(now, time.UTC, 3), time.UTC))
	require.NotContains(t, got, "availability_ratio|service=api|period=2025-06")
	require.NotContains(t, got, "availability_ratio|service=api|period=30d")
}
