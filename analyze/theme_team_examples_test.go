package analyze

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze/language"
	"github.com/aftermath-sre/aftermath/simulate/org"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// TestThemeTeamExamplesAreTheTeamsLatest: for every team, theme and month
// of the run with factors of the theme, the run stores one example (a team
// digest's quote): a factor of the theme from the team's latest postmortem
// of the month, with its text; checked against the stored assignments and
// the generated postmortems.
func TestThemeTeamExamplesAreTheTeamsLatest(t *testing.T) {
	ctx := context.Background()
	o := testOrg(t, org.ScaleSmall)
	st := chtest.Store(t)
	storeOrg(ctx, t, st, o)
	opts := testOptions(o.End, time.UTC, nil)
	sum, err := Run(ctx, st, opts)
	require.NoError(t, err)

	type pmInfo struct {
		team string
		at   time.Time
	}
	pms := map[string]pmInfo{}
	for _, pm := range orgPostmortems(o) {
		team := pm.Team
		if team == "" {
			team = "unknown"
		}
		pms[pm.Key] = pmInfo{team, pm.CreatedAt}
	}
	months := map[string]bool{}
	for m := o.End.AddDate(0, -12, 0); !m.After(o.End); m = m.AddDate(0, 1, 0) {
		months[m.UTC().Format("2006-01")] = true
	}
	assigned, err := st.FactorThemes(ctx, sum.RunID)
	require.NoError(t, err)
	theme := map[string]string{}
	type group struct{ theme, team, month string }
	latest := map[group]time.Time{}
	for _, a := range assigned {
		theme[FactorID(a.PostmortemKey, a.Ordinal)] = a.ThemeID
		pm := pms[a.PostmortemKey]
		g := group{a.ThemeID, pm.team, pm.at.UTC().Format("2006-01")}
		if months[g.month] && pm.at.After(latest[g]) {
			latest[g] = pm.at
		}
	}
	require.NotEmpty(t, latest)

	items, err := st.AnalysisItems(ctx, sum.RunID, store.AnalysisItemFilter{Kind: ItemThemeTeamExample})
	require.NoError(t, err)
	seen := map[group]bool{}
	for _, it := range items {
		g := group{it.Key, it.Team, it.Period}
		require.False(t, seen[g], "one example per team, theme and month: %v", g)
		seen[g] = true
		factor, pmKey := it.Field("factor"), it.Field("postmortem")
		require.Equal(t, it.Key, theme[factor], "%v: the example is a factor of the theme", g)
		pm := pms[pmKey]
		require.Equal(t, it.Team, pm.team, "%v: a postmortem of the team", g)
		require.Equal(t, it.Period, pm.at.UTC().Format("2006-01"), "%v: created in the month", g)
		require.True(t, pm.at.Equal(latest[g]), "%v: the team's latest postmortem of the month in the theme", g)
		require.NotEmpty(t, it.Field("text"))
	}
	// Every group has its example, but for those whose example would
	// blame: the digest quotes none (the simulator writes some).
	names, err := st.PersonNames(ctx)
	require.NoError(t, err)
	checker := language.NewChecker(language.BlameOptions{Names: names})
	text := map[string]string{}
	for _, pm := range orgPostmortems(o) {
		for _, f := range pm.Factors {
			text[FactorID(pm.Key, f.Ordinal)] = factorText(&store.Factor{Name: f.Name, Text: f.Text})
		}
	}
	for g, at := range latest {
		if seen[g] {
			continue
		}
		var first string // the group's latest postmortem's first factor in the theme
		for _, a := range assigned {
			pm := pms[a.PostmortemKey]
			if a.ThemeID == g.theme && pm.team == g.team && pm.at.Equal(at) && (first == "" || FactorID(a.PostmortemKey, a.Ordinal) < first) {
				first = FactorID(a.PostmortemKey, a.Ordinal)
			}
		}
		require.NotEmpty(t, checker.CheckBlame(text[first]), "%v has no example, and its latest factor %s does not blame: %q", g, first, text[first])
	}
	require.Greater(t, len(seen), len(latest)*9/10)
}

// TestThemeExamplesQuoteNoBlame: a team's theme example is quoted in its
// digest, and the digest promises to quote no blame: the latest
// postmortem's first factor, rewritten to blame its author, is no team's
// example and no theme's representative.
func TestThemeExamplesQuoteNoBlame(t *testing.T) {
	ctx := context.Background()
	o := testOrg(t, org.ScaleSmall)
	st := chtest.Store(t)
	pms := orgPostmortems(o)
	latest := -1
	for i, pm := range pms {
		if pm.Author != "" && len(pm.Factors) > 0 && !pm.CreatedAt.After(o.End) && (latest < 0 || pm.CreatedAt.After(pms[latest].CreatedAt)) {
			latest = i
		}
	}
	require.GreaterOrEqual(t, latest, 0)
	blame := pms[latest].Author + " should have been more careful with the deploy and caused the outage."
	pms[latest].Factors[0].Name, pms[latest].Factors[0].Text = "", blame
	storeOrg(ctx, t, st, o)
	require.NoError(t, st.UpsertPostmortems(ctx, pms[latest:latest+1]))

	sum, err := Run(ctx, st, testOptions(o.End, time.UTC, nil))
	require.NoError(t, err)
	items, err := st.AnalysisItems(ctx, sum.RunID, store.AnalysisItemFilter{Analysis: AnalysisThemes})
	require.NoError(t, err)
	examples := 0
	for _, it := range items {
		switch it.Kind {
		case ItemThemeTeamExample:
			examples++
			require.NotContains(t, it.Field("text"), "should have been more careful", "team %s, theme %s", it.Team, it.Key)
		case ItemTheme:
			require.NotContains(t, it.Field("representative_text"), "should have been more careful", it.Key)
		}
	}
	require.Positive(t, examples)
}
