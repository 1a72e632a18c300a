package language_test

import (
	"os"
	"runtime"
	"sync"
	"syscall"
	"testing"

	"github.com/aftermath-sre/aftermath/analyze/language"
	"github.com/aftermath-sre/aftermath/simulate/org"
)

// BenchmarkLanguageLargeOrg checks every prose field of every postmortem and
// every action item of the large simulated org the way the analyzer does
// (one Checker, GOMAXPROCS workers), without the store:
//
//	AFTERMATH_BENCH_LARGE=1 go test ./analyze/language -run '^$' -bench LanguageLargeOrg -benchtime 3x
func BenchmarkLanguageLargeOrg(b *testing.B) {
	if os.Getenv("AFTERMATH_BENCH_LARGE") != "1" {
		b.Skip("set AFTERMATH_BENCH_LARGE=1 to generate the large org")
	}
	o, err := org.Generate(org.Options{Seed: 7, Scale: org.ScaleLarge})
	if err != nil {
		b.Fatal(err)
	}
	var names []string
	for _, u := range o.Users {
		names = append(names, u.Name)
	}
	texts := orgProseTexts(o)
	b.Logf("postmortems=%d prose fields=%d action items=%d", len(o.Postmortems), len(texts), len(o.ActionItems))
	c := language.NewChecker(language.BlameOptions{Names: names}) // loads the tagger model outside the timing
	_ = c.CheckActionItem("Improve monitoring", true, true)
	b.ResetTimer()
	var blameCPU, actionCPU float64
	for b.Loop() {
		c := language.NewChecker(language.BlameOptions{Names: names})
		t0 := cpuSeconds()
		parallel(len(texts), func(i int) { _ = c.CheckBlame(texts[i]) })
		t1 := cpuSeconds()
		parallel(len(o.ActionItems), func(i int) {
			a := &o.ActionItems[i]
			_ = c.CheckActionItem(a.Summary, a.AssigneeID != "", true)
		})
		blameCPU += t1 - t0
		actionCPU += cpuSeconds() - t1
	}
	b.ReportMetric(blameCPU/float64(b.N), "blame-cpu-s/op")
	b.ReportMetric(actionCPU/float64(b.N), "action-cpu-s/op")
}

func parallel(n int, f func(i int)) {
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += workers {
				f(i)
			}
		}(w)
	}
	wg.Wait()
}

// cpuSeconds is the process's user+system CPU time: on a shared machine it
// is steadier than wall time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
