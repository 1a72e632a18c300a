package store_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// snapshotTables lists the database's incident snapshot tables.
func snapshotTables(t *testing.T, st *store.Store) []string {
	t.Helper()
	rows, err := st.Conn().Query(context.Background(), "SELECT name FROM system.tables WHERE database = ? AND startsWith(name, 'incident_snapshot_')", st.Database())
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		out = append(out, n)
	}
	require.NoError(t, rows.Err())
	sort.Strings(out)
	return out
}

// TestSnapshotIncidentsDropsOnlyStaleSnapshots: taking a snapshot drops
// one a killed run left more than a day ago, keeps another run's recent
// one, and its own drop removes only itself.
func TestSnapshotIncidentsDropsOnlyStaleSnapshots(t *testing.T) {
	ctx := context.Background()
	st := chtest.Store(t)
	now := time.Now()
	stale := fmt.Sprintf("incident_snapshot_%d_aaaaaaaaaaaa", now.Add(-25*time.Hour).Unix())
	live := fmt.Sprintf("incident_snapshot_%d_bbbbbbbbbbbb", now.Add(-time.Hour).Unix())
	for _, n := range []string{stale, live} {
		require.NoError(t, st.Conn().Exec(ctx, "CREATE TABLE "+st.Table(n)+" (x UInt8) ENGINE = Memory"))
	}

	snap, drop, err := st.SnapshotIncidents(ctx, "run-1")
	require.NoError(t, err)
	require.NotNil(t, snap)
	got := snapshotTables(t, st)
	require.Len(t, got, 2, "%v", got)
	require.Equal(t, live, got[0])
	require.NotEqual(t, stale, got[1])
	at, _, ok := strings.Cut(strings.TrimPrefix(got[1], "incident_snapshot_"), "_")
	require.True(t, ok, got[1])
	sec, err := strconv.ParseInt(at, 10, 64)
	require.NoError(t, err, got[1])
	require.InDelta(t, now.Unix(), sec, 60, "the snapshot's name carries the time it was taken: %s", got[1])

	require.NoError(t, drop(ctx))
	require.Equal(t, []string{live}, snapshotTables(t, st))
}

// TestSnapshotRefused: only the server's refusals to create the table let a
// run fall back to reading the incidents directly; a broken connection, a
// timeout or another server error does not.
func TestSnapshotRefused(t *testing.T) {
	ex := func(code int32) error { return &clickhouse.Exception{Code: code, Message: "refused"} }
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"READONLY", ex(164), true},
		{"NOT_ENOUGH_SPACE", ex(243), true},
		{"ACCESS_DENIED", ex(291), true},
		{"QUERY_IS_PROHIBITED", ex(392), true},
		{"NOT_ENOUGH_PRIVILEGES", ex(497), true},
		{"wrapped", fmt.Errorf("store: snapshot incidents: %w", ex(392)), true},
		{"TABLE_ALREADY_EXISTS", ex(57), false},
		{"MEMORY_LIMIT_EXCEEDED", ex(241), true},
		{"TIMEOUT_EXCEEDED", ex(159), false},
		{"connection refused", fmt.Errorf("store: snapshot incidents: %w",
			&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}), false},
		{"deadline", fmt.Errorf("store: snapshot incidents: %w", context.DeadlineExceeded), false},
		{"nil", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, store.SnapshotRefused(tc.err))
		})
	}
}

// TestSnapshotRefusedByTheServer: the errors the server gives a user who may
// not create tables (allow_ddl = 0, readonly) are refusals.
func TestSnapshotRefusedByTheServer(t *testing.T) {
	st := chtest.Store(t)
	for _, s := range []clickhouse.Settings{{"allow_ddl": 0}, {"readonly": 1}, {"readonly": 2}} {
		ctx := clickhouse.Context(context.Background(), clickhouse.WithSettings(s))
		_, _, err := st.SnapshotIncidents(ctx, "refused")
		require.Error(t, err, "%v", s)
		require.True(t, store.SnapshotRefused(err), "%v: %v", s, err)
	}
	require.Empty(t, snapshotTables(t, st))
}
