package clustertest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// TestClusterPruneLeavesARunStillGoing: as on one server, a prune on the
// cluster (ALTER ... ON CLUSTER DELETE with the run ids listed) takes the
// recorded runs beyond the newest and the unrecorded ones older than a day,
// never the rows of a run still going (black-box pass 11: two analyses at
// once left a successful run without its factor themes).
func TestClusterPruneLeavesARunStillGoing(t *testing.T) {
	ctx := context.Background()
	c := chtest.TestCluster(t)
	db := chtest.ClusterDatabase(t, c)
	st := openCluster(t, c, db, nil, 0, 1, 2, 3)
	_, err := st.Migrate(ctx)
	require.NoError(t, err)
	now := time.Now().UTC().Truncate(time.Second)
	themes := func(id string, at time.Time) {
		// Two postmortem keys: a factor theme on each shard, most likely.
		require.NoError(t, st.WriteThemes(ctx, id, at, []store.ThemeState{{ID: "th-1", Label: "x"}},
			[]store.FactorTheme{{PostmortemKey: "PM-1", Ordinal: 1, ThemeID: "th-1"}, {PostmortemKey: "PM-2", Ordinal: 1, ThemeID: "th-1"}}))
	}
	themes("killed", now.Add(-48*time.Hour)) // never recorded, two days ago
	for i, id := range []string{"old", "newer", "newest"} {
		at := now.Add(time.Duration(i-3) * time.Hour)
		themes(id, at)
		require.NoError(t, st.WriteAnalysis(ctx, store.AnalysisRun{ID: id, StartedAt: at, FinishedAt: at.Add(time.Minute), Status: store.RunSuccess}, nil))
	}
	themes("going", now) // not recorded yet: still running
	require.NoError(t, st.PruneAnalysisItems(ctx, 1))

	count := func(id string) int {
		fts, err := st.FactorThemes(ctx, id)
		require.NoError(t, err)
		return len(fts)
	}
	// The mutations are asynchronous; the last part written before them
	// can take long to reach (so "killed" is written first).
	require.Eventually(t, func() bool { return count("killed") == 0 && count("newer") == 0 && count("old") == 0 }, 60*time.Second, 500*time.Millisecond)
	require.Equal(t, 2, count("going"), "a run still going keeps its factor themes")
	require.Equal(t, 2, count("newest"))
}

// TestClusterRefusesADatabaseOfAnotherLayout: in cluster mode a database
// whose tables are not Distributed (the earlier unsharded layout, or one
// made on one server) is refused when the store opens, naming what to do:
// read as it is, it gave one node's rows (black-box pass 11).
func TestClusterRefusesADatabaseOfAnotherLayout(t *testing.T) {
	ctx := context.Background()
	c := chtest.TestCluster(t)
	db := chtest.ClusterDatabase(t, c)
	node := nodeStore(t, c, 0, "default")
	require.NoError(t, node.Conn().Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+db))
	require.NoError(t, node.Conn().Exec(ctx, "CREATE TABLE "+db+".incidents (id String) ENGINE = MergeTree() ORDER BY id"))
	_, err := store.Open(ctx, store.Options{Addresses: []string{c.Nodes[0].Addr}, Database: db, Cluster: chtest.ClusterName, DialTimeout: 2 * time.Second})
	var le *store.LayoutError
	require.ErrorAs(t, err, &le)
	require.Equal(t, "MergeTree", le.Engine)
	require.ErrorContains(t, err, "is not converted; set clickhouse.database to a new database")
}
