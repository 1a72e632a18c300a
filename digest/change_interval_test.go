package digest_test

import (
	"fmt"
	stdhtml "html"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze"
	"github.com/aftermath-sre/aftermath/metrics"
)

// TestAnUncorrectedIntervalSaysWhyThereIsNoClearChange: the verdict is
// corrected for the month's many comparisons (Benjamini–Hochberg), the 95%
// interval shown is not, so an interval that leaves out no change could sit
// beside "no clear change" ("Repeat incidents 766 → 645, −22% to −3%: no
// clear change"). Such a row says the verdict takes all the comparisons
// together, in the table (HTML and Markdown) and in the arrow's tooltip; a
// row whose interval holds no change still reads "no clear change".
func TestAnUncorrectedIntervalSaysWhyThereIsNoClearChange(t *testing.T) {
	f := orgFixture(t)
	// Repeat incidents 1 -> 4: ×3.9 per day, 95% interval ×1.1 to ×13 on
	// its own, not a clear change among all the month's comparisons.
	kv := []string{"period", "2026-10", "measure", analyze.MeasureRepeats, "severity", "", "team", "", "stat", analyze.StatRate}
	f.set(metrics.ChangeRatio, 4.0/1*30/31, append(kv, "bound", analyze.BoundEstimate)...)
	f.set(metrics.ChangeRatio, 1.1, append(kv, "bound", analyze.BoundLower)...)
	f.set(metrics.ChangeRatio, 13, append(kv, "bound", analyze.BoundUpper)...)
	f.set(metrics.ChangeVerdict, 0, kv...)
	d := build(t, f.store(), "2026-10", "")
	n := d.Changes.Tests
	require.Greater(t, n, 10)
	why := fmt.Sprintf("no clear change once all %d comparisons are taken together", n)

	md, html := renderMD(t, d), render(t, d)
	require.Contains(t, md, "| Repeat incidents | 1 | **4** | ×3.9 per day | ×1.1 to ×13 | "+why+" |")
	require.Contains(t, md, "| MTTR p50 | 40m | **42m** | +5% | −20% to +40% | no clear change |", "an interval around no change needs no word more")
	require.Regexp(t, `<td class="name">Repeat incidents</td>.*<td class="num[^"]*">×1\.1 to ×13</td><td[^>]*><span class="muted">`+why+`</span></td>`, html)
	require.Contains(t, html, `title="`+why+` (95% interval of the ratio to the month before, for this comparison alone: ×1.1 to ×13)"`)
	require.Contains(t, md, "it is not corrected, so an interval that leaves out no change can still read “no clear change once all the comparisons are taken together”")

	// No row anywhere shows an interval that leaves out no change beside a
	// bare "no clear change".
	for _, doc := range []string{md, stdhtml.UnescapeString(html)} {
		excluding := 0
		for _, row := range regexp.MustCompile(`(?m)^\|.*\|$|<tr>.*?</tr>`).FindAllString(doc, -1) {
			m := regexp.MustCompile(`([−+×][\d.,]+%?) to ([−+×][\d.,]+%?)`).FindStringSubmatch(row)
			if m == nil || !strings.Contains(row, "no clear change") {
				continue
			}
			excludes := (strings.HasPrefix(m[1], "+") || strings.HasPrefix(m[1], "×")) && m[1] != "+0%" ||
				strings.HasPrefix(m[2], "−") && m[2] != "−0%"
			if excludes {
				excluding++
				require.Contains(t, row, "taken together", "an interval that leaves out no change beside a bare verdict: %s", row)
			}
		}
		require.Positive(t, excluding, "the repeat incidents row is checked")
	}
}
