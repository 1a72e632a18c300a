package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// past16 is more than a UInt16 holds.
const past16 = 70000

// TestCountsPast65535 stores counts and ordinals past 65,535: a postmortem's
// factor count and factor ordinals, its action-item rows, an item's reopen
// count and transition sequence, and a factor's ordinal in factor_themes.
// Before 0003_wide_counts they were UInt16 and wrapped (70,000 became 4,464,
// and factors whose ordinals wrapped onto others' replaced them).
func TestCountsPast65535(t *testing.T) {
	st := chtest.Store(t)
	ctx := context.Background()
	factors := make([]store.Factor, past16)
	for i := range factors {
		factors[i] = store.Factor{Ordinal: i, Name: fmt.Sprintf("f%d", i), Text: "text"}
	}
	pm := store.Postmortem{Key: "PM-1", ID: "1", Status: "Published", CreatedAt: t0, UpdatedAt: t0,
		Factors: factors, ActionItemRows: past16, Labels: []string{}, IncidentIDs: []string{}, ActionItemKeys: []string{}}
	require.NoError(t, st.UpsertPostmortems(ctx, []store.Postmortem{pm}))

	var factorCount uint32
	require.NoError(t, st.Conn().QueryRow(ctx, "SELECT factor_count FROM "+st.Table("postmortems")+" FINAL WHERE key = 'PM-1'").Scan(&factorCount))
	require.Equal(t, uint32(past16), factorCount)
	pms, err := st.Postmortems(ctx)
	require.NoError(t, err)
	require.Len(t, pms, 1)
	require.Equal(t, past16, pms[0].ActionItemRows)
	require.Len(t, pms[0].Factors, past16, "no factor may be replaced by one whose ordinal wrapped onto it")
	last := pms[0].Factors[past16-1]
	require.Equal(t, past16-1, last.Ordinal)
	require.Equal(t, fmt.Sprintf("f%d", past16-1), last.Name)

	item := store.ActionItem{Key: "ACT-1", ID: "2", PostmortemKey: "PM-1", CreatedAt: t0, UpdatedAt: t0, LastActivityAt: t0,
		ReopenCount: past16, Transitions: []store.Transition{{HistoryID: "h1", Seq: past16, At: t0, Field: "status"}}}
	require.NoError(t, st.UpsertActionItems(ctx, []store.ActionItem{item}))
	items, err := st.ActionItems(ctx)
	require.NoError(t, err)
	require.Len(t, items, 1)
	require.Equal(t, past16, items[0].ReopenCount)
	require.Len(t, items[0].Transitions, 1)
	require.Equal(t, past16, items[0].Transitions[0].Seq)

	require.NoError(t, st.WriteThemes(ctx, "run-1", t0, nil, []store.FactorTheme{
		{PostmortemKey: "PM-1", Ordinal: past16 - 1, ThemeID: "T2"},
		{PostmortemKey: "PM-1", Ordinal: past16 - 1 - 65536, ThemeID: "T1"},
	}))
	fts, err := st.FactorThemes(ctx, "run-1")
	require.NoError(t, err)
	require.Equal(t, []store.FactorTheme{
		{PostmortemKey: "PM-1", Ordinal: past16 - 1 - 65536, ThemeID: "T1"},
		{PostmortemKey: "PM-1", Ordinal: past16 - 1, ThemeID: "T2"},
	}, fts)
}

// migrateTo2 migrates a fresh database up to version 2 only (the schema
// before 0003_wide_counts).
func migrateTo2(t *testing.T) *store.Store {
	t.Helper()
	st := chtest.Open(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st.SetBeforeStatement(func(v uint32, _ int) {
		if v == 3 {
			cancel()
		}
	})
	_, err := st.Migrate(ctx)
	require.Error(t, err)
	st.SetBeforeStatement(nil)
	v, err := st.SchemaVersion(context.Background())
	require.NoError(t, err)
	require.Equal(t, uint32(2), v)
	return st
}

// fillV2 writes rows into the version-2 (UInt16) tables the way the
// Aftermath of that version did, ordinals up to the UInt16 maximum.
func fillV2(t *testing.T, st *store.Store, n int) {
	t.Helper()
	ctx := context.Background()
	b, err := st.Conn().PrepareBatch(ctx, "INSERT INTO "+st.Table("contributing_factors")+" (postmortem_key, ordinal, name, text, postmortem_created_at, version)")
	require.NoError(t, err)
	for i := 0; i < n; i++ {
		ord := uint16(65535 - i)
		require.NoError(t, b.Append("PM-1", ord, fmt.Sprintf("f%d", ord), "text", t0, uint64(1)))
	}
	require.NoError(t, b.Send())
	b, err = st.Conn().PrepareBatch(ctx, "INSERT INTO "+st.Table("postmortems")+" (key, id, created_at, updated_at, factor_count, action_item_rows, version)")
	require.NoError(t, err)
	require.NoError(t, b.Append("PM-1", "1", t0, t0, uint16(n), uint16(65535), uint64(1)))
	require.NoError(t, b.Send())
	b, err = st.Conn().PrepareBatch(ctx, "INSERT INTO "+st.Table("action_item_transitions")+" (item_key, history_id, seq, at, field, item_created_at, version)")
	require.NoError(t, err)
	require.NoError(t, b.Append("ACT-1", "h1", uint16(65535), t0, "status", t0, uint64(1)))
	require.NoError(t, b.Send())
	b, err = st.Conn().PrepareBatch(ctx, "INSERT INTO "+st.Table("factor_themes")+" (run_id, computed_at, postmortem_key, ordinal, theme_id)")
	require.NoError(t, err)
	require.NoError(t, b.Append("run-1", t0, "PM-1", uint16(65535), "T1"))
	require.NoError(t, b.Send())
}

// checkWidened checks that 0003 kept the rows fillV2 wrote and that every
// count and ordinal column is UInt32.
func checkWidened(t *testing.T, st *store.Store, n int) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, st.CheckSchema(ctx))
	for _, c := range [][2]string{{"postmortems", "factor_count"}, {"postmortems", "action_item_rows"}, {"action_items", "reopen_count"},
		{"contributing_factors", "ordinal"}, {"action_item_transitions", "seq"}, {"factor_themes", "ordinal"}} {
		var typ string
		require.NoError(t, st.Conn().QueryRow(ctx, "SELECT type FROM system.columns WHERE database = ? AND table = ? AND name = ?",
			st.Database(), c[0], c[1]).Scan(&typ))
		require.Equal(t, "UInt32", typ, "%s.%s", c[0], c[1])
	}
	var tables []string
	rows, err := st.Conn().Query(ctx, "SELECT name FROM system.tables WHERE database = ? AND (name LIKE '%__rebuild' OR name LIKE '%__old')", st.Database())
	require.NoError(t, err)
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		tables = append(tables, name)
	}
	rows.Close()
	require.Empty(t, tables, "no rebuild leftovers")

	fs, err := st.Factors(ctx)
	require.NoError(t, err)
	require.Len(t, fs, n)
	require.Equal(t, store.Factor{PostmortemKey: "PM-1", Ordinal: 65535, Name: "f65535", Text: "text"}, fs[n-1])
	ts, err := st.Transitions(ctx)
	require.NoError(t, err)
	require.Len(t, ts, 1)
	require.Equal(t, 65535, ts[0].Seq)
	fts, err := st.FactorThemes(ctx, "run-1")
	require.NoError(t, err)
	require.Equal(t, []store.FactorTheme{{PostmortemKey: "PM-1", Ordinal: 65535, ThemeID: "T1"}}, fts)

	// And the widened tables take what did not fit before.
	require.NoError(t, st.WriteThemes(ctx, "run-2", t0, nil, []store.FactorTheme{{PostmortemKey: "PM-1", Ordinal: past16, ThemeID: "T1"}}))
	fts, err = st.FactorThemes(ctx, "run-2")
	require.NoError(t, err)
	require.Equal(t, past16, fts[0].Ordinal)
}

// TestMigration0003KeepsRows migrates a version-2 database holding rows.
func TestMigration0003KeepsRows(t *testing.T) {
	st := migrateTo2(t)
	fillV2(t, st, 1000)
	res, err := st.Migrate(context.Background())
	require.NoError(t, err)
	require.Equal(t, "0003_wide_counts", res.Applied[0], "applied %v", res.Applied)
	checkWidened(t, st, 1000)
}

// TestInterruptedRebuildIsFinishedByNextRun stops the rebuild of
// contributing_factors before each of its steps in turn (as a killed
// process would); the next Migrate must finish it without losing a row.
func TestInterruptedRebuildIsFinishedByNextRun(t *testing.T) {
	for step := 0; step < 6; step++ {
		t.Run(fmt.Sprint("step", step), func(t *testing.T) {
			st := migrateTo2(t)
			fillV2(t, st, 100)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			seen := 0
			var stoppedAt string
			st.SetBeforeRebuildStep(func(table, stmt string) {
				if table != "contributing_factors" {
					return
				}
				if seen == step {
					stoppedAt = stmt
					cancel()
				}
				seen++
			})
			_, err := st.Migrate(ctx)
			require.Error(t, err, "stopped before %s", stoppedAt)
			require.True(t, errors.Is(err, context.Canceled), "%v", err)
			v, err := st.SchemaVersion(context.Background())
			require.NoError(t, err)
			require.Equal(t, uint32(2), v, "an unfinished migration is not recorded")

			st.SetBeforeRebuildStep(nil)
			_, err = st.Migrate(context.Background())
			require.NoError(t, err, "after a stop before %s", stoppedAt)
			checkWidened(t, st, 100)
		})
	}
}

// TestCountUsesFinalOnlyWhereTheEngineDeduplicates counts a plain MergeTree
// table (analysis_items, themes, factor_themes), which 18.16 refuses to
// read with FINAL, and a ReplacingMergeTree, whose duplicates FINAL removes.
func TestCountUsesFinalOnlyWhereTheEngineDeduplicates(t *testing.T) {
	st := chtest.Store(t)
	ctx := context.Background()
	require.NoError(t, st.WriteAnalysisItems(ctx, "run-1", t0, []store.AnalysisItem{
		{Analysis: "actions", Kind: "overdue_item", Period: "2026-03", Key: "ACT-1", Rank: 1},
		{Analysis: "actions", Kind: "overdue_item", Period: "2026-03", Key: "ACT-2", Rank: 2},
	}))
	require.NoError(t, st.WriteThemes(ctx, "run-1", t0, []store.ThemeState{{ID: "T1", Label: "x", Size: 2}},
		[]store.FactorTheme{{PostmortemKey: "PM-1", Ordinal: 0, ThemeID: "T1"}, {PostmortemKey: "PM-1", Ordinal: 1, ThemeID: "T1"}, {PostmortemKey: "PM-2", Ordinal: 0, ThemeID: "T1"}}))
	incs := []store.Incident{incident(1, "a"), incident(2, "b")}
	require.NoError(t, st.UpsertIncidents(ctx, incs))
	require.NoError(t, st.UpsertIncidents(ctx, incs))

	migs, err := store.Migrations(store.DDLOptions{Database: st.Database()})
	require.NoError(t, err)
	for table, want := range map[string]uint64{"analysis_items": 2, "themes": 1, "factor_themes": 3, "incidents": 2, "schema_migrations": uint64(len(migs))} {
		n, err := st.Count(ctx, table)
		require.NoError(t, err, table)
		require.Equal(t, want, n, table)
	}
	_, err = st.Count(ctx, "no_such_table")
	require.ErrorContains(t, err, "no such table")
	_, err = st.Count(ctx, "x; DROP TABLE incidents")
	require.ErrorContains(t, err, "bad table name")
}

func TestAbortStaleIngestRuns(t *testing.T) {
	st := chtest.Store(t)
	ctx := context.Background()
	runs := []store.IngestRun{
		{Source: "pagerduty", RunID: "a", StartedAt: t0, FinishedAt: t0.Add(time.Minute), Status: store.IngestSuccess, Requests: 3},
		{Source: "pagerduty", RunID: "b", StartedAt: t0.Add(time.Hour), Status: store.IngestRunning, Requests: 7, Records: 40}, // killed
		{Source: "jira", RunID: "c", StartedAt: t0.Add(time.Hour), Status: store.IngestRunning},
	}
	for _, r := range runs {
		require.NoError(t, st.RecordIngestRun(ctx, r))
	}
	at := t0.Add(2 * time.Hour)
	n, err := st.AbortStaleIngestRuns(ctx, "pagerduty", at)
	require.NoError(t, err)
	require.Equal(t, 1, n)

	got, err := st.IngestRuns(ctx, "pagerduty")
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, runs[0], got[0], "a finished run is left alone")
	b := got[1]
	require.Equal(t, store.IngestAborted, b.Status)
	require.Equal(t, at, b.FinishedAt)
	require.Equal(t, runs[1].StartedAt, b.StartedAt)
	require.Equal(t, uint64(7), b.Requests)
	require.Equal(t, uint64(40), b.Records)
	require.Contains(t, b.Error, "did not finish")

	jira, err := st.IngestRuns(ctx, "jira")
	require.NoError(t, err)
	require.Equal(t, store.IngestRunning, jira[0].Status, "only the named source's runs are closed")

	n, err = st.AbortStaleIngestRuns(ctx, "pagerduty", at.Add(time.Hour))
	require.NoError(t, err)
	require.Zero(t, n, "closing again is a no-op")
}

// TestDriverWarningsReachTheLog: clickhouse-go logs through the store's
// logger, so its warnings are not lost; its warning about a server older
// than it supports is a debug line for the servers Aftermath is tested
// with (18.16 and later), not a warning on every command.
func TestDriverWarningsReachTheLog(t *testing.T) {
	addr := chtest.Addr(t)
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Addresses: []string{addr}, Database: fmt.Sprintf("drvlog_%d", os.Getpid()), Logger: logger})
	require.NoError(t, err)
	defer st.Close()
	var version string
	require.NoError(t, st.Conn().QueryRow(ctx, "SELECT version()").Scan(&version))
	require.Error(t, st.Conn().Exec(ctx, "SELECT throwIf(1)"))
	require.Contains(t, buf.String(), "server exception received")
	var major, minor int
	_, _ = fmt.Sscanf(version, "%d.%d", &major, &minor)
	if major < 25 || major == 25 && minor < 8 {
		// The driver (v2.50) warns about servers older than 25.8.
		require.Regexp(t, `level=DEBUG msg="unsupported clickhouse version"`, buf.String(), "server %s", version)
	}
	require.Contains(t, buf.String(), "driver=clickhouse-go")
}
