package fixes

import (
	"math"
)

// Stratum is one (postmortem, theme) pair's repeats and exposure (seconds)
// in each phase.
type Stratum struct {
	Closed, Open                 int
	ClosedExposure, OpenExposure float64
}

// MaxExactRepeats bounds the repeats StratifiedRateRatio convolves
// exactly; above it the interval is the Wald interval of the log of the
// Mantel–Haenszel ratio (Greenland and Robins 1985), still deterministic.
const MaxExactRepeats = 1000

// StratifiedRateRatio is the closed-versus-open rate ratio common to the
// strata, each pair compared with itself so that pairs of busy and quiet
// services are not mixed (pooling them would confound the ratio with which
// pairs got their items closed). Given each stratum's repeats n_i, its
// closed-phase repeats are Binomial(n_i, p_i) with p_i = e_ci·R / (e_ci·R +
// e_oi); the estimate is the conditional maximum-likelihood R and the
// interval the exact one of the sum of closed repeats (the convolution of
// the binomials): R_lower where P(X >= x) = alpha/2, R_upper where
// P(X <= x) = alpha/2 (Breslow and Day, Statistical Methods in Cancer
// Research II, 1987, §7.4). With one stratum it is RateRatio.
func StratifiedRateRatio(strata []Stratum, conf float64) Interval {
	var x, n int
	var use []Stratum
	for _, s := range strata {
		if s.Closed < 0 || s.Open < 0 || s.Closed+s.Open == 0 || !(s.ClosedExposure > 0) || !(s.OpenExposure > 0) {
			continue
		}
		use = append(use, s)
		x += s.Closed
		n += s.Closed + s.Open
	}
	if n == 0 {
		return Interval{}
	}
	if n > MaxExactRepeats {
		return mantelHaenszel(use, conf)
	}
	alpha := 1 - conf
	iv := Interval{Defined: true}
	// Conditional MLE: the expected closed repeats equal the observed.
	switch {
	case x == 0:
		iv.Estimate = 0
	case x == n:
		iv.Estimate = math.Inf(1)
	default:
		iv.Estimate = solveLog(func(r float64) float64 {
			e := 0.0
			for _, s := range use {
				e += float64(s.Closed+s.Open) * pOf(s, r)
			}
			return e - float64(x)
		})
	}
	if x > 0 {
		// P(X >= x; R) increases with R.
		iv.Lower = solveLog(func(r float64) float64 { return 1 - cdf(use, n, x-1, r) - alpha/2 })
	}
	iv.Upper = math.Inf(1)
	if x < n {
		// P(X <= x; R) decreases with R.
		iv.Upper = solveLog(func(r float64) float64 { return alpha/2 - cdf(use, n, x, r) })
	}
	return iv
}

func pOf(s Stratum, r float64) float64 {
	a := s.ClosedExposure * r
	return a / (a + s.OpenExposure)
}

// cdf is P(X <= k) for X the sum of the strata's Binomial(n_i, p_i(r)).
// The convolution keeps only the values 0..k: mass above k never comes back
// below it, so the cost is n·k rather than n².
func cdf(strata []Stratum, n, k int, r float64) float64 {
	if k >= n {
		return 1
	}
	dist := make([]float64, 1, k+1)
	dist[0] = 1
	next := make([]float64, 0, k+1)
	for _, s := range strata {
		m := s.Closed + s.Open
		pmf := binomPMF(m, pOf(s, r))
		next = next[:min(len(dist)+m, k+1)]
		clear(next)
		for i, a := range dist {
			if a == 0 {
				continue
			}
			for j, b := range pmf {
				if i+j > k {
					break
				}
				next[i+j] += a * b
			}
		}
		dist, next = next, dist
	}
	sum := 0.0
	for i := 0; i <= k && i < len(dist); i++ {
		sum += dist[i]
	}
	return math.Min(sum, 1)
}

func binomPMF(m int, p float64) []float64 {
	out := make([]float64, m+1)
	switch {
	case p <= 0:
		out[0] = 1
		return out
	case p >= 1:
		out[m] = 1
		return out
	}
	lp, lq := math.Log(p), math.Log1p(-p)
	lm, _ := math.Lgamma(float64(m + 1))
	for i := 0; i <= m; i++ {
		a, _ := math.Lgamma(float64(i + 1))
		b, _ := math.Lgamma(float64(m - i + 1))
		out[i] = math.Exp(lm - a - b + float64(i)*lp + float64(m-i)*lq)
	}
	return out
}

// solveLog finds the root of an increasing f over ratios in [1e-9, 1e9],
// bisecting on the log scale.
func solveLog(f func(float64) float64) float64 {
	a, b := math.Log(1e-9), math.Log(1e9)
	for range 100 {
		m := (a + b) / 2
		if f(math.Exp(m)) < 0 {
			a = m
		} else {
			b = m
		}
		if b-a < 1e-7 { // a relative precision of 1e-7 of the ratio
			break
		}
	}
	return math.Exp((a + b) / 2)
}

// mantelHaenszel is the Mantel–Haenszel rate ratio with the Greenland–Robins
// variance of its log, for strata too large to convolve.
func mantelHaenszel(strata []Stratum, conf float64) Interval {
	var num, den, v float64
	var x, n int
	for _, s := range strata {
		t := s.ClosedExposure + s.OpenExposure
		num += float64(s.Closed) * s.OpenExposure / t
		den += float64(s.Open) * s.ClosedExposure / t
		v += float64(s.Closed+s.Open) * s.ClosedExposure * s.OpenExposure / (t * t)
		x += s.Closed
		n += s.Closed + s.Open
	}
	iv := Interval{Defined: true}
	switch {
	case x == 0:
		iv.Upper = math.Inf(1) // no closed repeat: bounded only by the exact method
		return Interval{Defined: true, Estimate: 0, Lower: 0, Upper: upperZero(strata, conf)}
	case x == n:
		return Interval{Defined: true, Estimate: math.Inf(1), Lower: 0, Upper: math.Inf(1)}
	}
	iv.Estimate = num / den
	se := math.Sqrt(v / (num * den))
	z := normalQuantile(1 - (1-conf)/2)
	iv.Lower, iv.Upper = iv.Estimate*math.Exp(-z*se), iv.Estimate*math.Exp(z*se)
	return iv
}

// upperZero is the exact upper bound when no stratum has a closed repeat:
// P(X = 0; R) = prod (1-p_i)^n_i = alpha/2.
func upperZero(strata []Stratum, conf float64) float64 {
	alpha := 1 - conf
	return solveLog(func(r float64) float64 {
		l := 0.0
		for _, s := range strata {
			l += float64(s.Closed+s.Open) * math.Log1p(-pOf(s, r))
		}
		return math.Log(alpha/2) - l
	})
}

// normalQuantile is the standard normal quantile (bisection on Erf).
func normalQuantile(q float64) float64 {
	a, b := -10.0, 10.0
	for range 100 {
		m := (a + b) / 2
		if 0.5*(1+math.Erf(m/math.Sqrt2)) < q {
			a = m
		} else {
			b = m
		}
	}
	return (a + b) / 2
}
