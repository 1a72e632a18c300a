package response

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze/internal/calc"
	"github.com/aftermath-sre/aftermath/store"
)

var t0 = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

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

func inc(id, sev, svc string, created, acked, resolved time.Time) store.Incident {
	return store.Incident{ID: id, Severity: sev, ServiceName: svc, TeamName: "team-" + svc, CreatedAt: created, AcknowledgedAt: acked, ResolvedAt: resolved}
}

func TestResponseEdgeCases(t *testing.T) {
	now := time.Date(2025, 6, 20, 0, 0, 0, 0, time.UTC)
	merged := inc("m", "SEV1", "api", at(time.Hour), at(time.Hour+time.Minute), at(2*time.Hour))
	merged.Merged, merged.MergedInto = true, "a"
	incs := []store.Incident{
		inc("a", "SEV1", "api", at(0), at(2*time.Minute), at(time.Hour)),
		merged,
		inc("open", "SEV2", "api", at(3*time.Hour), at(3*time.Hour+10*time.Minute), time.Time{}),
		inc("unacked", "SEV2", "db", at(4*time.Hour), time.Time{}, at(5*time.Hour)),
		inc("odd", "P0-critical", "db", at(5*time.Hour), at(5*time.Hour+time.Minute), at(6*time.Hour)),
	}
	got := index(compute(t, incs, nil, calc.NewPeriods(now, time.UTC, 3)))
	for _, tc := range []struct {
		name   string
		key    string
		want   float64
		absent bool
	}{
		{"merged incidents are not counted", "incidents_by_severity|period=2025-06|severity=SEV1", 1, false},
		{"empty months still have a row per severity", "incidents_by_severity|period=2025-04|severity=SEV1", 0, false},
		{"unknown severities are labelled unknown", "incidents_by_severity|period=2025-06|severity=unknown", 1, false},
		{"open incidents are counted as open", "incidents_open|severity=SEV2|service=api|team=team-api", 1, false},
		{"an open incident has no time to resolve", "mttr_seconds|period=2025-06|severity=SEV2|service=|team=|stat=p50", 3600, false},
		{"an unacknowledged incident has no time to acknowledge", "mtta_seconds|period=2025-06|severity=SEV2|service=|team=|stat=p50", 600, false},
		{"merged incidents are excluded from MTTA", "mtta_seconds|period=2025-06|severity=SEV1|service=|team=|stat=mean", 120, false},
		{"no stats for an empty month", "mtta_seconds|period=2025-05|severity=|service=|team=|stat=p50", 0, true},
		{"mean over all", "mttr_seconds|period=30d|severity=|service=|team=|stat=mean", 3600, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, ok := got[tc.key]
			require.Equal(t, !tc.absent, ok, tc.key)
			require.Equal(t, tc.want, v)
		})
	}
	// Histogram: 120 s falls into le=120 (upper bounds are inclusive), 60 s into le=60.
	require.Equal(t, 0.0, got["incident_ack_duration_seconds_bucket|severity=SEV1|le=60"])
	require.Equal(t, 1.0, got["incident_ack_duration_seconds_bucket|severity=SEV1|le=120"])
	require.Equal(t, 1.0, got["incident_ack_duration_seconds_bucket|severity=unknown|le=60"])
	require.Equal(t, 1.0, got["incident_ack_duration_seconds_bucket|severity=SEV1|le=+Inf"])
	require.Equal(t, 120.0, got["incident_ack_duration_seconds_sum|severity=SEV1"])
}

func TestMonthlyTrendUsesCompleteMonthsWithData(t *testing.T) {
	now := time.Date(2025, 7, 15, 0, 0, 0, 0, time.UTC)
	var incs []store.Incident
	// Data starts on March 1st: Mar 1, Apr 2, May 3, Jun 4 SEV1 incidents; July is incomplete.
	for m, n := range map[time.Month]int{3: 1, 4: 2, 5: 3, 6: 4, 7: 9} {
		for i := 0; i < n; i++ {
			c := time.Date(2025, m, 1+i, 0, 0, 0, 0, time.UTC)
			incs = append(incs, inc(fmt.Sprint(m, i), "SEV1", "api", c, c, c.Add(time.Hour)))
		}
	}
	got := index(compute(t, incs, nil, calc.NewPeriods(now, time.UTC, 13)))
	require.InDelta(t, 1.0, got["incidents_monthly_trend|severity=SEV1"], 1e-12, "one more per month; the months before the data and the current month do not count")
	require.InDelta(t, 0.0, got["incidents_monthly_trend|severity=SEV2"], 1e-12)
}

func TestTimeToDetectFromPostmortems(t *testing.T) {
	now := time.Date(2025, 6, 20, 0, 0, 0, 0, time.UTC)
	pms := []store.Postmortem{
		{Key: "PM-1", Severity: "SEV1", CreatedAt: at(0), TimeToDetect: 10 * time.Minute},
		{Key: "PM-2", Severity: "SEV2", CreatedAt: at(time.Hour), TimeToDetect: 30 * time.Minute},
		{Key: "PM-3", Severity: "SEV2", CreatedAt: at(2 * time.Hour)}, // not stated
	}
	got := index(compute(t, nil, pms, calc.NewPeriods(now, time.UTC, 2)))
	require.Equal(t, 1200.0, got["time_to_detect_seconds|period=30d|severity=|stat=p50"], "a postmortem without a stated time is not a zero")
	require.Equal(t, 1800.0, got["time_to_detect_seconds|period=2025-06|severity=SEV2|stat=mean"])
}
