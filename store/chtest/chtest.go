// Package chtest gives tests a real ClickHouse: one managed server per test
// binary, and a fresh, migrated database per test.
//
//	func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }
//
//	func TestSomething(t *testing.T) {
//		st := chtest.Store(t)
//		...
//	}
//
// Without clickhouse-server on PATH the tests skip, unless
// AFTERMATH_REQUIRE_CLICKHOUSE=1 (as in CI), where they fail. Set
// AFTERMATH_TEST_CLICKHOUSE_ADDR=host:port to use a running server instead.
package chtest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chserver"
)

var (
	once    sync.Once
	server  *chserver.Server
	addr    string
	dir     string
	initErr error
	counter atomic.Int64
)

// Main runs the tests and stops the server started for them.
func Main(m *testing.M) int {
	code := m.Run()
	if server != nil {
		server.Stop()
	}
	if dir != "" {
		_ = os.RemoveAll(dir)
	}
	return code
}

// Addr returns the address of the test server, starting it on first use.
func Addr(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		if a := os.Getenv("AFTERMATH_TEST_CLICKHOUSE_ADDR"); a != "" {
			addr = a
			return
		}
		dir, initErr = os.MkdirTemp("", "aftermath-chtest-")
		if initErr != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		server, initErr = chserver.Start(ctx, chserver.Options{StateDir: dir, StartTimeout: 90 * time.Second})
		if initErr == nil {
			addr = server.Addr()
		}
	})
	if initErr != nil {
		if os.Getenv("AFTERMATH_REQUIRE_CLICKHOUSE") == "1" {
			t.Fatalf("a real ClickHouse is required (AFTERMATH_REQUIRE_CLICKHOUSE=1) but none could start: %v", initErr)
		}
		t.Skipf("no ClickHouse for this test: %v", initErr)
	}
	return addr
}

// Open connects to a fresh, empty database on the test server without
// migrating it. The database is dropped when the test ends.
func Open(t testing.TB) *store.Store {
	t.Helper()
	a := Addr(t)
	name := fmt.Sprintf("t%d_%d_%s", os.Getpid(), counter.Add(1), sanitize(t.Name()))
	if len(name) > 60 {
		name = name[:60]
	}
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Addresses: []string{a}, Database: name})
	if err != nil {
		t.Fatalf("open test store: %v", err)
	}
	t.Cleanup(func() {
		_ = st.Conn().Exec(context.Background(), "DROP DATABASE IF EXISTS "+name)
		st.Close()
	})
	return st
}

// Store returns a fresh, migrated database on the test server.
func Store(t testing.TB) *store.Store {
	t.Helper()
	st := Open(t)
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate test store: %v", err)
	}
	return st
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, s)
}
