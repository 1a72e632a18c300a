package jira

import (
	"encoding/json"
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aftermath-sre/aftermath/ingest"
	catalog "github.com/aftermath-sre/aftermath/metrics"
)

// metrics are the ingester's own: the ones every source keeps, plus completed
// changelogs, skipped issues and what reconciliation removed, restored or refused, all catalogued in package metrics. Requests
// by endpoint and status, retries and rate-limit waits come from the httpx
// transport with source="jira".
type metrics struct {
	*ingest.SourceMetrics
	changelogsCompleted prometheus.Counter     // JiraChangelogsCompletedTotal
	skipped             *prometheus.CounterVec // JiraSkippedIssuesTotal, by kind and reason
	removed             *prometheus.CounterVec // JiraRemovedIssuesTotal, by kind
	restored            *prometheus.CounterVec // JiraRestoredIssuesTotal, by kind
	refused             prometheus.Gauge       // JiraReconcileRefused
}

// newMetrics registers with reg (nil: not registered). A second ingester on
// the same Registerer (a rebuilt source) shares the first one's collectors.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	sm, err := ingest.NewSourceMetrics(catalog.SourceJira, reg)
	if err != nil {
		return nil, err
	}
	m := &metrics{
		SourceMetrics:       sm,
		changelogsCompleted: ingest.NewCounter(catalog.JiraChangelogsCompletedTotal),
		skipped:             ingest.NewCounterVec(catalog.JiraSkippedIssuesTotal),
		removed:             ingest.NewCounterVec(catalog.JiraRemovedIssuesTotal),
		restored:            ingest.NewCounterVec(catalog.JiraRestoredIssuesTotal),
		refused:             ingest.NewGauge(catalog.JiraReconcileRefused),
	}
	if err := errors.Join(ingest.Register(reg, &m.changelogsCompleted), ingest.Register(reg, &m.skipped),
		ingest.Register(reg, &m.removed), ingest.Register(reg, &m.restored), ingest.Register(reg, &m.refused)); err != nil {
		return nil, err
	}
	// Removals and restores start at 0 for both kinds, so that increase()
	// sees the first.
	for _, kind := range []string{kindPostmortem, kindActionItem} {
		m.removed.WithLabelValues(kind)
		m.restored.WithLabelValues(kind)
	}
	return m, nil
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
