package analyze

import (
	"context"
	"errors"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze/similar"
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
	_, err = Run(ctx, st, testOptions(o.End, time.UTC, nil))
	require.NoError(t, err)

	// SimilarMany (the digest's read) equals Similar key by key.
	keys := []string{o.Postmortems[len(o.Postmortems)-1].Key, o.Postmortems[len(o.Postmortems)/2].Key, o.Postmortems[0].Key}
	many, err := SimilarMany(ctx, st, keys, 3)
	require.NoError(t, err)
	require.Len(t, many, len(keys))
	for _, k := range keys {
		one, err := Similar(ctx, st, k, 3)
		require.NoError(t, err)
		require.Equal(t, one, many[k], k)
	}
	require.NotEmpty(t, many[keys[0]], "the newest postmortem has earlier ones like it")
	// The streamed search equals the in-memory index over every postmortem,
	// bit for bit, for the 40 newest and every 25th postmortem.
	var sample []string
	for i := range o.Postmortems {
		if i%25 == 0 || i >= len(o.Postmortems)-40 {
			sample = append(sample, o.Postmortems[i].Key)
		}
	}
	requireSimilarAsIndex(ctx, t, st, sample, 3)
	require.Empty(t, many[o.Postmortems[0].Key], "the first postmortem has none before it")
	// A quoted postmortem deleted since has no entry; the others still match.
	partial, err := SimilarMany(ctx, st, []string{keys[0], "NOPE-1"}, 3)
	require.NoError(t, err)
	require.Equal(t, many[keys[0]], partial[keys[0]])
	_, listed := partial["NOPE-1"]
	require.False(t, listed)

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

// TestSimilarManyEqualsTheIndex: SimilarMany, which streams the stored
// postmortems twice, returns what the in-memory similar.Index over all of
// them returned (the search before it streamed), to the last bit, for every
// postmortem of the tiny and small orgs, top 3, top 1 and all.
func TestSimilarManyEqualsTheIndex(t *testing.T) {
	ctx := context.Background()
	for _, scale := range []org.Scale{org.ScaleTiny, org.ScaleSmall} {
		o := testOrg(t, scale)
		st := chtest.Store(t)
		require.NoError(t, st.UpsertPostmortems(ctx, orgPostmortems(o)))
		require.NoError(t, st.UpsertActionItems(ctx, orgActionItems(o)))
		_, err := Run(ctx, st, testOptions(o.End, time.UTC, nil))
		require.NoError(t, err)
		var all []string
		for i := range o.Postmortems {
			all = append(all, o.Postmortems[i].Key)
		}
		requireSimilarAsIndex(ctx, t, st, all, 3)
		requireSimilarAsIndex(ctx, t, st, all[len(all)/2:], 1)
		requireSimilarAsIndex(ctx, t, st, all[:min(50, len(all))], -1)
	}
}

// requireSimilarAsIndex requires SimilarMany(keys, n) to equal what the
// in-memory index returned before SimilarMany streamed: every stored
// postmortem (store.Postmortems: current factors) with the themes of the
// latest run's factor assignments, indexed, asked key by key.
func requireSimilarAsIndex(ctx context.Context, t *testing.T, st *store.Store, keys []string, n int) {
	t.Helper()
	run, ok, err := st.LatestAnalysisRun(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	pms, err := st.Postmortems(ctx)
	require.NoError(t, err)
	fts, err := st.FactorThemes(ctx, run.ID)
	require.NoError(t, err)
	states, err := st.Themes(ctx, run.ID)
	require.NoError(t, err)
	labels := map[string]string{}
	for _, s := range states {
		labels[s.ID] = s.Label
	}
	themesOf := map[string][]string{}
	for _, a := range fts {
		themesOf[a.PostmortemKey] = append(themesOf[a.PostmortemKey], a.ThemeID)
	}
	byKey := map[string]*store.Postmortem{}
	in := make([]similar.Postmortem, len(pms))
	for i := range pms {
		p := &pms[i]
		byKey[p.Key] = p
		in[i] = similar.Postmortem{Key: p.Key, Created: p.CreatedAt, Themes: themesOf[p.Key]}
		for _, f := range p.Factors {
			in[i].Factors = append(in[i].Factors, f.Text)
		}
		if p.Service != "" {
			in[i].Services = []string{p.Service}
		}
	}
	ix, err := similar.NewIndex(in, similar.Options{})
	require.NoError(t, err)
	want := map[string][]SimilarPostmortem{}
	matched := 0
	for _, k := range keys {
		ms, err := ix.Similar(k, n)
		require.NoError(t, err)
		list := make([]SimilarPostmortem, len(ms))
		for i, m := range ms {
			p := byKey[m.Key]
			list[i] = SimilarPostmortem{Match: m, Title: p.Title, URL: p.URL, Service: p.Service}
			for _, id := range m.SharedThemes {
				list[i].SharedThemeLabels = append(list[i].SharedThemeLabels, labels[id])
			}
		}
		want[k] = list
		matched += len(list)
	}
	require.Positive(t, matched, "some of the keys have matches")
	got, err := SimilarMany(ctx, st, keys, n)
	require.NoError(t, err)
	require.Len(t, got, len(want))
	for k, w := range want {
		require.Equal(t, w, got[k], "%s, n %d", k, n)
	}
}
