package digest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze"
)

// December's digest of the simulated org (seed 11) against its one planted
// change: one team's time to resolve multiplied from 1 December. The summary
// names that team's MTTR change and says "no clear change" for the rest; the
// section lists it among the clear changes and no other team.
func TestDigestNamesOnlyThePlantedChange(t *testing.T) {
	o, d := simulatedDigest(t)
	shift := o.Latent.MTTRShift
	team := analyze.TeamKey(o.TeamByID(shift.TeamID).Name)
	require.Equal(t, "2025-12", shift.From.Format("2006-01"), "the digest's month is the planted one")

	c := d.Changes
	require.True(t, c.Compared)
	require.Greater(t, c.Tests, 50)
	var clearTeams []string
	found := false
	for _, r := range c.Clear {
		if r.Team != "" {
			clearTeams = append(clearTeams, r.Team+" "+r.Measure)
		}
		if r.Team == team && r.Measure == analyze.MeasureMTTR && r.Verdict == 1 {
			found = true
			require.Greater(t, r.Lower, 1.0)
			require.Greater(t, r.After, r.Before)
		}
	}
	require.True(t, found, "the planted change of %s is a clear change", team)
	for _, ct := range clearTeams {
		require.True(t, strings.HasPrefix(ct, team+" mttr"), "%s: no other team changed", ct)
	}

	var sentence string
	for _, s := range d.Summary {
		if strings.Contains(s, "by team or severity") {
			sentence = s
		}
	}
	require.Contains(t, sentence, "MTTR p50 of "+team+" rose", "the summary names the planted change")
	require.Contains(t, sentence, "no clear change in the other")
	for _, s := range d.Summary {
		for _, other := range o.Teams {
			if k := analyze.TeamKey(other.Name); k != team {
				require.NotContains(t, s, " of "+k+" ", "the summary names no other team's change")
			}
		}
	}
	html, md := render(t, d), renderMD(t, d)
	require.Contains(t, html, "Is the change real?")
	require.Contains(t, md, "| "+team+" · MTTR p50 |")
	if dst := os.Getenv("AFTERMATH_DIGEST_SHOTS"); dst != "" {
		require.NoError(t, os.WriteFile(filepath.Join(dst, "sim-change.html"), []byte(html), 0o644))
	}
	t.Logf("summary:\n%s", strings.Join(d.Summary, "\n"))
}
