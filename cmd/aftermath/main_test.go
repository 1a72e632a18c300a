package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// TestMain doubles as the aftermath binary when AFTERMATH_BE_MAIN=1, so tests
// can run it as a child process and kill it.
func TestMain(m *testing.M) {
	if os.Getenv("AFTERMATH_BE_MAIN") == "1" {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(chtest.Main(m))
}

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "aftermath.yml")
	require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	return p
}

func TestUsageAndExitCodes(t *testing.T) {
	code, _, stderr := runCLI(t)
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "Commands:")

	code, stdout, _ := runCLI(t, "--help")
	require.Equal(t, exitOK, code)
	require.Contains(t, stdout, "migrate")

	code, _, stderr = runCLI(t, "frobnicate")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, `unknown command "frobnicate"`)

	code, _, stderr = runCLI(t, "migrate", "--help")
	require.Equal(t, exitOK, code)
	require.Contains(t, stderr, "Create or upgrade")

	code, _, _ = runCLI(t, "migrate", "--no-such-flag")
	require.Equal(t, exitUsage, code)

	code, _, stderr = runCLI(t, "migrate", "--log.level", "loud")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "--log.level")
}

func TestConfigCheck(t *testing.T) {
	t.Setenv("AFTERMATH_PAGERDUTY_TOKEN", "pd-secret-token-value")
	good := writeConfig(t, "pagerduty:\n  enabled: true\n  requests_per_minute: 600\n")
	code, stdout, stderr := runCLI(t, "config", "check", good)
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, stdout, "is valid")
	require.Contains(t, stdout, "requests_per_minute: 600")
	require.NotContains(t, stdout, "pd-secret-token-value", "secrets are never printed")

	bad := writeConfig(t, "clickhouse:\n  adresses: [x]\n")
	code, _, stderr = runCLI(t, "config", "check", bad)
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, bad+":2: clickhouse.adresses: unknown key")

	code, _, stderr = runCLI(t, "config", "check")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "usage: aftermath config check FILE")

	code, _, stderr = runCLI(t, "config", "check", filepath.Join(t.TempDir(), "missing.yml"))
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "missing.yml")
}

func storeConfig(t *testing.T, db string) string {
	return writeConfig(t, fmt.Sprintf("clickhouse:\n  addresses: [%q]\n  database: %s\n", chtest.Addr(t), db))
}

func TestMigrateCommand(t *testing.T) {
	db := fmt.Sprintf("cli_migrate_%d", os.Getpid())
	cfg := storeConfig(t, db)
	code, stdout, stderr := runCLI(t, "migrate", "--config", cfg)
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, stdout, "from version 0 to")
	code, stdout, stderr = runCLI(t, "migrate", "--config", cfg)
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, stdout, "is current")

	// A database from a newer Aftermath is refused with a runtime failure.
	st, err := store.Open(context.Background(), store.Options{Addresses: []string{chtest.Addr(t)}, Database: db})
	require.NoError(t, err)
	defer st.Close()
	b, err := st.Conn().PrepareBatch(context.Background(), "INSERT INTO "+st.Table("schema_migrations")+" (version, name, checksum, applied_at)")
	require.NoError(t, err)
	require.NoError(t, b.Append(uint32(99), "future", "", time.Now().UTC()))
	require.NoError(t, b.Send())
	code, _, stderr = runCLI(t, "migrate", "--config", cfg)
	require.Equal(t, exitFailure, code)
	require.Contains(t, stderr, "upgrade aftermath")
	require.NoError(t, st.Conn().Exec(context.Background(), "DROP DATABASE "+db))
}

// TestKilledMigrateIsFinishedByNextRun kills `aftermath migrate` at random
// moments; every next run must bring the schema to the current version.
func TestKilledMigrateIsFinishedByNextRun(t *testing.T) {
	self, err := os.Executable()
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(42, 7))
	for i := 0; i < 8; i++ {
		db := fmt.Sprintf("cli_killed_%d_%d", os.Getpid(), i)
		cfg := storeConfig(t, db)
		cmd := exec.Command(self, "migrate", "--config", cfg)
		cmd.Env = append(os.Environ(), "AFTERMATH_BE_MAIN=1")
		require.NoError(t, cmd.Start())
		time.Sleep(time.Duration(rng.IntN(120)) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()

		code, stdout, stderr := runCLI(t, "migrate", "--config", cfg)
		require.Equal(t, exitOK, code, stderr)
		require.True(t, strings.Contains(stdout, "is current") || strings.Contains(stdout, "migrated database"), stdout)

		st, err := store.Open(context.Background(), store.Options{Addresses: []string{chtest.Addr(t)}, Database: db})
		require.NoError(t, err)
		require.NoError(t, st.CheckSchema(context.Background()))
		require.NoError(t, st.Conn().Exec(context.Background(), "DROP DATABASE "+db))
		st.Close()
	}
}

func TestSimulateRejectsBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"simulate", "--scale", "huge"}, "--scale"},
		{[]string{"simulate", "--jira.incident-link", "carrier-pigeon"}, "--jira.incident-link: must be label, field or description"},
		{[]string{"simulate", "--faults.5xx-rate", "1.5"}, "--faults.5xx-rate: must be between 0 and 1"},
		{[]string{"simulate", "extra"}, "unexpected arguments: extra"},
	} {
		code, _, stderr := runCLI(t, tc.args...)
		require.Equal(t, exitUsage, code, tc.args)
		require.Contains(t, stderr, tc.want, tc.args)
	}
}

func TestIngestNeedsAnEnabledSource(t *testing.T) {
	cfg := storeConfig(t, fmt.Sprintf("cli_ingest_%d", os.Getpid()))
	code, _, stderr := runCLI(t, "ingest", "--once", "--config", cfg)
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "no ingest source is enabled")
	code, _, stderr = runCLI(t, "ingest", "--once", "--source", "jira", "--config", cfg)
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "the jira source is not enabled")
}
