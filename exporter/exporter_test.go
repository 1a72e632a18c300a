package exporter

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze"
	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

var t0 = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

// writeRun stores a successful analysis run with its results.
func writeRun(t testing.TB, st *store.Store, id string, finished time.Time, results []store.Result) {
	t.Helper()
	run := store.AnalysisRun{ID: id, StartedAt: finished.Add(-time.Minute), FinishedAt: finished, Status: store.RunSuccess}
	require.NoError(t, st.WriteAnalysis(context.Background(), run, results))
}

// countingStore counts result reads, to prove the cache.
type countingStore struct {
	Store
	reads atomic.Int64
}

func (c *countingStore) AnalysisResults(ctx context.Context, runID, analysis string) ([]store.Result, error) {
	c.reads.Add(1)
	return c.Store.AnalysisResults(ctx, runID, analysis)
}

// deadStore fails every call, like a ClickHouse that is gone.
type deadStore struct{}

var errDead = errors.New("dial tcp 127.0.0.1:1: connection refused")

func (deadStore) Ping(context.Context) error        { return errDead }
func (deadStore) CheckSchema(context.Context) error { return errDead }
func (deadStore) LatestAnalysisRun(context.Context) (store.AnalysisRun, bool, error) {
	return store.AnalysisRun{}, false, errDead
}
func (deadStore) AnalysisResults(context.Context, string, string) ([]store.Result, error) {
	return nil, errDead
}
func (deadStore) LastIngestSuccess(context.Context) (map[string]time.Time, error) {
	return nil, errDead
}

// Each collector's families, read from results written to a real store.
func TestCollectorsServeTheLatestRun(t *testing.T) {
	st := chtest.Store(t)
	results := []store.Result{
		r(analyze.AnalysisResponse, "incidents", 7, "period", "2026-01", "severity", "SEV1", "service", "checkout", "team", "payments"),
		r(analyze.AnalysisResponse, "mttr_seconds", 5400, "period", "30d", "severity", "", "service", "", "team", "", "stat", "p90"),
		r(analyze.AnalysisResponse, "incident_resolve_duration_seconds_bucket", 2, "severity", "SEV2", "le", "3600"),
		r(analyze.AnalysisResponse, "incident_resolve_duration_seconds_bucket", 5, "severity", "SEV2", "le", "+Inf"),
		r(analyze.AnalysisResponse, "incident_resolve_duration_seconds_sum", 30000, "severity", "SEV2"),
		r(analyze.AnalysisResponse, "incident_resolve_duration_seconds_count", 5, "severity", "SEV2"),
		r(analyze.AnalysisSLO, "error_budget_remaining_ratio", 0.25, "service", "checkout", "window", "rolling_28d"),
		r(analyze.AnalysisSLO, "error_budget_consumed_ratio", 0.75, "service", "checkout", "window", "rolling_28d"),
		r(analyze.AnalysisActions, "action_items", 12, "state", "open", "priority", "P1", "team", "payments"),
		r(analyze.AnalysisActions, "action_items_overdue", 3, "priority", "P1", "team", "payments"),
		r(analyze.AnalysisActions, "action_item_overdue_seconds", 9*86400, "key", "ACT-7", "team", "payments", "priority", "P1"),
		r(analyze.AnalysisActions, "action_item_overdue_seconds", 2*86400, "key", "ACT-9", "team", "payments", "priority", "P2"),
		r(analyze.AnalysisActions, "action_item_overdue_seconds", 30*86400, "key", "ACT-3", "team", "search", "priority", "P3"),
		r(analyze.AnalysisActions, "action_item_stale_seconds", 20*86400, "key", "ACT-7", "team", "payments", "priority", "P1"),
		r(analyze.AnalysisProcess, "postmortem_coverage_ratio", 0.8, "period", "2026-01", "severity", "SEV1"),
		r(analyze.AnalysisProcess, "postmortem_overdue_seconds", 3600, "incident", "PD-42", "severity", "SEV1", "stage", "draft", "team", "payments"),
		r(analyze.AnalysisLanguage, "language_findings", 4, "period", "2026-01", "rule", "human_error"),
		r(analyze.AnalysisThemes, "theme_factors", 11, "period", "2026-01", "theme", "t3"),
		r(analyze.AnalysisThemes, "themes", 17),
		r(analyze.AnalysisRecurrence, "repeat_incident_ratio", 0.12, "period", "30d"),
		r(analyze.AnalysisRun, "analysis_input_rows", 2000, "table", "incidents"),
		r(analyze.AnalysisRun, "no_such_metric", 1),
	}
	writeRun(t, st, "run-1", t0, results)
	cs := &countingStore{Store: st}
	e, err := New(Options{Store: cs, Sources: []string{"jira", "pagerduty"}, MaxItemSeries: 2})
	require.NoError(t, err)

	tests := []struct {
		collector string
		families  []string
		want      string
	}{
		{analyze.AnalysisResponse, []string{"aftermath_incidents", "aftermath_mttr_seconds", "aftermath_incident_resolve_duration_seconds"}, `
` + meta("aftermath_incident_resolve_duration_seconds", "histogram") + `aftermath_incident_resolve_duration_seconds_bucket{severity="SEV2",le="3600"} 2
aftermath_incident_resolve_duration_seconds_bucket{severity="SEV2",le="+Inf"} 5
aftermath_incident_resolve_duration_seconds_sum{severity="SEV2"} 30000
aftermath_incident_resolve_duration_seconds_count{severity="SEV2"} 5
` + meta("aftermath_incidents", "gauge") + `aftermath_incidents{period="2026-01",service="checkout",severity="SEV1",team="payments"} 7
` + meta("aftermath_mttr_seconds", "gauge") + `aftermath_mttr_seconds{period="30d",service="",severity="",stat="p90",team=""} 5400
`},
		{analyze.AnalysisSLO, []string{"aftermath_error_budget_remaining_ratio", "aftermath_error_budget_consumed_ratio"}, `
` + meta("aftermath_error_budget_consumed_ratio", "gauge") + `aftermath_error_budget_consumed_ratio{service="checkout",window="rolling_28d"} 0.75
` + meta("aftermath_error_budget_remaining_ratio", "gauge") + `aftermath_error_budget_remaining_ratio{service="checkout",window="rolling_28d"} 0.25
`},
		{analyze.AnalysisActions, []string{"aftermath_action_items", "aftermath_action_items_overdue", "aftermath_action_item_overdue_seconds", "aftermath_action_item_stale_seconds"}, `
` + meta("aftermath_action_item_overdue_seconds", "gauge") + `aftermath_action_item_overdue_seconds{key="ACT-3",priority="P3",team="search"} 2.592e+06
aftermath_action_item_overdue_seconds{key="ACT-7",priority="P1",team="payments"} 777600
` + meta("aftermath_action_item_stale_seconds", "gauge") + `aftermath_action_item_stale_seconds{key="ACT-7",priority="P1",team="payments"} 1.728e+06
` + meta("aftermath_action_items", "gauge") + `aftermath_action_items{priority="P1",state="open",team="payments"} 12
` + meta("aftermath_action_items_overdue", "gauge") + `aftermath_action_items_overdue{priority="P1",team="payments"} 3
`},
		{analyze.AnalysisProcess, []string{"aftermath_postmortem_coverage_ratio", "aftermath_postmortem_overdue_seconds"}, `
` + meta("aftermath_postmortem_coverage_ratio", "gauge") + `aftermath_postmortem_coverage_ratio{period="2026-01",severity="SEV1"} 0.8
` + meta("aftermath_postmortem_overdue_seconds", "gauge") + `aftermath_postmortem_overdue_seconds{incident="PD-42",severity="SEV1",stage="draft",team="payments"} 3600
`},
		{analyze.AnalysisLanguage, []string{"aftermath_language_findings"}, `
` + meta("aftermath_language_findings", "gauge") + `aftermath_language_findings{period="2026-01",rule="human_error"} 4
`},
		{analyze.AnalysisThemes, []string{"aftermath_theme_factors", "aftermath_themes"}, `
` + meta("aftermath_theme_factors", "gauge") + `aftermath_theme_factors{period="2026-01",theme="t3"} 11
` + meta("aftermath_themes", "gauge") + `aftermath_themes 17
`},
		{analyze.AnalysisRecurrence, []string{"aftermath_repeat_incident_ratio"}, `
` + meta("aftermath_repeat_incident_ratio", "gauge") + `aftermath_repeat_incident_ratio{period="30d"} 0.12
`},
		{analyze.AnalysisRun, []string{"aftermath_analysis_input_rows"}, `
` + meta("aftermath_analysis_input_rows", "gauge") + `aftermath_analysis_input_rows{table="incidents"} 2000
`},
	}
	for _, tc := range tests {
		t.Run(tc.collector, func(t *testing.T) {
			require.Contains(t, e.Collectors(), tc.collector)
			require.NoError(t, testutil.CollectAndCompare(e, strings.NewReader(tc.want), tc.families...))
		})
	}

	t.Run("self", func(t *testing.T) {
		want := `
# HELP aftermath_analysis_last_success_timestamp_seconds Unix time when the latest successful analysis run finished; the results served come from that run.
# TYPE aftermath_analysis_last_success_timestamp_seconds gauge
aftermath_analysis_last_success_timestamp_seconds 1.7684784e+09
# HELP aftermath_clickhouse_up 1 if ClickHouse answered a ping during the last scrape, 0 if it did not.
# TYPE aftermath_clickhouse_up gauge
aftermath_clickhouse_up 1
# HELP aftermath_exporter_item_series_dropped Per-action-item info series of the served run left out because of the max item series cap.
# TYPE aftermath_exporter_item_series_dropped gauge
aftermath_exporter_item_series_dropped{collector="actions"} 1
aftermath_exporter_item_series_dropped{collector="change"} 0
aftermath_exporter_item_series_dropped{collector="language"} 0
aftermath_exporter_item_series_dropped{collector="process"} 0
aftermath_exporter_item_series_dropped{collector="recurrence"} 0
aftermath_exporter_item_series_dropped{collector="response"} 0
aftermath_exporter_item_series_dropped{collector="run"} 0
aftermath_exporter_item_series_dropped{collector="slo"} 0
aftermath_exporter_item_series_dropped{collector="themes"} 0
# HELP aftermath_exporter_skipped_results Results of the served analysis run that the exporter could not serve (unknown metric, wrong labels, duplicate series).
# TYPE aftermath_exporter_skipped_results gauge
aftermath_exporter_skipped_results{collector="actions"} 0
aftermath_exporter_skipped_results{collector="change"} 0
aftermath_exporter_skipped_results{collector="language"} 0
aftermath_exporter_skipped_results{collector="process"} 0
aftermath_exporter_skipped_results{collector="recurrence"} 0
aftermath_exporter_skipped_results{collector="response"} 0
aftermath_exporter_skipped_results{collector="run"} 1
aftermath_exporter_skipped_results{collector="slo"} 0
aftermath_exporter_skipped_results{collector="themes"} 0
# HELP aftermath_up 1 if the last scrape served the latest successful analysis run: ClickHouse answered, an analysis run has succeeded and every collector read its results; 0 otherwise.
# TYPE aftermath_up gauge
aftermath_up 1
`
		require.NoError(t, testutil.CollectAndCompare(e, strings.NewReader(want),
			"aftermath_up", "aftermath_clickhouse_up", "aftermath_analysis_last_success_timestamp_seconds",
			"aftermath_exporter_skipped_results", "aftermath_exporter_item_series_dropped"))
		success := collectGauges(t, e, "aftermath_collector_success")
		require.Len(t, success, len(e.Collectors()))
		for c, v := range success {
			require.Equal(t, 1.0, v, c)
		}
	})

	t.Run("results are read once per run", func(t *testing.T) {
		before := cs.reads.Load()
		for range 3 {
			testutil.CollectAndCount(e)
		}
		require.Equal(t, before, cs.reads.Load(), "scrapes of an unchanged run must not re-read results")

		writeRun(t, st, "run-2", t0.Add(time.Hour), []store.Result{
			r(analyze.AnalysisActions, "action_items_overdue", 1, "priority", "P1", "team", "payments"),
		})
		want := `
` + meta("aftermath_action_items_overdue", "gauge") + `aftermath_action_items_overdue{priority="P1",team="payments"} 1
`
		require.NoError(t, testutil.CollectAndCompare(e, strings.NewReader(want), "aftermath_action_items_overdue"))
		require.Equal(t, before+int64(len(e.Collectors())-1), cs.reads.Load(), "a new run is read once per collector")
		require.Zero(t, testutil.CollectAndCount(e, "aftermath_incidents"), "series of the old run are gone")
	})
}

func TestIngestFreshness(t *testing.T) {
	st := chtest.Store(t)
	ctx := context.Background()
	require.NoError(t, st.RecordIngestRun(ctx, store.IngestRun{Source: "pagerduty", RunID: "a", StartedAt: t0, FinishedAt: t0.Add(time.Minute), Status: "success"}))
	require.NoError(t, st.RecordIngestRun(ctx, store.IngestRun{Source: "pagerduty", RunID: "b", StartedAt: t0.Add(time.Hour), FinishedAt: t0.Add(time.Hour + time.Minute), Status: "failed"}))
	require.NoError(t, st.RecordIngestRun(ctx, store.IngestRun{Source: "jira", RunID: "c", StartedAt: t0, FinishedAt: t0.Add(2 * time.Minute), Status: "failed"}))
	e, err := New(Options{Store: st, Sources: []string{"jira", "pagerduty"}})
	require.NoError(t, err)
	want := `
# HELP aftermath_collector_success 1 if the collector served its data during the last scrape, 0 if it failed.
# TYPE aftermath_collector_success gauge
aftermath_collector_success{collector="actions"} 0
aftermath_collector_success{collector="change"} 0
aftermath_collector_success{collector="ingest"} 1
aftermath_collector_success{collector="language"} 0
aftermath_collector_success{collector="process"} 0
aftermath_collector_success{collector="recurrence"} 0
aftermath_collector_success{collector="response"} 0
aftermath_collector_success{collector="run"} 0
aftermath_collector_success{collector="slo"} 0
aftermath_collector_success{collector="themes"} 0
# HELP aftermath_ingest_last_success_timestamp_seconds Unix time when the latest successful ingest run of a source finished; 0 if it never succeeded.
# TYPE aftermath_ingest_last_success_timestamp_seconds gauge
aftermath_ingest_last_success_timestamp_seconds{source="jira"} 0
aftermath_ingest_last_success_timestamp_seconds{source="pagerduty"} 1.76847846e+09
# HELP aftermath_up 1 if the last scrape served the latest successful analysis run: ClickHouse answered, an analysis run has succeeded and every collector read its results; 0 otherwise.
# TYPE aftermath_up gauge
aftermath_up 0
`
	require.NoError(t, testutil.CollectAndCompare(e, strings.NewReader(want),
		"aftermath_ingest_last_success_timestamp_seconds", "aftermath_up", "aftermath_collector_success"),
		"no analysis run yet: nothing to serve, so not up, but ingest freshness is served")
}

// collectGauges returns a family's values by its only label's value.
func collectGauges(t *testing.T, e *Exporter, name string) map[string]float64 {
	t.Helper()
	reg := newRegistry(t, e)
	mfs, err := reg.Gather()
	require.NoError(t, err)
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			key := ""
			for _, l := range m.GetLabel() {
				key = l.GetValue()
			}
			out[key] = m.GetGauge().GetValue()
		}
	}
	return out
}

// meta is the HELP and TYPE lines of a catalogued family, as the catalogue
// words them today.
func meta(name, typ string) string {
	m, ok := metrics.ByName(name)
	if !ok {
		panic("not in the catalogue: " + name)
	}
	return "# HELP " + name + " " + m.Help() + "\n# TYPE " + name + " " + typ + "\n"
}
