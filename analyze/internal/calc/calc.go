// Package calc holds the arithmetic the analyzers share: reporting periods,
// percentiles, the Kaplan–Meier estimator, interval unions and a result sink.
package calc

import (
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/aftermath-sre/aftermath/domain"
	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
)

// Rolling30d is the label of the rolling 30-day period.
const Rolling30d = "30d"

// Period is a reporting period [From, To) in UTC.
type Period struct {
	Label    string
	From, To time.Time
}

// Elapsed is the part of the period before now: its length, capped at now.
func (p Period) Elapsed(now time.Time) time.Duration {
	end := p.To
	if now.Before(end) {
		end = now
	}
	if !end.After(p.From) {
		return 0
	}
	return end.Sub(p.From)
}

// Contains reports whether t is in [From, To).
func (p Period) Contains(t time.Time) bool { return !t.Before(p.From) && t.Before(p.To) }

// Periods are a run's reporting periods: the rolling 30 days ending at now,
// then calendar months, oldest first, ending with the month that contains now.
type Periods struct {
	All    []Period // All[0] is the rolling period, All[1:] the months
	Now    time.Time
	starts []time.Time // month starts, for Index
}

// NewPeriods builds the rolling 30 days ending at now and the calendar month
// containing now with the months-1 before it, month boundaries at local
// midnight of the 1st in loc (so a month in a DST zone may be an hour longer
// or shorter than its days suggest).
func NewPeriods(now time.Time, loc *time.Location, months int) Periods {
	if loc == nil {
		loc = time.UTC
	}
	now = now.UTC()
	ps := Periods{Now: now}
	ps.All = append(ps.All, Period{Label: Rolling30d, From: now.Add(-30 * 24 * time.Hour), To: now})
	for i := 0; i < months; i++ {
		from, to := domain.MonthAt(now, i-(months-1), loc)
		ps.All = append(ps.All, Period{Label: from.In(loc).Format("2006-01"), From: from, To: to})
		ps.starts = append(ps.starts, from)
	}
	return ps
}

// Start is the earliest instant any period covers: rows created before it
// fall into no period.
func (ps Periods) Start() time.Time {
	start := ps.All[0].From
	for _, p := range ps.All[1:] {
		if p.From.Before(start) {
			start = p.From
		}
	}
	return start
}

// Months returns the calendar months, oldest first.
func (ps Periods) Months() []Period { return ps.All[1:] }

// Of calls fn with the index in All of every period containing t: the rolling
// period and at most one month.
func (ps Periods) Of(t time.Time, fn func(i int)) {
	if ps.All[0].Contains(t) {
		fn(0)
	}
	if m := ps.month(t); m >= 0 {
		fn(m + 1)
	}
}

func (ps Periods) month(t time.Time) int {
	n := len(ps.starts)
	if n == 0 || t.Before(ps.starts[0]) || !t.Before(ps.All[n].To) {
		return -1
	}
	return sort.Search(n, func(i int) bool { return ps.starts[i].After(t) }) - 1
}

// Quantile is the q-quantile of sorted values by linear interpolation
// between closest ranks (Hyndman–Fan type 7, the default of R and NumPy).
// It is NaN for no values.
func Quantile(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	h := float64(n-1) * q
	lo := math.Floor(h)
	i := int(lo)
	if i >= n-1 {
		return sorted[n-1]
	}
	return sorted[i] + (h-lo)*(sorted[i+1]-sorted[i])
}

// Mean is the arithmetic mean, NaN for no values.
func Mean(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// Stats are the summary statistics the percentile gauges report.
type Stats struct {
	N                  int
	P50, P90, P95, Avg float64
}

// Summarize sorts xs in place and summarizes it.
func Summarize(xs []float64) Stats {
	sort.Float64s(xs)
	return Stats{N: len(xs), P50: Quantile(xs, 0.5), P90: Quantile(xs, 0.9), P95: Quantile(xs, 0.95), Avg: Mean(xs)}
}

// Observation is a time to an event, or to censoring when the event has not
// happened (yet).
type Observation struct {
	Duration float64
	Event    bool
}

// KaplanMeierQuantile returns the smallest duration t at which the
// Kaplan–Meier survival estimate S(t) falls to 1-q or below, +Inf when it
// never does (too many observations censored), NaN for no observations.
// Censored observations at the time of an event are counted at risk then.
func KaplanMeierQuantile(obs []Observation, q float64) float64 {
	if len(obs) == 0 {
		return math.NaN()
	}
	s := append([]Observation(nil), obs...)
	sort.Slice(s, func(i, j int) bool {
		if s[i].Duration != s[j].Duration {
			return s[i].Duration < s[j].Duration
		}
		return s[i].Event && !s[j].Event // events before censorings at equal times
	})
	atRisk := len(s)
	surv := 1.0
	target := 1 - q
	for i := 0; i < len(s); {
		t := s[i].Duration
		d, c := 0, 0
		for i < len(s) && s[i].Duration == t {
			if s[i].Event {
				d++
			} else {
				c++
			}
			i++
		}
		if d > 0 {
			surv *= 1 - float64(d)/float64(atRisk)
			if surv <= target+1e-12 {
				return t
			}
		}
		atRisk -= d + c
	}
	return math.Inf(1)
}

// Interval is a span of time [Start, End).
type Interval struct{ Start, End time.Time }

// UnionWithin merges overlapping intervals and returns the length of their
// union clipped to [from, to). It sorts ivs in place.
func UnionWithin(ivs []Interval, from, to time.Time) time.Duration {
	sort.Slice(ivs, func(i, j int) bool { return ivs[i].Start.Before(ivs[j].Start) })
	var total time.Duration
	var cur Interval
	have := false
	flush := func() {
		if !have {
			return
		}
		s, e := cur.Start, cur.End
		if s.Before(from) {
			s = from
		}
		if e.After(to) {
			e = to
		}
		if e.After(s) {
			total += e.Sub(s)
		}
	}
	for _, iv := range ivs {
		if !iv.End.After(iv.Start) {
			continue
		}
		if have && !iv.Start.After(cur.End) {
			if iv.End.After(cur.End) {
				cur.End = iv.End
			}
			continue
		}
		flush()
		cur, have = iv, true
	}
	flush()
	return total
}

// Slope is the least-squares slope of ys against 0, 1, 2, ...; 0 for fewer
// than two values.
func Slope(ys []float64) float64 {
	n := float64(len(ys))
	if len(ys) < 2 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for i, y := range ys {
		x := float64(i)
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
	}
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}

// Sink collects the results of one analysis. Each row's Metric and Analysis
// come from its catalogued family.
type Sink struct {
	Results []store.Result
}

// Add appends a row of family f; kv alternates label names and values. NaN
// values (undefined statistics) are skipped.
func (s *Sink) Add(f metrics.Family, v float64, kv ...string) {
	s.add(f, f.ResultName(), v, kv)
}

// AddBucket appends the cumulative count of a histogram's bucket with upper
// bound le; kv are the labels before "le".
func (s *Sink) AddBucket(f metrics.Family, cum float64, le float64, kv ...string) {
	s.add(f, f.ResultName()+metrics.BucketSuffix, cum, append(append([]string(nil), kv...), "le", FormatLe(le)))
}

// AddSum appends a histogram's sum row.
func (s *Sink) AddSum(f metrics.Family, v float64, kv ...string) {
	s.add(f, f.ResultName()+metrics.SumSuffix, v, kv)
}

// AddCount appends a histogram's count row.
func (s *Sink) AddCount(f metrics.Family, n float64, kv ...string) {
	s.add(f, f.ResultName()+metrics.CountSuffix, n, kv)
}

func (s *Sink) add(f metrics.Family, metric string, v float64, kv []string) {
	if math.IsNaN(v) {
		return
	}
	names := make([]string, 0, len(kv)/2)
	values := make([]string, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		names = append(names, kv[i])
		values = append(values, kv[i+1])
	}
	s.Results = append(s.Results, store.Result{Analysis: f.Analysis(), Metric: metric, LabelNames: names, LabelValues: values, Value: v})
}

// AddStats appends p50, p90, p95 and mean rows of a percentile gauge (none
// when there are no values); kv are the labels before "stat".
func (s *Sink) AddStats(f metrics.Family, st Stats, kv ...string) {
	if st.N == 0 {
		return
	}
	for _, x := range []struct {
		stat string
		v    float64
	}{{"p50", st.P50}, {"p90", st.P90}, {"p95", st.P95}, {"mean", st.Avg}} {
		s.Add(f, x.v, append(append([]string(nil), kv...), "stat", x.stat)...)
	}
}

// Wilson is the Wilson score interval (95%) of k successes in n trials;
// [0, 1] when n is 0.
func Wilson(k, n int) (lo, hi float64) {
	if n == 0 {
		return 0, 1
	}
	const z = 1.959964
	p := float64(k) / float64(n)
	nf := float64(n)
	den := 1 + z*z/nf
	mid := (p + z*z/(2*nf)) / den
	half := z * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf)) / den
	return max(0, mid-half), min(1, mid+half)
}

// Ratio is num/den, NaN when den is 0 (so Sink.Add skips it).
func Ratio(num, den int) float64 {
	if den == 0 {
		return math.NaN()
	}
	return float64(num) / float64(den)
}

// DurationBuckets are the upper bounds (seconds) of the incident duration
// histograms: 1m .. 7d; +Inf follows.
var DurationBuckets = []float64{60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 43200, 86400, 172800, 604800}

// FormatLe formats a histogram upper bound as the "le" label value.
func FormatLe(v float64) string {
	if math.IsInf(v, 1) {
		return "+Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
