package analyze

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze/themes"
	"github.com/aftermath-sre/aftermath/config"
	"github.com/aftermath-sre/aftermath/simulate/org"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// BenchmarkAnalyzeLarge is a full analysis of a generated org, by default
// the large one (~100k incidents), twice: "first" when no text was analyzed
// before (every factor featurized, every prose text and action item
// checked, as the first run after a backfill), then "rerun" on the same
// rows (every per-text result stored). The org is generated and written
// into ClickHouse by a child process (the test binary running
// TestBenchLoadOrg), in the ingesters' batch sizes through the store, so
// this process never holds it; that is setup and not measured. Each run
// reports its wall time, CPU (user+sys of this process) and peak RSS (VmHWM,
// reset through /proc/self/clear_refs before the run), and logs every
// step's duration and peak RSS ("step=seconds/MiB") and the load average:
//
//	AFTERMATH_BENCH_LARGE=1 go test ./analyze -run '^$' -bench AnalyzeLarge -benchtime 1x -timeout 60m
//
// AFTERMATH_BENCH_SCALE=small|medium|xlarge picks another scale. With
// AFTERMATH_TEST_CLICKHOUSE_ADDR (a running server) and
// AFTERMATH_BENCH_DB=name the loaded org is kept in database name_<scale>
// and reused by later runs (whose "first" run then finds the per-text
// results of earlier ones).
func BenchmarkAnalyzeLarge(b *testing.B) {
	ctx := context.Background()
	b.StopTimer()
	for i := 0; i < b.N; i++ {
		st, _ := benchOrg(b)
		opts := testOptions(org.DefaultEnd(), time.UTC, []SLO{{Service: "checkout-api", Target: 0.999, Window: WindowCalendarMonth, Severities: []string{"SEV1", "SEV2"}, HourlyCost: 1000}})
		opts.MaxItemSeries = 200
		// What a user gets by default (analysis.memory_limit_mib).
		opts.MemoryLimit = int64(config.Default().Analysis.MemoryLimitMiB) << 20
		if os.Getenv("AFTERMATH_BENCH_DEBUG") == "1" {
			opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		}
		// Shared by the two runs, as by `serve`'s; AFTERMATH_BENCH_NO_MEMO=1
		// leaves it out.
		if os.Getenv("AFTERMATH_BENCH_NO_MEMO") != "1" {
			opts.Memo = NewMemo()
		}
		for _, name := range []string{"first", "rerun"} {
			measureRun(ctx, b, st, opts, name)
		}
	}
}

// benchOrg skips the benchmark unless AFTERMATH_BENCH_LARGE=1, and returns
// a store holding the generated org of AFTERMATH_BENCH_SCALE (large by
// default): kept from an earlier run (see benchStore) or loaded now by a
// child process (loadInChild).
func benchOrg(b *testing.B) (*store.Store, org.Scale) {
	b.Helper()
	if os.Getenv("AFTERMATH_BENCH_LARGE") != "1" {
		b.Skip("set AFTERMATH_BENCH_LARGE=1 to load the large org (several minutes of setup)")
	}
	scale := org.ScaleLarge
	if s := os.Getenv("AFTERMATH_BENCH_SCALE"); s != "" {
		var err error
		if scale, err = org.ParseScale(s); err != nil {
			b.Fatal(err)
		}
	}
	st, loaded := benchStore(b, scale)
	if !loaded {
		loadInChild(b, st, scale)
	}
	return st, scale
}

// measureRun runs one analysis and reports its wall time, CPU and peak RSS
// under name, and logs its steps.
func measureRun(ctx context.Context, b *testing.B, st *store.Store, opts Options, name string) RunSummary {
	runtime.GC()
	debug.FreeOSMemory()
	base := rssKiB("VmRSS")
	resetPeakRSS(b)
	load0 := loadAvg()
	// The peak RSS of each step: VmHWM is read and reset as the next starts.
	stepPeak := map[string]int64{}
	var step string
	var peak int64
	endStep := func() {
		if p := rssKiB("VmHWM"); step != "" {
			stepPeak[step] = max(stepPeak[step], p)
			peak = max(peak, p)
		}
		resetPeakRSS(b)
	}
	stepStart := time.Now()
	heapDir := os.Getenv("AFTERMATH_BENCH_HEAPPROFILE")
	var curStep atomic.Value // the step running, for the collections' hook
	curStep.Store("")
	if heapDir != "" {
		stop := watchLiveHeap(b, heapDir, name, func() string { return curStep.Load().(string) })
		defer stop()
	}
	opts.beforeStep = func(s string) {
		endStep()
		if heapDir != "" && step != "" {
			writeHeapProfile(b, heapDir, name+"-"+step)
		}
		if step != "" {
			// Progress on stderr as it happens (b.Logf prints at the end):
			// a step that takes too long shows before the timeout. Steps
			// run in lanes at once (Run): the time and peak RSS are from
			// the previous step's start, whichever lane it is in; the
			// steps' own times are in the run's summary.
			fmt.Fprintf(os.Stderr, "bench %s: since %s started %v, peak RSS %d MiB; %s starts (load average %s)\n",
				name, step, time.Since(stepStart).Round(10*time.Millisecond), stepPeak[step]/1024, s, loadAvg())
		}
		step, stepStart = s, time.Now()
		curStep.Store(s)
	}
	if dir := os.Getenv("AFTERMATH_BENCH_CPUPROFILE"); dir != "" {
		f, err := os.Create(filepath.Join(dir, name+".cpu.pb.gz"))
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	cpu0, t0 := cpuSeconds(), time.Now()
	gc0 := gcCounters()
	b.StartTimer()
	sum, err := Run(ctx, st, opts)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	wall := time.Since(t0)
	endStep()
	if heapDir != "" && step != "" {
		writeHeapProfile(b, heapDir, name+"-"+step)
	}
	gc1 := gcCounters()
	b.ReportMetric(wall.Seconds(), name+"-s")
	b.ReportMetric(cpuSeconds()-cpu0, name+"-cpu-s")
	// The collector's CPU limiter lets the heap grow past the memory limit
	// when collecting would take more than about half the CPU: a run whose
	// peak is well over the limit says here whether that happened.
	limiter := "never"
	if gc1.limiterCycle > gc0.cycles {
		limiter = fmt.Sprintf("last at cycle %d of the run", gc1.limiterCycle-gc0.cycles)
	}
	fmt.Fprintf(os.Stderr, "bench %s: %d collections; the collector's CPU limiter was on %s\n", name, gc1.cycles-gc0.cycles, limiter)
	b.ReportMetric(float64(peak)/1024, name+"-peak-RSS-MiB")
	// What the run itself added: its peak over the process before it.
	if sum.Postmortems > 0 {
		b.ReportMetric(float64(peak-base)/float64(sum.Postmortems), name+"-KiB/postmortem")
	}
	steps := make([]string, 0, len(sum.Durations))
	for k := range sum.Durations {
		steps = append(steps, k)
	}
	sort.Strings(steps)
	var parts []string
	for _, k := range steps {
		parts = append(parts, fmt.Sprintf("%s=%.2fs/%dMiB", k, sum.Durations[k].Seconds(), stepPeak[k]/1024))
	}
	b.Logf("%s run: %v wall, RSS %d MiB before, peak %d MiB; incidents=%d postmortems=%d factors=%d action_items=%d themes=%d results=%d items=%d; texts analyzed=%d; load average %s -> %s; %s",
		name, wall.Round(10*time.Millisecond), base/1024, peak/1024, sum.Incidents, sum.Postmortems, sum.Factors, sum.ActionItems,
		sum.Themes, sum.Results, sum.Items, sum.TextsAnalyzed, load0, loadAvg(), strings.Join(parts, " "))
	return sum
}

// watchLiveHeap writes, after each collection, the heap profile of the
// step running when its live heap is the step's largest so far, to
// dir/<name>-<step>-maxlive.pb.gz (the profile is of the collection
// before: close enough to find what is held). It returns a stop function.
func watchLiveHeap(b *testing.B, dir, name string, step func() string) func() {
	var stopped atomic.Bool
	maxLive := map[string]uint64{}
	type sentinel struct{ _ [16]byte }
	var arm func()
	arm = func() {
		x := &sentinel{}
		runtime.SetFinalizer(x, func(*sentinel) {
			if stopped.Load() {
				return
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if s := step(); s != "" && ms.HeapAlloc > maxLive[s] {
				maxLive[s] = ms.HeapAlloc
				if f, err := os.Create(filepath.Join(dir, name+"-"+s+"-maxlive.pb.gz")); err == nil {
					_ = pprof.Lookup("heap").WriteTo(f, 0)
					f.Close()
				}
			}
			arm()
		})
	}
	arm()
	return func() {
		stopped.Store(true)
		for s, v := range maxLive {
			fmt.Fprintf(os.Stderr, "max live heap %s-%s: %d MiB\n", name, s, v>>20)
		}
	}
}

// writeHeapProfile writes the live heap after a collection, as a step ends,
// to dir/<name>.pb.gz (AFTERMATH_BENCH_HEAPPROFILE=dir; the forced
// collections change the peak RSS, so profile and measure in separate runs).
// Read with go tool pprof -top -inuse_space.
func writeHeapProfile(b *testing.B, dir, name string) {
	runtime.GC()
	f, err := os.Create(filepath.Join(dir, name+".pb.gz"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		b.Fatal(err)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(os.Stderr, "heap after %s: %d MiB live\n", name, ms.HeapAlloc>>20)
}

// loadInChild generates the org of scale (seed 7) and writes it into st's
// database in a child process (this test binary running TestBenchLoadOrg),
// so the benchmark process never holds the generated org.
func loadInChild(b *testing.B, st *store.Store, scale org.Scale) {
	t0 := time.Now()
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchLoadOrg$", "-test.v", "-test.timeout=0")
	cmd.Env = append(os.Environ(), "AFTERMATH_BENCH_LOAD_ADDR="+chtest.Addr(b), "AFTERMATH_BENCH_LOAD_DB="+st.Database(),
		"AFTERMATH_BENCH_LOAD_SCALE="+string(scale))
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("load the %s org in a child process: %v\n%s", scale, err, out)
	}
	var maxRSS int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		maxRSS = ru.Maxrss / 1024
	}
	var summary string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "stored the") {
			summary = strings.TrimSpace(l)
		}
	}
	b.Logf("setup (child process, peak RSS %d MiB): %s; %v in all", maxRSS, summary, time.Since(t0).Round(time.Second))
	waitForMerges(b, st)
}

// waitForMerges waits, at most ten minutes, until the server has run no
// merge of st's database for three seconds in a row. A bulk load leaves
// minutes of merges behind (the xlarge org's 1M incidents and 5.9M timeline
// events arrive in a few hundred inserts), which would share the two cores
// with the first run; a database the ingesters feed merges as it goes, so
// the runs are measured on one at rest. The wait is logged, not measured.
func waitForMerges(b *testing.B, st *store.Store) {
	ctx := context.Background()
	t0 := time.Now()
	for quiet := 0; quiet < 3 && time.Since(t0) < 10*time.Minute; time.Sleep(time.Second) {
		var n uint64
		if err := st.Conn().QueryRow(ctx, "SELECT count() FROM system.merges WHERE database = ?", st.Database()).Scan(&n); err != nil {
			b.Fatalf("merges after the load: %v", err)
		}
		if n > 0 {
			quiet = 0
		} else {
			quiet++
		}
	}
	b.Logf("setup: the load's merges took %v more", time.Since(t0).Round(time.Second))
}

// TestBenchLoadOrg is the child process of the analysis benchmarks (see
// loadInChild); it skips unless they start it. Run by hand it loads an org
// into a database to keep (then named name_<scale> for AFTERMATH_BENCH_DB):
//
//	AFTERMATH_BENCH_LOAD_ADDR=127.0.0.1:9000 AFTERMATH_BENCH_LOAD_DB=amb_xlarge AFTERMATH_BENCH_LOAD_SCALE=xlarge \
//	  go test ./analyze -run '^TestBenchLoadOrg$' -v -timeout 0
func TestBenchLoadOrg(t *testing.T) {
	db := os.Getenv("AFTERMATH_BENCH_LOAD_DB")
	if db == "" {
		t.Skip("the analysis benchmarks' loader, run in a child process by them")
	}
	scale, err := org.ParseScale(os.Getenv("AFTERMATH_BENCH_LOAD_SCALE"))
	require.NoError(t, err)
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Addresses: []string{os.Getenv("AFTERMATH_BENCH_LOAD_ADDR")}, Database: db})
	require.NoError(t, err)
	defer st.Close()
	_, err = st.Migrate(ctx) // already done when the benchmark started it
	require.NoError(t, err)
	t0 := time.Now()
	o, err := org.Generate(org.Options{Seed: 7, Scale: scale})
	require.NoError(t, err)
	gen := time.Since(t0)
	storeOrgChunked(ctx, t, st, o)
	t.Logf("stored the %s org: incidents=%d postmortems=%d action_items=%d; generated in %v, written in %v", scale,
		len(o.Incidents), len(o.Postmortems), len(o.ActionItems), gen.Round(time.Second), (time.Since(t0) - gen).Round(time.Second))
}

// storeOrgChunked is storeOrg converting one batch at a time (an xlarge
// org's rows, converted at once, would need several GiB more).
func storeOrgChunked(ctx context.Context, t testing.TB, st *store.Store, o *org.Org) {
	t.Helper()
	part := *o
	const chunk = 20000
	for i := 0; i < len(o.Incidents); i += chunk {
		part.Incidents = o.Incidents[i:min(i+chunk, len(o.Incidents))]
		incs, evs := orgIncidents(&part)
		require.NoError(t, st.UpsertIncidents(ctx, incs))
		require.NoError(t, st.UpsertTimelineEvents(ctx, evs))
	}
	for i := 0; i < len(o.Postmortems); i += 5000 {
		part.Postmortems = o.Postmortems[i:min(i+5000, len(o.Postmortems))]
		require.NoError(t, st.UpsertPostmortems(ctx, orgPostmortems(&part)))
	}
	for i := 0; i < len(o.ActionItems); i += chunk {
		part.ActionItems = o.ActionItems[i:min(i+chunk, len(o.ActionItems))]
		require.NoError(t, st.UpsertActionItems(ctx, orgActionItems(&part)))
	}
}

// loadAvg is the 1-minute load average (the cores are shared).
func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(data))[0]
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

type gcCount struct{ cycles, limiterCycle uint64 }

// gcCounters reads the collections completed so far and the collection
// during which the collector's CPU limiter was last on (0: never).
func gcCounters() gcCount {
	ss := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/gc/limiter/last-enabled:gc-cycle"}}
	metrics.Read(ss)
	var c gcCount
	if ss[0].Value.Kind() == metrics.KindUint64 {
		c.cycles = ss[0].Value.Uint64()
	}
	if ss[1].Value.Kind() == metrics.KindUint64 {
		c.limiterCycle = ss[1].Value.Uint64()
	}
	return c
}
