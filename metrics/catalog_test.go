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
		require.Contains(t, []Producer{ByAnalysis, ByExporter, ByScheduler, ByHTTP, ByIngest}, s.by, f.Name())
		require.Equal(t, s.by == ByAnalysis, f.Analysis() != "", "%s: analysis families, and only they, name an analysis", f.Name())
		require.Equal(t, s.by == ByIngest, f.Source() != "", "%s: ingest families, and only they, name a source", f.Name())
		if s.by == ByIngest {
			require.True(t, f.Source().Valid(), f.Name())
			require.True(t, strings.HasPrefix(s.name, string(f.Source())+"_"), "%s: an ingest family is named aftermath_<source>_...", f.Name())
			require.Contains(t, []Type{Gauge, Counter}, s.typ, "%s: sources keep counters and gauges", f.Name())
		}
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
	for _, p := range []Producer{ByAnalysis, ByExporter, ByScheduler, ByHTTP, ByIngest} {
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
// names every other family (an ingest source's by aftermath_<source>_*); and
// it lists nothing the catalogue does not hold.
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
		if f.Producer() == ByIngest {
			pattern := "`" + Namespace + "_" + string(f.Source()) + "_*`"
			require.True(t, strings.Contains(text, pattern), "README does not name %s (as %s)", f.Name(), pattern)
			continue
		}
		require.True(t, strings.Contains(text, "`"+f.Name()), "README does not name %s", f.Name())
	}
}

// The ingest families keep the names, types, labels and help texts they had
// before the catalogue held them: dashboards and alert rules outside this
// repository use them.
func TestIngestFamiliesAsPublished(t *testing.T) {
	want := []struct {
		name   string
		typ    Type
		labels []string
		help   string
	}{
		{"aftermath_jira_changelogs_completed_total", Counter, nil, "Issues whose changelog search truncated and the changelog endpoint completed."},
		{"aftermath_jira_decode_retries_total", Counter, nil, "Responses fetched again because their body could not be decoded."},
		{"aftermath_jira_last_success_timestamp_seconds", Gauge, nil, "When the last successful Jira sync finished (Unix time)."},
		{"aftermath_jira_reconcile_refused", Gauge, nil, "1 when the last reconciliation with Jira removed nothing because it would have removed more than a safe share of the stored issues (check the JQL and the account's access), else 0."},
		{"aftermath_jira_records_stored_total", Counter, []string{"table"}, "Rows stored by the Jira ingester, by table (postmortem, factor, action_item, transition, raw_document)."},
		{"aftermath_jira_removed_issues_total", Counter, []string{"kind"}, "Issues removed from the store because Jira no longer lists them in scope (deleted, or moved out of the JQL; each is logged by key), by kind."},
		{"aftermath_jira_restored_issues_total", Counter, []string{"kind"}, "Issues a reconciliation with Jira fetched and stored because Jira lists them in scope and they were not stored (removed earlier, or brought into scope by a JQL or access change), by kind."},
		{"aftermath_jira_skipped_issues_total", Counter, []string{"kind", "reason"}, "Jira issues not stored because they could not be decoded or mapped (each is logged by key), by kind and reason (undecodable, changelog, unmappable)."},
		{"aftermath_jira_sync_duration_seconds", Gauge, nil, "How long the last Jira sync took."},
		{"aftermath_jira_sync_errors_total", Counter, nil, "Jira syncs that failed."},
		{"aftermath_jira_unknown_enum_values_total", Counter, []string{"field"}, "Values Jira sent that Aftermath does not know (stored as unknown), by field."},
		{"aftermath_jira_unmapped_records_total", Counter, []string{"kind"}, "Jira records skipped (or, for descriptions, stored without their content) because they could not be mapped, by kind."},
		{"aftermath_pagerduty_decode_retries_total", Counter, nil, "Responses fetched again because their body could not be read or decoded."},
		{"aftermath_pagerduty_last_success_timestamp_seconds", Gauge, nil, "When the last successful PagerDuty sync finished (Unix time)."},
		{"aftermath_pagerduty_records_stored_total", Counter, []string{"table"}, "Rows stored by the PagerDuty ingester, by table (incident, timeline_event, raw_document)."},
		{"aftermath_pagerduty_sync_duration_seconds", Gauge, nil, "How long the last PagerDuty sync took."},
		{"aftermath_pagerduty_sync_errors_total", Counter, nil, "PagerDuty syncs that failed."},
		{"aftermath_pagerduty_unknown_enum_values_total", Counter, []string{"field"}, "Enum values PagerDuty sent that Aftermath does not know (stored as unknown or other), by field."},
		{"aftermath_pagerduty_unmapped_records_total", Counter, []string{"kind"}, "PagerDuty records skipped because they could not be mapped, by kind."},
		{"aftermath_pagerduty_window_repasses_total", Counter, []string{"kind"}, "Time windows paged again because items shifted between pages, by kind."},
	}
	got := By(ByIngest)
	require.Len(t, got, len(want))
	for i, f := range got {
		w := want[i]
		require.Equal(t, w.name, f.Name())
		require.Equal(t, w.typ, f.Type(), w.name)
		if w.labels == nil {
			w.labels = []string{}
		}
		require.Equal(t, w.labels, append([]string{}, f.Labels()...), w.name)
		require.Equal(t, w.help, f.Help(), w.name)
	}
}

func TestSourceFamilies(t *testing.T) {
	require.Equal(t, []Source{SourcePagerDuty, SourceJira}, Sources())
	require.Equal(t, "aftermath_jira_records_stored_total", RecordsStoredTotal.For(SourceJira).Name())
	require.Equal(t, "aftermath_pagerduty_sync_duration_seconds", SyncDurationSeconds.For(SourcePagerDuty).Name())
	require.Equal(t, SourceJira, RecordsStoredTotal.For(SourceJira).Source())
	require.Equal(t, "PagerDuty", SourcePagerDuty.Display())
	require.Equal(t, "demo", Source("demo").Display(), "not catalogued: its name")
	require.Equal(t, ByIngest, SyncErrorsTotal.For(SourceJira).Producer())
	require.Equal(t, SourcePagerDuty, PagerDutyWindowRepassesTotal.Source())
	require.Empty(t, Incidents.Source())
	require.Empty(t, RecordsStoredTotal.For(SourceJira).Analysis())

	// Every source has every SourceFamily, each a family of its own, and
	// its own families besides.
	seen := map[Family]bool{}
	for _, s := range Sources() {
		fams := s.Families()
		for k := SourceFamily(1); k < numSourceFamilies; k++ {
			f := k.For(s)
			require.True(t, f.Valid(), "%d for %s", k, s)
			require.False(t, seen[f], f.Name())
			seen[f] = true
			require.Contains(t, fams, f)
			got, ok := ByName(f.Name())
			require.True(t, ok, f.Name())
			require.Equal(t, f, got)
		}
	}
	require.Equal(t, []Family{JiraChangelogsCompletedTotal, JiraReconcileRefused, JiraRemovedIssuesTotal, JiraRestoredIssuesTotal, JiraSkippedIssuesTotal}, onlyOwn(SourceJira.Families()))
	require.Equal(t, []Family{PagerDutyWindowRepassesTotal}, onlyOwn(SourcePagerDuty.Families()))

	// A source or kind outside the catalogue has no family.
	require.False(t, Source("demo").Valid())
	require.False(t, RecordsStoredTotal.For("demo").Valid())
	require.False(t, SourceFamily(0).For(SourceJira).Valid())
	require.False(t, numSourceFamilies.For(SourceJira).Valid())
	require.Empty(t, Source("demo").Families())
}

// onlyOwn are the families of fs that are no SourceFamily's.
func onlyOwn(fs []Family) []Family {
	var out []Family
	for _, f := range fs {
		if f < numFixed {
			out = append(out, f)
		}
	}
	return out
}
