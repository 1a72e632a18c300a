package jira

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/ingest/ingesttest"
	catalog "github.com/aftermath-sre/aftermath/metrics"
)

func TestRebuiltIngesterMetricsShareARegisterer(t *testing.T) {
	reg := prometheus.NewRegistry()
	a, err := newMetrics(reg)
	require.NoError(t, err)
	b, err := newMetrics(reg)
	require.NoError(t, err, "a rebuilt Jira ingester reuses the first one's collectors")
	a.SyncErrors.Inc()
	b.SyncErrors.Inc()
	a.changelogsCompleted.Inc()
	b.changelogsCompleted.Inc()
	require.Equal(t, 2.0, testutil.ToFloat64(b.SyncErrors))
	require.Equal(t, 2.0, testutil.ToFloat64(b.changelogsCompleted))
}

// The ingester registers the catalogued families of its source, with the
// catalogue's help and labels, and nothing else.
func TestIngesterRegistersTheCataloguedFamilies(t *testing.T) {
	reg := &ingesttest.Describing{}
	_, err := newMetrics(reg)
	require.NoError(t, err)
	var want []string
	for _, f := range catalog.SourceJira.Families() {
		want = append(want, prometheus.NewDesc(f.Name(), f.Help(), f.Labels(), nil).String())
	}
	require.Len(t, want, 12)
	require.ElementsMatch(t, want, reg.Descs)
	require.Equal(t, string(catalog.SourceJira), (&Ingester{}).Name())
}
