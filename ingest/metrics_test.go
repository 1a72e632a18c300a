package ingest

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/ingest/ingesttest"
	catalog "github.com/aftermath-sre/aftermath/metrics"
)

// The source metrics are the catalogue's SourceFamily families of the
// source, served as they always were (names, help, types, labels).
func TestSourceMetricsAreTheCataloguedFamilies(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := NewSourceMetrics(catalog.SourceJira, reg)
	require.NoError(t, err)
	m.Stored.WithLabelValues("postmortem").Add(3)
	m.Unmapped.WithLabelValues("description").Inc()
	m.UnknownEnums.WithLabelValues("priority").Inc()
	m.DecodeRetries.Inc()
	m.SyncErrors.Inc()
	m.LastSuccess.Set(1700000000)
	m.SyncDuration.Set(2.5)
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP aftermath_jira_decode_retries_total Responses fetched again because their body could not be decoded.
# TYPE aftermath_jira_decode_retries_total counter
aftermath_jira_decode_retries_total 1
# HELP aftermath_jira_last_success_timestamp_seconds When the last successful Jira sync finished (Unix time).
# TYPE aftermath_jira_last_success_timestamp_seconds gauge
aftermath_jira_last_success_timestamp_seconds 1.7e+09
# HELP aftermath_jira_records_stored_total Rows stored by the Jira ingester, by table (postmortem, factor, action_item, transition, raw_document).
# TYPE aftermath_jira_records_stored_total counter
aftermath_jira_records_stored_total{table="postmortem"} 3
# HELP aftermath_jira_sync_duration_seconds How long the last Jira sync took.
# TYPE aftermath_jira_sync_duration_seconds gauge
aftermath_jira_sync_duration_seconds 2.5
# HELP aftermath_jira_sync_errors_total Jira syncs that failed.
# TYPE aftermath_jira_sync_errors_total counter
aftermath_jira_sync_errors_total 1
# HELP aftermath_jira_unknown_enum_values_total Values Jira sent that Aftermath does not know (stored as unknown), by field.
# TYPE aftermath_jira_unknown_enum_values_total counter
aftermath_jira_unknown_enum_values_total{field="priority"} 1
# HELP aftermath_jira_unmapped_records_total Jira records skipped (or, for descriptions, stored without their content) because they could not be mapped, by kind.
# TYPE aftermath_jira_unmapped_records_total counter
aftermath_jira_unmapped_records_total{kind="description"} 1
`)))

	// Every SourceFamily of the source, with the catalogue's help and
	// labels, and nothing else.
	descs := &ingesttest.Describing{}
	_, err = NewSourceMetrics(catalog.SourcePagerDuty, descs)
	require.NoError(t, err)
	var want []string
	for k := catalog.SourceFamily(1); k.Valid(); k++ {
		f := k.For(catalog.SourcePagerDuty)
		want = append(want, prometheus.NewDesc(f.Name(), f.Help(), f.Labels(), nil).String())
	}
	require.Len(t, want, 7)
	require.ElementsMatch(t, want, descs.Descs)
}

func TestRebuiltSourceMetricsShareARegisterer(t *testing.T) {
	reg := prometheus.NewRegistry()
	a, err := NewSourceMetrics(catalog.SourceJira, reg)
	require.NoError(t, err)
	b, err := NewSourceMetrics(catalog.SourceJira, reg)
	require.NoError(t, err)
	a.SyncErrors.Inc()
	b.SyncErrors.Inc()
	a.Stored.WithLabelValues("postmortem").Inc()
	b.Stored.WithLabelValues("postmortem").Inc()
	require.Equal(t, 2.0, testutil.ToFloat64(a.SyncErrors))
	require.Equal(t, 2.0, testutil.ToFloat64(b.Stored.WithLabelValues("postmortem")))
	require.Equal(t, 5, testutil.CollectAndCount(reg), "stored{postmortem} and the four plain metrics, once each")

	other, err := NewSourceMetrics(catalog.SourcePagerDuty, reg)
	require.NoError(t, err)
	other.SyncErrors.Inc()
	require.Equal(t, 2.0, testutil.ToFloat64(a.SyncErrors), "another source has its own collectors")
}

func TestSourceMetricsOfAnUncataloguedSource(t *testing.T) {
	_, err := NewSourceMetrics("demo", prometheus.NewRegistry())
	require.ErrorContains(t, err, `"demo" is not a source of the metrics catalogue`)
	m, err := NewSourceMetrics(catalog.SourceJira, nil)
	require.NoError(t, err, "nil Registerer: metrics are built, not registered")
	m.SyncErrors.Inc()
}

func TestSourceMetricsRegistererConflicts(t *testing.T) {
	reg := prometheus.NewRegistry()
	f := catalog.SyncErrorsTotal.For(catalog.SourceJira)
	reworded := prometheus.NewCounter(prometheus.CounterOpts{Name: f.Name(), Help: "Something else."})
	require.NoError(t, reg.Register(reworded))
	_, err := NewSourceMetrics(catalog.SourceJira, reg)
	require.Error(t, err, "same name, different help is not the same collector")
}

func TestCollectorsOfAFamilyOfAnotherShapePanic(t *testing.T) {
	require.Panics(t, func() { NewCounter(catalog.RecordsStoredTotal.For(catalog.SourceJira)) }, "labelled")
	require.Panics(t, func() { NewGauge(catalog.SyncErrorsTotal.For(catalog.SourceJira)) }, "a counter")
	require.Panics(t, func() { NewCounterVec(catalog.SyncDurationSeconds.For(catalog.SourceJira)) }, "a gauge")
	require.Panics(t, func() { NewCounterVec(catalog.JiraChangelogsCompletedTotal) }, "without labels: a Counter")
	require.NotPanics(t, func() { NewCounterVec(catalog.JiraSkippedIssuesTotal) })
}

func TestRegisterReusesOnlyTheSameType(t *testing.T) {
	reg := prometheus.NewRegistry()
	opts := prometheus.GaugeOpts{Name: "x", Help: "x."}
	counter := prometheus.NewCounterVec(prometheus.CounterOpts(opts), []string{"l"})
	require.NoError(t, Register(reg, &counter))
	again := prometheus.NewCounterVec(prometheus.CounterOpts(opts), []string{"l"})
	require.NoError(t, Register(reg, &again))
	require.Same(t, counter, again, "an identical collector is reused")

	gauge := prometheus.NewGaugeVec(opts, []string{"l"})
	err := Register(reg, &gauge)
	var are prometheus.AlreadyRegisteredError
	require.ErrorAs(t, err, &are, "same descriptors, different type: not reused")

	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "y", Help: "y."})
	require.NoError(t, Register(nil, &c))
}
