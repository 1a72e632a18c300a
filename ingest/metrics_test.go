package ingest

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

var demoOpts = SourceMetricsOptions{Source: "demo", DisplayName: "Demo", StoredTables: "incident, raw_document"}

func TestSourceMetricsNamesAndDefaultHelp(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := NewSourceMetrics(demoOpts, reg)
	require.NoError(t, err)
	m.Stored.WithLabelValues("incident").Add(3)
	m.Unmapped.WithLabelValues("incident").Inc()
	m.UnknownEnums.WithLabelValues("incident.status").Inc()
	m.DecodeRetries.Inc()
	m.SyncErrors.Inc()
	m.LastSuccess.Set(1700000000)
	m.SyncDuration.Set(2.5)
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP aftermath_demo_decode_retries_total Responses fetched again because their body could not be decoded.
# TYPE aftermath_demo_decode_retries_total counter
aftermath_demo_decode_retries_total 1
# HELP aftermath_demo_last_success_timestamp_seconds When the last successful Demo sync finished (Unix time).
# TYPE aftermath_demo_last_success_timestamp_seconds gauge
aftermath_demo_last_success_timestamp_seconds 1.7e+09
# HELP aftermath_demo_records_stored_total Rows stored by the Demo ingester, by table (incident, raw_document).
# TYPE aftermath_demo_records_stored_total counter
aftermath_demo_records_stored_total{table="incident"} 3
# HELP aftermath_demo_sync_duration_seconds How long the last Demo sync took.
# TYPE aftermath_demo_sync_duration_seconds gauge
aftermath_demo_sync_duration_seconds 2.5
# HELP aftermath_demo_sync_errors_total Demo syncs that failed.
# TYPE aftermath_demo_sync_errors_total counter
aftermath_demo_sync_errors_total 1
# HELP aftermath_demo_unknown_enum_values_total Values Demo sent that Aftermath does not know (stored as unknown), by field.
# TYPE aftermath_demo_unknown_enum_values_total counter
aftermath_demo_unknown_enum_values_total{field="incident.status"} 1
# HELP aftermath_demo_unmapped_records_total Demo records skipped because they could not be mapped, by kind.
# TYPE aftermath_demo_unmapped_records_total counter
aftermath_demo_unmapped_records_total{kind="incident"} 1
`)))
}

func TestSourceMetricsHelpOverrides(t *testing.T) {
	opts := demoOpts
	opts.UnmappedHelp, opts.UnknownEnumsHelp, opts.DecodeRetriesHelp = "u.", "e.", "d."
	reg := prometheus.NewRegistry()
	m, err := NewSourceMetrics(opts, reg)
	require.NoError(t, err)
	m.Unmapped.WithLabelValues("incident").Inc()
	m.UnknownEnums.WithLabelValues("incident.status").Inc()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	help := map[string]string{}
	for _, mf := range mfs {
		help[mf.GetName()] = mf.GetHelp()
	}
	require.Equal(t, "u.", help["aftermath_demo_unmapped_records_total"])
	require.Equal(t, "e.", help["aftermath_demo_unknown_enum_values_total"])
	require.Equal(t, "d.", help["aftermath_demo_decode_retries_total"])
}

func TestRebuiltSourceMetricsShareARegisterer(t *testing.T) {
	reg := prometheus.NewRegistry()
	a, err := NewSourceMetrics(demoOpts, reg)
	require.NoError(t, err)
	b, err := NewSourceMetrics(demoOpts, reg)
	require.NoError(t, err)
	a.SyncErrors.Inc()
	b.SyncErrors.Inc()
	a.Stored.WithLabelValues("incident").Inc()
	b.Stored.WithLabelValues("incident").Inc()
	require.Equal(t, 2.0, testutil.ToFloat64(a.SyncErrors))
	require.Equal(t, 2.0, testutil.ToFloat64(b.Stored.WithLabelValues("incident")))
	require.Equal(t, 5, testutil.CollectAndCount(reg), "stored{incident} and the four plain metrics, once each")

	other, err := NewSourceMetrics(SourceMetricsOptions{Source: "other", DisplayName: "Other"}, reg)
	require.NoError(t, err)
	other.SyncErrors.Inc()
	require.Equal(t, 2.0, testutil.ToFloat64(a.SyncErrors), "another source has its own collectors")
}

func TestSourceMetricsRegistererConflicts(t *testing.T) {
	reg := prometheus.NewRegistry()
	_, err := NewSourceMetrics(demoOpts, reg)
	require.NoError(t, err)
	reworded := demoOpts
	reworded.UnmappedHelp = "Something else."
	_, err = NewSourceMetrics(reworded, reg)
	require.Error(t, err, "same name, different help is not the same collector")

	_, err = NewSourceMetrics(SourceMetricsOptions{Source: "demo"}, nil)
	require.ErrorContains(t, err, "display name")
	m, err := NewSourceMetrics(demoOpts, nil)
	require.NoError(t, err, "nil Registerer: metrics are built, not registered")
	m.SyncErrors.Inc()
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
