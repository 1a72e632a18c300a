package httpx_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/ingest/httpx"
	"github.com/aftermath-sre/aftermath/metrics"
)

// describing records the descriptors of what is registered with it.
type describing struct{ descs []string }

func (d *describing) Register(c prometheus.Collector) error {
	ch := make(chan *prometheus.Desc)
	go func() { c.Describe(ch); close(ch) }()
	for desc := range ch {
		d.descs = append(d.descs, desc.String())
	}
	return nil
}

func (d *describing) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		_ = d.Register(c)
	}
}

func (d *describing) Unregister(prometheus.Collector) bool { return false }

// The transport registers every catalogued HTTP family, with the catalogue's
// help and labels, and nothing else.
func TestTransportRegistersTheCataloguedFamilies(t *testing.T) {
	reg := &describing{}
	_, err := httpx.New(httpx.Options{Source: "pagerduty", Registerer: reg})
	require.NoError(t, err)
	var want []string
	for _, f := range metrics.By(metrics.ByHTTP) {
		want = append(want, prometheus.NewDesc(f.Name(), f.Help(), f.Labels(), nil).String())
	}
	require.NotEmpty(t, want)
	require.ElementsMatch(t, want, reg.descs)
}
