// Package exportertest makes a small, fixed set of analysis results that
// covers every analysis family of the metrics catalogue, for the exporter's golden
// /metrics and for end-to-end tests of the dashboards and alert rules. Label
// values follow the catalogue's conventions: periods are "30d" and calendar
// months, "empty = all" labels also get an aggregate row with an empty value,
// per-item families name a known set of stale and overdue items.
package exportertest

import (
	"fmt"
	"hash/fnv"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aftermath-sre/aftermath/analyze"
	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
)

// Item is one action item or incident served by a per-item family.
type Item struct {
	Key, Team, Priority string
	Seconds             float64
}

// Known stale and overdue action items of the fixture. Alerts on P1/P2 stale
// items must name exactly the P1 and P2 ones of Stale.
var (
	Overdue = []Item{
		{"ACT-101", "payments", "P1", 9 * 86400},
		{"ACT-102", "payments", "P3", 3 * 86400},
		{"ACT-201", "search", "P2", 20 * 86400},
	}
	Stale = []Item{
		{"ACT-101", "payments", "P1", 12 * 86400},
		{"ACT-203", "search", "P2", 30 * 86400},
		{"ACT-204", "search", "P4", 70 * 86400},
	}
	// OverduePostmortems are incidents whose postmortem is late.
	OverduePostmortems = []struct {
		Incident, Severity, Stage, Team string
		Seconds                         float64
	}{
		{"PD-9001", "SEV1", analyze.StageDraft, "payments", 86400},
		{"PD-9002", "SEV2", analyze.StagePublish, "search", 3 * 86400},
	}
)

// Teams, Services and Severities are the bounded label values of the fixture.
var (
	Teams      = []string{"payments", "search"}
	Services   = []string{"checkout", "search-api"}
	Severities = []string{"SEV1", "SEV2", "SEV3"}
	Priorities = []string{"P1", "P2", "P3"}
)

// Shape sizes a result set. The zero Shape is the small fixture.
type Shape struct {
	Teams    int // services are spread evenly over teams
	Services int
	Themes   int
	Months   int // calendar months written besides "30d"
	Items    int // rows of each per-item family (the analyzers' cap)
}

// LargeOrg is the shape of the simulator's large org (20 teams, 80 services)
// as an analysis run writes it: 13 months, about 40 themes, 200 items per
// per-item family. Every combination is written, so it is an upper bound of
// the series a real run produces.
var LargeOrg = Shape{Teams: 20, Services: 80, Themes: 40, Months: 13, Items: 200}

var allLabels = regexp.MustCompile(`empty ([a-z/]+) = all`)

// Results returns the small fixture: every catalogued metric with at least
// one row, months counted back from end (the run's clock), and the known
// stale and overdue items.
func Results(end time.Time) []store.Result { return ResultsOf(Shape{}, end) }

// ResultsOf returns a result set of the given shape.
func ResultsOf(sh Shape, end time.Time) []store.Result {
	end = end.UTC()
	teams, services, themes := Teams, Services, []string{"t1", "t2"}
	nMonths := 3
	overdue, stale := Overdue, Stale
	type pmItem = struct {
		Incident, Severity, Stage, Team string
		Seconds                         float64
	}
	pms := OverduePostmortems
	owner := map[string]string{"checkout": "payments", "search-api": "search"}
	if sh != (Shape{}) {
		teams, services, themes, owner = nil, nil, nil, map[string]string{}
		for i := range sh.Teams {
			teams = append(teams, fmt.Sprintf("team-%02d", i+1))
		}
		for i := range sh.Services {
			services = append(services, fmt.Sprintf("service-%02d", i+1))
			owner[services[i]] = teams[i%len(teams)]
		}
		for i := range sh.Themes {
			themes = append(themes, fmt.Sprintf("t%d", i+1))
		}
		nMonths = sh.Months
		overdue, stale, pms = nil, nil, nil
		for i := range sh.Items {
			team, pr := teams[i%len(teams)], Priorities[i%len(Priorities)]
			overdue = append(overdue, Item{fmt.Sprintf("ACT-%d", 10000+i), team, pr, float64(86400 * (1 + i))})
			stale = append(stale, Item{fmt.Sprintf("ACT-%d", 20000+i), team, pr, float64(86400 * (7 + i))})
			pms = append(pms, pmItem{fmt.Sprintf("PD-%d", 30000+i), Severities[i%2], analyze.StageDraft, team, float64(3600 * (1 + i))})
		}
	}
	months := []string{analyze.PeriodRolling30d}
	for i := 0; i < nMonths; i++ {
		months = append(months, time.Date(end.Year(), end.Month()-time.Month(i), 1, 0, 0, 0, 0, time.UTC).Format("2006-01"))
	}
	var out []store.Result
	for _, m := range metrics.By(metrics.ByAnalysis) {
		switch m {
		case metrics.ActionItemOverdueSeconds:
			out = append(out, items(m, overdue)...)
			continue
		case metrics.ActionItemStaleSeconds:
			out = append(out, items(m, stale)...)
			continue
		case metrics.PostmortemOverdueSeconds:
			for _, p := range pms {
				out = append(out, row(m, m.ResultName(), p.Seconds, map[string]string{"incident": p.Incident, "severity": p.Severity, "stage": p.Stage, "team": p.Team}))
			}
			continue
		}
		aggregate := map[string]bool{}
		if s := allLabels.FindStringSubmatch(m.Help()); s != nil {
			for _, l := range strings.Split(s[1], "/") {
				aggregate[l] = true
			}
		}
		values := func(label string) []string {
			var vs []string
			switch label {
			case "period":
				vs = months
			case "severity":
				vs = Severities
			case "service":
				vs = services
			case "team":
				vs = teams
			case "priority":
				vs = Priorities
			case "stat":
				vs = []string{analyze.StatP50, analyze.StatP90, analyze.StatP95, analyze.StatMean}
				if strings.Contains(m.Help(), analyze.StatKMP50) {
					vs = []string{analyze.StatKMP50, analyze.StatKMP90}
				}
				if m == metrics.FixRepeatRateRatio {
					vs = []string{analyze.StatEstimate, analyze.StatLower, analyze.StatUpper}
				}
				if m.Analysis() == metrics.AnalysisChange {
					vs = []string{analyze.StatP50, analyze.StatP90}
					if m == metrics.ChangeRatio || m == metrics.ChangeVerdict {
						vs = append(vs, analyze.StatRate)
					}
				}
			case "measure":
				vs = []string{analyze.MeasureIncidents, analyze.MeasureMTTA, analyze.MeasureMTTR}
			case "bound":
				vs = []string{analyze.BoundLower, analyze.BoundUpper}
				if m == metrics.ChangeRatio {
					vs = append([]string{analyze.BoundEstimate}, vs...)
				}
			case "state":
				vs = []string{analyze.StateOpen, analyze.StateClosed}
				if m == metrics.FixPostmortemThemes {
					vs = []string{analyze.FixHeld, analyze.FixFailed, analyze.FixOpen}
				}
			case "phase":
				vs = []string{analyze.PhaseOpen, analyze.PhaseClosed}
			case "stage":
				vs = []string{analyze.StageDraft, analyze.StagePublish}
			case "window":
				vs = []string{"rolling_28d"}
			case "range":
				vs = []string{"1h", "6h", "24h", "3d"}
			case "theme":
				vs = themes
				if m == metrics.ThemeDowntimeSeconds || m == metrics.ThemeErrorBudgetConsumedRatio || m == metrics.ThemeDowntimeCost {
					vs = append(slices.Clone(themes), analyze.ThemeNoPostmortem)
				}
			case "label":
				vs = []string{"deploy config"}
			case "rule":
				vs = []string{"blame_person", "human_error", "vague_action"}
			case "section":
				vs = []string{"timeline", "lessons"}
			case "kind":
				vs = []string{"merge", "split"}
				if strings.HasPrefix(m.ResultName(), "fix_") {
					vs = []string{"investigate", "prevent"}
				}
			case "analysis":
				vs = []string{analyze.AnalysisResponse, analyze.AnalysisThemes}
			case "table":
				vs = []string{"incidents", "action_items"}
			case "field":
				vs = []string{"severity"}
			default:
				vs = []string{"x"}
			}
			if aggregate[label] {
				vs = append([]string{""}, vs...)
			}
			return vs
		}
		for _, combo := range product(m.Labels(), values) {
			// "empty = all" metrics break down by at most one of those labels.
			broken := 0
			for _, l := range m.Labels() {
				if aggregate[l] && combo[l] != "" {
					broken++
				}
			}
			if broken > 1 {
				continue
			}
			// A service belongs to one team.
			if svc, ok := combo["service"]; ok && svc != "" {
				if team, ok := combo["team"]; ok && team != "" && owner[svc] != team {
					continue
				}
			}
			if m == metrics.ThemeInfo {
				combo["label"] = "theme " + combo["theme"]
			}
			if m.Type() == metrics.Histogram {
				out = append(out, histogram(m, combo)...)
				continue
			}
			out = append(out, row(m, m.ResultName(), value(m, combo), combo))
		}
	}
	return out
}

func items(m metrics.Family, its []Item) []store.Result {
	var out []store.Result
	for _, it := range its {
		out = append(out, row(m, m.ResultName(), it.Seconds, map[string]string{"key": it.Key, "team": it.Team, "priority": it.Priority}))
	}
	return out
}

// product enumerates every combination of label values.
func product(labels []string, values func(string) []string) []map[string]string {
	out := []map[string]string{{}}
	for _, l := range labels {
		var next []map[string]string
		for _, c := range out {
			for _, v := range values(l) {
				n := make(map[string]string, len(c)+1)
				for k, x := range c {
					n[k] = x
				}
				n[l] = v
				next = append(next, n)
			}
		}
		out = next
	}
	return out
}

func row(m metrics.Family, metric string, v float64, labels map[string]string, extra ...string) store.Result {
	r := store.Result{Analysis: m.Analysis(), Metric: metric, Value: v}
	for _, l := range m.Labels() {
		r.LabelNames = append(r.LabelNames, l)
		r.LabelValues = append(r.LabelValues, labels[l])
	}
	for i := 0; i+1 < len(extra); i += 2 {
		r.LabelNames = append(r.LabelNames, extra[i])
		r.LabelValues = append(r.LabelValues, extra[i+1])
	}
	return r
}

// value is a stable, plausible value for a gauge row.
func value(m metrics.Family, labels map[string]string) float64 {
	h := fnv.New32a()
	h.Write([]byte(m.ResultName()))
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(h, "\xff%s=%s", k, labels[k])
	}
	x := float64(h.Sum32()%1000) / 1000 // [0, 1)
	switch {
	case m == metrics.ThemeInfo || m == metrics.SLOBreached:
		return 1
	case m == metrics.ChangeVerdict:
		return float64(int(3*x)) - 1 // -1, 0 or 1
	case m == metrics.SLOObjectiveRatio:
		return 0.999
	case m == metrics.ErrorBudgetRemainingRatio:
		return 1 - 1.2*x
	case strings.HasSuffix(m.ResultName(), "_ratio"):
		return 0.05 + 0.9*x
	case m == metrics.ErrorBudgetBurnRate:
		return 0.2 + 20*x
	case strings.HasSuffix(m.ResultName(), "_seconds"):
		return float64(int(60 + 86400*x))
	default:
		return float64(1 + int(40*x))
	}
}

// histogram returns Prometheus-style rows: cumulative buckets, sum and count.
func histogram(m metrics.Family, labels map[string]string) []store.Result {
	bounds := analyze.DurationBuckets()
	var out []store.Result
	cum := 0.0
	total := 2 * float64(len(bounds))
	for i, b := range bounds {
		cum += float64(1 + i%3)
		cum = min(cum, total)
		out = append(out, row(m, m.ResultName()+metrics.BucketSuffix, cum, labels, "le", analyze.FormatLe(b)))
	}
	out = append(out, row(m, m.ResultName()+metrics.BucketSuffix, total, labels, "le", "+Inf"))
	out = append(out, row(m, m.ResultName()+metrics.SumSuffix, total*1800, labels))
	out = append(out, row(m, m.ResultName()+metrics.CountSuffix, total, labels))
	return out
}
