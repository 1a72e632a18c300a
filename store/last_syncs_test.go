package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// TestLastSyncsReportsTheLatestSuccessOfEachSource: the digest compares
// each source's latest successful sync with the start of the analysis it
// is written from. A failed, aborted or still running sync does not count;
// the latest success does, whenever it started.
func TestLastSyncsReportsTheLatestSuccessOfEachSource(t *testing.T) {
	st := chtest.Store(t)
	ctx := context.Background()
	base := time.Date(2026, 11, 30, 22, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return base.Add(d) }
	record := func(source, id string, started, finished time.Time, status string) {
		t.Helper()
		require.NoError(t, st.RecordIngestRun(ctx, store.IngestRun{Source: source, RunID: id, StartedAt: started, FinishedAt: finished, Status: status}))
	}
	sources := []string{"pagerduty", "jira"}
	last := func() map[string]time.Time {
		t.Helper()
		got, err := st.LastSyncs(ctx, sources)
		require.NoError(t, err)
		return got
	}
	require.Equal(t, map[string]time.Time{"pagerduty": {}, "jira": {}}, last(), "no runs")

	// Successes in two months' partitions; the later one counts.
	record("pagerduty", "pd-1", at(0), at(10*time.Minute), store.IngestSuccess)
	record("pagerduty", "pd-2", at(5*time.Hour), at(6*time.Hour), store.IngestSuccess)
	record("pagerduty", "pd-3", at(7*time.Hour), at(8*time.Hour), store.IngestFailed)
	record("pagerduty", "pd-4", at(9*time.Hour), at(9*time.Hour+time.Minute), store.IngestAborted)
	record("jira", "jira-1", at(time.Hour), at(time.Hour+time.Minute), store.IngestSuccess)
	// Recorded as running: not yet a success.
	record("jira", "jira-2", at(3*time.Hour), time.Time{}, store.IngestRunning)
	record("other", "o-1", at(10*time.Hour), at(11*time.Hour), store.IngestSuccess)
	require.Equal(t, map[string]time.Time{
		"pagerduty": at(6 * time.Hour),
		"jira":      at(time.Hour + time.Minute),
	}, last(), "the latest success; failed, aborted and running syncs and sources not asked about are left out")

	record("jira", "jira-2", at(3*time.Hour), at(4*time.Hour), store.IngestSuccess)
	require.Equal(t, at(4*time.Hour), last()["jira"], "the running sync, once it succeeded")

	got, err := st.LastSyncs(ctx, nil)
	require.NoError(t, err)
	require.Empty(t, got)
}
