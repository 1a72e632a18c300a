package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/aftermath-sre/aftermath/domain"
	"github.com/aftermath-sre/aftermath/ingest/httpx"
)

// Store is what every sync needs of the store: its run records, its
// checkpoints and the raw documents. A source adds the writes of its own
// facts in its package.
type Store interface {
	UpsertRaw(ctx context.Context, docs []domain.RawDocument) error
	Checkpoint(ctx context.Context, source, name string) (value string, ok bool, err error)
	SetCheckpoint(ctx context.Context, source, name, value string) error
	RecordIngestRun(ctx context.Context, r domain.IngestRun) error
	AbortStaleIngestRuns(ctx context.Context, source string, at time.Time) (int, error)
	// RawDocuments streams the latest stored document of each id of source
	// and kind to fn, a batch at a time.
	RawDocuments(ctx context.Context, source, kind string, fn func([]domain.RawDocument) error) error
}

// Syncer is what a source implements: one pass of its own sync, which reads
// and advances its checkpoints through run and reports what it stored and
// skipped there. Everything around a pass (the run record, the metrics, the
// stats) is the Loop's.
type Syncer interface {
	Name() string
	SyncRun(ctx context.Context, run *Run) error
}

// Reextractor is a source that can convert its stored raw documents into
// rows again, without calling its API: after a fix to its mapping, or a new
// field of the domain.
type Reextractor interface {
	ReextractRun(ctx context.Context, run *Run) error
}

// Counter reports a source's HTTP requests so far (an *httpx.Transport).
type Counter interface {
	Stats() httpx.Stats
}

// LoopOptions configure NewLoop.
type LoopOptions struct {
	Store    Store          // required
	Metrics  *SourceMetrics // required
	Requests Counter        // nil: no requests are counted
	Logger   *slog.Logger   // nil: discarded
	// Now dates the run (its record, its clock); time.Now when nil.
	Now func() time.Time
}

// Loop runs a source's syncs the same way for every source: it closes the
// runs a killed process left running as aborted, records the run as running
// and then its outcome in the store (a failure to record is an error of the
// sync, never dropped: the freshness metric reads those rows), counts
// requests and rows, and keeps the source's sync metrics. It implements
// Source.
type Loop struct {
	src  Syncer
	opts LoopOptions
	log  *slog.Logger
}

var _ Source = (*Loop)(nil)

// NewLoop builds the loop of src.
func NewLoop(src Syncer, opts LoopOptions) (*Loop, error) {
	if src == nil || src.Name() == "" {
		return nil, errors.New("ingest: a loop needs a named source")
	}
	if opts.Store == nil {
		return nil, fmt.Errorf("%s: no store", src.Name())
	}
	if opts.Metrics == nil {
		return nil, fmt.Errorf("%s: no metrics", src.Name())
	}
	if string(opts.Metrics.Source) != src.Name() {
		return nil, fmt.Errorf("%s: the metrics are %s's", src.Name(), opts.Metrics.Source)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Loop{src: src, opts: opts, log: opts.Logger}, nil
}

// Name is the source's name.
func (l *Loop) Name() string { return l.src.Name() }

// recordTimeout bounds the writing of a run's outcome after ctx was
// cancelled.
const recordTimeout = 10 * time.Second

// Sync runs one pass of the source and records it.
func (l *Loop) Sync(ctx context.Context) (Stats, error) {
	name := l.src.Name()
	start := l.opts.Now().UTC()
	var before httpx.Stats
	if l.opts.Requests != nil {
		before = l.opts.Requests.Stats()
	}
	run := &Run{source: name, st: l.opts.Store, metrics: l.opts.Metrics, log: l.log, start: start}
	rec := domain.IngestRun{Source: name, RunID: name + "-" + strconv.FormatInt(start.UnixNano(), 36), StartedAt: start, Status: domain.IngestRunning}

	// Stopped before it began (a shutdown between two sources): no run, no
	// failure.
	if err := ctx.Err(); err != nil {
		return Stats{}, fmt.Errorf("%s: sync not started: %w", name, err)
	}
	// One process syncs a source one pass at a time, so a run of this
	// source still recorded as running was cut short (a killed process).
	if n, err := l.opts.Store.AbortStaleIngestRuns(ctx, name, start); err != nil {
		return Stats{}, l.failUnlessStopped(ctx, fmt.Errorf("%s: close runs left running: %w", name, err))
	} else if n > 0 {
		l.log.Warn("closed ingest runs that never finished as aborted", "runs", n)
	}
	if err := l.opts.Store.RecordIngestRun(ctx, rec); err != nil {
		return Stats{}, l.failUnlessStopped(ctx, fmt.Errorf("%s: record run start: %w", name, err))
	}

	err := l.src.SyncRun(ctx, run)
	// A sync that fails once ctx is cancelled was stopped (a shutdown), not
	// broken: it is recorded as aborted, and the next run redoes what its
	// checkpoints do not cover.
	stopped := err != nil && ctx.Err() != nil
	if stopped && !errors.Is(err, ctx.Err()) {
		err = fmt.Errorf("%s: sync interrupted: %w: %v", name, ctx.Err(), err)
	}
	stats := Stats{Records: run.records.Load(), Unmapped: run.unmapped.Load()}
	if l.opts.Requests != nil {
		after := l.opts.Requests.Stats()
		stats.Requests = after.Requests - before.Requests
		stats.Retries = after.Retries - before.Retries
		stats.RateWaits = after.RateWaits - before.RateWaits
	}
	finished := l.opts.Now().UTC()
	rec.FinishedAt, rec.Requests, rec.Records, rec.Status = finished, stats.Requests, stats.Records, domain.IngestSuccess
	switch {
	case stopped:
		rec.Status, rec.Error = domain.IngestAborted, "stopped before the end: "+err.Error()
	case err != nil:
		rec.Status, rec.Error = domain.IngestFailed, err.Error()
	}
	// Record the outcome even when ctx was cancelled: a failure is news, and
	// a run left running would be closed as aborted only at the next start.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	rerr := l.opts.Store.RecordIngestRun(rctx, rec)
	if rerr != nil {
		err = errors.Join(err, fmt.Errorf("%s: record run outcome: %w", name, rerr))
	}
	l.opts.Metrics.SyncDuration.Set(finished.Sub(start).Seconds())
	if stopped && rerr == nil {
		l.log.Warn("sync stopped before the end; the next run redoes the rest", "err", err,
			"requests", stats.Requests, "records", stats.Records)
		return stats, err
	}
	if err != nil {
		l.log.Error("sync failed", "err", err, "requests", stats.Requests, "records", stats.Records)
		return stats, l.fail(err)
	}
	l.opts.Metrics.LastSuccess.Set(float64(finished.Unix()))
	l.log.Info("sync done", "requests", stats.Requests, "records", stats.Records, "unmapped", stats.Unmapped,
		"retries", stats.Retries, "rate_waits", stats.RateWaits, "took", finished.Sub(start))
	return stats, nil
}

// Reextract converts the source's stored raw documents into rows again,
// without calling its API. It is not an ingest run (it fetches nothing new,
// so it records none and leaves the freshness metrics alone); its counts
// are the rows it stored.
func (l *Loop) Reextract(ctx context.Context) (Stats, error) {
	rx, ok := l.src.(Reextractor)
	if !ok {
		return Stats{}, fmt.Errorf("%s: this source cannot re-extract its raw documents", l.src.Name())
	}
	run := &Run{source: l.src.Name(), st: l.opts.Store, metrics: l.opts.Metrics, log: l.log, start: l.opts.Now().UTC()}
	err := rx.ReextractRun(ctx, run)
	stats := Stats{Records: run.records.Load(), Unmapped: run.unmapped.Load()}
	if err != nil {
		// The source's errors name the source already ("jira: ...").
		return stats, fmt.Errorf("re-extract: %w", err)
	}
	l.log.Info("re-extracted from raw documents", "records", stats.Records, "unmapped", stats.Unmapped,
		"took", l.opts.Now().Sub(run.start))
	return stats, nil
}

func (l *Loop) fail(err error) error {
	l.opts.Metrics.SyncErrors.Inc()
	return err
}

// failUnlessStopped counts err as a failed sync unless ctx was cancelled (a
// shutdown), which stops a sync without it failing.
func (l *Loop) failUnlessStopped(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return err
	}
	return l.fail(err)
}

// Run is one pass of one source: its start, its checkpoints and its counts.
// It is safe for concurrent use.
type Run struct {
	source   string
	st       Store
	metrics  *SourceMetrics
	log      *slog.Logger
	start    time.Time
	records  atomic.Uint64
	unmapped atomic.Uint64
}

// Start is when the run started (UTC, by the loop's clock).
func (r *Run) Start() time.Time { return r.start }

// Checkpoint reads one of the source's checkpoints; ok is false when it was
// never set.
func (r *Run) Checkpoint(ctx context.Context, name string) (value string, ok bool, err error) {
	v, ok, err := r.st.Checkpoint(ctx, r.source, name)
	if err != nil {
		return "", false, fmt.Errorf("%s: read checkpoint %s: %w", r.source, name, err)
	}
	return v, ok, nil
}

// SetCheckpoint advances one of the source's checkpoints. Call it only after
// the rows it covers are stored.
func (r *Run) SetCheckpoint(ctx context.Context, name, value string) error {
	if err := r.st.SetCheckpoint(ctx, r.source, name, value); err != nil {
		return fmt.Errorf("%s: advance checkpoint %s to %s: %w", r.source, name, value, err)
	}
	return nil
}

// TimeCheckpoint reads a checkpoint holding an RFC 3339 time; when it was
// never set, it returns def and ok false.
func (r *Run) TimeCheckpoint(ctx context.Context, name string, def time.Time) (t time.Time, ok bool, err error) {
	v, ok, err := r.Checkpoint(ctx, name)
	if err != nil || !ok {
		return def, false, err
	}
	t, err = time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("%s: checkpoint %s: bad value %q: %w", r.source, name, v, err)
	}
	return t.UTC(), true, nil
}

// SetTimeCheckpoint advances a checkpoint holding a time, written in RFC
// 3339 (UTC, whole seconds).
func (r *Run) SetTimeCheckpoint(ctx context.Context, name string, t time.Time) error {
	return r.SetCheckpoint(ctx, name, t.UTC().Format(time.RFC3339))
}

// Stored counts n rows stored in table (also raw documents, as
// "raw_document").
func (r *Run) Stored(table string, n int) {
	if n <= 0 {
		return
	}
	r.records.Add(uint64(n))
	r.metrics.Stored.WithLabelValues(table).Add(float64(n))
}

// Unmapped counts and logs a record of kind skipped because it could not be
// mapped.
func (r *Run) Unmapped(kind, id string, err error) {
	r.CountUnmapped(kind)
	r.log.Warn("skipping a record that cannot be mapped", "kind", kind, "id", id, "err", err)
}

// CountUnmapped counts a skipped record of kind that the source logs itself.
func (r *Run) CountUnmapped(kind string) {
	r.unmapped.Add(1)
	r.metrics.Unmapped.WithLabelValues(kind).Inc()
}

// RawDocuments streams the source's stored raw documents of kind to fn, a
// batch at a time.
func (r *Run) RawDocuments(ctx context.Context, kind string, fn func([]domain.RawDocument) error) error {
	return r.st.RawDocuments(ctx, r.source, kind, fn)
}

// Records is how many rows the run stored so far.
func (r *Run) Records() uint64 { return r.records.Load() }
