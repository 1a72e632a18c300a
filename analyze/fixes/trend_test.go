package fixes

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Repeats placed at the quantiles of a rate rising as exp(0.8 t) over two
// years, on 10 spans covering the whole time: the fit recovers the slope.
func TestFitTrendRecoversTheSlope(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	start := now.Add(-2 * year)
	for _, slope := range []float64{0.8, -1.2, 0} {
		var spans []Span
		for range 10 {
			spans = append(spans, Span{start, now})
		}
		// Inverse CDF of the density ∝ exp(slope·t) on [-2, 0] years.
		var reps []time.Time
		const n = 2000
		for i := range n {
			u := (float64(i) + 0.5) / n
			var x float64 // years before now (negative)
			if slope == 0 {
				x = -2 + 2*u
			} else {
				a, b := math.Exp(-2*slope), 1.0
				x = math.Log(a+u*(b-a)) / slope
			}
			reps = append(reps, now.Add(time.Duration(x*float64(year))))
		}
		require.InDelta(t, slope, FitTrend(spans, reps, now), 0.05, "slope %v", slope)
	}
	require.Zero(t, FitTrend([]Span{{start, now}}, []time.Time{now.Add(-time.Hour)}, now), "too few repeats: flat")
}

func TestTrendWeight(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	from, to := now.Add(-400*24*time.Hour), now.Add(-100*24*time.Hour)
	require.InDelta(t, to.Sub(from).Seconds(), TrendWeight(0, from, to, now), 1e-6)
	// Against a Riemann sum of exp(slope·t).
	const slope = 1.3
	sum := 0.0
	step := time.Hour
	for x := from; x.Before(to); x = x.Add(step) {
		mid := x.Add(step / 2)
		sum += math.Exp(slope*(-now.Sub(mid).Hours()/year.Hours())) * step.Seconds()
	}
	require.InDelta(t, sum, TrendWeight(slope, from, to, now), 1e-6*sum)
	require.Zero(t, TrendWeight(slope, to, from, now))
}
