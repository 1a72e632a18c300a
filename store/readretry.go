package store

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
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
