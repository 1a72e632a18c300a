package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// TestIngestOnceStoppedBySignal: a signal (ctx cancelled) during `ingest
// --once` records the source's run as aborted, starts no other source and
// exits 0, as serve does when stopped.
func TestIngestOnceStoppedBySignal(t *testing.T) {
	t.Setenv("AFTERMATH_PAGERDUTY_TOKEN", "pd-token-for-tests")
	t.Setenv("AFTERMATH_JIRA_EMAIL", "bot@example.com")
	t.Setenv("AFTERMATH_JIRA_TOKEN", "jira-token-for-tests")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// PagerDuty: the first request is where the signal arrives; it hangs
	// until the client gives up.
	pd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cancel()
		<-r.Context().Done()
	}))
	defer pd.Close()
	var jiraHits atomic.Int32
	jira := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		jiraHits.Add(1)
		http.Error(w, "unexpected", http.StatusInternalServerError)
	}))
	defer jira.Close()

	db := fmt.Sprintf("cli_stop_%d", os.Getpid())
	cfg := writeConfig(t, fmt.Sprintf("clickhouse:\n  addresses: [%q]\n  database: %s\npagerduty:\n  enabled: true\n  api_url: %s\njira:\n  enabled: true\n  base_url: %s\n",
		chtest.Addr(t), db, pd.URL, jira.URL))
	defer dropDatabase(t, db)

	var out, errOut bytes.Buffer
	code := run(ctx, []string{"ingest", "--once", "--config", cfg}, &out, &errOut)
	require.Equal(t, exitOK, code, errOut.String())
	require.Zero(t, jiraHits.Load(), "jira started after the signal")
	require.NotContains(t, errOut.String(), "level=ERROR")

	st, err := store.Open(context.Background(), store.Options{Addresses: []string{chtest.Addr(t)}, Database: db})
	require.NoError(t, err)
	defer st.Close()
	runs, err := st.IngestRuns(context.Background(), "pagerduty")
	require.NoError(t, err)
	require.Len(t, runs, 1)
	require.Equal(t, store.IngestAborted, runs[0].Status, runs[0].Error)
	runs, err = st.IngestRuns(context.Background(), "jira")
	require.NoError(t, err)
	require.Empty(t, runs)
}
