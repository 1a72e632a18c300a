package analyze

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// TestPanickingStepFailsTheRunNotTheProcess: a panic in an analysis step
// (issue 10: theme choice indexed out of range on near-identical factors)
// becomes the run's error; the run is recorded as failed and the previous
// successful run stays the one readers (the exporter, the digest) use.
func TestPanickingStepFailsTheRunNotTheProcess(t *testing.T) {
	st := chtest.Store(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	opts := testOptions(now, time.UTC, nil)
	opts.RunID = "good"
	_, err := Run(ctx, st, opts)
	require.NoError(t, err)

	for _, step := range []string{"load", AnalysisResponse, AnalysisLanguage, AnalysisThemes, AnalysisRecurrence, "write"} {
		opts.RunID = "crash-" + step
		opts.beforeStep = func(s string) {
			if s == step {
				var xs []int
				_ = xs[len(xs)+2] // index out of range, as in issue 10
			}
		}
		_, err = Run(ctx, st, opts)
		var pe *PanicError
		require.True(t, errors.As(err, &pe), "step %s: %v", step, err)
		require.Equal(t, step, pe.Step)
		require.ErrorContains(t, err, "index out of range")

		latest, ok, err := st.LatestAnalysisRun(ctx)
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, "good", latest.ID, "readers keep the previous run")
		var status, msg string
		require.NoError(t, st.Conn().QueryRow(ctx, "SELECT status, error FROM "+st.Table("analysis_runs")+" FINAL WHERE run_id = ?", opts.RunID).Scan(&status, &msg))
		require.Equal(t, store.RunFailed, status, step)
		require.Contains(t, msg, "panicked", step)
	}
}

// TestProtectInAGoroutine: protect turns a panic into an error in the
// goroutine that ran it (which the analyses' worker goroutines rely on).
func TestProtectInAGoroutine(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = protect(log, AnalysisLanguage, func() error {
				if i == 1 {
					var m map[string]int
					m["x"] = 1 // assignment to a nil map
				}
				return nil
			})
		}()
	}
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[2])
	var pe *PanicError
	require.ErrorAs(t, errs[1], &pe)
	require.Equal(t, AnalysisLanguage, pe.Step)
	require.ErrorContains(t, errs[1], "nil map")
}
