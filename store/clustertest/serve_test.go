package clustertest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/store/chtest"
)

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServeStartsWithANodeDown runs the real binary: with one cluster node
// stopped and every migration still pending, `aftermath serve` must neither
// block on the ON CLUSTER DDL nor exit; it opens its HTTP port, answers
// /metrics with aftermath_up 0 (store degraded), fails /readyz, and names the
// unreachable node in its log.
func TestServeStartsWithANodeDown(t *testing.T) {
	ctx := context.Background()
	c := chtest.TestCluster(t)
	db := chtest.ClusterDatabase(t, c)
	down := c.Nodes[3]
	down.Stop()
	t.Cleanup(func() { require.NoError(t, down.Start(context.Background())) })

	dir := t.TempDir()
	bin := filepath.Join(dir, "aftermath")
	build := exec.Command("go", "build", "-o", bin, "github.com/aftermath-sre/aftermath/cmd/aftermath")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	listen := ln.Addr().String()
	require.NoError(t, ln.Close())
	cfg := fmt.Sprintf(`clickhouse:
  addresses: [%q, %q, %q, %q]
  database: %s
  cluster: %s
  dial_timeout: 2s
pagerduty:
  enabled: true
  api_url: http://127.0.0.1:9/
  token_env: AFTERMATH_TEST_PD_TOKEN
exporter:
  listen_address: %q
`, down.Addr, c.Nodes[0].Addr, c.Nodes[1].Addr, c.Nodes[2].Addr, db, chtest.ClusterName, listen)
	cfgPath := filepath.Join(dir, "aftermath.yml")
	require.NoError(t, os.WriteFile(cfgPath, []byte(cfg), 0o600))

	cmdCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	serve := exec.CommandContext(cmdCtx, bin, "serve", "--config", cfgPath)
	serve.Env = append(os.Environ(), "AFTERMATH_TEST_PD_TOKEN=not-a-real-token")
	logs := &lockedBuffer{}
	serve.Stdout, serve.Stderr = logs, logs
	require.NoError(t, serve.Start())
	exited := make(chan error, 1)
	go func() { exited <- serve.Wait() }()

	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + listen + path)
		if err != nil {
			return 0, ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	began := time.Now()
	var metrics string
	for {
		select {
		case err := <-exited:
			t.Fatalf("serve exited (%v) with a node down; log:\n%s", err, logs.String())
		case <-time.After(200 * time.Millisecond):
		}
		if code, body := get("/metrics"); code == http.StatusOK {
			metrics = body
			break
		}
		require.Less(t, time.Since(began), 60*time.Second, "serve did not answer /metrics; log:\n%s", logs.String())
	}
	require.Contains(t, metrics, "\naftermath_up 0\n", "the store is marked degraded while the schema waits")
	code, _ := get("/readyz")
	require.NotEqual(t, http.StatusOK, code, "not ready while the migration is postponed")
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), down.Addr) }, 10*time.Second, 100*time.Millisecond,
		"the unreachable node is named in the log:\n%s", logs.String())
	require.NotContains(t, logs.String(), "not-a-real-token")
	// The jobs wait for the schema instead of failing on it (black-box
	// pass 11: each failed, and AftermathJobFailing would fire for each).
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "jobs held") }, 10*time.Second, 100*time.Millisecond,
		"the jobs are held:\n%s", logs.String())
	_, metrics = get("/metrics")
	require.NotRegexp(t, `aftermath_job_runs_total\{job="[^"]+",result="failure"\} [1-9]`, metrics)
	select {
	case err := <-exited:
		t.Fatalf("serve exited (%v); log:\n%s", err, logs.String())
	default:
	}
}
