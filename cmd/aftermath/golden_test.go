package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze"
	"github.com/aftermath-sre/aftermath/config"
	"github.com/aftermath-sre/aftermath/exporter"
	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/simulate"
	"github.com/aftermath-sre/aftermath/simulate/org"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/metrics-small-org.golden.prom")

// volatile are the lines of /metrics that depend on when and how fast the
// test ran, not on the data: durations and timestamps.
var volatile = regexp.MustCompile(`^aftermath_(collector_duration_seconds|analysis_duration_seconds|ingest_last_success_timestamp_seconds|analysis_last_success_timestamp_seconds)\b`)

// TestGoldenMetricsSmallOrg runs the whole pipeline, deterministically, on the
// small simulated org (seed 1, history ending 2026-01-01, clocks fixed at that
// end): the simulators, both ingesters, the analysis and the exporter. Its
// /metrics (less durations and timestamps) must equal the golden file, which
// `promtool check metrics` must accept. Regenerate with
// `go test ./cmd/aftermath -run TestGoldenMetricsSmallOrg -update` and review
// the diff: it is what a change does to every number the exporter serves.
func TestGoldenMetricsSmallOrg(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests and analyzes the small org")
	}
	end := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { return end }
	o, err := org.Generate(org.Options{Seed: 1, Scale: org.ScaleSmall, End: end})
	require.NoError(t, err)
	sim, err := simulate.New(simulate.Options{Org: o, Now: now, PagerDutyToken: "pd", PagerDutyRateLimit: -1,
		JiraEmail: "me@example.com", JiraToken: "jt", JiraTimeZone: "UTC"})
	require.NoError(t, err)
	srv := httptest.NewServer(sim)
	defer srv.Close()

	st := chtest.Store(t)
	ctx := context.Background()
	cfg := config.Default()
	cfg.PagerDuty.Enabled, cfg.PagerDuty.APIURL, cfg.PagerDuty.Token = true, srv.URL, config.NewSecret("pd")
	cfg.PagerDuty.RequestsPerMinute, cfg.PagerDuty.BackfillStart = 0, config.StartTime{Time: o.Start}
	cfg.Jira.Enabled, cfg.Jira.BaseURL, cfg.Jira.RequestsPerMinute = true, srv.URL, 0
	cfg.Jira.Auth.Email, cfg.Jira.Auth.Token = "me@example.com", config.NewSecret("jt")
	cfg.SLOs = []config.SLO{{Service: o.Services[0].Name, Target: 0.999, Window: config.WindowRolling28d,
		CustomerImpacting: config.CustomerImpacting{Severities: []string{"SEV1", "SEV2"}}, HourlyCost: 1000}}
	cfg.Analysis.TeamAliases = simTeamAliases(o)
	a := &app{stdout: io.Discard, stderr: io.Discard, logger: slog.New(slog.NewTextHandler(io.Discard, nil)), cfg: cfg}

	srcs, err := a.sourcesAt(st, prometheus.NewRegistry(), "all", now)
	require.NoError(t, err)
	for _, src := range srcs {
		_, err := syncOnce(ctx, src, a)
		require.NoError(t, err, src.Name())
	}
	aopts, err := a.analyzeOptions()
	require.NoError(t, err)
	aopts.Now, aopts.RunID = now, "golden"
	_, err = analyze.Run(ctx, st, aopts)
	require.NoError(t, err)

	exp, err := exporter.New(exporter.Options{Store: st, Sources: []string{"pagerduty", "jira"}, MaxItemSeries: cfg.Exporter.MaxItemSeries})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	exp.MetricsHandler(prometheus.NewRegistry()).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.Equal(t, http.StatusOK, rec.Code)

	var kept []string
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if !volatile.MatchString(line) {
			kept = append(kept, line)
		}
	}
	got := []byte(strings.Join(kept, "\n"))
	golden := filepath.Join("testdata", "metrics-small-org.golden.prom")
	if *updateGolden {
		require.NoError(t, os.WriteFile(golden, got, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "no golden file: run with -update")
	if !bytes.Equal(want, got) {
		diff := firstDiff(string(want), string(got))
		t.Fatalf("/metrics of the small org differs from %s (run with -update and review the diff); first difference:\n%s", golden, diff)
	}

	requireEveryFamilyServed(t, rec.Body.String())
	requireSimilarCommand(t, ctx, o, st.Database())

	promtool := requireTool(t, "promtool")
	check := exec.Command(promtool, "check", "metrics")
	check.Stdin = bytes.NewReader(rec.Body.Bytes())
	out, err := check.CombinedOutput()
	require.NoError(t, err, "promtool check metrics:\n%s", out)
}

// requireEveryFamilyServed fails unless every family the exporter serves
// (the analyses' and its own) has at least one sample in body: a catalogued
// family that the small org never produces is either dead or broken.
func requireEveryFamilyServed(t *testing.T, body string) {
	t.Helper()
	sampled := map[string]bool{}
	for _, line := range strings.Split(body, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, _, _ := strings.Cut(line, "{")
		name, _, _ = strings.Cut(name, " ")
		if f, ok := metrics.ByName(name); ok {
			sampled[f.Name()] = true
		}
	}
	for _, f := range exporter.Served() {
		require.True(t, sampled[f.Name()], "catalogued family %s has no sample in the small org's /metrics", f.Name())
	}
}

func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n  want: %s\n  got:  %s", i+1, wl, gl)
		}
	}
	return "(none)"
}
