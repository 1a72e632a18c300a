// Package change says whether a month-over-month change in response times or
// incident counts is distinguishable from noise: deterministic bootstrap
// intervals for percentiles (and for the ratio of two months' percentiles),
// the exact conditional binomial test and interval for the ratio of two
// incident rates, Fisher's exact test with a score interval for the ratio of
// two proportions (postmortem coverage, blame, vague action items, repeat
// incidents), and the Benjamini–Hochberg procedure for the many comparisons
// a month brings (every team, severity and measure at once).
//
// The package is pure: no I/O, no clock, no global random state. A bootstrap
// is seeded from the key of the series it describes, so a rerun on the same
// data gives the same intervals.
package change

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/aftermath-sre/aftermath/analyze/internal/calc"
)

// Level is the confidence level of every interval: 95%.
const Level = 0.95

// Resamples is the default number of bootstrap resamples.
const Resamples = 5000

// Seed derives a bootstrap seed from a series key (FNV-1a, 64 bits).
func Seed(key string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(key))
	return h.Sum64()
}

// Quantile is the q-quantile of sorted values, type 7 as every percentile
// Aftermath reports (calc.Quantile); NaN for no values.
func Quantile(sorted []float64, q float64) float64 { return calc.Quantile(sorted, q) }

// Boot is the bootstrap distribution of some quantiles of one sample.
type Boot struct {
	N     int
	Q     []float64   // quantile levels
	Est   []float64   // the sample's quantiles, by level
	Draws [][]float64 // Draws[j][b]: quantile Q[j] of resample b
}

// Bootstrap resamples sorted (ascending, len ≥ 1) b times with replacement
// and records the type-7 quantiles qs of every resample. It draws the
// resample's order statistics directly (the k-th smallest of n uniform
// indices is Beta(k, n-k+1), and each next one a Beta step above it), which
// has exactly the distribution of sorting n indices drawn with replacement
// but costs a few draws per quantile instead of n. Same sample, levels, b and
// seed: same draws.
func Bootstrap(sorted []float64, qs []float64, b int, seed uint64) Boot {
	n := len(sorted)
	bt := Boot{N: n, Q: append([]float64(nil), qs...), Est: make([]float64, len(qs)), Draws: make([][]float64, len(qs))}
	if n == 0 || b <= 0 {
		for j := range qs {
			bt.Est[j] = math.NaN()
		}
		return bt
	}
	// The 1-based ranks each quantile interpolates between.
	type need struct {
		lo, hi int // ranks; hi == lo when there is no interpolation
		frac   float64
	}
	needs := make([]need, len(qs))
	rankSet := map[int]bool{}
	for j, q := range qs {
		h := float64(n-1) * q
		lo := int(math.Floor(h))
		nd := need{lo: lo + 1, hi: lo + 1}
		if lo+1 < n {
			nd.hi, nd.frac = lo+2, h-float64(lo)
		}
		needs[j] = nd
		rankSet[nd.lo], rankSet[nd.hi] = true, true
		bt.Est[j] = Quantile(sorted, q)
		bt.Draws[j] = make([]float64, b)
	}
	ranks := make([]int, 0, len(rankSet))
	for k := range rankSet {
		ranks = append(ranks, k)
	}
	sort.Ints(ranks)
	at := make(map[int]int, len(ranks)) // rank -> position in ranks
	for i, k := range ranks {
		at[k] = i
	}
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	vals := make([]float64, len(ranks))
	for i := 0; i < b; i++ {
		u, prev := 0.0, 0
		for p, k := range ranks {
			// U_(k) given U_(prev) = u.
			u += (1 - u) * betaDraw(r, float64(k-prev), float64(n-k+1))
			prev = k
			idx := int(math.Ceil(float64(n) * u))
			if idx < 1 {
				idx = 1
			}
			if idx > n {
				idx = n
			}
			vals[p] = sorted[idx-1]
		}
		for j, nd := range needs {
			lo := vals[at[nd.lo]]
			bt.Draws[j][i] = lo + nd.frac*(vals[at[nd.hi]]-lo)
		}
	}
	return bt
}

// Interval is the percentile bootstrap interval at Level of quantile j.
func (bt Boot) Interval(j int) (lo, hi float64) {
	if bt.N == 0 || len(bt.Draws[j]) == 0 {
		return math.NaN(), math.NaN()
	}
	d := append([]float64(nil), bt.Draws[j]...)
	a := (1 - Level) / 2
	return selectQuantile(d, a), selectQuantile(d, 1-a)
}

// selectQuantile is Quantile of the values in xs without sorting them all
// (quickselect; xs is reordered). NaN for no values.
func selectQuantile(xs []float64, q float64) float64 {
	n := len(xs)
	if n == 0 {
		return math.NaN()
	}
	h := float64(n-1) * q
	lo := int(math.Floor(h))
	if lo >= n-1 {
		return selectK(xs, n-1)
	}
	a := selectK(xs, lo)
	// The next order statistic is the smallest of the part above lo.
	b := xs[lo+1]
	for _, x := range xs[lo+2:] {
		if x < b {
			b = x
		}
	}
	return a + (h-float64(lo))*(b-a)
}

// selectK puts the k-th smallest (0-based) value of xs at xs[k], smaller or
// equal ones before it and greater or equal ones after, and returns it.
func selectK(xs []float64, k int) float64 {
	lo, hi := 0, len(xs)-1
	for lo < hi {
		// Median of three as the pivot.
		mid := lo + (hi-lo)/2
		if xs[mid] < xs[lo] {
			xs[mid], xs[lo] = xs[lo], xs[mid]
		}
		if xs[hi] < xs[lo] {
			xs[hi], xs[lo] = xs[lo], xs[hi]
		}
		if xs[hi] < xs[mid] {
			xs[hi], xs[mid] = xs[mid], xs[hi]
		}
		pivot := xs[mid]
		i, j := lo, hi
		for i <= j {
			for xs[i] < pivot {
				i++
			}
			for xs[j] > pivot {
				j--
			}
			if i <= j {
				xs[i], xs[j] = xs[j], xs[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return xs[k]
		}
	}
	return xs[k]
}

// Comparison is a month-over-month comparison: the ratio of the later value
// to the earlier one with its interval and a two-sided p-value for "no
// change" (ratio 1).
type Comparison struct {
	Before, After float64
	Ratio         float64
	Lower, Upper  float64
	P             float64
}

// Floor is the smallest duration (seconds) a ratio of percentiles divides
// by: a percentile of 0 s (acknowledged by the trigger) counts as 1 s.
const Floor = 1.0

// CompareQuantile compares quantile j of two bootstraps drawn with the same
// number of resamples from independent samples: resample b of one is paired
// with resample b of the other, which draws from the bootstrap distribution
// of the ratio. The interval is the percentile interval of the paired
// ratios; P is the two-sided bootstrap p-value of "no change", twice the
// smaller share of paired ratios on either side of 1 (with one added to
// count and total, so it is never 0 and at least 2/(resamples+1)).
func CompareQuantile(before, after Boot, j int) Comparison {
	c := Comparison{Before: before.Est[j], After: after.Est[j]}
	c.Ratio = math.Max(c.After, Floor) / math.Max(c.Before, Floor)
	bd, ad := before.Draws[j], after.Draws[j]
	m := min(len(bd), len(ad))
	if m < 2 {
		c.Lower, c.Upper, c.P = math.NaN(), math.NaN(), math.NaN()
		return c
	}
	ls := make([]float64, m)
	le, ge := 0, 0
	for i := 0; i < m; i++ {
		l := math.Log(math.Max(ad[i], Floor)) - math.Log(math.Max(bd[i], Floor))
		ls[i] = l
		if l <= 0 {
			le++
		}
		if l >= 0 {
			ge++
		}
	}
	a := (1 - Level) / 2
	c.Lower, c.Upper = math.Exp(selectQuantile(ls, a)), math.Exp(selectQuantile(ls, 1-a))
	c.P = math.Min(1, 2*float64(min(le, ge)+1)/float64(m+1))
	return c
}

// RateRatio compares two incident counts: before incidents over exposure tb
// and after incidents over exposure ta (any unit, e.g. days). Given the total,
// the later count is binomial with p = ta·R / (tb + ta·R), R the ratio of the
// later rate to the earlier one; the p-value is the exact two-sided
// (doubled-tail) binomial test of R = 1 and the interval the Clopper–Pearson
// interval of p mapped to R. A ratio with no earlier incidents is +Inf; two
// zero counts compare as no change (P = 1, no interval).
func RateRatio(before int, tb float64, after int, ta float64) Comparison {
	c := Comparison{Before: float64(before), After: float64(after)}
	n := before + after
	if n == 0 || tb <= 0 || ta <= 0 {
		c.Ratio, c.Lower, c.Upper, c.P = math.NaN(), math.NaN(), math.NaN(), 1
		return c
	}
	c.Ratio = (float64(after) / ta) / (float64(before) / tb)
	p0 := ta / (tb + ta)
	lower := 1 - binomCDF(after-1, n, p0) // P(X >= after)
	upper := binomCDF(after, n, p0)       // P(X <= after)
	c.P = math.Min(1, 2*math.Min(lower, upper))
	a := (1 - Level) / 2
	toR := func(p float64) float64 {
		if p >= 1 {
			return math.Inf(1)
		}
		return p / (1 - p) * tb / ta
	}
	if after == 0 {
		c.Lower = 0
	} else {
		c.Lower = toR(betaInv(a, float64(after), float64(n-after+1)))
	}
	if after == n {
		c.Upper = math.Inf(1)
	} else {
		c.Upper = toR(betaInv(1-a, float64(after+1), float64(n-after)))
	}
	return c
}

// Proportions compares two shares: before successes out of nb against after
// out of na (postmortems written out of those required, say). Ratio is the
// later share over the earlier one; P is Fisher's exact two-sided test of
// equal shares (as R's fisher.test: the tables no more likely than the
// observed one given both margins, with a relative tolerance of 1e-7); the
// interval is Koopman's score interval for the ratio of two binomial
// proportions at Level (the set of ratios the score test does not reject;
// 0 or +Inf at the ends a zero count leaves open). A share with no trials
// cannot be compared: NaN ratio and interval, P 1. Two zero numerators
// compare as no change (ratio NaN, P 1).
func Proportions(before, nb, after, na int) Comparison {
	c := Comparison{Ratio: math.NaN(), Lower: math.NaN(), Upper: math.NaN(), P: 1}
	if nb <= 0 || na <= 0 || before < 0 || after < 0 || before > nb || after > na {
		c.Before, c.After = math.NaN(), math.NaN()
		return c
	}
	c.Before, c.After = float64(before)/float64(nb), float64(after)/float64(na)
	c.P = FisherExact(before, nb, after, na)
	if before == 0 && after == 0 {
		return c
	}
	c.Ratio = c.After / c.Before // +Inf when before is 0
	c.Lower, c.Upper = koopman(before, nb, after, na)
	return c
}

// FisherExact is the two-sided p-value of Fisher's exact test of the 2×2
// table (x1, n1-x1; x2, n2-x2): given the margins, x2 is hypergeometric;
// the p-value sums the probabilities of the tables no more likely than the
// observed one (R's fisher.test, relative tolerance 1e-7).
func FisherExact(x1, n1, x2, n2 int) float64 {
	k := x1 + x2
	lo, hi := max(0, k-n1), min(k, n2)
	if lo == hi {
		return 1
	}
	// log C(n2, x) + log C(n1, k-x) - log C(n1+n2, k)
	lchoose := func(n, r int) float64 {
		a, _ := math.Lgamma(float64(n + 1))
		b, _ := math.Lgamma(float64(r + 1))
		c, _ := math.Lgamma(float64(n - r + 1))
		return a - b - c
	}
	total := lchoose(n1+n2, k)
	logd := func(x int) float64 { return lchoose(n2, x) + lchoose(n1, k-x) - total }
	obs := logd(x2) + math.Log1p(1e-7)
	p := 0.0
	for x := lo; x <= hi; x++ {
		if l := logd(x); l <= obs {
			p += math.Exp(l)
		}
	}
	return math.Min(1, p)
}

// chi2Level is the Level quantile of the chi-squared distribution with one
// degree of freedom (the square of the normal's (1+Level)/2 quantile).
var chi2Level = math.Pow(zQuantile((1+Level)/2), 2)

// koopman is the score interval for θ = (x2/n2)/(x1/n1) (Koopman 1984):
// the θ whose score statistic, with the shares fitted under p2 = θ·p1, is at
// most the chi-squared quantile.
func koopman(x1, n1, x2, n2 int) (lo, hi float64) {
	score := func(theta float64) float64 { return ratioScore(x1, n1, x2, n2, theta) }
	est := (float64(x2) / float64(n2)) / (float64(x1) / float64(n1))
	const far = 1e9
	// Below the estimate the statistic falls towards it, above it rises.
	if x2 == 0 {
		lo = 0
	} else {
		top := est
		if math.IsInf(top, 1) {
			top = far
		}
		if score(1/far) <= chi2Level {
			lo = 0
		} else {
			lo = bisectLog(score, 1/far, top, true)
		}
	}
	if x1 == 0 {
		hi = math.Inf(1)
	} else {
		bottom := est
		if bottom == 0 {
			bottom = 1 / far
		}
		if score(far) <= chi2Level {
			hi = math.Inf(1)
		} else {
			hi = bisectLog(score, bottom, far, false)
		}
	}
	return lo, hi
}

// bisectLog finds where f crosses chi2Level between a and b on a log
// scale: f(a) > level ≥ f(b) when falling, f(a) ≤ level < f(b) otherwise.
func bisectLog(f func(float64) float64, a, b float64, falling bool) float64 {
	la, lb := math.Log(a), math.Log(b)
	for i := 0; i < 200 && lb-la > 1e-12; i++ {
		m := (la + lb) / 2
		if (f(math.Exp(m)) > chi2Level) == falling {
			la = m
		} else {
			lb = m
		}
	}
	return math.Exp((la + lb) / 2)
}

// ratioScore is the score statistic of H: p2 = θ·p1 with p1 the
// constrained maximum-likelihood share, the smaller root of
// θN·p² − ((n1+x2) + θ(n2+x1))·p + (x1+x2) = 0.
func ratioScore(x1, n1, x2, n2 int, theta float64) float64 {
	fx1, fn1, fx2, fn2 := float64(x1), float64(n1), float64(x2), float64(n2)
	n, s := fn1+fn2, fx1+fx2
	b := (fn1 + fx2) + theta*(fn2+fx1)
	disc := math.Max(0, b*b-4*theta*n*s)
	// The smaller root, written to avoid cancellation.
	p1 := 2 * s / (b + math.Sqrt(disc))
	p2 := theta * p1
	num := fx2/fn2 - theta*fx1/fn1
	v := p2*(1-p2)/fn2 + theta*theta*p1*(1-p1)/fn1
	if v <= 0 {
		if num == 0 {
			return 0
		}
		return math.Inf(1)
	}
	return num * num / v
}

// BH returns which of the p-values the Benjamini–Hochberg step-up procedure
// rejects at false discovery rate q. NaN p-values are not tested and do not
// count towards the number of tests.
func BH(ps []float64, q float64) []bool {
	idx := make([]int, 0, len(ps))
	for i, p := range ps {
		if !math.IsNaN(p) {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return ps[idx[a]] < ps[idx[b]] })
	m := float64(len(idx))
	k := -1
	for r, i := range idx {
		if ps[i] <= q*float64(r+1)/m {
			k = r
		}
	}
	out := make([]bool, len(ps))
	for r := 0; r <= k; r++ {
		out[idx[r]] = true
	}
	return out
}

// betaDraw draws from Beta(a, b), a, b ≥ 1.
func betaDraw(r *rand.Rand, a, b float64) float64 {
	x := gammaDraw(r, a)
	y := gammaDraw(r, b)
	return x / (x + y)
}

// gammaDraw draws from Gamma(shape, 1), shape ≥ 1 (Marsaglia and Tsang 2000).
func gammaDraw(r *rand.Rand, shape float64) float64 {
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.Float64()
		if u < 1-0.0331*x*x*x*x {
			return d * v
		}
		if math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}

// normalUpper is P(Z > z) of the standard normal.
func normalUpper(z float64) float64 { return 0.5 * math.Erfc(z/math.Sqrt2) }

// zQuantile is the p-quantile of the standard normal.
func zQuantile(p float64) float64 { return math.Sqrt2 * math.Erfinv(2*p-1) }

// binomCDF is P(X ≤ k) for X ~ Binomial(n, p).
func binomCDF(k, n int, p float64) float64 {
	switch {
	case k < 0:
		return 0
	case k >= n:
		return 1
	}
	// P(X ≤ k) = I_{1-p}(n-k, k+1).
	return betaInc(float64(n-k), float64(k+1), 1-p)
}

// betaInc is the regularized incomplete beta function I_x(a, b).
func betaInc(a, b, x float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	front := math.Exp(lab - la - lb + a*math.Log(x) + b*math.Log1p(-x))
	if x < (a+1)/(a+b+2) {
		return front * betaCF(a, b, x) / a
	}
	return 1 - front*betaCF(b, a, 1-x)/b
}

// betaCF is the continued fraction of the incomplete beta function
// (modified Lentz).
func betaCF(a, b, x float64) float64 {
	const tiny = 1e-300
	qab, qap, qam := a+b, a+1, a-1
	c, d := 1.0, 1-qab*x/qap
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	for m := 1; m <= 10000; m++ {
		fm := float64(m)
		m2 := 2 * fm
		aa := fm * (b - fm) * x / ((qam + m2) * (a + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		h *= d * c
		aa = -(a + fm) * (qab + fm) * x / ((a + m2) * (qap + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < 1e-14 {
			break
		}
	}
	return h
}

// betaInv is the p-quantile of Beta(a, b), by bisection.
func betaInv(p, a, b float64) float64 {
	lo, hi := 0.0, 1.0
	for i := 0; i < 100; i++ {
		mid := (lo + hi) / 2
		if betaInc(a, b, mid) < p {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}
