package main

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/store/chtest"
)

// TestDigestInAnotherTimeZoneThanTheAnalysisIsBadUsage: `analyze` records
// the time zone of its calendar months; a digest asked for in another one
// (digest.time_zone changed since) exits 2 and says what to do, instead of
// labeling UTC months as Auckland's (black-box pass 10).
func TestDigestInAnotherTimeZoneThanTheAnalysisIsBadUsage(t *testing.T) {
	db := fmt.Sprintf("cli_digest_tz_%d", os.Getpid())
	migratedDatabase(t, db)

	base := fmt.Sprintf("clickhouse:\n  addresses: [%q]\n  database: %s\n", chtest.Addr(t), db)
	out := t.TempDir()
	utc := writeConfig(t, base+"digest:\n  output_dir: "+out+"\n")
	code, _, stderr := runCLI(t, "analyze", "--config", utc)
	require.Equal(t, exitOK, code, stderr)

	auckland := writeConfig(t, base+"digest:\n  output_dir: "+out+"\n  time_zone: Pacific/Auckland\n")
	code, stdout, stderr := runCLI(t, "digest", "--config", auckland, "--deliver=false")
	require.Equal(t, exitUsage, code, stderr)
	require.Empty(t, stdout)
	require.Contains(t, stderr, "aftermath digest: digest.time_zone: the analysis run ")
	require.Contains(t, stderr, "has calendar months in UTC, not Pacific/Auckland: run `aftermath analyze` with this time zone, or write the digest in UTC")

	// Runs are ordered by their times in whole seconds: the second one
	// starts in a later second, to be the latest.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
	code, _, stderr = runCLI(t, "analyze", "--config", auckland)
	require.Equal(t, exitOK, code, stderr)
	code, _, stderr = runCLI(t, "digest", "--config", auckland, "--deliver=false")
	require.NotContains(t, stderr, "calendar months in")
	require.NotEqual(t, exitUsage, code, stderr)
}
