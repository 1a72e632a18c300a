package metrics

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFamiliesArePrometheusStyleAndUnique(t *testing.T) {
	name := regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	seen := map[string]Family{}
	all := All()
	require.Len(t, all, int(numFamilies)-1)
	for _, f := range all {
		s := specs[f]
		require.Regexp(t, name, s.name, "family %d", f)
		require.NotEmpty(t, s.help, f.Name())
		require.Contains(t, []Type{Gauge, Histogram, Counter}, s.typ, f.Name())
		require.Contains(t, []Producer{ByAnalysis, ByExporter, ByScheduler, ByHTTP}, s.by, f.Name())
		require.Equal(t, s.by == ByAnalysis, s.analysis != "", "%s: only analysis families name an analysis", f.Name())
		// A family's name and its histogram series names are distinct from
		// every other family's.
		names := []string{s.name}
		if s.typ == Histogram {
			names = append(names, s.name+BucketSuffix, s.name+SumSuffix, s.name+CountSuffix)
		}
		for _, n := range names {
			prev, dup := seen[n]
			require.False(t, dup, "%s of %s is also %s", n, f.Name(), prev)
			seen[n] = f
		}
		require.Equal(t, s.typ == Counter, strings.HasSuffix(s.name, "_total"), "%s: counters, and only counters, end in _total", f.Name())
		for _, bad := range []string{"_count", "_sum", "_bucket", "_days", "_minutes", "_hours"} {
			require.False(t, strings.HasSuffix(s.name, bad), "%s ends with %s", f.Name(), bad)
		}
		if s.by == ByAnalysis {
			require.Contains(t, []Type{Gauge, Histogram}, s.typ, "%s: analyses write gauges and histograms", f.Name())
		}
		labels := map[string]bool{}
		for _, l := range s.labels {
			require.Regexp(t, name, l)
			require.NotEqual(t, "le", l, f.Name())
			require.False(t, labels[l], "%s: duplicate label %s", f.Name(), l)
			labels[l] = true
		}
	}
}

func TestByNameAndByResultName(t *testing.T) {
	for _, f := range All() {
		got, ok := ByName(f.Name())
		require.True(t, ok, f.Name())
		require.Equal(t, f, got)
	}
	f, ok := ByName("aftermath_incident_ack_duration_seconds_bucket")
	require.True(t, ok)
	require.Equal(t, IncidentAckDurationSeconds, f)
	_, ok = ByName("incidents")
	require.False(t, ok, "a Prometheus name carries the namespace")
	_, ok = ByName("aftermath_incidnets")
	require.False(t, ok)

	for _, tc := range []struct {
		row    string
		want   Family
		bucket bool
	}{
		{"incidents", Incidents, false},
		{"incident_ack_duration_seconds_bucket", IncidentAckDurationSeconds, true},
		{"incident_ack_duration_seconds_sum", IncidentAckDurationSeconds, false},
		{"incident_resolve_duration_seconds_count", IncidentResolveDurationSeconds, false},
	} {
		f, bucket, ok := ByResultName(tc.row)
		require.True(t, ok, tc.row)
		require.Equal(t, tc.want, f, tc.row)
		require.Equal(t, tc.bucket, bucket, tc.row)
	}
	for _, row := range []string{"mtta_seconds_bucket", "incident_ack_duration_seconds", "up", "job_runs_total", "aftermath_incidents", ""} {
		_, _, ok := ByResultName(row)
		require.False(t, ok, "%q is no analysis result row", row)
	}
}

func TestAccessors(t *testing.T) {
	require.Equal(t, "aftermath_mtta_seconds", MTTASeconds.Name())
	require.Equal(t, "mtta_seconds", MTTASeconds.ResultName())
	require.Equal(t, AnalysisResponse, MTTASeconds.Analysis())
	require.Equal(t, []string{"period", "severity", "service", "team", "stat"}, MTTASeconds.Labels())
	require.Equal(t, "aftermath_incident_resolve_duration_seconds_bucket", IncidentResolveDurationSeconds.Bucket())
	require.Equal(t, ByExporter, Up.Producer())
	require.Empty(t, Up.Analysis())
	require.Equal(t, Counter, JobRunsTotal.Type())

	// Labels returns a copy.
	l := Incidents.Labels()
	l[0] = "changed"
	require.Equal(t, "period", Incidents.Labels()[0])

	require.False(t, Family(0).Valid())
	require.False(t, numFamilies.Valid())
	require.Equal(t, "Family(0)", Family(0).String())
	require.Panics(t, func() { _ = Family(0).Name() })

	var n int
	for _, p := range []Producer{ByAnalysis, ByExporter, ByScheduler, ByHTTP} {
		fs := By(p)
		require.NotEmpty(t, fs, p.String())
		n += len(fs)
	}
	require.Equal(t, len(All()), n)
}

func TestCheckLabels(t *testing.T) {
	require.NoError(t, ErrorBudgetBurnRate.CheckLabels([]string{"service", "range"}, false))
	require.NoError(t, Themes.CheckLabels(nil, false))
	require.NoError(t, IncidentAckDurationSeconds.CheckLabels([]string{"severity", "le"}, true))
	require.NoError(t, IncidentAckDurationSeconds.CheckLabels([]string{"severity"}, false))
	require.ErrorContains(t, ErrorBudgetBurnRate.CheckLabels([]string{"range", "service"}, false),
		"aftermath_error_budget_burn_rate has labels [range, service], want [service, range]")
	require.Error(t, ErrorBudgetBurnRate.CheckLabels([]string{"service"}, false))
	require.Error(t, IncidentAckDurationSeconds.CheckLabels([]string{"severity"}, true), "a bucket row needs le")
	require.ErrorContains(t, Incidents.CheckLabels([]string{"period", "severity", "service", "team", "le"}, true), "has no buckets")
}

// README's metrics table lists every analysis family with its labels, and
// names every other family; and it lists nothing the catalogue does not hold.
func TestREADMEListsEveryFamily(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	require.NoError(t, err)
	text := string(readme)
	row := regexp.MustCompile("(?m)^\\| `(aftermath_[a-z0-9_]+)`(?: \\(histogram\\))? \\| ([a-z_, ]*) \\|")
	rows := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(text, -1) {
		f, ok := ByName(m[1])
		require.True(t, ok, "README's metrics table lists %s, which is not in the catalogue", m[1])
		require.Equal(t, ByAnalysis, f.Producer(), "README's table is of the analysis families: %s", m[1])
		rows[m[1]] = strings.TrimSpace(m[2])
	}
	for _, f := range All() {
		if f.Producer() == ByAnalysis {
			labels, ok := rows[f.Name()]
			require.True(t, ok, "README's metrics table has no row for %s", f.Name())
			require.Equal(t, strings.Join(f.Labels(), ", "), labels, "README's labels of %s", f.Name())
			continue
		}
		require.True(t, strings.Contains(text, "`"+f.Name()), "README does not name %s", f.Name())
	}
}
