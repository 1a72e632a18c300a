package dashboards_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/aftermath-sre/aftermath/dashboards"
	"github.com/aftermath-sre/aftermath/exporter"
	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("AFTERMATH_REQUIRE_TOOLS") == "1" {
			t.Fatalf("%s is required (AFTERMATH_REQUIRE_TOOLS=1) but not found: %v (Debian: apt-get install prometheus)", name, err)
		}
		t.Skipf("%s not found: %v", name, err)
	}
	return p
}

// The committed JSON is exactly what the code generates.
func TestCommittedJSONIsGenerated(t *testing.T) {
	files, err := dashboards.JSON()
	require.NoError(t, err)
	require.Len(t, files, 3)
	onDisk, err := filepath.Glob("json/*.json")
	require.NoError(t, err)
	require.Len(t, onDisk, len(files), "json/ holds a file the code no longer makes, or misses one")
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join("json", name))
		require.NoError(t, err, "run `go generate ./dashboards`")
		require.Equal(t, string(want), string(got), "json/%s is stale: run `go generate ./dashboards`", name)
	}
}

// The JSON reads back into the SDK's types (as Grafana's schema describes
// them), and every panel has a data source and a description.
func TestJSONRoundTrips(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	cog.NewRuntime().RegisterDataqueryVariant(dashboards.ClickHouseQueryVariant())
	files, err := dashboards.JSON()
	require.NoError(t, err)
	for name, data := range files {
		var d dashboard.Dashboard
		require.NoError(t, json.Unmarshal(data, &d), name)
		require.NotNil(t, d.Uid, name)
		ids := map[uint32]bool{}
		for _, p := range d.Panels {
			if p.RowPanel != nil {
				require.False(t, ids[p.RowPanel.Id], "%s: duplicate id %d", name, p.RowPanel.Id)
				ids[p.RowPanel.Id] = true
				continue
			}
			require.NotNil(t, p.Panel.Id, name)
			require.False(t, ids[*p.Panel.Id], "%s: duplicate id %d", name, *p.Panel.Id)
			ids[*p.Panel.Id] = true
			require.NotEmpty(t, deref(p.Panel.Description), "%s: panel %s has no description", name, deref(p.Panel.Title))
			require.NotNil(t, p.Panel.Datasource, name)
			require.Contains(t, []string{"${datasource}", "${clickhouse}"}, deref(p.Panel.Datasource.Uid), "%s: %s", name, deref(p.Panel.Title))
			require.NotEmpty(t, p.Panel.Targets, "%s: %s has no query", name, deref(p.Panel.Title))
		}
		var vars []string
		for _, v := range d.Templating.List {
			vars = append(vars, v.Name)
		}
		require.Contains(t, vars, "datasource", name)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func TestDashboardsCoverTheIssue(t *testing.T) {
	exprs, err := dashboards.Expressions()
	require.NoError(t, err)
	by := map[string]string{}
	for _, e := range exprs {
		by[e.Dashboard] += e.Expr + "\n"
	}
	for uid, metrics := range map[string][]string{
		dashboards.ReliabilityUID: {"aftermath_incidents_by_severity", `aftermath_mttr_seconds{job=~"$job", instance=~"$instance", period="30d", stat="p90", severity="", service="", team=""}`,
			`aftermath_mtta_seconds{job=~"$job", instance=~"$instance", period="30d", stat="p50", severity="", service="", team=""}`, "aftermath_error_budget_remaining_ratio", "aftermath_repeat_incident_ratio"},
		dashboards.ActionItemsUID: {"aftermath_action_items_overdue", "aftermath_action_items_stale", "aftermath_action_items_unowned",
			"aftermath_action_items_closed_within_slo_ratio", "aftermath_action_item_oldest_open_age_seconds", "aftermath_action_item_overdue_seconds"},
		dashboards.LearningUID: {"aftermath_postmortem_coverage_ratio", "aftermath_postmortem_lag_seconds", "aftermath_theme_factors", "aftermath_language_findings"},
	} {
		for _, want := range metrics {
			require.Contains(t, by[uid], want, uid)
		}
	}
}

// Every expression uses the one shared selector and metrics the exporter
// serves.
func TestExpressionsUseTheSelectorAndServedMetrics(t *testing.T) {
	exprs, err := dashboards.Expressions()
	require.NoError(t, err)
	require.Greater(t, len(exprs), 40)
	served := map[string]bool{}
	for _, f := range exporter.Served() {
		served[f.Name()] = true
		if f.Type() == metrics.Histogram {
			served[f.Bucket()], served[f.Sum()], served[f.Count()] = true, true, true
		}
	}
	metric := regexp.MustCompile(`\baftermath_[a-z0-9_]+\{([^}]*)\}`)
	for _, e := range exprs {
		ms := metric.FindAllStringSubmatch(e.Expr, -1)
		require.NotEmpty(t, ms, "%s / %s: no aftermath metric", e.Dashboard, e.Panel)
		for _, m := range ms {
			name := strings.SplitN(m[0], "{", 2)[0]
			require.True(t, served[name], "%s / %s uses %s, which the exporter does not serve", e.Dashboard, e.Panel, name)
			require.True(t, strings.HasPrefix(m[1], `job=~"$job", instance=~"$instance"`), "%s / %s: %s does not start with the shared selector", e.Dashboard, e.Panel, m[0])
		}
	}
}

// Every label an expression matches on or groups by is one the families it
// reads carry (plus job and instance, and le for a histogram's buckets): a
// misspelt label is an empty panel, not an error, in Grafana.
func TestExpressionsUseCataloguedLabels(t *testing.T) {
	exprs, err := dashboards.Expressions()
	require.NoError(t, err)
	selector := regexp.MustCompile(`\b(aftermath_[a-z0-9_]+)\{([^}]*)\}`)
	matcher := regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*"`)
	grouping := regexp.MustCompile(`\b(?:by|on|without|ignoring|group_left|group_right)\s*\(([^)]*)\)`)
	checked := 0
	for _, e := range exprs {
		known := map[string]bool{"job": true, "instance": true}
		for _, m := range selector.FindAllStringSubmatch(e.Expr, -1) {
			f, ok := metrics.ByName(m[1])
			require.True(t, ok, "%s / %s: %s is not catalogued", e.Dashboard, e.Panel, m[1])
			own := map[string]bool{"job": true, "instance": true}
			for _, l := range f.Labels() {
				own[l], known[l] = true, true
			}
			if m[1] == f.Bucket() {
				own["le"], known["le"] = true, true
			}
			for _, l := range matcher.FindAllStringSubmatch(m[2], -1) {
				require.True(t, own[l[1]], "%s / %s: %s has no label %s", e.Dashboard, e.Panel, m[1], l[1])
				checked++
			}
		}
		for _, g := range grouping.FindAllStringSubmatch(e.Expr, -1) {
			for _, l := range strings.Split(g[1], ",") {
				if l = strings.TrimSpace(l); l != "" {
					require.True(t, known[l], "%s / %s groups by %s, which none of its families has", e.Dashboard, e.Panel, l)
					checked++
				}
			}
		}
	}
	require.Greater(t, checked, 100)
}

// Every expression is valid PromQL: promtool parses them as recording rules.
func TestExpressionsParse(t *testing.T) {
	promtool := tool(t, "promtool")
	exprs, err := dashboards.Expressions()
	require.NoError(t, err)
	type rule struct {
		Record string `yaml:"record"`
		Expr   string `yaml:"expr"`
	}
	var rules []rule
	for i, e := range exprs {
		rules = append(rules, rule{Record: fmt.Sprintf("dashboard:expr_%d", i), Expr: dashboards.Interpolate(e.Expr, dashboards.AllValues())})
	}
	doc := map[string]any{"groups": []any{map[string]any{"name": "dashboards", "rules": rules}}}
	data, err := yaml.Marshal(doc)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "exprs.yml")
	require.NoError(t, os.WriteFile(path, data, 0o644))
	out, err := exec.Command(promtool, "check", "rules", path).CombinedOutput()
	require.NoError(t, err, "%s", out)

	// The check can fail.
	require.NoError(t, os.WriteFile(path, []byte("groups:\n- name: x\n  rules:\n  - record: a:b\n    expr: sum by (le (x)\n"), 0o644))
	out, err = exec.Command(promtool, "check", "rules", path).CombinedOutput()
	require.Error(t, err, "%s", out)
}

func TestInterpolate(t *testing.T) {
	vals := map[string]string{"job": "aftermath", "team": "a|b"}
	for in, want := range map[string]string{
		`x{job=~"$job", team=~"${team}"}`: `x{job=~"aftermath", team=~"a|b"}`,
		`'^(${team:regex})$'`:             `'^(a|b)$'`,
		`rate(x[$__rate_interval])`:       `rate(x[$__rate_interval])`,
		`$jobs`:                           `$jobs`,
	} {
		require.Equal(t, want, dashboards.Interpolate(in, vals), in)
	}
}

// The drill-down SQL runs on ClickHouse against a default database, as the
// plugin sends it, and returns exactly the open items past their due day,
// each under the team label the latest successful analysis run gave its
// stored team name (an alias: "srch" is search).
func TestOverdueItemsSQL(t *testing.T) {
	st := chtest.Store(t)
	ctx := context.Background()
	today := time.Now().UTC().Truncate(24 * time.Hour)
	item := func(key, team, cat, assignee string, due time.Time) store.ActionItem {
		return store.ActionItem{Key: key, ID: key, Project: "ACT", Summary: "Fix " + key, Status: map[string]string{"done": "Done", "new": "To Do", "indeterminate": "In Progress"}[cat],
			StatusCategory: cat, Priority: "P2", Team: team, AssigneeName: assignee, DueDate: due,
			CreatedAt: today.Add(-90 * 24 * time.Hour), UpdatedAt: today.Add(-24 * time.Hour), LastActivityAt: today.Add(-24 * time.Hour), URL: "https://jira.example/browse/" + key}
	}
	require.NoError(t, st.UpsertActionItems(ctx, []store.ActionItem{
		item("ACT-1", "payments", "new", "Ana", today.Add(-10*24*time.Hour)),   // overdue 9 whole days since the end of its due day
		item("ACT-2", "srch", "indeterminate", "", today.Add(-1*24*time.Hour)), // overdue since midnight (0 whole days), unowned
		item("ACT-3", "payments", "done", "Bo", today.Add(-30*24*time.Hour)),   // closed
		item("ACT-4", "payments", "new", "Cy", today),                          // due today: not yet
		item("ACT-5", "search", "new", "Di", time.Time{}),                      // no due date
		item("ACT-6", "", "new", "Ed", today.Add(-3*24*time.Hour)),             // overdue, no team
		item("ACT-7", "payments", "new", "Fa", today.Add(5*24*time.Hour)),      // due later
	}))
	// A newer version of ACT-1 closes it: FINAL must see only that one.
	closed := item("ACT-8", "payments", "new", "Gu", today.Add(-2*24*time.Hour))
	require.NoError(t, st.UpsertActionItems(ctx, []store.ActionItem{closed}))
	closed.StatusCategory, closed.Status = "done", "Done"
	require.NoError(t, st.UpsertActionItems(ctx, []store.ActionItem{closed}))

	// Two successful runs and a failed later one: the latest successful
	// run's labels apply.
	for k, labels := range []map[string]string{{"payments": "payments", "srch": "old-label"}, {"payments": "payments", "srch": "search"}, {"srch": "failed"}} {
		at := today.Add(time.Duration(k) * time.Hour)
		id := fmt.Sprintf("run-%d", k)
		var its []store.AnalysisItem
		for name, label := range labels {
			its = append(its, store.AnalysisItem{Analysis: "run", Kind: "team_label", Key: name, Team: label})
		}
		require.NoError(t, st.WriteAnalysisItems(ctx, id, at, its))
		status := store.RunSuccess
		if k == 2 {
			status = store.RunFailed
		}
		require.NoError(t, st.WriteAnalysis(ctx, store.AnalysisRun{ID: id, StartedAt: at, FinishedAt: at.Add(time.Minute), Status: status}, nil))
	}

	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{chtest.Addr(t)}, Auth: clickhouse.Auth{Database: st.Database(), Username: "default"}})
	require.NoError(t, err)
	defer conn.Close()

	tests := []struct {
		team string
		want []string
	}{
		// Whole days since the end of the due day, as the metrics count
		// (black-box pass 9: the table said 319 where the metric said 318d).
		{".*", []string{"ACT-1 payments 9 Ana", "ACT-6 unknown 2 Ed", "ACT-2 search 0 (unowned)"}},
		{"payments", []string{"ACT-1 payments 9 Ana"}},
		{"search|unknown", []string{"ACT-6 unknown 2 Ed", "ACT-2 search 0 (unowned)"}},
	}
	for _, tc := range tests {
		sql := dashboards.Interpolate(dashboards.OverdueItemsSQL, map[string]string{"team": tc.team})
		rows, err := conn.Query(ctx, sql)
		require.NoError(t, err, sql)
		cols := rows.Columns()
		require.Equal(t, []string{"Item", "Team", "Priority", "Summary", "Assignee", "Due", "Days overdue", "Status", "Link"}, cols)
		var got []string
		for rows.Next() {
			var (
				key, team, prio, summary, assignee, status, link string
				due                                              *time.Time
				days                                             *int64
			)
			require.NoError(t, rows.Scan(&key, &team, &prio, &summary, &assignee, &due, &days, &status, &link))
			require.NotNil(t, days)
			got = append(got, fmt.Sprintf("%s %s %d %s", key, team, *days, assignee))
		}
		require.NoError(t, rows.Err())
		rows.Close()
		require.Equal(t, tc.want, got, "team %q", tc.team)
	}
}

// The provisioning files name the uids the dashboards default to.
func TestProvisioning(t *testing.T) {
	var ds struct {
		APIVersion  int `yaml:"apiVersion"`
		Datasources []struct {
			Name, UID, Type string
			JSONData        map[string]any    `yaml:"jsonData"`
			Secure          map[string]string `yaml:"secureJsonData"`
		} `yaml:"datasources"`
	}
	raw, err := os.ReadFile("provisioning/datasources/aftermath.yml")
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(raw, &ds))
	require.Equal(t, 1, ds.APIVersion)
	uids := map[string]string{}
	for _, d := range ds.Datasources {
		uids[d.UID] = d.Type
		for _, v := range d.Secure {
			require.True(t, strings.HasPrefix(v, "$"), "%s: secrets come from the environment", d.Name)
		}
	}
	require.Equal(t, map[string]string{dashboards.PrometheusUID: "prometheus", dashboards.ClickHouseUID: dashboards.ClickHousePluginID}, uids)

	var dp struct {
		APIVersion int `yaml:"apiVersion"`
		Providers  []struct {
			Name    string         `yaml:"name"`
			Type    string         `yaml:"type"`
			Options map[string]any `yaml:"options"`
		} `yaml:"providers"`
	}
	raw, err = os.ReadFile("provisioning/dashboards/aftermath.yml")
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(raw, &dp))
	require.Len(t, dp.Providers, 1)
	require.Equal(t, "file", dp.Providers[0].Type)
	require.NotEmpty(t, dp.Providers[0].Options["path"])

	names, err := dashboards.FileNames()
	require.NoError(t, err)
	require.Equal(t, []string{"aftermath-action-items.json", "aftermath-learning.json", "aftermath-reliability.json"}, names)
}

// A findings panel's query is the rows it filters with a filter added, and
// its empty state says there is no finding rather than "No data".
func TestFindingsPanelsFilterWhatTheyDeclare(t *testing.T) {
	exprs, err := dashboards.Expressions()
	require.NoError(t, err)
	n := 0
	for _, e := range exprs {
		if e.FindingsOf == "" {
			continue
		}
		n++
		require.True(t, strings.HasPrefix(e.Expr, e.FindingsOf+" "), "%s / %s: %q does not filter %q", e.Dashboard, e.Panel, e.Expr, e.FindingsOf)
		require.Regexp(t, `^ (!=|==|>|<|>=|<=) `, strings.TrimPrefix(e.Expr, e.FindingsOf), "%s / %s: not a filter", e.Dashboard, e.Panel)
	}
	require.Positive(t, n, "the clear-changes panel is a findings panel")
	js, err := dashboards.JSON()
	require.NoError(t, err)
	var all string
	for _, b := range js {
		all += string(b)
	}
	require.Contains(t, all, `"noValue": "No clear change"`)
}

// TestTablesOfSeveralMeasuresAreMerged: a table with one query per measure
// shows one row per series, each measure in its named column with its unit
// (black-box pass 9: availability and downtime came as two frames of bare
// numbers).
func TestTablesOfSeveralMeasuresAreMerged(t *testing.T) {
	files, err := dashboards.JSON()
	require.NoError(t, err)
	var d struct {
		Panels []struct {
			Title           string `json:"title"`
			Transformations []struct {
				ID string `json:"id"`
			} `json:"transformations"`
			FieldConfig struct {
				Overrides []struct {
					Matcher struct {
						Options string `json:"options"`
					} `json:"matcher"`
					Properties []struct {
						ID    string `json:"id"`
						Value any    `json:"value"`
					} `json:"properties"`
				} `json:"overrides"`
			} `json:"fieldConfig"`
		} `json:"panels"`
	}
	require.NoError(t, json.Unmarshal(files["aftermath-reliability.json"], &d))
	found := false
	for _, p := range d.Panels {
		if p.Title != "Availability and downtime, last 30 days" {
			continue
		}
		found = true
		require.NotEmpty(t, p.Transformations)
		require.Equal(t, "merge", p.Transformations[0].ID)
		got := map[string]string{}
		for _, o := range p.FieldConfig.Overrides {
			for _, pr := range o.Properties {
				got[o.Matcher.Options+" "+pr.ID] = fmt.Sprint(pr.Value)
			}
		}
		require.Equal(t, map[string]string{"Value #A displayName": "Availability", "Value #A unit": "percentunit",
			"Value #B displayName": "Downtime", "Value #B unit": "s"}, got)
	}
	require.True(t, found)
}
