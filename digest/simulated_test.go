package digest_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze"
	"github.com/aftermath-sre/aftermath/analyze/followup"
	"github.com/aftermath-sre/aftermath/digest"
	"github.com/aftermath-sre/aftermath/simulate/org"
	"github.com/aftermath-sre/aftermath/simulate/orgstore"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// The simulated org is written into the store the way the ingesters would
// (domain vocabulary, UTC), without HTTP (simulate/orgstore), then analysed
// for real.
func storeSimulatedOrg(ctx context.Context, t *testing.T, st *store.Store, o *org.Org) {
	t.Helper()
	require.NoError(t, orgstore.Store(ctx, st, o))
}

var (
	simOnce   sync.Once
	simOrg    *org.Org
	simDig    *digest.Digest
	simTeam   *digest.Digest // the digest of the org digest's first team
	simFailed bool
)

// simulatedDigest generates the small simulated org (90 days ending 1
// January 2026), stores it, runs the real analysis and builds December's
// digest, once per test binary (the database is dropped with the first
// test; the digest is plain data).
func simulatedDigest(t *testing.T) (*org.Org, *digest.Digest) {
	t.Helper()
	if testing.Short() {
		t.Skip("generates and analyses a simulated org")
	}
	simOnce.Do(func() {
		simFailed = true
		ctx := context.Background()
		end := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		o, err := org.Generate(org.Options{Seed: 11, Scale: org.ScaleSmall, End: end})
		require.NoError(t, err)
		st := chtest.Store(t)
		storeSimulatedOrg(ctx, t, st, o)
		var slos []analyze.SLO
		for _, s := range o.Services[:min(3, len(o.Services))] {
			slos = append(slos, analyze.SLO{Service: s.Name, Target: 0.999, Window: analyze.WindowCalendarMonth, Severities: []string{"SEV1", "SEV2"}, HourlyCost: 1000})
		}
		runAt := end.Add(6 * time.Hour)
		_, err = analyze.Run(ctx, st, analyze.Options{Now: func() time.Time { return runAt }, SLOs: slos, MaxItemSeries: 20})
		require.NoError(t, err)
		d, err := digest.Build(ctx, st, digest.Options{Month: "2025-12", Now: func() time.Time { return runAt },
			BaseURL: "http://localhost:9187/digests/",
			Similar: func(ctx context.Context, keys []string, n int) (map[string][]analyze.SimilarPostmortem, error) {
				return analyze.SimilarMany(ctx, st, keys, n)
			}})
		require.NoError(t, err)
		require.NotEmpty(t, d.Teams)
		td, err := digest.Build(ctx, st, digest.Options{Month: "2025-12", Team: d.Teams[0].Team, Now: func() time.Time { return runAt }})
		require.NoError(t, err)
		simOrg, simDig, simTeam, simFailed = o, d, td, false
	})
	if simFailed {
		t.Fatal("building the simulated digest failed in an earlier test")
	}
	return simOrg, simDig
}

func TestDigestOfARealAnalysisOfASimulatedOrg(t *testing.T) {
	o, d := simulatedDigest(t)
	require.False(t, d.Partial)

	// The month's incidents by severity equal the simulator's ground truth.
	want := map[string]float64{}
	for _, inc := range o.Incidents {
		if inc.MergedInto == "" && inc.CreatedAt.Format("2006-01") == "2025-12" {
			want[inc.Severity]++
		}
	}
	got := map[string]float64{}
	for _, m := range d.Incidents.BySeverity {
		if v := m.Value(); v > 0 {
			got[m.Name] = v
		}
	}
	require.Equal(t, want, got)

	// The month's action items by kind equal an independent count: each
	// simulated item created in December, its summary classified.
	wantKinds := map[string]int{}
	for _, a := range o.ActionItems {
		if a.CreatedAt.Format("2006-01") == "2025-12" {
			wantKinds[string(followup.Classify(a.Summary).Kind)]++
		}
	}
	gotKinds := map[string]int{}
	for i, k := range d.Actions.Kinds {
		gotKinds[k.Kind] = k.Count
		require.True(t, k.HasClosed, k.Kind)
		require.True(t, k.Closed >= 0 && k.Closed <= 1, k.Kind)
		if i > 0 {
			require.LessOrEqual(t, k.Count, d.Actions.Kinds[i-1].Count, "most first")
		}
	}
	require.Equal(t, wantKinds, gotKinds)

	// The month's factors by cause class: every factor of a postmortem
	// created in December is counted once, most first, shares summing to 1.
	wantFactors := 0
	for _, p := range o.Postmortems {
		if p.CreatedAt.Format("2006-01") == "2025-12" {
			wantFactors += len(p.Doc.Factors)
		}
	}
	gotFactors, share := 0, 0.0
	for i, c := range d.Themes.Causes {
		require.NotEmpty(t, c.Class)
		gotFactors += c.Count
		share += c.Share
		if i > 0 {
			require.LessOrEqual(t, c.Count, d.Themes.Causes[i-1].Count, "most first")
		}
	}
	require.Greater(t, len(d.Themes.Causes), 3, "the simulated factors fall in several classes")
	require.Equal(t, wantFactors, gotFactors)
	require.InDelta(t, 1.0, share, 1e-9)
	mdOut, err := digest.RenderMarkdown(d)
	require.NoError(t, err)
	require.Contains(t, string(mdOut), "By cause class (“unclassified” when no cause is stated clearly enough to classify): "+d.Themes.Causes[0].Class+" ")

	// Every section has content.
	require.Greater(t, d.Incidents.Total.Value(), 0.0)
	require.True(t, d.Response.MTTRP90.Known())
	require.True(t, d.Response.MTTAP50.Known())
	require.True(t, d.Response.MTTRP90.VsPrevious().Text != "", "November is in the history too")
	require.NotEmpty(t, d.ErrorBudget.Services)
	require.True(t, d.Postmortems.Coverage.Known())
	require.Greater(t, d.Actions.Created.Value(), 0.0)
	require.Greater(t, d.Actions.Open.Total, 0)
	require.NotEmpty(t, d.Actions.Oldest)
	require.NotEmpty(t, d.Themes.Top)
	require.NotEqual(t, d.Themes.Top[0].ID, d.Themes.Top[0].Label, "themes have human-readable labels")
	require.True(t, d.Language.BlameRatio.Known())
	require.NotEmpty(t, d.Highlights.Lessons, "December's published postmortems state lessons")
	require.NotEmpty(t, d.Teams)
	require.GreaterOrEqual(t, len(d.Summary), 5)

	html := render(t, d)
	md := renderMD(t, d)
	if dst := os.Getenv("AFTERMATH_DIGEST_SHOTS"); dst != "" {
		require.NoError(t, os.WriteFile(filepath.Join(dst, "sim.html"), []byte(html), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(dst, "sim.md"), []byte(md), 0o644))
	}
	for _, bad := range []string{"NaN", "<no value>", "%!", "+Inf"} {
		require.NotContains(t, html, bad)
		require.NotContains(t, md, bad)
	}
	require.Contains(t, html, d.Highlights.Lessons[0].URL)
	require.Contains(t, html, "Created in the month by kind")
	require.Contains(t, md, "Created in the month by kind")

	// A team's own digest agrees with its section in the organization's.
	ts := d.Teams[0]
	require.Equal(t, ts.Team, simTeam.Team)
	require.Equal(t, ts.Incidents.Total.Series, simTeam.Incidents.Total.Series)
	require.Equal(t, ts.MTTRP90.Series, simTeam.Response.MTTRP90.Series)
	require.Equal(t, ts.Overdue, simTeam.Actions.Overdue)
	require.Equal(t, ts.Sentences[0], simTeam.Summary[0])
	require.Empty(t, simTeam.Teams)
	for _, h := range simTeam.Highlights.Lessons {
		require.Equal(t, ts.Team, h.Team)
	}
	th := render(t, simTeam)
	require.Contains(t, th, "These numbers are organization-wide.")
	require.Equal(t, len(d.Teams), strings.Count(html, `<div class="team">`))
}
