package digest_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze"
	"github.com/aftermath-sre/aftermath/metrics"
)

// addFixRow writes one "did the fixes hold" breakdown (kind "" is all):
// repeats while the items were open and after all closed, each phase's
// exposure chosen so its rate per 30 days is the one given, and the rate
// ratio's interval.
func addFixRow(f *fixture, kind string, held, failed, open int, openRepeats, closedRepeats int, openRate, closedRate, lo, est, hi float64) {
	const per30d = 30 * 86400
	l := func(kv ...string) []string { return append([]string{"theme", "", "kind", kind, "team", ""}, kv...) }
	f.add(metrics.FixPostmortemThemes, float64(held), l("state", analyze.FixHeld)...)
	f.add(metrics.FixPostmortemThemes, float64(failed), l("state", analyze.FixFailed)...)
	f.add(metrics.FixPostmortemThemes, float64(open), l("state", analyze.FixOpen)...)
	f.add(metrics.FixRepeats, float64(openRepeats), l("phase", analyze.PhaseOpen)...)
	f.add(metrics.FixRepeats, float64(closedRepeats), l("phase", analyze.PhaseClosed)...)
	f.add(metrics.FixExposureSeconds, float64(openRepeats)/openRate*per30d, l("phase", analyze.PhaseOpen)...)
	f.add(metrics.FixExposureSeconds, float64(closedRepeats)/closedRate*per30d, l("phase", analyze.PhaseClosed)...)
	f.add(metrics.FixRepeatRateRatio, lo, l("stat", analyze.StatLower)...)
	f.add(metrics.FixRepeatRateRatio, est, l("stat", analyze.StatEstimate)...)
	f.add(metrics.FixRepeatRateRatio, hi, l("stat", analyze.StatUpper)...)
}

// TestFixesShowTheRatesTheyCompare: "did the fixes hold?" compares repeat
// rates per 30 days, and detect items can hold with more repeats after
// closing than before (1,108 → 1,323 over a longer time). The page said
// "Every kind of item shows fewer repeats after closing" beside those
// counts, with the rates in a tooltip only. The sentence now says what is
// compared, and the rates are in a visible column (HTML, also on a phone,
// and Markdown) for every row.
func TestFixesShowTheRatesTheyCompare(t *testing.T) {
	f := orgFixture(t)
	addFixRow(f, "", 40, 25, 10, 1308, 1373, 0.85, 0.39, 0.41, 0.46, 0.5)
	addFixRow(f, "detect", 30, 20, 6, 1108, 1323, 0.9, 0.4, 0.4, 0.44, 0.49)
	addFixRow(f, "prevent", 10, 5, 4, 200, 50, 0.5, 0.2, 0.3, 0.4, 0.55)
	d := build(t, f.store(), "2026-10", "")
	require.Len(t, d.Fixes.ByKind, 2)
	md, html := renderMD(t, d), render(t, d)

	sentence := "Every kind of item shows a lower repeat rate (repeats per 30 days) after closing"
	require.Contains(t, html, sentence)
	require.Contains(t, md, sentence)
	for _, r := range append(d.Fixes.ByKind, d.Fixes.All) {
		require.Less(t, r.ClosedRate, r.OpenRate, "%s: the sentence holds for every kind", r.Name)
		rates := fmt.Sprintf("%.2f → %.2f", r.OpenRate, r.ClosedRate)
		require.Regexp(t, `<td class="name">`+regexp.QuoteMeta(r.Name)+`</td>.*<td class="num wrap">`+rates+`</td>`, html, "%s: the rates in a cell shown at every width", r.Name)
		require.Regexp(t, `\| `+regexp.QuoteMeta(r.Name)+` \|.*\| `+rates+` \|`, md)
	}
	require.Contains(t, html, `<td class="num wrap">0.90 → 0.40</td><td class="num hide-sm">1,108 → 1,323</td>`)
	require.NotRegexp(t, `title="[^"]*per 30 days`, html, "nothing only in a tooltip")
	require.NotContains(t, html+md, "fewer repeats")
	// Why the kinds add up to more than the All row.
	require.Contains(t, html, "so the kinds add up to more than the All row, which counts every item.")
	require.Contains(t, md, "so the kinds add up to more than the All row, which counts every item.")
	head := regexp.MustCompile(`<th class="num">Per 30 days,<br>open → closed</th>`)
	require.Len(t, head.FindAllString(html, -1), 2, "both tables head the rates")
	require.True(t, strings.Contains(md, "| Per 30 days, open → closed |"))
}
