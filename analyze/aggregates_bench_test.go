package analyze

import (
	"context"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/analyze/actions"
	"github.com/aftermath-sre/aftermath/analyze/internal/calc"
	"github.com/aftermath-sre/aftermath/analyze/process"
	"github.com/aftermath-sre/aftermath/analyze/recurrence"
	"github.com/aftermath-sre/aftermath/analyze/response"
	"github.com/aftermath-sre/aftermath/simulate/org"
)

// BenchmarkAggregateSteps measures the steps whose measures ClickHouse
// aggregates (response, slo, actions, process, recurrence) one by one on a
// loaded org, next to reading the incident, postmortem and action-item rows
// into the process (what those steps needed before): wall time, the Go
// heap's high-water mark above the heap before the step (sampled every 5
// ms), and the bytes allocated.
//
//	AFTERMATH_BENCH_LARGE=1 [AFTERMATH_BENCH_SCALE=medium] go test ./analyze -run '^$' -bench AggregateSteps -benchtime 1x -timeout 60m
func BenchmarkAggregateSteps(b *testing.B) {
	if os.Getenv("AFTERMATH_BENCH_LARGE") != "1" {
		b.Skip("set AFTERMATH_BENCH_LARGE=1 to load the large org (several minutes of setup)")
	}
	ctx := context.Background()
	scale := org.ScaleLarge
	if s := os.Getenv("AFTERMATH_BENCH_SCALE"); s != "" {
		scale = org.Scale(s)
	}
	st, loaded := benchStore(b, scale)
	if !loaded {
		loadInChild(b, st, scale) // the benchmark process never holds the org
	}
	ps := calc.NewPeriods(org.DefaultEnd(), time.UTC, 13)
	teams, err := newTeamNamer(nil).labels(ctx, st)
	if err != nil {
		b.Fatal(err)
	}
	slos := []SLO{{Service: "checkout-api", Target: 0.999, Window: WindowCalendarMonth, Severities: []string{"SEV1", "SEV2"}, HourlyCost: 1000}}
	steps := []struct {
		name string
		run  func() (int, error) // results or rows
	}{
		{"rows: incidents+postmortems+items", func() (int, error) {
			incs, err := st.AnalysisIncidents(ctx)
			if err != nil {
				return 0, err
			}
			pms, err := st.AnalysisPostmortems(ctx)
			if err != nil {
				return 0, err
			}
			items, err := st.AnalysisActionItems(ctx)
			n := len(incs) + len(pms) + len(items)
			runtime.KeepAlive(incs)
			runtime.KeepAlive(pms)
			runtime.KeepAlive(items)
			return n, err
		}},
		{AnalysisResponse, func() (int, error) {
			r, err := response.Compute(ctx, st, response.Input{Periods: ps, Teams: teams})
			return len(r), err
		}},
		{AnalysisSLO, func() (int, error) {
			r, err := response.ComputeSLO(ctx, st, slos, ps, time.UTC)
			return len(r), err
		}},
		{AnalysisActions, func() (int, error) {
			r, it, err := actions.Compute(ctx, st, actions.Input{Periods: ps, Teams: teams, Options: actions.Options{MaxItemSeries: 200,
				StaleAfter: map[string]time.Duration{"P1": 7 * 24 * time.Hour, "P3": 30 * 24 * time.Hour}}})
			return len(r) + len(it), err
		}},
		{AnalysisProcess, func() (int, error) {
			r, it, err := process.Compute(ctx, st, process.Input{Periods: ps, Teams: teams, Options: process.Options{MaxItemSeries: 200}})
			return len(r) + len(it), err
		}},
		{AnalysisRecurrence, func() (int, error) {
			r, it, err := recurrence.Compute(ctx, st, recurrence.Input{Periods: ps, Teams: teams})
			return len(r) + len(it), err
		}},
	}
	b.ResetTimer()
	for b.Loop() {
		for _, s := range steps {
			runtime.GC()
			var m0 runtime.MemStats
			runtime.ReadMemStats(&m0)
			peak := m0.HeapAlloc
			stop := make(chan struct{})
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				t := time.NewTicker(5 * time.Millisecond)
				defer t.Stop()
				var m runtime.MemStats
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
			t0 := time.Now()
			n, err := s.run()
			wall := time.Since(t0)
			close(stop)
			wg.Wait()
			if err != nil {
				b.Fatal(s.name, err)
			}
			var m1 runtime.MemStats
			runtime.ReadMemStats(&m1)
			peak = max(peak, m1.HeapAlloc)
			b.Logf("%s (%s): %.2fs wall, heap peak +%.1f MiB, %.1f MiB allocated, %d results/rows", s.name, scale, wall.Seconds(),
				float64(peak-m0.HeapAlloc)/(1<<20), float64(m1.TotalAlloc-m0.TotalAlloc)/(1<<20), n)
		}
	}
}
