package store

import (
	"context"
	"fmt"
	"time"
)

// FirstSyncsSince returns, for each of sources, when its first successful
// sync that started at or after since finished; a source without one maps
// to the zero time. A successful sync brings its source's rows up to the
// moment it started (each source fetches up to its run's start), so once
// every source has one, their data of everything before since is complete:
// the digest of a month waits for one after the month's end. Failed,
// aborted and running syncs do not count, nor does a success that started
// before since, even if it finished after (its data stops at its start).
func (s *Store) FirstSyncsSince(ctx context.Context, sources []string, since time.Time) (map[string]time.Time, error) {
	out := make(map[string]time.Time, len(sources))
	for _, src := range sources {
		out[src] = time.Time{}
	}
	if len(sources) == 0 {
		return out, nil
	}
	// started_at is stored in whole seconds: a since within a second
	// counts from the next one.
	from := utc(since)
	if from.Before(since) {
		from = from.Add(time.Second)
	}
	// FINAL: a run is recorded as running, then updated to its outcome.
	// The runs since are in the partitions of since's month and later.
	rows, err := s.conn.Query(ctx, "SELECT source, min(finished_at) FROM "+s.Table("ingest_runs")+
		" FINAL WHERE status = ? AND started_at >= ? GROUP BY source", IngestSuccess, from)
	if err != nil {
		return nil, fmt.Errorf("store: query successful ingest runs since %s: %w", from.Format(time.RFC3339), err)
	}
	defer rows.Close()
	for rows.Next() {
		var src string
		var finished time.Time
		if err := rows.Scan(&src, &finished); err != nil {
			return nil, fmt.Errorf("store: scan successful ingest run: %w", err)
		}
		if _, ok := out[src]; ok {
			out[src] = finished.UTC()
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read successful ingest runs since %s: %w", from.Format(time.RFC3339), err)
	}
	return out, nil
}
