package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// syncBuffer is a bytes.Buffer safe for a command writing while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestPanicInACommandExitsOne: a panic is a runtime failure (1), not Go's
// crash exit code (2, which means bad usage or config here).
func TestPanicInACommandExitsOne(t *testing.T) {
	boom := command{name: "boom", summary: "panics", run: func(context.Context, *app, []string) error {
		var xs []int
		_ = xs[len(xs)+1]
		return nil
	}}
	var out, errOut bytes.Buffer
	code := runCommands(context.Background(), []command{boom}, []string{"boom"}, &out, &errOut)
	require.Equal(t, exitFailure, code)
	require.Contains(t, errOut.String(), "panic: runtime error: index out of range")
	require.Contains(t, errOut.String(), "command=boom")
}

// failingPagerDuty answers every request with 401, so a sync fails at once.
func failingPagerDuty(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, `{"error":{"message":"Unauthorized","code":2006}}`, http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestExitCodeContract: bad usage or config exits 2 before anything starts;
// a runtime failure (here ClickHouse unreachable) exits 1.
func TestExitCodeContract(t *testing.T) {
	t.Setenv("AFTERMATH_PAGERDUTY_TOKEN", "pd-token-for-tests")
	dir := t.TempDir()
	pd := "pagerduty:\n  enabled: true\n  api_url: " + failingPagerDuty(t) + "\n"
	unreachable := "clickhouse:\n  addresses: [\"127.0.0.1:1\"]\n  dial_timeout: 2s\n"
	badWeb := filepath.Join(dir, "web.yml")
	require.NoError(t, os.WriteFile(badWeb, []byte("basic_auth_users:\n  prometheus: plain-password\n"), 0o600))
	tests := []struct {
		name   string
		config string
		args   []string
		code   int
		want   string
	}{
		{"analyze bad config", "clickhouse:\n  adresses: [x]\n", []string{"analyze"}, exitUsage, "clickhouse.adresses: unknown key"},
		{"serve bad config", pd + "exporter:\n  listen_address: nowhere\n", []string{"serve"}, exitUsage, "exporter.listen_address: must be [host]:port"},
		{"serve bad web config file", pd + "exporter:\n  web_config_file: " + badWeb + "\n", []string{"serve"}, exitUsage,
			"exporter.web_config_file: invalid web config " + badWeb + ": crypto/bcrypt: hashedSecret too short to be a bcrypted password"},
		{"serve bad --web.config.file", pd + unreachable, []string{"serve", "--web.config.file", badWeb}, exitUsage,
			"--web.config.file: invalid web config " + badWeb},
		{"serve missing --web.config.file", pd + unreachable, []string{"serve", "--web.config.file", filepath.Join(dir, "none.yml")}, exitUsage,
			"--web.config.file: cannot read web config"},
		{"analyze clickhouse down", unreachable, []string{"analyze"}, exitFailure, "ping clickhouse"},
		{"serve clickhouse down", pd + unreachable, []string{"serve", "--web.listen-address", "127.0.0.1:0"}, exitFailure, "ping clickhouse"},
		{"ingest clickhouse down", pd + unreachable, []string{"ingest", "--once"}, exitFailure, "ping clickhouse"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append(tc.args, "--config", writeConfig(t, tc.config))
			code, _, stderr := runCLI(t, args...)
			require.Equal(t, tc.code, code, stderr)
			require.Contains(t, stderr, tc.want)
			require.NotContains(t, stderr, "job started", "nothing may start before the config is known good")
		})
	}
}

// freeLoopbackPort returns a port free on 127.0.0.1 (and, when nothing else
// takes it, on every interface).
func freeLoopbackPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// nonLoopbackIPv4 is an address of this machine other than loopback, if any.
func nonLoopbackIPv4() (net.IP, bool) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, false
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP, true
		}
	}
	return nil, false
}

// TestServeListensOnlyOnTheConfiguredAddress: without --web.listen-address,
// serve listens on exporter.listen_address and nowhere else (issue 10: it
// listened on a random port of every interface).
func TestServeListensOnlyOnTheConfiguredAddress(t *testing.T) {
	t.Setenv("AFTERMATH_PAGERDUTY_TOKEN", "pd-token-for-tests")
	port := freeLoopbackPort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	db := fmt.Sprintf("cli_listen_%d", os.Getpid())
	cfg := writeConfig(t, fmt.Sprintf("clickhouse:\n  addresses: [%q]\n  database: %s\npagerduty:\n  enabled: true\n  api_url: %s\nexporter:\n  listen_address: %s\ndigest:\n  output_dir: %s\n",
		chtest.Addr(t), db, failingPagerDuty(t), addr, t.TempDir()))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve", "--config", cfg}, &stdout, &stderr) }()

	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := client.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
			break
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d: %s", code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve does not answer on the configured %s: %s", addr, stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	require.Contains(t, stderr.String(), "addresses="+addr)
	if ip, ok := nonLoopbackIPv4(); ok {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(ip.String(), fmt.Sprint(port)), time.Second)
		if err == nil {
			c.Close()
		}
		require.Error(t, err, "a loopback-only config must not be reachable on %s", ip)
	}
	cancel()
	select {
	case code := <-done:
		require.Equal(t, exitOK, code, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	dropDatabase(t, db)
}

// migratedDatabase opens database db of the test server, migrated, and
// closes and drops it when the test ends.
func migratedDatabase(t *testing.T, db string) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Addresses: []string{chtest.Addr(t)}, Database: db})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close(); dropDatabase(t, db) })
	_, err = st.Migrate(ctx)
	require.NoError(t, err)
	return st
}

func dropDatabase(t *testing.T, db string) {
	st, err := store.Open(context.Background(), store.Options{Addresses: []string{chtest.Addr(t)}, Database: db})
	require.NoError(t, err)
	defer st.Close()
	require.NoError(t, st.Conn().Exec(context.Background(), "DROP DATABASE IF EXISTS "+db))
}

// TestIngestClosesRunsLeftRunning: a run a killed process left "running"
// in ingest_runs is closed as aborted, with an end time, when the source's
// next run starts; the new run's own failure is a runtime failure (1).
func TestIngestClosesRunsLeftRunning(t *testing.T) {
	t.Setenv("AFTERMATH_PAGERDUTY_TOKEN", "pd-token-for-tests")
	db := fmt.Sprintf("cli_stale_%d", os.Getpid())
	cfg := writeConfig(t, fmt.Sprintf("clickhouse:\n  addresses: [%q]\n  database: %s\npagerduty:\n  enabled: true\n  api_url: %s\n",
		chtest.Addr(t), db, failingPagerDuty(t)))
	ctx := context.Background()
	st := migratedDatabase(t, db)
	killed := store.IngestRun{Source: "pagerduty", RunID: "killed", StartedAt: time.Now().Add(-time.Hour).UTC().Truncate(time.Second), Status: store.IngestRunning}
	require.NoError(t, st.RecordIngestRun(ctx, killed))

	began := time.Now().UTC().Truncate(time.Second)
	code, _, stderr := runCLI(t, "ingest", "--once", "--config", cfg)
	require.Equal(t, exitFailure, code, stderr)
	require.Contains(t, stderr, "closed ingest runs that never finished as aborted")

	runs, err := st.IngestRuns(ctx, "pagerduty")
	require.NoError(t, err)
	require.Len(t, runs, 2)
	var statuses []string
	for _, r := range runs {
		statuses = append(statuses, r.RunID+"="+r.Status)
		if r.RunID == "killed" {
			require.Equal(t, store.IngestAborted, r.Status)
			require.False(t, r.FinishedAt.Before(began), "finished when noticed")
			require.Equal(t, killed.StartedAt, r.StartedAt)
		} else {
			require.Equal(t, store.IngestFailed, r.Status, "the new run records its own failure")
		}
	}
	require.NotContains(t, strings.Join(statuses, ","), "="+store.IngestRunning)
	require.False(t, errors.Is(err, context.Canceled))
}

// TestConfigCheckRejectsABadWebConfig: `config check` validates the web
// config file that exporter.web_config_file names (exit 2, with the reason).
func TestConfigCheckRejectsABadWebConfig(t *testing.T) {
	dir := t.TempDir()
	web := filepath.Join(dir, "web.yml")
	require.NoError(t, os.WriteFile(web, []byte("tls_server_config:\n  cert_file: server.crt\n"), 0o600))
	cfg := writeConfig(t, "exporter:\n  web_config_file: "+web+"\n")
	code, _, stderr := runCLI(t, "config", "check", cfg)
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, cfg+":2: exporter.web_config_file: invalid web config "+web+": missing one of key or key_file")

	require.NoError(t, os.WriteFile(web, []byte("# no TLS, no auth\n"), 0o600))
	code, stdout, stderr := runCLI(t, "config", "check", cfg)
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, stdout, "is valid")
}

// A command without positional arguments refuses any (exit 2) before it
// loads a config or starts anything; one that takes them checks them itself.
func TestCommandsWithoutArgumentsRefuseThem(t *testing.T) {
	n := 0
	for _, c := range commands() {
		require.NotNil(t, c.run, c.name)
		if c.args != "" {
			continue
		}
		n++
		code, stdout, stderr := runCLI(t, c.name, "--config", "/nonexistent/aftermath.yml", "extra", "more")
		require.Equal(t, exitUsage, code, c.name)
		require.Empty(t, stdout, c.name)
		require.Equal(t, "aftermath "+c.name+": unexpected arguments: extra more\n", stderr, c.name)
	}
	require.GreaterOrEqual(t, n, 7)
	code, _, stderr := runCLI(t, "config", "check")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "usage: aftermath config check FILE")
}

// TestBadInputExitsTwoNamingTheCommandOnce: bad flag values and bad input
// exit 2 before anything starts, with one line that names the command once
// (the CLI's "aftermath <command>: " prefix, never the command or a package
// again) and the flag at fault.
func TestBadInputExitsTwoNamingTheCommandOnce(t *testing.T) {
	t.Setenv("AFTERMATH_PAGERDUTY_TOKEN", "pd-token-for-tests")
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.yml")
	jsonl := filepath.Join(dir, "labeled.jsonl")
	require.NoError(t, os.WriteFile(jsonl, []byte(`{"id":"a","category":"x","text":"t"}`+"\n"), 0o600))
	// A source enabled and ClickHouse unreachable: a command that started
	// anything would fail with exit code 1.
	serveCfg := writeConfig(t, "pagerduty:\n  enabled: true\n  api_url: "+failingPagerDuty(t)+
		"\nclickhouse:\n  addresses: [\"127.0.0.1:1\"]\n  dial_timeout: 2s\n")
	state := filepath.Join(dir, "demo-state")
	demo := []string{"demo", "--state-dir", state, "--prometheus=false"}
	tests := []struct {
		args []string
		want string // stderr after "aftermath <command>: "
	}{
		{[]string{"similar"}, "give exactly one postmortem key, e.g. `aftermath similar PM-123`"},
		{[]string{"config", "check", missing}, "open " + missing + ": no such file or directory"},
		{[]string{"simulate", "--scale", "huge"}, `--scale: unknown scale "huge" (want tiny, small, medium, large, xlarge)`},
		{[]string{"simulate", "--jira.time-zone", "Mars/Base"}, `--jira.time-zone: unknown time zone "Mars/Base" (want an IANA name such as Europe/Berlin)`},
		{[]string{"simulate", "--pagerduty.rate-limit", "-2"}, "--pagerduty.rate-limit: must be -1 (unlimited), 0 (the default) or more, got -2"},
		{[]string{"simulate", "--faults.429-rate", "NaN"}, "--faults.429-rate: must be between 0 and 1, got NaN"},
		{append(demo, "--scale", "huge"), `--scale: unknown scale "huge" (want tiny, small, medium, large, xlarge)`},
		{append(demo, "--jira.time-zone", "Mars/Base"), `--jira.time-zone: unknown time zone "Mars/Base" (want an IANA name such as Europe/Berlin)`},
		{append(demo, "--web.listen-address", "nowhere"), `--web.listen-address: must be [host]:port, got "nowhere"`},
		{[]string{"serve", "--config", serveCfg, "--web.listen-address", "127.0.0.1:99999"}, `--web.listen-address: must be [host]:port, got "127.0.0.1:99999"`},
		{[]string{"evaluate", "themes", jsonl, "extra"}, `themes: unexpected argument "extra"`},
		{[]string{"evaluate", "themes", jsonl, "--misses"}, "--misses: a flag of evaluate language, not of evaluate themes"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			// The simulator would listen on --listen if it started.
			args := tc.args
			if args[0] == "simulate" {
				args = append(args, "--listen", fmt.Sprintf("127.0.0.1:%d", freeLoopbackPort(t)))
			}
			// A command that started despite the bad value runs until ctx
			// ends, then fails the test on its exit code.
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var out, errOut syncBuffer
			code := run(ctx, args, &out, &errOut)
			stdout, stderr := out.String(), errOut.String()
			require.Equal(t, exitUsage, code, stderr)
			prefix := "aftermath " + tc.args[0] + ": "
			require.Equal(t, prefix+tc.want+"\n", stderr)
			rest := strings.TrimPrefix(stderr, prefix)
			for _, again := range []string{tc.args[0] + ":", tc.args[0] + " ", "org:", "jira:", "config:", "simulate:"} {
				require.False(t, strings.HasPrefix(rest, again), "prefix %q repeated: %s", again, stderr)
			}
			require.Empty(t, stdout, "nothing may start before the flags are known good")
			require.NoDirExists(t, state, "demo must not create its state folder for bad flags")
		})
	}
}

// TestMisspelledClusterIsBadConfig: a clickhouse.cluster the server does
// not have exits 2 naming the key and the clusters it has, on a database
// already migrated too (black-box pass 11: it was accepted with warnings).
func TestMisspelledClusterIsBadConfig(t *testing.T) {
	db := fmt.Sprintf("cli_cluster_%d", os.Getpid())
	migratedDatabase(t, db)
	cfg := writeConfig(t, fmt.Sprintf("clickhouse:\n  addresses: [%q]\n  database: %s\n  cluster: aftermath_clustr\n", chtest.Addr(t), db))
	for _, cmd := range []string{"migrate", "analyze"} {
		code, _, stderr := runCLI(t, cmd, "--config", cfg)
		require.Equal(t, exitUsage, code, "%s: %s", cmd, stderr)
		require.Contains(t, stderr, `clickhouse.cluster: cluster "aftermath_clustr" is not in the server's remote_servers`)
	}
}
