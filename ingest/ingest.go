// Package ingest holds what every source shares. Each source (PagerDuty, Jira)
// lives in a package of its own below this one, speaks its API's vocabulary,
// and translates to the store's domain types at its boundary.
package ingest

import "context"

// Source is one ingester. Sync runs one pass: backfill from the configured
// start on first use, then incremental from the stored checkpoints. It stores
// rows before it advances a checkpoint, so a pass that is killed resumes with
// neither gaps nor duplicates. It stops early when ctx is cancelled.
type Source interface {
	Name() string
	Sync(ctx context.Context) (Stats, error)
}

// Stats summarises one Sync.
type Stats struct {
	Requests  uint64 // API requests made, retries included
	Records   uint64 // rows stored (all tables)
	Unmapped  uint64 // records skipped because they could not be mapped
	Retries   uint64
	RateWaits uint64 // times the request budget or a 429 made us wait
}
