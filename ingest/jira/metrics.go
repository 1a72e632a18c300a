package jira

import (
	"encoding/json"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aftermath-sre/aftermath/ingest"
)

// metrics are the ingester's own: the ones every source keeps, plus completed
// changelogs. Requests by endpoint and status, retries and rate-limit waits
// come from the httpx transport with source="jira".
type metrics struct {
	*ingest.SourceMetrics
	changelogsCompleted prometheus.Counter
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
	}
	if err := ingest.Register(reg, &m.changelogsCompleted); err != nil {
		return nil, err
	}
	return m, nil
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
