// Package themes clusters contributing-factor texts into themes with
// human-readable labels, and keeps theme ids stable from one run to the next.
//
// Method: each factor text is normalized (lowercase words, stopwords
// dropped, failure vocabulary folded onto canonical terms such as
// config/configuration/misconfigured -> config, light stemming) and weighted
// by TF-IDF over unigrams and bigrams, with idf = ln((1+n)/df) so that a term
// found in nearly every factor (boilerplate) weighs almost nothing. Each
// family of a small SRE cause lexicon (configuration change, capacity,
// traffic surge, hardware, certificates and time, ...) is one more term,
// counted once per trigger phrase found. Vectors are clustered by spherical
// k-means (cosine similarity) with k-means++ seeding.
//
// Choosing k: on a bounded sample, k-means first over-clusters (k =
// min(MaxK, n/MinThemeSize), several restarts); clusters are then merged
// two at a time, always the pair whose merge loses the least of the k-means
// objective relative to the clusters' sizes (about the pair with the most
// similar centroids, whatever their sizes; mergeCost), with a few Lloyd
// iterations after each merge. This gives one solution for every k, each
// better than k-means started afresh at that k (small tight themes stay
// whole while large themes k-means had split come back together). The same is done on random 80% resamples; the stability
// of k is the mean adjusted Rand index between the sample's and the
// resamples' solutions at k. Among the stable k (stability >= 0.85), k is
// the smallest whose silhouette is within 1% of the best; when no k is
// stable, k is the most stable one if its stability reaches 0.75
// (StabilityMargin below the threshold), and otherwise (texts without reproducible themes) the
// themes come from the cause classes (below), or, with NoCauseClasses, the
// most stable k. A given K
// takes the better, by the k-means objective, of k-means++ restarts at K and
// the merge path from 2K. The full set is then assigned with Lloyd
// iterations from the chosen centroids, so the cost grows linearly with the
// number of factors.
//
// Cause classes (cause.go, classthemes.go): every factor also gets a cause
// class (code bug, configuration, deployment, capacity and load, dependency
// or third party, hardware and infrastructure, network, data, security,
// process, or unclassified) with the sentence that decided it, from a cue
// table that weighs the cause mechanism above the component it hit.
// Provider boilerplate is blanked out before classifying and clustering.
// Factors whose cause is not yet known form their own theme. When no k is
// stable (real postmortem text has no reproducible clusters of words), the
// themes are the cause classes, or groups of them (Options.ClassLevel),
// rather than the most stable k; labels name the mechanism ("configuration
// changed without validation"). The defaults were chosen by cross-validation
// (labeled.Evaluate, EVALUATION.md).
//
// Stable ids: given the previous run's themes (their persisted sparse
// centroids, and optionally the previous assignments), every new cluster is
// matched to the previous theme it most resembles. A theme keeps its id; a
// previous theme whose members now form several clusters is recorded as a
// split, several previous themes now in one cluster as a merge, and themes
// with no counterpart as new or retired. New ids are derived from the
// theme's top terms, so reruns on the same data give the same ids.
package themes

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"strings"
)

// Item is one contributing factor to cluster.
type Item struct {
	ID   string
	Text string
}

// Theme is one cluster of contributing factors.
type Theme struct {
	ID string
	// Label names the theme as a lead would: the cause mechanism most of its
	// members share ("configuration changed without validation"), with its
	// most characteristic term when several themes share the mechanism.
	Label string
	// Class is the cause class most of the members have, ClassShare the
	// share of members in it.
	Class      string
	ClassShare float64
	// TopTerms are the theme's most characteristic terms (unigrams and
	// bigrams), in the surface form most often written.
	TopTerms []string
	// Families are the cause-lexicon families most present in the theme.
	Families           []string
	Representative     string // id of the member closest to the centroid
	RepresentativeText string
	Size               int
	// Centroid is the theme's centroid truncated to its heaviest features
	// (normalized terms, "@family" for cause families), to be stored and
	// passed back as Options-free prev on the next run. Keys starting with
	// '#' are bookkeeping for the next run's warm start, not features (see
	// chosenAtTerm).
	Centroid map[string]float64
}

// Change kinds.
const (
	ChangeNew     = "new"
	ChangeMerge   = "merge"
	ChangeSplit   = "split"
	ChangeRetired = "retired"
)

// Change records how the themes moved against the previous run.
//   - new: ThemeIDs holds the new theme.
//   - retired: ThemeIDs holds the previous theme that has no counterpart.
//   - merge: ThemeIDs holds the previous themes now in one theme, Into its id.
//   - split: From is the previous theme, ThemeIDs the themes it became
//     (the one that kept the id first).
type Change struct {
	Kind     string
	ThemeIDs []string
	Into     string
	From     string
}

// Result is one clustering run.
type Result struct {
	Themes      []Theme           // largest first
	Assignments map[string]string // item id -> theme id
	// Unassigned holds items whose text has no usable term.
	Unassigned []string
	// Causes holds every item's cause class and its evidence.
	Causes map[string]Cause
	// FromClasses is set when no k was stable and the themes were formed
	// from the cause classes (see Options.ClassLevel).
	FromClasses bool
	// Warm is set when the themes were re-formed from the previous run's
	// (Options.WarmStart) rather than by choosing k.
	Warm    bool
	Changes []Change
	// K is the number of clusters asked of k-means (chosen or given) and
	// Silhouette the sample silhouette that chose it (0 when K was given).
	K          int
	Silhouette float64
	// KScores holds the sample silhouette of every k tried (empty when K
	// was given).
	KScores []KScore
}

// KScore describes one candidate k: the sample silhouette of its
// clustering and how reproducible it is across resamples.
type KScore struct {
	K          int
	Silhouette float64
	// Stability is the mean adjusted Rand index between the clustering of
	// the sample and the clusterings of random 80% resamples, on the items
	// they share (1 = every resample finds the same themes).
	Stability float64
}

// Options tune Cluster. The zero value is usable.
type Options struct {
	// K fixes the number of themes; 0 chooses it in [MinK, MaxK] (see
	// StabilityThreshold).
	K          int
	MinK, MaxK int // defaults 2 and 30
	Seed       uint64
	Restarts   int // k-means++ restarts (of the over-clustered start, and at a given K); default 8
	// SilhouetteTolerance: among the stable k, the smallest whose
	// silhouette is within this fraction of the best is chosen; default
	// 0.01. (Before, an absolute difference over all k.)
	SilhouetteTolerance float64
	MaxIter             int // Lloyd iterations; default 30
	// SampleSize bounds the sample on which k is chosen and the restarts
	// run; default 2000.
	SampleSize int
	// ConceptWeight is the weight of a cause-family feature relative to a
	// word with the same tf-idf: each family of the cause lexicon is one
	// extra term of the vector, counted once per trigger found, so a family
	// weighs more in a short text that is mostly about it than in a long
	// one that mentions it in passing. Default DefaultConceptWeight (1);
	// negative disables the cause lexicon. (It was 2 while real text was
	// clustered by its words alone; since the cause classes give real text
	// its themes, the weight no longer carries the real-data figures, and
	// at 2 the families pulled distinct simulated themes that share one
	// together: EVALUATION.md. Before that, this was the weight of a
	// separate unit-length family block, default 0.6.)
	ConceptWeight float64
	// NoCauseClasses turns cause classes off: no separate theme for factors
	// whose cause is not yet known, and when no k is stable the most stable
	// k is taken (the behaviour before cause classes).
	NoCauseClasses bool
	// ClassLevel is the granularity of the themes formed from cause classes
	// when the texts have no stable k: LevelClass (one theme per class) or
	// LevelGroup (classes grouped as in Li et al.'s top level: software
	// changes and defects, capacity and load, infrastructure, ...). Default
	// DefaultClassLevel.
	ClassLevel string
	// ClassMinShare: a class (or group) holding less than this share of the
	// factors joins the "other causes" theme. Default DefaultClassMinShare.
	ClassMinShare float64
	// KindMinShare: among the other causes of themes formed from cause
	// classes, a kind of factor (factorKinds) holding at least this share
	// of the factors (and at least 3) forms a theme of its own. Default
	// DefaultKindMinShare.
	KindMinShare float64
	// NoFactorKinds keeps the other causes of themes formed from cause
	// classes in one theme (the behaviour before factor kinds split them).
	NoFactorKinds bool
	// NoBigrams turns bigram features off.
	NoBigrams bool
	MinDF     int // minimum document frequency of a term; default 2 (1 under 20 items)
	MaxVocab  int // default 50000
	TopTerms  int // default 5
	// MinThemeSize bounds k by the number of items: k is at most
	// items/MinThemeSize (a theme should recur), and the over-clustered
	// start has that many clusters. Default 10.
	MinThemeSize int
	// Resamples is how many random 80% resamples of the sample measure the
	// stability of each k; default 8.
	Resamples int
	// StabilityThreshold: k is the one with the best silhouette among the k
	// whose stability reaches this; when none does, the most stable k.
	// Default 0.85.
	StabilityThreshold float64
	// StabilityMargin: when no k reaches StabilityThreshold, the texts
	// still have reproducible themes (the most stable k is taken, as with
	// NoCauseClasses) when the most stable k is within this of the
	// threshold; further below, the themes come from the cause classes.
	// Default DefaultStabilityMargin; negative: no margin.
	StabilityMargin float64
	// MatchThreshold is the similarity at which a new cluster is the
	// continuation of a previous theme; default 0.5.
	MatchThreshold float64
	// PrevAssignments (item id -> previous theme id) lets matching use
	// member overlap as well as centroid similarity.
	PrevAssignments map[string]string
	// WarmStart re-forms the themes from the previous run's instead of
	// choosing k again, when prev and PrevAssignments are given and the
	// items moved little since (WarmStartHolds with WarmMaxNew): spherical
	// k-means over all items starts from the previous themes' centroids, or,
	// when the previous themes were formed from the cause classes, the
	// themes are the classes' partition again. Choosing k (the sample's
	// over-clustering, merge path and resamples) is the fixed cost of a
	// run; a warm start skips it. Result.Warm tells which way was taken.
	WarmStart bool
	// WarmMaxNew is the share of new items above which k is chosen again,
	// and the growth since k was chosen at which it is (WarmStartHolds);
	// default
	// DefaultWarmMaxNew.
	WarmMaxNew float64
	Workers    int // default GOMAXPROCS
}

func (o Options) withDefaults(n int) Options {
	if o.MinK <= 0 {
		o.MinK = 2
	}
	if o.MaxK <= 0 {
		o.MaxK = 30
	}
	if o.Restarts <= 0 {
		o.Restarts = 8
	}
	if o.SilhouetteTolerance <= 0 {
		o.SilhouetteTolerance = 0.01
	}
	if o.MaxIter <= 0 {
		o.MaxIter = 30
	}
	if o.SampleSize <= 0 {
		o.SampleSize = 2000
	}
	if o.ConceptWeight == 0 {
		o.ConceptWeight = DefaultConceptWeight
	}
	if o.ConceptWeight < 0 {
		o.ConceptWeight = 0
	}
	if o.ClassLevel == "" {
		o.ClassLevel = DefaultClassLevel
	}
	if o.ClassMinShare <= 0 {
		o.ClassMinShare = DefaultClassMinShare
	}
	if o.KindMinShare <= 0 {
		o.KindMinShare = DefaultKindMinShare
	}
	if o.MinDF <= 0 {
		o.MinDF = 2
		if n < 20 {
			o.MinDF = 1
		}
	}
	if o.MaxVocab <= 0 {
		o.MaxVocab = 50000
	}
	if o.TopTerms <= 0 {
		o.TopTerms = 5
	}
	if o.MinThemeSize <= 0 {
		o.MinThemeSize = 10
	}
	if o.Resamples <= 0 {
		o.Resamples = 8
	}
	if o.StabilityThreshold <= 0 {
		o.StabilityThreshold = 0.85
	}
	if o.StabilityMargin == 0 {
		o.StabilityMargin = DefaultStabilityMargin
	}
	if o.StabilityMargin < 0 {
		o.StabilityMargin = 0
	}
	if o.MatchThreshold <= 0 {
		o.MatchThreshold = 0.5
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	return o
}

// DefaultConceptWeight is the default Options.ConceptWeight, chosen on the
// simulator's medium org (seed 1) among 0.5-3 with the dev postmortems'
// cross-validated figures unchanged or better (EVALUATION.md).
const DefaultConceptWeight = 1

// DefaultStabilityMargin is the default Options.StabilityMargin: with the
// default threshold, a most stable k of 0.75 or more still gives themes
// from the words. On the simulator's large org of seed 2 every k fell
// short of the threshold for one clustering seed in five (most stable
// 0.80), and the cause classes it fell back to scored ARI 0.13 against the
// latent themes, the most stable k 0.85. The dev postmortems' most stable
// k reaches 0.16-0.20 (danluu) and 0.51-0.59 (ISSRE'22), the simulator's
// small orgs (seeds 1-20, 190-390 factors) 0.44-0.73 (0.91 on seed 9,
// whose k is stable): with a margin of 0.15, six of them would take 2-12
// themes from the words (better than the classes against the latent themes
// on three, worse on three), with 0.10 none (EVALUATION.md, "Simulator at
// scale").
const DefaultStabilityMargin = 0.10

// Defaults of the cause-class options, chosen by 5-fold cross-validation on
// the dev postmortems (EVALUATION.md, "Themes").
const (
	DefaultClassLevel    = LevelGroup
	DefaultClassMinShare = 0.10
	DefaultKindMinShare  = 0.03
)

// unknownTerm is the centroid feature of the theme of factors whose cause is
// not yet known.
const unknownTerm = "@cause-not-yet-known"

// centroidTerms is how many features a persisted centroid keeps.
const centroidTerms = 64

// Cluster groups items into themes. prev is the previous run's themes (nil
// on the first run); their ids carry over to the clusters that continue them.
// The result depends only on the items (not their order), prev and opts.
// It is ClusterFeatures over the items' Featurize results, with each
// theme's RepresentativeText set.
func Cluster(items []Item, prev []Theme, opts Options) (Result, error) {
	if err := checkIDs(len(items), func(i int) string { return items[i].ID }); err != nil {
		return Result{}, err
	}
	res, err := ClusterFeatures(featurizeAll(NewFeaturizer(), items, opts.Workers), prev, opts)
	if err != nil {
		return res, err
	}
	text := make(map[string]string, len(res.Themes))
	for _, th := range res.Themes {
		text[th.Representative] = ""
	}
	for _, it := range items {
		if _, ok := text[it.ID]; ok {
			text[it.ID] = it.Text
		}
	}
	for i := range res.Themes {
		res.Themes[i].RepresentativeText = text[res.Themes[i].Representative]
	}
	return res, nil
}

func checkIDs(n int, id func(i int) string) error {
	seen := make(map[string]bool, n)
	for i := 0; i < n; i++ {
		x := id(i)
		if x == "" {
			return errors.New("themes: item with empty id")
		}
		if seen[x] {
			return fmt.Errorf("themes: duplicate item id %q", x)
		}
		seen[x] = true
	}
	return nil
}

// ClusterFeatures groups items into themes by their stored features, as
// Cluster does by their texts: the vocabulary, idf and tf-idf vectors are
// formed over these items' term streams at run time, so the result is the
// same as Cluster's on the texts the features came from, except that
// RepresentativeText is left empty (the caller holds the texts, if anyone
// does). The result depends only on the items (not their order), prev and
// opts.
func ClusterFeatures(items []FeatureItem, prev []Theme, opts Options) (Result, error) {
	if err := checkIDs(len(items), func(i int) string { return items[i].ID }); err != nil {
		return Result{}, err
	}
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return items[order[a]].ID < items[order[b]].ID })
	return ClusterStream(func(add func(id string, f Features) error) error {
		for _, j := range order {
			if err := add(items[j].ID, items[j].Features); err != nil {
				return err
			}
		}
		return nil
	}, prev, opts)
}

// ClusterStream is ClusterFeatures over items that each passes to add, one
// at a time, in ascending id order (an id out of order or repeated is an
// error). Only the items' interned term counts and cause classes are kept,
// not the features themselves, so a caller can stream stored features
// straight from a query.
func ClusterStream(each func(add func(id string, f Features) error) error, prev []Theme, opts Options) (Result, error) {
	useClasses := !opts.NoCauseClasses
	lx := newLexicon(newNormalizer())
	co := newCorpus(lx, !opts.NoBigrams, 0)
	res := Result{Assignments: map[string]string{}, Causes: map[string]Cause{}}
	var ids []string
	var unknown []int
	err := each(func(id string, f Features) error {
		if id == "" {
			return errors.New("themes: item with empty id")
		}
		if n := len(ids); n > 0 && id <= ids[n-1] {
			if id == ids[n-1] {
				return fmt.Errorf("themes: duplicate item id %q", id)
			}
			return fmt.Errorf("themes: item %q after %q: items must come in ascending id order", id, ids[n-1])
		}
		i := len(ids)
		ids = append(ids, id)
		res.Causes[id] = f.Cause
		terms := f.Terms
		if useClasses && f.Cause.Unknown {
			unknown = append(unknown, i)
			terms = ""
		}
		if err := co.add(terms); err != nil {
			return fmt.Errorf("themes: item %q: terms: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	opts = opts.withDefaults(len(ids))
	sp, vocab := co.space(len(ids), opts.MinDF, opts.MaxVocab)
	dim := len(sp.terms)

	var docs []sparse
	var docItems []int
	isUnknown := make([]bool, len(ids))
	for _, i := range unknown {
		isUnknown[i] = true
	}
	// vectorizeAll consumes co.docs; the rest of the raw terms go after.
	vecs := vectorizeAll(sp, vocab, co.docs, isUnknown, opts.ConceptWeight, opts.Workers)
	co, vocab = nil, nil
	for i := range ids {
		if isUnknown[i] {
			continue
		}
		v := vecs[i]
		if v.empty() {
			res.Unassigned = append(res.Unassigned, ids[i])
			continue
		}
		docs = append(docs, v)
		docItems = append(docItems, i)
	}
	vecs = nil
	var unknownDraft *draft
	if len(unknown) > 0 {
		unknownDraft = &draft{theme: Theme{Label: "cause not yet known", Class: ClassUnclassified, ClassShare: 1,
			TopTerms: []string{"cause not yet known"}, Size: len(unknown), Centroid: map[string]float64{unknownTerm: 1},
			Representative: ids[unknown[0]]}}
		for _, i := range unknown {
			unknownDraft.members = append(unknownDraft.members, ids[i])
		}
	}
	if len(docs) == 0 {
		var clusters []*draft
		if unknownDraft != nil {
			clusters = append(clusters, unknownDraft)
		}
		res.Changes = matchThemes(clusters, prev, ids, opts, &res)
		sort.Strings(res.Unassigned)
		return res, nil
	}

	cfg := kmeansConfig{maxIter: opts.MaxIter, workers: opts.Workers}
	var final clustering
	init, warmClasses, warm := warmStart(prev, ids, docs, docItems, len(docs)+len(unknown), sp, opts)
	switch {
	case warm && warmClasses:
		res.Warm, res.FromClasses = true, useClasses
	case warm:
		res.Warm = true
		final = sphericalKMeans(docs, dim, init, cfg)
		res.K = final.k
	default:
		final = chooseAndCluster(docs, docItems, ids, dim, opts, cfg, &res)
	}
	if res.FromClasses {
		// No reproducible themes in the words: the cause taxonomy gives
		// the structure.
		keys := make([]string, len(docs))
		for d, i := range docItems {
			keys[d] = res.Causes[ids[i]].Class
		}
		var masks kindMasks
		if !opts.NoFactorKinds {
			masks = newKindMasks(sp.surface)
		}
		final = classPartition(docs, dim, keys, masks, opts)
		res.K = final.k
	}

	// Build themes from non-empty clusters.
	members := make([][]int, final.k)
	for d, c := range final.assign {
		members[c] = append(members[c], d)
	}
	var clusters []*draft
	var masks kindMasks // for the kinds of the themes of the words
	if !res.FromClasses {
		masks = newKindMasks(sp.surface)
	}
	for c, ms := range members {
		if len(ms) == 0 {
			continue
		}
		d := buildDraft(sp, final.centroids[c], ms, docs, docItems, ids, opts.TopTerms)
		if res.FromClasses {
			d.theme.Centroid[fromClassesTerm] = 0
			if c < len(final.parts) {
				d.kind, _ = strings.CutPrefix(final.parts[c], kindPartition)
				if d.kind == final.parts[c] {
					d.kind = ""
				}
			}
		} else {
			d.kind, d.kindShare = membersKind(ms, docs, masks)
		}
		clusters = append(clusters, d)
	}
	nameThemes(clusters, res.Causes, res.FromClasses, opts.ClassLevel == LevelGroup)
	if unknownDraft != nil {
		clusters = append(clusters, unknownDraft)
	}
	// How many items there were when k was chosen: a warm start carries
	// the count over, so that the growth since is measured from there.
	chosenAt := float64(len(docs) + len(unknown))
	if res.Warm {
		chosenAt = kChosenAt(prev)
	}
	for _, d := range clusters {
		d.theme.Centroid[chosenAtTerm] = chosenAt
	}
	res.Changes = matchThemes(clusters, prev, ids, opts, &res)
	sort.Slice(res.Themes, func(i, j int) bool {
		if res.Themes[i].Size != res.Themes[j].Size {
			return res.Themes[i].Size > res.Themes[j].Size
		}
		return res.Themes[i].ID < res.Themes[j].ID
	})
	sort.Strings(res.Unassigned)
	return res, nil
}

// chooseAndCluster chooses k on a sample of docs (or takes opts.K) and
// assigns every document with Lloyd iterations from the sample's
// centroids. res.FromClasses is set when no k was stable and cause classes
// are on (the caller then forms the themes from the classes instead).
func chooseAndCluster(docs []sparse, docItems []int, ids []string, dim int, opts Options, cfg kmeansConfig, res *Result) clustering {
	rng := rand.New(rand.NewPCG(opts.Seed, 0x5851f42d4c957f2d))
	// Sample for choosing k and for the restarts.
	sampleIdx := sampleIndices(ids, docItems, opts.SampleSize, opts.Seed)
	sample := make([]sparse, len(sampleIdx))
	for i, j := range sampleIdx {
		sample[i] = docs[j]
	}
	// k is chosen in the subspace of the terms the sample holds (see
	// compactSpace): the same clusterings, at a fraction of the cost.
	sample, sub := compactSpace(sample, dim)

	var chosen clustering
	if opts.K > 0 {
		chosen = clusterFixedK(sample, len(sub), min(opts.K, len(sample)), opts, rng, cfg)
		res.K = chosen.k
	} else {
		var stable bool
		chosen, stable = chooseK(sample, len(sub), opts, rng, cfg, res)
		// A stable k whose largest cluster holds most of the factors
		// (a handful split off from everything else, which resamples
		// reproduce easily) names no themes: the classes give them.
		res.FromClasses = !opts.NoCauseClasses && (!stable || largestShare(chosen.assign, chosen.k) > MaxThemeShare)
	}
	sample = nil
	chosen.centroids = expandCentroids(chosen.centroids, sub, dim)
	if res.FromClasses {
		return chosen
	}
	return sphericalKMeans(docs, dim, chosen.centroids, cfg)
}

// membersKind is the kind of factor (factorKinds) that at least half of a
// theme's members describe (docFactorKind), "" when none does: a theme of
// the words is named by it ("gaps in detection and alerting" for factors
// that all say the first hint was an angry customer), where its top terms
// alone ("message", "angry") would not name the kind.
func membersKind(ms []int, docs []sparse, masks kindMasks) (string, float64) {
	n := map[string]int{}
	for _, d := range ms {
		if k := docFactorKind(docs[d], masks); k != "" {
			n[k]++
		}
	}
	best := keysByCount(n)[0]
	if best == "" || 2*n[best] < len(ms) {
		return "", 0
	}
	return best, float64(n[best]) / float64(len(ms))
}

// MaxThemeShare is the largest share of the factors one theme found in the
// words may hold: above it, the words are taken to have no themes (the cause
// classes form them), however stable the split.
const MaxThemeShare = 0.5

// largestShare is the share of the items in the largest of k clusters.
func largestShare(assign []int, k int) float64 {
	if len(assign) == 0 || k <= 0 {
		return 0
	}
	n := make([]int, k)
	big := 0
	for _, c := range assign {
		if c >= 0 && c < k {
			n[c]++
			big = max(big, n[c])
		}
	}
	return float64(big) / float64(len(assign))
}

// Bookkeeping entries of a persisted centroid (keys start with '#'; they
// are not features, and cosineMaps and termVector ignore them):
// fromClassesTerm (weight 0) marks a theme formed from the cause classes,
// so that a warm start forms the themes from the classes again;
// chosenAtTerm holds the number of items when k was last chosen.
const (
	fromClassesTerm = "#from-classes"
	chosenAtTerm    = "#k-chosen-at"
)

func isBookkeeping(term string) bool { return strings.HasPrefix(term, "#") }

// kChosenAt is the item count at which prev's k was chosen (0 when prev
// does not record it).
func kChosenAt(prev []Theme) float64 {
	var n float64
	for _, p := range prev {
		n = max(n, p.Centroid[chosenAtTerm])
	}
	return n
}

// warmStart decides whether the themes are re-formed from prev rather than
// by choosing k again (Options.WarmStart), and returns the starting
// centroids: for each previous theme (by id), the normalized mean of the
// documents it held in the previous run (its stored centroid when none of
// them is left), or fromClasses when prev was formed from the cause
// classes. Started from the previous members, Lloyd's iterations give the
// previous clustering back exactly when nothing changed (a rerun on the
// same rows is idempotent), and move only as far as new items pull.
func warmStart(prev []Theme, ids []string, docs []sparse, docItems []int, n int, sp *space, opts Options) (init [][]float32, fromClasses, ok bool) {
	if !opts.WarmStart || opts.K > 0 || len(prev) == 0 || len(opts.PrevAssignments) == 0 || n == 0 {
		return nil, false, false
	}
	if !WarmStartHolds(int(kChosenAt(prev)), n, newSince(ids, opts.PrevAssignments), opts.WarmMaxNew) {
		return nil, false, false
	}
	if prevLargestShare(prev) > MaxThemeShare {
		// Themes of the words that one theme dominated (before
		// MaxThemeShare applied): chosen again.
		return nil, false, false
	}
	for _, p := range prev {
		if _, ok := p.Centroid[fromClassesTerm]; ok {
			if opts.NoCauseClasses {
				return nil, false, false
			}
			return nil, true, true
		}
	}
	ps := append([]Theme(nil), prev...)
	sort.Slice(ps, func(i, j int) bool { return ps[i].ID < ps[j].ID })
	index := map[string]int{}
	for _, p := range ps {
		if _, ok := p.Centroid[unknownTerm]; ok {
			continue // the theme of causes not yet known is not clustered
		}
		index[p.ID] = len(init)
		init = append(init, make([]float32, len(sp.terms)))
	}
	held := make([]int, len(init))
	for d, i := range docItems {
		c, ok := index[opts.PrevAssignments[ids[i]]]
		if !ok {
			continue
		}
		held[c]++
		for j, t := range docs[d].idx {
			init[c][t] += docs[d].val[j]
		}
	}
	out := init[:0]
	for _, p := range ps {
		c, ok := index[p.ID]
		if !ok {
			continue
		}
		v := init[c]
		if held[c] == 0 {
			v = sp.termVector(p.Centroid)
		}
		normalize(v)
		if !isZero(v) {
			out = append(out, v)
		}
	}
	if len(out) < max(1, opts.MinK) {
		return nil, false, false
	}
	return out, false, true
}

// prevLargestShare is the share of the factors of prev's clustered themes
// (not the unknown-cause one) in the largest of them; 0 for themes formed
// from the cause classes, which MaxThemeShare does not bound.
func prevLargestShare(prev []Theme) float64 {
	total, big := 0, 0
	for _, p := range prev {
		if _, ok := p.Centroid[fromClassesTerm]; ok {
			return 0
		}
		if _, ok := p.Centroid[unknownTerm]; ok {
			continue
		}
		total += p.Size
		big = max(big, p.Size)
	}
	if total == 0 {
		return 0
	}
	return float64(big) / float64(total)
}

func isZero(v []float32) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

func newSince(ids []string, prev map[string]string) int {
	n := 0
	for _, id := range ids {
		if _, ok := prev[id]; !ok {
			n++
		}
	}
	return n
}

// DefaultWarmMaxNew is the default Options.WarmMaxNew.
const DefaultWarmMaxNew = 0.10

// WarmStartHolds reports whether a warm start is allowed: of the n items
// to assign, at most the share maxNew are new since the previous run
// (fresh: new or changed), and n is within a factor 1+maxNew of chosenAt,
// the item count when k was last chosen. The second bound keeps runs of
// small increments from adding up: k is chosen again once the items have
// grown (or shrunk) by that share since it was.
func WarmStartHolds(chosenAt, n, fresh int, maxNew float64) bool {
	if maxNew <= 0 {
		maxNew = DefaultWarmMaxNew
	}
	if chosenAt <= 0 || n <= 0 || float64(fresh) > maxNew*float64(n) {
		return false
	}
	r := float64(n) / float64(chosenAt)
	return r <= 1+maxNew && r >= 1/(1+maxNew)
}

// vectorizeAll vectorizes the documents not skipped on up to workers
// goroutines. It consumes docs: each document's raw terms are released as
// it is done, so that the raw terms and the vectors of every document are
// not all held at once (at xlarge, 287k documents, the vectors are about
// 60 MB and the raw terms more).
func vectorizeAll(sp *space, vocab []int32, docs []termDoc, skip []bool, conceptWeight float64, workers int) []sparse {
	out := make([]sparse, len(docs))
	inChunks(len(docs), min(workers, len(docs)/4096+1), func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			if !skip[i] {
				out[i] = vectorize(sp, vocab, docs[i], conceptWeight)
			}
			docs[i] = termDoc{}
		}
	})
	return out
}

// compactSpace renumbers the features of docs to those that occur in them,
// in the same order: sub[i] is the feature id in the full space of the
// subspace's feature i. Every inner product, norm and sum of k-means over
// docs is then the same, term for term in the same order, as in the full
// space (the features left out are zero in every vector and centroid
// formed from docs), so the clusterings are identical; only the dense
// centroids are as long as the sample's vocabulary, not the run's.
func compactSpace(docs []sparse, dim int) ([]sparse, []int32) {
	pos := make([]int32, dim)
	for _, d := range docs {
		for _, j := range d.idx {
			pos[j] = 1
		}
	}
	var sub []int32
	for j, used := range pos {
		if used != 0 {
			pos[j] = int32(len(sub))
			sub = append(sub, int32(j))
		}
	}
	out := make([]sparse, len(docs))
	for i, d := range docs {
		idx := make([]int32, len(d.idx))
		for k, j := range d.idx {
			idx[k] = pos[j]
		}
		out[i] = sparse{idx: idx, val: d.val}
	}
	return out, sub
}

// expandCentroids returns centroids of the subspace sub in the full space
// of dim features.
func expandCentroids(cs [][]float32, sub []int32, dim int) [][]float32 {
	out := make([][]float32, len(cs))
	for c, ctr := range cs {
		if ctr == nil {
			continue
		}
		full := make([]float32, dim)
		for i, w := range ctr {
			full[sub[i]] = w
		}
		out[c] = full
	}
	return out
}

// sampleIndices picks up to size documents by a seeded hash of their item
// id, so the sample does not depend on input order.
func sampleIndices(ids []string, docItems []int, size int, seed uint64) []int {
	idx := make([]int, len(docItems))
	for i := range idx {
		idx[i] = i
	}
	if len(idx) <= size {
		return idx
	}
	keys := make([]uint64, len(docItems))
	for i, it := range docItems {
		h := fnv.New64a()
		fmt.Fprintf(h, "%d\x00%s", seed, ids[it])
		keys[i] = h.Sum64()
	}
	sort.Slice(idx, func(a, b int) bool { return keys[idx[a]] < keys[idx[b]] })
	idx = idx[:size]
	sort.Ints(idx)
	return idx
}

// draft is a cluster before it has an id.
type draft struct {
	theme   Theme
	members []string // item ids
	// kind is the kind of factor (factorKinds) that formed it from the
	// other causes (classPartition), or that most members of a theme of
	// the words describe (membersKind); "" otherwise. kindShare is the
	// share of the members that describe it (themes of the words only).
	kind      string
	kindShare float64
}

func buildDraft(sp *space, centroid []float32, ms []int, docs []sparse, docItems []int, ids []string, topN int) *draft {
	type fw struct {
		id int
		w  float32
	}
	var feats []fw
	for id, w := range centroid {
		if w > 0 {
			feats = append(feats, fw{id, w})
		}
	}
	sort.Slice(feats, func(i, j int) bool {
		if feats[i].w != feats[j].w {
			return feats[i].w > feats[j].w
		}
		return sp.terms[feats[i].id] < sp.terms[feats[j].id]
	})
	th := Theme{Size: len(ms), Centroid: map[string]float64{}}
	var norm float64
	for _, f := range feats[:min(len(feats), centroidTerms)] {
		norm += float64(f.w) * float64(f.w)
	}
	norm = math.Sqrt(norm)
	for _, f := range feats[:min(len(feats), centroidTerms)] {
		th.Centroid[sp.terms[f.id]] = math.Round(float64(f.w)/norm*1e6) / 1e6
	}
	// Top terms: heaviest terms, a unigram skipped when a chosen bigram
	// already shows it.
	var chosenTerms []string
	for _, f := range feats {
		t := sp.terms[f.id]
		if isFamily(t) {
			if len(th.Families) < 2 && f.w > 0.1 {
				th.Families = append(th.Families, strings.TrimPrefix(t, "@"))
			}
			continue
		}
		if len(chosenTerms) >= topN {
			continue
		}
		dup := false
		for _, c := range chosenTerms {
			if c == t || strings.Contains(" "+c+" ", " "+t+" ") || strings.Contains(" "+t+" ", " "+c+" ") {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		chosenTerms = append(chosenTerms, t)
		th.TopTerms = append(th.TopTerms, sp.surface[f.id])
	}
	th.Label = strings.Join(th.TopTerms[:min(3, len(th.TopTerms))], ", ")
	if len(th.TopTerms) == 0 {
		th.Label = "no characteristic term"
	}
	bestSim, best := float32(-2), -1
	d := &draft{}
	for _, m := range ms {
		id := ids[docItems[m]]
		d.members = append(d.members, id)
		s := docs[m].dotDense(centroid)
		if s > bestSim || (s == bestSim && id < ids[docItems[best]]) {
			bestSim, best = s, m
		}
	}
	th.Representative = ids[docItems[best]]
	d.theme = th
	return d
}
