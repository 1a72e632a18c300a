package themes

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze/themes/eval"
)

func predictions(res Result, items []Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = res.Assignments[it.ID]
	}
	return out
}

func TestNormalizerFoldsFailureVocabulary(t *testing.T) {
	nz := newNormalizer()
	tests := []struct {
		text string
		want []string
	}{
		{"configuration misconfigured configs", []string{"config", "config", "config"}},
		{"certificates TLS SSL cert", []string{"cert", "cert", "cert", "cert"}},
		{"overloaded exhausted saturation", []string{"overload", "overload", "overload"}},
		{"deployment rollout released", []string{"deploy", "deploy", "deploy"}},
		{"dropped dropping drops", []string{"drop", "drop", "drop"}},
		{"caching cached caches", []string{"cach", "cach", "cach"}},
		{"the outage affected customers at 10:32 UTC", nil},
		{"rate-limited third-party", []string{"throttle", "vendor"}},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			var got []string
			for _, tok := range nz.tokens(tc.text) {
				got = append(got, tok.term)
			}
			require.Equal(t, tc.want, got)
		})
	}
}

func TestClusterRecoversSyntheticThemes(t *testing.T) {
	tests := []struct {
		name   string
		n, k   int
		minARI float64
	}{
		{"4 themes, 400 factors", 400, 4, 0.9},
		{"8 themes, 1200 factors", 1200, 8, 0.8},
		{"8 themes, 5000 factors (sampled k choice)", 5000, 8, 0.8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			items, truth := synthItems(tc.n, tc.k, 3)
			res, err := Cluster(items, nil, Options{Seed: 1})
			require.NoError(t, err)
			ari, err := eval.ARI(truth, predictions(res, items))
			require.NoError(t, err)
			require.GreaterOrEqual(t, ari, tc.minARI, "k chosen %d", res.K)
			require.InDelta(t, tc.k, res.K, 1, "k within one of the number of themes")
			total := 0
			for _, th := range res.Themes {
				total += th.Size
				require.NotEmpty(t, th.Label)
				require.NotEmpty(t, th.TopTerms)
				require.Equal(t, th.ID, res.Assignments[th.Representative], "representative is a member")
				require.NotEmpty(t, th.Centroid)
			}
			require.Equal(t, tc.n, total)
		})
	}
}

func TestClusterIsDeterministicAndOrderIndependent(t *testing.T) {
	items, _ := synthItems(600, 5, 9)
	a, err := Cluster(items, nil, Options{Seed: 4})
	require.NoError(t, err)
	shuffled := append([]Item(nil), items...)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	b, err := Cluster(shuffled, nil, Options{Seed: 4})
	require.NoError(t, err)
	require.Equal(t, a, b)
}

func TestClusterLabelsNameTheTheme(t *testing.T) {
	items, truth := synthItems(800, 4, 5)
	res, err := Cluster(items, nil, Options{Seed: 1})
	require.NoError(t, err)
	// The theme holding most cert items is labeled with the cert vocabulary.
	for _, th := range res.Themes {
		var cert int
		for i, it := range items {
			if res.Assignments[it.ID] == th.ID && truth[i] == "cert" {
				cert++
			}
		}
		if cert*2 > th.Size {
			require.Contains(t, th.TopTerms, "cert")
			require.Contains(t, th.Families, "cert-time")
			return
		}
	}
	t.Fatal("no theme is mostly cert items")
}

func TestClusterKeepsIDsAcrossRuns(t *testing.T) {
	items, _ := synthItems(1500, 6, 11)
	first, err := Cluster(items[:1000], nil, Options{Seed: 1})
	require.NoError(t, err)
	require.Equal(t, 6, len(first.Themes))
	for _, ch := range first.Changes {
		require.Equal(t, ChangeNew, ch.Kind)
	}
	second, err := Cluster(items, first.Themes, Options{Seed: 1})
	require.NoError(t, err)
	require.Empty(t, second.Changes, "same themes, more factors: nothing new, merged, split or retired")
	agree := 0
	for _, it := range items[:1000] {
		if first.Assignments[it.ID] == second.Assignments[it.ID] {
			agree++
		}
	}
	require.GreaterOrEqual(t, agree, 950, "old factors keep their theme id")

	// With the previous assignments, member overlap gives the same answer.
	third, err := Cluster(items, first.Themes, Options{Seed: 1, PrevAssignments: first.Assignments})
	require.NoError(t, err)
	require.Empty(t, third.Changes)
}

func TestClusterRecordsNewAndRetiredThemes(t *testing.T) {
	items, truth := synthItems(1200, 5, 13)
	var withoutDisk, diskOnlyRemoved []Item
	for i, it := range items {
		if truth[i] != "disk" {
			withoutDisk = append(withoutDisk, it)
		}
		if truth[i] != "cert" {
			diskOnlyRemoved = append(diskOnlyRemoved, it)
		}
	}
	first, err := Cluster(withoutDisk, nil, Options{Seed: 1})
	require.NoError(t, err)
	second, err := Cluster(diskOnlyRemoved, first.Themes, Options{Seed: 1})
	require.NoError(t, err)
	kinds := map[string]int{}
	for _, ch := range second.Changes {
		kinds[ch.Kind]++
	}
	require.Equal(t, map[string]int{ChangeNew: 1, ChangeRetired: 1}, kinds, "changes: %+v", second.Changes)
}

func TestClusterRecordsMergeAndSplit(t *testing.T) {
	items, _ := synthItems(900, 3, 17)
	fine, err := Cluster(items, nil, Options{Seed: 1, K: 3})
	require.NoError(t, err)
	coarse, err := Cluster(items, fine.Themes, Options{Seed: 1, K: 2})
	require.NoError(t, err)
	var merge *Change
	for i, ch := range coarse.Changes {
		if ch.Kind == ChangeMerge {
			merge = &coarse.Changes[i]
		}
	}
	require.NotNil(t, merge, "changes: %+v", coarse.Changes)
	require.Len(t, merge.ThemeIDs, 2)
	require.Contains(t, merge.ThemeIDs, merge.Into, "the merged theme keeps one of the old ids")

	// And back: the coarse theme splits again.
	again, err := Cluster(items, coarse.Themes, Options{Seed: 1, K: 3, PrevAssignments: coarse.Assignments})
	require.NoError(t, err)
	var split *Change
	for i, ch := range again.Changes {
		if ch.Kind == ChangeSplit {
			split = &again.Changes[i]
		}
	}
	require.NotNil(t, split, "changes: %+v", again.Changes)
	require.Equal(t, merge.Into, split.From)
	require.Len(t, split.ThemeIDs, 2)
	require.Equal(t, split.From, split.ThemeIDs[0], "the first theme of a split keeps the id")
}

func TestClusterInputErrorsAndEmptyTexts(t *testing.T) {
	_, err := Cluster([]Item{{ID: "a", Text: "x"}, {ID: "a", Text: "y"}}, nil, Options{})
	require.ErrorContains(t, err, `themes: duplicate item id "a"`)
	_, err = Cluster([]Item{{ID: "", Text: "x"}}, nil, Options{})
	require.ErrorContains(t, err, "themes: item with empty id")

	res, err := Cluster([]Item{{ID: "a", Text: "the 10:32"}, {ID: "b", Text: ""}}, []Theme{{ID: "th-old", Centroid: map[string]float64{"disk": 1}}}, Options{})
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b"}, res.Unassigned)
	require.Empty(t, res.Themes)
	require.Equal(t, []Change{{Kind: ChangeRetired, ThemeIDs: []string{"th-old"}}}, res.Changes)
}

func TestNewIDIsDeterministicAndAvoidsCollisions(t *testing.T) {
	taken := map[string]bool{}
	a := newID([]string{"cert", "expire"}, taken)
	require.Equal(t, a, newID([]string{"cert", "expire"}, map[string]bool{}))
	taken[a] = true
	b := newID([]string{"cert", "expire"}, taken)
	require.Equal(t, a+"-2", b)
}

func TestAdjustedRandMatchesEval(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	random := func(n, k int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = rng.IntN(k)
		}
		return out
	}
	tests := []struct {
		name string
		a, b []int
		k    int
	}{
		{"identical", []int{0, 0, 1, 1, 2, 2}, []int{0, 0, 1, 1, 2, 2}, 3},
		{"relabeled", []int{0, 0, 1, 1, 2, 2}, []int{2, 2, 0, 0, 1, 1}, 3},
		{"one split", []int{0, 0, 0, 0, 1, 1}, []int{0, 0, 2, 2, 1, 1}, 3},
		{"single cluster vs many", []int{0, 0, 0, 0}, []int{0, 1, 2, 3}, 4},
		{"random", random(500, 5), random(500, 5), 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sa, sb := make([]string, len(tc.a)), make([]string, len(tc.b))
			for i := range tc.a {
				sa[i], sb[i] = fmt.Sprint(tc.a[i]), fmt.Sprint(tc.b[i])
			}
			want, err := eval.ARI(sa, sb)
			require.NoError(t, err)
			require.InDelta(t, want, adjustedRand(tc.a, tc.b, tc.k), 1e-9)
		})
	}
}

// vectorsOf featurizes items the way Cluster does.
func vectorsOf(items []Item, opts Options) ([]sparse, *space) {
	opts = opts.withDefaults(len(items))
	fz := NewFeaturizer()
	co := newCorpus(newLexicon(fz.nz), !opts.NoBigrams, len(items))
	for _, it := range items {
		if err := co.add(fz.Featurize(it.Text).Terms); err != nil {
			panic(err)
		}
	}
	sp, vocab := co.space(len(items), opts.MinDF, opts.MaxVocab)
	docs := make([]sparse, len(items))
	for i := range items {
		docs[i] = vectorize(sp, vocab, co.docs[i], opts.ConceptWeight)
	}
	return docs, sp
}

func TestMergePathRecoversOverClusteredThemes(t *testing.T) {
	items, truth := synthItems(600, 3, 21)
	docs, sp := vectorsOf(items, Options{})
	cfg := kmeansConfig{maxIter: 30, workers: 1}
	top := bestOf(docs, len(sp.terms), 9, 4, nil, rand.New(rand.NewPCG(1, 2)), cfg)
	path := mergePath(docs, len(sp.terms), top, 2, cfg)
	for k := 2; k <= 9; k++ {
		require.NotNil(t, path[k], "k=%d", k)
		require.Equal(t, k, path[k].k)
		sizes := map[int]int{}
		for _, a := range path[k].assign {
			sizes[a]++
		}
		require.Len(t, sizes, k, "k=%d has no empty cluster", k)
	}
	pred := make([]string, len(docs))
	for i, a := range path[3].assign {
		pred[i] = fmt.Sprint(a)
	}
	ari, err := eval.ARI(truth, pred)
	require.NoError(t, err)
	require.GreaterOrEqual(t, ari, 0.95, "merging 9 clusters down to 3 recovers the 3 themes")
}

func TestChooseKFallsBackToMostStableKWithoutStructure(t *testing.T) {
	// Texts of random made-up words from one shared vocabulary (none a
	// cause-lexicon trigger): no k is stable.
	rng := rand.New(rand.NewPCG(5, 6))
	var vocab []string
	for i := 0; i < 60; i++ {
		vocab = append(vocab, fmt.Sprintf("zq%c%c", 'a'+rune(i/8), 'a'+rune(i%8)))
	}
	items := make([]Item, 300)
	for i := range items {
		var words []string
		for j := 0; j < 8; j++ {
			words = append(words, vocab[rng.IntN(len(vocab))])
		}
		items[i] = Item{ID: fmt.Sprintf("r%03d", i), Text: strings.Join(words, " ")}
	}
	res, err := Cluster(items, nil, Options{Seed: 1, NoCauseClasses: true})
	require.NoError(t, err)
	require.False(t, res.FromClasses)
	require.NotEmpty(t, res.KScores)
	most, mostStab := 0, -2.0
	for _, ks := range res.KScores {
		require.Less(t, ks.Stability, 0.8, "k=%d should not be stable on random texts", ks.K)
		if ks.Stability > mostStab {
			most, mostStab = ks.K, ks.Stability
		}
	}
	require.Equal(t, most, res.K, "without cause classes and no stable k, the most stable k is chosen")

	// With cause classes (the default), texts without stable themes and
	// without any cause mechanism form one "other causes" theme rather
	// than an accidental k.
	res, err = Cluster(items, nil, Options{Seed: 1})
	require.NoError(t, err)
	require.True(t, res.FromClasses)
	require.Len(t, res.Themes, 1)
	require.Equal(t, ClassUnclassified, res.Themes[0].Class)
	require.True(t, strings.HasPrefix(res.Themes[0].Label, "other causes"), res.Themes[0].Label)
}

// causeItems are factors of three cause classes (with noise words, so the
// words alone hold no stable themes) and two whose cause is not yet known.
func causeItems(n int) ([]Item, []string) {
	rng := rand.New(rand.NewPCG(8, 9))
	causes := []struct {
		class string
		texts []string
	}{
		{ClassHardware, []string{"the utility power failed and a generator did not start", "a failed line card dropped the rack",
			"cooling failed and temperatures rose in the data center"}},
		{ClassCapacity, []string{"a surge in traffic exhausted the connection pool", "the queue was overloaded by a spike in requests",
			"memory exhaustion on the workers after demand doubled"}},
		{groupSoftware, []string{"a misconfigured rate limit was pushed", "a regression in the parser crashed the service",
			"a recent deployment introduced a race condition"}},
	}
	var items []Item
	var truth []string
	for i := 0; i < n; i++ {
		for _, c := range causes {
			noise := fmt.Sprintf("zq%c%c zq%c%c", 'a'+rune(rng.IntN(8)), 'a'+rune(rng.IntN(8)), 'a'+rune(rng.IntN(8)), 'a'+rune(rng.IntN(8)))
			items = append(items, Item{ID: fmt.Sprintf("%s-%02d", c.class, i), Text: noise + ". " + c.texts[i%3] + "."})
			truth = append(truth, c.class)
		}
	}
	items = append(items, Item{ID: "unknown-1", Text: "Engineers are investigating the full root cause."},
		Item{ID: "unknown-2", Text: "The root cause is not yet known."})
	truth = append(truth, "unknown", "unknown")
	return items, truth
}

func TestNoStableKFormsThemesFromCauseClasses(t *testing.T) {
	items, truth := causeItems(40)
	// A threshold no k can reach: the themes come from the classes.
	res, err := Cluster(items, nil, Options{Seed: 1, StabilityThreshold: 1.5})
	require.NoError(t, err)
	require.True(t, res.FromClasses)
	ari, err := eval.ARI(truth, predictions(res, items))
	require.NoError(t, err)
	require.GreaterOrEqual(t, ari, 0.95, "themes: %+v", res.Themes)
	labels := map[string]bool{}
	for _, th := range res.Themes {
		labels[th.Label] = true
	}
	require.True(t, labels["cause not yet known"], "%v", labels)
	require.True(t, labels["hardware or facility failure"], "%v", labels)
	require.True(t, labels["software changes and defects, mostly configuration changed without validation"], "%v", labels)
	require.True(t, labels["load beyond capacity"], "%v", labels)
	require.Equal(t, res.Assignments["unknown-1"], res.Assignments["unknown-2"])
	require.True(t, res.Causes["unknown-1"].Unknown)
	require.Equal(t, ClassHardware, res.Causes[ClassHardware+"-00"].Class)
	require.Equal(t, ClassConfig, res.Causes[groupSoftware+"-00"].Class)
	require.Equal(t, "a misconfigured rate limit was pushed", res.Causes[groupSoftware+"-00"].Evidence)
}

func TestChooseKPicksStableBestSeparatedK(t *testing.T) {
	items, _ := synthItems(700, 5, 23)
	res, err := Cluster(items, nil, Options{Seed: 2})
	require.NoError(t, err)
	require.Equal(t, 5, res.K)
	var chosen KScore
	bestSil := -2.0
	for _, ks := range res.KScores {
		if ks.K == res.K {
			chosen = ks
		}
		if ks.Stability >= 0.8 {
			bestSil = max(bestSil, ks.Silhouette)
		}
	}
	require.GreaterOrEqual(t, chosen.Stability, 0.8)
	require.GreaterOrEqual(t, chosen.Silhouette, bestSil*0.99, "within the silhouette tolerance of the best stable k")
}

func TestKIsBoundedByMinThemeSize(t *testing.T) {
	items, _ := synthItems(60, 8, 25)
	res, err := Cluster(items, nil, Options{Seed: 1})
	require.NoError(t, err)
	require.LessOrEqual(t, res.K, 6, "60 items, themes of 10 on average")
	for _, ks := range res.KScores {
		require.LessOrEqual(t, ks.K, 6)
	}
	res, err = Cluster(items, nil, Options{Seed: 1, MinThemeSize: 5})
	require.NoError(t, err)
	require.Equal(t, 12, res.KScores[len(res.KScores)-1].K, "60/5 candidates")
}

func TestIDFDropsTermsFoundEverywhere(t *testing.T) {
	tests := []struct {
		n, df   int
		atMost  float64
		atLeast float64
	}{
		{n: 1000, df: 1000, atMost: 0.001},
		{n: 1000, df: 500, atLeast: 0.69, atMost: 0.70},
		{n: 1000, df: 1, atLeast: 6.9},
		{n: 1, df: 1, atLeast: 0.69, atMost: 0.70}, // one item still has usable terms
		{n: 10, df: 0, atMost: 0},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("n=%d df=%d", tc.n, tc.df), func(t *testing.T) {
			got := idf(float64(tc.n), tc.df)
			require.GreaterOrEqual(t, got, tc.atLeast)
			if tc.atMost > 0 || tc.df == 0 {
				require.LessOrEqual(t, got, tc.atMost)
			}
		})
	}
}

func TestCauseFamilyWeighsMoreWhenTheTextIsAboutIt(t *testing.T) {
	items := []Item{
		{ID: "short", Text: "Bad config: a typo in the yaml flag."},
		{ID: "long", Text: "The database replica fell behind during the nightly backup; queries timed out, the " +
			"failover did not start, and the on-call engineer restored the primary by hand after the config check."},
		{ID: "other", Text: "The certificate expired on the load balancer."},
	}
	docs, sp := vectorsOf(items, Options{})
	id := sp.ids["@config-change"]
	weight := func(d sparse) float32 {
		for j, x := range d.idx {
			if x == id {
				return d.val[j]
			}
		}
		return 0
	}
	short, long := weight(docs[0]), weight(docs[1])
	require.Greater(t, long, float32(0), "the long text mentions config")
	require.Greater(t, short, 2*long, "the family weighs more in a text that is mostly about it")
	require.Zero(t, weight(docs[2]))
}

func TestClassThemesKeepIDsAcrossRuns(t *testing.T) {
	items, _ := causeItems(50)
	opts := Options{Seed: 1, StabilityThreshold: 1.5}
	older := append(append([]Item(nil), items[:120]...), items[len(items)-2:]...)
	first, err := Cluster(older, nil, opts)
	require.NoError(t, err)
	require.True(t, first.FromClasses)
	opts.Seed = 2
	second, err := Cluster(items, first.Themes, opts)
	require.NoError(t, err)
	require.Empty(t, second.Changes, "same classes, more factors: nothing new, merged, split or retired")
	for _, it := range older {
		require.Equal(t, first.Assignments[it.ID], second.Assignments[it.ID], it.ID)
	}
	require.Equal(t, first.Assignments["unknown-1"], second.Assignments["unknown-1"], "the unknown-cause theme keeps its id")
}

// TestMergeCostJoinsPartsOfALargeThemeFirst: two halves of a large theme
// (200 members each, centroids at cosine 0.45) merge before two small
// distinct themes (20 members each, cosine 0.25), although the objective
// the halves' merge loses is larger, as it grows with the clusters' sizes.
func TestMergeCostJoinsPartsOfALargeThemeFirst(t *testing.T) {
	const r = 0.35 // mean resultant length of a theme's unit vectors
	pair := func(n, cos float64) (sqA, sqB, ab float64) {
		a := n * r
		return a * a, a * a, a * a * cos
	}
	loss := func(sqA, sqB, ab float64) float64 {
		return math.Sqrt(sqA) + math.Sqrt(sqB) - math.Sqrt(sqA+sqB+2*ab)
	}
	hA, hB, hAB := pair(200, 0.45)
	sA, sB, sAB := pair(20, 0.25)
	require.Greater(t, loss(hA, hB, hAB), loss(sA, sB, sAB), "the objective lost alone would merge the small themes first")
	require.Less(t, mergeCost(hA, hB, hAB), mergeCost(sA, sB, sAB))
	require.Zero(t, mergeCost(0, sB, 0), "an empty cluster merges first")
}
