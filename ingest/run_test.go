package ingest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/domain"
	"github.com/aftermath-sre/aftermath/ingest/httpx"
	catalog "github.com/aftermath-sre/aftermath/metrics"
)

type memStore struct {
	mu        sync.Mutex
	cps       map[string]string
	runs      []domain.IngestRun
	runErr    error // returned by RecordIngestRun
	failAfter int   // RecordIngestRun fails from this call on (0: never)
	aborted   int
}

func (m *memStore) UpsertRaw(context.Context, []domain.RawDocument) error { return nil }
func (m *memStore) Checkpoint(_ context.Context, source, name string) (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.cps[source+"/"+name]
	return v, ok, nil
}
func (m *memStore) SetCheckpoint(_ context.Context, source, name, value string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cps[source+"/"+name] = value
	return nil
}
func (m *memStore) RecordIngestRun(_ context.Context, r domain.IngestRun) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failAfter > 0 && len(m.runs)+1 >= m.failAfter {
		return m.runErr
	}
	m.runs = append(m.runs, r)
	return nil
}
func (m *memStore) AbortStaleIngestRuns(context.Context, string, time.Time) (int, error) {
	return m.aborted, nil
}

func (m *memStore) RawDocuments(context.Context, string, string, func([]domain.RawDocument) error) error {
	return nil
}

type fakeSource struct {
	err  error
	sync func(ctx context.Context, r *Run) error
}

// fakeSource syncs under the name of a catalogued source, whose metrics
// its loop keeps.
func (f *fakeSource) Name() string { return string(catalog.SourceJira) }
func (f *fakeSource) SyncRun(ctx context.Context, r *Run) error {
	if f.sync != nil {
		return f.sync(ctx, r)
	}
	return f.err
}

type fakeCounter struct{ n uint64 }

func (c *fakeCounter) Stats() httpx.Stats { return httpx.Stats{Requests: c.n} }

func newTestLoop(t *testing.T, src Syncer, st Store, req Counter) (*Loop, *SourceMetrics) {
	t.Helper()
	m, err := NewSourceMetrics(catalog.SourceJira, prometheus.NewRegistry())
	require.NoError(t, err)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	l, err := NewLoop(src, LoopOptions{Store: st, Metrics: m, Requests: req, Now: func() time.Time { return now }})
	require.NoError(t, err)
	return l, m
}

func TestLoopRecordsTheRunAndItsCounts(t *testing.T) {
	st := &memStore{cps: map[string]string{}}
	req := &fakeCounter{n: 10}
	src := &fakeSource{sync: func(ctx context.Context, r *Run) error {
		_, ok, err := r.TimeCheckpoint(ctx, "things", time.Time{})
		require.NoError(t, err)
		require.False(t, ok)
		req.n += 3
		r.Stored("thing", 5)
		r.Stored("raw_document", 5)
		r.Unmapped("thing", "t-9", errors.New("no id"))
		return r.SetTimeCheckpoint(ctx, "things", time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
	}}
	l, m := newTestLoop(t, src, st, req)
	stats, err := l.Sync(context.Background())
	require.NoError(t, err)
	require.Equal(t, Stats{Requests: 3, Records: 10, Unmapped: 1}, stats)
	require.Equal(t, "2026-02-01T00:00:00Z", st.cps["jira/things"])
	require.Len(t, st.runs, 2)
	require.Equal(t, domain.IngestRunning, st.runs[0].Status)
	require.Equal(t, domain.IngestSuccess, st.runs[1].Status)
	require.Equal(t, st.runs[0].RunID, st.runs[1].RunID)
	require.EqualValues(t, 10, st.runs[1].Records)
	require.EqualValues(t, 3, st.runs[1].Requests)
	require.Equal(t, 5.0, testutil.ToFloat64(m.Stored.WithLabelValues("thing")))
	require.Equal(t, float64(st.runs[1].FinishedAt.Unix()), testutil.ToFloat64(m.LastSuccess))
	require.Zero(t, testutil.ToFloat64(m.SyncErrors))
}

func TestLoopReturnsRecordErrors(t *testing.T) {
	recErr := errors.New("clickhouse is down")
	// The start cannot be recorded: the source does not run.
	ran := false
	st := &memStore{cps: map[string]string{}, runErr: recErr, failAfter: 1}
	l, m := newTestLoop(t, &fakeSource{sync: func(context.Context, *Run) error { ran = true; return nil }}, st, nil)
	_, err := l.Sync(context.Background())
	require.ErrorIs(t, err, recErr)
	require.ErrorContains(t, err, "jira: record run start")
	require.False(t, ran)
	require.Equal(t, 1.0, testutil.ToFloat64(m.SyncErrors))

	// The outcome cannot be recorded: the sync fails, saying so.
	st = &memStore{cps: map[string]string{}, runErr: recErr, failAfter: 2}
	l, m = newTestLoop(t, &fakeSource{}, st, nil)
	_, err = l.Sync(context.Background())
	require.ErrorIs(t, err, recErr)
	require.ErrorContains(t, err, "jira: record run outcome")
	require.Equal(t, 1.0, testutil.ToFloat64(m.SyncErrors))
	require.Zero(t, testutil.ToFloat64(m.LastSuccess))
}

func TestLoopRecordsAFailedSync(t *testing.T) {
	st := &memStore{cps: map[string]string{}}
	boom := errors.New("boom")
	l, m := newTestLoop(t, &fakeSource{err: boom}, st, nil)
	_, err := l.Sync(context.Background())
	require.ErrorIs(t, err, boom)
	require.Len(t, st.runs, 2)
	require.Equal(t, domain.IngestFailed, st.runs[1].Status)
	require.Equal(t, "boom", st.runs[1].Error)
	require.Equal(t, 1.0, testutil.ToFloat64(m.SyncErrors))
}

// TestLoopRecordsAStoppedSyncAsAborted: a sync cut short by a shutdown (ctx
// cancelled) is recorded as aborted, not failed, and is no sync error.
func TestLoopRecordsAStoppedSyncAsAborted(t *testing.T) {
	for name, syncErr := range map[string]error{
		"the cancellation":    context.Canceled,
		"an error of its own": errors.New("read: connection reset"),
	} {
		t.Run(name, func(t *testing.T) {
			st := &memStore{cps: map[string]string{}}
			ctx, cancel := context.WithCancel(context.Background())
			l, m := newTestLoop(t, &fakeSource{sync: func(ctx context.Context, r *Run) error {
				r.Stored("thing", 2)
				cancel()
				return fmt.Errorf("jira: search postmortems page 3: %w", syncErr)
			}}, st, nil)
			stats, err := l.Sync(ctx)
			require.ErrorIs(t, err, context.Canceled, "the caller can tell it was stopped")
			require.EqualValues(t, 2, stats.Records)
			require.Len(t, st.runs, 2, "recorded although ctx was cancelled")
			last := st.runs[len(st.runs)-1]
			require.Equal(t, domain.IngestAborted, last.Status)
			require.Contains(t, last.Error, "jira: search postmortems page 3")
			require.EqualValues(t, 2, last.Records)
			require.Zero(t, testutil.ToFloat64(m.SyncErrors), "a shutdown is not a sync error")
			require.Zero(t, testutil.ToFloat64(m.LastSuccess))
		})
	}
}

// TestLoopDoesNotStartAfterCancel: a source reached after a shutdown (the
// next one of `ingest --once`) does not start, records nothing and does not
// fail.
func TestLoopDoesNotStartAfterCancel(t *testing.T) {
	st := &memStore{cps: map[string]string{}}
	ran := false
	l, m := newTestLoop(t, &fakeSource{sync: func(context.Context, *Run) error { ran = true; return nil }}, st, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := l.Sync(ctx)
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, ran)
	require.Empty(t, st.runs)
	require.Zero(t, testutil.ToFloat64(m.SyncErrors))
}

func TestRunBadCheckpoint(t *testing.T) {
	st := &memStore{cps: map[string]string{"jira/things": "yesterday"}}
	l, _ := newTestLoop(t, &fakeSource{sync: func(ctx context.Context, r *Run) error {
		_, _, err := r.TimeCheckpoint(ctx, "things", time.Time{})
		return err
	}}, st, nil)
	_, err := l.Sync(context.Background())
	require.ErrorContains(t, err, `jira: checkpoint things: bad value "yesterday"`)
}

func TestLoopKeepsTheMetricsOfItsOwnSource(t *testing.T) {
	m, err := NewSourceMetrics(catalog.SourcePagerDuty, nil)
	require.NoError(t, err)
	_, err = NewLoop(&fakeSource{}, LoopOptions{Store: &memStore{}, Metrics: m})
	require.ErrorContains(t, err, "jira: the metrics are pagerduty's")
}
