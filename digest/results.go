package digest

import (
	"math"
	"sort"

	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
)

// results indexes one analysis run's rows by metric and by period, so the
// builder can ask for a value with exact labels or a sum over free labels.
type results struct {
	byMetric map[string]*metricRows
	// excluded periods read as having no rows (months before the data starts)
	excluded map[string]bool
	// incidentsFrom, when set, is the first month with incident data, later
	// than the other sources' (a PagerDuty history shorter than Jira's):
	// the incident-derived families read as having no rows before it.
	incidentsFrom string
}

type metricRows struct {
	all      []store.Result
	byPeriod map[string][]store.Result
}

func indexResults(rows []store.Result) *results {
	r := &results{byMetric: map[string]*metricRows{}, excluded: map[string]bool{}}
	for _, row := range rows {
		m := r.byMetric[row.Metric]
		if m == nil {
			m = &metricRows{byPeriod: map[string][]store.Result{}}
			r.byMetric[row.Metric] = m
		}
		m.all = append(m.all, row)
		if p := row.Label("period"); p != "" {
			m.byPeriod[p] = append(m.byPeriod[p], row)
		}
	}
	return r
}

// L is a set of label values; a label not named is "".
type L map[string]string

func (r *results) rows(metric metrics.Family, labels L) []store.Result {
	m := r.byMetric[metric.ResultName()]
	if m == nil {
		return nil
	}
	if p, ok := labels["period"]; ok && p != "" {
		if r.excluded[p] || r.beforeIncidents(metric, p) {
			return nil
		}
		return m.byPeriod[p]
	}
	return m.all
}

// value returns the row whose every label equals labels (a label not named
// must be empty: the "all" row of an "empty = all" metric).
func (r *results) value(metric metrics.Family, labels L) (float64, bool) {
	for _, row := range r.rows(metric, labels) {
		if exact(row, labels) {
			if math.IsNaN(row.Value) {
				return 0, false
			}
			return row.Value, true
		}
	}
	return 0, false
}

func exact(row store.Result, labels L) bool {
	for i, name := range row.LabelNames {
		if i >= len(row.LabelValues) || row.LabelValues[i] != labels[name] {
			return false
		}
	}
	for name, v := range labels {
		if v != "" && !hasLabel(row, name) {
			return false
		}
	}
	return true
}

func hasLabel(row store.Result, name string) bool {
	for _, n := range row.LabelNames {
		if n == name {
			return true
		}
	}
	return false
}

// sum adds the rows matching filter (labels not named are free). ok is false
// when no row matched.
func (r *results) sum(metric metrics.Family, filter L) (float64, bool) {
	total, ok := 0.0, false
	for _, row := range r.rows(metric, filter) {
		if matches(row, filter) && !math.IsNaN(row.Value) {
			total += row.Value
			ok = true
		}
	}
	return total, ok
}

func matches(row store.Result, filter L) bool {
	for name, want := range filter {
		if row.Label(name) != want {
			return false
		}
	}
	return true
}

// has reports whether the run wrote the metric at all.
func (r *results) has(metric metrics.Family) bool { return r.byMetric[metric.ResultName()] != nil }

// labelValues lists the distinct values of a label among rows matching filter.
func (r *results) labelValues(metric metrics.Family, label string, filter L) []string {
	seen := map[string]bool{}
	for _, row := range r.rows(metric, filter) {
		if matches(row, filter) {
			seen[row.Label(label)] = true
		}
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// periods lists the periods a metric has rows for.
func (r *results) periods(metric metrics.Family) map[string]bool {
	out := map[string]bool{}
	if m := r.byMetric[metric.ResultName()]; m != nil {
		for p := range m.byPeriod {
			out[p] = true
		}
	}
	return out
}

// series reads metric for each month with the given labels (exact match).
func (r *results) series(months []string, metric metrics.Family, labels L) Series {
	s := newSeries(months)
	for i, m := range months {
		l := L{"period": m}
		for k, v := range labels {
			l[k] = v
		}
		if v, ok := r.value(metric, l); ok {
			s.set(i, v)
		}
	}
	return s
}

// sumSeries sums metric over free labels for each month; a month the run
// covers but without matching rows is 0 (counts are written only when
// non-zero).
func (r *results) sumSeries(months []string, covered map[string]bool, metric metrics.Family, filter L) Series {
	s := newSeries(months)
	for i, m := range months {
		f := L{"period": m}
		for k, v := range filter {
			f[k] = v
		}
		v, _ := r.sum(metric, f)
		if covered[m] && !r.beforeIncidents(metric, m) {
			s.set(i, v)
		}
	}
	return s
}

// incidentFamilies are the families derived from incidents besides those of
// the response, SLO and recurrence analyses.
var incidentFamilies = map[metrics.Family]bool{metrics.PostmortemsRequired: true, metrics.PostmortemCoverageRatio: true}

// beforeIncidents reports whether period comes before the incident data
// (incidentsFrom) and metric is derived from incidents: its zeros there
// mean no data, not no incidents.
func (r *results) beforeIncidents(metric metrics.Family, period string) bool {
	if !r.noIncidentData(period) {
		return false
	}
	switch metric.Analysis() {
	case metrics.AnalysisResponse, metrics.AnalysisSLO, metrics.AnalysisRecurrence:
		return true
	}
	return incidentFamilies[metric]
}

// noIncidentData reports whether the month period comes before the incident
// data (incidentsFrom).
func (r *results) noIncidentData(period string) bool {
	return r.incidentsFrom != "" && len(period) == 7 && period < r.incidentsFrom
}
