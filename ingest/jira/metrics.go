package jira

import (
	"encoding/json"
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aftermath-sre/aftermath/ingest"
)

// metrics are the ingester's own: the ones every source keeps, plus completed
// changelogs. Requests by endpoint and status, retries and rate-limit waits
// come from the httpx transport with source="jira".
type metrics struct {
	*ingest.SourceMetrics
	changelogsCompleted prometheus.Counter
	skipped             *prometheus.CounterVec // by kind and reason
}

// newMetrics registers with reg (nil: not registered). A second ingester on
// the same Registerer (a rebuilt source) shares the first one's collectors.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	sm, err := ingest.NewSourceMetrics(ingest.SourceMetricsOptions{
		Source:       sourceName,
		DisplayName:  "Jira",
		StoredTables: "postmortem, factor, action_item, transition, raw_document",
		UnmappedHelp: "Jira records skipped (or, for descriptions, stored without their content) because they could not be mapped, by kind.",
	}, reg)
	if err != nil {
		return nil, err
	}
	m := &metrics{
		SourceMetrics: sm,
		changelogsCompleted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aftermath_jira_changelogs_completed_total",
			Help: "Issues whose changelog search truncated and the changelog endpoint completed.",
		}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aftermath_jira_skipped_issues_total",
			Help: "Jira issues not stored because they could not be decoded or mapped (each is logged by key), by kind and reason (undecodable, changelog, unmappable).",
		}, []string{"kind", "reason"}),
	}
	if err := errors.Join(ingest.Register(reg, &m.changelogsCompleted), ingest.Register(reg, &m.skipped)); err != nil {
		return nil, err
	}
	return m, nil
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
