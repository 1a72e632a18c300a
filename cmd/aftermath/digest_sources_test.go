package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/digest"
	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// serveUntil runs serve with cfg until done says so of its stderr so far,
// then stops it and returns its stderr.
func serveUntil(t *testing.T, cfg string, done func(stderr string) bool) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"serve", "--config", cfg, "--web.listen-address", "127.0.0.1:0"}, &stdout, &stderr)
	}()
	deadline := time.Now().Add(90 * time.Second)
	for !done(stderr.String()) {
		select {
		case code := <-exited:
			t.Fatalf("serve exited with %d: %s", code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not get there: %s", stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	select {
	case code := <-exited:
		require.Equal(t, exitOK, code, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	return stderr.String()
}

// TestServeWritesTheDigestOnlyAfterEverySourceSynced reproduces the
// report: with PagerDuty failing, serve analyzed the empty store and wrote
// last month's digest ("No incidents this month"), which then counted as
// written and was never redone. Now serve writes nothing and says which
// source it waits for; once PagerDuty has synced after the month ended
// (recorded here as the repaired service would) and an analysis followed,
// the next serve writes it.
func TestServeWritesTheDigestOnlyAfterEverySourceSynced(t *testing.T) {
	t.Setenv("AFTERMATH_PAGERDUTY_TOKEN", "pd-token-for-tests")
	db := fmt.Sprintf("cli_digest_wait_%d", os.Getpid())
	out := t.TempDir()
	cfg := writeConfig(t, fmt.Sprintf("clickhouse:\n  addresses: [%q]\n  database: %s\npagerduty:\n  enabled: true\n  api_url: %s\ndigest:\n  output_dir: %s\n",
		chtest.Addr(t), db, failingPagerDuty(t), out))
	t.Cleanup(func() { dropDatabase(t, db) })
	month := digest.PreviousMonth(time.Now(), time.UTC)
	md := filepath.Join(out, month+".md")

	logs := serveUntil(t, cfg, func(s string) bool {
		return strings.Contains(s, "digest waits for a successful sync") || strings.Contains(s, "digest written")
	})
	require.NoFileExists(t, md, "no digest from an analysis without PagerDuty's data")
	require.Contains(t, logs, "level=WARN")
	require.Contains(t, logs, "month="+month)
	require.Contains(t, logs, "waiting=pagerduty")
	require.NotContains(t, logs, "pd-token-for-tests")

	st, err := store.Open(context.Background(), store.Options{Addresses: []string{chtest.Addr(t)}, Database: db})
	require.NoError(t, err)
	defer st.Close()
	now := time.Now().UTC()
	require.NoError(t, st.RecordIngestRun(context.Background(), store.IngestRun{Source: "pagerduty", RunID: "pagerduty-repaired",
		StartedAt: now.Add(-time.Minute), FinishedAt: now, Status: store.IngestSuccess, Records: 27000}))

	serveUntil(t, cfg, func(string) bool { _, err := os.Stat(md); return err == nil })
	require.FileExists(t, filepath.Join(out, month+".html"))
}

// TestDigestCommandWarnsOfSourcesNotSynced: `aftermath digest` writes when
// asked, but says at warn when a source has not completed a successful
// sync since the month ended, or when the analysis started before a
// source's latest successful sync finished.
func TestDigestCommandWarnsOfSourcesNotSynced(t *testing.T) {
	ctx := context.Background()
	db := fmt.Sprintf("cli_digest_sources_%d", os.Getpid())
	st := migratedDatabase(t, db)
	at := time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC) // the analysis: 05:59 to 06:00
	require.NoError(t, st.WriteAnalysis(ctx, store.AnalysisRun{ID: "run-1", StartedAt: at.Add(-time.Minute), FinishedAt: at, Status: store.RunSuccess}, []store.Result{
		digestResult(metrics.IncidentsBySeverity, 0, "period", "2026-10", "severity", "SEV2"),
	}))
	out := t.TempDir()
	// Only the ClickHouse secrets are read: no token is needed.
	cfg := writeConfig(t, fmt.Sprintf("clickhouse:\n  addresses: [%q]\n  database: %s\npagerduty:\n  enabled: true\njira:\n  enabled: true\n  base_url: https://example.atlassian.net\ndigest:\n  output_dir: %s\n",
		chtest.Addr(t), db, out))
	record := func(source string, started, finished time.Time, status string) {
		t.Helper()
		require.NoError(t, st.RecordIngestRun(ctx, store.IngestRun{Source: source, RunID: source + started.String(), StartedAt: started, FinishedAt: finished, Status: status}))
	}
	write := func() string {
		t.Helper()
		require.NoError(t, os.RemoveAll(filepath.Join(out, "2026-10.md")))
		code, stdout, stderr := runCLI(t, "digest", "--config", cfg, "--month", "2026-10", "--deliver=false")
		require.Equal(t, exitOK, code, stderr)
		require.Contains(t, stdout, filepath.Join(out, "2026-10.md"))
		require.FileExists(t, filepath.Join(out, "2026-10.md"), "written when asked")
		return stderr
	}

	record("pagerduty", at.Add(-2*time.Hour), at.Add(-2*time.Hour+time.Minute), store.IngestFailed)
	record("jira", at.Add(-3*time.Hour), at.Add(-3*time.Hour+time.Minute), store.IngestSuccess)
	stderr := write()
	require.Contains(t, stderr, "level=WARN")
	require.Contains(t, stderr, "digest written before every source completed a successful sync after the month ended")
	require.Contains(t, stderr, "waiting=pagerduty ")
	require.NotContains(t, stderr, "waiting=jira")
	page := func() string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(out, "2026-10.md"))
		require.NoError(t, err)
		return string(b)
	}
	require.Contains(t, page(), "Written before PagerDuty completed a successful sync after October 2026 ended: the figures drawn from it may be incomplete or missing.",
		"the page itself says so, not only the log")
	// PagerDuty never synced at all: its figures are unknown, not zero.
	require.Contains(t, page(), "No incident data for October 2026: PagerDuty has not completed a sync yet.")
	require.NotContains(t, page(), "No incidents this month")

	// PagerDuty synced after October ended, but after the analysis
	// started: the analysis missed its data.
	record("pagerduty", at.Add(2*time.Hour), at.Add(3*time.Hour), store.IngestSuccess)
	stderr = write()
	require.Contains(t, stderr, "digest written from an analysis that started before a source's latest successful sync finished")
	require.Contains(t, stderr, "run=run-1")
	require.Contains(t, stderr, "sources=pagerduty ")
	require.Contains(t, page(), "Written from an analysis that started before the latest sync of PagerDuty finished (1 Nov 2026 09:00 UTC)")
	require.NotContains(t, page(), "PagerDuty has not completed a sync yet", "it has synced")

	// An earlier success, before the analysis started, does not make up
	// for the later one: its data is still not in the analysis.
	record("pagerduty", at.Add(-20*time.Minute), at.Add(-10*time.Minute), store.IngestSuccess)
	require.Contains(t, write(), "sources=pagerduty ")
	require.Contains(t, page(), "Written from an analysis that started before the latest sync of PagerDuty finished")

	// An analysis after every sync: complete.
	require.NoError(t, st.WriteAnalysis(ctx, store.AnalysisRun{ID: "run-2", StartedAt: at.Add(4 * time.Hour), FinishedAt: at.Add(4*time.Hour + time.Minute), Status: store.RunSuccess}, []store.Result{
		digestResult(metrics.IncidentsBySeverity, 0, "period", "2026-10", "severity", "SEV2"),
	}))
	require.NotContains(t, write(), "level=WARN", "every source synced before the analysis")
	require.NotContains(t, page(), "Written before")
	require.NotContains(t, page(), "Written from an analysis")
}
