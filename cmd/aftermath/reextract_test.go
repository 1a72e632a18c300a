package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/config"
	"github.com/aftermath-sre/aftermath/simulate"
	"github.com/aftermath-sre/aftermath/simulate/org"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// TestIngestReextract: `ingest --reextract` converts the stored raw
// documents again with the configuration as it is now (here a severity
// mapping that changed), without calling the API (its address is
// unreachable) and so without the sources' credentials; Jira, never synced,
// fails asking for a sync first (it maps statuses with the metadata a sync
// caches).
func TestIngestReextract(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests a tiny org")
	}
	t.Setenv("AFTERMATH_PAGERDUTY_TOKEN", "pd-token-for-tests")
	t.Setenv("AFTERMATH_JIRA_EMAIL", "me@example.com")
	t.Setenv("AFTERMATH_JIRA_TOKEN", "jt")
	end := time.Now().UTC().Truncate(time.Second)
	o, err := org.Generate(org.Options{Seed: 3, Scale: org.ScaleTiny, End: end})
	require.NoError(t, err)
	sim, err := simulate.New(simulate.Options{Org: o, PagerDutyToken: "pd-token-for-tests", PagerDutyRateLimit: -1,
		JiraEmail: "me@example.com", JiraToken: "jt", JiraTimeZone: "UTC"})
	require.NoError(t, err)
	srv := httptest.NewServer(sim)
	defer srv.Close()

	db := fmt.Sprintf("cli_reextract_%d", os.Getpid())
	defer dropDatabase(t, db)
	body := func(apiURL, severity string) string {
		return fmt.Sprintf("clickhouse:\n  addresses: [%q]\n  database: %s\npagerduty:\n  enabled: true\n  api_url: %s\n"+
			"  requests_per_minute: 0\n  backfill_start: %s\n%s",
			chtest.Addr(t), db, apiURL, o.Start.Format("2006-01-02"), severity)
	}
	conf := func(apiURL, severity string) string { return writeConfig(t, body(apiURL, severity)) }
	code, stdout, stderr := runCLI(t, "ingest", "--once", "--config", conf(srv.URL, ""))
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, stdout, "pagerduty: ")

	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Addresses: []string{chtest.Addr(t)}, Database: db})
	require.NoError(t, err)
	defer st.Close()
	before, err := st.Incidents(ctx, store.IncidentFilter{})
	require.NoError(t, err)
	require.Len(t, before, len(o.Incidents))
	notSEV1 := 0
	for _, x := range before {
		if x.Severity != "SEV1" {
			notSEV1++
		}
	}
	require.Positive(t, notSEV1)

	// Re-extraction calls no API: it runs without the sources' credentials.
	t.Setenv("AFTERMATH_PAGERDUTY_TOKEN", "")
	t.Setenv("AFTERMATH_JIRA_EMAIL", "")
	t.Setenv("AFTERMATH_JIRA_TOKEN", "")
	code, _, stderr = runCLI(t, "ingest", "--once", "--config", conf("http://127.0.0.1:1", ""))
	require.Equal(t, exitUsage, code, "a sync still needs the token")
	require.Contains(t, stderr, "AFTERMATH_PAGERDUTY_TOKEN is not set")
	allSEV1 := "  severity:\n    priorities: {P1: SEV1, P2: SEV1, P3: SEV1, P4: SEV1, P5: SEV1}\n    urgency: {high: SEV1, low: SEV1}\n"
	code, stdout, stderr = runCLI(t, "ingest", "--reextract", "--config", conf("http://127.0.0.1:1", allSEV1))
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, stdout, "records re-extracted from raw documents")
	after, err := st.Incidents(ctx, store.IncidentFilter{})
	require.NoError(t, err)
	require.Len(t, after, len(before))
	for i, x := range after {
		require.Equal(t, "SEV1", x.Severity, x.ID)
		x.Severity = before[i].Severity
		require.Equal(t, before[i], x, "only the severity follows the new mapping")
	}

	jira := body("http://127.0.0.1:1", "") + fmt.Sprintf("jira:\n  enabled: true\n  base_url: %s\n", srv.URL)
	code, _, stderr = runCLI(t, "ingest", "--reextract", "--source", "jira", "--config", writeConfig(t, jira))
	require.Equal(t, exitFailure, code, stderr)
	require.Contains(t, stderr, "re-extract: jira: no cached statuses (/status) to re-extract with: run a sync first")
	require.NotContains(t, stderr, "jira: re-extract: jira:", "the source is named once")
}

// TestReextractSourcesMakeNoRequest: the sources ingest --reextract builds
// carry no real credentials, so they must not reach the API: a sync of
// them (which re-extraction never runs) fails without a request arriving.
func TestReextractSourcesMakeNoRequest(t *testing.T) {
	var requests atomic.Int64
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		requests.Add(1)
		http.Error(w, "unexpected request", http.StatusTeapot)
	}))
	defer api.Close()
	cfg := config.Default()
	cfg.PagerDuty.Enabled, cfg.PagerDuty.APIURL = true, api.URL
	cfg.Jira.Enabled, cfg.Jira.BaseURL = true, api.URL
	a := &app{stdout: io.Discard, stderr: io.Discard, logger: slog.New(slog.DiscardHandler), cfg: cfg}

	st := chtest.Store(t)
	srcs, err := a.reextractSources(st, prometheus.NewRegistry(), "all")
	require.NoError(t, err, "built without credentials")
	require.Len(t, srcs, 2)
	for _, src := range srcs {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		_, err := src.Sync(ctx)
		cancel()
		require.Error(t, err, src.Name())
		require.Regexp(t, `no API token|token is required`, err.Error(), "without credentials a source does not sync")
	}
	require.Zero(t, requests.Load(), "a source built for re-extraction sent a request")
}
