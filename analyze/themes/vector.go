package themes

import (
	"math"
	"sort"
	"strings"
)

// sparse is an L2-normalized sparse feature vector, indices ascending.
type sparse struct {
	idx []int32
	val []float32
}

func (s sparse) empty() bool { return len(s.idx) == 0 }

// dotDense is the inner product of s with a dense vector.
func (s sparse) dotDense(d []float32) float32 {
	var sum float32
	for i, j := range s.idx {
		sum += s.val[i] * d[j]
	}
	return sum
}

// space is the feature space of one clustering run: vocabulary, idf and the
// surface form shown to people for each term.
type space struct {
	terms   []string // feature id -> term ("@family" for a cause family)
	ids     map[string]int32
	idf     []float64
	surface []string
}

// featurizer turns items into vectors in one space.
type featurizer struct {
	nz            *normalizer
	lx            *lexicon
	conceptWeight float64
	bigrams       bool
}

// docTerms is one item's raw term counts before weighting.
type docTerms struct {
	counts   map[string]float64
	families []float64
}

func (f *featurizer) extract(text string, surf map[string]map[string]int) docTerms {
	toks := f.nz.tokens(text)
	dt := docTerms{counts: map[string]float64{}, families: make([]float64, len(f.lx.families))}
	for i, t := range toks {
		dt.counts[t.term]++
		if surf != nil {
			addSurface(surf, t.term, t.surface)
		}
		if f.bigrams && i > 0 && !t.gap && toks[i-1].term != t.term {
			bg := toks[i-1].term + " " + t.term
			dt.counts[bg]++
			if surf != nil {
				addSurface(surf, bg, toks[i-1].surface+" "+t.surface)
			}
		}
	}
	f.lx.match(toks, dt.families)
	return dt
}

func addSurface(surf map[string]map[string]int, term, form string) {
	m := surf[term]
	if m == nil {
		m = map[string]int{}
		surf[term] = m
	}
	if len(m) < 8 || m[form] > 0 {
		m[form]++
	}
}

// buildSpace chooses the vocabulary: terms in at least minDF documents, the
// maxVocab most frequent of them, plus one feature per cause family.
func buildSpace(docs []docTerms, families []string, surf map[string]map[string]int, minDF, maxVocab int) *space {
	df := map[string]int{}
	for _, d := range docs {
		for t := range d.counts {
			df[t]++
		}
	}
	type tc struct {
		t string
		n int
	}
	var keep []tc
	for t, n := range df {
		if n >= minDF {
			keep = append(keep, tc{t, n})
		}
	}
	sort.Slice(keep, func(i, j int) bool {
		if keep[i].n != keep[j].n {
			return keep[i].n > keep[j].n
		}
		return keep[i].t < keep[j].t
	})
	if maxVocab > 0 && len(keep) > maxVocab {
		keep = keep[:maxVocab]
	}
	sort.Slice(keep, func(i, j int) bool { return keep[i].t < keep[j].t })
	sp := &space{ids: map[string]int32{}}
	n := float64(len(docs))
	for _, k := range keep {
		sp.ids[k.t] = int32(len(sp.terms))
		sp.terms = append(sp.terms, k.t)
		sp.idf = append(sp.idf, idf(n, k.n))
		sp.surface = append(sp.surface, bestSurface(surf[k.t], k.t))
	}
	famDF := make([]int, len(families))
	for _, d := range docs {
		for i, c := range d.families {
			if c > 0 {
				famDF[i]++
			}
		}
	}
	for i, fam := range families {
		sp.ids["@"+fam] = int32(len(sp.terms))
		sp.terms = append(sp.terms, "@"+fam)
		sp.idf = append(sp.idf, idf(n, famDF[i]))
		sp.surface = append(sp.surface, "["+fam+"]")
	}
	return sp
}

func bestSurface(forms map[string]int, term string) string {
	best, bestN := term, 0
	for f, n := range forms {
		if n > bestN || (n == bestN && f < best) {
			best, bestN = f, n
		}
	}
	return best
}

// vectorize weights a document: sublinear tf times idf over terms, and
// each cause family as one more term (its trigger count as tf) scaled by
// conceptWeight; L2 normalized.
func (f *featurizer) vectorize(sp *space, d docTerms) sparse {
	type kv struct {
		i int32
		v float64
	}
	var kvs []kv
	var norm float64
	for t, c := range d.counts {
		id, ok := sp.ids[t]
		if !ok {
			continue
		}
		w := (1 + math.Log(c)) * sp.idf[id]
		if w <= 0 {
			continue
		}
		kvs = append(kvs, kv{id, w})
		norm += w * w
	}
	if f.conceptWeight > 0 {
		base := int32(len(sp.terms) - len(d.families))
		for fam, c := range d.families {
			if c <= 0 {
				continue
			}
			id := base + int32(fam)
			w := (1 + math.Log(c)) * sp.idf[id] * f.conceptWeight
			if w <= 0 {
				continue
			}
			kvs = append(kvs, kv{id, w})
			norm += w * w
		}
	}
	if norm == 0 {
		return sparse{}
	}
	norm = math.Sqrt(norm)
	sort.Slice(kvs, func(i, j int) bool { return kvs[i].i < kvs[j].i })
	s := sparse{idx: make([]int32, len(kvs)), val: make([]float32, len(kvs))}
	for i, x := range kvs {
		s.idx[i] = x.i
		s.val[i] = float32(x.v / norm)
	}
	return s
}

// termVector converts a persisted centroid (term -> weight) into a dense
// vector of this space; terms the space lacks are dropped.
func (sp *space) termVector(c map[string]float64) []float32 {
	d := make([]float32, len(sp.terms))
	for t, w := range c {
		if id, ok := sp.ids[t]; ok {
			d[id] = float32(w)
		}
	}
	return d
}

// cosineMaps is the cosine similarity of two persisted centroids.
func cosineMaps(a, b map[string]float64) float64 {
	if len(a) > len(b) {
		a, b = b, a
	}
	var dot, na, nb float64
	for t, w := range a {
		dot += w * b[t]
		na += w * w
	}
	for _, w := range b {
		nb += w * w
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

func isFamily(term string) bool { return strings.HasPrefix(term, "@") }

// idf is ln((1+n)/df): a term in every document weighs almost nothing
// (ln(1+1/n)), so words that every factor uses drop out by document
// frequency, without a list.
func idf(n float64, df int) float64 {
	if df <= 0 {
		return 0
	}
	return math.Log((1 + n) / float64(df))
}
