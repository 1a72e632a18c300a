package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// TestFirstSyncsSinceCountsOnlySuccessesAfterTheMonth: the digest of
// November waits until each enabled source has a successful sync that
// started after November ended. A failed, aborted or still running sync
// does not count, nor does a success that started before the month's end
// (its data stops at its start); the first success after it does, and is
// the one reported when there are several.
func TestFirstSyncsSinceCountsOnlySuccessesAfterTheMonth(t *testing.T) {
	st := chtest.Store(t)
	ctx := context.Background()
	end := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return end.Add(d) }
	record := runRecorder(t, st)
	sources := []string{"pagerduty", "jira"}
	first := func() map[string]time.Time {
		t.Helper()
		got, err := st.FirstSyncsSince(ctx, sources, end)
		require.NoError(t, err)
		return got
	}
	require.Equal(t, map[string]time.Time{"pagerduty": {}, "jira": {}}, first(), "no runs: every source waits")

	// PagerDuty unreachable after the month ended: "giving up after 10
	// attempts".
	record("pagerduty", "pd-1", at(time.Hour), at(time.Hour+5*time.Minute), store.IngestFailed)
	record("pagerduty", "pd-2", at(2*time.Hour), at(2*time.Hour+time.Minute), store.IngestAborted)
	// A success that started before the month ended and finished after.
	record("pagerduty", "pd-0", at(-10*time.Minute), at(10*time.Minute), store.IngestSuccess)
	// Recorded as running, then as succeeded: the latest version counts.
	record("jira", "jira-1", at(time.Hour), time.Time{}, store.IngestRunning)
	got := first()
	require.True(t, got["pagerduty"].IsZero(), "failed, aborted and early runs do not count: %v", got)
	require.True(t, got["jira"].IsZero(), "a running sync does not count: %v", got)

	record("jira", "jira-1", at(time.Hour), at(time.Hour+3*time.Minute), store.IngestSuccess)
	record("pagerduty", "pd-3", at(3*time.Hour), at(3*time.Hour+7*time.Minute), store.IngestSuccess)
	record("pagerduty", "pd-4", at(4*time.Hour), at(4*time.Hour+2*time.Minute), store.IngestSuccess)
	record("other", "o-1", at(time.Hour), at(time.Hour+time.Minute), store.IngestSuccess)
	require.Equal(t, map[string]time.Time{
		"pagerduty": at(3*time.Hour + 7*time.Minute),
		"jira":      at(time.Hour + 3*time.Minute),
	}, first(), "the first success after the month's end; sources not asked about are left out")

	// November's successes do not make October's digest wait, nor do
	// they count for December.
	got, err := st.FirstSyncsSince(ctx, sources, end.AddDate(0, 1, 0))
	require.NoError(t, err)
	require.Equal(t, map[string]time.Time{"pagerduty": {}, "jira": {}}, got)

	got, err = st.FirstSyncsSince(ctx, nil, end)
	require.NoError(t, err)
	require.Empty(t, got)
}

// TestLastSyncsReportsTheLatestSuccessOfEachSource: the digest compares
// each source's latest successful sync with the start of the analysis it
// is written from. A failed, aborted or still running sync does not count;
// the latest success does, whenever it started.
func TestLastSyncsReportsTheLatestSuccessOfEachSource(t *testing.T) {
	st := chtest.Store(t)
	ctx := context.Background()
	base := time.Date(2026, 11, 30, 22, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return base.Add(d) }
	record := runRecorder(t, st)
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

// runRecorder records ingest runs of st, failing the test on an error.
func runRecorder(t *testing.T, st *store.Store) func(source, id string, started, finished time.Time, status string) {
	return func(source, id string, started, finished time.Time, status string) {
		t.Helper()
		require.NoError(t, st.RecordIngestRun(context.Background(), store.IngestRun{Source: source, RunID: id, StartedAt: started, FinishedAt: finished, Status: status}))
	}
}
