// Package analyze turns stored incidents, postmortems and action items into
// the results the exporter and the digest read. Every result row belongs to a
// family of the metrics catalogue (package metrics), which names the analysis
// that writes it; the analysis_items table (migration 0002) holds what the
// digest needs beyond numbers.
package analyze

import (
	"fmt"

	"github.com/aftermath-sre/aftermath/analyze/internal/calc"
	"github.com/aftermath-sre/aftermath/analyze/process"
	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
)

// Analysis names, the Result.Analysis of every row.
const (
	AnalysisResponse   = metrics.AnalysisResponse
	AnalysisSLO        = metrics.AnalysisSLO
	AnalysisActions    = metrics.AnalysisActions
	AnalysisProcess    = metrics.AnalysisProcess
	AnalysisLanguage   = metrics.AnalysisLanguage
	AnalysisThemes     = metrics.AnalysisThemes
	AnalysisRecurrence = metrics.AnalysisRecurrence
	AnalysisRun        = metrics.AnalysisRun
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
	// ItemThemeTeamExample: factor (id "PM-1#2"), postmortem, text: the
	// factor of a theme in the team's latest postmortem of the month. Key is
	// the theme id, Period the month, Team the team; Value the team's
	// factors of the theme in the month.
	ItemThemeTeamExample = "theme_team_example"
	// ItemThemeChange: change (new|merge|split|retired), themes
	// (comma-separated), into, from.
	ItemThemeChange = "theme_change"
	// ItemPendingFix: a fix still owed while its failure repeats (analysis
	// recurrence): a postmortem with open action items whose service failed
	// again for one of its themes since its first incident. Fields theme
	// (id), theme_label, title, url, since (the first incident, RFC 3339),
	// last_incident, last_at, open_items, items. Key is the postmortem;
	// Value the repeats; Rank orders a team's, most repeats first (up to
	// PendingFixesPerTeam a team).
	ItemPendingFix = "pending_fix"
	// ItemTeamLabel: a team name as the sources store it (Key) and the
	// label the run gives it (Team: canonical form, after
	// analysis.team_aliases; "" for none). Written by every run under
	// analysis "run", so that SQL over the stored rows (the dashboards'
	// ClickHouse drill-down) can filter and show teams as the metrics
	// label them.
	ItemTeamLabel = "team_label"
	// ItemRunSetting: a setting the run's results depend on, for readers
	// that must say or check it (analysis "run"): Key the setting
	// (SettingTimeZone, SettingOverdueLookback, SettingIncidentsFrom),
	// field "value".
	ItemRunSetting = "run_setting"
)

// Run settings (ItemRunSetting keys).
const (
	// SettingTimeZone is the IANA name of the time zone of the run's
	// calendar months: a digest written in another would label UTC months,
	// say, as Auckland's.
	SettingTimeZone = "time_zone"
	// SettingOverdueLookback is Options.PostmortemOverdueLookback in whole
	// days: overdue postmortems count only incidents resolved this recently.
	SettingOverdueLookback = "postmortem_overdue_lookback_days"
	// SettingIncidentsFrom is when the earliest incident (not merged) was
	// created, RFC 3339 in UTC, "" without any: where the incident history
	// starts, within its month.
	SettingIncidentsFrom = "incidents_from"
)

// OverduePostmortemsKept is how many ItemOverduePostmortem items a run
// keeps (the most overdue first): a reader that finds this many cannot
// count the late incidents from the items alone.
const OverduePostmortemsKept = process.OverdueItemsKept

// PendingFixesPerTeam is how many pending fixes (ItemPendingFix) a run keeps
// per team; every organization-wide top ten is among them.
const PendingFixesPerTeam = 10

// checkResults fails unless every row belongs to a catalogued analysis
// family, under that family's analysis and with exactly its labels (plus "le"
// on histogram buckets): a row the exporter could not serve fails the run
// instead of going missing from /metrics.
func checkResults(rs []store.Result) error {
	for _, r := range rs {
		f, bucket, ok := metrics.ByResultName(r.Metric)
		if !ok {
			return fmt.Errorf("result %q of analysis %s is not in the metrics catalogue", r.Metric, r.Analysis)
		}
		if r.Analysis != f.Analysis() {
			return fmt.Errorf("result %s written by analysis %s, catalogued under %s", r.Metric, r.Analysis, f.Analysis())
		}
		if err := f.CheckLabels(r.LabelNames, bucket); err != nil {
			return fmt.Errorf("result %s: %w", r.Metric, err)
		}
	}
	return nil
}

// FormatLe formats a histogram upper bound as the "le" label value.
func FormatLe(v float64) string { return calc.FormatLe(v) }
