package chserver

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/stretchr/testify/require"
)

func requireServer(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("clickhouse-server"); err != nil {
		if os.Getenv("AFTERMATH_REQUIRE_CLICKHOUSE") == "1" {
			t.Fatal("clickhouse-server is required (AFTERMATH_REQUIRE_CLICKHOUSE=1) but not on PATH")
		}
		t.Skip("clickhouse-server not on PATH")
	}
}

func TestMissingBinarySaysHowToInstall(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Start(context.Background(), Options{StateDir: t.TempDir()})
	require.ErrorIs(t, err, ErrBinaryMissing)
	require.Contains(t, err.Error(), "apt-get install -y clickhouse-server")
}

func TestStartStopAndStateFolderLock(t *testing.T) {
	requireServer(t)
	dir := t.TempDir()
	ctx := context.Background()
	s, err := Start(ctx, Options{StateDir: dir})
	require.NoError(t, err)
	require.NoError(t, ping(ctx, s.Addr()))

	// A second instance on the same state folder is refused with a clear error.
	_, err = Start(ctx, Options{StateDir: dir})
	require.ErrorContains(t, err, "is in use by another aftermath")

	// Another state folder gets its own server on other ports.
	other, err := Start(ctx, Options{StateDir: t.TempDir()})
	require.NoError(t, err)
	require.NotEqual(t, s.Addr(), other.Addr())
	other.Stop()

	s.Stop()
	require.Error(t, ping(ctx, s.Addr()), "stopped server must not answer")
	_, err = os.Stat(filepath.Join(dir, "server.pid"))
	require.True(t, errors.Is(err, os.ErrNotExist))

	// The folder is free again, and its data survived.
	again, err := Start(ctx, Options{StateDir: dir})
	require.NoError(t, err)
	again.Stop()
}

func TestOrphanFromKilledRunIsStopped(t *testing.T) {
	requireServer(t)
	dir := t.TempDir()
	ctx := context.Background()
	s, err := Start(ctx, Options{StateDir: dir})
	require.NoError(t, err)
	pid := s.cmd.Process.Pid
	// Simulate a killed aftermath: its lock is released, the server and its
	// pid file are left behind.
	s.lock.Close()

	next, err := Start(ctx, Options{StateDir: dir, StartTimeout: time.Minute})
	require.NoError(t, err, "a stale pid and lock must not block the next run")
	defer next.Stop()
	<-s.done // the orphan was stopped
	b, err := os.ReadFile(filepath.Join(dir, "server.pid"))
	require.NoError(t, err)
	require.NotEqual(t, strconv.Itoa(pid), string(b))
}

func TestServerDeathIsReported(t *testing.T) {
	requireServer(t)
	s, err := Start(context.Background(), Options{StateDir: t.TempDir()})
	require.NoError(t, err)
	defer s.Stop()
	require.NoError(t, s.Err())
	require.NoError(t, s.cmd.Process.Kill())
	select {
	case <-s.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("death not noticed")
	}
	require.ErrorContains(t, s.Err(), "managed clickhouse-server")
}

// TestConfigRootAndProfile: the config is written with the <clickhouse> root
// that modern releases expect, and 18.16 reads it and its users profile
// (store/chdbtest checks the same files on ClickHouse 26.7).
func TestConfigRootAndProfile(t *testing.T) {
	dir := t.TempDir()
	cfg, err := WriteConfig(dir, 1, 2)
	require.NoError(t, err)
	for _, f := range []string{cfg, filepath.Join(dir, "users.xml")} {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		require.Contains(t, string(b), "\n<clickhouse>\n", f)
		require.NotContains(t, string(b), "yandex", f)
	}

	requireServer(t)
	ctx := context.Background()
	s, err := Start(ctx, Options{StateDir: t.TempDir()})
	require.NoError(t, err)
	defer s.Stop()
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{s.Addr()}})
	require.NoError(t, err)
	defer conn.Close()
	// Answering on the configured port shows config.xml was read; the
	// profile's max_threads shows users.xml was.
	var threads string
	require.NoError(t, conn.QueryRow(ctx, "SELECT value FROM system.settings WHERE name = 'max_threads'").Scan(&threads))
	require.Equal(t, "2", threads, "the users.xml profile applies")
}
