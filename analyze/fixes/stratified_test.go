package fixes

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStratifiedWithOneStratumIsRateRatio(t *testing.T) {
	for _, s := range []Stratum{{3, 7, 10, 10}, {1, 30, 100, 100}, {30, 1, 50, 100}, {0, 5, 10, 10}, {2, 0, 10, 10}} {
		got := StratifiedRateRatio([]Stratum{s}, 0.95)
		want := RateRatio(s.Closed, s.ClosedExposure, s.Open, s.OpenExposure, 0.95)
		require.True(t, got.Defined)
		for _, p := range [][2]float64{{want.Estimate, got.Estimate}, {want.Lower, got.Lower}, {want.Upper, got.Upper}} {
			if math.IsInf(p[0], 1) {
				require.True(t, math.IsInf(p[1], 1), "%+v", s)
				continue
			}
			require.InDelta(t, p[0], p[1], 1e-6*math.Max(1, p[0]), "%+v: %+v vs %+v", s, got, want)
		}
	}
	require.False(t, StratifiedRateRatio(nil, 0.95).Defined)
	require.False(t, StratifiedRateRatio([]Stratum{{0, 0, 1, 1}, {1, 1, 0, 1}}, 0.95).Defined, "no informative stratum")
}

// A busy service (10 repeats a day) whose items closed early and a quiet
// one (1 a day) whose items closed late, both at the same rate in both
// phases: pooled, the closed phase looks worse (it is mostly the busy
// service's); compared within each pair, the ratio is 1.
func TestStratifiedRemovesTheMixOfPairs(t *testing.T) {
	strata := []Stratum{
		{Closed: 90, Open: 10, ClosedExposure: 9, OpenExposure: 1},
		{Closed: 1, Open: 9, ClosedExposure: 1, OpenExposure: 9},
	}
	pooled := RateRatio(91, 10, 19, 10, 0.95)
	require.True(t, pooled.Worse(), "pooled %+v", pooled)
	iv := StratifiedRateRatio(strata, 0.95)
	require.InDelta(t, 1, iv.Estimate, 1e-6)
	require.Less(t, iv.Lower, 1.0)
	require.Greater(t, iv.Upper, 1.0)
	// The large-sample fallback agrees on this example.
	mh := mantelHaenszel(strata, 0.95)
	require.InDelta(t, 1, mh.Estimate, 1e-9)
	require.InDelta(t, math.Log(iv.Lower), math.Log(mh.Lower), 0.1)
	require.InDelta(t, math.Log(iv.Upper), math.Log(mh.Upper), 0.1)
	// No closed repeat: the exact bound of P(X = 0) = alpha/2.
	z := mantelHaenszel([]Stratum{{0, 10, 10, 10}}, 0.95)
	require.InDelta(t, RateRatio(0, 10, 10, 10, 0.95).Upper, z.Upper, 1e-6)
}

// The convolution keeps only what the tail needs: its result equals a full
// convolution's.
func TestStratifiedTruncatedConvolution(t *testing.T) {
	strata := []Stratum{{3, 9, 5, 20}, {0, 4, 2, 7}, {7, 2, 30, 10}, {1, 1, 1, 1}}
	full := func(k int, r float64) float64 {
		dist := []float64{1}
		for _, s := range strata {
			pmf := binomPMF(s.Closed+s.Open, pOf(s, r))
			next := make([]float64, len(dist)+len(pmf)-1)
			for i, a := range dist {
				for j, b := range pmf {
					next[i+j] += a * b
				}
			}
			dist = next
		}
		sum := 0.0
		for i := 0; i <= k; i++ {
			sum += dist[i]
		}
		return sum
	}
	for _, r := range []float64{0.1, 1, 3.7} {
		for k := 0; k <= 27; k++ {
			require.InDelta(t, full(k, r), cdf(strata, 27, k, r), 1e-12, "k %d r %v", k, r)
		}
	}
}

// BenchmarkStratifiedRateRatio: 100 pairs with 10 repeats each, about a
// third after closing (MaxExactRepeats: the most the exact interval is
// computed for).
func BenchmarkStratifiedRateRatio(b *testing.B) {
	var strata []Stratum
	for i := range 100 {
		strata = append(strata, Stratum{Closed: 2 + i%3, Open: 8 - i%3, ClosedExposure: float64(10 + i%7), OpenExposure: float64(20 + i%11)})
	}
	for b.Loop() {
		StratifiedRateRatio(strata, 0.95)
	}
}
