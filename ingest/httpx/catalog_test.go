package httpx_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/ingest/httpx"
	"github.com/aftermath-sre/aftermath/ingest/ingesttest"
	"github.com/aftermath-sre/aftermath/metrics"
)

// The transport registers every catalogued HTTP family, with the catalogue's
// help and labels, and nothing else.
func TestTransportRegistersTheCataloguedFamilies(t *testing.T) {
	reg := &ingesttest.Describing{}
	_, err := httpx.New(httpx.Options{Source: "pagerduty", Registerer: reg})
	require.NoError(t, err)
	var want []string
	for _, f := range metrics.By(metrics.ByHTTP) {
		want = append(want, prometheus.NewDesc(f.Name(), f.Help(), f.Labels(), nil).String())
	}
	require.NotEmpty(t, want)
	require.ElementsMatch(t, want, reg.Descs)
}
