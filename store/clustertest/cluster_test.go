package clustertest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze"
	"github.com/aftermath-sre/aftermath/simulate/org"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

func TestMain(m *testing.M) { os.Exit(chtest.MainCluster(m)) }

var smallOrg *org.Org

func testOrg(t testing.TB) *org.Org {
	t.Helper()
	if smallOrg == nil {
		o, err := org.Generate(org.Options{Seed: 7, Scale: org.ScaleSmall})
		require.NoError(t, err)
		smallOrg = o
	}
	return smallOrg
}

// storeOrg writes o into st as the ingesters would, in the chunks they use.
func storeOrg(ctx context.Context, t testing.TB, st *store.Store, o *org.Org) {
	t.Helper()
	incs, evs := orgIncidents(o)
	for i := 0; i < len(incs); i += 500 {
		require.NoError(t, st.UpsertIncidents(ctx, incs[i:min(i+500, len(incs))]))
	}
	for i := 0; i < len(evs); i += 5000 {
		require.NoError(t, st.UpsertTimelineEvents(ctx, evs[i:min(i+5000, len(evs))]))
	}
	pms := orgPostmortems(o)
	for i := 0; i < len(pms); i += 100 {
		require.NoError(t, st.UpsertPostmortems(ctx, pms[i:min(i+100, len(pms))]))
	}
	items := orgActionItems(o)
	for i := 0; i < len(items); i += 500 {
		require.NoError(t, st.UpsertActionItems(ctx, items[i:min(i+500, len(items))]))
	}
}

// openCluster opens a store on the cluster with the addresses in the given
// node order.
func openCluster(t testing.TB, c *chtest.Cluster, db string, logger *slog.Logger, nodes ...int) *store.Store {
	t.Helper()
	var addrs []string
	for _, i := range nodes {
		addrs = append(addrs, c.Nodes[i].Addr)
	}
	st, err := store.Open(context.Background(), store.Options{Addresses: addrs, Database: db, Cluster: chtest.ClusterName,
		DialTimeout: 2 * time.Second, Logger: logger})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

// nodeStore opens node i alone, to look at what it holds locally.
func nodeStore(t testing.TB, c *chtest.Cluster, i int, db string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), store.Options{Addresses: []string{c.Nodes[i].Addr}, Database: db, DialTimeout: 2 * time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

var domainTables = []string{"incidents", "timeline_events", "postmortems", "contributing_factors", "action_items", "action_item_transitions"}

func counts(ctx context.Context, t testing.TB, st *store.Store) map[string]uint64 {
	t.Helper()
	out := map[string]uint64{}
	for _, tb := range domainTables {
		n, err := st.Count(ctx, tb)
		require.NoError(t, err)
		out[tb] = n
	}
	return out
}

// localRows counts the rows (all versions) of table_local on node i.
func localRows(ctx context.Context, t testing.TB, c *chtest.Cluster, i int, db, table string) uint64 {
	t.Helper()
	var n uint64
	require.NoError(t, nodeStore(t, c, i, db).Conn().QueryRow(ctx, "SELECT count() FROM "+db+"."+table+"_local").Scan(&n))
	return n
}

// ddlTasks is the number of distributed DDL tasks queued in ZooKeeper.
func ddlTasks(ctx context.Context, t testing.TB, st *store.Store) uint64 {
	t.Helper()
	var n uint64
	require.NoError(t, st.Conn().QueryRow(ctx, "SELECT count() FROM system.zookeeper WHERE path = '/clickhouse/task_queue/ddl'").Scan(&n))
	return n
}

func analysisOptions(o *org.Org) analyze.Options {
	stale := map[string]time.Duration{"P1": 7 * 24 * time.Hour, "P2": 14 * 24 * time.Hour, "P3": 30 * 24 * time.Hour, "P4": 60 * 24 * time.Hour, "P5": 90 * 24 * time.Hour}
	closure := map[string]time.Duration{"P1": 14 * 24 * time.Hour, "P2": 30 * 24 * time.Hour, "P3": 60 * 24 * time.Hour, "P4": 90 * 24 * time.Hour, "P5": 180 * 24 * time.Hour}
	return analyze.Options{
		Now: func() time.Time { return o.End }, StaleAfter: stale, ClosureSLO: closure,
		RequiredSeverities: []string{"SEV1", "SEV2"}, DraftWithin: 48 * time.Hour, PublishWithin: 7 * 24 * time.Hour,
		RecurrenceWindow: 30 * 24 * time.Hour, MaxItemSeries: 100000,
		SLOs: []analyze.SLO{{Service: serviceName(o, o.Incidents[0].ServiceID), Target: 0.999, Window: analyze.WindowRolling28d, Severities: []string{"SEV1", "SEV2"}, HourlyCost: 1000}},
	}
}

// metricLines are the latest run's results as sorted text lines, without
// the run id.
func metricLines(ctx context.Context, t testing.TB, st *store.Store) []string {
	t.Helper()
	run, ok, err := st.LatestAnalysisRun(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	rs, err := st.AnalysisResults(ctx, run.ID, "")
	require.NoError(t, err)
	var out []string
	for _, r := range rs {
		if r.Metric == "analysis_duration_seconds" {
			continue // wall-clock time, different on every run
		}
		var labels []string
		for i := range r.LabelNames {
			labels = append(labels, r.LabelNames[i]+"="+r.LabelValues[i])
		}
		out = append(out, fmt.Sprintf("%s %s{%s} %.9g", r.Analysis, r.Metric, strings.Join(labels, ","), r.Value))
	}
	sort.Strings(out)
	return out
}

// TestClusterMatchesSingleServer stores the small simulated organization on
// a single server and on the 2x2 cluster (addresses of the second shard
// first), analyzes both, and compares: the rows are spread over both shards,
// FINAL counts are equal, and so is every metric. A second migrate, from
// another node, applies nothing and queues no DDL.
func TestClusterMatchesSingleServer(t *testing.T) {
	ctx := context.Background()
	c := chtest.TestCluster(t)
	o := testOrg(t)

	single := chtest.Store(t)
	storeOrg(ctx, t, single, o)

	db := chtest.ClusterDatabase(t, c)
	st := openCluster(t, c, db, nil, 2, 3, 0, 1)
	res, err := st.Migrate(ctx)
	require.NoError(t, err)
	require.Len(t, res.Applied, migrationCount(t))
	storeOrg(ctx, t, st, o)

	want := counts(ctx, t, single)
	require.Equal(t, want, counts(ctx, t, st))
	// Both shards hold rows, and the shards together hold them all once;
	// each shard's two replicas hold the same.
	for _, tb := range []string{"incidents", "timeline_events", "postmortems"} {
		s1, s2 := localRows(ctx, t, c, 0, db, tb), localRows(ctx, t, c, 2, db, tb)
		require.NotZero(t, s1, tb)
		require.NotZero(t, s2, tb)
		require.Equal(t, want[tb], s1+s2, tb)
		// insert_quorum: both replicas of a shard had the rows when the
		// insert returned, so a read right after sees them on either.
		require.Equal(t, s1, localRows(ctx, t, c, 1, db, tb), "shard 1 replicas differ on %s right after the write", tb)
		require.Equal(t, s2, localRows(ctx, t, c, 3, db, tb), "shard 2 replicas differ on %s right after the write", tb)
	}

	// A newer version of every incident goes to the same shard as the
	// older one, so FINAL still counts each once.
	incs, _ := orgIncidents(o)
	require.NoError(t, st.UpsertIncidents(ctx, incs))
	n, err := st.Count(ctx, "incidents")
	require.NoError(t, err)
	require.Equal(t, want["incidents"], n)

	_, err = analyze.Run(ctx, single, analysisOptions(o))
	require.NoError(t, err)
	sum, err := analyze.Run(ctx, st, analysisOptions(o))
	require.NoError(t, err)
	require.Equal(t, len(o.Incidents), sum.Incidents)
	wantLines := metricLines(ctx, t, single)
	require.Greater(t, len(wantLines), 100)
	requireSameLines(t, wantLines, metricLines(ctx, t, st))
	// A new person: the blame results of the texts that do not name them
	// are carried to the new names (INSERT ... SELECT with a GLOBAL NOT IN
	// on the cluster), the same on both.
	at := o.End.Add(-time.Hour)
	newcomer := []store.ActionItem{{Key: "ACT-NEW-1", Summary: "Rotate the on-call schedule", AssigneeID: "new-1", AssigneeName: "Quinn Newcomer",
		CreatedAt: at, UpdatedAt: at}}
	require.NoError(t, single.UpsertActionItems(ctx, newcomer))
	require.NoError(t, st.UpsertActionItems(ctx, newcomer))
	// A minute later, so that this run is the latest on both.
	later := analysisOptions(o)
	later.Now = func() time.Time { return o.End.Add(time.Minute) }
	sumSingle, err := analyze.Run(ctx, single, later)
	require.NoError(t, err)
	sum, err = analyze.Run(ctx, st, later)
	require.NoError(t, err)
	require.Equal(t, sumSingle.TextsAnalyzed, sum.TextsAnalyzed)
	require.Less(t, sum.TextsAnalyzed, 10, "only the new item and the texts naming the newcomer are checked")
	requireSameLines(t, metricLines(ctx, t, single), metricLines(ctx, t, st))
	// The digest's search for similar earlier postmortems (GLOBAL joins).
	keys := []string{o.Postmortems[len(o.Postmortems)-1].Key, o.Postmortems[len(o.Postmortems)/2].Key}
	wantSimilar, err := analyze.SimilarMany(ctx, single, keys, 3)
	require.NoError(t, err)
	require.NotEmpty(t, wantSimilar[keys[0]])
	gotSimilar, err := analyze.SimilarMany(ctx, st, keys, 3)
	require.NoError(t, err)
	require.Equal(t, wantSimilar, gotSimilar)

	// Migrations once, cluster-wide: every node sees the schema, and a
	// second migrate from another node applies nothing and queues no DDL.
	for i := range c.Nodes {
		v, err := nodeStore(t, c, i, db).SchemaVersion(ctx)
		require.NoError(t, err)
		require.Equal(t, uint32(4), v, c.Nodes[i].Name)
	}
	before := ddlTasks(ctx, t, st)
	again := openCluster(t, c, db, nil, 1, 0, 2, 3)
	res, err = again.Migrate(ctx)
	require.NoError(t, err)
	require.Empty(t, res.Applied)
	require.NoError(t, again.CheckSchema(ctx))
	require.Equal(t, before, ddlTasks(ctx, t, again))
}

// requireSameLines fails with the lines only one side has.
func requireSameLines(t testing.TB, want, got []string) {
	t.Helper()
	in := func(a []string) map[string]int {
		m := map[string]int{}
		for _, l := range a {
			m[l]++
		}
		return m
	}
	w, g := in(want), in(got)
	var missing, extra []string
	for l, n := range w {
		if g[l] < n {
			missing = append(missing, l)
		}
	}
	for l, n := range g {
		if w[l] < n {
			extra = append(extra, l)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 20 {
		missing = missing[:20]
	}
	if len(extra) > 20 {
		extra = extra[:20]
	}
	require.True(t, len(missing) == 0 && len(extra) == 0, "%d lines vs %d; only on the single server: %q; only on the cluster: %q", len(want), len(got), missing, extra)
}

// logBuffer collects a store's log lines.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// wantCounts are the FINAL row counts of the small org.
func wantCounts(t testing.TB, o *org.Org) map[string]uint64 {
	t.Helper()
	incs, evs := orgIncidents(o)
	pms := orgPostmortems(o)
	items := orgActionItems(o)
	var factors, transitions int
	for _, p := range pms {
		factors += len(p.Factors)
	}
	for _, it := range items {
		transitions += len(it.Transitions)
	}
	return map[string]uint64{"incidents": uint64(len(incs)), "timeline_events": uint64(len(evs)), "postmortems": uint64(len(pms)),
		"contributing_factors": uint64(factors), "action_items": uint64(len(items)), "action_item_transitions": uint64(transitions)}
}

// syncReplicas waits until every node has fetched what its shard's other
// replica holds, and checks that both replicas of a shard hold the same rows.
func syncReplicas(ctx context.Context, t testing.TB, c *chtest.Cluster, db string) {
	t.Helper()
	for i := range c.Nodes {
		st := nodeStore(t, c, i, db)
		for _, tb := range domainTables {
			require.NoError(t, st.Conn().Exec(ctx, "SYSTEM SYNC REPLICA "+db+"."+tb+"_local"), c.Nodes[i].Name)
		}
	}
	for _, tb := range domainTables {
		require.Equal(t, localRows(ctx, t, c, 0, db, tb), localRows(ctx, t, c, 1, db, tb), "shard 1 replicas differ on %s", tb)
		require.Equal(t, localRows(ctx, t, c, 2, db, tb), localRows(ctx, t, c, 3, db, tb), "shard 2 replicas differ on %s", tb)
	}
}

// TestClusterReplicaStoppedMidIngest stops one replica while the org is being
// written: the ingest finishes, and once the replica is back and synced,
// nothing is missing from either replica.
func TestClusterReplicaStoppedMidIngest(t *testing.T) {
	ctx := context.Background()
	c := chtest.TestCluster(t)
	o := testOrg(t)
	db := chtest.ClusterDatabase(t, c)
	logs := &logBuffer{}
	st := openCluster(t, c, db, slog.New(slog.NewTextHandler(logs, nil)), 0, 2, 3)
	_, err := st.Migrate(ctx)
	require.NoError(t, err)
	replica := c.Nodes[1]
	t.Cleanup(func() { require.NoError(t, replica.Start(context.Background())) })

	done := make(chan struct{})
	go func() {
		defer close(done)
		storeOrg(ctx, t, st, o)
	}()
	// Stop the replica once the first rows are in.
	for {
		n, err := st.Count(ctx, "incidents")
		require.NoError(t, err)
		if n > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	replica.Stop()
	<-done
	require.False(t, t.Failed())
	require.Equal(t, wantCounts(t, o), counts(ctx, t, st))

	require.NoError(t, replica.Start(ctx))
	syncReplicas(ctx, t, c, db)
	require.Equal(t, wantCounts(t, o), counts(ctx, t, st))
}

// killOnInsert lets a test act while an insert into a table is open on the
// server, before its rows are sent.
type killOnInsert struct {
	driver.Conn
	table string
	once  sync.Once
	hook  func()
}

func (k *killOnInsert) PrepareBatch(ctx context.Context, query string, opts ...driver.PrepareBatchOption) (driver.Batch, error) {
	b, err := k.Conn.PrepareBatch(ctx, query, opts...)
	if err != nil || !strings.Contains(query, "."+k.table+" (") {
		return b, err
	}
	return &hookBatch{Batch: b, k: k}, nil
}

type hookBatch struct {
	driver.Batch
	k *killOnInsert
}

func (b *hookBatch) Send() error {
	b.k.once.Do(b.k.hook)
	return b.Batch.Send()
}

// TestClusterConnectedNodeStoppedMidIngest kills the node an insert is
// connected to while the insert is open: the store retries it on another
// address and nothing is lost.
func TestClusterConnectedNodeStoppedMidIngest(t *testing.T) {
	ctx := context.Background()
	c := chtest.TestCluster(t)
	o := testOrg(t)
	db := chtest.ClusterDatabase(t, c)
	mig := openCluster(t, c, db, nil, 0, 1, 2, 3)
	_, err := mig.Migrate(ctx)
	require.NoError(t, err)

	var killed *chtest.Node
	t.Cleanup(func() {
		if killed != nil {
			require.NoError(t, killed.Start(context.Background()))
		}
	})
	hook := func() {
		// The INSERT is open on exactly one node, as the initial query.
		for i, n := range c.Nodes {
			var q uint64
			require.NoError(t, nodeStore(t, c, i, db).Conn().QueryRow(ctx,
				"SELECT count() FROM system.processes WHERE is_initial_query AND query LIKE ?", "INSERT INTO "+db+".timeline_events (%").Scan(&q))
			if q > 0 {
				killed = n
				n.Kill()
				return
			}
		}
	}
	logs := &logBuffer{}
	st, err := store.Open(ctx, store.Options{Addresses: c.Addrs(), Database: db, Cluster: chtest.ClusterName, DialTimeout: 2 * time.Second,
		Logger: slog.New(slog.NewTextHandler(logs, nil)),
		WrapConn: func(conn driver.Conn) driver.Conn {
			return &killOnInsert{Conn: conn, table: "timeline_events", hook: hook}
		}})
	require.NoError(t, err)
	defer st.Close()
	storeOrg(ctx, t, st, o)
	require.NotNil(t, killed, "no node held the insert")
	require.Contains(t, logs.String(), "insert failed, retrying on another connection")
	require.Contains(t, logs.String(), "table=timeline_events")

	require.NoError(t, killed.Start(ctx))
	killed = nil
	syncReplicas(ctx, t, c, db)
	require.Equal(t, wantCounts(t, o), counts(ctx, t, st))
}

// TestClusterNodeDownAtStart: with one node down, a pending migration is
// refused at once naming the node (nothing queued in ZooKeeper), while an
// up-to-date schema starts at once, through the other addresses, and the
// store reads and writes.
func TestClusterNodeDownAtStart(t *testing.T) {
	ctx := context.Background()
	c := chtest.TestCluster(t)
	o := testOrg(t)
	db := chtest.ClusterDatabase(t, c)
	down := c.Nodes[3]
	down.Stop()
	t.Cleanup(func() { require.NoError(t, down.Start(context.Background())) })

	st := openCluster(t, c, db, nil, 3, 0, 1, 2) // the stopped node first
	before := ddlTasks(ctx, t, st)
	began := time.Now()
	_, err := st.Migrate(ctx)
	var unreachable *store.UnreachableHostsError
	require.ErrorAs(t, err, &unreachable)
	require.Equal(t, []string{down.Addr}, unreachable.Hosts)
	require.Contains(t, err.Error(), down.Addr)
	require.Less(t, time.Since(began), 20*time.Second)
	require.Equal(t, before, ddlTasks(ctx, t, st))

	require.NoError(t, down.Start(ctx))
	res, err := st.Migrate(ctx)
	require.NoError(t, err)
	require.Len(t, res.Applied, migrationCount(t))

	down.Stop()
	began = time.Now()
	logs := &logBuffer{}
	again := openCluster(t, c, db, slog.New(slog.NewTextHandler(logs, nil)), 3, 2, 1, 0)
	res, err = again.Migrate(ctx)
	require.NoError(t, err)
	require.Empty(t, res.Applied)
	require.Contains(t, logs.String(), "unreachable="+down.Addr, "the down node is reported by name")
	require.NotContains(t, logs.String(), "load_balancing")
	require.NoError(t, again.CheckSchema(ctx))
	require.Less(t, time.Since(began), 20*time.Second)
	incs, _ := orgIncidents(o)
	require.NoError(t, again.UpsertIncidents(ctx, incs))
	n, err := again.Count(ctx, "incidents")
	require.NoError(t, err)
	require.Equal(t, uint64(len(incs)), n, "local rows: s1r1 %d, s1r2 %d, s2r1 %d; log:\n%s",
		localRows(ctx, t, c, 0, db, "incidents"), localRows(ctx, t, c, 1, db, "incidents"), localRows(ctx, t, c, 2, db, "incidents"), logs.String())
}

// migrationCount is the number of embedded migrations, so adding one does not
// break these tests.
func migrationCount(t *testing.T) int {
	t.Helper()
	migs, err := store.Migrations(store.DDLOptions{Database: "aftermath"})
	require.NoError(t, err)
	return len(migs)
}
