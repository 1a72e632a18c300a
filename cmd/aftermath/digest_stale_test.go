package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// TestDigestCommandWarnsOfASyncAfterTheAnalysis reproduces the report:
// ingest, analyze, then extend pagerduty.backfill_start and sync again (or
// let Jira's reconciliation remove issues), and write the digest without
// analyzing again. The analysis followed the first syncs after the month
// ended, so the digest used to be written without a word, still saying the
// incident data starts in November. It now says at warn, and on the page,
// that the analysis predates the sources' latest syncs, until an analysis
// follows them.
func TestDigestCommandWarnsOfASyncAfterTheAnalysis(t *testing.T) {
	ctx := context.Background()
	db := fmt.Sprintf("cli_digest_stale_%d", os.Getpid())
	st := migratedDatabase(t, db)
	monthEnd := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return monthEnd.Add(d) }
	analysis := func(id string, started time.Time) {
		t.Helper()
		// Postmortems and action items from October, incidents from
		// November (the backfill as it was).
		require.NoError(t, st.WriteAnalysis(ctx, store.AnalysisRun{ID: id, StartedAt: started, FinishedAt: started.Add(time.Minute), Status: store.RunSuccess}, []store.Result{
			digestResult(metrics.IncidentsBySeverity, 0, "period", "2026-10", "severity", "SEV2"),
			digestResult(metrics.ActionItemsCreated, 4, "period", "2026-10", "team", "payments"),
			digestResult(metrics.IncidentsBySeverity, 5, "period", "2026-11", "severity", "SEV2"),
			digestResult(metrics.ActionItemsCreated, 4, "period", "2026-11", "team", "payments"),
		}))
	}
	record := func(source, id string, started, finished time.Time) {
		t.Helper()
		require.NoError(t, st.RecordIngestRun(ctx, store.IngestRun{Source: source, RunID: id, StartedAt: started, FinishedAt: finished, Status: store.IngestSuccess}))
	}
	out := t.TempDir()
	cfg := writeConfig(t, fmt.Sprintf("clickhouse:\n  addresses: [%q]\n  database: %s\npagerduty:\n  enabled: true\njira:\n  enabled: true\n  base_url: https://example.atlassian.net\ndigest:\n  output_dir: %s\n",
		chtest.Addr(t), db, out))
	md := filepath.Join(out, "2026-11.md")
	write := func() (stderr, page string) {
		t.Helper()
		require.NoError(t, os.RemoveAll(md))
		code, _, stderr := runCLI(t, "digest", "--config", cfg, "--month", "2026-11", "--deliver=false")
		require.Equal(t, exitOK, code, stderr)
		b, err := os.ReadFile(md)
		require.NoError(t, err)
		return stderr, string(b)
	}

	// Both sources synced after November ended, then the analysis ran.
	record("pagerduty", "pd-1", at(time.Hour), at(time.Hour+30*time.Minute))
	record("jira", "jira-1", at(time.Hour), at(time.Hour+10*time.Minute))
	analysis("run-1", at(2*time.Hour))
	stderr, page := write()
	require.NotContains(t, stderr, "level=WARN", "the analysis followed every sync")
	require.NotContains(t, page, "Written from an analysis")

	// pagerduty.backfill_start extended, PagerDuty synced again.
	record("pagerduty", "pd-2", at(3*time.Hour), at(4*time.Hour+40*time.Minute))
	stderr, page = write()
	require.Contains(t, stderr, "level=WARN")
	require.Contains(t, stderr, "digest written from an analysis that started before a source's latest successful sync finished: run `aftermath analyze` and write it again")
	require.Contains(t, stderr, "run=run-1")
	require.Contains(t, stderr, "sources=pagerduty ")
	require.Contains(t, page, "Written from an analysis that started before the latest sync of PagerDuty finished (1 Dec 2026 04:40 UTC): "+
		"what it stored or removed, in November 2026 or the months before, is not in these figures.", "the page says so, not only the log")

	// Jira's reconciliation removed issues in a later sync.
	record("jira", "jira-2", at(5*time.Hour), at(5*time.Hour+5*time.Minute))
	stderr, page = write()
	require.Contains(t, stderr, "sources=jira,pagerduty ")
	require.Contains(t, page, "Written from an analysis that started before the latest syncs of Jira and PagerDuty finished (the last 1 Dec 2026 05:05 UTC): what they stored or removed")

	// An analysis after both: no warning.
	analysis("run-2", at(6*time.Hour))
	stderr, page = write()
	require.NotContains(t, stderr, "level=WARN")
	require.NotContains(t, page, "Written from an analysis")
}
