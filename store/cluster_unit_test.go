package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/stretchr/testify/require"
)

func TestRetryableInsertError(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("store: insert 5 rows into incidents: %w", syscall.ECONNRESET), true},
		{fmt.Errorf("read: %w", io.EOF), true},
		{&clickhouse.Exception{Code: 210, Message: "Connection refused"}, true},
		{fmt.Errorf("wrapped: %w", &clickhouse.Exception{Code: 242, Message: "Table is in readonly mode"}), true},
		{&clickhouse.Exception{Code: 62, Message: "Syntax error"}, false},
		{&clickhouse.Exception{Code: 53, Message: "Type mismatch"}, false},
		{rowError{errors.New("converting string to UInt32")}, false},
		{fmt.Errorf("x: %w", context.Canceled), false},
	} {
		require.Equal(t, tc.want, retryableInsertError(tc.err), "%v", tc.err)
	}
}

func TestQuorumError(t *testing.T) {
	require.True(t, quorumError(fmt.Errorf("insert: %w", &clickhouse.Exception{Code: 285, Message: "Number of alive replicas (1) is less than requested quorum (2)"})))
	require.True(t, quorumError(&clickhouse.Exception{Code: 286, Message: "Quorum for previous write has not been satisfied yet"}))
	require.False(t, quorumError(&clickhouse.Exception{Code: 62, Message: "Syntax error"}))
	require.False(t, quorumError(syscall.ECONNRESET))
}
