package exporter

import (
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
)

// r builds a result; kv alternates label names and values.
func r(analysis, metric string, v float64, kv ...string) store.Result {
	res := store.Result{Analysis: analysis, Metric: metric, Value: v, LabelNames: []string{}, LabelValues: []string{}}
	for i := 0; i+1 < len(kv); i += 2 {
		res.LabelNames = append(res.LabelNames, kv[i])
		res.LabelValues = append(res.LabelValues, kv[i+1])
	}
	return res
}

func testFamilies() []*family {
	fs := []*family{
		{collector: "t", name: "things", help: "Things.", labels: []string{"team", "severity"}},
		{collector: "t", name: "wait_seconds", help: "Wait.", labels: []string{"severity"}, kind: histogramKind},
		{collector: "t", name: "item_seconds", help: "Item.", labels: []string{"key", "team"}, itemKey: "key"},
	}
	for _, f := range fs {
		f.desc = prometheus.NewDesc(f.fqName(), f.help, f.labels, nil)
	}
	return fs
}

func TestBuildMetrics(t *testing.T) {
	tests := []struct {
		name     string
		results  []store.Result
		maxItems int
		want     string
		skipped  int
		dropped  int
	}{
		{
			name: "gauge labels are matched by name, not position",
			results: []store.Result{
				r("t", "things", 3, "severity", "SEV1", "team", "payments"),
				r("t", "things", 4, "team", "search", "severity", "SEV2"),
			},
			want: `# HELP aftermath_things Things.
# TYPE aftermath_things gauge
aftermath_things{severity="SEV1",team="payments"} 3
aftermath_things{severity="SEV2",team="search"} 4
`,
		},
		{
			name: "histogram rows are assembled, +Inf comes from the count",
			results: []store.Result{
				r("t", "wait_seconds_bucket", 1, "severity", "SEV1", "le", "60"),
				r("t", "wait_seconds_bucket", 3, "le", "300", "severity", "SEV1"),
				r("t", "wait_seconds_bucket", 4, "severity", "SEV1", "le", "+Inf"),
				r("t", "wait_seconds_sum", 700, "severity", "SEV1"),
				r("t", "wait_seconds_count", 4, "severity", "SEV1"),
			},
			want: `# HELP aftermath_wait_seconds Wait.
# TYPE aftermath_wait_seconds histogram
aftermath_wait_seconds_bucket{severity="SEV1",le="60"} 1
aftermath_wait_seconds_bucket{severity="SEV1",le="300"} 3
aftermath_wait_seconds_bucket{severity="SEV1",le="+Inf"} 4
aftermath_wait_seconds_sum{severity="SEV1"} 700
aftermath_wait_seconds_count{severity="SEV1"} 4
`,
		},
		{
			name: "histogram without count is skipped",
			results: []store.Result{
				r("t", "wait_seconds_bucket", 1, "severity", "SEV1", "le", "60"),
				r("t", "wait_seconds_sum", 700, "severity", "SEV1"),
			},
			skipped: 1,
		},
		{
			name: "unknown metric, missing, extra, repeated labels and bad le are skipped",
			results: []store.Result{
				r("t", "nope", 1),
				r("t", "things", 1, "team", "payments"),
				r("t", "things", 1, "team", "payments", "severity", "SEV1", "service", "x"),
				r("t", "things", 1, "team", "payments", "team", "search"),
				r("t", "wait_seconds_bucket", 1, "severity", "SEV1", "le", "soon"),
				r("t", "wait_seconds_sum", 1, "severity", "SEV1", "le", "60"),
			},
			skipped: 6,
		},
		{
			name: "a duplicate series keeps the first value",
			results: []store.Result{
				r("t", "things", 1, "team", "payments", "severity", "SEV1"),
				r("t", "things", 2, "severity", "SEV1", "team", "payments"),
			},
			want: `# HELP aftermath_things Things.
# TYPE aftermath_things gauge
aftermath_things{severity="SEV1",team="payments"} 1
`,
			skipped: 1,
		},
		{
			name:     "item series are capped, worst first, ties by key",
			maxItems: 2,
			results: []store.Result{
				r("t", "item_seconds", 10, "key", "ACT-3", "team", "a"),
				r("t", "item_seconds", 90, "key", "ACT-1", "team", "a"),
				r("t", "item_seconds", 10, "key", "ACT-2", "team", "b"),
			},
			want: `# HELP aftermath_item_seconds Item.
# TYPE aftermath_item_seconds gauge
aftermath_item_seconds{key="ACT-1",team="a"} 90
aftermath_item_seconds{key="ACT-2",team="b"} 10
`,
			dropped: 1,
		},
		{
			name:     "a zero cap serves no item series",
			maxItems: 0,
			results:  []store.Result{r("t", "item_seconds", 10, "key", "ACT-3", "team", "a")},
			dropped:  1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := buildMetrics(testFamilies(), tc.results, tc.maxItems)
			require.Equal(t, tc.skipped, b.skipped, "skipped: %v", b.reasons)
			require.Equal(t, tc.dropped, b.dropped)
			if tc.want == "" {
				require.Empty(t, b.metrics)
				return
			}
			require.NoError(t, testutil.CollectAndCompare(staticMetrics(b.metrics), strings.NewReader(tc.want)))
		})
	}
}

func TestCatalogFamiliesBuildValidDescriptors(t *testing.T) {
	fams, err := resultFamilies(metrics.By(metrics.ByAnalysis))
	require.NoError(t, err)
	require.NotEmpty(t, fams)
	e, err := newExporterOf(Options{Store: deadStore{}}, fams)
	require.NoError(t, err)
	ch := make(chan *prometheus.Desc, 1000)
	e.Describe(ch)
	close(ch)
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(e), "descriptors must be valid and distinct")
	items := 0
	for _, f := range fams {
		if f.itemKey != "" {
			items++
		}
	}
	require.GreaterOrEqual(t, items, 2, "the stale and overdue per-item families are capped")
}

// A family the catalogue does not hold, or one no analysis writes, fails the
// construction instead of going missing from /metrics.
func TestNewRefusesUnknownFamilies(t *testing.T) {
	for _, tc := range []struct {
		f    metrics.Family
		want string
	}{
		{metrics.Family(0), "exporter: Family(0) is not in the metrics catalogue"},
		{metrics.Family(250), "exporter: Family(250) is not in the metrics catalogue"},
		{metrics.Up, "exporter: aftermath_up is produced by the exporter, not by an analysis"},
		{metrics.JobRunsTotal, "exporter: aftermath_job_runs_total is produced by the scheduler, not by an analysis"},
	} {
		_, err := newExporter(Options{Store: deadStore{}}, []metrics.Family{metrics.Incidents, tc.f})
		require.EqualError(t, err, tc.want)
	}
	_, err := newExporter(Options{Store: deadStore{}}, []metrics.Family{metrics.Incidents, metrics.Incidents})
	require.EqualError(t, err, "exporter: metric incidents is in the catalogue twice")
	_, err = newExporter(Options{Store: deadStore{}}, []metrics.Family{metrics.Incidents, metrics.IncidentAckDurationSeconds})
	require.NoError(t, err)
}

// Served (what the dashboards and alert tests check against) is exactly
// what the Exporter describes.
func TestServedMatchesDescribe(t *testing.T) {
	e, err := New(Options{Store: deadStore{}})
	require.NoError(t, err)
	ch := make(chan *prometheus.Desc, 1000)
	e.Describe(ch)
	close(ch)
	var described []string
	fq := regexp.MustCompile(`fqName: "([^"]+)"`)
	for d := range ch {
		m := fq.FindStringSubmatch(d.String())
		require.NotNil(t, m, d.String())
		described = append(described, m[1])
	}
	sort.Strings(described)
	var served []string
	for _, f := range Served() {
		served = append(served, f.Name())
	}
	require.Equal(t, described, served)
}
