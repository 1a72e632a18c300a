//go:build chdb

package chdbtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze"
	"github.com/aftermath-sre/aftermath/dashboards"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chserver"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

// TestModernClickHouse records every statement a migrate, an ingest (first
// writes, newer versions, checkpoints, runs), every store read, the
// dashboard's overdue-items SQL and two
// analysis runs (with pruning mutations) send to clickhouse-server 18.16, then
// replays them in order on libchdb (ClickHouse 26.x) and requires the same
// rows from every read, in the same order where the statement fixes one.
// Reads of system tables and of version() run on both engines but are not
// compared (their contents describe the engine, not Aftermath's data). The
// engine is started with the managed server's generated config, whose
// settings and users profile must take effect.
func TestModernClickHouse(t *testing.T) {
	if os.Getenv("CHDB_LIB_PATH") == "" && os.Getenv("AFTERMATH_REQUIRE_TOOLS") == "1" {
		t.Fatal("CHDB_LIB_PATH is not set (AFTERMATH_REQUIRE_TOOLS=1): `make deps` installs libchdb under .aftermath/chdb")
	}
	ctx := context.Background()
	addr := chtest.Addr(t)
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	rec := &Recorder{}
	db := fmt.Sprintf("chdbcompat_%d", os.Getpid())
	st, err := store.Open(ctx, store.Options{Addresses: []string{addr}, Database: db, Now: func() time.Time { return now }, WrapConn: rec.Wrap})
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = st.Conn().Exec(context.Background(), "DROP DATABASE IF EXISTS "+db)
		st.Close()
	})

	workload(ctx, t, st, now)

	stmts, err := rec.Statements()
	require.NoError(t, err, "recording")
	kinds := map[Kind]int{}
	for _, s := range stmts {
		kinds[s.Kind]++
	}
	t.Logf("recorded on 18.16: %d statements (%d exec, %d insert, %d query)", len(stmts), kinds[KindExec], kinds[KindInsert], kinds[KindQuery])
	require.NotZero(t, kinds[KindExec])
	require.NotZero(t, kinds[KindInsert])
	require.NotZero(t, kinds[KindQuery])
	carried := false
	for _, s := range stmts {
		carried = carried || (s.Kind == KindExec && strings.Contains(s.SQL, "text_analyses (analyzer, version, hash, payload, analyzed_at) SELECT"))
	}
	require.True(t, carried, "the workload carries blame results to new names (INSERT ... SELECT)")

	// The engine reads the managed server's own config (store/chserver):
	// its settings and its users profile must take effect on 26.x.
	cfgDir := t.TempDir()
	cfg, err := chserver.WriteConfig(cfgDir, 1, 2)
	require.NoError(t, err)
	eng, err := OpenEngine(filepath.Join(cfgDir, "data"), cfg)
	require.NoError(t, err)
	defer eng.Close()
	ver, err := eng.Version()
	require.NoError(t, err)
	t.Logf("replaying on libchdb %s", ver)
	require.True(t, strings.HasPrefix(ver, "26."), "libchdb version %s: the test is meant to prove ClickHouse 26.x", ver)
	for q, want := range map[string]string{
		"SELECT toString(getServerSetting('mark_cache_size'))": "268435456", // config.xml (the default is 5 GiB)
		"SELECT toString(getSetting('max_threads'))":           "2",         // users.xml profile
		"SELECT toString(getSetting('max_memory_usage'))":      "4000000000",
	} {
		got, err := eng.String(q)
		require.NoError(t, err, q)
		require.Equal(t, want, got, "the managed server's config on %s: %s", ver, q)
	}

	compared, mutations := 0, 0
	var diffs []string
	for i, s := range stmts {
		switch s.Kind {
		case KindExec, KindInsert:
			require.NoError(t, eng.Exec(s.SQL), "statement %d on 26.x: %s", i, clip(s.SQL))
			if reMutation.MatchString(s.SQL) {
				mutations++
				require.NoError(t, waitMutations(ctx, func(q string) (uint64, error) {
					r, err := eng.Query(q)
					if err != nil || len(r.values) != 1 || len(r.values[0]) != 1 {
						return 0, fmt.Errorf("count mutations: %v", err)
					}
					n, _ := r.values[0][0].(uint64)
					return n, nil
				}))
			}
		case KindQuery:
			got, err := eng.Result(s.SQL)
			require.NoError(t, err, "query %d on 26.x: %s", i, clip(s.SQL))
			if isEngineQuery(s.SQL) {
				continue
			}
			compared++
			if ok, diff := s.Want.Equal(got); !ok {
				diffs = append(diffs, fmt.Sprintf("query %d: %s\n  %s", i, clip(s.SQL), diff))
			}
		}
	}
	t.Logf("compared %d reads (%d mutations waited for)", compared, mutations)
	require.NotZero(t, mutations, "the workload prunes analysis runs with mutations")
	require.Empty(t, diffs, "reads that differ between 18.16 and %s", ver)
}

// isEngineQuery reports whether a read describes the engine rather than
// Aftermath's data.
func isEngineQuery(sql string) bool {
	l := strings.ToLower(sql)
	return strings.Contains(l, "system.") || strings.Contains(l, "version()")
}

func clip(s string) string {
	if len(s) > 400 {
		return s[:400] + "..."
	}
	return s
}

// workload drives the store and the analyzers the way ingest and analyze
// do, on a small organization written by hand.
func workload(ctx context.Context, t *testing.T, st *store.Store, now time.Time) {
	t.Helper()
	_, err := st.Migrate(ctx)
	require.NoError(t, err)
	_, err = st.Migrate(ctx) // nothing pending: the read-only path
	require.NoError(t, err)
	require.NoError(t, st.CheckSchema(ctx))

	day := func(d int, h int) time.Time { return now.AddDate(0, 0, -d).Add(time.Duration(h) * time.Hour) }
	var incs []store.Incident
	var evs []store.TimelineEvent
	sev := []string{"SEV1", "SEV2", "SEV3", "unknown"}
	for i := 0; i < 24; i++ {
		created := day(40-i, i%7)
		inc := store.Incident{
			Source: "pagerduty", ID: fmt.Sprintf("P%03d", i), Number: uint64(100 + i), Title: fmt.Sprintf("Checkout errors %d", i%5),
			URL: "https://pd/" + fmt.Sprint(i), ServiceID: fmt.Sprintf("S%d", i%3), ServiceName: fmt.Sprintf("svc-%d", i%3),
			TeamID: fmt.Sprintf("T%d", i%2), TeamName: []string{"Payments", "Search"}[i%2], EscalationPolicyID: "EP1",
			Priority: fmt.Sprintf("P%d", 1+i%4), Urgency: []string{"high", "low"}[i%2], Severity: sev[i%4], Status: "resolved",
			CreatedAt: created, AcknowledgedAt: created.Add(time.Duration(2+i) * time.Minute), ResolvedAt: created.Add(time.Duration(30+7*i) * time.Minute),
			UpdatedAt: created.Add(time.Hour), Acknowledgements: 1, Assignments: uint32(1 + i%2), Escalations: uint32(i % 3),
		}
		if i%6 == 5 {
			inc.Status, inc.ResolvedAt, inc.AcknowledgedAt = "triggered", time.Time{}, time.Time{}
		}
		if i%8 == 3 {
			inc.AutoResolved, inc.AcknowledgedAt = true, time.Time{}
		}
		incs = append(incs, inc)
		for k, typ := range []string{store.EventTrigger, store.EventNotify, store.EventAcknowledge, store.EventResolve} {
			evs = append(evs, store.TimelineEvent{
				Source: "pagerduty", IncidentID: inc.ID, ID: fmt.Sprintf("L%03d_%d", i, k), Type: typ, RawType: typ + "_log_entry",
				CreatedAt: created.Add(time.Duration(k*3) * time.Minute), AgentType: "user_reference", AgentID: fmt.Sprintf("U%d", i%4),
				AgentName: fmt.Sprintf("user %d", i%4), ChannelType: "web", Summary: typ, AssigneeIDs: []string{fmt.Sprintf("U%d", i%4)},
			})
		}
	}
	require.NoError(t, st.UpsertIncidents(ctx, incs))
	require.NoError(t, st.UpsertTimelineEvents(ctx, evs))
	// A newer version of some incidents: FINAL reads must see only it.
	upd := append([]store.Incident(nil), incs[:6]...)
	for i := range upd {
		upd[i].Title += " (updated)"
		upd[i].Escalations++
	}
	require.NoError(t, st.UpsertIncidents(ctx, upd))

	var pms []store.Postmortem
	var items []store.ActionItem
	for i := 0; i < 8; i++ {
		key := fmt.Sprintf("PM-%d", i+1)
		created := incs[i*3].ResolvedAt
		if created.IsZero() {
			created = incs[i*3].CreatedAt
		}
		pm := store.Postmortem{
			Key: key, ID: fmt.Sprint(1000 + i), Project: "PM", Title: "Postmortem " + key, URL: "https://jira/browse/" + key,
			Status: []string{"Draft", "In Review", "Published"}[i%3], StatusCategory: []string{store.CategoryNew, store.CategoryInProgress, store.CategoryDone}[i%3],
			Severity: sev[i%3], Team: []string{"Payments", "Search"}[i%2], Service: fmt.Sprintf("svc-%d", i%3), Author: "alice",
			Labels: []string{"postmortem"}, IncidentIDs: []string{incs[i*3].ID}, ActionItemKeys: []string{fmt.Sprintf("ACT-%d", i+1)},
			CreatedAt: created.Add(time.Hour), UpdatedAt: created.Add(48 * time.Hour), DescriptionFormat: "markdown",
			Sections: []string{"summary", "impact", "contributing_factors"}, MissingSections: []string{"timeline"},
			Summary: "The primary database failed over.", Impact: "Checkout errors for some users.", Detection: "Paged by the error-rate alert.",
			TimeToDetect: time.Duration(5+i) * time.Minute, ActionItemRows: 1,
			Factors: []store.Factor{
				{PostmortemKey: key, Ordinal: 1, Name: "Config change", Text: "A config push skipped the canary stage."},
				{PostmortemKey: key, Ordinal: 2, Name: "Capacity", Text: fmt.Sprintf("The connection pool was exhausted under load %d.", i%2)},
			},
		}
		if i%3 == 2 {
			pm.PublishedAt = created.Add(72 * time.Hour)
			pm.InReviewAt = created.Add(24 * time.Hour)
		}
		pms = append(pms, pm)
		item := store.ActionItem{
			Key: fmt.Sprintf("ACT-%d", i+1), ID: fmt.Sprint(2000 + i), Project: "ACT", PostmortemKey: key, Summary: "Add a canary stage",
			Status: []string{"To Do", "In Progress", "Done"}[i%3], StatusCategory: []string{store.CategoryNew, store.CategoryInProgress, store.CategoryDone}[i%3],
			Priority: fmt.Sprintf("P%d", 1+i%3), RawPriority: "High", AssigneeID: fmt.Sprintf("U%d", i%2), AssigneeName: "bob", Team: "Payments",
			Labels: []string{"action-item"}, Components: []string{"checkout"}, DueDate: created.AddDate(0, 0, 14).Truncate(24 * time.Hour),
			CreatedAt: created.Add(2 * time.Hour), UpdatedAt: created.Add(50 * time.Hour), LastActivityAt: created.Add(50 * time.Hour),
			URL: "https://jira/browse/ACT",
			Transitions: []store.Transition{{ItemKey: fmt.Sprintf("ACT-%d", i+1), HistoryID: fmt.Sprint(3000 + i), Seq: 0, At: created.Add(3 * time.Hour),
				AuthorID: "U1", Field: "status", FromValue: "1", FromString: "To Do", ToValue: "3", ToString: "In Progress"}},
		}
		if i%3 == 2 {
			item.ResolvedAt = created.Add(60 * time.Hour)
		}
		items = append(items, item)
	}
	require.NoError(t, st.UpsertPostmortems(ctx, pms))
	require.NoError(t, st.UpsertActionItems(ctx, items))
	require.NoError(t, st.UpsertRaw(ctx, []store.RawDocument{{Source: "jira", Kind: "issue", ID: "PM-1", FetchedAt: now, Body: []byte(`{"key":"PM-1"}`)}}))
	require.NoError(t, st.SetCheckpoint(ctx, "jira", "updated_since", "2026-03-01T00:00:00Z"))
	require.NoError(t, st.SetCheckpoint(ctx, "jira", "updated_since", "2026-03-09T00:00:00Z"))
	require.NoError(t, st.RecordIngestRun(ctx, store.IngestRun{Source: "pagerduty", RunID: "r1", StartedAt: now.Add(-2 * time.Hour), FinishedAt: now.Add(-time.Hour), Status: store.IngestSuccess, Requests: 3, Records: 120}))
	require.NoError(t, st.RecordIngestRun(ctx, store.IngestRun{Source: "pagerduty", RunID: "r2", StartedAt: now.Add(-30 * time.Minute), Status: store.IngestRunning}))
	_, err = st.AbortStaleIngestRuns(ctx, "pagerduty", now)
	require.NoError(t, err)

	// Every store read.
	_, err = st.Incidents(ctx, store.IncidentFilter{})
	require.NoError(t, err)
	_, err = st.Incidents(ctx, store.IncidentFilter{Source: "pagerduty", CreatedFrom: now.AddDate(0, 0, -30), CreatedTo: now, OpenOnly: true})
	require.NoError(t, err)
	_, err = st.TimelineEvents(ctx, []string{"P001", "P002"})
	require.NoError(t, err)
	_, err = st.OpenIncidents(ctx, "pagerduty", now)
	require.NoError(t, err)
	_, err = st.IncidentResponses(ctx, "", time.Time{})
	require.NoError(t, err)
	require.NoError(t, st.RawDocuments(ctx, "jira", "issue", func([]store.RawDocument) error { return nil }))
	_, err = st.Postmortems(ctx)
	require.NoError(t, err)
	_, err = st.Factors(ctx)
	require.NoError(t, err)
	_, err = st.ActionItems(ctx)
	require.NoError(t, err)
	_, err = st.Transitions(ctx)
	require.NoError(t, err)
	_, _, err = st.Checkpoint(ctx, "jira", "updated_since")
	require.NoError(t, err)
	_, err = st.IngestRuns(ctx, "")
	require.NoError(t, err)
	_, err = st.LastIngestSuccess(ctx)
	require.NoError(t, err)
	for _, table := range []string{"incidents", "timeline_events", "postmortems", "contributing_factors", "action_items"} {
		_, err = st.Count(ctx, table)
		require.NoError(t, err, table)
	}

	// The dashboard's drill-down SQL (it runs on Grafana's ClickHouse data
	// source, whose default database is Aftermath's: qualify its table here).
	dash := dashboards.Interpolate(dashboards.OverdueItemsSQL, map[string]string{"team": ".*"})
	qualified := strings.NewReplacer("FROM action_items FINAL", "FROM "+st.Table("action_items")+" FINAL",
		"FROM analysis_items", "FROM "+st.Table("analysis_items"), "FROM analysis_runs FINAL", "FROM "+st.Table("analysis_runs")+" FINAL").Replace(dash)
	require.Equal(t, 3, strings.Count(qualified, st.Database()+"."), "the dashboard SQL reads action_items, analysis_items and analysis_runs")
	rows, err := st.Conn().Query(ctx, qualified)
	require.NoError(t, err)
	n := 0
	for rows.Next() {
		n++
	}
	require.NoError(t, rows.Err())
	rows.Close()
	require.NotZero(t, n, "the workload has overdue action items")

	// Two analysis runs, then pruning down to the newest (mutations). A
	// person new to the second run makes it carry the blame results of the
	// texts that do not name her (INSERT ... SELECT) and prune the earlier
	// names' results.
	for k, at := range []time.Time{now, now.Add(time.Hour)} {
		at := at
		if k == 1 {
			carol := items[0]
			carol.Key, carol.ID, carol.AssigneeID, carol.AssigneeName, carol.Transitions = "ACT-99", "2099", "U9", "Carol Diaz", nil
			require.NoError(t, st.UpsertActionItems(ctx, []store.ActionItem{carol}))
		}
		sum, err := analyze.Run(ctx, st, analyze.Options{Now: func() time.Time { return at }, RunID: fmt.Sprintf("run%d", k+1)})
		require.NoError(t, err)
		_, err = st.AnalysisResults(ctx, sum.RunID, "")
		require.NoError(t, err)
		_, err = st.AnalysisItems(ctx, sum.RunID, store.AnalysisItemFilter{})
		require.NoError(t, err)
		_, err = st.Themes(ctx, sum.RunID)
		require.NoError(t, err)
		_, err = st.FactorThemes(ctx, sum.RunID)
		require.NoError(t, err)
	}
	_, _, err = st.LatestAnalysisRun(ctx)
	require.NoError(t, err)
	// The digest's search for similar earlier postmortems (both passes).
	similar, err := analyze.SimilarMany(ctx, st, []string{"PM-8", "PM-5"}, 3)
	require.NoError(t, err)
	require.NotEmpty(t, similar["PM-8"])
	// The pending fixes' titles and links (also read by a run that finds
	// any).
	links, err := st.PostmortemLinks(ctx, []string{"PM-8", "PM-5", "PM-404"})
	require.NoError(t, err)
	require.Len(t, links, 2)
	require.NoError(t, st.PruneAnalysis(ctx, 1))
	require.NoError(t, st.PruneAnalysisItems(ctx, 1))
	run, ok, err := st.LatestAnalysisRun(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	_, err = st.AnalysisResults(ctx, run.ID, "")
	require.NoError(t, err)
	_, err = st.AnalysisItems(ctx, run.ID, store.AnalysisItemFilter{})
	require.NoError(t, err)
}
