package analyze

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/store"
)

func TestCheckResults(t *testing.T) {
	row := func(analysis, metric string, kv ...string) store.Result {
		r := store.Result{Analysis: analysis, Metric: metric, Value: 1}
		for i := 0; i+1 < len(kv); i += 2 {
			r.LabelNames = append(r.LabelNames, kv[i])
			r.LabelValues = append(r.LabelValues, kv[i+1])
		}
		return r
	}
	good := []store.Result{
		row(AnalysisSLO, "error_budget_burn_rate", "service", "checkout", "range", "1h"),
		row(AnalysisResponse, "incident_ack_duration_seconds_bucket", "severity", "SEV1", "le", "60"),
		row(AnalysisResponse, "incident_ack_duration_seconds_count", "severity", "SEV1"),
		row(AnalysisThemes, "themes"),
	}
	require.NoError(t, checkResults(good))
	for _, tc := range []struct {
		name string
		r    store.Result
		want string
	}{
		{"unknown metric", row(AnalysisSLO, "error_budget_burn", "service", "checkout", "range", "1h"), `result "error_budget_burn" of analysis slo is not in the metrics catalogue`},
		{"wrong analysis", row(AnalysisResponse, "error_budget_burn_rate", "service", "checkout", "range", "1h"), "written by analysis response, catalogued under slo"},
		{"labels out of order", row(AnalysisSLO, "error_budget_burn_rate", "range", "1h", "service", "checkout"), "want [service, range]"},
		{"bucket without le", row(AnalysisResponse, "incident_ack_duration_seconds_bucket", "severity", "SEV1"), "want [severity, le]"},
		{"exporter self metric", row(AnalysisRun, "up"), "not in the metrics catalogue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorContains(t, checkResults(append(append([]store.Result(nil), good...), tc.r)), tc.want)
		})
	}
}

func TestFormatLe(t *testing.T) {
	require.Equal(t, "+Inf", FormatLe(math.Inf(1)))
	require.Equal(t, "60", FormatLe(60))
	require.Equal(t, "604800", FormatLe(604800))
	require.Equal(t, "0.5", FormatLe(0.5))
}
