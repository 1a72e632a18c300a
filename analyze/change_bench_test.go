package analyze

import (
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/analyze/change"
	"github.com/aftermath-sre/aftermath/analyze/internal/calc"
	"github.com/aftermath-sre/aftermath/simulate/org"
)

// BenchmarkChangeLarge times the change step alone on the large org's
// incidents (13 months: bands of every period, comparisons of 12).
func BenchmarkChangeLarge(b *testing.B) {
	o := testOrg(b, org.ScaleLarge)
	incs, _ := orgIncidents(o)
	for i := range incs {
		incs[i].TeamName = TeamKey(incs[i].TeamName)
	}
	ps := calc.NewPeriods(o.End, time.UTC, 13)
	b.ResetTimer()
	var rows int
	for b.Loop() {
		rows = len(computeChange(incs, ps, change.Resamples, changeInputs{}))
	}
	b.ReportMetric(float64(len(incs)), "incidents")
	b.ReportMetric(float64(rows), "results")
}
