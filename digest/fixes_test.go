package digest_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The simulated org's digest shows what each theme cost and whether the
// fixes held. The total budget burned equals an independent computation from
// the org (downtime of the three SLO services in December, overlaps merged,
// over their three monthly budgets), the themes' shares add up to it, and
// the two-minute summary names the theme that cost most.
func TestDigestThemeCostAndFixesOfASimulatedOrg(t *testing.T) {
	o, d := simulatedDigest(t)
	from := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 1, 0)
	var down float64
	for _, s := range o.Services[:min(3, len(o.Services))] {
		type iv struct{ a, b time.Time }
		var ivs []iv
		for _, x := range o.Incidents {
			if x.MergedInto != "" || x.ServiceID != s.ID || (x.Severity != "SEV1" && x.Severity != "SEV2") {
				continue
			}
			a, b := x.CreatedAt, x.ResolvedAt
			if b.IsZero() || b.After(to) {
				b = to
			}
			if a.Before(from) {
				a = from
			}
			if b.After(a) {
				ivs = append(ivs, iv{a, b})
			}
		}
		sort.Slice(ivs, func(i, j int) bool { return ivs[i].a.Before(ivs[j].a) })
		var cur iv
		for i, v := range ivs {
			if i > 0 && !v.a.After(cur.b) {
				if v.b.After(cur.b) {
					cur.b = v.b
				}
				continue
			}
			if i > 0 {
				down += cur.b.Sub(cur.a).Seconds()
			}
			cur = v
		}
		if len(ivs) > 0 {
			down += cur.b.Sub(cur.a).Seconds()
		}
	}
	budget := 3 * 0.001 * to.Sub(from).Seconds()
	require.Positive(t, down, "the SLO services had downtime in December")
	c := d.ThemeCost
	require.True(t, c.Known())
	require.InDelta(t, down/budget, c.Consumed, 1e-6)
	spend, burned := 0.0, 0.0
	for i, th := range c.Themes {
		spend += th.Spend
		burned += th.Budget
		require.NotEmpty(t, th.Label)
		if i > 0 {
			require.LessOrEqual(t, th.Budget, c.Themes[i-1].Budget, "most budget first")
		}
	}
	require.InDelta(t, 1, spend, 1e-9)
	require.InDelta(t, c.Consumed, burned, 1e-9)
	found := false
	for _, s := range d.Summary {
		if strings.Contains(s, "of December 2025's error budget") {
			found = true
			t.Logf("summary: %s", s)
		}
	}
	require.True(t, found, "the summary says what the top theme cost: %q", d.Summary)

	f := d.Fixes
	require.True(t, f.Known())
	require.NotEmpty(t, f.ByKind)
	require.NotEmpty(t, f.ByTheme)
	held, failed, open := 0, 0, 0
	for _, r := range f.ByTheme {
		held, failed, open = held+r.Held, failed+r.Failed, open+r.Open
	}
	require.Equal(t, [3]int{f.All.Held, f.All.Failed, f.All.Open}, [3]int{held, failed, open}, "the themes add up to all pairs")
	t.Logf("fixes: %s", f.Sentence())

	html := render(t, d)
	md := renderMD(t, d)
	for _, out := range []string{html, md} {
		require.Contains(t, out, "What each theme cost")
		require.Contains(t, out, "Did the fixes hold?")
		require.Contains(t, out, "95% interval")
		require.Contains(t, out, c.Themes[0].Label)
	}
	require.Contains(t, html, `id="fixes"`)
	if dst := os.Getenv("AFTERMATH_DIGEST_SHOTS"); dst != "" {
		require.NoError(t, os.WriteFile(filepath.Join(dst, "sim-fixes.html"), []byte(html), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(dst, "sim-fixes.md"), []byte(md), 0o644))
	}
}
