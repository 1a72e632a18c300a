package analyze

import (
	"context"
	"errors"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/simulate/org"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// TestSimilarFindsPostmortemsOfTheSameLatentTheme asks, for the newest
// postmortems of the medium simulated org (the small one has too few
// postmortems to learn the themes from), for the 3 most similar earlier ones
// and checks how much of the query's latent themes they share (the simulator's ground
// truth) with the query, against earlier postmortems drawn at random.
func TestSimilarFindsPostmortemsOfTheSameLatentTheme(t *testing.T) {
	ctx := context.Background()
	o := testOrg(t, org.ScaleMedium)
	st := chtest.Store(t)

	_, err := Similar(ctx, st, "ANY-1", 3)
	require.ErrorIs(t, err, ErrNoAnalysis)

	// Postmortems and action items only: the search reads postmortems,
	// their themes and services (incidents would only slow the run down).
	require.NoError(t, st.UpsertPostmortems(ctx, orgPostmortems(o)))
	require.NoError(t, st.UpsertActionItems(ctx, orgActionItems(o)))
	sum, err := Run(ctx, st, testOptions(o.End, time.UTC, nil))
	require.NoError(t, err)

	// The run lists, for every postmortem it quotes in a highlight, the same
	// earlier postmortems `aftermath similar` finds, for the digest.
	hl, err := st.AnalysisItems(ctx, sum.RunID, store.AnalysisItemFilter{Kind: ItemHighlight})
	require.NoError(t, err)
	sim, err := st.AnalysisItems(ctx, sum.RunID, store.AnalysisItemFilter{Kind: ItemSimilarPostmortem})
	require.NoError(t, err)
	require.NotEmpty(t, hl)
	type qk struct{ period, key string }
	runMatches := map[qk][]string{}
	for _, it := range sim {
		require.Equal(t, AnalysisSimilar, it.Analysis)
		k := qk{it.Period, it.Key}
		for len(runMatches[k]) <= it.Rank {
			runMatches[k] = append(runMatches[k], "")
		}
		runMatches[k][it.Rank] = it.Field("similar")
		p := o.PostmortemByKey(it.Field("similar"))
		require.NotNil(t, p)
		require.Equal(t, p.Title, it.Field("title"))
	}
	// The postmortems a digest can quote: the first HighlightsMatched of
	// each month, section and team, in rank order (AnalysisItems reads
	// them in that order).
	quoted, perList := map[qk]bool{}, map[string]int{}
	for _, it := range hl {
		k := qk{it.Period, it.Key}
		list := it.Period + "/" + it.Field("section") + "/" + it.Team
		if perList[list]++; perList[list] > HighlightsMatched || quoted[k] {
			continue
		}
		quoted[k] = true
		want, err := Similar(ctx, st, it.Key, SimilarPerHighlight)
		require.NoError(t, err)
		var wantKeys []string
		for _, m := range want {
			wantKeys = append(wantKeys, m.Key)
		}
		require.Equal(t, wantKeys, runMatches[k], "similar to %s (%s)", it.Key, it.Period)
	}
	require.NotEmpty(t, runMatches)
	require.Len(t, runMatches, len(quoted)-countWithout(quoted, runMatches), "matches only for quoted postmortems")

	_, err = Similar(ctx, st, "NOPE-404", 3)
	require.ErrorContains(t, err, `"NOPE-404"`)

	var pms []*org.Postmortem
	for i := range o.Postmortems {
		pms = append(pms, &o.Postmortems[i])
	}
	sort.Slice(pms, func(i, j int) bool { return pms[i].CreatedAt.Before(pms[j].CreatedAt) })
	// overlap is the Jaccard index of two postmortems' latent theme sets.
	overlap := func(a, b *org.Postmortem) float64 {
		sa, inter, union := map[string]bool{}, 0, 0
		for _, x := range a.FactorThemes {
			sa[x] = true
		}
		union = len(sa)
		seen := map[string]bool{}
		for _, y := range b.FactorThemes {
			if seen[y] {
				continue
			}
			seen[y] = true
			if sa[y] {
				inter++
			} else {
				union++
			}
		}
		if union == 0 {
			return 0
		}
		return float64(inter) / float64(union)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	var hits, randomHits float64
	var total int
	queries := pms[len(pms)-40:]
	for _, q := range queries {
		got, err := Similar(ctx, st, q.Key, 3)
		require.NoError(t, err)
		require.LessOrEqual(t, len(got), 3)
		for i, m := range got {
			p := o.PostmortemByKey(m.Key)
			require.NotNil(t, p, m.Key)
			require.True(t, p.CreatedAt.Before(q.CreatedAt), "only earlier postmortems: %s", m.Key)
			require.NotEmpty(t, m.Title)
			require.Len(t, m.SharedThemeLabels, len(m.SharedThemes))
			if i > 0 {
				require.GreaterOrEqual(t, got[i-1].Score, m.Score, "most similar first")
			}
			total++
			hits += overlap(q, p)
			// A random earlier postmortem, for the baseline.
			earlier := 0
			for earlier < len(pms) && pms[earlier].CreatedAt.Before(q.CreatedAt) {
				earlier++
			}
			randomHits += overlap(q, pms[rng.IntN(earlier)])
		}
	}
	require.Positive(t, total)
	got, random := hits/float64(total), randomHits/float64(total)
	t.Logf("latent-theme overlap (Jaccard) with the query: top 3 %.3f, random earlier postmortem %.3f (%d matches)", got, random, total)
	require.Greater(t, got, random+0.2, "the matches share more of the query's latent themes than chance")
	require.False(t, errors.Is(err, ErrNoAnalysis))
}

// countWithout counts the quoted postmortems without any match.
func countWithout[K comparable](quoted map[K]bool, matches map[K][]string) int {
	n := 0
	for k := range quoted {
		if len(matches[k]) == 0 {
			n++
		}
	}
	return n
}
