package org

import (
	"runtime"
	"testing"
)

func BenchmarkGenerate(b *testing.B) {
	for _, sc := range []Scale{ScaleSmall, ScaleMedium, ScaleLarge} {
		b.Run(string(sc), func(b *testing.B) {
			if sc == ScaleLarge && testing.Short() {
				b.Skip("large skipped in -short mode")
			}
			b.ReportAllocs()
			var st Stats
			var o *Org
			for b.Loop() {
				var err error
				o, err = Generate(Options{Seed: 42, Scale: sc})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			st = o.Stats()
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "live_heap_MiB")
			runtime.KeepAlive(o)
			b.ReportMetric(float64(st.Incidents), "incidents")
			b.ReportMetric(float64(st.LogEntries), "log_entries")
			b.ReportMetric(float64(st.Postmortems), "postmortems")
			b.ReportMetric(float64(st.Factors), "factors")
			b.ReportMetric(float64(st.ActionItems), "action_items")
		})
	}
}
