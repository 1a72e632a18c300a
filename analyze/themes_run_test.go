package analyze

import (
	"context"
	"log/slog"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze/internal/calc"
	"github.com/aftermath-sre/aftermath/analyze/themes"
	"github.com/aftermath-sre/aftermath/simulate/org"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// TestThemesFeaturizeEachTextOnce: the themes store every factor text's
// features once; a rerun featurizes nothing, new postmortems only their
// own factor texts, and the themes formed over stored features are those
// Cluster forms over the texts.
func TestThemesFeaturizeEachTextOnce(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	o := testOrg(t, org.ScaleSmall)
	st := chtest.Store(t)
	pms := orgPostmortems(o)
	cut := len(pms) * 9 / 10
	require.NoError(t, st.UpsertPostmortems(ctx, pms[:cut]))
	ps := calc.NewPeriods(o.End, time.UTC, 13)

	cluster := func() themeRun {
		t.Helper()
		d, err := load(ctx, st, newTeamNamer(nil))
		require.NoError(t, err)
		th, err := clusterThemes(ctx, log, st, d, ps, themes.Options{}, nil)
		require.NoError(t, err)
		return th
	}
	distinctTexts := func(pms []store.Postmortem) int {
		seen := map[string]bool{}
		for i := range pms {
			for j := range pms[i].Factors {
				f := &pms[i].Factors[j]
				seen[store.FactorHash(f.Name, f.Text)] = true
			}
		}
		return len(seen)
	}

	first := cluster()
	require.Equal(t, len(hashesOf(pms[:cut])), first.texts.Texts, "every factor is clustered")
	require.Equal(t, distinctTexts(pms[:cut]), first.texts.Analyzed, "the first run featurizes every text")
	stored, err := st.TextAnalyses(ctx, textAnalyzerThemes, themes.Version, hashesOf(pms[:cut]))
	require.NoError(t, err)
	require.Len(t, stored, first.texts.Analyzed, "and stores every text's features")

	again := cluster()
	require.Zero(t, again.texts.Analyzed, "a rerun reads every text's stored features")
	require.Equal(t, first.res, again.res, "and forms the same themes")

	require.NoError(t, st.UpsertPostmortems(ctx, pms[cut:]))
	third := cluster()
	require.Equal(t, len(hashesOf(pms)), third.texts.Texts)
	require.Equal(t, distinctTexts(pms)-distinctTexts(pms[:cut]), third.texts.Analyzed, "only the new postmortems' texts are featurized")

	// Over stored features the themes are Cluster's over the texts.
	var items []themes.Item
	for i := range pms {
		for j := range pms[i].Factors {
			f := &pms[i].Factors[j]
			items = append(items, themes.Item{ID: FactorID(f.PostmortemKey, f.Ordinal), Text: factorText(f)})
		}
	}
	direct, err := themes.Cluster(items, nil, themes.Options{})
	require.NoError(t, err)
	// A run keeps each factor's cause class and cue, not its evidence.
	for id, c := range direct.Causes {
		direct.Causes[id] = themes.Cause{Class: c.Class, Cue: c.Cue, Unknown: c.Unknown}
	}
	require.Equal(t, direct, third.res)
	require.Len(t, third.factors, len(items))
	for _, th := range third.res.Themes {
		require.NotEmpty(t, th.RepresentativeText, "theme %s shows its representative's text", th.ID)
	}
}

// TestThemesWarmStartAfterARun: once a run's themes are stored, a rerun
// with 1% new postmortems re-forms them from the stored ones (no k chosen),
// keeps every theme id and assigns the new factors.
func TestThemesWarmStartAfterARun(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	o := testOrg(t, org.ScaleSmall)
	st := chtest.Store(t)
	pms := orgPostmortems(o)
	sort.SliceStable(pms, func(i, j int) bool { return pms[i].CreatedAt.Before(pms[j].CreatedAt) })
	cut := len(pms) - len(pms)/100
	require.NoError(t, st.UpsertPostmortems(ctx, pms[:cut]))
	ps := calc.NewPeriods(o.End, time.UTC, 13)
	cluster := func() themeRun {
		t.Helper()
		d, err := load(ctx, st, newTeamNamer(nil))
		require.NoError(t, err)
		th, err := clusterThemes(ctx, log, st, d, ps, themes.Options{}, nil)
		require.NoError(t, err)
		return th
	}
	first := cluster()
	require.False(t, first.res.Warm)
	require.NoError(t, st.WriteThemes(ctx, "run-1", o.End, first.state, first.assignments))
	require.NoError(t, st.WriteAnalysis(ctx, store.AnalysisRun{ID: "run-1", StartedAt: o.End, FinishedAt: o.End, Status: store.RunSuccess}, nil))

	require.NoError(t, st.UpsertPostmortems(ctx, pms[cut:]))
	second := cluster()
	require.True(t, second.res.Warm, "1%% new postmortems: the stored themes are re-formed, k is not chosen")
	require.Empty(t, second.res.Changes, "every theme keeps its id")
	require.Equal(t, len(first.res.Themes), len(second.res.Themes))
	for _, pm := range pms[cut:] {
		for _, f := range pm.Factors {
			id := FactorID(pm.Key, f.Ordinal)
			_, assigned := second.res.Assignments[id]
			require.True(t, assigned || slices.Contains(second.res.Unassigned, id), "new factor %s is clustered", id)
		}
	}
	require.Greater(t, len(second.assignments), len(first.assignments))
}

func hashesOf(pms []store.Postmortem) []string {
	var out []string
	for i := range pms {
		for j := range pms[i].Factors {
			f := &pms[i].Factors[j]
			out = append(out, store.FactorHash(f.Name, f.Text))
		}
	}
	return out
}
