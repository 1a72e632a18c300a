package exporter

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

func newRegistry(t testing.TB, cs ...prometheus.Collector) *prometheus.Registry {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	for _, c := range cs {
		require.NoError(t, reg.Register(c))
	}
	return reg
}

// proxy forwards TCP connections to a ClickHouse server until Kill, which
// closes the listener and every connection: to the exporter, ClickHouse is
// gone, while the shared test server keeps running for other tests.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	dead   bool
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &proxy{ln: ln, target: target}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			if p.dead {
				p.mu.Unlock()
				c.Close()
				up.Close()
				return
			}
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); up.Close() }()
			go func() { _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
	t.Cleanup(p.Kill)
	return p
}

func (p *proxy) Addr() string { return p.ln.Addr().String() }

func (p *proxy) Kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dead = true
	p.ln.Close()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func TestClickHouseDownStillAnswers(t *testing.T) {
	// A real store, reached through a proxy we can cut.
	migrated := chtest.Store(t)
	writeRun(t, migrated, "run-1", t0, []store.Result{
		r(analyze.AnalysisActions, "action_items_overdue", 3, "priority", "P1", "team", "payments"),
	})
	p := startProxy(t, chtest.Addr(t))
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Addresses: []string{p.Addr()}, Database: migrated.Database(), DialTimeout: 2 * time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })

	e, err := New(Options{Store: st, Sources: []string{"pagerduty"}, Timeout: 3 * time.Second})
	require.NoError(t, err)
	h, err := NewHandler(HandlerOptions{Exporter: e, Ready: e.Ready})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()

	require.Equal(t, 1, testutil.CollectAndCount(e, "aftermath_action_items_overdue"), "served while ClickHouse is up")
	code, _ := get(t, srv.URL+"/readyz")
	require.Equal(t, http.StatusOK, code)

	p.Kill()

	code, body := get(t, srv.URL+"/metrics")
	require.Equal(t, http.StatusOK, code, "/metrics answers while ClickHouse is down")
	requireServedDown(t, body, "down")
	require.NotContains(t, body, "aftermath_analysis_last_success_timestamp_seconds ")

	code, body = get(t, srv.URL+"/readyz")
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.True(t, strings.HasPrefix(body, "not ready: "), body)
	code, _ = get(t, srv.URL+"/healthz")
	require.Equal(t, http.StatusOK, code, "the process is still alive")
}

func TestDeadAddressFromTheStart(t *testing.T) {
	// A store that never reached ClickHouse behaves the same: self metrics only.
	e, err := New(Options{Store: deadStore{}})
	require.NoError(t, err)
	want := `
# HELP aftermath_clickhouse_up 1 if ClickHouse answered a ping during the last scrape, 0 if it did not.
# TYPE aftermath_clickhouse_up gauge
aftermath_clickhouse_up 0
# HELP aftermath_up 1 if the last scrape served the latest successful analysis run: ClickHouse answered, an analysis run has succeeded and every collector read its results; 0 otherwise.
# TYPE aftermath_up gauge
aftermath_up 0
`
	require.NoError(t, testutil.CollectAndCompare(e, strings.NewReader(want), "aftermath_up", "aftermath_clickhouse_up"))
	n := testutil.CollectAndCount(e)
	require.Equal(t, 2+2*len(e.Collectors()), n, "up, clickhouse_up, and success+duration per collector")
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// requireServedDown checks a scrape's body while ClickHouse is down or
// hangs (how): ClickHouse and the collectors read as failed, and no stale
// finding is served.
func requireServedDown(t *testing.T, body, how string) {
	t.Helper()
	for _, line := range []string{
		"aftermath_up 0",
		"aftermath_clickhouse_up 0",
		`aftermath_collector_success{collector="actions"} 0`,
		`aftermath_collector_success{collector="ingest"} 0`,
	} {
		require.Contains(t, body, line+"\n")
	}
	require.NotContains(t, body, "aftermath_action_items_overdue{", "no stale findings are served while ClickHouse is "+how)
}
