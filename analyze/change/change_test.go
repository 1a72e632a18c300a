package change

import (
	"math"
	"math/big"
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

// binomDraw draws from Binomial(n, p) by counting n Bernoulli trials.
func binomDraw(r *rand.Rand, n int, p float64) int {
	x := 0
	for i := 0; i < n; i++ {
		if r.Float64() < p {
			x++
		}
	}
	return x
}

// fisherByEnumeration is Fisher's two-sided p-value in exact rational
// arithmetic: the hypergeometric probabilities of every table with the
// observed margins, summed over those no more likely than the observed one.
func fisherByEnumeration(x1, n1, x2, n2 int) float64 {
	k := x1 + x2
	choose := func(n, r int) *big.Int { return new(big.Int).Binomial(int64(n), int64(r)) }
	total := choose(n1+n2, k)
	prob := func(x int) *big.Rat {
		if x < 0 || x > n2 || k-x < 0 || k-x > n1 {
			return new(big.Rat)
		}
		num := new(big.Int).Mul(choose(n2, x), choose(n1, k-x))
		return new(big.Rat).SetFrac(num, total)
	}
	obs := prob(x2)
	sum := new(big.Rat)
	for x := 0; x <= n2; x++ {
		if p := prob(x); p.Cmp(obs) <= 0 {
			sum.Add(sum, p)
		}
	}
	f, _ := sum.Float64()
	return f
}

func TestFisherExactKnownValues(t *testing.T) {
	// R: fisher.test(matrix(c(3, 1, 1, 3), 2)) (the tea-tasting table of
	// the R documentation): p-value = 0.4857 = 34/70.
	require.InDelta(t, 34.0/70, FisherExact(3, 4, 1, 4), 1e-12)
	// One-table supports have nothing else to be as unlikely as.
	require.Equal(t, 1.0, FisherExact(0, 5, 0, 7))
	require.Equal(t, 1.0, FisherExact(5, 5, 7, 7))
	// 0 of 10 against 10 of 10: only the two extreme tables, 2/C(20,10).
	require.InDelta(t, 2/184756.0, FisherExact(0, 10, 10, 10), 1e-15)
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 300; i++ {
		n1, n2 := 1+r.IntN(60), 1+r.IntN(60)
		x1, x2 := r.IntN(n1+1), r.IntN(n2+1)
		want := fisherByEnumeration(x1, n1, x2, n2)
		require.InDelta(t, want, FisherExact(x1, n1, x2, n2), 1e-9*math.Max(1, want), "%d/%d vs %d/%d", x1, n1, x2, n2)
	}
}

// Under no change, Fisher's test rejects at most as often as its level (it
// is conservative), and not absurdly less.
func TestFisherExactCalibratedUnderNoChange(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	binom := func(n int, p float64) int { return binomDraw(r, n, p) }
	for _, c := range []struct {
		n1, n2 int
		p      float64
	}{{40, 40, 0.3}, {25, 60, 0.8}, {200, 180, 0.1}} {
		const trials = 4000
		rejected := 0
		for i := 0; i < trials; i++ {
			if FisherExact(binom(c.n1, c.p), c.n1, binom(c.n2, c.p), c.n2) <= 0.05 {
				rejected++
			}
		}
		rate := float64(rejected) / trials
		t.Logf("no change %+v: rejected at 5%%: %.1f%%", c, 100*rate)
		require.LessOrEqual(t, rate, 0.05+0.01, "%+v", c)
		require.Greater(t, rate, 0.01, "%+v", c)
	}
	// Power: a share that doubles from 30% (60 a month) is found most of
	// the time at 5%, and at the 0.1% a correction over ~80 tests needs
	// about half the time.
	const trials = 2000
	at5, at01 := 0, 0
	for i := 0; i < trials; i++ {
		p := FisherExact(binom(60, 0.3), 60, binom(60, 0.6), 60)
		if p <= 0.05 {
			at5++
		}
		if p <= 0.001 {
			at01++
		}
	}
	t.Logf("30%% -> 60%%, n = 60: found at 5%%: %.1f%%, at 0.1%%: %.1f%%", 100*float64(at5)/trials, 100*float64(at01)/trials)
	require.Greater(t, float64(at5)/trials, 0.8)
	require.Greater(t, float64(at01)/trials, 0.3)
}

// The score statistic at ratio 1 is Pearson's chi-squared without
// continuity correction (R: prop.test(c(15, 25), c(50, 50), correct =
// FALSE) gives X-squared = 4.1667), so the interval excludes 1 exactly when
// that test rejects at 5%; the bounds sit where the statistic meets the
// chi-squared quantile.
func TestProportionsKnownValues(t *testing.T) {
	require.InDelta(t, 4.1667, ratioScore(15, 50, 25, 50, 1), 1e-4)
	c := Proportions(15, 50, 25, 50)
	require.InDelta(t, 0.3, c.Before, 1e-12)
	require.InDelta(t, 0.5, c.After, 1e-12)
	require.InDelta(t, 5.0/3, c.Ratio, 1e-12)
	require.Greater(t, c.Lower, 1.0)
	require.InDelta(t, chi2Level, ratioScore(15, 50, 25, 50, c.Lower), 1e-6)
	require.InDelta(t, chi2Level, ratioScore(15, 50, 25, 50, c.Upper), 1e-6)
	require.InDelta(t, fisherByEnumeration(15, 50, 25, 50), c.P, 1e-9)
	// R: prop.test(c(20, 25), c(50, 50), correct = FALSE): X-squared = 1.0101.
	require.InDelta(t, 1.0101, ratioScore(20, 50, 25, 50, 1), 1e-4)
	c = Proportions(20, 50, 25, 50)
	require.Less(t, c.Lower, 1.0)
	require.Greater(t, c.Upper, 1.0)
	// Zero counts leave an end open.
	c = Proportions(0, 20, 5, 20)
	require.True(t, math.IsInf(c.Ratio, 1))
	require.True(t, math.IsInf(c.Upper, 1))
	require.Greater(t, c.Lower, 1.0)
	c = Proportions(5, 20, 0, 20)
	require.Equal(t, 0.0, c.Ratio)
	require.Equal(t, 0.0, c.Lower)
	require.Less(t, c.Upper, 1.0)
	c = Proportions(0, 20, 0, 30)
	require.True(t, math.IsNaN(c.Ratio))
	require.Equal(t, 1.0, c.P)
	c = Proportions(1, 0, 3, 5)
	require.True(t, math.IsNaN(c.Ratio))
	require.Equal(t, 1.0, c.P)
}

// The constrained fit inside the score statistic is the maximum of the
// likelihood under p2 = θ·p1 (checked against a fine grid).
func TestRatioScoreConstrainedFit(t *testing.T) {
	for _, c := range [][4]int{{15, 50, 25, 50}, {3, 9, 7, 11}, {0, 10, 4, 12}, {30, 31, 2, 40}} {
		x1, n1, x2, n2 := float64(c[0]), float64(c[1]), float64(c[2]), float64(c[3])
		for _, theta := range []float64{0.3, 1, 1.7, 4} {
			ll := func(p float64) float64 {
				q := theta * p
				return x1*math.Log(p) + (n1-x1)*math.Log1p(-p) + x2*math.Log(q) + (n2-x2)*math.Log1p(-q)
			}
			best, bestP := math.Inf(-1), 0.0
			top := math.Min(1, 1/theta)
			for i := 1; i < 200000; i++ {
				p := top * float64(i) / 200000
				if v := ll(p); v > best {
					best, bestP = v, p
				}
			}
			s := x1 + x2
			b := (n1 + x2) + theta*(n2+x1)
			p1 := 2 * s / (b + math.Sqrt(b*b-4*theta*(n1+n2)*s))
			require.InDelta(t, bestP, p1, 2e-5*top, "%v θ=%v", c, theta)
		}
	}
}

// The score interval covers the true ratio about 95% of the time.
func TestProportionsCoverage(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	binom := func(n int, p float64) int { return binomDraw(r, n, p) }
	for _, c := range []struct {
		n1, n2 int
		p1, p2 float64
	}{{40, 40, 0.3, 0.3}, {60, 50, 0.5, 0.7}, {30, 30, 0.8, 0.6}, {300, 300, 0.1, 0.15}} {
		const trials = 3000
		covered, n := 0, 0
		for i := 0; i < trials; i++ {
			x1, x2 := binom(c.n1, c.p1), binom(c.n2, c.p2)
			cmp := Proportions(x1, c.n1, x2, c.n2)
			if math.IsNaN(cmp.Ratio) {
				continue
			}
			n++
			if truth := c.p2 / c.p1; cmp.Lower <= truth && truth <= cmp.Upper {
				covered++
			}
		}
		cov := float64(covered) / float64(n)
		t.Logf("%+v: interval covers the true ratio %.1f%%", c, 100*cov)
		require.InDelta(t, 0.95, cov, 0.02, "%+v", c)
	}
}

// TestP90ComparisonNeedsTwentyPerMonth measures, on months that did not
// change (both lognormal, σ = 1.2), how often the paired bootstrap calls a
// p90 changed at nominal 5%: far too often with five incidents in a month,
// about right with twenty (why analyze compares a p90 only from 20 a
// month; EVALUATION "Small samples"). Logged with -v.
func TestP90ComparisonNeedsTwentyPerMonth(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const pairs = 600
	rate := func(n1, n2 int) float64 {
		rejected := 0
		for i := 0; i < pairs; i++ {
			a := Bootstrap(lognormal(r, n1, 1100, 1.2), []float64{0.5, 0.9}, 2000, uint64(2*i+7))
			b := Bootstrap(lognormal(r, n2, 1100, 1.2), []float64{0.5, 0.9}, 2000, uint64(2*i+8))
			if CompareQuantile(a, b, 1).P < 0.05 {
				rejected++
			}
		}
		return float64(rejected) / pairs
	}
	small, enough := rate(14, 5), rate(20, 20)
	t.Logf("p90 of two unchanged months, rejected at nominal 5%%: n = 14 vs 5 %.1f%%, n = 20 vs 20 %.1f%%", 100*small, 100*enough)
	require.Greater(t, small, 0.10, "five incidents: the bootstrap is too sure")
	require.Less(t, enough, 0.07, "twenty: about the nominal rate")
}
