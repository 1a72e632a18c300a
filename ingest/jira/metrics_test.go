package jira

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
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
