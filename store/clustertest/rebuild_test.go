package clustertest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// stopAt fails the first Exec that contains marker, so Migrate stops there.
type stopAt struct {
	driver.Conn
	marker string
}

func (s *stopAt) Exec(ctx context.Context, query string, args ...any) error {
	if strings.Contains(query, s.marker) {
		return errors.New("stopped by the test")
	}
	return s.Conn.Exec(ctx, query, args...)
}

// TestClusterRebuildKeepsRows migrates the cluster to version 2, writes
// UInt16-era rows for many postmortems (so both shards hold some), and
// migrates on: 0003's REBUILDs copy every row through the Distributed
// tables into new local tables on every node, each row staying in its shard,
// and the Distributed tables are recreated with the UInt32 columns.
func TestClusterRebuildKeepsRows(t *testing.T) {
	ctx := context.Background()
	c := chtest.TestCluster(t)
	db := chtest.ClusterDatabase(t, c)
	v2, err := store.Open(ctx, store.Options{Addresses: c.Addrs(), Database: db, Cluster: chtest.ClusterName, DialTimeout: 2 * time.Second,
		WrapConn: func(conn driver.Conn) driver.Conn { return &stopAt{Conn: conn, marker: "MODIFY COLUMN factor_count"} }})
	require.NoError(t, err)
	defer v2.Close()
	_, err = v2.Migrate(ctx)
	require.ErrorContains(t, err, "stopped by the test")
	ver, err := v2.SchemaVersion(ctx)
	require.NoError(t, err)
	require.Equal(t, uint32(2), ver)

	const pms = 200
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	b, err := v2.Conn().PrepareBatch(ctx, "INSERT INTO "+v2.Table("contributing_factors")+" (postmortem_key, ordinal, name, text, postmortem_created_at, version)")
	require.NoError(t, err)
	for i := 0; i < pms; i++ {
		for ord := uint16(65533); ord != 0; ord++ { // 65533, 65534, 65535
			require.NoError(t, b.Append(fmt.Sprintf("PM-%d", i), ord, "f", "text", t0, uint64(1)))
		}
	}
	require.NoError(t, b.Send())
	for i := range c.Nodes { // a raw insert, without the store's quorum
		require.NoError(t, nodeStore(t, c, i, db).Conn().Exec(ctx, "SYSTEM SYNC REPLICA "+db+".contributing_factors_local"))
	}
	before := localRows(ctx, t, c, 0, db, "contributing_factors")
	require.NotZero(t, before, "s1r2 %d s2r1 %d s2r2 %d", localRows(ctx, t, c, 1, db, "contributing_factors"), localRows(ctx, t, c, 2, db, "contributing_factors"), localRows(ctx, t, c, 3, db, "contributing_factors"))
	require.NotZero(t, localRows(ctx, t, c, 2, db, "contributing_factors"))

	st := openCluster(t, c, db, nil, 2, 3, 0, 1)
	res, err := st.Migrate(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"0003_wide_counts", "0004_text_analyses"}, res.Applied)
	n, err := st.Count(ctx, "contributing_factors")
	require.NoError(t, err)
	require.Equal(t, uint64(3*pms), n)
	var maxOrd uint32
	require.NoError(t, st.Conn().QueryRow(ctx, "SELECT max(ordinal) FROM "+st.Table("contributing_factors")).Scan(&maxOrd))
	require.Equal(t, uint32(65535), maxOrd)
	// Every row stayed in its shard, and every node has the new types.
	require.Equal(t, before, localRows(ctx, t, c, 0, db, "contributing_factors"))
	for i := range c.Nodes {
		for _, tb := range []string{"contributing_factors", "contributing_factors_local", "action_item_transitions", "action_item_transitions_local", "factor_themes", "factor_themes_local"} {
			col := map[string]string{"contributing_factors": "ordinal", "action_item_transitions": "seq", "factor_themes": "ordinal"}[strings.TrimSuffix(tb, "_local")]
			var typ string
			require.NoError(t, nodeStore(t, c, i, db).Conn().QueryRow(ctx, "SELECT type FROM system.columns WHERE database = ? AND table = ? AND name = ?", db, tb, col).Scan(&typ))
			require.Equal(t, "UInt32", typ, "%s %s.%s", c.Nodes[i].Name, tb, col)
		}
		var leftovers uint64
		require.NoError(t, nodeStore(t, c, i, db).Conn().QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = ? AND (name LIKE '%\\_\\_rebuild' OR name LIKE '%\\_\\_old')", db).Scan(&leftovers))
		require.Zero(t, leftovers, c.Nodes[i].Name)
	}
}
