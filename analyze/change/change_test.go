package change

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
)

func lognormal(r *rand.Rand, n int, median, sigma float64) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = median * math.Exp(sigma*r.NormFloat64())
	}
	sort.Float64s(xs)
	return xs
}

func meanSD(xs []float64) (float64, float64) {
	var s, ss float64
	for _, x := range xs {
		s += x
	}
	m := s / float64(len(xs))
	for _, x := range xs {
		ss += (x - m) * (x - m)
	}
	return m, math.Sqrt(ss / float64(len(xs)-1))
}

// The order-statistic sampler has the distribution of the textbook
// bootstrap (sort n values drawn with replacement).
func TestBootstrapMatchesNaiveResampling(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 7, 30, 200} {
		xs := lognormal(r, n, 600, 1)
		const b = 20000
		bt := Bootstrap(xs, []float64{0.5, 0.9}, b, 42)
		naive := [2][]float64{make([]float64, b), make([]float64, b)}
		res := make([]float64, n)
		for i := 0; i < b; i++ {
			for k := range res {
				res[k] = xs[r.IntN(n)]
			}
			sort.Float64s(res)
			naive[0][i], naive[1][i] = Quantile(res, 0.5), Quantile(res, 0.9)
		}
		for j := range 2 {
			require.Equal(t, Quantile(xs, bt.Q[j]), bt.Est[j])
			m1, s1 := meanSD(bt.Draws[j])
			m2, s2 := meanSD(naive[j])
			require.InDelta(t, m2, m1, 0.03*m2+1e-9, "n=%d q=%v mean", n, bt.Q[j])
			require.InDelta(t, s2, s1, 0.05*s2+1e-9, "n=%d q=%v sd", n, bt.Q[j])
			sort.Float64s(naive[j])
			lo, hi := bt.Interval(j)
			require.InDelta(t, Quantile(naive[j], 0.025), lo, 0.05*lo+1e-9, "n=%d q=%v lower", n, bt.Q[j])
			require.InDelta(t, Quantile(naive[j], 0.975), hi, 0.05*hi+1e-9, "n=%d q=%v upper", n, bt.Q[j])
		}
	}
}

func TestBootstrapIsDeterministicBySeed(t *testing.T) {
	xs := lognormal(rand.New(rand.NewPCG(3, 4)), 50, 600, 1)
	a := Bootstrap(xs, []float64{0.5, 0.9}, 500, Seed("mttr|2026-10|team-a"))
	b := Bootstrap(xs, []float64{0.5, 0.9}, 500, Seed("mttr|2026-10|team-a"))
	c := Bootstrap(xs, []float64{0.5, 0.9}, 500, Seed("mttr|2026-10|team-b"))
	require.Equal(t, a, b)
	require.NotEqual(t, a.Draws, c.Draws)
}

func TestBootstrapEmptySample(t *testing.T) {
	bt := Bootstrap(nil, []float64{0.5}, 100, 1)
	require.True(t, math.IsNaN(bt.Est[0]))
	lo, hi := bt.Interval(0)
	require.True(t, math.IsNaN(lo) && math.IsNaN(hi))
}

// The percentile interval of a median covers the true median about 95% of
// the time on lognormal samples of the size of one team's month.
func TestQuantileIntervalCoverage(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const sims, median = 1000, 1800.0
	for _, tc := range []struct {
		n    int
		q    float64
		true float64
	}{
		{40, 0.5, median},
		{150, 0.9, median * math.Exp(1.2815515655446004)},
	} {
		covered := 0
		for s := 0; s < sims; s++ {
			xs := lognormal(r, tc.n, median, 1)
			bt := Bootstrap(xs, []float64{tc.q}, 1000, uint64(s))
			lo, hi := bt.Interval(0)
			if lo <= tc.true && tc.true <= hi {
				covered++
			}
		}
		cov := float64(covered) / sims
		t.Logf("n=%d q=%v coverage %.3f", tc.n, tc.q, cov)
		require.InDelta(t, 0.95, cov, 0.03, "n=%d q=%v", tc.n, tc.q)
	}
}

// With no change between the months, the ratio's interval contains 1 about
// 95% of the time (P < 0.05 about 5% of the time); with a planted doubling
// the comparison finds it most of the time.
func TestCompareQuantileCoverageAndPower(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const sims = 600
	for _, tc := range []struct {
		name         string
		n            int
		q            float64
		factor       float64
		minRejection float64
		maxRejection float64
	}{
		{"p50 no change n=30", 30, 0.5, 1, 0.02, 0.08},
		{"p50 no change n=80", 80, 0.5, 1, 0.02, 0.08},
		{"p90 no change n=80", 80, 0.9, 1, 0.02, 0.09},
		{"p50 doubled n=80", 80, 0.5, 2, 0.85, 1},
		{"p90 doubled n=80", 80, 0.9, 2, 0.6, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rejected, covered := 0, 0
			for s := 0; s < sims; s++ {
				a := lognormal(r, tc.n, 1800, 1)
				b := lognormal(r, tc.n, 1800*tc.factor, 1)
				c := CompareQuantile(Bootstrap(a, []float64{tc.q}, 1000, uint64(2*s)), Bootstrap(b, []float64{tc.q}, 1000, uint64(2*s+1)), 0)
				if c.P < 0.05 {
					rejected++
				}
				if c.Lower <= tc.factor && tc.factor <= c.Upper {
					covered++
				}
				excludes := c.Lower > 1 || c.Upper < 1
				if c.P < 0.045 {
					require.True(t, excludes, "P %v but the interval [%v, %v] holds 1", c.P, c.Lower, c.Upper)
				}
				if excludes {
					require.Less(t, c.P, 0.055)
				}
			}
			rate := float64(rejected) / sims
			t.Logf("rejection %.3f, coverage of the true ratio %.3f", rate, float64(covered)/sims)
			require.GreaterOrEqual(t, rate, tc.minRejection)
			require.LessOrEqual(t, rate, tc.maxRejection)
			require.InDelta(t, 0.95, float64(covered)/sims, 0.04)
		})
	}
}

func TestRateRatioKnownValues(t *testing.T) {
	// R: binom.test(20, 30) -> p-value 0.09874, 95% CI 0.4718800 0.8271258.
	c := RateRatio(10, 30, 20, 30)
	require.InDelta(t, 2.0, c.Ratio, 1e-12)
	require.InDelta(t, 0.09874, c.P, 1e-5)
	require.InDelta(t, 0.4718800/(1-0.4718800), c.Lower, 1e-5)
	require.InDelta(t, 0.8271258/(1-0.8271258), c.Upper, 1e-4)
	// Unequal exposure: 31 days against 30; R is per day.
	c = RateRatio(31, 31, 30, 30)
	require.InDelta(t, 1.0, c.Ratio, 1e-12)
	require.InDelta(t, 1.0, c.P, 1e-12)
	// R: binom.test(0, 12) -> p-value 0.0004883, CI 0 0.2646
	c = RateRatio(12, 30, 0, 30)
	require.Equal(t, 0.0, c.Ratio)
	require.InDelta(t, 0.0004883, c.P, 1e-6)
	require.Equal(t, 0.0, c.Lower)
	require.InDelta(t, 0.2646/(1-0.2646), c.Upper, 1e-3)
	c = RateRatio(0, 30, 5, 30)
	require.True(t, math.IsInf(c.Ratio, 1) && math.IsInf(c.Upper, 1))
	c = RateRatio(0, 30, 0, 30)
	require.Equal(t, 1.0, c.P)
	require.True(t, math.IsNaN(c.Ratio))
}

func poisson(r *rand.Rand, lambda float64) int {
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func TestRateRatioCoverage(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	const sims = 2000
	for _, lambda := range []float64{3, 20, 60} {
		covered, rejected := 0, 0
		for s := 0; s < sims; s++ {
			c := RateRatio(poisson(r, lambda*31/30), 31, poisson(r, lambda), 30)
			if c.P < 0.05 {
				rejected++
			}
			if c.Lower <= 1 && 1 <= c.Upper || math.IsNaN(c.Lower) {
				covered++
			}
		}
		cov := float64(covered) / sims
		t.Logf("lambda %v: coverage %.3f, rejection %.3f", lambda, cov, float64(rejected)/sims)
		// The exact interval is conservative: at least 95%, a little more
		// for small counts.
		require.GreaterOrEqual(t, cov, 0.94)
		require.LessOrEqual(t, float64(rejected)/sims, 0.05)
	}
	// Power: the rate doubles from 20 a month.
	found := 0
	for s := 0; s < sims; s++ {
		if RateRatio(poisson(r, 20), 30, poisson(r, 40), 30).P < 0.05 {
			found++
		}
	}
	require.Greater(t, float64(found)/sims, 0.65, "the exact test's power for a doubling from 20 a month is about 0.72")
}

func TestBH(t *testing.T) {
	// Benjamini and Hochberg (1995), the 15 p-values of their example: at
	// q = 0.05 the four smallest are rejected.
	ps := []float64{0.0201, 0.0001, 0.0004, 0.0019, 0.0095, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000}
	got := BH(ps, 0.05)
	var rej []float64
	for i, ok := range got {
		if ok {
			rej = append(rej, ps[i])
		}
	}
	require.ElementsMatch(t, []float64{0.0001, 0.0004, 0.0019, 0.0095}, rej)
	// NaN is not a test: it neither counts nor is rejected.
	got = BH([]float64{math.NaN(), 0.04, 0.5}, 0.05)
	require.Equal(t, []bool{false, false, false}, got)
	got = BH([]float64{math.NaN(), 0.02}, 0.05)
	require.Equal(t, []bool{false, true}, got)
}

// Twenty teams compared at once, one of them with a planted tripling: with
// BH the planted team is found and the false discoveries stay rare, while
// testing each team at 0.05 alone flags a team that did not change in most
// months.
func TestBHAcrossTeams(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	const months, teams, n = 200, 20, 60
	var found, falseBH, anyFalseRaw int
	fdp := 0.0 // sum over months of false discoveries / discoveries
	for m := 0; m < months; m++ {
		ps := make([]float64, teams)
		for k := range ps {
			f := 1.0
			if k == 0 {
				f = 3
			}
			a := lognormal(r, n, 1800, 1)
			b := lognormal(r, n, 1800*f, 1)
			ps[k] = CompareQuantile(Bootstrap(a, []float64{0.5}, Resamples, uint64(m*100+2*k)), Bootstrap(b, []float64{0.5}, Resamples, uint64(m*100+2*k+1)), 0).P
		}
		rej := BH(ps, 0.05)
		if rej[0] {
			found++
		}
		raw, v := false, 0
		for k := 1; k < teams; k++ {
			if rej[k] {
				v++
			}
			raw = raw || ps[k] < 0.05
		}
		falseBH += v
		if v > 0 {
			fdp += float64(v) / float64(v+boolInt(rej[0]))
		}
		if raw {
			anyFalseRaw++
		}
	}
	t.Logf("planted found %d/%d, false discoveries %d, months with a raw false positive %d", found, months, falseBH, anyFalseRaw)
	t.Logf("false discovery rate %.3f", fdp/months)
	require.Greater(t, float64(found)/months, 0.9)
	require.LessOrEqual(t, fdp/months, 0.05, "false discovery rate")
	require.Greater(t, float64(anyFalseRaw)/months, 0.4, "without the correction most months have a false positive")
}

func TestSelectQuantileEqualsSortedQuantile(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, n := range []int{1, 2, 3, 10, 101, 5000} {
		for trial := 0; trial < 20; trial++ {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = math.Round(r.NormFloat64() * 5) // ties too
			}
			sorted := append([]float64(nil), xs...)
			sort.Float64s(sorted)
			for _, q := range []float64{0, 0.025, 0.5, 0.9, 0.975, 1} {
				require.Equal(t, Quantile(sorted, q), selectQuantile(append([]float64(nil), xs...), q), "n=%d q=%v", n, q)
			}
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func BenchmarkBootstrap(b *testing.B) {
	xs := lognormal(rand.New(rand.NewPCG(1, 1)), 1000, 1800, 1)
	for b.Loop() {
		Bootstrap(xs, []float64{0.5, 0.9}, Resamples, 7)
	}
}
