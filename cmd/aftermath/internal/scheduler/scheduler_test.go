package scheduler

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/metrics"
)

// fakeClock advances only when the scheduler waits.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	ch := make(chan time.Time, 1)
	ch <- c.now
	return ch
}

func TestJobsRunAtTheirIntervalsWithoutOverlap(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	ctx, cancel := context.WithCancel(context.Background())
	var running atomic.Int32
	var order []string
	var mu sync.Mutex
	job := func(name string, fail bool) func(context.Context) error {
		return func(context.Context) error {
			if running.Add(1) != 1 {
				t.Errorf("%s overlapped another job", name)
			}
			defer running.Add(-1)
			mu.Lock()
			order = append(order, name)
			if len(order) >= 12 {
				cancel()
			}
			mu.Unlock()
			if fail {
				return errors.New("source down")
			}
			return nil
		}
	}
	reg := prometheus.NewRegistry()
	s := New([]Job{
		{Name: "pagerduty", Interval: 5 * time.Minute, Run: job("pagerduty", false), AfterSuccess: []string{"analysis"}},
		{Name: "jira", Interval: 15 * time.Minute, Run: job("jira", true), AfterSuccess: []string{"analysis"}},
		{Name: "analysis", Interval: time.Hour, Run: job("analysis", false)},
	}, Options{Now: clock.Now, After: clock.After, Registerer: reg})
	require.NoError(t, s.Run(ctx))

	// All due at start, in order, so the analysis follows the ingests; a
	// pagerduty success makes the analysis due at once, and due jobs that tie
	// run sources first, so one analysis follows both ingests at 15m; the
	// failing jira keeps its own schedule and stops nobody.
	require.Equal(t, []string{"pagerduty", "jira", "analysis", "pagerduty", "analysis", "pagerduty", "analysis", "pagerduty", "jira", "analysis", "pagerduty", "analysis"}, order[:12])
	require.Equal(t, 2.0, testutil.ToFloat64(s.runs.WithLabelValues("jira", "failure")))
	require.Equal(t, 5.0, testutil.ToFloat64(s.runs.WithLabelValues("pagerduty", "success")))

	// Every catalogued scheduler family is produced, as the catalogue types it.
	mfs, err := reg.Gather()
	require.NoError(t, err)
	got := map[string]string{}
	for _, mf := range mfs {
		got[mf.GetName()] = strings.ToLower(mf.GetType().String())
	}
	fams := metrics.By(metrics.ByScheduler)
	require.NotEmpty(t, fams)
	for _, f := range fams {
		require.Equal(t, f.Type().String(), got[f.Name()], f.Name())
	}
}

func TestCancelStopsWaiting(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{}, 10)
	s := New([]Job{{Name: "a", Interval: time.Hour, Run: func(context.Context) error { ran <- struct{}{}; return nil }}}, Options{})
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	<-ran
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

// TestPanickingJobIsAFailedRun: a job that panics counts as a failure and
// the scheduler goes on running it and the others.
func TestPanickingJobIsAFailedRun(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	ctx, cancel := context.WithCancel(context.Background())
	var other atomic.Int32
	reg := prometheus.NewRegistry()
	s := New([]Job{
		{Name: "analysis", Interval: time.Minute, Run: func(context.Context) error {
			var xs []int
			_ = xs[len(xs)+1] // index out of range
			return nil
		}},
		{Name: "pagerduty", Interval: time.Minute, Run: func(context.Context) error {
			if other.Add(1) == 3 {
				cancel()
			}
			return nil
		}},
	}, Options{Now: clock.Now, After: clock.After, Registerer: reg})
	require.NoError(t, s.Run(ctx))
	require.Equal(t, int32(3), other.Load())
	require.Equal(t, 3.0, testutil.ToFloat64(s.runs.WithLabelValues("analysis", "failure")))
	require.Equal(t, 0.0, testutil.ToFloat64(s.runs.WithLabelValues("analysis", "success")))
}

// TestJobStoppedByShutdownIsNeitherFailureNorSuccess: a job whose run ends
// in an error because the context was cancelled (a shutdown) is not counted.
func TestJobStoppedByShutdownIsNeitherFailureNorSuccess(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	ctx, cancel := context.WithCancel(context.Background())
	ran := 0
	s := New([]Job{{Name: "pagerduty", Interval: time.Minute, Run: func(ctx context.Context) error {
		ran++
		cancel()
		<-ctx.Done()
		return fmt.Errorf("pagerduty: list log_entry: %w", ctx.Err())
	}}}, Options{Now: clock.Now, After: clock.After, Registerer: prometheus.NewRegistry()})
	require.NoError(t, s.Run(ctx))
	require.Equal(t, 1, ran)
	require.Zero(t, testutil.ToFloat64(s.runs.WithLabelValues("pagerduty", "failure")))
	require.Zero(t, testutil.ToFloat64(s.runs.WithLabelValues("pagerduty", "success")))
	require.Zero(t, testutil.ToFloat64(s.lastOK.WithLabelValues("pagerduty")))
}

// TestHeldJobsDoNotRunNorCount: while Hold gives a reason, a due job does
// not run and counts neither as a failure nor as a success (serve holds its
// jobs while a migration waits for a cluster node: they failed, and
// AftermathJobFailing fired for each beside AftermathDown); once released,
// it runs within HoldRetry.
func TestHeldJobsDoNotRunNorCount(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	ctx, cancel := context.WithCancel(context.Background())
	var held atomic.Bool
	held.Store(true)
	var ranAt []time.Time
	start := clock.Now()
	jobs := []Job{{Name: "pagerduty", Interval: 10 * time.Minute, Run: func(context.Context) error {
		ranAt = append(ranAt, clock.Now())
		cancel()
		return nil
	}}}
	reg := prometheus.NewRegistry()
	s := New(jobs, Options{Registerer: reg, Now: clock.Now, After: func(d time.Duration) <-chan time.Time {
		if clock.Now().Sub(start) >= 2*time.Minute {
			held.Store(false) // the migration is applied
		}
		return clock.After(d)
	}, Hold: func() string {
		if held.Load() {
			return "a migration waits for a cluster node"
		}
		return ""
	}})
	require.NoError(t, s.Run(ctx))
	require.Len(t, ranAt, 1)
	require.Equal(t, 2*time.Minute+HoldRetry, ranAt[0].Sub(start), "held at 0, 30s, ..., 2m; run at the first retry after")
	require.Equal(t, 0.0, testutil.ToFloat64(s.runs.WithLabelValues("pagerduty", "failure")))
	require.Equal(t, 1.0, testutil.ToFloat64(s.runs.WithLabelValues("pagerduty", "success")))
}
