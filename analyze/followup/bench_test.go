package followup_test

import (
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/analyze/followup"
	"github.com/aftermath-sre/aftermath/simulate/org"
)

// BenchmarkClassify classifies every action-item summary of the small
// simulated org once per iteration.
//
//	go test ./analyze/followup -run '^$' -bench Classify -benchmem
func BenchmarkClassify(b *testing.B) {
	o, err := org.Generate(org.Options{Seed: 1, Scale: org.ScaleSmall, End: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		b.Fatal(err)
	}
	texts := make([]string, len(o.ActionItems))
	for i, a := range o.ActionItems {
		texts[i] = a.Summary
	}
	b.ResetTimer()
	for range b.N {
		for _, s := range texts {
			followup.Classify(s)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(texts)), "ns/item")
}
