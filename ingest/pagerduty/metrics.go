package pagerduty

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/aftermath-sre/aftermath/ingest"
	catalog "github.com/aftermath-sre/aftermath/metrics"
)

// metrics are the ingester's own: the ones every source keeps, plus window
// repasses, all catalogued in package metrics. Requests by endpoint and
// status, retries and rate-limit waits come from the httpx transport with
// source="pagerduty".
type metrics struct {
	*ingest.SourceMetrics
	windowRepasses *prometheus.CounterVec // PagerDutyWindowRepassesTotal, by kind
}

// newMetrics registers with reg (nil: not registered). A second ingester on
// the same Registerer (a rebuilt source) shares the first one's collectors.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	sm, err := ingest.NewSourceMetrics(catalog.SourcePagerDuty, reg)
	if err != nil {
		return nil, err
	}
	m := &metrics{SourceMetrics: sm, windowRepasses: ingest.NewCounterVec(catalog.PagerDutyWindowRepassesTotal)}
	if err := ingest.Register(reg, &m.windowRepasses); err != nil {
		return nil, err
	}
	return m, nil
}
