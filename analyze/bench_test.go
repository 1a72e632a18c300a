package analyze

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/analyze/themes"
	"github.com/aftermath-sre/aftermath/simulate/org"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// BenchmarkAnalyzeLarge is a full analysis of the large org (~100k
// incidents, ~20k postmortems, ~80k factors, ~100k action items). Loading
// the org into ClickHouse is setup and not measured; the reported peak RSS
// is the process's high-water mark during the runs only (reset through
// /proc/self/clear_refs after setup):
//
//	AFTERMATH_BENCH_LARGE=1 go test ./analyze -run '^$' -bench AnalyzeLarge -benchtime 1x -timeout 60m
//
// With AFTERMATH_TEST_CLICKHOUSE_ADDR (a running server) and
// AFTERMATH_BENCH_DB=name the loaded org is kept in database name_large and
// reused by later runs (which then measure without the setup).
func BenchmarkAnalyzeLarge(b *testing.B) {
	if os.Getenv("AFTERMATH_BENCH_LARGE") != "1" {
		b.Skip("set AFTERMATH_BENCH_LARGE=1 to load the large org (several minutes of setup)")
	}
	ctx := context.Background()
	scale := org.ScaleLarge
	if s := os.Getenv("AFTERMATH_BENCH_SCALE"); s != "" {
		scale = org.Scale(s) // e.g. medium, for a quicker look
	}
	st, loaded := benchStore(b, scale)
	end := org.DefaultEnd()
	if !loaded {
		t0 := time.Now()
		o, err := org.Generate(org.Options{Seed: 7, Scale: scale})
		if err != nil {
			b.Fatal(err)
		}
		storeOrg(ctx, b, st, o)
		b.Logf("setup: generated and stored the %s org in %v (incidents=%d postmortems=%d action_items=%d)", scale,
			time.Since(t0).Round(time.Second), len(o.Incidents), len(o.Postmortems), len(o.ActionItems))
	}
	var err error
	runtime.GC()
	debug.FreeOSMemory()
	base := rssKiB("VmRSS")
	resetPeakRSS(b)

	opts := testOptions(end, time.UTC, []SLO{{Service: "checkout-api", Target: 0.999, Window: WindowCalendarMonth, Severities: []string{"SEV1", "SEV2"}, HourlyCost: 1000}})
	opts.MaxItemSeries = 200
	var sum RunSummary
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for b.Loop() {
		sum, err = Run(ctx, st, opts)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
	peak := rssKiB("VmHWM")
	b.ReportMetric(float64(peak)/1024, "peak-RSS-MiB")
	b.ReportMetric(float64(base)/1024, "base-RSS-MiB")
	var parts []string
	for _, k := range []string{"load", AnalysisResponse, AnalysisSLO, AnalysisActions, AnalysisProcess, AnalysisLanguage, AnalysisThemes, AnalysisRecurrence, "write"} {
		parts = append(parts, fmt.Sprintf("%s=%.2fs", k, sum.Durations[k].Seconds()))
	}
	b.Logf("run: incidents=%d postmortems=%d factors=%d action_items=%d themes=%d results=%d items=%d; %s",
		sum.Incidents, sum.Postmortems, sum.Factors, sum.ActionItems, sum.Themes, sum.Results, sum.Items, strings.Join(parts, " "))
}

// BenchmarkClusterFactors measures clustering time against the number of
// the simulator's factor texts (the large org's, topped up with a second
// large org's under other ids beyond its ~80k):
//
//	AFTERMATH_BENCH_LARGE=1 go test ./analyze -run '^$' -bench ClusterFactors -benchtime 1x -timeout 60m
func BenchmarkClusterFactors(b *testing.B) {
	if os.Getenv("AFTERMATH_BENCH_LARGE") != "1" {
		b.Skip("set AFTERMATH_BENCH_LARGE=1 to generate the large org")
	}
	var items []themes.Item
	for seed := int64(7); len(items) < 100_000; seed++ {
		o, err := org.Generate(org.Options{Seed: seed, Scale: org.ScaleLarge})
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range o.Postmortems {
			for _, f := range p.Doc.Factors {
				items = append(items, themes.Item{ID: strconv.FormatInt(seed, 10) + "/" + FactorID(p.Key, f.Ordinal), Text: f.Name + ". " + f.Text})
			}
		}
	}
	runtime.GC()
	for _, n := range []int{10_000, 50_000, 100_000} {
		b.Run(fmt.Sprintf("factors=%d", n), func(b *testing.B) {
			cpu0 := cpuSeconds()
			for b.Loop() {
				res, err := themes.Cluster(items[:n], nil, themes.Options{})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(len(res.Themes)), "themes")
			}
			b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
		})
	}
}

// benchStore is a fresh test database, or with AFTERMATH_BENCH_DB the named
// database on AFTERMATH_TEST_CLICKHOUSE_ADDR, kept between runs; loaded
// reports whether it already holds the org.
func benchStore(b *testing.B, scale org.Scale) (*store.Store, bool) {
	name := os.Getenv("AFTERMATH_BENCH_DB")
	if name == "" {
		return chtest.Store(b), false
	}
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Addresses: []string{chtest.Addr(b)}, Database: name + "_" + string(scale)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	n, err := st.Count(ctx, "incidents")
	if err != nil {
		b.Fatal(err)
	}
	return st, n > 0
}

// cpuSeconds is the process's user and system CPU time so far (the
// analysis's own share of contended cores; ClickHouse's is not included).
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func rssKiB(field string) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, field+":") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				n, _ := strconv.ParseInt(f[1], 10, 64)
				return n
			}
		}
	}
	return 0
}

// resetPeakRSS resets VmHWM to the current RSS (Linux: "5" to clear_refs).
func resetPeakRSS(b *testing.B) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Logf("cannot reset the peak RSS (%v): peak includes setup", err)
	}
}
