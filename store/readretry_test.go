package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2"
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
