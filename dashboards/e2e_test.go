package dashboards_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/dashboards"
	"github.com/aftermath-sre/aftermath/dashboards/alerts"
	"github.com/aftermath-sre/aftermath/exporter"
	"github.com/aftermath-sre/aftermath/exporter/exportertest"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// End to end: a real Prometheus (Debian's) scrapes the exporter serving
// analysis results stored in a real ClickHouse, with Aftermath's alert rules
// loaded. Every dashboard query must return data, the live /metrics must pass
// `promtool check metrics`, and the stale/overdue alerts must fire for the
// known items and only for them.
//
// The rules' `for` durations (30m for findings) are set to 0s in the copy
// Prometheus loads, so the test does not wait half an hour; their timing is
// covered by the promtool unit tests in dashboards/alerts.
func TestEndToEndWithPrometheus(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prometheus")
	}
	promBin := tool(t, "prometheus")
	promtool := tool(t, "promtool")
	st := chtest.Store(t)
	ctx := context.Background()

	now := time.Now().UTC()
	run := store.AnalysisRun{ID: "e2e", StartedAt: now.Add(-time.Minute), FinishedAt: now, Status: store.RunSuccess}
	require.NoError(t, st.WriteAnalysis(ctx, run, exportertest.Results(now)))
	for _, src := range []string{"pagerduty", "jira"} {
		require.NoError(t, st.RecordIngestRun(ctx, store.IngestRun{Source: src, RunID: src + "-1", StartedAt: now.Add(-time.Minute), FinishedAt: now, Status: "success"}))
	}
	e, err := exporter.New(exporter.Options{Store: st, Sources: []string{"jira", "pagerduty"}, MaxItemSeries: 200})
	require.NoError(t, err)
	// What serve's scheduler registers: its "job" label meets the target's.
	reg := prometheus.NewRegistry()
	jobRuns := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aftermath_job_runs_total", Help: "Scheduled job runs by job and result."}, []string{"task", "result"})
	jobRuns.WithLabelValues("analysis", "success").Inc()
	reg.MustRegister(jobRuns)
	h, err := exporter.NewHandler(exporter.HandlerOptions{Exporter: e, Gatherer: reg, Ready: e.Ready})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()

	// The live /metrics is clean.
	resp, err := http.Get(srv.URL + "/metrics")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	check := exec.Command(promtool, "check", "metrics")
	check.Stdin = bytes.NewReader(body)
	out, err := check.CombinedOutput()
	require.NoError(t, err, "promtool check metrics on the live /metrics:\n%s", out)

	prom := startPrometheus(t, promBin, strings.TrimPrefix(srv.URL, "http://"))

	// Wait for a few scrapes and a rule evaluation.
	require.Eventually(t, func() bool {
		r, err := prom.query("count_over_time(aftermath_up[1m])", time.Time{})
		return err == nil && len(r) == 1 && r[0].value() >= 3
	}, 60*time.Second, 500*time.Millisecond, "Prometheus did not scrape the exporter")

	t.Run("every dashboard query returns data", func(t *testing.T) {
		exprs, err := dashboards.Expressions()
		require.NoError(t, err)
		end := time.Now()
		for _, x := range exprs {
			q := dashboards.Interpolate(x.Expr, dashboards.AllValues())
			var n int
			var err error
			if x.Instant {
				var r []sample
				r, err = prom.query(q, end)
				n = len(r)
			} else {
				n, err = prom.queryRange(q, end.Add(-30*time.Second), end, time.Second)
			}
			require.NoError(t, err, "%s / %s: %s", x.Dashboard, x.Panel, q)
			require.Positive(t, n, "%s / %s returned no data: %s", x.Dashboard, x.Panel, q)
		}
	})

	t.Run("the scheduler's task label survives the scrape", func(t *testing.T) {
		r, err := prom.query(`aftermath_job_runs_total{job="aftermath", task="analysis", result="success"}`, time.Time{})
		require.NoError(t, err)
		require.Len(t, r, 1, "AftermathJobFailing groups by task")
	})

	t.Run("alerts fire for the known items and only for them", func(t *testing.T) {
		var firing []alert
		require.Eventually(t, func() bool {
			firing, err = prom.alerts()
			return err == nil && len(byName(firing, "AftermathActionItemStale")) > 0 && len(byName(firing, "AftermathActionItemsOverdue")) > 0
		}, 30*time.Second, 500*time.Millisecond)
		time.Sleep(2 * time.Second) // one more evaluation, so every rule has run
		firing, err = prom.alerts()
		require.NoError(t, err)

		var wantStale []string
		for _, it := range exportertest.Stale {
			if it.Priority == "P1" || it.Priority == "P2" {
				wantStale = append(wantStale, it.Key)
			}
		}
		require.Equal(t, sorted(wantStale), sorted(labelValues(byName(firing, "AftermathActionItemStale"), "key")))

		wantTeams := map[string][]string{}
		for _, it := range exportertest.Overdue {
			wantTeams[it.Team] = append(wantTeams[it.Team], it.Key)
		}
		overdue := byName(firing, "AftermathActionItemsOverdue")
		require.Len(t, overdue, len(wantTeams))
		key := regexp.MustCompile(`ACT-\d+`)
		for _, a := range overdue {
			want, ok := wantTeams[a.Labels["team"]]
			require.True(t, ok, "overdue alert for team %s, which has no overdue item", a.Labels["team"])
			require.Equal(t, sorted(want), sorted(key.FindAllString(a.Annotations["description"], -1)), "the alert names the team's overdue items: %s", a.Annotations["description"])
		}

		var draft, publish []string
		for _, p := range exportertest.OverduePostmortems {
			if p.Stage == "draft" {
				draft = append(draft, p.Incident)
			} else {
				publish = append(publish, p.Incident)
			}
		}
		require.Equal(t, draft, labelValues(byName(firing, "AftermathPostmortemNotDrafted"), "incident"))
		require.Equal(t, publish, labelValues(byName(firing, "AftermathPostmortemNotPublished"), "incident"))

		for _, name := range []string{"AftermathClickHouseDown", "AftermathDown", "AftermathAbsent", "AftermathCollectorFailing",
			"AftermathAnalysisStale", "AftermathIngestStale", "AftermathJobFailing", "AftermathSourceAPIErrors"} {
			require.Empty(t, byName(firing, name), "%s must not fire for a healthy Aftermath", name)
		}
	})
}

type prometheusProc struct {
	base string
}

func startPrometheus(t *testing.T, bin, target string) *prometheusProc {
	t.Helper()
	dir := t.TempDir()
	rules := regexp.MustCompile(`(?m)^(\s+for:) \S+$`).ReplaceAllString(string(alerts.Rules()), "$1 0s")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "aftermath.rules.yml"), []byte(rules), 0o644))
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - aftermath.rules.yml
scrape_configs:
  - job_name: aftermath
    static_configs:
      - targets: [%q]
`, target)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	var logs bytes.Buffer
	cmd := exec.Command(bin,
		"--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--log.level=warn")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("prometheus output:\n%s", logs.String())
		}
	})
	p := &prometheusProc{base: "http://" + addr}
	require.Eventually(t, func() bool {
		select {
		case <-exited:
			t.Fatalf("prometheus exited:\n%s", logs.String())
		default:
		}
		resp, err := http.Get(p.base + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 60*time.Second, 200*time.Millisecond, "prometheus did not become ready")
	return p
}

type sample struct {
	Metric map[string]string `json:"metric"`
	Value  []any             `json:"value"`
}

func (s sample) value() float64 {
	var f float64
	if len(s.Value) == 2 {
		fmt.Sscan(fmt.Sprint(s.Value[1]), &f)
	}
	return f
}

func (p *prometheusProc) get(path string, params url.Values, into any) error {
	resp, err := http.Get(p.base + path + "?" + params.Encode())
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

func (p *prometheusProc) query(q string, at time.Time) ([]sample, error) {
	params := url.Values{"query": {q}}
	if !at.IsZero() {
		params.Set("time", fmt.Sprint(at.Unix()))
	}
	var data struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := p.get("/api/v1/query", params, &data); err != nil {
		return nil, err
	}
	if data.ResultType == "scalar" {
		return []sample{{}}, nil
	}
	var out []sample
	return out, json.Unmarshal(data.Result, &out)
}

// queryRange returns the number of series with at least one point.
func (p *prometheusProc) queryRange(q string, start, end time.Time, step time.Duration) (int, error) {
	params := url.Values{"query": {q}, "start": {fmt.Sprint(start.Unix())}, "end": {fmt.Sprint(end.Unix())}, "step": {step.String()}}
	var data struct {
		Result []struct {
			Values [][]any `json:"values"`
		} `json:"result"`
	}
	if err := p.get("/api/v1/query_range", params, &data); err != nil {
		return 0, err
	}
	n := 0
	for _, r := range data.Result {
		if len(r.Values) > 0 {
			n++
		}
	}
	return n, nil
}

type alert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	State       string            `json:"state"`
}

func (p *prometheusProc) alerts() ([]alert, error) {
	var data struct {
		Alerts []alert `json:"alerts"`
	}
	if err := p.get("/api/v1/alerts", nil, &data); err != nil {
		return nil, err
	}
	var firing []alert
	for _, a := range data.Alerts {
		if a.State == "firing" {
			firing = append(firing, a)
		}
	}
	return firing, nil
}

func byName(as []alert, name string) []alert {
	var out []alert
	for _, a := range as {
		if a.Labels["alertname"] == name {
			out = append(out, a)
		}
	}
	return out
}

func labelValues(as []alert, label string) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Labels[label])
	}
	sort.Strings(out)
	return out
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return out
}
