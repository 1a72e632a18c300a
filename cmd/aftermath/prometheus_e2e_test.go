package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze"
	"github.com/aftermath-sre/aftermath/dashboards"
	"github.com/aftermath-sre/aftermath/dashboards/alerts"
	jiraingest "github.com/aftermath-sre/aftermath/ingest/jira"
	"github.com/aftermath-sre/aftermath/simulate/org"
)

func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("AFTERMATH_REQUIRE_TOOLS") == "1" {
			t.Fatalf("%s is required (AFTERMATH_REQUIRE_TOOLS=1) but not on PATH", name)
		}
		t.Skipf("%s not on PATH", name)
	}
	return p
}

// promAPI is a small client of Prometheus's HTTP API.
type promAPI string

type promSample struct {
	Metric map[string]string `json:"metric"`
}

func (p promAPI) get(path string, params url.Values, into any) error {
	resp, err := http.Get(string(p) + path + "?" + params.Encode())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var env struct {
		Status string          `json:"status"`
		Error  string          `json:"error"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return err
	}
	if env.Status != "success" {
		return fmt.Errorf("prometheus %s: %s", path, env.Error)
	}
	return json.Unmarshal(env.Data, into)
}

func (p promAPI) count(q string, instant bool) (int, error) {
	var data struct {
		Result []promSample `json:"result"`
	}
	now := time.Now()
	params := url.Values{"query": {q}}
	path := "/api/v1/query"
	if instant {
		params.Set("time", fmt.Sprint(now.Unix()))
	} else {
		path = "/api/v1/query_range"
		params.Set("start", fmt.Sprint(now.Add(-2*time.Minute).Unix()))
		params.Set("end", fmt.Sprint(now.Unix()))
		params.Set("step", "2")
	}
	err := p.get(path, params, &data)
	return len(data.Result), err
}

type promAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	State       string            `json:"state"`
}

func (p promAPI) firing() ([]promAlert, error) {
	var data struct {
		Alerts []promAlert `json:"alerts"`
	}
	if err := p.get("/api/v1/alerts", nil, &data); err != nil {
		return nil, err
	}
	var out []promAlert
	for _, a := range data.Alerts {
		if a.State == "firing" {
			out = append(out, a)
		}
	}
	return out, nil
}

// rulesWithoutFor returns the shipped rules with every `for:` set to 0s, so
// the test need not wait for them; their timing is unit-tested by promtool.
func rulesWithoutFor() []byte {
	return regexp.MustCompile(`(?m)^(\s+)for: \S+$`).ReplaceAll(alerts.Rules(), []byte("${1}for: 0s"))
}

// groundTruth is what the analysis must find at time now, by the default
// thresholds, from the simulator's own data. Items whose state changes near
// now are ambiguous (ingest, analysis and the clock differ by seconds) and
// left out of the comparison.
type groundTruth struct {
	staleP1P2    map[string]bool // item keys
	overdueTeams map[string]bool
	ambiguous    map[string]bool // item keys
}

func expectedFindings(o *org.Org, now time.Time) groundTruth {
	staleAfter := map[string]time.Duration{"P1": 7 * 24 * time.Hour, "P2": 14 * 24 * time.Hour}
	g := groundTruth{staleP1P2: map[string]bool{}, overdueTeams: map[string]bool{}, ambiguous: map[string]bool{}}
	const band = 10 * time.Minute
	for i := range o.ActionItems {
		a := &o.ActionItems[i]
		if a.CreatedAt.After(now.Add(-band)) && a.CreatedAt.Before(now.Add(band)) {
			g.ambiguous[a.Key] = true
			continue
		}
		if a.CreatedAt.After(now) {
			continue
		}
		s := a.StateAt(now)
		if !s.UpdatedAt.Before(now.Add(-band)) {
			g.ambiguous[a.Key] = true
		}
		if s.StatusCategory == "done" {
			continue
		}
		// Activity is what people do: the automation account's churn
		// does not keep an item fresh.
		active := a.CreatedAt
		for _, h := range a.Changelog {
			if h.At.After(now) {
				break
			}
			if h.AuthorAccountID != o.Automation.JiraAccountID {
				active = h.At
			}
		}
		prio := jiraingest.DefaultPriority(s.Priority)
		if d, ok := staleAfter[prio]; ok {
			since := now.Sub(active)
			if since > d-band && since < d+band {
				g.ambiguous[a.Key] = true
			} else if since > d {
				g.staleP1P2[a.Key] = true
			}
		}
		if !s.DueDate.IsZero() {
			end := s.DueDate.Add(24 * time.Hour)
			switch {
			case end.After(now.Add(-band)) && end.Before(now.Add(band)):
				g.ambiguous[a.Key] = true
			case now.After(end):
				team := a.Component
				if name, ok := simTeamAliases(o)[team]; ok {
					team = name // as the demo's analysis.team_aliases say
				}
				g.overdueTeams[analyze.TeamKey(team)] = true
			}
		}
	}
	return g
}

// TestServeOnSimulatedOrgWithPrometheus is the end-to-end check of issue 6: a
// real Prometheus scrapes `aftermath serve` (through `demo`) running on the
// simulator's org. Every dashboard query returns data, the live /metrics
// passes promtool, and the stale and overdue alerts fire for the simulator's
// known items and only for them.
func TestServeOnSimulatedOrgWithPrometheus(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole pipeline with Prometheus")
	}
	requireTool(t, "prometheus")
	promtool := requireTool(t, "promtool")
	requireClickHouseBinary(t)

	urls, _, _ := startDemoWith(t, func(o *demoOptions) {
		o.sim.scale = "small"
		o.prometheus = true
		o.promRules = rulesWithoutFor()
		o.scrapeInterval = time.Second
	})
	require.NotEmpty(t, urls.Prometheus, "prometheus did not start")
	prom := promAPI(urls.Prometheus)

	// Wait for the first analysis to be served and scraped a few times.
	require.Eventually(t, func() bool {
		n, err := prom.count(`count_over_time(aftermath_incidents_by_severity[1m]) > 3`, true)
		return err == nil && n > 0
	}, 4*time.Minute, time.Second, "Prometheus never scraped the analysis results")
	analyzedAt := time.Now()

	t.Run("promtool check metrics on the live /metrics", func(t *testing.T) {
		code, body := get(t, urls.Aftermath+"/metrics")
		require.Equal(t, 200, code)
		check := exec.Command(promtool, "check", "metrics")
		check.Stdin = bytes.NewReader([]byte(body))
		out, err := check.CombinedOutput()
		require.NoError(t, err, "promtool check metrics:\n%s", out)
	})

	t.Run("every dashboard query returns data", func(t *testing.T) {
		exprs, err := dashboards.Expressions()
		require.NoError(t, err)
		require.NotEmpty(t, exprs)
		for _, x := range exprs {
			q := dashboards.Interpolate(x.Expr, dashboards.AllValues())
			n, err := prom.count(q, x.Instant)
			require.NoError(t, err, "%s / %s: %s", x.Dashboard, x.Panel, q)
			// A findings panel is empty when there is no finding: then the
			// rows it filters must have been computed and served.
			if x.FindingsOf != "" && n == 0 {
				all := dashboards.Interpolate(x.FindingsOf, dashboards.AllValues())
				m, err := prom.count(all, true)
				require.NoError(t, err, all)
				require.Positive(t, m, "%s / %s is empty and so is what it filters (%s): the analysis served nothing to find in", x.Dashboard, x.Panel, all)
				continue
			}
			require.Positive(t, n, "%s / %s returned no data on the simulated org: %s", x.Dashboard, x.Panel, q)
		}
	})

	t.Run("stale and overdue alerts name exactly the simulator's items", func(t *testing.T) {
		want := expectedFindings(urls.Org, analyzedAt)
		require.NotEmpty(t, want.staleP1P2, "the small org should have stale P1/P2 items")
		require.NotEmpty(t, want.overdueTeams, "the small org should have overdue items")
		var firing []promAlert
		require.Eventually(t, func() bool {
			var err error
			firing, err = prom.firing()
			return err == nil && len(alertsNamed(firing, "AftermathActionItemStale")) > 0 && len(alertsNamed(firing, "AftermathActionItemsOverdue")) > 0
		}, time.Minute, time.Second)
		time.Sleep(3 * time.Second) // a few more evaluations, so every rule has run
		firing, err := prom.firing()
		require.NoError(t, err)

		var gotStale, wantStale []string
		for _, a := range alertsNamed(firing, "AftermathActionItemStale") {
			if k := a.Labels["key"]; !want.ambiguous[k] {
				gotStale = append(gotStale, k)
			}
		}
		for k := range want.staleP1P2 {
			wantStale = append(wantStale, k)
		}
		sort.Strings(gotStale)
		sort.Strings(wantStale)
		require.Equal(t, wantStale, gotStale, "AftermathActionItemStale must fire for the stale P1/P2 items and only those")

		var gotTeams, wantTeams []string
		for _, a := range alertsNamed(firing, "AftermathActionItemsOverdue") {
			gotTeams = append(gotTeams, a.Labels["team"])
			require.Contains(t, a.Annotations["description"], "ACT-", "the alert names the overdue items")
		}
		for team := range want.overdueTeams {
			wantTeams = append(wantTeams, team)
		}
		sort.Strings(gotTeams)
		sort.Strings(wantTeams)
		require.Equal(t, wantTeams, gotTeams, "AftermathActionItemsOverdue fires once per team with overdue items")

		for _, name := range []string{"AftermathClickHouseDown", "AftermathDown", "AftermathAbsent", "AftermathCollectorFailing",
			"AftermathIngestStale", "AftermathJobFailing", "AftermathSourceAPIErrors"} {
			require.Empty(t, alertsNamed(firing, name), "%s must not fire for a healthy Aftermath", name)
		}
	})
}

func alertsNamed(as []promAlert, name string) []promAlert {
	var out []promAlert
	for _, a := range as {
		if a.Labels["alertname"] == name {
			out = append(out, a)
		}
	}
	return out
}
