package exporter

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chserver"
)

// A ClickHouse that hangs (SIGSTOP: connections are accepted by the kernel,
// nothing ever answers) must be reported down within Prometheus's scrape
// timeout, so that AftermathClickHouseDown can fire. The exporter is built
// as `aftermath serve` builds it, without a timeout of its own. The test
// stops a dedicated server, not the shared one of chtest.
func TestHungClickHouseIsReportedDownWithinScrapeTimeout(t *testing.T) {
	ctx := context.Background()
	srv, err := chserver.Start(ctx, chserver.Options{StateDir: t.TempDir(), StartTimeout: 60 * time.Second})
	if errors.Is(err, chserver.ErrBinaryMissing) && os.Getenv("AFTERMATH_REQUIRE_CLICKHOUSE") != "1" {
		t.Skipf("no ClickHouse for this test: %v", err)
	}
	require.NoError(t, err)
	t.Cleanup(srv.Stop)
	b, err := os.ReadFile(filepath.Join(srv.Dir(), "server.pid"))
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	require.NoError(t, err)

	st, err := store.Open(ctx, store.Options{Addresses: []string{srv.Addr()}, Database: "aftermath", DialTimeout: 10 * time.Second}) // serve's default
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	_, err = st.Migrate(ctx)
	require.NoError(t, err)
	writeRun(t, st, "run-1", t0, []store.Result{
		r(analyze.AnalysisActions, "action_items_overdue", 3, "priority", "P1", "team", "payments"),
	})

	e, err := New(Options{Store: st, Sources: []string{"pagerduty"}})
	require.NoError(t, err)
	h, err := NewHandler(HandlerOptions{Exporter: e})
	require.NoError(t, err)
	web := httptest.NewServer(h)
	defer web.Close()

	// Prometheus gives up after its scrape timeout and says so in this
	// header. The client waits longer, so that a slow answer is measured
	// rather than cut (a busy machine: the tests run in parallel).
	client := &http.Client{Timeout: 30 * time.Second}
	scrape := func(header string) (string, time.Duration) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, web.URL+"/metrics", nil)
		require.NoError(t, err)
		if header != "" {
			req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", header)
		}
		start := time.Now()
		resp, err := client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		return string(b), time.Since(start)
	}

	// A first scrape while ClickHouse answers (a new server's first
	// queries can be slow on a busy machine: no scrape timeout here).
	body, _ := scrape("")
	require.Contains(t, body, "aftermath_clickhouse_up 1\n")
	require.Contains(t, body, `aftermath_collector_success{collector="actions"} 1`+"\n")

	require.NoError(t, syscall.Kill(pid, syscall.SIGSTOP))
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGCONT) }) // runs before st.Close and srv.Stop

	body, took := scrape("3")
	t.Logf("scrape of a hung ClickHouse took %s", took)
	require.Less(t, took, 3*time.Second, "the scrape must answer within the 3s scrape timeout")
	requireServedDown(t, body, "hung")
}

func TestScrapeTimeout(t *testing.T) {
	tests := []struct {
		name       string
		configured time.Duration
		header     string
		want       time.Duration
		err        bool
	}{
		{"no header: the configured timeout", 8 * time.Second, "", 8 * time.Second, false},
		{"Prometheus default 10s: the configured one is shorter", 8 * time.Second, "10", 8 * time.Second, false},
		{"shorter scrape timeout, less the offset", 8 * time.Second, "3", 2500 * time.Millisecond, false},
		{"fractional seconds", 8 * time.Second, "1.5", time.Second, false},
		{"exactly configured plus offset", 8 * time.Second, "8.5", 8 * time.Second, false},
		{"under twice the offset: half the scrape timeout", 8 * time.Second, "0.8", 400 * time.Millisecond, false},
		{"tiny scrape timeout: the minimum", 8 * time.Second, "0.05", MinScrapeTimeout, false},
		{"configured below the minimum wins", 50 * time.Millisecond, "0.05", 50 * time.Millisecond, false},
		{"huge", 8 * time.Second, "1e300", 8 * time.Second, false},
		{"infinite", 8 * time.Second, "+Inf", 8 * time.Second, false},
		{"not a number", 8 * time.Second, "3s", 8 * time.Second, true},
		{"NaN", 8 * time.Second, "NaN", 8 * time.Second, true},
		{"zero", 8 * time.Second, "0", 8 * time.Second, true},
		{"negative", 8 * time.Second, "-3", 8 * time.Second, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := scrapeTimeout(tc.configured, tc.header)
			if tc.err {
				require.ErrorContains(t, err, ScrapeTimeoutHeader)
			} else {
				require.NoError(t, err)
			}
			require.Equal(t, tc.want, got)
		})
	}
}

// A scrape that waits for another's read of the results (or Refresh's) gives
// up at its own deadline instead of waiting for the other's.
func TestLoadWaitGivesUpAtTheScrapeDeadline(t *testing.T) {
	e, err := New(Options{Store: deadStore{}})
	require.NoError(t, err)
	c := e.collectors[0]
	c.lock <- struct{}{} // a read in progress that does not end
	defer func() { <-c.lock }()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.load(ctx, e, "run-1")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(start), time.Second)
}
