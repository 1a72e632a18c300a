package store

import (
	"context"
	"fmt"
	"time"
)

// LastSyncs returns, for each of sources, when its latest successful sync
// finished; a source without one maps to the zero time. An analysis run
// that started before then did not read all that sync stored or removed
// (a history extended by a longer backfill, issues removed by Jira's
// reconciliation): the digest warns that it is written from a stale
// analysis. Failed, aborted and running syncs do not count.
func (s *Store) LastSyncs(ctx context.Context, sources []string) (map[string]time.Time, error) {
	out := make(map[string]time.Time, len(sources))
	for _, src := range sources {
		out[src] = time.Time{}
	}
	if len(sources) == 0 {
		return out, nil
	}
	// FINAL: a run is recorded as running, then updated to its outcome.
	rows, err := s.conn.Query(ctx, "SELECT source, max(finished_at) FROM "+s.Table("ingest_runs")+
		" FINAL WHERE status = ? GROUP BY source", IngestSuccess)
	if err != nil {
		return nil, fmt.Errorf("store: query the last successful ingest runs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var src string
		var finished time.Time
		if err := rows.Scan(&src, &finished); err != nil {
			return nil, fmt.Errorf("store: scan the last successful ingest run: %w", err)
		}
		if _, ok := out[src]; ok {
			out[src] = finished.UTC()
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read the last successful ingest runs: %w", err)
	}
	return out, nil
}
