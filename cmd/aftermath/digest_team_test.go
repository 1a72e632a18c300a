package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// TestDigestOfAnUnknownTeamIsBadUsage: `digest --team` with a team the
// analysis does not know exits 2, names the team and lists the known ones,
// and writes nothing (it used to exit 0 with a digest of "No incidents
// this month." beside the organization's numbers).
func TestDigestOfAnUnknownTeamIsBadUsage(t *testing.T) {
	ctx := context.Background()
	db := fmt.Sprintf("cli_digest_team_%d", os.Getpid())
	st := migratedDatabase(t, db)

	at := time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC)
	require.NoError(t, st.WriteAnalysis(ctx, store.AnalysisRun{ID: "run-1", StartedAt: at.Add(-time.Minute), FinishedAt: at, Status: store.RunSuccess}, []store.Result{
		digestResult(metrics.IncidentsBySeverity, 2, "period", "2026-10", "severity", "SEV2"),
		digestResult(metrics.Incidents, 1, "period", "2026-10", "severity", "SEV2", "service", "login", "team", "identity"),
		digestResult(metrics.Incidents, 1, "period", "2026-10", "severity", "SEV2", "service", "checkout", "team", "payments"),
	}))

	out := t.TempDir()
	cfg := writeConfig(t, fmt.Sprintf("clickhouse:\n  addresses: [%q]\n  database: %s\ndigest:\n  output_dir: %s\n", chtest.Addr(t), db, out))
	code, stdout, stderr := runCLI(t, "digest", "--config", cfg, "--month", "2026-10", "--deliver=false", "--team", "nosuchteam")
	require.Equal(t, exitUsage, code, stderr)
	require.Empty(t, stdout)
	require.Contains(t, stderr, `aftermath digest: --team: unknown team "nosuchteam": the analysis run run-1 knows 2 teams: "identity", "payments"`)
	files, err := filepath.Glob(filepath.Join(out, "*"))
	require.NoError(t, err)
	require.Empty(t, files, "nothing is written for an unknown team")

	// An empty --team (a variable that expanded to nothing) is a mistake,
	// not the organization's digest.
	code, _, stderr = runCLI(t, "digest", "--config", cfg, "--month", "2026-10", "--deliver=false", "--team", "")
	require.Equal(t, exitUsage, code, stderr)
	require.Contains(t, stderr, "--team")
	require.Contains(t, stderr, "leave --team out for the whole organization's digest")
	files, err = filepath.Glob(filepath.Join(out, "*"))
	require.NoError(t, err)
	require.Empty(t, files, "nothing is written for an empty team")

	code, stdout, stderr = runCLI(t, "digest", "--config", cfg, "--month", "2026-10", "--deliver=false", "--team", "identity")
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, stdout, filepath.Join(out, "2026-10-identity.html"))
}
