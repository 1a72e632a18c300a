package store

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// brokenConnection says whether a read failed because its connection broke
// (closed under it, reset, cut short) rather than because of the query: a
// connection a cancelled query closed can reach the pool once before the
// driver notices, and the next read on it fails this way.
func brokenConnection(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var op *net.OpError
	return errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.As(err, &op)
}

// readRetry runs the idempotent read f, again on a fresh connection (at most
// twice more) when its connection broke and ctx is still live.
func readRetry(ctx context.Context, f func() error) error {
	err := f()
	for attempt := 0; attempt < 2 && brokenConnection(err) && ctx.Err() == nil; attempt++ {
		err = f()
	}
	return err
}

// retryingConn runs every read (Query, QueryRow, Select) through readRetry
// until it has answered: a broken pooled connection fails a read before any
// row reaches the caller, so a read is tried again on a fresh connection,
// whichever store method made it. Writes are not retried here.
type retryingConn struct {
	driver.Conn
}

func (c retryingConn) Query(ctx context.Context, query string, args ...any) (driver.Rows, error) {
	var rows driver.Rows
	err := readRetry(ctx, func() (err error) {
		rows, err = c.Conn.Query(ctx, query, args...)
		return err
	})
	return rows, err
}

func (c retryingConn) QueryRow(ctx context.Context, query string, args ...any) driver.Row {
	var row driver.Row
	_ = readRetry(ctx, func() error {
		row = c.Conn.QueryRow(ctx, query, args...)
		return row.Err()
	})
	return row
}

func (c retryingConn) Select(ctx context.Context, dest any, query string, args ...any) error {
	return readRetry(ctx, func() error { return c.Conn.Select(ctx, dest, query, args...) })
}
