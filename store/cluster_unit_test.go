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

// TestKeeperHint: ClickHouse's answers when it has lost ZooKeeper name the
// table or the session, not ZooKeeper; the store's error says what to check.
func TestKeeperHint(t *testing.T) {
	for _, code := range []int32{242, 225, 999} {
		err := keeperHint(fmt.Errorf("store: insert into incidents: %w", &clickhouse.Exception{Code: code, Message: "Table is in readonly mode"}))
		require.ErrorContains(t, err, "read-only without ZooKeeper")
		var ex *clickhouse.Exception
		require.ErrorAs(t, err, &ex, "the exception stays reachable (quorum and retry checks)")
	}
	require.NoError(t, keeperHint(nil))
	other := &clickhouse.Exception{Code: 60, Message: "Table doesn't exist"}
	require.Equal(t, error(other), keeperHint(other))
}
