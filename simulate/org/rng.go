package org

import (
	"math"
	"math/rand/v2"
	"time"
)

// rng wraps a seeded PCG generator with the distributions the generator uses.
type rng struct{ *rand.Rand }

// newRNG returns a generator for one independent stream of the seed, so that a
// change in one stage does not shift the random numbers of another.
func newRNG(seed int64, stream uint64) *rng {
	a := splitmix64(uint64(seed) ^ splitmix64(stream))
	b := splitmix64(a ^ 0x632BE59BD9B4E019)
	return &rng{rand.New(rand.NewPCG(a, b))}
}

// splitmix64 scrambles a 64-bit value (PCG takes its seeds as raw state, so
// small seeds are mixed first).
func splitmix64(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

// chance reports true with probability p.
func (r *rng) chance(p float64) bool { return r.Float64() < p }

// between returns an int in [lo, hi].
func (r *rng) between(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + r.IntN(hi-lo+1)
}

// lognormal returns a log-normal sample with the given median and sigma.
func (r *rng) lognormal(median, sigma float64) float64 {
	return median * math.Exp(sigma*r.NormFloat64())
}

// lognormalDur is lognormal in durations, rounded to whole seconds, at least min.
func (r *rng) lognormalDur(median time.Duration, sigma float64, min, max time.Duration) time.Duration {
	d := time.Duration(r.lognormal(float64(median), sigma))
	if d < min {
		d = min
	}
	if max > 0 && d > max {
		d = max
	}
	return d.Truncate(time.Second)
}

// uniformDur returns a duration in [lo, hi), whole seconds.
func (r *rng) uniformDur(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return (lo + time.Duration(r.Int64N(int64(hi-lo)))).Truncate(time.Second)
}

// poisson samples a Poisson variate (Knuth for small lambda, normal
// approximation above 30).
func (r *rng) poisson(lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 30 {
		v := int(math.Round(lambda + math.Sqrt(lambda)*r.NormFloat64()))
		if v < 0 {
			return 0
		}
		return v
	}
	l := math.Exp(-lambda)
	k, p := 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// pick returns a uniformly chosen element.
func pick[T any](r *rng, xs []T) T { return xs[r.IntN(len(xs))] }

// weighted returns an index drawn with the given non-negative weights.
func (r *rng) weighted(w []float64) int {
	var sum float64
	for _, x := range w {
		sum += x
	}
	if sum <= 0 {
		return r.IntN(len(w))
	}
	u := r.Float64() * sum
	for i, x := range w {
		u -= x
		if u < 0 {
			return i
		}
	}
	return len(w) - 1
}

// cumulative is a precomputed weighted sampler (binary search), for hot loops.
type cumulative []float64

func newCumulative(w []float64) cumulative {
	c := make(cumulative, len(w))
	var s float64
	for i, x := range w {
		s += x
		c[i] = s
	}
	return c
}

func (c cumulative) draw(r *rng) int {
	u := r.Float64() * c[len(c)-1]
	lo, hi := 0, len(c)-1
	for lo < hi {
		m := (lo + hi) / 2
		if c[m] > u {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}
