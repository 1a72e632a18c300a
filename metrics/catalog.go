// Package metrics is the catalogue of every metric family Aftermath
// publishes: the results an analysis run writes and the exporter serves, the
// exporter's own self metrics, and the process metrics of the scheduler, the
// ingest HTTP transport and each ingest source's runs. Each family is a typed
// value with its name, help, type and label names (a constant, or for the
// families every ingest source has, SourceFamily.For(Source)), so that the
// analyzers, the exporter, the digest, the dashboards and the ingesters refer
// to a family by identifier: a misspelt family does not compile. The package
// imports nothing of the project.
package metrics

import "fmt"

// Namespace prefixes every family's name.
const Namespace = "aftermath"

// Analysis names: the analysis whose results feed a family, and the
// Analysis of every stored result row of that family.
const (
	AnalysisResponse   = "response"
	AnalysisSLO        = "slo"
	AnalysisActions    = "actions"
	AnalysisProcess    = "process"
	AnalysisLanguage   = "language"
	AnalysisThemes     = "themes"
	AnalysisRecurrence = "recurrence"
	AnalysisChange     = "change"
	AnalysisRun        = "run"
)

// Type is a family's Prometheus type.
type Type uint8

// Types.
const (
	// Gauge families store and serve one value per label set.
	Gauge Type = iota + 1
	// Histogram families of an analysis are stored Prometheus-style: rows
	// named ResultName()+"_bucket" with an extra trailing "le" label
	// (cumulative counts, the last bound "+Inf"), plus "_sum" and "_count"
	// rows with the catalogued labels only.
	Histogram
	// Counter families are process counters (their names end in _total).
	Counter
)

func (t Type) String() string {
	switch t {
	case Gauge:
		return "gauge"
	case Histogram:
		return "histogram"
	case Counter:
		return "counter"
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// Producer is what emits a family.
type Producer uint8

// Producers.
const (
	// ByAnalysis: an analysis run writes the family's rows to
	// analysis_results; the exporter serves them.
	ByAnalysis Producer = iota + 1
	// ByExporter: the exporter's self metrics, computed at each scrape.
	ByExporter
	// ByScheduler: the scheduled jobs of `aftermath serve`.
	ByScheduler
	// ByHTTP: the HTTP transport of the ingest sources.
	ByHTTP
	// ByIngest: an ingest source's own runs (the shared ingest loop and the
	// source), named aftermath_<source>_...; see Source.
	ByIngest
)

func (p Producer) String() string {
	switch p {
	case ByAnalysis:
		return "analysis"
	case ByExporter:
		return "exporter"
	case ByScheduler:
		return "scheduler"
	case ByHTTP:
		return "http"
	case ByIngest:
		return "ingest"
	}
	return fmt.Sprintf("Producer(%d)", uint8(p))
}

// Family is one catalogued metric family. The zero Family and values that
// are neither a constant below nor a source's family (SourceFamily.For) are
// not families (Valid reports false).
type Family uint8

// The families, in one block so that each has its own value: first those
// the analyses write and the exporter serves, then the exporter's own, then
// the process families. The families every ingest source has come after
// them (SourceFamily.For).
const (
	_ Family = iota

	// response
	Incidents
	IncidentsBySeverity
	IncidentsMonthlyTrend
	IncidentsOpen
	MTTASeconds
	MTTRSeconds
	IncidentAckDurationSeconds
	IncidentResolveDurationSeconds
	TimeToDetectSeconds

	// slo
	SLOObjectiveRatio
	ErrorBudgetConsumedRatio
	ErrorBudgetRemainingRatio
	ErrorBudgetBurnRate
	DowntimeSeconds
	AvailabilityRatio
	SLOBreached
	DowntimeCost
	ThemeDowntimeSeconds
	ThemeErrorBudgetConsumedRatio
	ThemeDowntimeCost

	// actions
	ActionItems
	ActionItemsCreated
	ActionItemsCompleted
	ActionItemsDeclined
	ActionItemsOverdue
	ActionItemsStale
	ActionItemsUnowned
	ActionItemOwners
	ActionItemsBusiestOwnersRatio
	ActionItemsWithoutDueDate
	ActionItemsReopened
	ActionItemsClosedWithinSLORatio
	ActionItemsByKind
	ActionItemsClosedByKindRatio
	ActionItemTimeToCloseSeconds
	ActionItemOldestOpenAgeSeconds
	ActionItemOverdueSeconds
	ActionItemStaleSeconds
	ActionItemSeriesDropped
	PostmortemsWithoutActionItems

	// process
	PostmortemsRequired
	PostmortemCoverageRatio
	PostmortemLagSeconds
	PostmortemLagTargetSeconds
	PostmortemWithinTargetRatio
	PostmortemsOverdue
	PostmortemOverdueSeconds
	PostmortemCompletenessRatio
	PostmortemSectionsMissing
	ActionItemsOwnerAndDueRatio

	// language
	LanguageFindings
	LanguageFindingsDismissed
	PostmortemsWithBlameRatio
	ActionItemsVagueRatio

	// themes
	Themes
	ThemeInfo
	ThemeFactors
	ThemeFactorsByTeam
	ThemeFactorsByService
	CauseClassFactors
	ThemeChanges

	// recurrence
	RepeatIncidentRatio
	RecurringIncidents
	RecurringIncidentsBySeverity
	FixPostmortemThemes
	FixRepeats
	FixExposureSeconds
	FixRepeatRateRatio
	FixPendingRepeats
	FixPendingLastRepeat

	// change
	MTTAIntervalSeconds
	MTTRIntervalSeconds
	ChangeRatio
	ChangeVerdict

	// run
	AnalysisDurationSeconds
	AnalysisInputRows
	AnalysisUnknownValues

	// Families the exporter computes itself at each scrape.
	Up
	ClickHouseUp
	AnalysisLastSuccessTimestampSeconds
	IngestLastSuccessTimestampSeconds
	CollectorSuccess
	CollectorDurationSeconds
	ExporterSkippedResults
	ExporterItemSeriesDropped
	ExporterResultSeries

	// Process families: the scheduler of `aftermath serve`.
	JobRunsTotal
	JobDurationSeconds
	JobLastSuccessTimestampSeconds

	// Process families: the HTTP transport of the ingest sources.
	HTTPRequestsTotal
	HTTPRetriesTotal
	HTTPErrorsTotal
	HTTPRateLimitWaitsTotal
	HTTPRateLimitWaitSecondsTotal

	// Process families of one ingest source only (those every source has
	// are SourceFamily's).
	JiraChangelogsCompletedTotal
	JiraSkippedIssuesTotal
	JiraRemovedIssuesTotal
	JiraRestoredIssuesTotal
	JiraReconcileRefused
	PagerDutyWindowRepassesTotal

	numFixed
)

// numFamilies bounds the families: the constants above, then, source by
// source in the order of sources, one family of each SourceFamily.
const numFamilies = numFixed + Family(len(sources))*Family(numSourceFamilies-1)

type spec struct {
	name   string // without the namespace
	of     string // the analysis writing an analysis family, the source of an ingest family; empty for the others
	labels []string
	help   string
	typ    Type
	by     Producer
}

func labels(names ...string) []string { return names }

// fixedSpecs are the families of the constants above (specs adds the
// per-source ones). Conventions of the analysis families:
//   - Label values come from bounded sets: severities SEV1..SEV5 and
//     "unknown", priorities P1..P5 and "unknown", the org's teams and services,
//     theme ids, template sections, language rules, periods ("30d" or a
//     calendar month "YYYY-MM"). Item keys and incident ids appear only in the
//     *_seconds per-item gauges, whose rows are capped (worst first).
//   - Where a Help says "empty = all", a row with an empty label value is the
//     aggregate over that label (percentiles cannot be summed). Such families
//     break down by at most one of the labels marked so.
//   - Counts (incidents, action items, factors) are written for every
//     non-zero combination; the *_by_severity and ratio families are written
//     for every period even when zero or, for ratios, only when defined.
var fixedSpecs = [numFixed]spec{

	// response
	Incidents:                      {"incidents", AnalysisResponse, labels("period", "severity", "service", "team"), "Incidents created in the period (merged incidents excluded), by severity, service and owning team.", Gauge, ByAnalysis},
	IncidentsBySeverity:            {"incidents_by_severity", AnalysisResponse, labels("period", "severity"), "Incidents created in the period by severity, zero included (merged incidents excluded).", Gauge, ByAnalysis},
	IncidentsMonthlyTrend:          {"incidents_monthly_trend", AnalysisResponse, labels("severity"), "Least-squares slope of the monthly incident count over the last six complete months, in incidents per month.", Gauge, ByAnalysis},
	IncidentsOpen:                  {"incidents_open", AnalysisResponse, labels("severity", "service", "team"), "Incidents not resolved at the time of the run.", Gauge, ByAnalysis},
	MTTASeconds:                    {"mtta_seconds", AnalysisResponse, labels("period", "severity", "service", "team", "stat"), "Time from trigger to first acknowledgement of incidents created in the period (p50, p90, p95, mean; acknowledged incidents only, merged excluded; empty severity/service/team = all).", Gauge, ByAnalysis},
	MTTRSeconds:                    {"mttr_seconds", AnalysisResponse, labels("period", "severity", "service", "team", "stat"), "Time from trigger to resolve of incidents created in the period (p50, p90, p95, mean; resolved incidents only, merged excluded; empty severity/service/team = all).", Gauge, ByAnalysis},
	IncidentAckDurationSeconds:     {"incident_ack_duration_seconds", AnalysisResponse, labels("severity"), "Histogram of time to first acknowledgement of incidents created in the last 30 days (acknowledged only, merged excluded; a window that moves: counts fall as incidents age out, so read it as a gauge, not with rate()).", Histogram, ByAnalysis},
	IncidentResolveDurationSeconds: {"incident_resolve_duration_seconds", AnalysisResponse, labels("severity"), "Histogram of time to resolve of incidents created in the last 30 days (resolved only, merged excluded; a window that moves: counts fall as incidents age out, so read it as a gauge, not with rate()).", Histogram, ByAnalysis},
	TimeToDetectSeconds:            {"time_to_detect_seconds", AnalysisResponse, labels("period", "severity", "stat"), "Time to detect stated in postmortems created in the period (p50, p90, p95, mean; empty severity = all).", Gauge, ByAnalysis},

	// slo
	SLOObjectiveRatio:             {"slo_objective_ratio", AnalysisSLO, labels("service", "window"), "Configured availability objective of the service's SLO.", Gauge, ByAnalysis},
	ErrorBudgetConsumedRatio:      {"error_budget_consumed_ratio", AnalysisSLO, labels("service", "window"), "Share of the error budget consumed by customer-impacting downtime in the current SLO window (can exceed 1).", Gauge, ByAnalysis},
	ErrorBudgetRemainingRatio:     {"error_budget_remaining_ratio", AnalysisSLO, labels("service", "window"), "Share of the error budget left in the current SLO window (1 - consumed; negative when breached).", Gauge, ByAnalysis},
	ErrorBudgetBurnRate:           {"error_budget_burn_rate", AnalysisSLO, labels("service", "range"), "Downtime share over the trailing range (1h, 6h, 24h, 3d) divided by the error budget share; 1 spends the budget exactly over the window.", Gauge, ByAnalysis},
	DowntimeSeconds:               {"downtime_seconds", AnalysisSLO, labels("service", "period"), "Customer-impacting downtime in the period, overlapping incidents on the service merged.", Gauge, ByAnalysis},
	AvailabilityRatio:             {"availability_ratio", AnalysisSLO, labels("service", "period"), "1 - downtime / length of the period (elapsed part for the current month).", Gauge, ByAnalysis},
	SLOBreached:                   {"slo_breached", AnalysisSLO, labels("service", "period"), "1 when the period's downtime exceeded the error budget of a period of that length, else 0.", Gauge, ByAnalysis},
	DowntimeCost:                  {"downtime_cost", AnalysisSLO, labels("service", "period"), "Cost of the period's downtime at the SLO's configured hourly cost (in whatever currency that cost is given in).", Gauge, ByAnalysis},
	ThemeDowntimeSeconds:          {"theme_downtime_seconds", AnalysisSLO, labels("period", "service", "theme"), "The period's customer-impacting downtime of an SLO service attributed to a contributing-factor theme: overlapping incidents share each instant evenly, an incident's share is split evenly over its postmortems' themes (no_postmortem, unthemed when none; empty service = all SLO services).", Gauge, ByAnalysis},
	ThemeErrorBudgetConsumedRatio: {"theme_error_budget_consumed_ratio", AnalysisSLO, labels("period", "service", "theme"), "Share of the period's error budget (1 - objective times the period's length) burned by the downtime attributed to the theme (empty service = all SLO services, their budgets added up).", Gauge, ByAnalysis},
	ThemeDowntimeCost:             {"theme_downtime_cost", AnalysisSLO, labels("period", "service", "theme"), "Cost of the downtime attributed to the theme at the services' configured hourly cost, services with a cost only (empty service = all of them).", Gauge, ByAnalysis},

	// actions
	ActionItems:                     {"action_items", AnalysisActions, labels("state", "priority", "team"), "Action items by state (open; closed: done; declined: closed by a status such as Won't Do, Cancelled or Duplicate), priority and team at the time of the run.", Gauge, ByAnalysis},
	ActionItemsCreated:              {"action_items_created", AnalysisActions, labels("period", "team"), "Action items created in the period, by team.", Gauge, ByAnalysis},
	ActionItemsCompleted:            {"action_items_completed", AnalysisActions, labels("period", "team"), "Action items resolved in the period, by team, as done (not declined: see action_items_declined).", Gauge, ByAnalysis},
	ActionItemsDeclined:             {"action_items_declined", AnalysisActions, labels("period", "team"), "Action items closed in the period without being done, by a status such as Won't Do, Cancelled, Duplicate or Obsolete, by team.", Gauge, ByAnalysis},
	ActionItemsOverdue:              {"action_items_overdue", AnalysisActions, labels("priority", "team"), "Open action items past their due date (from the end of the due day in UTC).", Gauge, ByAnalysis},
	ActionItemsStale:                {"action_items_stale", AnalysisActions, labels("priority", "team"), "Open action items without activity for longer than their priority's stale_after.", Gauge, ByAnalysis},
	ActionItemsUnowned:              {"action_items_unowned", AnalysisActions, labels("priority", "team"), "Open action items without an assignee.", Gauge, ByAnalysis},
	ActionItemOwners:                {"action_item_owners", AnalysisActions, labels("team"), "People with open action items assigned (empty team = all; a person with items in several teams counts once there).", Gauge, ByAnalysis},
	ActionItemsBusiestOwnersRatio:   {"action_items_busiest_owners_ratio", AnalysisActions, labels("team"), "Share of the open, assigned action items held by the busiest tenth of their owners (at least one owner): near 0.1 the load is even, near 1 a few people hold it (empty team = all).", Gauge, ByAnalysis},
	ActionItemsWithoutDueDate:       {"action_items_without_due_date", AnalysisActions, labels("priority", "team"), "Open action items without a due date.", Gauge, ByAnalysis},
	ActionItemsReopened:             {"action_items_reopened", AnalysisActions, labels("priority", "team"), "Action items moved from done back to an open status at least once.", Gauge, ByAnalysis},
	ActionItemsClosedWithinSLORatio: {"action_items_closed_within_slo_ratio", AnalysisActions, labels("priority", "team"), "Share of action items closed as done within their priority's closure SLO, among items done or open past the SLO (declined ones are neither; empty priority/team = all).", Gauge, ByAnalysis},
	ActionItemsByKind:               {"action_items_by_kind", AnalysisActions, labels("kind", "team", "period"), "Action items created in the period by kind (investigate, mitigate, repair, detect, prevent: Lunney and Lueder, ;login: 2017; unknown when the summary has no words) and team.", Gauge, ByAnalysis},
	ActionItemsClosedByKindRatio:    {"action_items_closed_by_kind_ratio", AnalysisActions, labels("kind", "period"), "Share of the action items of a kind created in the period that are closed as done (not declined) at the time of the run.", Gauge, ByAnalysis},
	ActionItemTimeToCloseSeconds:    {"action_item_time_to_close_seconds", AnalysisActions, labels("priority", "stat"), "Kaplan-Meier quantiles (km_p50, km_p90) of time from creation to close as done, open items censored at their age and declined ones at their close; +Inf when the curve never falls that low (empty priority = all).", Gauge, ByAnalysis},
	ActionItemOldestOpenAgeSeconds:  {"action_item_oldest_open_age_seconds", AnalysisActions, labels("priority", "team"), "Age of the oldest open action item.", Gauge, ByAnalysis},
	ActionItemOverdueSeconds:        {"action_item_overdue_seconds", AnalysisActions, labels("key", "team", "priority"), "Time past the due date of one open overdue action item (capped: each team's most overdue first, then each team's next, so every team's alert can name its worst).", Gauge, ByAnalysis},
	ActionItemStaleSeconds:          {"action_item_stale_seconds", AnalysisActions, labels("key", "team", "priority"), "Time since the last activity of one open stale action item (capped: P1 first, then P2 and so on, each stalest first).", Gauge, ByAnalysis},
	ActionItemSeriesDropped:         {"action_item_series_dropped", AnalysisActions, labels("series"), "Overdue or stale action items (series: overdue, stale) left without a per-item series because of exporter.max_item_series; they still count in the per-team totals.", Gauge, ByAnalysis},
	PostmortemsWithoutActionItems:   {"postmortems_without_action_items", AnalysisActions, labels("severity"), "Published postmortems with no action item.", Gauge, ByAnalysis},

	// process
	PostmortemsRequired:         {"postmortems_required", AnalysisProcess, labels("period", "severity"), "Resolved incidents created in the period whose severity requires a postmortem (empty severity = all required).", Gauge, ByAnalysis},
	PostmortemCoverageRatio:     {"postmortem_coverage_ratio", AnalysisProcess, labels("period", "severity"), "Share of the resolved incidents requiring a postmortem that have one (empty severity = all required).", Gauge, ByAnalysis},
	PostmortemLagSeconds:        {"postmortem_lag_seconds", AnalysisProcess, labels("period", "stage", "stat"), "Time from incident resolve (the last of its incidents) to postmortem draft or publish, for postmortems whose incidents resolved in the period (p50, p90, p95, mean).", Gauge, ByAnalysis},
	PostmortemLagTargetSeconds:  {"postmortem_lag_target_seconds", AnalysisProcess, labels("stage"), "Configured target for the time from resolve to draft and to publish.", Gauge, ByAnalysis},
	PostmortemWithinTargetRatio: {"postmortem_within_target_ratio", AnalysisProcess, labels("period", "stage"), "Share of postmortems drafted or published within target, among those whose incident resolved in the period and whose target has passed.", Gauge, ByAnalysis},
	PostmortemsOverdue:          {"postmortems_overdue", AnalysisProcess, labels("stage", "severity"), "Incidents requiring a postmortem, resolved in the lookback, whose postmortem is not drafted or not published within target as of the run (one never drafted counts for both stages).", Gauge, ByAnalysis},
	PostmortemOverdueSeconds:    {"postmortem_overdue_seconds", AnalysisProcess, labels("incident", "severity", "stage", "team"), "Time past target of one incident's missing draft or, once drafted, its missing publication: one series per incident, its earliest missing stage (capped, most overdue first).", Gauge, ByAnalysis},
	PostmortemCompletenessRatio: {"postmortem_completeness_ratio", AnalysisProcess, labels("period"), "Mean share of the template's sections present in postmortems created in the period.", Gauge, ByAnalysis},
	PostmortemSectionsMissing:   {"postmortem_sections_missing", AnalysisProcess, labels("period", "section"), "Postmortems created in the period missing the template section.", Gauge, ByAnalysis},
	ActionItemsOwnerAndDueRatio: {"action_items_owner_and_due_ratio", AnalysisProcess, labels("period"), "Share of action items created in the period that have both an owner and a due date.", Gauge, ByAnalysis},

	// language
	LanguageFindings:          {"language_findings", AnalysisLanguage, labels("period", "rule"), "Findings in postmortems (blame, counterfactuals, human error as root cause) and action items (vague wording, unowned, no due date) created in the period, by rule.", Gauge, ByAnalysis},
	LanguageFindingsDismissed: {"language_findings_dismissed", AnalysisLanguage, labels("period", "rule"), "Findings that the team dismissed with the dismiss label (analysis.dismiss_label on the Jira issue: a postmortem's findings, an action item's vagueness findings), in postmortems and action items created in the period, by rule (0 for a rule with findings and none dismissed); they count in no other language metric.", Gauge, ByAnalysis},
	PostmortemsWithBlameRatio: {"postmortems_with_blame_ratio", AnalysisLanguage, labels("period"), "Share of postmortems created in the period with at least one blame finding.", Gauge, ByAnalysis},
	ActionItemsVagueRatio:     {"action_items_vague_ratio", AnalysisLanguage, labels("period"), "Share of action items created in the period with at least one vagueness finding.", Gauge, ByAnalysis},

	// themes
	Themes:                {"themes", AnalysisThemes, labels(), "Contributing-factor themes after this run's clustering.", Gauge, ByAnalysis},
	ThemeInfo:             {"theme_info", AnalysisThemes, labels("theme", "label", "class"), "Human-readable label of a contributing-factor theme and the cause class most of its factors have; value 1.", Gauge, ByAnalysis},
	ThemeFactors:          {"theme_factors", AnalysisThemes, labels("period", "theme"), "Contributing factors of postmortems created in the period, by theme.", Gauge, ByAnalysis},
	ThemeFactorsByTeam:    {"theme_factors_by_team", AnalysisThemes, labels("period", "theme", "team"), "Contributing factors of postmortems created in the period, by theme and the postmortem's team.", Gauge, ByAnalysis},
	ThemeFactorsByService: {"theme_factors_by_service", AnalysisThemes, labels("period", "theme", "service"), "Contributing factors of postmortems created in the period, by theme and the postmortem's service.", Gauge, ByAnalysis},
	CauseClassFactors:     {"cause_class_factors", AnalysisThemes, labels("period", "class"), "Contributing factors of postmortems created in the period, by cause class (code bug, configuration, deployment, capacity and load, dependency or third party, hardware and infrastructure, network, data, security, process, unclassified).", Gauge, ByAnalysis},
	ThemeChanges:          {"theme_changes", AnalysisThemes, labels("kind"), "Theme changes against the previous run, by kind (merge, split, new, retired).", Gauge, ByAnalysis},

	// recurrence
	RepeatIncidentRatio:          {"repeat_incident_ratio", AnalysisRecurrence, labels("period"), "Share of incidents created in the period that repeat an earlier one within the recurrence window (same service and theme, or a near-duplicate title).", Gauge, ByAnalysis},
	RecurringIncidents:           {"recurring_incidents", AnalysisRecurrence, labels("period", "service"), "Incidents created in the period that repeat an earlier one within the recurrence window.", Gauge, ByAnalysis},
	RecurringIncidentsBySeverity: {"recurring_incidents_by_severity", AnalysisRecurrence, labels("period", "severity"), "Incidents created in the period that repeat an earlier one within the recurrence window, by severity, zero included (merged incidents excluded, as in aftermath_incidents_by_severity, which gives the rate).", Gauge, ByAnalysis},
	FixPostmortemThemes:          {"fix_postmortem_themes", AnalysisRecurrence, labels("theme", "kind", "team", "state"), "Pairs of a postmortem with action items and a theme of its contributing factors, by state as of the run: held (all items closed, no repeat of the service and theme since), failed (all closed, repeated since), open (an item still open); a postmortem counts under every kind among its items, with the state of its items of that kind (empty theme/kind/team = all).", Gauge, ByAnalysis},
	FixRepeats:                   {"fix_repeats", AnalysisRecurrence, labels("theme", "kind", "team", "phase"), "Later incidents on a postmortem's service whose postmortems have a factor of the same theme, while its action items were open (phase open) and after all closed (phase closed), summed over (postmortem, theme) pairs (empty theme/kind/team = all).", Gauge, ByAnalysis},
	FixExposureSeconds:           {"fix_exposure_seconds", AnalysisRecurrence, labels("theme", "kind", "team", "phase"), "Time (postmortem, theme) pairs spent with action items open (from the first incident until the last item closed) and closed (until the run), summed; fix_repeats divided by it is the repeat rate of each phase (empty theme/kind/team = all).", Gauge, ByAnalysis},
	FixPendingRepeats:            {"fix_pending_repeats", AnalysisRecurrence, labels("key", "team", "service", "theme"), "Repeats of one postmortem's failure (later incidents on its service whose postmortems have a factor of the theme) since its first incident, while its action items are still open; key is the postmortem (capped: the 10 most repeated per team, most first).", Gauge, ByAnalysis},
	FixPendingLastRepeat:         {"fix_pending_last_repeat_timestamp_seconds", AnalysisRecurrence, labels("key", "team", "service", "theme"), "Unix time of the latest repeat of one postmortem's failure counted in aftermath_fix_pending_repeats (the same series): the alert on failures that repeat while fixes are open asks for a recent one.", Gauge, ByAnalysis},
	FixRepeatRateRatio:           {"fix_repeat_rate_ratio", AnalysisRecurrence, labels("theme", "kind", "team", "stat"), "Repeat rate after action items closed divided by the rate while open, each (postmortem, theme) pair compared with itself and each phase's time weighed by the theme's trend fitted to the open phases (stat estimate), with its 95% interval (stat lower, upper; exact conditional up to 1000 repeats, Mantel-Haenszel above); an upper bound below 1: the fixes held. Written when a pair has exposure in both phases and a repeat; infinite values are not written (empty theme/kind/team = all).", Gauge, ByAnalysis},

	// change
	MTTAIntervalSeconds: {"mtta_interval_seconds", AnalysisChange, labels("period", "severity", "team", "stat", "bound"), "95% bootstrap interval (bound lower, upper) of the MTTA percentile (p50, p90) of aftermath_mtta_seconds, for bands (empty severity/team = all; at least 5 incidents).", Gauge, ByAnalysis},
	MTTRIntervalSeconds: {"mttr_interval_seconds", AnalysisChange, labels("period", "severity", "team", "stat", "bound"), "95% bootstrap interval (bound lower, upper) of the MTTR percentile (p50, p90) of aftermath_mttr_seconds, for bands (empty severity/team = all; at least 5 incidents).", Gauge, ByAnalysis},
	ChangeRatio:         {"change_ratio", AnalysisChange, labels("period", "measure", "severity", "team", "stat", "bound"), "The period's value over the month before's: MTTA or MTTR percentile (stat p50, p90; bootstrap), a count per day (stat rate: measure incidents, major_incidents for SEV1+SEV2, repeat_incidents, postmortems_required; exact conditional binomial) or a share (stat share: measure postmortem_coverage, postmortems_with_blame, action_items_vague, repeat_incidents, major_repeat_incidents; Fisher's exact test, Koopman score interval of the ratio of shares), bound estimate, lower, upper (95%; empty severity/team = all).", Gauge, ByAnalysis},
	ChangeVerdict:       {"change_verdict", AnalysisChange, labels("period", "measure", "severity", "team", "stat"), "Whether the change of aftermath_change_ratio is distinguishable from noise: 1 rose, -1 fell, 0 no clear change; Benjamini-Hochberg at a 5% false discovery rate over all the period's comparisons (empty severity/team = all).", Gauge, ByAnalysis},

	// run
	AnalysisDurationSeconds: {"analysis_duration_seconds", AnalysisRun, labels("analysis"), "Wall time of each analysis in this run.", Gauge, ByAnalysis},
	AnalysisInputRows:       {"analysis_input_rows", AnalysisRun, labels("table"), "Rows read by this run, by table.", Gauge, ByAnalysis},
	AnalysisUnknownValues:   {"analysis_unknown_values", AnalysisRun, labels("field"), "Rows whose field had a value outside the known set and was counted as unknown.", Gauge, ByAnalysis},

	// exporter
	Up:                                  {"up", "", nil, "1 if the last scrape served the latest successful analysis run: ClickHouse answered, an analysis run has succeeded and every collector read its results; 0 otherwise.", Gauge, ByExporter},
	ClickHouseUp:                        {"clickhouse_up", "", nil, "1 if ClickHouse answered a ping during the last scrape, 0 if it did not.", Gauge, ByExporter},
	AnalysisLastSuccessTimestampSeconds: {"analysis_last_success_timestamp_seconds", "", nil, "Unix time when the latest successful analysis run finished; the results served come from that run.", Gauge, ByExporter},
	IngestLastSuccessTimestampSeconds:   {"ingest_last_success_timestamp_seconds", "", labels("source"), "Unix time when the latest successful ingest run of a source finished; 0 if it never succeeded.", Gauge, ByExporter},
	CollectorSuccess:                    {"collector_success", "", labels("collector"), "1 if the collector served its data during the last scrape, 0 if it failed.", Gauge, ByExporter},
	CollectorDurationSeconds:            {"collector_duration_seconds", "", labels("collector"), "Time the collector took during the last scrape.", Gauge, ByExporter},
	ExporterSkippedResults:              {"exporter_skipped_results", "", labels("collector"), "Results of the served analysis run that the exporter could not serve (unknown metric, wrong labels, duplicate series).", Gauge, ByExporter},
	ExporterItemSeriesDropped:           {"exporter_item_series_dropped", "", labels("collector"), "Per-action-item info series of the served run left out because of the max item series cap.", Gauge, ByExporter},
	ExporterResultSeries:                {"exporter_result_series", "", labels("collector"), "Series built from the served analysis run.", Gauge, ByExporter},

	// scheduler
	JobRunsTotal:                   {"job_runs_total", "", labels("task", "result"), "Scheduled job runs by job and result (success, failure).", Counter, ByScheduler},
	JobDurationSeconds:             {"job_duration_seconds", "", labels("task"), "Duration of scheduled job runs.", Histogram, ByScheduler},
	JobLastSuccessTimestampSeconds: {"job_last_success_timestamp_seconds", "", labels("task"), "When each scheduled job last succeeded (Unix time).", Gauge, ByScheduler},

	// ingest HTTP transport
	HTTPRequestsTotal:             {"http_requests_total", "", labels("source", "endpoint", "status"), "HTTP requests sent to a source API (every attempt), by endpoint template and status code (\"error\" when no response came).", Counter, ByHTTP},
	HTTPRetriesTotal:              {"http_retries_total", "", labels("source", "endpoint", "reason"), "HTTP requests retried, by endpoint template and reason (429, 5xx, timeout, network).", Counter, ByHTTP},
	HTTPErrorsTotal:               {"http_errors_total", "", labels("source", "endpoint", "kind"), "HTTP requests that finally failed, by endpoint template and kind (status, 429, 5xx, timeout, network, canceled, body, too_large).", Counter, ByHTTP},
	HTTPRateLimitWaitsTotal:       {"http_rate_limit_waits_total", "", labels("source"), "Times a request waited for the request budget or a server rate limit.", Counter, ByHTTP},
	HTTPRateLimitWaitSecondsTotal: {"http_rate_limit_wait_seconds_total", "", labels("source"), "Time spent waiting for the request budget or a server rate limit.", Counter, ByHTTP},

	// one ingest source's own
	JiraChangelogsCompletedTotal: {"jira_changelogs_completed_total", string(SourceJira), nil, "Issues whose changelog search truncated and the changelog endpoint completed.", Counter, ByIngest},
	JiraSkippedIssuesTotal:       {"jira_skipped_issues_total", string(SourceJira), labels("kind", "reason"), "Jira issues not stored because they could not be decoded or mapped (each is logged by key), by kind and reason (undecodable, changelog, unmappable).", Counter, ByIngest},
	JiraRemovedIssuesTotal:       {"jira_removed_issues_total", string(SourceJira), labels("kind"), "Issues removed from the store because Jira no longer lists them in scope (deleted, or moved out of the JQL; each is logged by key), by kind.", Counter, ByIngest},
	JiraRestoredIssuesTotal:      {"jira_restored_issues_total", string(SourceJira), labels("kind"), "Issues a reconciliation with Jira fetched and stored because Jira lists them in scope and they were not stored (removed earlier, or brought into scope by a JQL or access change), by kind.", Counter, ByIngest},
	JiraReconcileRefused:         {"jira_reconcile_refused", string(SourceJira), nil, "1 when the last reconciliation with Jira removed nothing because it would have removed more than a safe share of the stored issues (check the JQL and the account's access), else 0.", Gauge, ByIngest},
	PagerDutyWindowRepassesTotal: {"pagerduty_window_repasses_total", string(SourcePagerDuty), labels("kind"), "Time windows paged again because items shifted between pages, by kind.", Counter, ByIngest},
}

// specs are every family's: fixedSpecs, then each source's SourceFamily
// ones.
var specs = func() [numFamilies]spec {
	var out [numFamilies]spec
	copy(out[:], fixedSpecs[:])
	for i, src := range sources {
		for k := SourceFamily(1); k < numSourceFamilies; k++ {
			out[sourceFamily(i, k)] = src.spec(k)
		}
	}
	return out
}()
