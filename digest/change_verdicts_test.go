package digest_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze"
	"github.com/aftermath-sre/aftermath/digest"
	"github.com/aftermath-sre/aftermath/metrics"
)

// mdArrow is a Markdown cell with a month-over-month arrow and what follows
// it up to the end of the cell.
var mdArrow = regexp.MustCompile(`[▲▼] [^|]*`)

// requireArrowsJudged checks that every arrow of the Markdown digest says
// whether its change is beyond chance, within it, or was not tested, and
// that every HTML arrow carries its verdict beside it.
func requireArrowsJudged(t *testing.T, md, html string) (noise, real, untested int) {
	t.Helper()
	for _, cell := range mdArrow.FindAllString(md, -1) {
		switch {
		case strings.Contains(cell, "("+digest.VerdictNoise+")"):
			noise++
		case strings.Contains(cell, "("+digest.VerdictReal+")"):
			real++
		case strings.Contains(cell, "("+digest.VerdictUntested+")"):
			untested++
		default:
			t.Errorf("markdown arrow without a verdict: %q", cell)
		}
	}
	spans := regexp.MustCompile(`<span class="chg [^"]*"[^>]*>[▲▼][^<]*</span>(?: <span>vs \w+</span>)?(<span class="verdict">[^<]*</span>)?`).FindAllStringSubmatch(html, -1)
	require.NotEmpty(t, spans)
	for _, s := range spans {
		require.NotEmpty(t, s[1], "html arrow without a verdict: %s", s[0])
		if strings.Contains(s[1], digest.VerdictNoise) {
			require.Contains(t, s[0], " noise\"", "an arrow within chance is drawn grey: %s", s[0])
		}
	}
	return noise, real, untested
}

func TestEveryArrowCarriesItsVerdict(t *testing.T) {
	st := orgFixture(t).store()
	d := build(t, st, "2026-10", "")
	md, html := renderMD(t, d), render(t, d)
	noise, real, untested := requireArrowsJudged(t, md, html)
	require.Positive(t, noise)
	require.Positive(t, real)
	require.Positive(t, untested)
	for _, want := range []string{
		"| Postmortem coverage | **71%** | 100% | ▼ −29 pts (no clear change) |",
		"| MTTR p90 | **3h 10m** | 2h 26m | ▲ +30% (beyond chance) |",
		"| Postmortems with blaming language | **15%** | 10% | ▲ +5 pts (no clear change) |",
		"| Share of SEV1/SEV2 incidents | **29%** | 14% | ▲ +15 pts (no clear change) |", // 29 − 14 as shown (28.6% − 14.3%)
		"| Share of all incidents | **12%** | 5% | ▲ +7 pts (no clear change) |",
		"| Repeat incidents | **4** | 0 | ▲ +4 (no clear change) |",
		"| Created | **35** | 18 | ▲ +17 (not tested) |",
		"| deploy config | **9** | 3 | ▲ +6 (not tested) |",
		// The shares are rows of the section, with their counts' test.
		"| Postmortem coverage | 100% | **71%** | −29% | ",
		"| SEV1 + SEV2 incidents | 7 | **7** | ",
	} {
		require.Contains(t, md, want)
	}
	require.Contains(t, html, `title="no clear change (95% interval of the ratio to the month before: `)
	// The headline tile of SEV1 + SEV2 is judged by its own comparison.
	require.Regexp(t, `SEV1 \+ SEV2 \| \*\*7\*\* \| = no change \|`, md)

	// A team digest: the team's incidents and MTTR are compared, its
	// severities and the organization's shares are not.
	d = build(t, st, "2026-10", "Payments")
	md, html = renderMD(t, d), render(t, d)
	requireArrowsJudged(t, md, html)
	require.Contains(t, md, "| SEV2 | **3** | 1 | ▲ +2 (not tested) |")
	require.Contains(t, md, "| All | **5** | 4 | ▲ +1 (no clear change) |")
	// Its postmortem and language sections show the organization's numbers,
	// with the organization's verdicts.
	require.Contains(t, md, "| Postmortem coverage | **71%** | 100% | ▼ −29 pts (no clear change) |")
	require.Contains(t, md, "| Postmortems with blaming language | **15%** | 10% | ▲ +5 pts (no clear change) |")
}

// A share that moved beyond chance is named with its direction and
// interval; one within chance says "no clear change"; one the run did not
// test states the number the month before and no direction.
func TestShareSentencesFollowTheVerdict(t *testing.T) {
	cases := []struct {
		verdict float64
		want    string
	}{
		{-1, "Postmortems were written for 5 of 7 incidents that needed one (71%, down from 100% beyond chance (95% interval of the ratio "},
		{0, "Postmortems were written for 5 of 7 incidents that needed one (71%, against 100% the month before: no clear change);"},
	}
	for _, c := range cases {
		f := orgFixture(t)
		f.set(metrics.ChangeVerdict, c.verdict, "period", "2026-10", "measure", analyze.MeasureCoverage, "severity", "", "team", "", "stat", analyze.StatShare)
		d := build(t, f.store(), "2026-10", "")
		require.Contains(t, strings.Join(d.Summary, "\n"), c.want)
		md := renderMD(t, d)
		if c.verdict != 0 {
			require.Contains(t, md, "| Postmortem coverage | **71%** | 100% | ▼ −29 pts (beyond chance) |")
		}
	}
	// A run without the share comparisons (from before them): numbers only.
	f := orgFixture(t)
	var kept []string
	for _, r := range f.results {
		if r.Label("stat") == analyze.StatShare {
			continue
		}
		kept = append(kept, r.Metric)
		f.results[len(kept)-1] = r
	}
	f.results = f.results[:len(kept)]
	d := build(t, f.store(), "2026-10", "")
	sum := strings.Join(d.Summary, "\n")
	require.Contains(t, sum, "(71%; 100% the month before)")
	require.NotContains(t, sum, "down from")
	require.Contains(t, renderMD(t, d), "| Postmortem coverage | **71%** | 100% | ▼ −29 pts (not tested) |")
}
