package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/domain"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestMigrateFromEmptyThenNoop(t *testing.T) {
	st := chtest.Open(t)
	ctx := context.Background()
	res, err := st.Migrate(ctx)
	require.NoError(t, err)
	migs, err := store.Migrations(store.DDLOptions{Database: st.Database()})
	require.NoError(t, err)
	require.Equal(t, uint32(0), res.From)
	require.Equal(t, uint32(len(migs)), res.To)
	require.Len(t, res.Applied, len(migs))

	for _, table := range []string{"raw_documents", "incidents", "timeline_events", "postmortems", "contributing_factors",
		"action_items", "action_item_transitions", "ingest_checkpoints", "ingest_runs", "analysis_runs", "analysis_results"} {
		n, err := st.Count(ctx, table)
		require.NoError(t, err, table)
		require.Zero(t, n, table)
	}

	again, err := st.Migrate(ctx)
	require.NoError(t, err)
	require.Empty(t, again.Applied)
	require.Equal(t, res.To, again.From)
	var recorded uint64
	require.NoError(t, st.Conn().QueryRow(ctx, "SELECT count() FROM "+st.Table("schema_migrations")).Scan(&recorded))
	require.Equal(t, uint64(len(migs)), recorded, "re-running must not record migrations twice")
	require.NoError(t, st.CheckSchema(ctx))
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	st := chtest.Store(t)
	ctx := context.Background()
	b, err := st.Conn().PrepareBatch(ctx, "INSERT INTO "+st.Table("schema_migrations")+" (version, name, checksum, applied_at)")
	require.NoError(t, err)
	require.NoError(t, b.Append(uint32(999), "from_the_future", "x", time.Now().UTC()))
	require.NoError(t, b.Send())

	_, err = st.Migrate(ctx)
	var tooNew *store.SchemaTooNewError
	require.True(t, errors.As(err, &tooNew), "got %v", err)
	require.Equal(t, uint32(999), tooNew.DatabaseSchema)
	require.ErrorContains(t, err, "upgrade aftermath")
	require.ErrorAs(t, st.CheckSchema(ctx), &tooNew)
}

func TestInterruptedMigrationIsFinishedByNextRun(t *testing.T) {
	st := chtest.Open(t)
	ctx, cancel := context.WithCancel(context.Background())
	st.SetBeforeStatement(func(v uint32, i int) {
		if v == 1 && i == 4 {
			cancel() // killed half-way through migration 1
		}
	})
	_, err := st.Migrate(ctx)
	require.Error(t, err)
	v, err := st.SchemaVersion(context.Background())
	require.NoError(t, err)
	require.Zero(t, v, "a half-applied migration must not be recorded")

	st.SetBeforeStatement(nil)
	res, err := st.Migrate(context.Background())
	require.NoError(t, err)
	require.Equal(t, "0001_core", res.Applied[0])
	require.NoError(t, st.CheckSchema(context.Background()))
}

func incident(i int, title string) store.Incident {
	created := t0.Add(time.Duration(i) * time.Minute)
	return store.Incident{
		Source: "pagerduty", ID: fmt.Sprintf("P%06d", i), Number: uint64(i), Title: title,
		ServiceID: "PSVC1", ServiceName: "checkout", TeamID: "PTEAM1", TeamName: "payments",
		Priority: "P2", Urgency: "high", Severity: "SEV2", Status: "resolved",
		CreatedAt: created, ResolvedAt: created.Add(40 * time.Minute), UpdatedAt: created.Add(40 * time.Minute),
	}
}

func TestUpsertTwiceKeepsNewestOnce(t *testing.T) {
	st := chtest.Store(t)
	ctx := context.Background()
	const n = 10000
	first := make([]store.Incident, n)
	second := make([]store.Incident, n)
	for i := range first {
		first[i] = incident(i, "old")
		second[i] = incident(i, "new")
		if i%2 == 0 {
			second[i].Status = "acknowledged"
			second[i].ResolvedAt = time.Time{}
		}
	}
	require.NoError(t, st.UpsertIncidents(ctx, first))
	require.NoError(t, st.UpsertIncidents(ctx, second))

	got, err := st.Incidents(ctx, store.IncidentFilter{})
	require.NoError(t, err)
	require.Len(t, got, n)
	for i, x := range got {
		require.Equal(t, "new", x.Title, x.ID)
		require.Equal(t, second[i].ID, x.ID)
		require.Equal(t, second[i].ResolvedAt, x.ResolvedAt, x.ID)
	}

	// Without FINAL: argMax by version.
	var count, newest uint64
	require.NoError(t, st.Conn().QueryRow(ctx, "SELECT count(), countIf(t = 'new') FROM (SELECT id, argMax(title, version) AS t FROM "+
		st.Table("incidents")+" GROUP BY source, id)").Scan(&count, &newest))
	require.Equal(t, uint64(n), count)
	require.Equal(t, uint64(n), newest)
}

func TestIncidentRoundTripAllFields(t *testing.T) {
	st := chtest.Store(t)
	ctx := context.Background()
	in := incident(7, "disk full on db-3")
	in.URL, in.IncidentKey, in.EscalationPolicyID = "https://x.pagerduty.com/incidents/P7", "key-7", "PEP1"
	in.ResolveReason, in.MergedInto, in.Merged = "merge_resolve_reason", "P000001", true
	open := incident(8, "open one")
	open.Status, open.ResolvedAt = "triggered", time.Time{}
	require.NoError(t, st.UpsertIncidents(ctx, []store.Incident{in, open}))
	got, err := st.Incidents(ctx, store.IncidentFilter{})
	require.NoError(t, err)
	require.Equal(t, []store.Incident{in, open}, got)

	openOnly, err := st.Incidents(ctx, store.IncidentFilter{OpenOnly: true})
	require.NoError(t, err)
	require.Equal(t, []store.Incident{open}, openOnly)
}

// The response fields are not stored: an incident written with them reads
// back with what its timeline says, computed by ClickHouse.
func TestIncidentResponseComesFromTheTimeline(t *testing.T) {
	st := chtest.Store(t)
	ctx := context.Background()
	x := incident(9, "resolved by its monitor")
	x.ResolvedAt = time.Time{} // the document has no resolve time
	stored := x
	stored.AcknowledgedAt, stored.Acknowledgements, stored.Escalations, stored.AutoResolved = t0, 5, 5, true
	open := incident(10, "acknowledged, reassigned")
	open.Status, open.ResolvedAt = "acknowledged", time.Time{}
	require.NoError(t, st.UpsertIncidents(ctx, []store.Incident{stored, open}))
	got, err := st.Incidents(ctx, store.IncidentFilter{})
	require.NoError(t, err)
	require.Equal(t, []store.Incident{x, open}, got, "nothing of the response is stored")

	at := func(inc store.Incident, m int) time.Time { return inc.CreatedAt.Add(time.Duration(m) * time.Minute) }
	ev := func(inc store.Incident, id, typ string, m int, agent string) store.TimelineEvent {
		return store.TimelineEvent{Source: "pagerduty", IncidentID: inc.ID, ID: id, Type: typ, RawType: typ + "_log_entry", CreatedAt: at(inc, m), AgentType: agent}
	}
	require.NoError(t, st.UpsertTimelineEvents(ctx, []store.TimelineEvent{
		ev(x, "R1", store.EventTrigger, 0, "service_reference"),
		ev(x, "R2", store.EventEscalate, 5, "escalation_policy_reference"),
		ev(x, "R3", store.EventResolve, 12, "service_reference"),
		ev(open, "R4", store.EventTrigger, 0, "service_reference"),
		ev(open, "R5", store.EventAcknowledge, 7, "user_reference"),
		ev(open, "R6", store.EventAcknowledge, 3, "user_reference"),
		ev(open, "R7", store.EventAssign, 9, "user_reference"),
		ev(open, "R8", store.EventEscalate, 50, "escalation_policy_reference"),
	}))
	got, err = st.Incidents(ctx, store.IncidentFilter{})
	require.NoError(t, err)
	wantX := x
	wantX.ResolvedAt, wantX.AutoResolved, wantX.Escalations, wantX.Assignments = at(x, 12), true, 1, 1
	wantOpen := open
	wantOpen.AcknowledgedAt, wantOpen.Acknowledgements, wantOpen.Reassignments, wantOpen.Escalations, wantOpen.Assignments = at(open, 3), 2, 1, 1, 2
	wantOpen.UpdatedAt = at(open, 50) // a newer event than the document
	require.Equal(t, []store.Incident{wantX, wantOpen}, got)

	// The aggregate equals the domain's fold of the same events.
	evs, err := st.TimelineEvents(ctx, nil)
	require.NoError(t, err)
	resp, err := st.IncidentResponses(ctx, "pagerduty", time.Time{})
	require.NoError(t, err)
	byInc := map[string][]store.TimelineEvent{}
	for _, e := range evs {
		byInc[e.IncidentID] = append(byInc[e.IncidentID], e)
	}
	require.Len(t, resp, 2)
	for id, es := range byInc {
		require.Equal(t, domain.ResponseOf(es), resp[store.IncidentRef{Source: "pagerduty", ID: id}], id)
	}
}

func TestPostmortemRewriteDropsRemovedFactors(t *testing.T) {
	st := chtest.Store(t)
	ctx := context.Background()
	pm := store.Postmortem{
		Key: "PM-1", ID: "10001", Project: "PM", Title: "Checkout outage", Status: "Draft", StatusCategory: "new",
		Severity: "SEV1", Team: "payments", IncidentIDs: []string{"P000001"}, CreatedAt: t0, UpdatedAt: t0,
		DescriptionFormat: "adf", Sections: []string{"summary", "contributing_factors"}, MissingSections: []string{"impact"},
		Summary: "s", TimeToDetect: 12 * time.Minute, ActionItemRows: 2,
		Factors: []store.Factor{{Ordinal: 1, Name: "a", Text: "config pushed without validation"}, {Ordinal: 2, Name: "b", Text: "no canary"}, {Ordinal: 3, Name: "c", Text: "alert too late"}},
	}
	require.NoError(t, st.UpsertPostmortems(ctx, []store.Postmortem{pm}))
	pm.Factors = pm.Factors[:2]
	pm.Status, pm.PublishedAt, pm.UpdatedAt = "Published", t0.Add(72*time.Hour), t0.Add(72*time.Hour)
	require.NoError(t, st.UpsertPostmortems(ctx, []store.Postmortem{pm}))

	got, err := st.Postmortems(ctx)
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, "Published", got[0].Status)
	require.Equal(t, pm.PublishedAt, got[0].PublishedAt)
	require.Equal(t, 12*time.Minute, got[0].TimeToDetect)
	require.Len(t, got[0].Factors, 2, "the factor removed from the document must not be read")
	require.Equal(t, "no canary", got[0].Factors[1].Text)
	require.Equal(t, "PM-1", got[0].Factors[0].PostmortemKey)
}

func TestActionItemsWithTransitions(t *testing.T) {
	st := chtest.Store(t)
	ctx := context.Background()
	due := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	items := []store.ActionItem{
		{Key: "ACT-1", ID: "20001", Project: "ACT", PostmortemKey: "PM-1", Summary: "Add config validation", Status: "Done",
			StatusCategory: "done", Priority: "P1", RawPriority: "Highest", AssigneeID: "acc1", AssigneeName: "Ana", Team: "payments",
			Labels: []string{"postmortem"}, Components: []string{"checkout"}, DueDate: due, CreatedAt: t0, UpdatedAt: t0.Add(48 * time.Hour),
			ResolvedAt: t0.Add(48 * time.Hour), LastActivityAt: t0.Add(48 * time.Hour), ReopenCount: 1,
			Transitions: []store.Transition{
				{HistoryID: "1", Seq: 0, At: t0.Add(time.Hour), AuthorID: "acc1", Field: "status", FromString: "To Do", ToString: "In Progress", FromValue: "10000", ToValue: "3"},
				{HistoryID: "2", Seq: 0, At: t0.Add(48 * time.Hour), AuthorID: "acc1", Field: "status", FromString: "In Progress", ToString: "Done"},
				{HistoryID: "2", Seq: 1, At: t0.Add(48 * time.Hour), AuthorID: "acc1", Field: "resolution", ToString: "Done"},
			}},
		{Key: "ACT-2", ID: "20002", PostmortemKey: "PM-1", Summary: "Improve monitoring", Status: "To Do", StatusCategory: "new",
			Priority: "P3", CreatedAt: t0, UpdatedAt: t0, LastActivityAt: t0},
	}
	require.NoError(t, st.UpsertActionItems(ctx, items))
	require.NoError(t, st.UpsertActionItems(ctx, items)) // replay: nothing doubles
	got, err := st.ActionItems(ctx)
	require.NoError(t, err)
	require.Len(t, got, 2)
	for i := range items[0].Transitions {
		items[0].Transitions[i].ItemKey = "ACT-1"
	}
	items[1].Labels, items[1].Components = []string{}, []string{}
	require.Equal(t, items, got)
}

func TestTimelineRoundTrip(t *testing.T) {
	st := chtest.Store(t)
	ctx := context.Background()
	evs := []store.TimelineEvent{
		{Source: "pagerduty", IncidentID: "P1", ID: "L1", Type: store.EventTrigger, RawType: "trigger_log_entry", CreatedAt: t0, AgentType: "service_reference", AgentID: "PSVC1", ChannelType: "api", AssigneeIDs: []string{}},
		{Source: "pagerduty", IncidentID: "P1", ID: "L2", Type: store.EventAssign, RawType: "assign_log_entry", CreatedAt: t0.Add(time.Second), AssigneeIDs: []string{"PU1", "PU2"}},
	}
	require.NoError(t, st.UpsertTimelineEvents(ctx, evs))
	require.NoError(t, st.UpsertTimelineEvents(ctx, evs))
	got, err := st.TimelineEvents(ctx, []string{"P1"})
	require.NoError(t, err)
	require.Equal(t, evs, got)
}

func TestCheckpointsKeepLatest(t *testing.T) {
	st := chtest.Store(t)
	ctx := context.Background()
	_, ok, err := st.Checkpoint(ctx, "pagerduty", "incidents")
	require.NoError(t, err)
	require.False(t, ok)
	for _, v := range []string{"2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"} {
		require.NoError(t, st.SetCheckpoint(ctx, "pagerduty", "incidents", v))
	}
	got, ok, err := st.Checkpoint(ctx, "pagerduty", "incidents")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "2026-03-01T00:00:00Z", got)
}

func TestRoundTrip200k(t *testing.T) {
	if testing.Short() {
		t.Skip("200k rows: not in -short")
	}
	st := chtest.Store(t)
	ctx := context.Background()
	const n = 200000
	evs := timelineBatch(n)
	for i := 0; i < n; i += 50000 {
		require.NoError(t, st.UpsertTimelineEvents(ctx, evs[i:i+50000]))
	}
	got, err := st.TimelineEvents(ctx, nil)
	require.NoError(t, err)
	require.Len(t, got, n)
	byID := make(map[string]store.TimelineEvent, n)
	for _, e := range got {
		byID[e.ID] = e
	}
	for _, e := range evs {
		require.Equal(t, e, byID[e.ID])
	}
}

func timelineBatch(n int) []store.TimelineEvent {
	evs := make([]store.TimelineEvent, n)
	types := []string{store.EventTrigger, store.EventNotify, store.EventAcknowledge, store.EventResolve}
	for i := range evs {
		evs[i] = store.TimelineEvent{
			Source: "pagerduty", IncidentID: fmt.Sprintf("PI%05d", i/8), ID: fmt.Sprintf("L%07d", i),
			Type: types[i%4], RawType: types[i%4] + "_log_entry", CreatedAt: t0.Add(time.Duration(i) * time.Second),
			AgentType: "user_reference", AgentID: "PU1", ChannelType: "web", Summary: "entry", AssigneeIDs: []string{},
		}
	}
	return evs
}

// BenchmarkInsertTimelineEvents measures the batched insert rate into a real
// ClickHouse: rows/s is reported per 50k-row batch.
func BenchmarkInsertTimelineEvents(b *testing.B) {
	st := chtest.Store(b)
	ctx := context.Background()
	const batch = 50000
	evs := timelineBatch(batch)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := st.UpsertTimelineEvents(ctx, evs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkInsertIncidents(b *testing.B) {
	st := chtest.Store(b)
	ctx := context.Background()
	const batch = 20000
	incs := make([]store.Incident, batch)
	for i := range incs {
		incs[i] = incident(i, "bench")
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := st.UpsertIncidents(ctx, incs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "rows/s")
}

func TestAnalysisRunsAndResults(t *testing.T) {
	st := chtest.Store(t)
	ctx := context.Background()
	_, ok, err := st.LatestAnalysisRun(ctx)
	require.NoError(t, err)
	require.False(t, ok)
	r1 := store.AnalysisRun{ID: "run-1", StartedAt: t0, FinishedAt: t0.Add(time.Second), Status: store.RunSuccess}
	res := []store.Result{{Analysis: "response", Metric: "mttr_seconds", LabelNames: []string{"quantile"}, LabelValues: []string{"0.5"}, Value: 600}}
	require.NoError(t, st.WriteAnalysis(ctx, r1, res))
	r2 := store.AnalysisRun{ID: "run-2", StartedAt: t0.Add(time.Hour), FinishedAt: t0.Add(time.Hour + time.Second), Status: store.RunFailed, Error: "boom"}
	require.NoError(t, st.RecordAnalysisRun(ctx, r2))

	latest, ok, err := st.LatestAnalysisRun(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, r1, latest, "a failed run is never the latest")
	got, err := st.AnalysisResults(ctx, "run-1", "")
	require.NoError(t, err)
	require.Equal(t, res, got)
	require.Equal(t, "0.5", got[0].Label("quantile"))

	bad := []store.Result{{Analysis: "x", Metric: "y", LabelNames: []string{"a"}}}
	require.ErrorContains(t, st.WriteAnalysis(ctx, store.AnalysisRun{ID: "run-3", Status: store.RunSuccess}, bad), "1 label names but 0 values")
	_, err = st.AnalysisResults(ctx, "run-3", "")
	require.NoError(t, err)
	latest, _, _ = st.LatestAnalysisRun(ctx)
	require.Equal(t, "run-1", latest.ID, "a run whose results failed to store is not recorded")
}

// TestOpenRefusesAnUnknownCluster: a clickhouse.cluster the server does not
// have is refused when the store opens, naming the clusters it has
// (black-box pass 11: a misspelled one was accepted on a migrated database,
// and its prunes and quorum inserts failed run after run).
func TestOpenRefusesAnUnknownCluster(t *testing.T) {
	_, err := store.Open(context.Background(), store.Options{Addresses: []string{chtest.Addr(t)}, Database: "aftermath", Cluster: "aftermath_clustr"})
	var uc *store.UnknownClusterError
	require.ErrorAs(t, err, &uc)
	require.Equal(t, "aftermath_clustr", uc.Cluster)
	require.Contains(t, err.Error(), `cluster "aftermath_clustr" is not in the server's remote_servers (system.clusters); the server has: `)
}
