package themes_test

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze/themes"
	"github.com/aftermath-sre/aftermath/analyze/themes/eval"
	"github.com/aftermath-sre/aftermath/simulate/org"
)

// simFactors returns every contributing factor of the simulated org's
// postmortems, as the analysis runner passes them ("Name. Text"), with its
// latent theme (ground truth).
func simFactors(t testing.TB, scale org.Scale, seed int64) ([]themes.Item, []string, int) {
	t.Helper()
	o, err := org.Generate(org.Options{Seed: seed, Scale: scale, End: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	var items []themes.Item
	var truth []string
	for _, p := range o.Postmortems {
		for i, f := range p.Doc.Factors {
			items = append(items, themes.Item{ID: fmt.Sprintf("%s#%d", p.Key, i), Text: f.Name + ". " + f.Text})
			truth = append(truth, p.FactorThemes[i])
		}
	}
	return items, truth, len(o.Themes)
}

// TestSimulatedThemes checks clustering against the simulator's latent
// themes on the medium org (seed 1) with k chosen by Cluster: ARI >= 0.88
// (issue 11's goal is 0.85; clustering seed 1 measured 0.914, the mean of
// seeds 1..5 0.929). (The small org, tuned to realistic postmortem counts
// in issue 14, has about 240 factors: too few to choose k from.) With
// AFTERMATH_EVAL=1 it prints the rows of EVALUATION.md: the mean over
// clustering seeds 1..5 for the medium org of seeds 1..6, next to the
// TF-IDF k-means baseline given the true k. Org seed 1 is the one settings
// are chosen on; seeds 2 and 3 were looked at while changing the merge
// order (EVALUATION.md), seeds 4..6 were not.
//
//	AFTERMATH_EVAL=1 go test ./analyze/themes -run TestSimulatedThemes -v
func TestSimulatedThemes(t *testing.T) {
	items, truth, _ := simFactors(t, org.ScaleMedium, 1)
	res, err := themes.Cluster(items, nil, themes.Options{Seed: 1})
	require.NoError(t, err)
	got, err := eval.Score(truth, predictions(res, items))
	require.NoError(t, err)
	require.GreaterOrEqual(t, got.ARI, 0.88, "ARI against the latent themes (k chosen %d, scores %+v)", res.K, res.KScores)

	if os.Getenv("AFTERMATH_EVAL") != "1" {
		return
	}
	for _, th := range res.Themes {
		fmt.Printf("  %s size=%d label=%q families=%v\n", th.ID, th.Size, th.Label, th.Families)
	}
	for _, ks := range res.KScores {
		fmt.Printf("  k=%d silhouette %.4f stability %.3f\n", ks.K, ks.Silhouette, ks.Stability)
	}
	const seeds = 5
	for orgSeed := int64(1); orgSeed <= 6; orgSeed++ {
		items, truth, nThemes := simFactors(t, org.ScaleMedium, orgSeed)
		texts := make([]string, len(items))
		for i, it := range items {
			texts[i] = it.Text
		}
		var a, b eval.Scores
		var minARI = 1.0
		for seed := uint64(1); seed <= seeds; seed++ {
			res, err := themes.Cluster(items, nil, themes.Options{Seed: seed})
			require.NoError(t, err)
			s, err := eval.Score(truth, predictions(res, items))
			require.NoError(t, err)
			a = add(a, s)
			minARI = min(minARI, s.ARI)
			bp := eval.BaselineTFIDFKMeans(texts, nThemes, seed)
			bs := make([]string, len(bp))
			for i, p := range bp {
				bs[i] = fmt.Sprint(p)
			}
			s, err = eval.Score(truth, bs)
			require.NoError(t, err)
			b = add(b, s)
		}
		fmt.Printf("| sim medium (org seed %d) | %d factors | %d latent themes | aftermath (k chosen, mean of %d seeds; lowest ARI %.3f) | %.1f | %.3f | %.3f | %.3f |\n",
			orgSeed, len(items), nThemes, seeds, minARI, float64(a.Clusters)/seeds, a.NMI/seeds, a.ARI/seeds, a.Purity/seeds)
		fmt.Printf("| sim medium (org seed %d) | %d factors | %d latent themes | baseline TF-IDF k-means (k = #themes, mean of %d seeds) | %d | %.3f | %.3f | %.3f |\n",
			orgSeed, len(items), nThemes, seeds, nThemes, b.NMI/seeds, b.ARI/seeds, b.Purity/seeds)
	}
}

// TestSimulatedThemesSmall: a small org's factors (about 20 per latent
// theme) have no stable k, so the themes come from the cause classes. Most
// of its factors name no cause mechanism (detection, deploy safeguards,
// deadline pressure, ...): split by kind of factor they form themes of their
// own, where one "other causes" theme held more than half of the factors.
func TestSimulatedThemesSmall(t *testing.T) {
	for _, seed := range []int64{1, 2, 7} {
		items, truth, _ := simFactors(t, org.ScaleSmall, seed)
		res, err := themes.Cluster(items, nil, themes.Options{Seed: 1})
		require.NoError(t, err)
		require.True(t, res.FromClasses, "org seed %d: no stable k on a small org", seed)
		got, err := eval.Score(truth, predictions(res, items))
		require.NoError(t, err)
		one, err := themes.Cluster(items, nil, themes.Options{Seed: 1, NoFactorKinds: true})
		require.NoError(t, err)
		before, err := eval.Score(truth, predictions(one, items))
		require.NoError(t, err)
		t.Logf("org seed %d: %d themes, ARI %.3f (other causes in one theme: %d themes, ARI %.3f)", seed, len(res.Themes), got.ARI, len(one.Themes), before.ARI)
		require.GreaterOrEqual(t, got.ARI, 0.25, "org seed %d", seed)
		require.Greater(t, got.ARI, before.ARI+0.1, "org seed %d", seed)
		largest := res.Themes[0].Size
		require.Less(t, float64(largest), 0.3*float64(len(items)), "org seed %d: no theme holds most factors (%q)", seed, res.Themes[0].Label)
		kinds := 0
		for _, th := range res.Themes {
			for _, k := range []string{"gaps in detection and alerting", "deploys and rollouts without safeguards", "work under deadline pressure", "retries that amplified the load", "gaps in testing", "dashboards that hid the problem", "missing or outdated runbooks"} {
				if th.Label == k {
					kinds++
				}
			}
		}
		require.GreaterOrEqual(t, kinds, 3, "org seed %d: themes named by kind of factor: %+v", seed, res.Themes)
	}
}

// TestSimulatedThemesNoDominantTheme: the small org of seed 7 ending on 1
// December 2026 has a split of its words that resamples reproduce (k = 2,
// stability 0.83): 8 certificate factors against the other 237. Such a split
// names no themes (MaxThemeShare); the cause classes form them. A warm start
// from such themes chooses again.
func TestSimulatedThemesNoDominantTheme(t *testing.T) {
	o, err := org.Generate(org.Options{Seed: 7, Scale: org.ScaleSmall, End: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	var items []themes.Item
	for _, p := range o.Postmortems {
		for i, f := range p.Doc.Factors {
			items = append(items, themes.Item{ID: fmt.Sprintf("%s#%d", p.Key, i), Text: f.Name + ". " + f.Text})
		}
	}
	res, err := themes.Cluster(items, nil, themes.Options{Seed: 1})
	require.NoError(t, err)
	require.True(t, res.FromClasses, "k %d, scores %+v", res.K, res.KScores)
	require.Greater(t, len(res.Themes), 5)
	require.LessOrEqual(t, float64(res.Themes[0].Size), themes.MaxThemeShare*float64(len(items)), "largest theme %q", res.Themes[0].Label)

	// Themes of the words with one theme holding most factors, as an
	// earlier version stored them: the next run does not re-form them.
	words, err := themes.Cluster(items, nil, themes.Options{Seed: 1, K: 2})
	require.NoError(t, err)
	require.Greater(t, float64(words.Themes[0].Size), themes.MaxThemeShare*float64(len(items)))
	again, err := themes.Cluster(items, words.Themes, themes.Options{Seed: 1, WarmStart: true, PrevAssignments: words.Assignments})
	require.NoError(t, err)
	require.False(t, again.Warm)
	require.True(t, again.FromClasses)
}

// TestSimulatedThemeLabels: a theme of the words whose factors share no
// cause class is named by the kind of factor most of its members describe
// ("gaps in detection and alerting"), not by a bag of its top terms
// ("factors about alert and missing", as three themes of these orgs were).
func TestSimulatedThemeLabels(t *testing.T) {
	for _, seed := range []int64{1, 2} {
		items, _, _ := simFactors(t, org.ScaleMedium, seed)
		res, err := themes.Cluster(items, nil, themes.Options{Seed: 1})
		require.NoError(t, err)
		require.False(t, res.FromClasses)
		for _, th := range res.Themes {
			require.False(t, strings.HasPrefix(th.Label, "factors about"), "org seed %d: theme %s (%d factors) is named %q", seed, th.ID, th.Size, th.Label)
		}
	}
}

func predictions(res themes.Result, items []themes.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = res.Assignments[it.ID]
		if out[i] == "" {
			out[i] = "unassigned"
		}
	}
	return out
}

func add(a, b eval.Scores) eval.Scores {
	return eval.Scores{NMI: a.NMI + b.NMI, ARI: a.ARI + b.ARI, Purity: a.Purity + b.Purity, Clusters: a.Clusters + b.Clusters}
}

// TestWarmStartKeepsThemes runs the medium org's factors without their
// newest 1% (by postmortem creation), then all of them with the first run's
// themes and assignments: the second run re-forms the themes from the
// first's (no k chosen), keeps every theme id, records no change, and
// recovers the latent themes as well as the first run did. A share of new
// factors above WarmMaxNew chooses k again.
func TestWarmStartKeepsThemes(t *testing.T) {
	// The medium org: the small one has too few factors per latent theme
	// for a stable k since the generator writes postmortems for major
	// incidents only.
	o, err := org.Generate(org.Options{Seed: 2, Scale: org.ScaleMedium, End: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	pms := append([]org.Postmortem(nil), o.Postmortems...)
	sort.SliceStable(pms, func(i, j int) bool { return pms[i].CreatedAt.Before(pms[j].CreatedAt) })
	var items []themes.Item
	var truth []string
	cut := 0
	for n, p := range pms {
		if n == len(pms)-max(1, len(pms)/100) {
			cut = len(items)
		}
		for i, f := range p.Doc.Factors {
			items = append(items, themes.Item{ID: fmt.Sprintf("%s#%d", p.Key, i), Text: f.Name + ". " + f.Text})
			truth = append(truth, p.FactorThemes[i])
		}
	}
	require.Less(t, cut, len(items))
	first, err := themes.Cluster(items[:cut], nil, themes.Options{Seed: 1, WarmStart: true})
	require.NoError(t, err)
	require.False(t, first.Warm, "no previous themes: k is chosen")
	s1, err := eval.Score(truth[:cut], predictions(first, items[:cut]))
	require.NoError(t, err)
	t.Logf("first run (k chosen) on %d factors: ARI %.3f", cut, s1.ARI)

	opts := themes.Options{Seed: 1, WarmStart: true, PrevAssignments: first.Assignments}
	second, err := themes.Cluster(items, first.Themes, opts)
	require.NoError(t, err)
	require.True(t, second.Warm, "1%% new factors: the themes are re-formed from the previous ones")
	require.Empty(t, second.KScores, "no k was chosen")
	s, err := eval.Score(truth, predictions(second, items))
	require.NoError(t, err)
	// As good as choosing k: the warm start keeps what the first run found
	// (with the generator of 7820a52 choosing k on 99% of this org recovers
	// the latent themes at ARI 0.81, on all of it at 0.89).
	require.GreaterOrEqual(t, s.ARI, s1.ARI-0.02, "ARI against the latent themes after a warm start")
	require.GreaterOrEqual(t, s.ARI, 0.75)
	t.Logf("warm start on %d factors: ARI %.3f", len(items), s.ARI)
	ids := func(r themes.Result) []string {
		var out []string
		for _, th := range r.Themes {
			out = append(out, th.ID)
		}
		sort.Strings(out)
		return out
	}
	require.Equal(t, ids(first), ids(second), "theme ids carry over")
	require.Empty(t, second.Changes)
	moved := 0
	for id, th := range first.Assignments {
		if second.Assignments[id] != th {
			moved++
		}
	}
	require.LessOrEqual(t, moved, 3*len(first.Assignments)/100, "old factors keep their themes (%d of %d moved)", moved, len(first.Assignments))

	// Half the factors new: k is chosen again.
	half := themes.Options{Seed: 1, WarmStart: true, PrevAssignments: map[string]string{}}
	for _, it := range items[:len(items)/2] {
		half.PrevAssignments[it.ID] = first.Assignments[it.ID]
	}
	cold, err := themes.Cluster(items, first.Themes, half)
	require.NoError(t, err)
	require.False(t, cold.Warm)
	require.NotEmpty(t, cold.KScores)
}

func TestWarmStartHolds(t *testing.T) {
	for _, c := range []struct {
		chosenAt, n, fresh int
		want               bool
	}{
		{0, 100, 100, false},        // k never chosen (or not recorded)
		{74031, 74755, 724, true},   // +1%
		{74031, 74755, 8000, false}, // many new or changed texts
		{1000, 1200, 200, false},    // +20%
		{1000, 1000, 0, true},       // nothing new
		{1000, 1100, 10, true},      // +10% since k was chosen, in small steps
		{1000, 1101, 10, false},     // just past it
		{1000, 920, 0, true},        // shrunk by less than the share
		{1000, 800, 0, false},
	} {
		require.Equal(t, c.want, themes.WarmStartHolds(c.chosenAt, c.n, c.fresh, 0), "%+v", c)
	}
}

// TestSimulatedThemesLarge checks that the latent themes are recovered on
// the large orgs as on the medium ones. The large org of the analysis
// benchmark (org seed 7, default end; 8,745 factors, its smallest latent
// theme 2.4% of them against 4.2% on the medium org of the same seed),
// clustered with the analysis's default options (clustering seed 0) and
// seed 1: ARI >= 0.85 and at least 10 themes (before 138d87c: 12 and 7
// themes, ARI 0.69 and 0.73; the xlarge org of the benchmark got 6). The
// large org of seed 2 with clustering seed 3, where no k reaches the
// stability threshold (the most stable k 0.80): the themes come from the
// words (StabilityMargin), not from the cause classes, which scored ARI
// 0.13 there. k is chosen on a sample of SampleSize factors whatever the
// org's size, so it is the larger orgs' more skewed theme mix that this
// guards. With AFTERMATH_EVAL=1 it prints the rows of EVALUATION.md's
// "Simulator at scale" for the large orgs of seeds 7, 1 and 2
// (clustering seeds 0..4).
//
//	AFTERMATH_EVAL=1 go test ./analyze/themes -run TestSimulatedThemesLarge -v
func TestSimulatedThemesLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("generates the large orgs")
	}
	items, truth := largeFactors(t, 7)
	for _, seed := range []uint64{0, 1} {
		res, err := themes.Cluster(items, nil, themes.Options{Seed: seed})
		require.NoError(t, err)
		got, err := eval.Score(truth, predictions(res, items))
		require.NoError(t, err)
		t.Logf("large org 7, clustering seed %d: %d themes, ARI %.3f", seed, len(res.Themes), got.ARI)
		require.GreaterOrEqual(t, got.ARI, 0.85, "clustering seed %d: ARI against the latent themes (k chosen %d, scores %+v)", seed, res.K, res.KScores)
		require.GreaterOrEqual(t, len(res.Themes), 10, "clustering seed %d: themes for 12 latent ones", seed)
	}
	items, truth = largeFactors(t, 2)
	res, err := themes.Cluster(items, nil, themes.Options{Seed: 3})
	require.NoError(t, err)
	got, err := eval.Score(truth, predictions(res, items))
	require.NoError(t, err)
	t.Logf("large org 2, clustering seed 3: %d themes, ARI %.3f", len(res.Themes), got.ARI)
	require.False(t, res.FromClasses, "most stable k %+v", res.KScores)
	require.GreaterOrEqual(t, got.ARI, 0.8)
	if os.Getenv("AFTERMATH_EVAL") != "1" {
		return
	}
	const seeds = 5
	for _, orgSeed := range []int64{7, 1, 2} {
		items, truth := largeFactors(t, orgSeed)
		var a eval.Scores
		minARI, minThemes, maxThemes := 1.0, len(items), 0
		for seed := uint64(0); seed < seeds; seed++ {
			res, err := themes.Cluster(items, nil, themes.Options{Seed: seed})
			require.NoError(t, err)
			s, err := eval.Score(truth, predictions(res, items))
			require.NoError(t, err)
			a = add(a, s)
			minARI = min(minARI, s.ARI)
			minThemes, maxThemes = min(minThemes, len(res.Themes)), max(maxThemes, len(res.Themes))
		}
		fmt.Printf("| sim large (org seed %d) | %d factors | aftermath (k chosen, clustering seeds 0-%d) | %d-%d (mean %.1f) | %.3f | %.3f (lowest %.3f) |\n",
			orgSeed, len(items), seeds-1, minThemes, maxThemes, float64(a.Clusters)/seeds, a.NMI/seeds, a.ARI/seeds, minARI)
	}
}

// largeFactors returns the factors of the simulated large org (default
// end, as the analysis benchmark generates it) with their latent themes.
func largeFactors(t testing.TB, seed int64) ([]themes.Item, []string) {
	t.Helper()
	o, err := org.Generate(org.Options{Seed: seed, Scale: org.ScaleLarge})
	require.NoError(t, err)
	var items []themes.Item
	var truth []string
	for _, p := range o.Postmortems {
		for i, f := range p.Doc.Factors {
			items = append(items, themes.Item{ID: fmt.Sprintf("%s#%d", p.Key, f.Ordinal), Text: f.Name + ". " + f.Text})
			truth = append(truth, p.FactorThemes[i])
		}
	}
	return items, truth
}
