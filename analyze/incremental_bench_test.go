package analyze

import (
	"context"
	"log/slog"
	"os"
	"runtime"
	"sort"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/analyze/internal/calc"
	"github.com/aftermath-sre/aftermath/analyze/themes"
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
		// The two runs share a Memo, as `serve`'s scheduled runs do;
		// AFTERMATH_BENCH_NO_MEMO=1 leaves it out (a one-shot `aftermath
		// analyze` has none to share).
		if os.Getenv("AFTERMATH_BENCH_NO_MEMO") != "1" {
			opts.Memo = NewMemo()
		}
		measureRun(ctx, b, st, opts, "first")
		if err := st.UpsertPostmortems(ctx, lateRows); err != nil {
			b.Fatal(err)
		}
		measureRun(ctx, b, st, opts, "second")
		if opts.Memo != nil {
			used, drawn := opts.Memo.Bootstraps()
			b.Logf("second run: change step drew %d of its %d bootstraps (the others from the first run)", drawn, used)
		}
		// A new person (an assignee no stored text mentions): the people the
		// blame check knows changed.
		at := org.DefaultEnd().Add(-time.Hour)
		if err := st.UpsertActionItems(ctx, []store.ActionItem{{Key: "BENCH-1", Summary: "Rotate the on-call schedule of the payments team",
			AssigneeID: "bench-new", AssigneeName: "Quinn Newcomer", CreatedAt: at, UpdatedAt: at}}); err != nil {
			b.Fatal(err)
		}
		measureRun(ctx, b, st, opts, "person")
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

// BenchmarkThemesStep measures the themes step alone (its own wall time and
// Go heap high-water mark above the heap before it, sampled every 5 ms) on
// the large org without its newest 1% of postmortems, with no stored
// features ("first"), then after the 1% arrive with the first's themes
// stored as the latest run ("warm"):
//
//	AFTERMATH_BENCH_LARGE=1 go test ./analyze -run '^$' -bench ThemesStep -benchtime 1x -timeout 60m
func BenchmarkThemesStep(b *testing.B) {
	if os.Getenv("AFTERMATH_BENCH_LARGE") != "1" {
		b.Skip("set AFTERMATH_BENCH_LARGE=1 to load the large org")
	}
	ctx := context.Background()
	scale := org.ScaleLarge
	if s := os.Getenv("AFTERMATH_BENCH_SCALE"); s != "" {
		scale = org.Scale(s)
	}
	log := slog.New(slog.DiscardHandler)
	ps := calc.NewPeriods(org.DefaultEnd(), time.UTC, 13)
	b.StopTimer()
	for i := 0; i < b.N; i++ {
		st := chtest.Store(b)
		late := storeAllButLatest(ctx, b, st, scale)
		step := func(name string) themeRun {
			d, err := load(ctx, st, newTeamNamer(nil))
			if err != nil {
				b.Fatal(err)
			}
			npm, err := st.Count(ctx, "postmortems")
			if err != nil {
				b.Fatal(err)
			}
			var th themeRun
			t0 := time.Now()
			b.StartTimer()
			peak := heapPeak(func() { th, err = clusterThemes(ctx, log, st, d, ps, themes.Options{}, nil) })
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			wall := time.Since(t0)
			b.ReportMetric(wall.Seconds(), name+"-s")
			b.ReportMetric(float64(peak)/(1<<20), name+"-heap-peak-MiB")
			b.ReportMetric(float64(peak)/1024/float64(npm), name+"-KiB/postmortem")
			b.Logf("%s: %v, heap peak +%.1f MiB; postmortems=%d factors=%d featurized=%d themes=%d warm=%v; load average %s", name,
				wall.Round(time.Millisecond), float64(peak)/(1<<20), npm, th.texts.Texts, th.texts.Analyzed,
				len(th.res.Themes), th.res.Warm, loadAvg())
			return th
		}
		first := step("first")
		if err := st.WriteThemes(ctx, "bench-1", org.DefaultEnd(), first.state, first.assignments); err != nil {
			b.Fatal(err)
		}
		if err := st.WriteAnalysis(ctx, store.AnalysisRun{ID: "bench-1", StartedAt: org.DefaultEnd(), FinishedAt: org.DefaultEnd(), Status: store.RunSuccess}, nil); err != nil {
			b.Fatal(err)
		}
		if err := st.UpsertPostmortems(ctx, late); err != nil {
			b.Fatal(err)
		}
		step("warm")
	}
}

// heapPeak runs f and returns the Go heap's high-water mark during it above
// the heap before it (sampled every 5 ms, garbage not yet collected
// included).
func heapPeak(f func()) uint64 {
	runtime.GC()
	var m0, m runtime.MemStats
	runtime.ReadMemStats(&m0)
	peak := m0.HeapAlloc
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapAlloc)
			}
		}
	}()
	f()
	close(stop)
	<-done
	runtime.ReadMemStats(&m)
	return max(peak, m.HeapAlloc) - m0.HeapAlloc
}
