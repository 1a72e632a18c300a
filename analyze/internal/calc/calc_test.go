package calc

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
)

func TestQuantile(t *testing.T) {
	for _, tc := range []struct {
		name string
		xs   []float64
		q    float64
		want float64
	}{
		{"empty is NaN", nil, 0.5, math.NaN()},
		{"single", []float64{7}, 0.9, 7},
		{"median of even count interpolates", []float64{1, 2, 3, 4}, 0.5, 2.5},
		{"p90 of 1..10", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.9, 9.1},
		{"p100 is max", []float64{1, 5, 9}, 1, 9},
		{"p0 is min", []float64{1, 5, 9}, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Quantile(tc.xs, tc.q)
			if math.IsNaN(tc.want) {
				require.True(t, math.IsNaN(got))
				return
			}
			require.InDelta(t, tc.want, got, 1e-9)
		})
	}
}

func TestKaplanMeierQuantile(t *testing.T) {
	ev := func(d float64) Observation { return Observation{d, true} }
	ce := func(d float64) Observation { return Observation{d, false} }
	for _, tc := range []struct {
		name string
		obs  []Observation
		q    float64
		want float64
	}{
		{"no censoring is the empirical quantile", []Observation{ev(1), ev(2), ev(3), ev(4)}, 0.5, 2},
		// S: t=1 3/4; censored at 2 leaves 2 at risk; t=3 3/4*1/2=3/8 <= 1/2.
		{"censored items stay at risk until censored", []Observation{ev(1), ce(2), ev(3), ev(4)}, 0.5, 3},
		// Ignoring the open items would give a median of 1.
		{"open items push the median out", []Observation{ev(1), ce(5), ce(5), ce(5)}, 0.5, math.Inf(1)},
		{"censoring tied with an event counts at risk", []Observation{ev(2), ce(2), ev(3)}, 0.5, 3},
		{"p90 reached only by the last event", []Observation{ev(1), ev(2), ev(3), ev(4), ev(5), ev(6), ev(7), ev(8), ev(9), ev(10)}, 0.9, 9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, KaplanMeierQuantile(tc.obs, tc.q))
		})
	}
	require.True(t, math.IsNaN(KaplanMeierQuantile(nil, 0.5)))
}

func TestUnionWithin(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	for _, tc := range []struct {
		name     string
		ivs      []Interval
		from, to time.Time
		want     time.Duration
	}{
		{"overlapping counted once", []Interval{{h(0), h(3)}, {h(1), h(2)}, {h(2), h(4)}}, h(0), h(10), 4 * time.Hour},
		{"disjoint add up", []Interval{{h(5), h(6)}, {h(0), h(1)}}, h(0), h(10), 2 * time.Hour},
		{"touching merge", []Interval{{h(0), h(1)}, {h(1), h(2)}}, h(0), h(10), 2 * time.Hour},
		{"clipped to the window", []Interval{{h(-2), h(2)}, {h(9), h(12)}}, h(0), h(10), 3 * time.Hour},
		{"outside the window", []Interval{{h(11), h(12)}}, h(0), h(10), 0},
		{"empty intervals ignored", []Interval{{h(3), h(3)}, {h(5), h(4)}}, h(0), h(10), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, UnionWithin(tc.ivs, tc.from, tc.to))
		})
	}
}

func TestPeriodsMonthsInTimeZoneAcrossDST(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	now := time.Date(2025, 4, 10, 12, 0, 0, 0, time.UTC)
	ps := NewPeriods(now, berlin, 3)
	require.Len(t, ps.All, 4)
	require.Equal(t, "30d", ps.All[0].Label)
	require.Equal(t, []string{"2025-02", "2025-03", "2025-04"}, []string{ps.All[1].Label, ps.All[2].Label, ps.All[3].Label})
	mar := ps.All[2]
	require.Equal(t, time.Date(2025, 2, 28, 23, 0, 0, 0, time.UTC), mar.From, "CET midnight")
	require.Equal(t, time.Date(2025, 3, 31, 22, 0, 0, 0, time.UTC), mar.To, "CEST midnight")
	require.Equal(t, 31*24*time.Hour-time.Hour, mar.To.Sub(mar.From), "March loses an hour to DST")

	for _, tc := range []struct {
		at   time.Time
		want []string
	}{
		{time.Date(2025, 3, 31, 21, 59, 59, 0, time.UTC), []string{"30d", "2025-03"}},
		{time.Date(2025, 3, 31, 22, 0, 0, 0, time.UTC), []string{"30d", "2025-04"}}, // 00:00 April 1 in Berlin
		{time.Date(2025, 2, 28, 22, 59, 0, 0, time.UTC), []string{"2025-02"}},       // 23:59 Feb 28 in Berlin
		{time.Date(2025, 1, 31, 23, 0, 0, 0, time.UTC), []string{"2025-02"}},
		{time.Date(2025, 1, 31, 22, 59, 0, 0, time.UTC), []string{}}, // still January in Berlin: outside
		{now, []string{"2025-04"}}, // the rolling period excludes now
	} {
		got := []string{}
		ps.Of(tc.at, func(i int) { got = append(got, ps.All[i].Label) })
		require.Equal(t, tc.want, got, tc.at)
	}
	require.Equal(t, 9*24*time.Hour+14*time.Hour, ps.All[3].Elapsed(now), "April so far, from CEST midnight (22:00 UTC)")
}

func TestPeriodsUTCYearBoundary(t *testing.T) {
	ps := NewPeriods(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), nil, 13)
	require.Equal(t, "2025-01", ps.All[1].Label)
	require.Equal(t, "2026-01", ps.All[13].Label)
	require.Equal(t, time.Duration(0), ps.All[13].Elapsed(ps.Now), "the current month has just begun")
}

func TestSlope(t *testing.T) {
	require.InDelta(t, 2.0, Slope([]float64{1, 3, 5, 7}), 1e-12)
	require.InDelta(t, 0.0, Slope([]float64{4, 4, 4}), 1e-12)
	require.Equal(t, 0.0, Slope([]float64{4}))
	require.InDelta(t, -1.0, Slope([]float64{3, 2, 1}), 1e-12)
}

func TestSinkSkipsNaN(t *testing.T) {
	var s Sink
	s.Add(metrics.IncidentsMonthlyTrend, math.NaN(), "severity", "SEV1")
	s.Add(metrics.IncidentsMonthlyTrend, 1, "severity", "SEV1")
	s.AddStats(metrics.TimeToDetectSeconds, Summarize(nil), "period", "30d", "severity", "")
	s.AddStats(metrics.TimeToDetectSeconds, Summarize([]float64{3, 1, 2}), "period", "30d", "severity", "")
	require.Len(t, s.Results, 5)
	require.Equal(t, store.Result{Analysis: metrics.AnalysisResponse, Metric: "incidents_monthly_trend",
		LabelNames: []string{"severity"}, LabelValues: []string{"SEV1"}, Value: 1}, s.Results[0])
	require.Equal(t, []string{"period", "severity", "stat"}, s.Results[1].LabelNames)
	require.Equal(t, []string{"30d", "", "p50"}, s.Results[1].LabelValues)
	require.Equal(t, 2.0, s.Results[1].Value)
}

func TestSinkHistogramRows(t *testing.T) {
	var s Sink
	s.AddBucket(metrics.IncidentAckDurationSeconds, 3, 60, "severity", "SEV1")
	s.AddBucket(metrics.IncidentAckDurationSeconds, 5, math.Inf(1), "severity", "SEV1")
	s.AddSum(metrics.IncidentAckDurationSeconds, 400, "severity", "SEV1")
	s.AddCount(metrics.IncidentAckDurationSeconds, 5, "severity", "SEV1")
	var names []string
	for _, r := range s.Results {
		names = append(names, r.Metric)
		require.Equal(t, metrics.AnalysisResponse, r.Analysis)
	}
	require.Equal(t, []string{"incident_ack_duration_seconds_bucket", "incident_ack_duration_seconds_bucket",
		"incident_ack_duration_seconds_sum", "incident_ack_duration_seconds_count"}, names)
	require.Equal(t, []string{"severity", "le"}, s.Results[1].LabelNames)
	require.Equal(t, []string{"SEV1", "+Inf"}, s.Results[1].LabelValues)
	require.Equal(t, []string{"SEV1", "60"}, s.Results[0].LabelValues)
}

func TestWilson(t *testing.T) {
	for _, tc := range []struct {
		k, n   int
		lo, hi float64
	}{
		{7, 16, 0.231, 0.668}, {5, 33, 0.067, 0.309}, {0, 10, 0, 0.278}, {10, 10, 0.722, 1}, {0, 0, 0, 1},
	} {
		lo, hi := Wilson(tc.k, tc.n)
		require.InDelta(t, tc.lo, lo, 0.0005, "%d/%d", tc.k, tc.n)
		require.InDelta(t, tc.hi, hi, 0.0005, "%d/%d", tc.k, tc.n)
	}
}
