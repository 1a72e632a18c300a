package digest_test

import (
	"context"
	"math"
	"regexp"
	"slices"
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
		var ut *digest.UnknownTeamError
		require.ErrorAs(t, err, &ut, "the CLI reports it under --team without digest's prefix")
		require.Equal(t, `unknown team "`+team+`": the analysis run run-1 knows 3 teams: "Payments", "Quiet", "Search"`, ut.Error())
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

// orgOnly makes every figure of the fixture that the results keep for the
// whole organization only (a metric with neither a team nor a service
// label) half as large again, leaving zeros, infinities and the rest as
// they are.
func orgOnly(f *fixture) {
	for i, r := range f.results {
		if slices.Contains(r.LabelNames, "team") || slices.Contains(r.LabelNames, "service") ||
			r.Value == 0 || math.IsInf(r.Value, 0) {
			continue
		}
		f.results[i].Value = r.Value * 1.5
	}
}

// blocks splits a rendered digest into its sections and each section into
// the blocks a reader takes in at once (a Markdown line; an HTML headline
// tile, paragraph, table row or list item).
func blocks(doc string, html bool) [][]string {
	var sections []string
	var split *regexp.Regexp
	if html {
		sections = strings.Split(doc, "<section")
		split = regexp.MustCompile(`</tr>|</li>|<div class="kpi">|<p class="lede">|<p>|<h3|</h2>`)
	} else {
		sections = strings.Split(doc, "\n## ")
		split = regexp.MustCompile(`\n`)
	}
	out := make([][]string, len(sections))
	for i, s := range sections {
		out[i] = split.Split(s, -1)
	}
	return out
}

// TestTeamDigestMarksEveryOrganizationWideFigure: a team's digest shows
// some figures the results keep for the whole organization only (no team
// label: Kaplan–Meier time to close, postmortem timeliness, language
// findings...). Changing only those figures in the results may change
// only text that says it is organization-wide: the block itself (a line, a
// tile, a paragraph) or its section ("These numbers are
// organization-wide."). The Markdown's time to close used to say nothing.
func TestTeamDigestMarksEveryOrganizationWideFigure(t *testing.T) {
	base := build(t, orgFixture(t).store(), "2026-10", "Search")
	f := orgFixture(t)
	orgOnly(f)
	moved := build(t, f.store(), "2026-10", "Search")
	for _, html := range []bool{false, true} {
		a, b := renderMD(t, base), renderMD(t, moved)
		if html {
			a, b = render(t, base), render(t, moved)
		}
		as, bs := blocks(a, html), blocks(b, html)
		require.Equal(t, len(as), len(bs), "the same sections")
		changed := 0
		for i := range as {
			if strings.Contains(strings.Join(bs[i], ""), "These numbers are organization-wide.") {
				continue // the section says so
			}
			seen := map[string]bool{}
			for _, x := range as[i] {
				seen[x] = true
			}
			for _, x := range bs[i] {
				if seen[x] {
					continue
				}
				changed++
				require.Regexp(t, `[Oo]rganization-wide`, x, "html=%v: a team digest's figure moved with the organization's without saying it is organization-wide", html)
			}
		}
		require.Positive(t, changed, "html=%v: the organization-wide figures outside the marked sections moved", html)
	}
}
