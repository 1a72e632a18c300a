package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// TestPruneLeavesARunStillGoing: a run writes its themes before its row in
// analysis_runs; another run's prune must not take them (black-box pass 11:
// two analyses at once left a successful run without its factor themes). A
// run killed before it was recorded is pruned once a day has passed.
func TestPruneLeavesARunStillGoing(t *testing.T) {
	ctx := context.Background()
	st := chtest.Store(t)
	now := time.Now().UTC().Truncate(time.Second)
	themes := func(id string, at time.Time) {
		require.NoError(t, st.WriteThemes(ctx, id, at, []store.ThemeState{{ID: "th-1", Label: "x"}},
			[]store.FactorTheme{{PostmortemKey: "PM-1", Ordinal: 1, ThemeID: "th-1"}}))
	}
	for i, id := range []string{"old", "newer", "newest"} {
		at := now.Add(time.Duration(i-3) * time.Hour)
		themes(id, at)
		require.NoError(t, st.WriteAnalysis(ctx, store.AnalysisRun{ID: id, StartedAt: at, FinishedAt: at.Add(time.Minute), Status: store.RunSuccess}, nil))
	}
	themes("going", now)                     // not recorded yet: still running
	themes("killed", now.Add(-48*time.Hour)) // never recorded, two days ago
	require.NoError(t, st.PruneAnalysisItems(ctx, 1))

	has := func(id string) bool {
		fts, err := st.FactorThemes(ctx, id)
		require.NoError(t, err)
		return len(fts) > 0
	}
	// ALTER ... DELETE is asynchronous: wait for the mutation.
	require.Eventually(t, func() bool { return !has("killed") && !has("newer") && !has("old") }, 20*time.Second, 200*time.Millisecond)
	require.True(t, has("going"), "a run still going keeps its factor themes")
	require.True(t, has("newest"))
}

// TestPruneQueuesNothingWithFewRuns: with no more recorded runs than kept,
// a prune queues no mutation (black-box pass 11: every run queued four on
// the cluster, 48 runs before anything could be deleted).
func TestPruneQueuesNothingWithFewRuns(t *testing.T) {
	ctx := context.Background()
	st := chtest.Store(t)
	at := time.Now().UTC().Truncate(time.Second)
	require.NoError(t, st.WriteAnalysis(ctx, store.AnalysisRun{ID: "only", StartedAt: at, FinishedAt: at, Status: store.RunSuccess}, nil))
	require.NoError(t, st.PruneAnalysis(ctx, 2))
	require.NoError(t, st.PruneAnalysisItems(ctx, 2))
	var n uint64
	require.NoError(t, st.Conn().QueryRow(ctx, "SELECT count() FROM system.mutations WHERE database = ?", st.Database()).Scan(&n))
	require.Zero(t, n)
}
