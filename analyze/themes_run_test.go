package analyze

import (
	"context"
	"log/slog"
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
		d, err := load(ctx, log, st, ps.Start(), newTeamNamer(nil))
		require.NoError(t, err)
		th, err := clusterThemes(ctx, log, st, d, ps, themes.Options{})
		require.NoError(t, err)
		return th
	}
	distinctTexts := func(pms []store.Postmortem) int {
		seen := map[string]bool{}
		for i := range pms {
			for j := range pms[i].Factors {
				seen[factorText(&pms[i].Factors[j])] = true
			}
		}
		return len(seen)
	}

	first := cluster()
	require.Equal(t, distinctTexts(pms[:cut]), first.texts.Texts)
	require.Equal(t, first.texts.Texts, first.texts.Analyzed, "the first run featurizes every text")
	stored, err := st.TextAnalyses(ctx, textAnalyzerThemes, themes.Version, hashesOf(pms[:cut]))
	require.NoError(t, err)
	require.Len(t, stored, first.texts.Texts, "and stores every text's features")

	again := cluster()
	require.Zero(t, again.texts.Analyzed, "a rerun reads every text's stored features")
	require.Equal(t, first.res, again.res, "and forms the same themes")

	require.NoError(t, st.UpsertPostmortems(ctx, pms[cut:]))
	third := cluster()
	require.Equal(t, distinctTexts(pms), third.texts.Texts)
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
	require.Equal(t, direct, third.res)
}

func hashesOf(pms []store.Postmortem) []string {
	var out []string
	for i := range pms {
		for j := range pms[i].Factors {
			out = append(out, store.TextHash(factorText(&pms[i].Factors[j])))
		}
	}
	return out
}
