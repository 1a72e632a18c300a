package digest_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze"
)

// TestDigestNamesTheInvestigateTeam: the simulated org plants one team
// whose follow-ups are mostly "investigate" (org.Latent.InvestigateTeamID);
// the organization digest names exactly that team, in the action-items
// section and the summary.
func TestDigestNamesTheInvestigateTeam(t *testing.T) {
	o, d := simulatedDigest(t)
	want := analyze.TeamKey(o.TeamByID(o.Latent.InvestigateTeamID).Name)
	require.Len(t, d.Actions.MostlyInvestigate, 1, "%+v", d.Actions.MostlyInvestigate)
	got := d.Actions.MostlyInvestigate[0]
	require.Equal(t, want, got.Team)
	require.Greater(t, 2*got.Investigate, got.Total)
	require.GreaterOrEqual(t, got.Total, 10)
	require.Contains(t, renderMD(t, d), "- Follow-ups mostly “investigate”: "+want+", ")
	found := false
	for _, s := range d.Summary {
		if containsAll(s, " of "+want+"’s ", "follow-ups over three months were “investigate”") {
			found = true
		}
	}
	require.True(t, found, "the summary names the team: %q", d.Summary)
}

func containsAll(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}
