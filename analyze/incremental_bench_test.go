package analyze

import (
	"context"
	"log/slog"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/simulate/org"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// BenchmarkAnalyzeIncremental measures what the per-text results save: a
// first analysis of an org whose texts were never analyzed, then, after the
// newest 1% of postmortems (with their factors) arrive, a second one. Wall
// time, CPU and peak RSS of each run are reported, and the run's peak over
// the process's RSS before it, per postmortem; generating and loading the
// org is setup (the generated org is dropped before the runs). With
// AFTERMATH_BENCH_DEBUG=1 the runs log their steps at debug level:
//
//	AFTERMATH_BENCH_LARGE=1 go test ./analyze -run '^$' -bench AnalyzeIncremental -benchtime 1x -timeout 60m
//
// AFTERMATH_BENCH_SCALE=medium (or small) runs it on a smaller org.
func BenchmarkAnalyzeIncremental(b *testing.B) {
	if os.Getenv("AFTERMATH_BENCH_LARGE") != "1" {
		b.Skip("set AFTERMATH_BENCH_LARGE=1 to load the large org (several minutes of setup)")
	}
	ctx := context.Background()
	scale := org.ScaleLarge
	if s := os.Getenv("AFTERMATH_BENCH_SCALE"); s != "" {
		scale = org.Scale(s)
	}
	b.StopTimer()
	for i := 0; i < b.N; i++ {
		st := chtest.Store(b)
		lateRows := storeAllButLatest(ctx, b, st, scale)

		opts := testOptions(org.DefaultEnd(), time.UTC, nil)
		opts.MaxItemSeries = 200
		if os.Getenv("AFTERMATH_BENCH_DEBUG") == "1" {
			opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		}
		measureRun(ctx, b, st, opts, "first")
		if err := st.UpsertPostmortems(ctx, lateRows); err != nil {
			b.Fatal(err)
		}
		measureRun(ctx, b, st, opts, "second")
	}
}

// storeAllButLatest generates the org of scale and stores it without its
// newest 1% of postmortems, which it returns. The generated org is setup:
// it is not held once this returns, so the runs' memory is their own.
func storeAllButLatest(ctx context.Context, b *testing.B, st *store.Store, scale org.Scale) []store.Postmortem {
	o, err := org.Generate(org.Options{Seed: 7, Scale: scale})
	if err != nil {
		b.Fatal(err)
	}
	sort.SliceStable(o.Postmortems, func(i, j int) bool { return o.Postmortems[i].CreatedAt.Before(o.Postmortems[j].CreatedAt) })
	cut := len(o.Postmortems) - max(1, len(o.Postmortems)/100)
	late := o.Postmortems[cut:]
	o.Postmortems = o.Postmortems[:cut]
	storeOrg(ctx, b, st, o)
	o.Postmortems = append(o.Postmortems, late...)
	return orgPostmortems(o)[cut:]
}
