package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/stretchr/testify/require"
)

func TestReadRetryOnABrokenConnectionOnly(t *testing.T) {
	closed := fmt.Errorf("query processing: failed to read packet: %w",
		&net.OpError{Op: "read", Net: "tcp", Err: net.ErrClosed})
	calls := 0
	err := readRetry(context.Background(), func() error {
		calls++
		if calls == 1 {
			return closed
		}
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, 2, calls, "a read on a closed connection is retried")

	calls = 0
	err = readRetry(context.Background(), func() error { calls++; return closed })
	require.ErrorIs(t, err, net.ErrClosed)
	require.Equal(t, 3, calls, "bounded: three tries in all")

	calls = 0
	server := &clickhouse.Exception{Code: 60, Message: "Table x doesn't exist"}
	err = readRetry(context.Background(), func() error { calls++; return server })
	require.ErrorAs(t, err, new(*clickhouse.Exception))
	require.Equal(t, 1, calls, "a server's answer is not retried")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls = 0
	_ = readRetry(ctx, func() error { calls++; return closed })
	require.Equal(t, 1, calls, "a cancelled read is not retried")
	require.False(t, brokenConnection(errors.Join(context.Canceled, closed)))
}

// flakyConn fails its first reads as a broken pooled connection would.
type flakyConn struct {
	driver.Conn
	failures, calls int
}

var errClosedConn = fmt.Errorf("failed to read first block packet: %w", &net.OpError{Op: "read", Net: "tcp", Err: net.ErrClosed})

func (c *flakyConn) fail() error {
	c.calls++
	if c.calls <= c.failures {
		return errClosedConn
	}
	return nil
}

func (c *flakyConn) Query(context.Context, string, ...any) (driver.Rows, error) { return nil, c.fail() }
func (c *flakyConn) QueryRow(context.Context, string, ...any) driver.Row        { return errRow{c.fail()} }
func (c *flakyConn) Select(context.Context, any, string, ...any) error          { return c.fail() }

type errRow struct{ err error }

func (r errRow) Err() error           { return r.err }
func (r errRow) Scan(...any) error    { return r.err }
func (r errRow) ScanStruct(any) error { return r.err }

// TestEveryReadIsRetriedOnABrokenConnection: the store's connection retries
// Query, QueryRow and Select whichever method reads, within readRetry's
// bound, and not when the caller's context is done.
func TestEveryReadIsRetriedOnABrokenConnection(t *testing.T) {
	ctx := context.Background()
	for name, read := range map[string]func(c driver.Conn) error{
		"Query":    func(c driver.Conn) error { _, err := c.Query(ctx, "SELECT 1"); return err },
		"QueryRow": func(c driver.Conn) error { return c.QueryRow(ctx, "SELECT 1").Err() },
		"Select":   func(c driver.Conn) error { return c.Select(ctx, nil, "SELECT 1") },
	} {
		f := &flakyConn{failures: 2}
		require.NoError(t, read(retryingConn{f}), name)
		require.Equal(t, 3, f.calls, name)

		f = &flakyConn{failures: 5}
		require.ErrorIs(t, read(retryingConn{f}), net.ErrClosed, name)
		require.Equal(t, 3, f.calls, "%s: bounded", name)
	}
	done, cancel := context.WithCancel(ctx)
	cancel()
	f := &flakyConn{failures: 5}
	_, err := retryingConn{f}.Query(done, "SELECT 1")
	require.Error(t, err)
	require.Equal(t, 1, f.calls, "a cancelled read is not retried")
}
