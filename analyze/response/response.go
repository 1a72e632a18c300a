// Package response measures how incidents are handled: counts by severity,
// service and team, MTTA and MTTR percentiles, time to detect, and the
// SLO impact of customer-impacting downtime.
package response

import (
	"context"
	"math"
	"sort"

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
	Periods calc.Periods
	// Teams maps stored team names onto their labels (see store.Scope).
	Teams map[string]string
	// TrendMonths is how many complete months the severity trend spans; 0 means 6.
	TrendMonths int
}

type breakdown struct{ sev, svc, team string }

// Compute returns the results of the "response" analysis. ClickHouse
// counts the incidents and computes the percentiles (store aggregates).
func Compute(ctx context.Context, st *store.Store, in Input) ([]store.Result, error) {
	s := calc.Sink{}
	ps := in.Periods
	sc := ps.Scope(in.Teams)
	counts, err := st.IncidentCounts(ctx, sc)
	if err != nil {
		return nil, err
	}
	sort.Slice(counts, func(i, j int) bool {
		a, b := counts[i], counts[j]
		if a.Period != b.Period {
			return a.Period < b.Period
		}
		if a.Severity != b.Severity {
			return a.Severity < b.Severity
		}
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		return a.Team < b.Team
	})
	bySev := make([]map[string]int, len(ps.All))
	for i := range bySev {
		bySev[i] = map[string]int{}
	}
	for _, c := range counts {
		s.Add(metrics.Incidents, float64(c.N), "period", ps.All[c.Period].Label, "severity", c.Severity, "service", c.Service, "team", c.Team)
		bySev[c.Period][c.Severity] += c.N
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
	dataStart, _, err := st.FirstIncidentAt(ctx, sc)
	if err != nil {
		return nil, err
	}
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
	open, err := st.OpenIncidentCounts(ctx, sc)
	if err != nil {
		return nil, err
	}
	sort.Slice(open, func(i, j int) bool {
		a, b := open[i], open[j]
		if a.Severity != b.Severity {
			return a.Severity < b.Severity
		}
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		return a.Team < b.Team
	})
	for _, c := range open {
		s.Add(metrics.IncidentsOpen, float64(c.N), "severity", c.Severity, "service", c.Service, "team", c.Team)
	}
	stats, err := st.ResponseStats(ctx, sc)
	if err != nil {
		return nil, err
	}
	measure := map[string]int{store.MeasureAck: 0, store.MeasureResolve: 1}
	sort.Slice(stats, func(i, j int) bool {
		a, b := stats[i], stats[j]
		if a.Period != b.Period {
			return a.Period < b.Period
		}
		if a.Measure != b.Measure {
			return measure[a.Measure] < measure[b.Measure]
		}
		if a.Severity != b.Severity {
			return a.Severity < b.Severity
		}
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		return a.Team < b.Team
	})
	for _, x := range stats {
		f := metrics.MTTASeconds
		if x.Measure == store.MeasureResolve {
			f = metrics.MTTRSeconds
		}
		s.AddStats(f, calc.StatsOf(x.Stats), "period", ps.All[x.Period].Label, "severity", x.Severity, "service", x.Service, "team", x.Team)
	}
	// Histograms of the rolling period by severity.
	hists, err := st.ResponseHistograms(ctx, sc, 0, calc.DurationBuckets)
	if err != nil {
		return nil, err
	}
	for _, m := range []struct {
		f       metrics.Family
		measure string
	}{{metrics.IncidentAckDurationSeconds, store.MeasureAck}, {metrics.IncidentResolveDurationSeconds, store.MeasureResolve}} {
		for _, x := range hists {
			if x.Measure == m.measure {
				writeHist(&s, m.f, x, calc.DurationBuckets)
			}
		}
	}
	// Time to detect, from the postmortems that state it.
	ttd, err := st.DetectStats(ctx, sc)
	if err != nil {
		return nil, err
	}
	sort.Slice(ttd, func(i, j int) bool {
		if ttd[i].Period != ttd[j].Period {
			return ttd[i].Period < ttd[j].Period
		}
		return ttd[i].Severity < ttd[j].Severity
	})
	for _, x := range ttd {
		s.AddStats(metrics.TimeToDetectSeconds, calc.StatsOf(x.Stats), "period", ps.All[x.Period].Label, "severity", x.Severity)
	}
	return s.Results, nil
}

// writeHist writes one severity's histogram rows (cumulative buckets, sum,
// count).
func writeHist(s *calc.Sink, f metrics.Family, x store.Histogram, buckets []float64) {
	var cum uint64
	for i := range x.Counts {
		cum += x.Counts[i]
		le := math.Inf(1)
		if i < len(buckets) {
			le = buckets[i]
		}
		s.AddBucket(f, float64(cum), le, "severity", x.Severity)
	}
	s.AddSum(f, x.Sum, "severity", x.Severity)
	s.AddCount(f, float64(x.N), "severity", x.Severity)
}
