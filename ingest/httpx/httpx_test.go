package httpx_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/ingest/httpx"
)

// fakeClock is a clock whose Sleep advances time at once and records the wait.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

func (c *fakeClock) total() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	var t time.Duration
	for _, d := range c.sleeps {
		t += d
	}
	return t
}

func (c *fakeClock) waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// script serves the given handlers in order, repeating the last one.
func script(t *testing.T, steps ...http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if i >= len(steps) {
			i = len(steps) - 1
		}
		steps[i](w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func status(code int, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = io.WriteString(w, `{"ok":`+map[bool]string{true: "true", false: "false"}[code < 300]+`}`)
	}
}

func newTransport(t *testing.T, clk *fakeClock, mod func(*httpx.Options)) (*httpx.Transport, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	o := httpx.Options{
		Source:     "test",
		Registerer: reg,
		Now:        clk.Now,
		Sleep:      clk.Sleep,
		Jitter:     func() float64 { return 0.5 },
		Endpoint:   httpx.Templates("/incidents", "/incidents/{id}", "/incidents/{id}/log_entries"),
	}
	if mod != nil {
		mod(&o)
	}
	tr, err := httpx.New(o)
	require.NoError(t, err)
	return tr, reg
}

func get(t *testing.T, tr http.RoundTripper, url string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Token token=s3cr3t-token")
	return (&http.Client{Transport: tr}).Do(req)
}

func TestRetries429StormHonouringRetryAfterSeconds(t *testing.T) {
	clk := newFakeClock()
	steps := []http.HandlerFunc{}
	for range 5 {
		steps = append(steps, status(429, "Retry-After", "2"))
	}
	steps = append(steps, status(200))
	srv, n := script(t, steps...)
	tr, reg := newTransport(t, clk, nil)

	resp, err := get(t, tr, srv.URL+"/incidents")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	require.EqualValues(t, 6, n.Load())
	for _, d := range clk.waits() {
		require.GreaterOrEqual(t, d, 2*time.Second, "must wait at least what Retry-After says")
		require.Less(t, d, 2*time.Second+150*time.Millisecond)
	}
	require.Len(t, clk.waits(), 5)
	st := tr.Stats()
	require.Equal(t, httpx.Stats{Requests: 6, Retries: 5, RateWaits: 5}, st)
	require.Equal(t, 5.0, testutil.ToFloat64(mustVec(t, reg, "aftermath_http_requests_total", "test", "/incidents", "429")))
	require.Equal(t, 5.0, testutil.ToFloat64(mustVec(t, reg, "aftermath_http_retries_total", "test", "/incidents", "429")))
}

func TestRetryAfterHTTPDateAndRatelimitReset(t *testing.T) {
	tests := []struct {
		name    string
		headers func(now time.Time) []string
		want    time.Duration
	}{
		{"http date", func(now time.Time) []string {
			return []string{"Retry-After", now.Add(30 * time.Second).Format(http.TimeFormat)}
		}, 30 * time.Second},
		{"ratelimit-reset seconds", func(time.Time) []string { return []string{"ratelimit-reset", "7"} }, 7 * time.Second},
		{"retry-after wins over reset", func(time.Time) []string {
			return []string{"Retry-After", "3", "ratelimit-reset", "40"}
		}, 3 * time.Second},
		{"capped by MaxRetryAfter", func(time.Time) []string { return []string{"Retry-After", "86400"} }, 2 * time.Minute},
		{"no header: backoff", func(time.Time) []string { return nil }, 375 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := newFakeClock()
			srv, _ := script(t, func(w http.ResponseWriter, r *http.Request) {
				status(429, tc.headers(clk.Now())...)(w, r)
			}, status(200))
			tr, _ := newTransport(t, clk, nil)
			resp, err := get(t, tr, srv.URL+"/incidents")
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, 200, resp.StatusCode)
			w := clk.waits()
			require.Len(t, w, 1)
			require.InDelta(t, tc.want.Seconds(), w[0].Seconds(), 0.11)
		})
	}
}

func TestRetries5xxWithCappedExponentialBackoff(t *testing.T) {
	clk := newFakeClock()
	srv, n := script(t, status(503), status(500), status(502), status(504), status(200))
	tr, _ := newTransport(t, clk, func(o *httpx.Options) {
		o.BaseBackoff = time.Second
		o.MaxBackoff = 4 * time.Second
	})
	resp, err := get(t, tr, srv.URL+"/incidents/PABC123")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	require.EqualValues(t, 5, n.Load())
	// jitter 0.5 gives 3/4 of the capped exponential delay: 1s, 2s, 4s, 4s.
	require.Equal(t, []time.Duration{750 * time.Millisecond, 1500 * time.Millisecond, 3 * time.Second, 3 * time.Second}, clk.waits())
}

func TestGivesUpAfterMaxAttemptsReturningLastResponse(t *testing.T) {
	clk := newFakeClock()
	srv, n := script(t, status(503))
	tr, reg := newTransport(t, clk, func(o *httpx.Options) { o.MaxAttempts = 4 })
	resp, err := get(t, tr, srv.URL+"/incidents/PABC123/log_entries")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 503, resp.StatusCode)
	require.EqualValues(t, 4, n.Load())
	require.Equal(t, uint64(1), tr.Stats().Errors)
	require.Equal(t, 1.0, testutil.ToFloat64(mustVec(t, reg, "aftermath_http_errors_total", "test", "/incidents/{id}/log_entries", "5xx")))
}

func TestDoesNotRetryClientErrors(t *testing.T) {
	for _, code := range []int{400, 401, 404} {
		clk := newFakeClock()
		srv, n := script(t, status(code), status(200))
		tr, _ := newTransport(t, clk, nil)
		resp, err := get(t, tr, srv.URL+"/incidents")
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, code, resp.StatusCode)
		require.EqualValues(t, 1, n.Load())
		require.Empty(t, clk.waits())
	}
}

func hangUp(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

func truncated(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", "100")
	w.WriteHeader(200)
	_, _ = io.WriteString(w, `{"incidents":[`)
	// returning with fewer bytes than declared makes the server cut the connection
}

func TestRetriesNetworkErrorsAndTruncatedBodies(t *testing.T) {
	clk := newFakeClock()
	srv, n := script(t, hangUp, truncated, status(200))
	tr, _ := newTransport(t, clk, func(o *httpx.Options) { o.BufferBodies = true })
	resp, err := get(t, tr, srv.URL+"/incidents")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, `{"ok":true}`, string(body))
	require.EqualValues(t, 3, n.Load())
	require.Equal(t, uint64(2), tr.Stats().Retries)
}

func TestNetworkErrorAfterAllAttemptsIsReturnedWithoutSecrets(t *testing.T) {
	clk := newFakeClock()
	srv, _ := script(t, hangUp)
	var logs bytes.Buffer
	tr, _ := newTransport(t, clk, func(o *httpx.Options) {
		o.MaxAttempts = 3
		o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/incidents/PSECRET?api_key=s3cr3t-key", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Token token=s3cr3t-token")
	_, err = tr.RoundTrip(req)
	require.Error(t, err)
	require.Contains(t, err.Error(), "giving up after 3 attempts")
	require.Contains(t, err.Error(), "/incidents/{id}")
	for _, s := range []string{"s3cr3t", "PSECRET", "api_key"} {
		require.NotContains(t, err.Error(), s)
		require.NotContains(t, logs.String(), s)
	}
	require.Contains(t, logs.String(), "retrying request", "the test must see the logs to prove anything")
}

func TestCancellationDuringRetryWait(t *testing.T) {
	srv, n := script(t, status(429, "Retry-After", "60"))
	tr, err := httpx.New(httpx.Options{Source: "test"}) // real clock and sleeper
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/incidents", nil)
	require.NoError(t, err)
	start := time.Now()
	_, err = tr.RoundTrip(req)
	require.ErrorIs(t, err, context.Canceled)
	require.Less(t, time.Since(start), 5*time.Second, "a cancelled wait must end at once, not after Retry-After")
	require.EqualValues(t, 1, n.Load())
}

func TestCancellationDuringBudgetWait(t *testing.T) {
	srv, n := script(t, status(200))
	tr, err := httpx.New(httpx.Options{Source: "test", RequestsPerMinute: 1})
	require.NoError(t, err)
	resp, err := get(t, tr, srv.URL+"/incidents") // uses the only token
	require.NoError(t, err)
	resp.Body.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/incidents", nil)
	require.NoError(t, err)
	start := time.Now()
	_, err = tr.RoundTrip(req)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(start), 5*time.Second)
	require.EqualValues(t, 1, n.Load())
}

func TestBudgetPacing(t *testing.T) {
	tests := []struct {
		name     string
		rpm      int
		burst    int
		requests int
		want     time.Duration // total wait on the fake clock
	}{
		{"600/min evenly spaced", 600, 1, 21, 2 * time.Second},
		{"960/min like PagerDuty", 960, 1, 961, time.Minute},
		{"burst of 10 first", 60, 10, 15, 5 * time.Second},
		{"unlimited", 0, 0, 50, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := newFakeClock()
			srv, n := script(t, status(200))
			tr, _ := newTransport(t, clk, func(o *httpx.Options) {
				o.RequestsPerMinute = tc.rpm
				o.Burst = tc.burst
			})
			for range tc.requests {
				resp, err := get(t, tr, srv.URL+"/incidents")
				require.NoError(t, err)
				resp.Body.Close()
			}
			require.EqualValues(t, tc.requests, n.Load())
			require.InDelta(t, tc.want.Seconds(), clk.total().Seconds(), 0.01)
		})
	}
}

func TestPausesWhenServerBudgetIsSpent(t *testing.T) {
	clk := newFakeClock()
	srv, _ := script(t, status(200, "ratelimit-remaining", "0", "ratelimit-reset", "5"), status(200))
	tr, _ := newTransport(t, clk, nil)
	for range 2 {
		resp, err := get(t, tr, srv.URL+"/incidents")
		require.NoError(t, err)
		resp.Body.Close()
	}
	require.Equal(t, []time.Duration{5 * time.Second}, clk.waits())
	require.Equal(t, uint64(1), tr.Stats().RateWaits)
}

func TestRequestBodyIsResentOnRetry(t *testing.T) {
	clk := newFakeClock()
	var mu sync.Mutex
	var bodies []string
	record := func(code int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			bodies = append(bodies, string(b))
			mu.Unlock()
			status(code)(w, r)
		}
	}
	srv, _ := script(t, record(503), record(429), record(200))
	tr, _ := newTransport(t, clk, nil)
	// A body without GetBody, as a caller wrapping its own reader would send.
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/search", io.NopCloser(strings.NewReader(`{"jql":"project = PM"}`)))
	require.NoError(t, err)
	resp, err := tr.RoundTrip(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, []string{`{"jql":"project = PM"}`, `{"jql":"project = PM"}`, `{"jql":"project = PM"}`}, bodies)
}

func TestAttemptTimeoutIsRetried(t *testing.T) {
	var n atomic.Int64
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		status(200)(w, r)
	}))
	defer srv.Close()
	defer close(release)
	clk := newFakeClock()
	tr, _ := newTransport(t, clk, func(o *httpx.Options) { o.AttemptTimeout = 100 * time.Millisecond })
	resp, err := get(t, tr, srv.URL+"/incidents")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	require.EqualValues(t, 2, n.Load())
}

func TestTemplates(t *testing.T) {
	ep := httpx.Templates("/incidents", "/incidents/{id}", "/incidents/{id}/log_entries", "/log_entries", "/search")
	tests := []struct{ path, want string }{
		{"/incidents", "/incidents"},
		{"/incidents/PABC123", "/incidents/{id}"},
		{"/incidents/PABC123/log_entries", "/incidents/{id}/log_entries"},
		{"/log_entries", "/log_entries"},
		{"/rest/api/2/search", "/search"},
		{"/users/PXYZ", "other"},
		{"/", "other"},
	}
	for _, tc := range tests {
		req := httptest.NewRequest(http.MethodGet, "http://x"+tc.path+"?offset=100", nil)
		require.Equal(t, tc.want, ep(req), tc.path)
	}
}

func TestTwoSourcesShareARegisterer(t *testing.T) {
	reg := prometheus.NewRegistry()
	_, err := httpx.New(httpx.Options{Source: "pagerduty", Registerer: reg})
	require.NoError(t, err)
	_, err = httpx.New(httpx.Options{Source: "jira", Registerer: reg})
	require.NoError(t, err)
	_, err = httpx.New(httpx.Options{})
	require.Error(t, err)
}

func mustVec(t *testing.T, reg *prometheus.Registry, name string, labels ...string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			got := map[string]bool{}
			for _, lp := range m.GetLabel() {
				got[lp.GetValue()] = true
			}
			match := len(got) == len(labels)
			for _, l := range labels {
				match = match && got[l]
			}
			if match {
				return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "x"}, func() float64 { return m.GetCounter().GetValue() })
			}
		}
	}
	t.Fatalf("no %s%v in the registry", name, labels)
	return nil
}

// A 5xx from a server with budget left waits the backoff, not the rate-limit
// window its headers describe (issue 10: a medium backfill with 20% 5xx took
// more than 20 minutes because every 5xx waited up to a minute for
// ratelimit-reset).
func Test5xxWaitsBackoffNotTheRateLimitWindow(t *testing.T) {
	tests := []struct {
		name    string
		headers []string
		want    []time.Duration
	}{
		{"budget left: reset ignored", []string{"ratelimit-remaining", "900", "ratelimit-reset", "58"},
			[]time.Duration{375 * time.Millisecond}},
		{"budget left: Retry-After ignored too", []string{"ratelimit-remaining", "42", "ratelimit-reset", "58", "Retry-After", "58"},
			[]time.Duration{375 * time.Millisecond}},
		{"reset alone is no reason to wait", []string{"ratelimit-reset", "58"},
			[]time.Duration{375 * time.Millisecond}},
		{"Retry-After without budget headers (maintenance)", []string{"Retry-After", "3"},
			[]time.Duration{3 * time.Second}},
		{"Retry-After on a 5xx capped by MaxBackoff", []string{"Retry-After", "3600"},
			[]time.Duration{30 * time.Second}},
		// A spent budget pauses every request until the reset: the backoff,
		// then the rest of the pause.
		{"budget spent: wait for the reset", []string{"ratelimit-remaining", "0", "ratelimit-reset", "5"},
			[]time.Duration{375 * time.Millisecond, 5*time.Second - 375*time.Millisecond}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := newFakeClock()
			srv, n := script(t, status(503, tc.headers...), status(200))
			tr, _ := newTransport(t, clk, nil)
			resp, err := get(t, tr, srv.URL+"/incidents")
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, 200, resp.StatusCode)
			require.EqualValues(t, 2, n.Load())
			require.Equal(t, tc.want, clk.waits())
		})
	}
}

// With one response in five a 5xx carrying the rate-limit headers of a
// server with plenty of budget, 200 requests take seconds of waiting, not
// the minutes a wait for every reset would.
func Test5xxStormWithBudgetLeftStaysCheap(t *testing.T) {
	clk := newFakeClock()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		h := []string{"ratelimit-limit", "960", "ratelimit-remaining", "700", "ratelimit-reset", "45"}
		if i%5 == 0 {
			status(502, h...)(w, r)
			return
		}
		status(200, h...)(w, r)
	}))
	defer srv.Close()
	tr, _ := newTransport(t, clk, nil)
	for range 200 {
		resp, err := get(t, tr, srv.URL+"/log_entries")
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode)
	}
	require.Greater(t, tr.Stats().Retries, uint64(40))
	require.Less(t, clk.total(), 40*time.Second, "each 5xx waits a backoff of about half a second")
}

// logLines returns the records of a JSON log buffer.
func logLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		out = append(out, m)
	}
	return out
}

func TestRetriesLogAtInfoOncePerBurst(t *testing.T) {
	clk := newFakeClock()
	var fail atomic.Bool
	fail.Store(true)
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Every other request of a burst fails once.
		if fail.Load() && n.Add(1)%2 == 1 {
			status(503)(w, r)
			return
		}
		status(200)(w, r)
	}))
	defer srv.Close()
	var logs bytes.Buffer
	tr, _ := newTransport(t, clk, func(o *httpx.Options) {
		o.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})).With("source", "pagerduty")
		o.Source = "pagerduty"
	})
	do := func(k int) {
		for range k {
			resp, err := get(t, tr, srv.URL+"/incidents/PABC?token=s3cr3t")
			require.NoError(t, err)
			resp.Body.Close()
		}
	}
	do(10) // a burst: 10 retries within seconds
	clk.Sleep(context.Background(), 5*time.Minute)
	do(4) // a second burst after a quiet spell
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "retrying request") {
			require.Equal(t, 1, strings.Count(line, `"source":`), "the source once per line (the caller's logger names it): %s", line)
		}
	}
	var info, debug []map[string]any
	for _, m := range logLines(t, &logs) {
		if m["msg"] != "retrying request" {
			continue
		}
		switch m["level"] {
		case "INFO":
			info = append(info, m)
		case "DEBUG":
			debug = append(debug, m)
		}
	}
	require.Len(t, info, 2, "one INFO line per burst")
	require.Len(t, debug, 14-2, "every other retry at DEBUG")
	for _, m := range info {
		require.Equal(t, "pagerduty", m["source"])
		require.Equal(t, "/incidents/{id}", m["endpoint"])
		require.Equal(t, "503", m["status"])
		require.Contains(t, m, "retry_in")
	}
	require.EqualValues(t, 1, info[0]["retries_since_last_log"])
	require.EqualValues(t, 10, info[1]["retries_since_last_log"], "the second line accounts for the first burst's unlogged retries")
	require.NotContains(t, logs.String(), "s3cr3t")
	require.NotContains(t, logs.String(), "PABC")
}

func TestLongRetryBurstLogsAgainEveryMinute(t *testing.T) {
	clk := newFakeClock()
	srv, _ := script(t, status(500))
	var logs bytes.Buffer
	tr, _ := newTransport(t, clk, func(o *httpx.Options) {
		o.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) // INFO and up
		o.MaxAttempts = 12
		o.BaseBackoff = 10 * time.Second
		o.MaxBackoff = 20 * time.Second
	})
	resp, err := get(t, tr, srv.URL+"/incidents")
	require.NoError(t, err)
	resp.Body.Close()
	// 11 retries, 15 s apart (3/4 of the 20 s cap) after the first few: 2-3
	// minutes of one burst, logged at its start and then once a minute.
	lines := logLines(t, &logs)
	require.GreaterOrEqual(t, len(lines), 3)
	require.LessOrEqual(t, len(lines), 4)
	sum := 0.0
	for _, m := range lines {
		sum += m["retries_since_last_log"].(float64)
	}
	require.LessOrEqual(t, sum, 11.0)
	require.Greater(t, sum, 5.0)
}

// huge streams n bytes of a JSON array, with or without Content-Length, and
// counts what it wrote.
func huge(n int64, declare bool, written *atomic.Int64) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if declare {
			w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
		}
		w.WriteHeader(200)
		chunk := bytes.Repeat([]byte(`"xxxxxxxxxxxxxx",`), 4096)
		for left := n; left > 0; {
			c := chunk[:min(int64(len(chunk)), left)]
			k, err := w.Write(c)
			written.Add(int64(k))
			if err != nil {
				return
			}
			left -= int64(k)
		}
	}
}

func TestResponseBodyLimit(t *testing.T) {
	const limit = 1 << 20
	const size = 256 << 20 // a quarter of the 1 GiB: enough to see memory stay flat
	for _, tc := range []struct {
		name            string
		declare, buffer bool
		wantMsg         string
	}{
		{"buffered, streamed without length", false, true, "httpx: GET /incidents/{id}/log_entries: response body exceeds the limit of 1 MiB"},
		{"buffered, declared length", true, true, "httpx: GET /incidents/{id}/log_entries: response body of 256 MiB exceeds the limit of 1 MiB"},
		{"streamed to the caller", false, false, "httpx: GET /incidents/{id}/log_entries: response body exceeds the limit of 1 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var written atomic.Int64
			srv, n := script(t, huge(size, tc.declare, &written))
			clk := newFakeClock()
			tr, reg := newTransport(t, clk, func(o *httpx.Options) {
				o.MaxBodyBytes = limit
				o.BufferBodies = tc.buffer
			})
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL+"/incidents/PSECRET/log_entries?api_key=s3cr3t", nil)
			require.NoError(t, err)
			req.Header.Set("Authorization", "Token token=s3cr3t-token")
			resp, err := tr.RoundTrip(req)
			if err == nil {
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			runtime.ReadMemStats(&after)
			require.Error(t, err)
			var big *httpx.BodyTooLargeError
			require.ErrorAs(t, err, &big)
			require.Equal(t, "/incidents/{id}/log_entries", big.Endpoint)
			require.EqualValues(t, limit, big.Limit)
			require.Contains(t, err.Error(), tc.wantMsg)
			for _, s := range []string{"s3cr3t", "PSECRET", srv.URL} {
				require.NotContains(t, err.Error(), s)
			}
			require.EqualValues(t, 1, n.Load(), "a body too large is not retried")
			require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(16<<20), "memory stays bounded by the limit, not the body")
			require.Equal(t, 1.0, testutil.ToFloat64(mustVec(t, reg, "aftermath_http_errors_total", "test", "/incidents/{id}/log_entries", "too_large")))
			srv.CloseClientConnections()
			require.Less(t, written.Load(), int64(size), "the transfer is cut short")
		})
	}
}

func TestResponseBodyAtTheLimitPasses(t *testing.T) {
	for _, buffer := range []bool{true, false} {
		body := strings.Repeat("x", 1000)
		srv, _ := script(t, func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, body) })
		tr, _ := newTransport(t, newFakeClock(), func(o *httpx.Options) {
			o.MaxBodyBytes = 1000
			o.BufferBodies = buffer
		})
		resp, err := get(t, tr, srv.URL+"/incidents")
		require.NoError(t, err)
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, body, string(got))
	}
}
