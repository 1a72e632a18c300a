package chdbtest

import (
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/stretchr/testify/require"
)

func TestBind(t *testing.T) {
	at := time.Date(2024, 1, 2, 10, 4, 5, 0, time.FixedZone("x", 3600))
	var nilTime *time.Time
	got, err := Bind("SELECT '?', `a?` FROM t WHERE a = ? AND b IN ? AND c = ? AND d = ? AND e = ? AND f = ?",
		"it's \\ ok", clickhouse.GroupSet{Value: []any{"x", "y"}}, at, nilTime, []string{"p", "q"}, uint32(7))
	require.NoError(t, err)
	require.Equal(t, "SELECT '?', `a?` FROM t WHERE a = 'it\\'s \\\\ ok' AND b IN ('x', 'y') AND c = '2024-01-02 09:04:05' AND d = NULL AND e = ['p', 'q'] AND f = 7", got)

	_, err = Bind("SELECT ?, ?", 1)
	require.Error(t, err)
	_, err = Bind("SELECT ?", struct{}{})
	require.ErrorContains(t, err, "no literal")
}

func TestFixesOrder(t *testing.T) {
	require.True(t, FixesOrder("SELECT a FROM t ORDER BY a"))
	require.False(t, FixesOrder("SELECT a FROM (SELECT a FROM t ORDER BY a) GROUP BY a"))
	require.True(t, FixesOrder("SELECT a FROM (SELECT a FROM t) ORDER BY a LIMIT 1"))
	require.False(t, FixesOrder("SELECT a FROM t"))
}

func TestResultEqual(t *testing.T) {
	rows := func(rs ...string) [][]string {
		var out [][]string
		for _, r := range rs {
			out = append(out, strings.Split(r, ","))
		}
		return out
	}
	a := &Result{Rows: rows("1,x", "2,y")}
	ok, _ := a.Equal(&Result{Rows: rows("2,y", "1,x")})
	require.True(t, ok, "no ORDER BY: order is free")
	a.Ordered = true
	ok, diff := a.Equal(&Result{Rows: rows("2,y", "1,x")})
	require.False(t, ok, "ORDER BY the whole row")
	require.Contains(t, diff, "rows 0..0")
	ok, _ = a.Equal(&Result{Rows: rows("1,x")})
	require.False(t, ok)
	ok, _ = a.Equal(&Result{Rows: rows("1,x", "2,z")})
	require.False(t, ok, "a value differs")

	b := &Result{Rows: rows("1,x", "1,y", "2,z"), Ordered: true, Keys: []int{0}}
	ok, _ = b.Equal(&Result{Rows: rows("1,y", "1,x", "2,z")})
	require.True(t, ok, "ties of the ORDER BY key may come in any order")
	ok, _ = b.Equal(&Result{Rows: rows("2,z", "1,y", "1,x")})
	require.False(t, ok, "the key order is fixed")

	require.Equal(t, []string{"uint32(7)", "NULL", "time(2024-01-02T09:04:05Z)", "[]string[string(a) string(b)]", "float64(0.5)"},
		CanonicalRow([]any{uint32(7), (*string)(nil), time.Date(2024, 1, 2, 10, 4, 5, 0, time.FixedZone("x", 3600)), []string{"a", "b"}, 0.5}))
}

func TestOrderKeys(t *testing.T) {
	cols := []string{"analysis", "metric", "value"}
	require.Equal(t, []int{0, 1}, orderKeys("SELECT analysis, metric, value FROM t ORDER BY analysis, metric", cols))
	require.Equal(t, []int{2, 0}, orderKeys("SELECT analysis, metric, value FROM t ORDER BY value DESC, analysis LIMIT 5", cols))
	require.Nil(t, orderKeys("SELECT analysis, metric, value FROM t ORDER BY lower(metric)", cols))
	require.Nil(t, orderKeys("SELECT analysis, metric, value FROM t ORDER BY created_at", cols))
}
