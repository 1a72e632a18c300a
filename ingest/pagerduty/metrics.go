package pagerduty

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/aftermath-sre/aftermath/ingest"
)

// metrics are the ingester's own: the ones every source keeps, plus window
// repasses. Requests by endpoint and status, retries and rate-limit waits
// come from the httpx transport with source="pagerduty".
type metrics struct {
	*ingest.SourceMetrics
	windowRepasses *prometheus.CounterVec
}

// newMetrics registers with reg (nil: not registered). A second ingester on
// the same Registerer (a rebuilt source) shares the first one's collectors.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	sm, err := ingest.NewSourceMetrics(ingest.SourceMetricsOptions{
		Source:            Source,
		DisplayName:       "PagerDuty",
		StoredTables:      "incident, timeline_event, raw_document",
		UnknownEnumsHelp:  "Enum values PagerDuty sent that Aftermath does not know (stored as unknown or other), by field.",
		DecodeRetriesHelp: "Responses fetched again because their body could not be read or decoded.",
	}, reg)
	if err != nil {
		return nil, err
	}
	m := &metrics{
		SourceMetrics: sm,
		windowRepasses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aftermath_pagerduty_window_repasses_total",
			Help: "Time windows paged again because items shifted between pages, by kind.",
		}, []string{"kind"}),
	}
	if err := ingest.Register(reg, &m.windowRepasses); err != nil {
		return nil, err
	}
	return m, nil
}
