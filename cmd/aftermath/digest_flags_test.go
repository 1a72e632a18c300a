package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// digestResult is one analysis result with labels given as name, value
// pairs (a label not given is "").
func digestResult(f metrics.Family, v float64, kv ...string) store.Result {
	given := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		given[kv[i]] = kv[i+1]
	}
	r := store.Result{Analysis: f.Analysis(), Metric: f.ResultName(), LabelNames: f.Labels(), Value: v}
	for _, name := range r.LabelNames {
		r.LabelValues = append(r.LabelValues, given[name])
	}
	return r
}

// digestStore stores one analysis run (run-1, October 2026) whose teams are
// labelled as the analysis labels them: developer-productivity (the
// canonical form of "Developer Productivity") and identity. It returns a
// config naming the database, with devprod as an alias of Developer
// Productivity, and the digest folder.
func digestStore(t *testing.T, name string) (cfg, out string) {
	t.Helper()
	ctx := context.Background()
	db := fmt.Sprintf("cli_digest_%s_%d", name, os.Getpid())
	st := migratedDatabase(t, db)
	at := time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC)
	require.NoError(t, st.WriteAnalysis(ctx, store.AnalysisRun{ID: "run-1", StartedAt: at.Add(-time.Minute), FinishedAt: at, Status: store.RunSuccess}, []store.Result{
		digestResult(metrics.IncidentsBySeverity, 2, "period", "2026-10", "severity", "SEV2"),
		digestResult(metrics.Incidents, 1, "period", "2026-10", "severity", "SEV2", "service", "ci", "team", "developer-productivity"),
		digestResult(metrics.Incidents, 1, "period", "2026-10", "severity", "SEV2", "service", "login", "team", "identity"),
	}))
	out = t.TempDir()
	cfg = writeConfig(t, fmt.Sprintf("clickhouse:\n  addresses: [%q]\n  database: %s\ndigest:\n  output_dir: %s\n"+
		"analysis:\n  team_aliases:\n    devprod: Developer Productivity\n", chtest.Addr(t), db, out))
	return cfg, out
}

// TestDigestTeamIsResolvedLikeTheAnalysisLabelsTeams: --team takes a team
// as the analysis labels it, its name as the sources spell it, or an alias
// from analysis.team_aliases (each folded with analyze.TeamKey); it used to
// take only the label, so `--team devprod` and `--team "Developer
// Productivity"` failed with "unknown team".
func TestDigestTeamIsResolvedLikeTheAnalysisLabelsTeams(t *testing.T) {
	cfg, out := digestStore(t, "alias")
	want := filepath.Join(out, "2026-10-developer-productivity.html")
	for _, team := range []string{"developer-productivity", "devprod", "DevProd", "Developer Productivity", "developer_productivity"} {
		require.NoError(t, os.RemoveAll(want))
		code, stdout, stderr := runCLI(t, "digest", "--config", cfg, "--month", "2026-10", "--deliver=false", "--team", team)
		require.Equal(t, exitOK, code, "--team %q: %s", team, stderr)
		require.Contains(t, stdout, want, "--team %q", team)
		html, err := os.ReadFile(want)
		require.NoError(t, err)
		require.Contains(t, string(html), `<meta name="aftermath-team" content="developer-productivity">`)
	}

	// A name that matches nothing is still bad usage, naming what was given
	// and the label it was looked up as.
	code, stdout, stderr := runCLI(t, "digest", "--config", cfg, "--month", "2026-10", "--deliver=false", "--team", "Developer Prod")
	require.Equal(t, exitUsage, code, stderr)
	require.Empty(t, stdout)
	require.Equal(t, `aftermath digest: --team "Developer Prod": unknown team "developer-prod": the analysis run run-1 knows 2 teams: "developer-productivity", "identity"`+"\n", stderr)
}

// TestDigestMonthErrorsNameTheFlagOnce: a bad --month says what is wrong
// with it, and a month the analysis does not cover is bad usage (exit 2)
// that says which months it covers (it used to exit 1 with "does not cover
// 2027-01"). Each message names the flag once and does not repeat
// "digest:".
func TestDigestMonthErrorsNameTheFlagOnce(t *testing.T) {
	cfg, out := digestStore(t, "month")
	for _, c := range []struct{ month, want string }{
		{"2026-13", `aftermath digest: --month "2026-13": month 13 is not 01-12`},
		{"2026-00", `aftermath digest: --month "2026-00": month 00 is not 01-12`},
		{"2026-1", `aftermath digest: --month "2026-1": want a month as YYYY-MM, e.g. 2026-10`},
		{"October", `aftermath digest: --month "October": want a month as YYYY-MM, e.g. 2026-10`},
		{"2027-01", `aftermath digest: --month: the analysis run run-1 covers 2026-10 to 2026-10, not 2027-01`},
		{"2024-01", `aftermath digest: --month: the analysis run run-1 covers 2026-10 to 2026-10, not 2024-01`},
	} {
		code, stdout, stderr := runCLI(t, "digest", "--config", cfg, "--month", c.month, "--deliver=false")
		require.Equal(t, exitUsage, code, "--month %s: %s", c.month, stderr)
		require.Empty(t, stdout)
		require.Equal(t, c.want+"\n", stderr, "--month %s", c.month)
		require.Equal(t, 1, strings.Count(stderr, "--month"), stderr)
	}
	files, err := filepath.Glob(filepath.Join(out, "*"))
	require.NoError(t, err)
	require.Empty(t, files, "nothing is written for a bad month")
}
