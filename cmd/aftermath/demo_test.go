package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/exporter"
	"github.com/aftermath-sre/aftermath/simulate/org"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

func requireClickHouseBinary(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("clickhouse-server"); err != nil {
		if os.Getenv("AFTERMATH_REQUIRE_CLICKHOUSE") == "1" {
			t.Fatal("clickhouse-server is required (AFTERMATH_REQUIRE_CLICKHOUSE=1)")
		}
		t.Skip("clickhouse-server not on PATH")
	}
}

// startDemo runs `aftermath demo` in-process on a tiny org and returns its
// URLs once it serves; stop cancels it and returns its error.
func startDemo(t *testing.T, withPrometheus bool) (demoURLs, func() error, *bytes.Buffer) {
	t.Helper()
	return startDemoWith(t, func(o *demoOptions) { o.prometheus = withPrometheus })
}

func startDemoWith(t *testing.T, tune func(*demoOptions)) (demoURLs, func() error, *bytes.Buffer) {
	t.Helper()
	requireClickHouseBinary(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out bytes.Buffer
	a := &app{stdout: &out, stderr: io.Discard, logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	fs := newDemoFlagSet()
	var o demoOptions
	o.sim.register(fs, "tiny")
	o.webCfg = exporter.AddFlags(fs, "")
	require.NoError(t, fs.Parse([]string{"--scale", "tiny", "--web.listen-address", freeAddr(t)}))
	o.stateDir = filepath.Join(t.TempDir(), "demo")
	tune(&o)
	ready := make(chan demoURLs, 1)
	o.ready = func(u demoURLs) { ready <- u }
	done := make(chan error, 1)
	go func() { done <- a.demo(ctx, o) }()
	var urls demoURLs
	select {
	case urls = <-ready:
	case err := <-done:
		t.Fatalf("demo stopped before it was ready: %v", err)
	case <-time.After(2 * time.Minute):
		t.Fatal("demo not ready within 2 minutes")
	}
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(time.Minute):
			return context.DeadlineExceeded
		}
	}
	t.Cleanup(func() { _ = stop() })
	return urls, stop, &out
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestDemoStartsServesAndStopsCleanly(t *testing.T) {
	urls, stop, out := startDemo(t, false)
	require.Contains(t, out.String(), "/metrics")
	require.Contains(t, out.String(), "Stop with Ctrl-C")

	// Ingest and the first analysis fill /metrics; the digest is written.
	require.Eventually(t, func() bool {
		code, body := get(t, urls.Aftermath+"/metrics")
		return code == 200 && strings.Contains(body, "aftermath_incidents{") && strings.Contains(body, "aftermath_action_items{")
	}, 2*time.Minute, time.Second, "metrics never filled in")
	require.Eventually(t, func() bool {
		code, body := get(t, urls.Digests)
		return code == 200 && strings.Contains(body, ".html")
	}, time.Minute, time.Second, "no digest was written")
	code, _ := get(t, urls.Aftermath+"/readyz")
	require.Equal(t, 200, code)

	require.NoError(t, stop(), "demo must stop cleanly")
	code, _ = get(t, urls.Aftermath+"/metrics")
	require.Zero(t, code, "nothing may still listen after the demo stopped")
	code, _ = get(t, urls.Simulator+"/incidents")
	require.Zero(t, code, "the simulator must be stopped too")
}

// TestSecondDemoNamesStateDirFlag: a second demo on the state folder of a
// running one stops at once with a message naming --state-dir, the flag
// that chooses another (demo sets clickhouse.managed.state_dir from it).
func TestSecondDemoNamesStateDirFlag(t *testing.T) {
	state := filepath.Join(t.TempDir(), "demo")
	_, stop, _ := startDemoWith(t, func(o *demoOptions) { o.prometheus, o.stateDir = false, state })

	code, stdout, stderr := runCLI(t, "demo", "--state-dir", state, "--scale", "tiny", "--prometheus=false", "--web.listen-address", freeAddr(t))
	require.Equal(t, exitFailure, code, stderr)
	require.Contains(t, stderr, "in use by another aftermath demo")
	require.Contains(t, stderr, "choose another --state-dir")
	require.NotContains(t, stderr, "clickhouse.managed.state_dir")
	require.NotContains(t, stdout, "demo is running")
	require.NoError(t, stop(), "the first demo runs on")

	unlock, err := lockDemoState(state)
	require.NoError(t, err, "a stopped demo releases its state folder")
	unlock()
}

func TestBusiestOrdersByRecentMajorThenImpactingThenName(t *testing.T) {
	svcs := []org.Service{{ID: "a", Name: "alpha"}, {ID: "b", Name: "beta"}, {ID: "c", Name: "gamma"}, {ID: "d", Name: "delta"}}
	counts := map[string]serviceLoad{
		"a": {recentMajor: 0, impacting: 5000000}, // many incidents, none recent and major
		"b": {recentMajor: 1, impacting: 3},
		"c": {recentMajor: 1, impacting: 9},
		"d": {recentMajor: 1, impacting: 9},
	}
	var got []string
	for _, s := range busiest(svcs, counts, 3) {
		got = append(got, s.Name)
	}
	if want := []string{"delta", "gamma", "beta"}; !slices.Equal(got, want) {
		t.Fatalf("busiest = %v, want %v", got, want)
	}
	if len(svcs) != 4 || svcs[0].Name != "alpha" {
		t.Fatalf("busiest reordered its input: %v", svcs)
	}
}
