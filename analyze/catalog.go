// Package analyze turns stored incidents, postmortems and action items into
// the results the exporter and the digest read. Catalog lists every metric an
// analysis run writes to analysis_results; the analysis_items table (migration
// 0002) holds what the digest needs beyond numbers.
package analyze

import (
	"sort"

	"github.com/aftermath-sre/aftermath/analyze/internal/calc"
)

// Analysis names, the Result.Analysis of every row.
const (
	AnalysisResponse   = "response"
	AnalysisSLO        = "slo"
	AnalysisActions    = "actions"
	AnalysisProcess    = "process"
	AnalysisLanguage   = "language"
	AnalysisThemes     = "themes"
	AnalysisRecurrence = "recurrence"
	AnalysisRun        = "run"
)

// Kind is how a catalogued metric is stored and exported.
type Kind string

// Kinds.
const (
	// Gauge rows store one value per label set under the metric's name.
	Gauge Kind = "gauge"
	// Histogram rows are stored Prometheus-style: Name+"_bucket" rows with an
	// extra trailing "le" label (cumulative counts, upper bounds formatted by
	// FormatLe, the last one "+Inf"), plus Name+"_sum" and Name+"_count" rows
	// with the catalogued labels only.
	Histogram Kind = "histogram"
)

// Period label values. Every "period" label is either PeriodRolling30d (the
// 30 days ending at the run's clock) or a calendar month "YYYY-MM" computed in
// Options.Location; a run writes the current month and the 12 before it.
const PeriodRolling30d = "30d"

// Stat label values of the percentile gauges.
const (
	StatP50  = "p50"
	StatP90  = "p90"
	StatP95  = "p95"
	StatMean = "mean"
	// Kaplan–Meier quantiles of time to close (open items censored).
	StatKMP50 = "km_p50"
	StatKMP90 = "km_p90"
)

// Other bounded label values.
const (
	StateOpen    = "open"
	StateClosed  = "closed"
	StageDraft   = "draft"
	StagePublish = "publish"
	ProblemOver  = "overdue"
	ProblemStale = "stale"
)

// DurationBuckets returns the upper bounds (seconds) of the incident duration
// histograms, 1m .. 7d (+Inf follows).
func DurationBuckets() []float64 { return append([]float64(nil), calc.DurationBuckets...) }

// Metric describes one metric family of analysis_results.
type Metric struct {
	Name     string   // without the "aftermath_" prefix
	Analysis string   // one of the Analysis* constants
	Labels   []string // label names, in the order rows store them
	Help     string
	Kind     Kind
}

// Item kinds of analysis_items, with their fields.
const (
	// ItemLanguageFinding: subject (postmortem|action_item), section, rule,
	// sentence, phrase, why, title, url, start, end (byte offsets of the
	// sentence in the section's text). Key is the postmortem or item key.
	ItemLanguageFinding = "language_finding"
	// ItemHighlight: section (lessons|lucky), quote, title, url, severity,
	// published_at. Key is the postmortem; Period the month of publication.
	ItemHighlight = "highlight"
	// ItemOldestOpenActionItem: summary, priority, status, assignee,
	// postmortem, created_at, url, due_date, overdue_seconds, stale_seconds.
	// Value is the age in seconds; Rank orders a team's items, oldest first.
	ItemOldestOpenActionItem = "oldest_open_action_item"
	// ItemOverduePostmortem: stage, title, severity, resolved_at, url. Key
	// is the incident; Value the seconds past target.
	ItemOverduePostmortem = "overdue_postmortem"
	// ItemRecurringGroup: title, severity, repeats, incidents (up to 10
	// ids), first_at, last_at, reason (title|theme|title+theme), url. Key
	// is the group's first incident; Value the group's incidents in the month.
	ItemRecurringGroup = "recurring_group"
	// ItemTheme: label, top_terms, families (comma-separated),
	// representative (factor id "PM-1#2"), representative_text, size.
	// Key is the theme id; Value its size.
	ItemTheme = "theme"
	// ItemThemeChange: change (new|merge|split|retired), themes
	// (comma-separated), into, from.
	ItemThemeChange = "theme_change"
)

// Conventions of the catalogue:
//   - Label values come from bounded sets: severities SEV1..SEV5 and
//     "unknown", priorities P1..P5 and "unknown", the org's teams and services,
//     theme ids, template sections, language rules, periods as above. Item
//     keys and incident ids appear only in the *_seconds per-item gauges,
//     whose rows are capped (Options.MaxItemSeries, worst first).
//   - Where a Help says "empty = all", a row with an empty label value is the
//     aggregate over that label (percentiles cannot be summed). Such metrics
//     break down by at most one of the labels marked so.
//   - Counts (incidents, action items, factors) are written for every
//     non-zero combination; the *_by_severity and ratio metrics are written
//     for every period even when zero or, for ratios, only when defined.
var catalog = []Metric{
	// response
	{"incidents", AnalysisResponse, []string{"period", "severity", "service", "team"}, "Incidents created in the period (merged incidents excluded), by severity, service and owning team.", Gauge},
	{"incidents_by_severity", AnalysisResponse, []string{"period", "severity"}, "Incidents created in the period by severity, zero included (merged incidents excluded).", Gauge},
	{"incidents_monthly_trend", AnalysisResponse, []string{"severity"}, "Least-squares slope of the monthly incident count over the last six complete months, in incidents per month.", Gauge},
	{"incidents_open", AnalysisResponse, []string{"severity", "service", "team"}, "Incidents not resolved at the time of the run.", Gauge},
	{"mtta_seconds", AnalysisResponse, []string{"period", "severity", "service", "team", "stat"}, "Time from trigger to first acknowledgement of incidents created in the period (p50, p90, p95, mean; merged excluded; empty severity/service/team = all).", Gauge},
	{"mttr_seconds", AnalysisResponse, []string{"period", "severity", "service", "team", "stat"}, "Time from trigger to resolve of incidents created in the period (p50, p90, p95, mean; merged excluded; empty severity/service/team = all).", Gauge},
	{"incident_ack_duration_seconds", AnalysisResponse, []string{"severity"}, "Histogram of time to first acknowledgement of incidents created in the last 30 days (merged excluded).", Histogram},
	{"incident_resolve_duration_seconds", AnalysisResponse, []string{"severity"}, "Histogram of time to resolve of incidents created in the last 30 days (merged excluded).", Histogram},
	{"time_to_detect_seconds", AnalysisResponse, []string{"period", "severity", "stat"}, "Time to detect stated in postmortems created in the period (p50, p90, p95, mean; empty severity = all).", Gauge},

	// slo
	{"slo_objective_ratio", AnalysisSLO, []string{"service", "window"}, "Configured availability objective of the service's SLO.", Gauge},
	{"error_budget_consumed_ratio", AnalysisSLO, []string{"service", "window"}, "Share of the error budget consumed by customer-impacting downtime in the current SLO window (can exceed 1).", Gauge},
	{"error_budget_remaining_ratio", AnalysisSLO, []string{"service", "window"}, "Share of the error budget left in the current SLO window (1 - consumed; negative when breached).", Gauge},
	{"error_budget_burn_rate", AnalysisSLO, []string{"service", "range"}, "Downtime share over the trailing range (1h, 6h, 24h, 3d) divided by the error budget share; 1 spends the budget exactly over the window.", Gauge},
	{"downtime_seconds", AnalysisSLO, []string{"service", "period"}, "Customer-impacting downtime in the period, overlapping incidents on the service merged.", Gauge},
	{"availability_ratio", AnalysisSLO, []string{"service", "period"}, "1 - downtime / length of the period (elapsed part for the current month).", Gauge},
	{"slo_breached", AnalysisSLO, []string{"service", "period"}, "1 when the period's downtime exceeded the error budget of a period of that length, else 0.", Gauge},
	{"downtime_cost", AnalysisSLO, []string{"service", "period"}, "Cost of the period's downtime at the configured hourly cost, in the configured currency.", Gauge},

	// actions
	{"action_items", AnalysisActions, []string{"state", "priority", "team"}, "Action items by state (open, closed), priority and team at the time of the run.", Gauge},
	{"action_items_created", AnalysisActions, []string{"period", "team"}, "Action items created in the period, by team.", Gauge},
	{"action_items_completed", AnalysisActions, []string{"period", "team"}, "Action items resolved in the period, by team.", Gauge},
	{"action_items_overdue", AnalysisActions, []string{"priority", "team"}, "Open action items past their due date.", Gauge},
	{"action_items_stale", AnalysisActions, []string{"priority", "team"}, "Open action items without activity for longer than their priority's stale_after.", Gauge},
	{"action_items_unowned", AnalysisActions, []string{"priority", "team"}, "Open action items without an assignee.", Gauge},
	{"action_items_without_due_date", AnalysisActions, []string{"priority", "team"}, "Open action items without a due date.", Gauge},
	{"action_items_reopened", AnalysisActions, []string{"priority", "team"}, "Action items moved from done back to an open status at least once.", Gauge},
	{"action_items_closed_within_slo_ratio", AnalysisActions, []string{"priority", "team"}, "Share of action items closed within their priority's closure SLO, among items closed or past the SLO (empty priority/team = all).", Gauge},
	{"action_item_time_to_close_seconds", AnalysisActions, []string{"priority", "stat"}, "Kaplan-Meier quantiles (km_p50, km_p90) of time from creation to close, open items censored; +Inf when the curve never falls that low (empty priority = all).", Gauge},
	{"action_item_oldest_open_age_seconds", AnalysisActions, []string{"priority", "team"}, "Age of the oldest open action item.", Gauge},
	{"action_item_overdue_seconds", AnalysisActions, []string{"key", "team", "priority"}, "Time past the due date of one open overdue action item (capped, most overdue first).", Gauge},
	{"action_item_stale_seconds", AnalysisActions, []string{"key", "team", "priority"}, "Time since the last activity of one open stale action item (capped, stalest first).", Gauge},
	{"postmortems_without_action_items", AnalysisActions, []string{"severity"}, "Published postmortems with no action item.", Gauge},

	// process
	{"postmortems_required", AnalysisProcess, []string{"period", "severity"}, "Resolved incidents created in the period whose severity requires a postmortem (empty severity = all required).", Gauge},
	{"postmortem_coverage_ratio", AnalysisProcess, []string{"period", "severity"}, "Share of the resolved incidents requiring a postmortem that have one (empty severity = all required).", Gauge},
	{"postmortem_lag_seconds", AnalysisProcess, []string{"period", "stage", "stat"}, "Time from incident resolve (the last of its incidents) to postmortem draft or publish, for postmortems whose incidents resolved in the period (p50, p90, p95, mean).", Gauge},
	{"postmortem_lag_target_seconds", AnalysisProcess, []string{"stage"}, "Configured target for the time from resolve to draft and to publish.", Gauge},
	{"postmortem_within_target_ratio", AnalysisProcess, []string{"period", "stage"}, "Share of postmortems drafted or published within target, among those whose incident resolved in the period and whose target has passed.", Gauge},
	{"postmortems_overdue", AnalysisProcess, []string{"stage", "severity"}, "Incidents requiring a postmortem, resolved in the lookback, whose postmortem is not drafted or not published within target as of the run.", Gauge},
	{"postmortem_overdue_seconds", AnalysisProcess, []string{"incident", "severity", "stage", "team"}, "Time past target of one incident's missing draft or publication (capped, most overdue first).", Gauge},
	{"postmortem_completeness_ratio", AnalysisProcess, []string{"period"}, "Mean share of the template's sections present in postmortems created in the period.", Gauge},
	{"postmortem_sections_missing", AnalysisProcess, []string{"period", "section"}, "Postmortems created in the period missing the template section.", Gauge},
	{"action_items_owner_and_due_ratio", AnalysisProcess, []string{"period"}, "Share of action items created in the period that have both an owner and a due date.", Gauge},

	// language
	{"language_findings", AnalysisLanguage, []string{"period", "rule"}, "Findings in postmortems (blame, counterfactuals, human error as root cause) and action items (vague wording, unowned, no due date) created in the period, by rule.", Gauge},
	{"postmortems_with_blame_ratio", AnalysisLanguage, []string{"period"}, "Share of postmortems created in the period with at least one blame finding.", Gauge},
	{"action_items_vague_ratio", AnalysisLanguage, []string{"period"}, "Share of action items created in the period with at least one vagueness finding.", Gauge},

	// themes
	{"themes", AnalysisThemes, nil, "Contributing-factor themes after this run's clustering.", Gauge},
	{"theme_info", AnalysisThemes, []string{"theme", "label", "class"}, "Human-readable label of a contributing-factor theme and the cause class most of its factors have; value 1.", Gauge},
	{"theme_factors", AnalysisThemes, []string{"period", "theme"}, "Contributing factors of postmortems created in the period, by theme.", Gauge},
	{"theme_factors_by_team", AnalysisThemes, []string{"period", "theme", "team"}, "Contributing factors of postmortems created in the period, by theme and the postmortem's team.", Gauge},
	{"theme_factors_by_service", AnalysisThemes, []string{"period", "theme", "service"}, "Contributing factors of postmortems created in the period, by theme and the postmortem's service.", Gauge},
	{"cause_class_factors", AnalysisThemes, []string{"period", "class"}, "Contributing factors of postmortems created in the period, by cause class (code bug, configuration, deployment, capacity and load, dependency or third party, hardware and infrastructure, network, data, security, process, unclassified).", Gauge},
	{"theme_changes", AnalysisThemes, []string{"kind"}, "Theme changes against the previous run, by kind (merge, split, new, retired).", Gauge},

	// recurrence
	{"repeat_incident_ratio", AnalysisRecurrence, []string{"period"}, "Share of incidents created in the period that repeat an earlier one within the recurrence window (same service and theme, or a near-duplicate title).", Gauge},
	{"recurring_incidents", AnalysisRecurrence, []string{"period", "service"}, "Incidents created in the period that repeat an earlier one within the recurrence window.", Gauge},
	{"recurring_incidents_by_severity", AnalysisRecurrence, []string{"period", "severity"}, "Incidents created in the period that repeat an earlier one within the recurrence window, by severity, zero included (merged incidents excluded, as in aftermath_incidents_by_severity, which gives the rate).", Gauge},

	// run
	{"analysis_duration_seconds", AnalysisRun, []string{"analysis"}, "Wall time of each analysis in this run.", Gauge},
	{"analysis_input_rows", AnalysisRun, []string{"table"}, "Rows read by this run, by table.", Gauge},
	{"analysis_unknown_values", AnalysisRun, []string{"field"}, "Rows whose field had a value outside the known set and was counted as unknown.", Gauge},
}

// Catalog returns every metric family an analysis run writes, sorted by name.
func Catalog() []Metric {
	out := make([]Metric, len(catalog))
	for i, m := range catalog {
		m.Labels = append([]string(nil), m.Labels...)
		out[i] = m
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup returns the catalogue entry of a metric name (without prefix). A
// histogram's _bucket, _sum and _count rows resolve to their family.
func Lookup(name string) (Metric, bool) {
	for _, m := range catalog {
		if m.Name == name {
			return m, true
		}
		if m.Kind == Histogram {
			for _, suf := range []string{"_bucket", "_sum", "_count"} {
				if name == m.Name+suf {
					return m, true
				}
			}
		}
	}
	return Metric{}, false
}

// FormatLe formats a histogram upper bound as the "le" label value.
func FormatLe(v float64) string { return calc.FormatLe(v) }
