package main

import (
	"context"
	"time"

	"github.com/aftermath-sre/aftermath/ingest"
	"github.com/aftermath-sre/aftermath/store"
)

// syncSource runs one sync of src (see syncOnce) after closing, as aborted,
// the runs of src that are still recorded as running: a process killed or
// crashed in the middle of a sync never recorded its outcome. This process
// runs one sync of a source at a time, so a run still "running" here is
// stale. (A second process syncing the same source at the same moment
// would have its run marked aborted until it records its own outcome, which
// is newer and wins.)
func syncSource(ctx context.Context, st *store.Store, src ingest.Source, a *app) (ingest.Stats, error) {
	if n, err := st.AbortStaleIngestRuns(ctx, src.Name(), time.Now()); err != nil {
		a.logger.Warn("could not close ingest runs left running", "source", src.Name(), "err", err)
	} else if n > 0 {
		a.logger.Warn("closed ingest runs that never finished as aborted", "source", src.Name(), "runs", n)
	}
	return syncOnce(ctx, src, a)
}
