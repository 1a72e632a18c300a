package fixes

import (
	"math"
	"time"
)

// A theme's repeats can rise or fall over calendar time for reasons other
// than fixes (a growing org, a practice that spreads). The closed phase
// always comes after the open phase, so such a drift would read as fixes
// failing (a rising theme) or holding (a falling one). The ratio therefore
// weighs each phase's time by the theme's own trend, fitted to the open
// phases of all its pairs (where no fix is in effect):
//
//	rate(t) ∝ exp(Slope · t), t in years,
//
// by Poisson maximum likelihood on weekly bins. The interval treats the
// fitted trend as known. A theme with fewer than MinTrendRepeats open-phase
// repeats keeps a flat trend.

// MinTrendRepeats is the open-phase repeats below which a theme's trend is
// taken as flat.
const MinTrendRepeats = 20

// MaxSlope bounds a fitted trend (per year, on the log scale).
const MaxSlope = 5.0

const (
	year    = 365.25 * 24 * time.Hour
	binSize = 7 * 24 * time.Hour
)

// Span is a phase's interval [From, To).
type Span struct{ From, To time.Time }

// FitTrend returns the log-linear slope (per year) of the repeat rate over
// the given open-phase spans and the times of their repeats (a repeat
// counted once per span it falls in), relative to now. It is the maximum of
// the profile likelihood, found by bisection on its (decreasing) score.
func FitTrend(spans []Span, repeats []time.Time, now time.Time) float64 {
	f := newTrendFit(spans, len(repeats), now)
	if f.fits() {
		for _, r := range repeats {
			f.add(r)
		}
	}
	return f.slope()
}

// trendFit is FitTrend in steps, so that the repeats can be passed one at a
// time: newTrendFit with the spans and the number of repeats, add with
// each repeat (in the order FitTrend would read them) while fits, slope.
type trendFit struct {
	ok       bool // enough repeats and a span before now
	first    time.Time
	now      time.Time
	expo, tb []float64
	sumXT    float64
	n        int
}

func newTrendFit(spans []Span, repeats int, now time.Time) *trendFit {
	f := &trendFit{now: now}
	if repeats < MinTrendRepeats {
		return f
	}
	var first time.Time
	for _, s := range spans {
		if first.IsZero() || s.From.Before(first) {
			first = s.From
		}
	}
	if first.IsZero() || !now.After(first) {
		return f
	}
	f.ok, f.first = true, first
	nb := int(now.Sub(first)/binSize) + 1
	f.expo = make([]float64, nb) // years of exposure per bin
	f.tb = make([]float64, nb)   // bin midpoints, years before now (negative)
	for b := range f.tb {
		mid := first.Add(time.Duration(b)*binSize + binSize/2)
		f.tb[b] = -now.Sub(mid).Hours() / (year.Hours())
	}
	for _, s := range spans {
		to := s.To
		if to.After(now) {
			to = now
		}
		for t := s.From; t.Before(to); {
			b := f.bin(t)
			end := first.Add(time.Duration(b+1) * binSize)
			if end.After(to) {
				end = to
			}
			if !end.After(t) { // guard against a zero step at the last bin
				end = to
			}
			f.expo[b] += end.Sub(t).Hours() / year.Hours()
			t = end
		}
	}
	return f
}

func (f *trendFit) fits() bool { return f.ok }

func (f *trendFit) bin(t time.Time) int {
	return min(max(int(t.Sub(f.first)/binSize), 0), len(f.tb)-1)
}

func (f *trendFit) add(r time.Time) {
	if r.Before(f.first) || r.After(f.now) {
		return
	}
	f.sumXT += f.tb[f.bin(r)]
	f.n++
}

func (f *trendFit) slope() float64 {
	if !f.ok || f.n < MinTrendRepeats {
		return 0
	}
	expo, tb, sumXT, n := f.expo, f.tb, f.sumXT, f.n
	score := func(slope float64) float64 {
		// d/dslope of sum x_b·slope·t_b − n·log sum e_b·exp(slope·t_b)
		var num, den float64
		for b, e := range expo {
			if e == 0 {
				continue
			}
			w := e * math.Exp(slope*tb[b])
			num += w * tb[b]
			den += w
		}
		if den == 0 {
			return 0
		}
		return sumXT - float64(n)*num/den
	}
	lo, hi := -MaxSlope, MaxSlope
	if score(lo) <= 0 {
		return lo
	}
	if score(hi) >= 0 {
		return hi
	}
	for range 100 {
		m := (lo + hi) / 2
		if score(m) > 0 {
			lo = m
		} else {
			hi = m
		}
	}
	return (lo + hi) / 2
}

// TrendWeight is the time from `from` to `to` weighted by exp(slope · t),
// t in years relative to now, in seconds: the phase's exposure under the
// theme's trend (with slope 0, the plain length).
func TrendWeight(slope float64, from, to, now time.Time) float64 {
	if !to.After(from) {
		return 0
	}
	if slope == 0 {
		return to.Sub(from).Seconds()
	}
	t1 := -now.Sub(from).Hours() / year.Hours()
	t2 := -now.Sub(to).Hours() / year.Hours()
	return (math.Exp(slope*t2) - math.Exp(slope*t1)) / slope * year.Seconds()
}
