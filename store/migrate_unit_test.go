package store

import (
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
			require.Contains(t, st, "IF NOT EXISTS", "every statement must be idempotent: %s", st)
			for _, banned := range []string{"LowCardinality", "DateTime64", "JSONExtract", "toStartOfInterval", "toStartOfWeek", " TTL ", "Map("} {
				require.NotContains(t, st, banned, "not accepted by ClickHouse 18.16")
			}
		}
	}
}

func TestMigrationsRenderCluster(t *testing.T) {
	migs, err := Migrations(DDLOptions{Database: "am", Cluster: "prod"})
	require.NoError(t, err)
	st := migs[0].Statements[1] // incidents
	require.Contains(t, st, "CREATE TABLE IF NOT EXISTS am.incidents ON CLUSTER prod")
	require.Contains(t, st, "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/am/incidents', '{replica}', version)")
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

func TestPriorityFromJira(t *testing.T) {
	for in, want := range map[string]string{"Highest": "P1", "High": "P2", "Medium": "P3", "Low": "P4", "Lowest": "P5", "P3": "P3", "Whatever": "unknown"} {
		require.Equal(t, want, PriorityFromJira(in), in)
	}
}
