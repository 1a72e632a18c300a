// Package response measures how incidents are handled: counts by severity,
// service and team, MTTA and MTTR percentiles, time to detect, and the
// SLO impact of customer-impacting downtime.
package response

import (
	"math"
	"sort"
	"time"

	"github.com/aftermath-sre/aftermath/analyze/internal/calc"
	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
)

// Severities are the known incident severities; anything else is "unknown".
var severities = []string{"SEV1", "SEV2", "SEV3", "SEV4", "SEV5"}

// Severities returns the known incident severities, most severe first.
func Severities() []string { return append([]string(nil), severities...) }

// Severity maps a stored severity to a label value.
func Severity(s string) string {
	for _, k := range severities {
		if s == k {
			return s
		}
	}
	return store.SeverityUnknown
}

// Merged reports whether an incident was merged into another (such incidents
// are duplicates and are excluded from every measure).
func Merged(inc *store.Incident) bool {
	return inc.Merged || inc.MergedInto != ""
}

// Resolved reports whether an incident is resolved.
func Resolved(inc *store.Incident) bool { return !inc.ResolvedAt.IsZero() }

// Label returns v, or "unknown" when it is empty.
func Label(v string) string {
	if v == "" {
		return "unknown"
	}
	return v
}

// ServiceOf and TeamOf are the label values of an incident's service and
// owning team: the names, falling back to the ids.
func ServiceOf(inc *store.Incident) string {
	if inc.ServiceName != "" {
		return inc.ServiceName
	}
	return Label(inc.ServiceID)
}

// TeamOf is the label value of an incident's owning team.
func TeamOf(inc *store.Incident) string {
	if inc.TeamName != "" {
		return inc.TeamName
	}
	return Label(inc.TeamID)
}

// Input is what Compute reads.
type Input struct {
	Incidents   []store.Incident
	Postmortems []store.Postmortem
	Periods     calc.Periods
	// TrendMonths is how many complete months the severity trend spans; 0 means 6.
	TrendMonths int
}

type breakdown struct{ sev, svc, team string }

// Compute returns the results of the "response" analysis.
func Compute(in Input) []store.Result {
	s := calc.Sink{}
	ps := in.Periods
	now := ps.Now
	type countKey struct {
		period         int
		sev, svc, team string
	}
	counts := map[countKey]int{}
	bySev := make([]map[string]int, len(ps.All))
	mtta := make([]map[breakdown][]float64, len(ps.All))
	mttr := make([]map[breakdown][]float64, len(ps.All))
	for i := range ps.All {
		bySev[i] = map[string]int{}
		mtta[i] = map[breakdown][]float64{}
		mttr[i] = map[breakdown][]float64{}
	}
	type openKey struct{ sev, svc, team string }
	open := map[openKey]int{}
	buckets := calcBuckets()
	ackHist := map[string]*hist{}
	resHist := map[string]*hist{}
	var dataStart time.Time

	for i := range in.Incidents {
		inc := &in.Incidents[i]
		if Merged(inc) || inc.CreatedAt.After(now) {
			continue // duplicates, and incidents the run's clock has not reached
		}
		sev, svc, team := Severity(inc.Severity), ServiceOf(inc), TeamOf(inc)
		if dataStart.IsZero() || inc.CreatedAt.Before(dataStart) {
			dataStart = inc.CreatedAt
		}
		if !Resolved(inc) {
			open[openKey{sev, svc, team}]++
		}
		var ack, res float64 = -1, -1
		if !inc.AcknowledgedAt.IsZero() {
			ack = math.Max(0, inc.AcknowledgedAt.Sub(inc.CreatedAt).Seconds())
		}
		if Resolved(inc) {
			res = math.Max(0, inc.ResolvedAt.Sub(inc.CreatedAt).Seconds())
		}
		ps.Of(inc.CreatedAt, func(p int) {
			counts[countKey{p, sev, svc, team}]++
			bySev[p][sev]++
			keys := [4]breakdown{{}, {sev: sev}, {svc: svc}, {team: team}}
			for _, k := range keys {
				if ack >= 0 {
					mtta[p][k] = append(mtta[p][k], ack)
				}
				if res >= 0 {
					mttr[p][k] = append(mttr[p][k], res)
				}
			}
			if p == 0 {
				if ack >= 0 {
					h(ackHist, sev, buckets).observe(ack)
				}
				if res >= 0 {
					h(resHist, sev, buckets).observe(res)
				}
			}
		})
	}

	ckeys := make([]countKey, 0, len(counts))
	for k := range counts {
		ckeys = append(ckeys, k)
	}
	sort.Slice(ckeys, func(i, j int) bool {
		a, b := ckeys[i], ckeys[j]
		if a.period != b.period {
			return a.period < b.period
		}
		if a.sev != b.sev {
			return a.sev < b.sev
		}
		if a.svc != b.svc {
			return a.svc < b.svc
		}
		return a.team < b.team
	})
	for _, k := range ckeys {
		s.Add(metrics.Incidents, float64(counts[k]), "period", ps.All[k.period].Label, "severity", k.sev, "service", k.svc, "team", k.team)
	}
	for p, per := range ps.All {
		for _, sev := range severities {
			s.Add(metrics.IncidentsBySeverity, float64(bySev[p][sev]), "period", per.Label, "severity", sev)
		}
		if n := bySev[p][store.SeverityUnknown]; n > 0 {
			s.Add(metrics.IncidentsBySeverity, float64(n), "period", per.Label, "severity", store.SeverityUnknown)
		}
	}

	// Trend over the last complete months that the data covers.
	trendN := in.TrendMonths
	if trendN <= 0 {
		trendN = 6
	}
	months := ps.Months()
	var idx []int // indices into ps.All of complete months covered by data
	for m := len(months) - 2; m >= 0 && len(idx) < trendN; m-- {
		if dataStart.IsZero() || months[m].From.Before(dataStart) {
			break
		}
		idx = append([]int{m + 1}, idx...)
	}
	if len(idx) >= 2 {
		for _, sev := range severities {
			ys := make([]float64, len(idx))
			for i, p := range idx {
				ys[i] = float64(bySev[p][sev])
			}
			s.Add(metrics.IncidentsMonthlyTrend, calc.Slope(ys), "severity", sev)
		}
	}

	okeys := make([]openKey, 0, len(open))
	for k := range open {
		okeys = append(okeys, k)
	}
	sort.Slice(okeys, func(i, j int) bool {
		a, b := okeys[i], okeys[j]
		if a.sev != b.sev {
			return a.sev < b.sev
		}
		if a.svc != b.svc {
			return a.svc < b.svc
		}
		return a.team < b.team
	})
	for _, k := range okeys {
		s.Add(metrics.IncidentsOpen, float64(open[k]), "severity", k.sev, "service", k.svc, "team", k.team)
	}

	for p, per := range ps.All {
		for _, m := range []struct {
			f    metrics.Family
			data map[breakdown][]float64
		}{{metrics.MTTASeconds, mtta[p]}, {metrics.MTTRSeconds, mttr[p]}} {
			keys := make([]breakdown, 0, len(m.data))
			for k := range m.data {
				keys = append(keys, k)
			}
			sort.Slice(keys, func(i, j int) bool {
				a, b := keys[i], keys[j]
				if a.sev != b.sev {
					return a.sev < b.sev
				}
				if a.svc != b.svc {
					return a.svc < b.svc
				}
				return a.team < b.team
			})
			for _, k := range keys {
				s.AddStats(m.f, calc.Summarize(m.data[k]), "period", per.Label, "severity", k.sev, "service", k.svc, "team", k.team)
			}
		}
	}
	writeHists(&s, metrics.IncidentAckDurationSeconds, ackHist, buckets)
	writeHists(&s, metrics.IncidentResolveDurationSeconds, resHist, buckets)

	// Time to detect, from the postmortems that state it.
	ttd := make([]map[string][]float64, len(ps.All))
	for i := range ttd {
		ttd[i] = map[string][]float64{}
	}
	for i := range in.Postmortems {
		pm := &in.Postmortems[i]
		if pm.TimeToDetect <= 0 {
			continue
		}
		v := pm.TimeToDetect.Seconds()
		sev := Severity(pm.Severity)
		ps.Of(pm.CreatedAt, func(p int) {
			ttd[p][""] = append(ttd[p][""], v)
			ttd[p][sev] = append(ttd[p][sev], v)
		})
	}
	for p, per := range ps.All {
		keys := make([]string, 0, len(ttd[p]))
		for k := range ttd[p] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			s.AddStats(metrics.TimeToDetectSeconds, calc.Summarize(ttd[p][k]), "period", per.Label, "severity", k)
		}
	}
	return s.Results
}

func calcBuckets() []float64 { return calc.DurationBuckets }

type hist struct {
	counts []uint64 // per bucket, not cumulative; last is +Inf
	sum    float64
	n      uint64
}

func h(m map[string]*hist, k string, buckets []float64) *hist {
	x := m[k]
	if x == nil {
		x = &hist{counts: make([]uint64, len(buckets)+1)}
		m[k] = x
	}
	return x
}

func (x *hist) observe(v float64) {
	i := sort.SearchFloat64s(calc.DurationBuckets, v) // first bound >= v
	x.counts[i]++
	x.sum += v
	x.n++
}

func writeHists(s *calc.Sink, f metrics.Family, m map[string]*hist, buckets []float64) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		x := m[k]
		var cum uint64
		for i := range x.counts {
			cum += x.counts[i]
			le := math.Inf(1)
			if i < len(buckets) {
				le = buckets[i]
			}
			s.AddBucket(f, float64(cum), le, "severity", k)
		}
		s.AddSum(f, x.sum, "severity", k)
		s.AddCount(f, float64(x.n), "severity", k)
	}
}
