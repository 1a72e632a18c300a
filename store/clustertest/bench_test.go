package clustertest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze"
	"github.com/aftermath-sre/aftermath/simulate/org"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// BenchmarkClusterVsSingle writes an organization into a single server and
// into the 2x2 cluster, and analyzes each, in one run:
//
//	AFTERMATH_CLUSTER_BENCH_SCALE=large go test ./store/clustertest -run '^$' -bench ClusterVsSingle -benchtime 1x -timeout 60m
//
// It reports the store's write time (the ingesters' batch sizes, without
// HTTP) and analyze.Run's wall time on each.
func BenchmarkClusterVsSingle(b *testing.B) {
	scale := org.Scale(os.Getenv("AFTERMATH_CLUSTER_BENCH_SCALE"))
	if scale == "" {
		b.Skip("set AFTERMATH_CLUSTER_BENCH_SCALE=small|medium|large")
	}
	ctx := context.Background()
	o, err := org.Generate(org.Options{Seed: 7, Scale: scale})
	require.NoError(b, err)
	c := chtest.TestCluster(b)
	for i := 0; i < b.N; i++ {
		single := chtest.Store(b)
		db := chtest.ClusterDatabase(b, c)
		cl := openCluster(b, c, db, nil, 0, 1, 2, 3)
		_, err := cl.Migrate(ctx)
		require.NoError(b, err)
		for _, tc := range []struct {
			name string
			st   *store.Store
		}{{"single", single}, {"cluster", cl}} {
			began := time.Now()
			storeOrgBatches(ctx, b, tc.st, o)
			write := time.Since(began)
			began = time.Now()
			sum, err := analyze.Run(ctx, tc.st, analysisOptions(o))
			require.NoError(b, err)
			run := time.Since(began)
			b.ReportMetric(write.Seconds(), tc.name+"_write_s")
			b.ReportMetric(run.Seconds(), tc.name+"_analyze_s")
			b.Logf("%s: %d incidents, %d postmortems, %d action items: write %s, analyze %s (load %s, write %s)", tc.name,
				sum.Incidents, sum.Postmortems, sum.ActionItems, write.Round(10*time.Millisecond), run.Round(10*time.Millisecond),
				sum.Durations["load"].Round(10*time.Millisecond), sum.Durations["write"].Round(10*time.Millisecond))
		}
	}
}

// storeOrgBatches writes o in the batch sizes of analyze's benchmarks.
func storeOrgBatches(ctx context.Context, t testing.TB, st *store.Store, o *org.Org) {
	t.Helper()
	incs, evs := orgIncidents(o)
	for i := 0; i < len(incs); i += 20000 {
		require.NoError(t, st.UpsertIncidents(ctx, incs[i:min(i+20000, len(incs))]))
	}
	for i := 0; i < len(evs); i += 200000 {
		require.NoError(t, st.UpsertTimelineEvents(ctx, evs[i:min(i+200000, len(evs))]))
	}
	pms := orgPostmortems(o)
	for i := 0; i < len(pms); i += 5000 {
		require.NoError(t, st.UpsertPostmortems(ctx, pms[i:min(i+5000, len(pms))]))
	}
	items := orgActionItems(o)
	for i := 0; i < len(items); i += 20000 {
		require.NoError(t, st.UpsertActionItems(ctx, items[i:min(i+20000, len(items))]))
	}
}
