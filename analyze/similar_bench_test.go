package analyze

import (
	"context"
	"encoding/json"
	"os"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/simulate/org"
)

// BenchmarkSimilarMany measures what the digest's "Seen before" costs on a
// generated org (the large one by default): SimilarMany for the 10 most
// recent postmortems, top 3 each. The org is loaded by a child process and
// analyzed once (so themes exist) as in BenchmarkAnalyzeLarge; neither is
// measured. Each op reports its wall time, CPU (user+sys of this process),
// the peak RSS of the process during it (VmHWM, reset before it) and that
// peak over the RSS before it:
//
//	AFTERMATH_BENCH_LARGE=1 go test ./analyze -run '^$' -bench SimilarMany -benchtime 1x -timeout 60m
//
// AFTERMATH_BENCH_SCALE and AFTERMATH_BENCH_DB as for BenchmarkAnalyzeLarge
// (a kept database that has an analysis run is not analyzed again).
// AFTERMATH_BENCH_SIMILAR_OUT=file writes the matches as JSON, to compare
// two versions of the search bit for bit (JSON floats round-trip).
func BenchmarkSimilarMany(b *testing.B) {
	ctx := context.Background()
	b.StopTimer()
	st, scale := benchOrg(b)
	if _, ok, err := st.LatestAnalysisRun(ctx); err != nil {
		b.Fatal(err)
	} else if !ok {
		t0 := time.Now()
		if _, err := Run(ctx, st, testOptions(org.DefaultEnd(), time.UTC, nil)); err != nil {
			b.Fatal(err)
		}
		b.Logf("setup: analysis run in %v", time.Since(t0).Round(time.Second))
	}
	// The 10 newest postmortems, as a digest quotes recent ones.
	rows, err := st.Conn().Query(ctx, "SELECT key FROM "+st.Table("postmortems")+" FINAL ORDER BY created_at DESC, key LIMIT 10")
	if err != nil {
		b.Fatal(err)
	}
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			b.Fatal(err)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	rows.Close()
	postmortems, err := st.Count(ctx, "postmortems")
	if err != nil {
		b.Fatal(err)
	}
	factors, err := st.Count(ctx, "contributing_factors")
	if err != nil {
		b.Fatal(err)
	}
	var got map[string][]SimilarPostmortem
	for i := 0; i < b.N; i++ {
		got = nil
		runtime.GC()
		debug.FreeOSMemory()
		base := rssKiB("VmRSS")
		resetPeakRSS(b)
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		load0 := loadAvg()
		cpu0, t0 := cpuSeconds(), time.Now()
		b.StartTimer()
		got, err = SimilarMany(ctx, st, keys, 3)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		wall, cpu, peak := time.Since(t0), cpuSeconds()-cpu0, rssKiB("VmHWM")
		runtime.ReadMemStats(&ms1)
		b.ReportMetric(wall.Seconds(), "s")
		b.ReportMetric(cpu, "cpu-s")
		b.ReportMetric(float64(peak)/1024, "peak-RSS-MiB")
		b.ReportMetric(float64(peak-base)/1024, "added-RSS-MiB")
		b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/(1<<20), "alloc-MiB")
		b.Logf("%s org (%d postmortem rows, %d factor rows): SimilarMany of %d keys in %v (CPU %.1f s), RSS %d MiB before, peak %d MiB, %d MiB allocated; load average %s -> %s",
			scale, postmortems, factors, len(keys), wall.Round(10*time.Millisecond), cpu, base/1024, peak/1024,
			(ms1.TotalAlloc-ms0.TotalAlloc)>>20, load0, loadAvg())
	}
	if len(got) != len(keys) {
		b.Fatalf("%d of %d keys have matches", len(got), len(keys))
	}
	if out := os.Getenv("AFTERMATH_BENCH_SIMILAR_OUT"); out != "" {
		data, err := json.MarshalIndent(got, "", " ")
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(out, data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
}
