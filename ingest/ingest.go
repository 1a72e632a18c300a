// Package ingest holds what every source shares: the Loop that runs and
// records each sync of a source (ingest runs, metrics, counts), the Run
// through which a sync reads and advances its checkpoints, and the Store a
// sync needs. Each source (PagerDuty, Jira) lives in a package of its own
// below this one, speaks its API's vocabulary, converts its documents once
// into package domain's facts, and implements only its sync (Syncer) and,
// when it can, its re-extraction from stored raw documents (Reextractor).
package ingest

import "context"

// Source is one ingester. Sync runs one pass: backfill from the configured
// start on first use, then incremental from the stored checkpoints. It stores
// rows before it advances a checkpoint, so a pass that is killed resumes with
// neither gaps nor duplicates. It stops early when ctx is cancelled.
//
// Reextract converts the source's stored raw documents into rows again
// without calling its API (an error for a source that cannot).
//
// ingest.Loop implements it around a source's Syncer.
type Source interface {
	Name() string
	Sync(ctx context.Context) (Stats, error)
	Reextract(ctx context.Context) (Stats, error)
}

// Stats summarises one Sync.
type Stats struct {
	Requests  uint64 // API requests made, retries included
	Records   uint64 // rows stored (all tables)
	Unmapped  uint64 // records skipped because they could not be mapped
	Retries   uint64
	RateWaits uint64 // times the request budget or a 429 made us wait
}
