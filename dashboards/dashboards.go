// Package dashboards generates Aftermath's Grafana dashboards with
// grafana-foundation-sdk: Reliability trends, Action items and Learning
// culture. Every Prometheus query starts from one selector (job and instance
// variables) and every panel uses the ${datasource} variable; the overdue
// drill-down reads ClickHouse through the official ClickHouse data source.
//
// The JSON is committed in json/, with Grafana provisioning files for the
// dashboards and both data sources in provisioning/. Regenerate it with
//
//	go generate ./dashboards
//
// and a test fails when the committed JSON differs from what the code makes.
// Expressions lists every Prometheus query, for end-to-end tests.
package dashboards

//go:generate go run ./cmd/gen -out json

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"

	"github.com/aftermath-sre/aftermath/metrics"
)

// Dashboard uids.
const (
	ReliabilityUID = "aftermath-reliability"
	ActionItemsUID = "aftermath-action-items"
	LearningUID    = "aftermath-learning"
)

var (
	zero    = ptr(0.0)
	one     = ptr(1.0)
	ratioTh = []dashboard.Threshold{{Value: nil, Color: "red"}, {Value: ptr(0.5), Color: "orange"}, {Value: ptr(0.8), Color: "green"}}
	badTh   = []dashboard.Threshold{{Value: nil, Color: "green"}, {Value: ptr(1.0), Color: "orange"}, {Value: ptr(10.0), Color: "red"}}
)

// builders are the dashboards, in order.
var builders = []func() *builder{reliability, actionItems, learning}

// All builds every dashboard.
func All() ([]dashboard.Dashboard, error) {
	var out []dashboard.Dashboard
	for _, f := range builders {
		d, err := f().build()
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// Reliability is the "Reliability trends" dashboard: incidents by severity,
// MTTA and MTTR percentiles, error budget, repeat rate.
func Reliability() (dashboard.Dashboard, error) { return reliability().build() }

func reliability() *builder {
	vars := append(commonVars(),
		labelVar("service", "Service", labelValues(metrics.Incidents, "service"), true),
		labelVar("team", "Team", labelValues(metrics.Incidents, "team"), true))
	b := newBuilder(ReliabilityUID, "Aftermath / Reliability trends",
		"Incidents by severity, time to acknowledge and resolve (percentiles first), error budgets and repeat incidents, from Aftermath's latest analysis.",
		[]string{"reliability"}, vars...)

	b.row("Incidents")
	b.stat(panel{title: "SEV1 + SEV2 incidents, last 30 days", w: 6, h: 5,
		desc:       "Incidents of severity SEV1 or SEV2 created in the last 30 days (merged incidents excluded).",
		queries:    []query{{expr: "sum(" + m(metrics.IncidentsBySeverity, `period="30d"`, `severity=~"SEV1|SEV2"`) + ")"}},
		thresholds: badTh})
	b.stat(panel{title: "SEV1 + SEV2 monthly trend", w: 6, h: 5, unit: "short",
		desc:       "Least-squares slope of the monthly SEV1 + SEV2 count over the last six complete months, in incidents per month: above 0 means more every month.",
		queries:    []query{{expr: "sum(" + m(metrics.IncidentsMonthlyTrend, `severity=~"SEV1|SEV2"`) + ")"}},
		thresholds: []dashboard.Threshold{{Value: nil, Color: "green"}, {Value: ptr(0.5), Color: "red"}}})
	b.bars(panel{title: "Incidents by team, last 30 days", w: 12, h: 5,
		desc:    "Incidents created in the last 30 days by owning team.",
		queries: []query{{expr: "sort_desc(sum by (team) (" + m(metrics.Incidents, `period="30d"`, `team=~"$team"`) + "))", legend: "{{team}}", instant: true}}})
	b.timeseries(panel{title: "Incidents in the last 30 days, by severity", w: 12, h: 8,
		desc:    "Rolling 30-day incident count per severity, as each analysis run computed it.",
		queries: []query{{expr: "sum by (severity) (" + m(metrics.IncidentsBySeverity, `period="30d"`) + ")", legend: "{{severity}}"}}})
	b.bars(panel{title: "Incidents by service, last 30 days (top 10)", w: 12, h: 8,
		desc:    "The ten services with the most incidents created in the last 30 days.",
		queries: []query{{expr: "topk(10, sum by (service) (" + m(metrics.Incidents, `period="30d"`, `service=~"$service"`) + "))", legend: "{{service}}", instant: true}}})
	b.promTable(panel{title: "Incidents per month and severity", w: 24, h: 8,
		desc:    "Calendar-month incident counts by severity (the current month so far).",
		queries: []query{{expr: "sum by (period, severity) (" + m(metrics.IncidentsBySeverity, `period!="30d"`) + ")", table: true}}}, "period")

	b.row("Response")
	// The percentiles are the exact ones the analysis computes over every
	// incident (the mtta/mttr gauges), not histogram_quantile over the
	// exported buckets, which interpolates inside a bucket and can be off
	// by half a bucket (hours, for resolve times): the digest and these
	// panels show the same numbers.
	for _, h := range []struct {
		title  string
		metric metrics.Family
		what   string
	}{
		{"Time to acknowledge (p50, p90, p95)", metrics.MTTASeconds, "first acknowledgement"},
		{"Time to resolve (p50, p90, p95)", metrics.MTTRSeconds, "resolve"},
	} {
		var qs []query
		for _, stat := range []string{"p50", "p90", "p95"} {
			qs = append(qs, query{expr: m(h.metric, `period="30d"`, `stat="`+stat+`"`, `severity=""`, `service=""`, `team=""`), legend: stat})
		}
		b.timeseries(panel{title: h.title, w: 12, h: 8, unit: "s", queries: qs,
			desc: "Percentiles of the time from trigger to " + h.what + " of incidents created in the 30 days before each analysis run, computed exactly over every incident (merged incidents excluded). Percentiles first: averages hide the tail."})
	}
	b.bars(panel{title: "Time to resolve p90 by severity", w: 8, h: 8, unit: "s",
		desc:    "90th percentile of time to resolve of the last 30 days' incidents, per severity (exact, as the digest shows it).",
		queries: []query{{expr: m(metrics.MTTRSeconds, `period="30d"`, `stat="p90"`, `severity!=""`, `service=""`, `team=""`), legend: "{{severity}}", instant: true}}})
	b.bars(panel{title: "Time to resolve p90 by service, last 30 days (top 10)", w: 8, h: 8, unit: "s",
		desc:    "Services whose incidents of the last 30 days took longest to resolve (90th percentile).",
		queries: []query{{expr: "topk(10, " + m(metrics.MTTRSeconds, `period="30d"`, `stat="p90"`, `severity=""`, `team=""`, `service=~"$service"`, `service!=""`) + ")", legend: "{{service}}", instant: true}}})
	b.bars(panel{title: "Time to acknowledge p90 by team, last 30 days", w: 8, h: 8, unit: "s",
		desc:    "90th percentile of time to first acknowledgement per owning team, incidents of the last 30 days.",
		queries: []query{{expr: m(metrics.MTTASeconds, `period="30d"`, `stat="p90"`, `severity=""`, `service=""`, `team=~"$team"`, `team!=""`), legend: "{{team}}", instant: true}}})

	b.row("Error budget")
	b.bars(panel{title: "Error budget remaining", w: 8, h: 8, unit: "percentunit", min: ptr(-1.0), max: one,
		desc:       "Share of each SLO's error budget left in its current window; negative when the SLO is breached.",
		queries:    []query{{expr: m(metrics.ErrorBudgetRemainingRatio, `service=~"$service"`), legend: "{{service}} ({{window}})", instant: true}},
		thresholds: []dashboard.Threshold{{Value: nil, Color: "red"}, {Value: ptr(0.0), Color: "orange"}, {Value: ptr(0.25), Color: "green"}}})
	b.timeseries(panel{title: "Error budget consumed", w: 8, h: 8, unit: "percentunit", min: zero,
		desc:    "Share of each SLO's error budget consumed by customer-impacting downtime in its current window.",
		queries: []query{{expr: m(metrics.ErrorBudgetConsumedRatio, `service=~"$service"`), legend: "{{service}} ({{window}})"}}})
	b.timeseries(panel{title: "Burn rate, 1h and 6h", w: 8, h: 8, unit: "short", min: zero,
		desc: "How fast downtime spends the budget: 1 spends it exactly over the SLO window; the fast-burn alert fires above 14.4 (1h) and 6 (6h).",
		queries: []query{
			{expr: m(metrics.ErrorBudgetBurnRate, `service=~"$service"`, `range="1h"`), legend: "{{service}} 1h"},
			{expr: m(metrics.ErrorBudgetBurnRate, `service=~"$service"`, `range="6h"`), legend: "{{service}} 6h"},
		}})
	b.promTable(panel{title: "Availability and downtime, last 30 days", w: 24, h: 8,
		desc: "Availability and customer-impacting downtime per service with an SLO, overlapping incidents merged.",
		queries: []query{
			{expr: m(metrics.AvailabilityRatio, `service=~"$service"`, `period="30d"`), table: true},
			{expr: m(metrics.DowntimeSeconds, `service=~"$service"`, `period="30d"`), table: true},
		}, hide: []string{"period"}, values: []valueColumn{{"Availability", "percentunit"}, {"Downtime", "s"}}}, "")
	budgetByTheme := m(metrics.ThemeErrorBudgetConsumedRatio, `period="30d"`, `service=""`)
	b.bars(panel{title: "Error budget burned by theme, last 30 days", w: 12, h: 8, unit: "percentunit", min: zero,
		desc: "Share of the error budget of all SLO services together (their budgets for 30 days added up) burned by downtime attributed to each contributing-factor theme: " +
			"overlapping incidents share each minute evenly, an incident's share splits evenly over its postmortems' themes; no_postmortem and unthemed are downtime no theme explains.",
		queries: []query{{expr: "sort_desc(" + themeLabeled(budgetByTheme) + ")", legend: "{{label}}", instant: true}}})
	b.promTable(panel{title: "Downtime by theme and service, last 30 days", w: 12, h: 8, unit: "s",
		desc:    "Customer-impacting downtime of each SLO service attributed to contributing-factor themes (the split of the panel to the left, per service).",
		queries: []query{{expr: "sort_desc(" + themeLabeled(m(metrics.ThemeDowntimeSeconds, `period="30d"`, `service=~"$service"`, `service!=""`)) + ")", table: true}},
		hide:    []string{"period", "theme", "class"}}, "Value")

	b.row("Recurrence")
	major := `severity=~"SEV1|SEV2"`
	b.timeseries(panel{title: "Repeat-incident rate, last 30 days", w: 12, h: 8, unit: "percentunit", min: zero,
		desc: "Share of the last 30 days' incidents that repeat an earlier one within the recurrence window (same service and theme, or a near-duplicate title). " +
			"SEV1/SEV2 is the share among major incidents: the failures a postmortem was meant to prevent from happening again.",
		queries: []query{
			{expr: m(metrics.RepeatIncidentRatio, `period="30d"`), legend: "all incidents"},
			{expr: "sum(" + m(metrics.RecurringIncidentsBySeverity, `period="30d"`, major) + ") / sum(" + m(metrics.IncidentsBySeverity, `period="30d"`, major) + ")", legend: "SEV1/SEV2"},
		}})
	b.bars(panel{title: "Recurring incidents by service, last 30 days (top 10)", w: 12, h: 8,
		desc:    "Services with the most repeat incidents in the last 30 days.",
		queries: []query{{expr: "topk(10, " + m(metrics.RecurringIncidents, `period="30d"`, `service=~"$service"`) + ")", legend: "{{service}}", instant: true}}})
	ratioTh := []dashboard.Threshold{{Value: nil, Color: "green"}, {Value: ptr(1.0), Color: "red"}}
	fixDesc := "For each postmortem with action items and each theme of its factors: later incidents on its service with a factor of the same theme, " +
		"counted while its items were open and after all closed. The ratio is the repeat rate after closing over the rate while open, each pair compared with itself, " +
		"with the exact 95% interval: an upper bound below 1 means the fixes held beyond chance; an interval around 1 means closing the items changed nothing."
	b.bars(panel{title: "Did the fixes hold? Repeat rate after items closed ÷ while open, by theme", w: 12, h: 10, unit: "short", min: zero, thresholds: ratioTh,
		desc:    fixDesc,
		queries: []query{{expr: "sort(" + themeLabeled(m(metrics.FixRepeatRateRatio, `theme!=""`, `kind=""`, `team=""`)) + ")", legend: "{{label}} {{stat}}", instant: true}}})
	b.bars(panel{title: "Did the fixes hold? By action-item kind", w: 12, h: 10, unit: "short", min: zero, thresholds: ratioTh,
		desc:    fixDesc + " A postmortem counts under each kind among its items, with the close of its items of that kind.",
		queries: []query{{expr: m(metrics.FixRepeatRateRatio, `theme=""`, `kind!=""`, `team=""`), legend: "{{kind}} {{stat}}", instant: true}}})
	b.bars(panel{title: "Did the fixes hold? By team", w: 24, h: 8, unit: "short", min: zero, thresholds: ratioTh,
		desc:    fixDesc + " By the postmortem's team.",
		queries: []query{{expr: m(metrics.FixRepeatRateRatio, `theme=""`, `kind=""`, `team=~"$team"`, `team!=""`), legend: "{{team}} {{stat}}", instant: true}}})
	b.promTable(panel{title: "Fixes that held, repeats despite closed items, repeats while open", w: 24, h: 8,
		desc: "(Postmortem, theme) pairs by state: held (all items closed, no repeat since), failed (repeated after all closed), open (an item still open); " +
			"and the repeats counted while items were open and after they closed. By action-item kind.",
		queries: []query{
			{expr: "sum by (kind, state) (" + m(metrics.FixPostmortemThemes, `theme=""`, `kind!=""`, `team=""`) + ")", table: true},
			{expr: "sum by (kind, phase) (" + m(metrics.FixRepeats, `theme=""`, `kind!=""`, `team=""`) + ")", table: true},
		}}, "")
	b.promTable(panel{title: "Still failing while the fixes are open", w: 24, h: 9,
		desc: "Postmortems (key) with action items still open whose service failed again for one of their themes since their first incident: " +
			"the repeats so far, most first (the 10 most repeated per team).",
		queries: []query{{expr: "sort_desc(" + themeLabeled(m(metrics.FixPendingRepeats, `team=~"$team"`)) + ")", table: true}}}, "Value")
	changePanels(b)
	return b
}

// themeLabeled adds the theme's human-readable label (theme_info) to the
// series of a theme-labeled expression; series of a theme without info
// (no_postmortem, unthemed) take the theme as their label.
func themeLabeled(expr string) string {
	return "(" + expr + " * on (job, instance, theme) group_left (label) " + m(metrics.ThemeInfo) + ") or on (job, instance, theme) label_replace(" + expr + `, "label", "$1", "theme", "(.*)")`
}

// OverdueItemsSQL is the drill-down query of overdue action items: open
// (status category not done) with a due date before today (UTC), the
// analyzers' definition. It runs on the official ClickHouse data source,
// whose default database is Aftermath's; ${team:regex} is the dashboard's
// team variable (All is ".*"), whose values are the metrics' team labels:
// each item's stored team name is labeled as the latest successful analysis
// run labeled it (its team_label items: canonical form, after
// analysis.team_aliases), so "devprod" is found under developer-productivity.
// GLOBAL: on a cluster the labels are read once, through the Distributed
// table, and sent to every shard.
const OverdueItemsSQL = `SELECT
    key AS "Item",
    if(label = '', 'unknown', label) AS "Team",
    priority AS "Priority",
    summary AS "Summary",
    if(assignee_name = '', '(unowned)', assignee_name) AS "Assignee",
    due_date AS "Due",
    dateDiff('day', due_date, toDate(now(), 'UTC')) - 1 AS "Days overdue",
    status AS "Status",
    url AS "Link"
FROM (
    SELECT key, team AS stored_team, priority, summary, assignee_name, due_date, status, url
    FROM action_items FINAL
    WHERE status_category != 'done' AND due_date < toDate(now(), 'UTC')
) AS i
GLOBAL ANY LEFT JOIN (
    SELECT key AS stored_team, team AS label
    FROM analysis_items
    WHERE kind = 'team_label' AND run_id = (
        SELECT run_id FROM analysis_runs FINAL WHERE status = 'success' ORDER BY finished_at DESC, run_id DESC LIMIT 1)
) AS l USING stored_team
WHERE match(if(label = '', 'unknown', label), '^(${team:regex})$')
ORDER BY "Days overdue" DESC, "Item"
LIMIT 10000`

// ActionItems is the "Action items" dashboard: overdue, stale and unowned by
// team, closure within SLO, the oldest and most overdue items.
func ActionItems() (dashboard.Dashboard, error) { return actionItems().build() }

func actionItems() *builder {
	vars := append(commonVars(), clickhouseVar(),
		labelVar("team", "Team", labelValues(metrics.ActionItems, "team"), true))
	b := newBuilder(ActionItemsUID, "Aftermath / Action items",
		"Postmortem action items: what is open, overdue, stale or unowned, by team; closure within the SLO; the items to chase.",
		[]string{"action-items"}, vars...)
	team := `team=~"$team"`

	b.row("Now")
	for _, s := range []struct{ title, expr, desc string }{
		{"Open", "sum(" + m(metrics.ActionItems, `state="open"`, team) + ")", "Open action items."},
		{"Overdue", "sum(" + m(metrics.ActionItemsOverdue, team) + ")", "Open action items past their due date."},
		{"Stale", "sum(" + m(metrics.ActionItemsStale, team) + ")", "Open action items without activity for longer than their priority allows (analysis.stale_after)."},
		{"Unowned", "sum(" + m(metrics.ActionItemsUnowned, team) + ")", "Open action items without an assignee."},
		{"Without a due date", "sum(" + m(metrics.ActionItemsWithoutDueDate, team) + ")", "Open action items without a due date."},
	} {
		th := badTh
		if s.title == "Open" {
			th = nil
		}
		b.stat(panel{title: s.title, desc: s.desc, w: 4, h: 5, queries: []query{{expr: s.expr}}, thresholds: th})
	}
	b.stat(panel{title: "Closed within SLO", w: 4, h: 5, unit: "percentunit", thresholds: ratioTh,
		desc:    "Share of action items closed as done within their priority's closure SLO, among those done or already past it (declined items are neither). Organization-wide: the team selector does not apply; 'Closed within SLO by team' has each team's.",
		queries: []query{{expr: m(metrics.ActionItemsClosedWithinSLORatio, `priority=""`, `team=""`)}}})

	b.row("By team")
	for _, s := range []struct {
		title  string
		metric metrics.Family
		desc   string
	}{
		{"Overdue by team", metrics.ActionItemsOverdue, "Open action items past their due date, per team."},
		{"Stale by team", metrics.ActionItemsStale, "Open action items without recent activity, per team."},
		{"Unowned by team", metrics.ActionItemsUnowned, "Open action items without an assignee, per team."},
	} {
		b.timeseries(panel{title: s.title, desc: s.desc, w: 8, h: 8, min: zero,
			queries: []query{{expr: "sum by (team) (" + m(s.metric, team) + ")", legend: "{{team}}"}}})
	}
	b.bars(panel{title: "Closed within SLO by team", w: 8, h: 8, unit: "percentunit", min: zero, max: one, thresholds: ratioTh,
		desc:    "Share of each team's action items closed within the closure SLO of their priority.",
		queries: []query{{expr: m(metrics.ActionItemsClosedWithinSLORatio, `priority=""`, team, `team!=""`), legend: "{{team}}", instant: true}}})
	b.bars(panel{title: "Closed within SLO by priority", w: 8, h: 8, unit: "percentunit", min: zero, max: one, thresholds: ratioTh,
		desc:    "Share of action items closed within their priority's closure SLO.",
		queries: []query{{expr: m(metrics.ActionItemsClosedWithinSLORatio, `team=""`, `priority!=""`), legend: "{{priority}}", instant: true}}})
	b.bars(panel{title: "Oldest open item by team", w: 8, h: 8, unit: "s",
		desc:    "Age of each team's oldest open action item.",
		queries: []query{{expr: "sort_desc(max by (team) (" + m(metrics.ActionItemOldestOpenAgeSeconds, team) + "))", legend: "{{team}}", instant: true}}})
	b.bars(panel{title: "Held by the busiest tenth of owners, by team", w: 8, h: 8, unit: "percentunit", min: zero, max: one,
		desc: "Share of each team's open, assigned action items held by the busiest tenth of their owners (at least one person): near 0.1 the load is even, " +
			"near 1 a few people carry the team's follow-ups. No names: the people are not shown.",
		queries: []query{{expr: "sort_desc(" + m(metrics.ActionItemsBusiestOwnersRatio, team, `team!=""`) + ")", legend: "{{team}}", instant: true}}})
	b.promTable(panel{title: "Time to close (Kaplan-Meier)", w: 12, h: 8, unit: "s",
		desc:    "Median and 90th percentile of the time from creation to close as done, counting items still open and declined ones (censored) rather than ignoring them; +Inf when too few have closed to tell. Empty priority = all. Organization-wide: the team selector does not apply.",
		queries: []query{{expr: m(metrics.ActionItemTimeToCloseSeconds), table: true}}}, "")
	b.timeseries(panel{title: "Created, completed and declined, last 30 days", w: 12, h: 8, min: zero,
		desc: "Action items created and resolved in the last 30 days: completed below created means the backlog grows. " +
			"Declined are closed without being done (Won't Do, Cancelled, Duplicate): many of them means the backlog is pruned rather than worked.",
		queries: []query{
			{expr: "sum(" + m(metrics.ActionItemsCreated, `period="30d"`, team) + ")", legend: "created"},
			{expr: "sum(" + m(metrics.ActionItemsCompleted, `period="30d"`, team) + ")", legend: "completed"},
			{expr: "sum(" + m(metrics.ActionItemsDeclined, `period="30d"`, team) + ")", legend: "declined"},
		}})
	b.bars(panel{title: "Follow-ups by kind, last 30 days", w: 6, h: 8, min: zero,
		desc: "Action items created in the last 30 days by kind (Lunney and Lueder: investigate, mitigate, repair, detect, prevent), read from their summaries. " +
			"Mostly investigate and little prevent means the postmortems teach less than their item counts suggest.",
		queries: []query{{expr: "sort_desc(sum by (kind) (" + m(metrics.ActionItemsByKind, `period="30d"`, team) + "))", legend: "{{kind}}", instant: true}}})
	b.bars(panel{title: "Closed by kind, items of the last 30 days", w: 6, h: 8, unit: "percentunit", min: zero, max: one,
		desc:    "Share of each kind's action items created in the last 30 days that are already closed (all teams).",
		queries: []query{{expr: m(metrics.ActionItemsClosedByKindRatio, `period="30d"`), legend: "{{kind}}", instant: true}}})

	b.row("Items to chase")
	b.promTable(panel{title: "Most overdue items", w: 12, h: 9, unit: "s",
		desc:    "Open action items past their due date, most overdue first (capped by exporter.max_item_series).",
		queries: []query{{expr: "sort_desc(" + m(metrics.ActionItemOverdueSeconds, team) + ")", table: true}}}, "Value")
	b.promTable(panel{title: "Stalest items", w: 12, h: 9, unit: "s",
		desc:    "Open action items without activity for longer than their priority allows, stalest first (capped by exporter.max_item_series).",
		queries: []query{{expr: "sort_desc(" + m(metrics.ActionItemStaleSeconds, team) + ")", table: true}}}, "Value")
	b.sqlTable("Overdue items (ClickHouse drill-down)",
		"Every open action item past its due date, straight from ClickHouse (not capped by exporter.max_item_series; up to 10,000, most overdue first): owner, summary, status and a link to the ticket. Days overdue are whole days since the end of the due day, as the metrics count them.",
		24, 12, OverdueItemsSQL)
	return b
}

// Learning is the "Learning culture" dashboard: postmortem coverage and lag,
// themes over time, language health.
func Learning() (dashboard.Dashboard, error) { return learning().build() }

func learning() *builder {
	vars := append(commonVars(),
		labelVar("team", "Team", labelValues(metrics.ThemeFactorsByTeam, "team"), true))
	b := newBuilder(LearningUID, "Aftermath / Learning culture",
		"Is the organisation learning? Postmortem coverage and lag, template completeness, contributing-factor themes over time, and the language of postmortems and action items.",
		[]string{"learning"}, vars...)

	b.row("Postmortem process")
	b.stat(panel{title: "Postmortem coverage, last 30 days", w: 6, h: 5, unit: "percentunit", thresholds: ratioTh,
		desc:    "Share of resolved incidents requiring a postmortem (SEV1, SEV2 by default) that have one.",
		queries: []query{{expr: m(metrics.PostmortemCoverageRatio, `period="30d"`, `severity=""`)}}})
	b.stat(panel{title: "Late postmortems, by stage", w: 6, h: 5, thresholds: badTh,
		desc: "Incidents requiring a postmortem whose draft (draft) or publication (publish) is past its target. " +
			"The two are not added up: an incident never drafted is late in both once the publish target has passed too.",
		queries: []query{{expr: "sum by (stage) (" + m(metrics.PostmortemsOverdue) + ")", legend: "{{stage}}"}}})
	b.stat(panel{title: "Published postmortems without action items", w: 6, h: 5, thresholds: badTh,
		desc:    "A postmortem with no follow-up is a lesson noted, not learned.",
		queries: []query{{expr: "sum(" + m(metrics.PostmortemsWithoutActionItems) + ")"}}})
	b.stat(panel{title: "Action items with owner and due date, last 30 days", w: 6, h: 5, unit: "percentunit", thresholds: ratioTh,
		desc:    "Share of the last 30 days' action items that have both an owner and a due date.",
		queries: []query{{expr: m(metrics.ActionItemsOwnerAndDueRatio, `period="30d"`)}}})
	b.timeseries(panel{title: "Coverage by severity, last 30 days", w: 8, h: 8, unit: "percentunit", min: zero, max: one,
		desc:    "Postmortem coverage per required severity.",
		queries: []query{{expr: m(metrics.PostmortemCoverageRatio, `period="30d"`, `severity!=""`), legend: "{{severity}}"}}})
	b.timeseries(panel{title: "Lag from resolve to draft and publish", w: 8, h: 8, unit: "s", min: zero,
		desc: "Median and 90th percentile of the time from incident resolve to postmortem draft and to publication, against the configured targets.",
		queries: []query{
			{expr: m(metrics.PostmortemLagSeconds, `period="30d"`, `stat=~"p50|p90"`), legend: "{{stage}} {{stat}}"},
			{expr: m(metrics.PostmortemLagTargetSeconds), legend: "target: {{stage}}"},
		}})
	b.bars(panel{title: "Within target, last 30 days", w: 8, h: 8, unit: "percentunit", min: zero, max: one, thresholds: ratioTh,
		desc:    "Share of postmortems drafted and published within their targets.",
		queries: []query{{expr: m(metrics.PostmortemWithinTargetRatio, `period="30d"`), legend: "{{stage}}", instant: true}}})
	b.promTable(panel{title: "Late postmortems", w: 12, h: 8, unit: "s",
		desc:    "Incidents whose postmortem draft or publication is late, most overdue first (capped).",
		queries: []query{{expr: "sort_desc(" + m(metrics.PostmortemOverdueSeconds, `team=~"$team"`) + ")", table: true}}}, "Value")
	b.timeseries(panel{title: "Template completeness, last 30 days", w: 6, h: 8, unit: "percentunit", min: zero, max: one,
		desc:    "Mean share of the template's sections present in the last 30 days' postmortems.",
		queries: []query{{expr: m(metrics.PostmortemCompletenessRatio, `period="30d"`), legend: "completeness"}}})
	b.bars(panel{title: "Missing sections, last 30 days", w: 6, h: 8,
		desc:    "Postmortems of the last 30 days missing each template section.",
		queries: []query{{expr: "sort_desc(" + m(metrics.PostmortemSectionsMissing, `period="30d"`) + ")", legend: "{{section}}", instant: true}}})

	b.row("Contributing-factor themes")
	b.stat(panel{title: "Themes", w: 4, h: 8,
		desc:    "Contributing-factor themes found by the latest clustering.",
		queries: []query{{expr: m(metrics.Themes)}}})
	b.bars(panel{title: "Top themes, last 30 days", w: 10, h: 8,
		desc:    "Themes with the most contributing factors in the last 30 days' postmortems.",
		queries: []query{{expr: "topk(10, " + withThemeLabels(m(metrics.ThemeFactors, `period="30d"`)) + ")", legend: "{{label}}", instant: true}}})
	b.promTable(panel{title: "Themes of the selected teams, last 30 days", w: 10, h: 8,
		desc:    "Contributing factors by theme in the selected teams' postmortems of the last 30 days.",
		queries: []query{{expr: "sort_desc(sum by (theme, label) (" + withThemeLabels(m(metrics.ThemeFactorsByTeam, `period="30d"`, `team=~"$team"`)) + "))", table: true}}}, "Value")
	b.timeseries(panel{title: "Themes over time (rolling 30 days)", w: 24, h: 9, min: zero,
		desc:    "Contributing factors per theme in the 30 days before each analysis run: a rising theme is a lesson that is not sticking.",
		queries: []query{{expr: withThemeLabels(m(metrics.ThemeFactors, `period="30d"`)), legend: "{{label}}"}}})
	b.bars(panel{title: "Factors by cause class, last 30 days", w: 12, h: 8, min: zero,
		desc: "Contributing factors of the last 30 days' postmortems by cause class (code bug, configuration, deployment, capacity and load, dependency or third party, hardware and infrastructure, network, data, security, process), " +
			"decided by the sentence that states the cause; unclassified when none states it clearly enough. Each theme's main class is the class label of its theme info series.",
		queries: []query{{expr: "sort_desc(" + m(metrics.CauseClassFactors, `period="30d"`) + ")", legend: "{{class}}", instant: true}}})
	b.timeseries(panel{title: "Cause classes over time (rolling 30 days)", w: 12, h: 8, min: zero,
		desc:    "Contributing factors per cause class in the 30 days before each analysis run.",
		queries: []query{{expr: m(metrics.CauseClassFactors, `period="30d"`), legend: "{{class}}"}}})

	b.row("Language")
	b.stat(panel{title: "Postmortems with blame, last 30 days", w: 6, h: 6, unit: "percentunit",
		desc:       "Share of postmortems with at least one blame finding (a person named as the cause, 'careless', human error as root cause, counterfactuals).",
		queries:    []query{{expr: m(metrics.PostmortemsWithBlameRatio, `period="30d"`)}},
		thresholds: []dashboard.Threshold{{Value: nil, Color: "green"}, {Value: ptr(0.1), Color: "orange"}, {Value: ptr(0.25), Color: "red"}}})
	b.stat(panel{title: "Vague action items, last 30 days", w: 6, h: 6, unit: "percentunit",
		desc:       "Share of action items with at least one vagueness finding ('be more careful', 'improve monitoring', an investigate without outcome).",
		queries:    []query{{expr: m(metrics.ActionItemsVagueRatio, `period="30d"`)}},
		thresholds: []dashboard.Threshold{{Value: nil, Color: "green"}, {Value: ptr(0.1), Color: "orange"}, {Value: ptr(0.25), Color: "red"}}})
	b.timeseries(panel{title: "Language findings by rule, last 30 days", w: 12, h: 8, min: zero,
		desc:    "Findings per rule in the last 30 days' postmortems and action items; each finding in ClickHouse points to its sentence and says why.",
		queries: []query{{expr: "sum by (rule) (" + m(metrics.LanguageFindings, `period="30d"`) + ")", legend: "{{rule}}"}}})
	dismissed := "sum by (rule) (" + m(metrics.LanguageFindingsDismissed, `period="30d"`) + ")"
	b.bars(panel{title: "Findings dismissed by teams, last 30 days", w: 24, h: 6, min: zero,
		desc: "Findings that the teams reviewed and dismissed with the dismiss label on the Jira issue (analysis.dismiss_label), by rule, in the last 30 days' postmortems and action items. " +
			"They count in no other language panel; a rule dismissed often misreads how these teams write.",
		queries:    []query{{expr: dismissed + " > 0", legend: "{{rule}}", instant: true}},
		findingsOf: dismissed, noFinding: "No finding dismissed"})
	return b
}

// Expression is one Prometheus query of a dashboard panel.
type Expression struct {
	Dashboard string // uid
	Panel     string // title
	RefID     string
	Expr      string // with Grafana variables, see Interpolate
	Instant   bool
	// FindingsOf is set on the query of a findings panel, one that lists
	// only the rows its filter keeps (the changes called real, say): Expr
	// before that filter, with the same variables. Such a panel is rightly
	// empty when FindingsOf has data and Expr has none: the analysis
	// computed the rows and none is a finding.
	FindingsOf string
}

// Expressions lists every Prometheus query of every dashboard, in order.
func Expressions() ([]Expression, error) {
	var out []Expression
	for _, f := range builders {
		b := f()
		d, err := b.build()
		if err != nil {
			return nil, err
		}
		for _, p := range d.Panels {
			if p.Panel == nil {
				continue
			}
			for _, t := range p.Panel.Targets {
				q, ok := t.(prometheus.Dataquery)
				if !ok {
					continue
				}
				title := ""
				if p.Panel.Title != nil {
					title = *p.Panel.Title
				}
				out = append(out, Expression{Dashboard: *d.Uid, Panel: title, RefID: deref(q.RefId), Expr: q.Expr,
					Instant: q.Instant != nil && *q.Instant, FindingsOf: b.findings[title]})
			}
		}
	}
	return out, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

var variable = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::[a-z]+)?\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

// Interpolate replaces Grafana variables ($name, ${name}, ${name:format})
// with values, as Grafana would for a single value; variables without a value
// are left alone. AllValues gives every variable of the dashboards its "All".
func Interpolate(expr string, values map[string]string) string {
	return variable.ReplaceAllStringFunc(expr, func(s string) string {
		sub := variable.FindStringSubmatch(s)
		name := sub[1]
		if name == "" {
			name = sub[2]
		}
		if v, ok := values[name]; ok {
			return v
		}
		return s
	})
}

// AllValues are the values of the dashboards' variables when "All" is
// picked, with Grafana's rate interval: what Interpolate needs to run the
// expressions outside Grafana.
func AllValues() map[string]string {
	return map[string]string{"job": ".*", "instance": ".*", "team": ".*", "service": ".*", "__rate_interval": "5m"}
}

// JSON returns every dashboard as indented JSON, by file name.
func JSON() (map[string][]byte, error) {
	ds, err := All()
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, d := range ds {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(d); err != nil {
			return nil, fmt.Errorf("dashboards: encode %s: %w", *d.Uid, err)
		}
		out[*d.Uid+".json"] = buf.Bytes()
	}
	return out, nil
}

// FileNames returns the names JSON writes, sorted.
func FileNames() ([]string, error) {
	js, err := JSON()
	if err != nil {
		return nil, err
	}
	var out []string
	for n := range js {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}
