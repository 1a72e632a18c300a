package store

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMigrationsRenderSingleNode(t *testing.T) {
	migs, err := Migrations(DDLOptions{Database: "aftermath"})
	require.NoError(t, err)
	require.NotEmpty(t, migs)
	for _, m := range migs {
		for _, st := range m.Statements {
			require.NotContains(t, st, "{{", "unrendered template in %04d_%s", m.Version, m.Name)
			require.NotContains(t, st, "ON CLUSTER")
			// Every statement must be idempotent: a CREATE has IF NOT
			// EXISTS, an ALTER only sets a column's type, a REBUILD resumes.
			switch {
			case strings.HasPrefix(st, "ALTER TABLE"):
				require.Regexp(t, `^ALTER TABLE \S+ +MODIFY COLUMN \w+ \w+$`, st)
			case strings.HasPrefix(st, "REBUILD"):
				r, ok, err := parseRebuild(st)
				require.NoError(t, err)
				require.True(t, ok)
				require.Contains(t, r.create, "CREATE TABLE IF NOT EXISTS aftermath."+r.table+"__rebuild ")
			default:
				require.Contains(t, st, "IF NOT EXISTS", "every statement must be idempotent: %s", st)
			}
			for _, banned := range []string{"LowCardinality", "DateTime64", "JSONExtract", "toStartOfInterval", "toStartOfWeek", " TTL ", "Map("} {
				require.NotContains(t, st, banned, "not accepted by ClickHouse 18.16")
			}
		}
	}
}

func TestMigrationsRenderCluster(t *testing.T) {
	migs, err := Migrations(DDLOptions{Database: "am", Cluster: "prod"})
	require.NoError(t, err)
	// Each table is a Replicated local table and a Distributed table over it
	// under the name the code uses, sharded by the natural key (children by
	// their parent's key).
	st := migs[0].Statements[2] // incidents_local
	require.Contains(t, st, "CREATE TABLE IF NOT EXISTS am.incidents_local ON CLUSTER prod")
	require.Contains(t, st, "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/am/incidents', '{replica}', version)")
	require.Equal(t, "CREATE TABLE IF NOT EXISTS am.incidents ON CLUSTER prod AS am.incidents_local ENGINE = Distributed(prod, am, incidents_local, cityHash64(source, id))",
		migs[0].Statements[3])
	all := ""
	for _, m := range migs {
		for _, st := range m.Statements {
			all += st + "\n"
			if strings.HasPrefix(st, "CREATE TABLE") {
				require.Contains(t, st, " ON CLUSTER prod ", st)
			}
		}
	}
	for table, key := range map[string]string{
		"timeline_events": "cityHash64(source, incident_id)", "contributing_factors": "cityHash64(postmortem_key)",
		"action_item_transitions": "cityHash64(item_key)", "factor_themes": "cityHash64(postmortem_key)",
	} {
		require.Contains(t, all, "ENGINE = Distributed(prod, am, "+table+"_local, "+key+")")
	}
	// A table made by a REBUILD keeps its own ZooKeeper path after the swap.
	require.Contains(t, all, "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/am/contributing_factors__rebuild_0003', '{replica}', version)")
}

func TestMigrationsRenderClusterNeedsShardingKey(t *testing.T) {
	_, err := renderMigration("0009_x.sql", "CREATE TABLE IF NOT EXISTS {{.DB}}.unknown_table {{.OnCluster}} (a String) ENGINE = {{mergetree}} ORDER BY a;", DDLOptions{Database: "am", Cluster: "prod"})
	require.ErrorContains(t, err, "no sharding key")
}

func TestQuoteString(t *testing.T) {
	require.Equal(t, `'a\'b\\c'`, quoteString(`a'b\c`))
}

func TestMigrationsRejectBadIdentifiers(t *testing.T) {
	_, err := Migrations(DDLOptions{Database: "a; DROP TABLE x"})
	require.ErrorContains(t, err, "is not an identifier")
	_, err = Migrations(DDLOptions{Database: "ok", Cluster: "bad cluster"})
	require.ErrorContains(t, err, "cluster name")
}

func TestSplitStatements(t *testing.T) {
	got := splitStatements("-- c\nCREATE TABLE a (x String);\n\n-- d\nCREATE TABLE b (\n y String\n);\n")
	require.Len(t, got, 2)
	require.True(t, strings.HasPrefix(got[1], "CREATE TABLE b"))
	require.False(t, strings.HasSuffix(got[1], ";"))
}

func TestParseRebuild(t *testing.T) {
	_, ok, err := parseRebuild("CREATE TABLE IF NOT EXISTS a.b (x String)")
	require.NoError(t, err)
	require.False(t, ok, "not a REBUILD")
	_, _, err = parseRebuild("REBUILD a.b")
	require.ErrorContains(t, err, "malformed REBUILD")
	_, _, err = parseRebuild("REBUILD a.b FROM\nCREATE TABLE IF NOT EXISTS a.c__rebuild (x String)")
	require.ErrorContains(t, err, "must create b__rebuild")
	r, ok, err := parseRebuild("REBUILD a.b FROM\nCREATE TABLE IF NOT EXISTS a.b__rebuild (x String)")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, rebuildStmt{table: "b", create: "CREATE TABLE IF NOT EXISTS a.b__rebuild (x String)"}, r)
}

func TestCount32(t *testing.T) {
	require.Equal(t, uint32(70000), count32(70000))
	require.Equal(t, uint32(0), count32(-1))
	require.Equal(t, uint32(math.MaxUint32), count32(math.MaxUint32+5))
}
