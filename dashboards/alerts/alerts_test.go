package alerts

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/aftermath-sre/aftermath/metrics"
)

// tool returns the path of a command-line tool, skipping when it is missing
// unless AFTERMATH_REQUIRE_TOOLS=1.
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("AFTERMATH_REQUIRE_TOOLS") == "1" {
			t.Fatalf("%s is required (AFTERMATH_REQUIRE_TOOLS=1) but not found: %v (Debian: apt-get install prometheus prometheus-alertmanager)", name, err)
		}
		t.Skipf("%s not found: %v", name, err)
	}
	return p
}

func run(t *testing.T, dir string, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(tool(t, name), args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestPromtoolCheckRules(t *testing.T) {
	out, err := run(t, ".", "promtool", "check", "rules", RulesFile)
	require.NoError(t, err, out)
	require.Contains(t, out, "SUCCESS")
}

func TestPromtoolUnitTests(t *testing.T) {
	out, err := run(t, ".", "promtool", "test", "rules", "aftermath.rules.test.yml")
	require.NoError(t, err, out)
}

// The unit tests must bite: widening the stale alert to P3 items must make
// them fail.
func TestPromtoolUnitTestsCatchAWrongRule(t *testing.T) {
	dir := t.TempDir()
	mutated := strings.Replace(string(Rules()), `aftermath_action_item_stale_seconds{priority=~"P1|P2"}`, `aftermath_action_item_stale_seconds{priority=~"P1|P2|P3"}`, 1)
	require.NotEqual(t, string(Rules()), mutated)
	require.NoError(t, os.WriteFile(filepath.Join(dir, RulesFile), []byte(mutated), 0o644))
	tests, err := os.ReadFile("aftermath.rules.test.yml")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "aftermath.rules.test.yml"), tests, 0o644))
	out, err := run(t, dir, "promtool", "test", "rules", "aftermath.rules.test.yml")
	require.Error(t, err, out)
	require.Contains(t, out, "ACT-9")
}

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

type testFile struct {
	Tests []struct {
		AlertRuleTest []struct {
			Alertname string           `yaml:"alertname"`
			ExpAlerts []map[string]any `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
	} `yaml:"tests"`
}

func TestEveryAlertIsDocumentedAndTested(t *testing.T) {
	var rf ruleFile
	require.NoError(t, yaml.Unmarshal(Rules(), &rf))
	raw, err := os.ReadFile("aftermath.rules.test.yml")
	require.NoError(t, err)
	var tf testFile
	require.NoError(t, yaml.Unmarshal(raw, &tf))
	firing, quiet := map[string]bool{}, map[string]bool{}
	for _, tc := range tf.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				firing[a.Alertname] = true
			} else {
				quiet[a.Alertname] = true
			}
		}
	}
	var names []string
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			require.NotEmpty(t, r.Alert, "group %s has a rule that is not an alert", g.Name)
			names = append(names, r.Alert)
			for _, a := range []string{"summary", "description", "runbook"} {
				require.NotEmpty(t, strings.TrimSpace(r.Annotations[a]), "%s: annotation %s", r.Alert, a)
			}
			require.Contains(t, []string{"critical", "warning", "info"}, r.Labels["severity"], r.Alert)
			require.True(t, firing[r.Alert], "%s has no promtool test where it fires", r.Alert)
		}
	}
	require.Len(t, names, len(slices.Compact(slices.Sorted(slices.Values(names)))), "alert names are unique")
	for _, want := range []string{
		"AftermathActionItemStale", "AftermathActionItemsOverdue", "AftermathPostmortemNotDrafted",
		"AftermathPostmortemNotPublished", "AftermathErrorBudgetFastBurn", "AftermathIngestStale",
		"AftermathJobFailing", "AftermathClickHouseDown", "AftermathDown",
	} {
		require.Contains(t, names, want)
	}
	// Alerts whose quiet cases matter: they are tested not to fire too.
	for _, a := range []string{"AftermathActionItemStale", "AftermathClickHouseDown", "AftermathCollectorFailing", "AftermathIngestStale"} {
		require.True(t, quiet[a], "%s needs a test where it stays quiet", a)
	}
}

// Every aftermath_* name the hand-written rules use, in their expressions,
// annotations and promtool tests, is a catalogued family (or a histogram's
// series); the expressions use only families something in Aftermath serves.
func TestRulesUseCataloguedMetrics(t *testing.T) {
	var rf ruleFile
	require.NoError(t, yaml.Unmarshal(Rules(), &rf))
	tests, err := os.ReadFile("aftermath.rules.test.yml")
	require.NoError(t, err)
	metric := regexp.MustCompile(`\baftermath_[a-z0-9_]+`)
	used := 0
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			for _, m := range metric.FindAllString(r.Expr, -1) {
				_, ok := metrics.ByName(m)
				require.True(t, ok, "%s uses %s, which is not in the metrics catalogue", r.Alert, m)
				used++
			}
			for k, a := range r.Annotations {
				for _, m := range metric.FindAllString(a, -1) {
					_, ok := metrics.ByName(m)
					require.True(t, ok, "%s: annotation %s names %s, which is not in the metrics catalogue", r.Alert, k, m)
				}
			}
		}
	}
	require.Greater(t, used, 10)
	for _, m := range metric.FindAllString(string(tests), -1) {
		_, ok := metrics.ByName(m)
		require.True(t, ok, "aftermath.rules.test.yml names %s, which is not in the metrics catalogue", m)
	}
	// The check can fail.
	_, ok := metrics.ByName("aftermath_collector_sucess")
	require.False(t, ok)
}

// The labels the rules' selectors match on, and the labels of the series in
// their promtool tests, are labels the catalogue gives those families (plus
// job and instance, and le for a histogram's buckets).
func TestRulesUseCataloguedLabels(t *testing.T) {
	var rf ruleFile
	require.NoError(t, yaml.Unmarshal(Rules(), &rf))
	tests, err := os.ReadFile("aftermath.rules.test.yml")
	require.NoError(t, err)
	selector := regexp.MustCompile(`\b(aftermath_[a-z0-9_]+)\{([^}]*)\}`)
	matcher := regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*["']`)
	checked := 0
	check := func(where, text string) {
		for _, m := range selector.FindAllStringSubmatch(text, -1) {
			f, ok := metrics.ByName(m[1])
			require.True(t, ok, "%s: %s is not catalogued", where, m[1])
			own := map[string]bool{"job": true, "instance": true}
			for _, l := range f.Labels() {
				own[l] = true
			}
			if m[1] == f.Bucket() {
				own["le"] = true
			}
			for _, l := range matcher.FindAllStringSubmatch(m[2], -1) {
				require.True(t, own[l[1]], "%s: %s has no label %s", where, m[1], l[1])
				checked++
			}
		}
	}
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			check(r.Alert, r.Expr)
		}
	}
	check("aftermath.rules.test.yml", string(tests))
	require.Greater(t, checked, 20)
}

func TestAlertmanagerExample(t *testing.T) {
	out, err := run(t, ".", "amtool", "check-config", "alertmanager.example.yml")
	require.NoError(t, err, out)
	require.Contains(t, out, "SUCCESS")

	tests := []struct {
		labels   []string
		receiver string
	}{
		{[]string{"alertname=AftermathActionItemStale", "team=payments", "priority=P1"}, "team-payments"},
		{[]string{"alertname=AftermathActionItemsOverdue", "team=search"}, "team-search"},
		{[]string{"alertname=AftermathPostmortemNotDrafted", "team=unknown"}, "team-reliability"},
		// A team's finding, not the operators' (black-box pass 9).
		{[]string{"alertname=AftermathFixesPendingWhileFailing", "team=payments"}, "team-payments"},
		{[]string{"alertname=AftermathErrorBudgetFastBurn", "service=checkout"}, "oncall-pager"},
		{[]string{"alertname=AftermathClickHouseDown", "instance=a:9847"}, "aftermath-operators"},
		{[]string{"alertname=AftermathIngestStale", "source=jira"}, "aftermath-operators"},
	}
	for _, tc := range tests {
		args := append([]string{"config", "routes", "test", "--config.file=alertmanager.example.yml", "--verify.receivers=" + tc.receiver}, tc.labels...)
		out, err := run(t, ".", "amtool", args...)
		require.NoError(t, err, "%v should go to %s: %s", tc.labels, tc.receiver, out)
	}
	// The verification itself can fail.
	out, err = run(t, ".", "amtool", "config", "routes", "test", "--config.file=alertmanager.example.yml", "--verify.receivers=oncall-pager", "alertname=AftermathActionItemStale", "team=payments")
	require.Error(t, err, out)
}
