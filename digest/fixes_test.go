package digest_test

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/digest"
)

// The simulated org's digest shows what each theme cost and whether the
// fixes held. The total budget burned equals an independent computation from
// the org (downtime of the three SLO services in December, overlaps merged,
// over their three monthly budgets), the themes' shares add up to it, and
// the two-minute summary names the theme that cost most.
func TestDigestThemeCostAndFixesOfASimulatedOrg(t *testing.T) {
	o, d := simulatedDigest(t)
	downtime := func(from, to time.Time) float64 {
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
		return down
	}
	from := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 1, 0)
	down := downtime(from, to)
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
	// The quarter: the covered months up to December, against their budgets.
	require.NotEmpty(t, c.QuarterMonths)
	require.Equal(t, "2025-12", c.QuarterMonths[len(c.QuarterMonths)-1])
	qFrom, err := time.Parse("2006-01", c.QuarterMonths[0])
	require.NoError(t, err)
	quarter := 0.0
	for _, th := range c.Themes {
		quarter += th.Quarter
	}
	require.InDelta(t, downtime(qFrom, to)/(3*0.001*to.Sub(qFrom).Seconds()), quarter, 1e-6, "themes' quarter shares add up to the quarter's downtime over its budget")
	t.Logf("quarter %s: %.4f of the budget", c.QuarterName(), quarter)
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
	// The fixes still owed while their failure repeats: the run's most
	// repeated across teams, each with its postmortem, theme and dates.
	require.NotEmpty(t, f.Pending)
	require.LessOrEqual(t, len(f.Pending), 5)
	for i, p := range f.Pending {
		require.NotEmpty(t, p.Postmortem)
		require.NotEmpty(t, p.Title, p.Postmortem)
		require.NotEmpty(t, p.Theme, p.Postmortem)
		require.Positive(t, p.Repeats, p.Postmortem)
		require.Positive(t, p.OpenItems, p.Postmortem)
		require.LessOrEqual(t, p.OpenItems, p.Items, p.Postmortem)
		require.True(t, p.LastAt.After(p.Since), p.Postmortem)
		if i > 0 {
			require.LessOrEqual(t, p.Repeats, f.Pending[i-1].Repeats, "most repeats first")
		}
		t.Logf("pending: %s %s", p.Postmortem, p.Line(time.UTC))
	}

	html := render(t, d)
	md := renderMD(t, d)
	for _, out := range []string{html, md} {
		require.Contains(t, out, "Still failing while the fixes are open")
		require.Contains(t, out, f.Pending[0].Title)
	}
	// The summary names the most repeated, in the organization's digest
	// and in a team's.
	requireSummaryNames := func(d *digest.Digest) {
		t.Helper()
		for _, s := range d.Summary {
			if strings.Contains(s, "repeats most while its fixes are open: "+d.Fixes.Pending[0].Postmortem+" ") {
				return
			}
		}
		t.Fatalf("the summary does not name %s: %q", d.Fixes.Pending[0].Postmortem, d.Summary)
	}
	requireSummaryNames(d)
	requireSummaryNames(simTeam)
	// How the open items are spread over their owners.
	require.True(t, d.Actions.HasOwners)
	require.Greater(t, d.Actions.Owners, 10)
	require.Greater(t, d.Actions.BusiestShare, 0.1, "the busiest tenth hold at least a tenth")
	require.LessOrEqual(t, d.Actions.BusiestShare, 1.0)
	require.Contains(t, md, "Open items with an owner are held by")
	require.Contains(t, html, "Open items with an owner are held by")
	// A team's digest has no fixes section but lists the team's own.
	td := simTeam
	require.False(t, td.Fixes.Known())
	require.NotEmpty(t, td.Fixes.Pending, "team %s", td.Team)
	for _, p := range td.Fixes.Pending {
		require.Equal(t, td.Team, p.Team, p.Postmortem)
	}
	for _, out := range []string{render(t, td), renderMD(t, td)} {
		require.Contains(t, out, "Still failing while the fixes are open")
		require.Contains(t, out, td.Fixes.Pending[0].Title)
		require.NotContains(t, out, "Did the fixes hold?")
	}
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

// TestDigestFixesMatchTheLatentEffect builds the digest of the medium
// simulated org (a year of history) through ingest rows, the real analysis
// and ClickHouse, and checks "did the fixes hold" against the simulator's
// ground truth: every theme the digest reads as held is, by its factors'
// latent themes, one whose fixes the simulator makes hold, and every theme
// it reads as "no clear change" one whose fixes do not; the summary counts
// the themes that held.
func TestDigestFixesMatchTheLatentEffect(t *testing.T) {
	m := mediumDigest(t)
	o, d := m.org, m.digest
	idOf := map[string]string{}
	for _, s := range m.themes {
		idOf[s.Label] = s.ID
	}
	votes := map[string]map[string]int{}
	for _, a := range m.factorThemes {
		p := o.PostmortemByKey(a.PostmortemKey)
		require.NotNil(t, p)
		if votes[a.ThemeID] == nil {
			votes[a.ThemeID] = map[string]int{}
		}
		votes[a.ThemeID][p.FactorThemes[a.Ordinal-1]]++
	}
	held, checked := 0, 0
	for _, r := range d.Fixes.ByTheme {
		id, ok := idOf[r.Name]
		require.True(t, ok, "theme label %q", r.Name)
		best, n, total := "", 0, 0
		for l, c := range votes[id] {
			total += c
			if c > n {
				best, n = l, c
			}
		}
		if r.Verdict() == "held" {
			held++
		}
		if float64(n) < 0.8*float64(total) {
			continue // a mix of latent themes says nothing about one
		}
		checked++
		want := "no clear change"
		if o.Latent.FixHolds[best] {
			want = "held"
		}
		require.Equal(t, want, r.Verdict(), "%s (latent %s): %s", r.Name, best, r.Interval())
	}
	require.GreaterOrEqual(t, checked, 10)
	found := false
	for _, s := range d.Summary {
		if strings.Contains(s, "cut repeat failures beyond chance for "+strconv.Itoa(held)+" themes") {
			found = true
		}
	}
	require.True(t, found, "the summary counts the themes that held: %q", d.Summary)
}
