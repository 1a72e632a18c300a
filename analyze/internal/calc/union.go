package calc

import (
	"fmt"
	"math"
	"time"

	"github.com/aftermath-sre/aftermath/store"
)

// Union measures the union of intervals that arrive ordered by start
// within several windows at once, merging overlaps on the fly: the stream
// is never held. For each window it gives what UnionWithin gives for the
// same intervals.
type Union struct {
	windows []Interval
	totals  []time.Duration
	cur     Interval
	have    bool
	last    time.Time
}

// NewUnion measures within the given windows ([Start, End) each).
func NewUnion(windows []Interval) *Union {
	return &Union{windows: windows, totals: make([]time.Duration, len(windows))}
}

// Add takes the next interval; its start must not be before the previous
// one's.
func (u *Union) Add(iv Interval) error {
	if iv.Start.Before(u.last) {
		return fmt.Errorf("calc: union: interval starting %s after one starting %s", iv.Start.Format(time.RFC3339), u.last.Format(time.RFC3339))
	}
	u.last = iv.Start
	if !iv.End.After(iv.Start) {
		return nil
	}
	if u.have && !iv.Start.After(u.cur.End) {
		if iv.End.After(u.cur.End) {
			u.cur.End = iv.End
		}
		return nil
	}
	u.flush()
	u.cur, u.have = iv, true
	return nil
}

func (u *Union) flush() {
	if !u.have {
		return
	}
	for i, w := range u.windows {
		s, e := u.cur.Start, u.cur.End
		if s.Before(w.Start) {
			s = w.Start
		}
		if e.After(w.End) {
			e = w.End
		}
		if e.After(s) {
			u.totals[i] += e.Sub(s)
		}
	}
	u.have = false
}

// Totals ends the stream and returns the union's length within each window,
// in the order given.
func (u *Union) Totals() []time.Duration {
	u.flush()
	return u.totals
}

// Scope is the store's aggregate scope of the periods: their spans, the
// clock and the team labels.
func (ps Periods) Scope(teams map[string]string) store.Scope {
	sc := store.Scope{Now: ps.Now, Teams: teams, Periods: make([]store.Span, len(ps.All))}
	for i, p := range ps.All {
		sc.Periods[i] = store.Span{From: p.From, To: p.To}
	}
	return sc
}

// StatsOf converts the store's statistics (computed by ClickHouse with
// Quantile's semantics) into Stats.
func StatsOf(s store.Stats) Stats {
	return Stats{N: s.N, P50: s.P50, P90: s.P90, P95: s.P95, Avg: s.Mean}
}

// KaplanMeier gives KaplanMeierQuantile's quantiles of observations that
// arrive grouped by duration, ascending, without holding them.
type KaplanMeier struct {
	atRisk int
	surv   float64
	qs     []float64
	out    []float64
	done   []bool
}

// NewKaplanMeier estimates the quantiles qs of n observations.
func NewKaplanMeier(n int, qs ...float64) *KaplanMeier {
	k := &KaplanMeier{atRisk: n, surv: 1, qs: qs, out: make([]float64, len(qs)), done: make([]bool, len(qs))}
	for i := range k.out {
		k.out[i] = math.Inf(1)
		if n == 0 {
			k.out[i] = math.NaN()
		}
	}
	return k
}

// At takes the events and censorings at duration t (each t once, ascending).
func (k *KaplanMeier) At(t float64, events, censored int) {
	if events > 0 && k.atRisk > 0 {
		k.surv *= 1 - float64(events)/float64(k.atRisk)
		for i, q := range k.qs {
			if !k.done[i] && k.surv <= 1-q+1e-12 {
				k.out[i], k.done[i] = t, true
			}
		}
	}
	k.atRisk -= events + censored
}

// Quantiles are the estimates, in the order asked.
func (k *KaplanMeier) Quantiles() []float64 { return k.out }
