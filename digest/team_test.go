package digest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/digest"
)

// A team the analysis results do not know is an error that names it and
// lists the known ones; it used to give a digest of "No incidents this
// month." beside the organization's numbers.
func TestUnknownTeamIsAnError(t *testing.T) {
	st := orgFixture(t).store()
	for _, team := range []string{"nosuchteam", "payments"} {
		_, err := digest.Build(context.Background(), st, digest.Options{Month: "2026-10", Team: team, Now: genAt})
		require.ErrorIs(t, err, digest.ErrUnknownTeam, team)
		require.EqualError(t, err, `digest: unknown team "`+team+`": the analysis run run-1 knows 3 teams: "Payments", "Quiet", "Search"`)
	}
	// Every known team builds, Quiet too (incidents in August only).
	for _, team := range []string{"Payments", "Quiet", "Search"} {
		build(t, st, "2026-10", team)
	}
}

// A team digest's summary and headline state the postmortem and language
// numbers, which the results have for the whole organization only, as
// organization-wide; the organization's digest says nothing of the kind.
func TestTeamDigestSaysWhichNumbersAreOrganizationWide(t *testing.T) {
	st := orgFixture(t).store()
	d := build(t, st, "2026-10", "Search")
	summary := strings.Join(d.Summary, "\n")
	require.Contains(t, summary, "Organization-wide, postmortems were written for 5 of 7 incidents that needed one (71%, against 100% the month before: no clear change)")
	require.Contains(t, summary, "Organization-wide, 15% of postmortems used blaming language, against 10% the month before: no clear change.")
	require.Contains(t, render(t, d), `<p class="label">Postmortem coverage (organization-wide)</p><p class="value">71%</p>`)
	require.Contains(t, renderMD(t, d), "| Postmortem coverage (organization-wide) | **71% (5 of 7 needed)** |")

	org := build(t, st, "2026-10", "")
	orgSummary := strings.Join(org.Summary, "\n")
	require.Contains(t, orgSummary, "Postmortems were written for 5 of 7 incidents that needed one (71%")
	require.NotContains(t, orgSummary, "rganization-wide")
	require.Contains(t, renderMD(t, org), "| Postmortem coverage | **71% (5 of 7 needed)** |")
}
