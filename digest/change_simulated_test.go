package digest_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze"
	"github.com/aftermath-sre/aftermath/digest"
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

// The simulated org plants no month-over-month change of its postmortem
// coverage, blaming language, vague action items or repeat shares: the
// digest compares each of them, calls none a change, and every arrow and
// sentence of December's digest carries its verdict; the summary says "up
// from"/"down from"/"rose"/"fell" only beyond chance.
func TestSimulatedDigestQualifiesEveryComparison(t *testing.T) {
	_, d := simulatedDigest(t)
	shares := map[string]bool{}
	for _, r := range d.Changes.Rows {
		if r.Stat == analyze.StatShare {
			shares[r.Measure] = true
			require.Equal(t, 0, r.Verdict, "%s: the simulator plants no change", r.Label)
			require.True(t, r.HasBefore && r.HasAfter, "%s: both months' shares shown", r.Label)
			require.LessOrEqual(t, r.Lower, r.Ratio)
			require.GreaterOrEqual(t, r.Upper, r.Ratio)
		}
	}
	for _, m := range []string{analyze.MeasureCoverage, analyze.MeasureBlame, analyze.MeasureVague, analyze.MeasureRepeats, analyze.MeasureMajorRepeats} {
		require.True(t, shares[m], "%s compared", m)
	}
	for _, m := range []digest.Measure{d.Postmortems.Coverage, d.Language.BlameRatio, d.Language.VagueRatio, d.Recurrence.Ratio, d.Recurrence.MajorRatio} {
		require.NotNil(t, m.Cmp, "%s carries its comparison", m.Name)
	}
	md, html := renderMD(t, d), render(t, d)
	for _, name := range []string{"Incidents needing a postmortem", "Postmortem coverage", "Share of all incidents", "Share of SEV1/SEV2 incidents", "Postmortems with blaming language", "Vague action items"} {
		require.Regexp(t, `\| `+name+` \| [^|]+ \| [^|]+ \| [▲▼=][^|]*(no clear change|no change)`, md, "%s: its arrow says no clear change", name)
	}
	noise, _, untested := requireArrowsJudged(t, md, html)
	require.Positive(t, noise)
	require.Positive(t, untested)
	moved := regexp.MustCompile(`\b(up from|down from|rose|fell)\b`)
	for _, s := range d.Summary {
		for _, clause := range strings.Split(s, ";") {
			if moved.MatchString(clause) && !strings.Contains(clause, "six-month average") {
				require.Contains(t, strings.ToLower(clause), "beyond chance", "a move named in the summary is beyond chance: %q", s)
			}
		}
	}
	requireArrowsJudged(t, renderMD(t, simTeam), render(t, simTeam))
	t.Logf("summary:\n%s", strings.Join(d.Summary, "\n"))
}
