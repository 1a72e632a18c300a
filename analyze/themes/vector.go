package themes

import (
	"math"
	"slices"
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

// corpus gathers the raw term statistics of one clustering run from the
// documents' stored term streams: every term (unigram, or bigram of two
// adjacent terms) interned once, each document as its distinct terms with
// their counts, the document frequency of each term and the surface forms
// seen for it. It holds no text.
type corpus struct {
	lx      *lexicon
	bigrams bool
	ids     map[string]int32   // unigram -> term id
	pairs   map[[2]int32]int32 // bigram (first, second unigram id) -> term id
	names   []string           // term id -> term ("a b" for a bigram)
	df      []int32            // term id -> documents holding it
	surf    [][]surfaceForm    // term id -> surface forms, first seen first
	famDF   []int
	docs    []termDoc
	// scratch, reused from one document to the next
	toks    []token
	seq     []int32
	famBuf  []float64
	tokenID []int32
}

// termDoc is one document's raw terms: distinct term ids ascending with their
// counts, and the trigger count of each cause family (nil when none).
type termDoc struct {
	terms    []int32
	counts   []uint32
	families []float32
}

// surfaceForm is one way a term was written, counted; a bigram's form is
// a + " " + b.
type surfaceForm struct {
	a, b string
	n    int
}

func (f surfaceForm) String() string {
	if f.b == "" {
		return f.a
	}
	return f.a + " " + f.b
}

// maxSurfaceForms bounds the forms kept per term: once a term has this many,
// only those seen already are counted.
const maxSurfaceForms = 8

func newCorpus(lx *lexicon, bigrams bool, n int) *corpus {
	return &corpus{lx: lx, bigrams: bigrams, ids: map[string]int32{}, pairs: map[[2]int32]int32{},
		famDF: make([]int, len(lx.families)), docs: make([]termDoc, 0, n), famBuf: make([]float64, len(lx.families))}
}

func (c *corpus) newTerm(name string) int32 {
	id := int32(len(c.names))
	c.names = append(c.names, name)
	c.df = append(c.df, 0)
	c.surf = append(c.surf, nil)
	return id
}

func (c *corpus) addSurface(id int32, a, b string) {
	forms := c.surf[id]
	for i := range forms {
		if forms[i].a == a && forms[i].b == b {
			forms[i].n++
			return
		}
	}
	if len(forms) < maxSurfaceForms {
		c.surf[id] = append(forms, surfaceForm{a: a, b: b, n: 1})
	}
}

// add appends one document given its encoded term stream (Features.Terms);
// an empty stream adds an empty document. Documents must be added in a
// fixed order (by item id): the surface forms kept for a term depend on it.
func (c *corpus) add(enc string) error {
	toks, err := decodeTokens(enc, c.toks[:0])
	c.toks = toks
	if err != nil {
		return err
	}
	seq := c.seq[:0]
	ids := c.tokenID[:0]
	for i, t := range toks {
		id, ok := c.ids[t.term]
		if !ok {
			id = c.newTerm(t.term)
			c.ids[t.term] = id
		}
		ids = append(ids, id)
		seq = append(seq, id)
		c.addSurface(id, t.surface, "")
		if c.bigrams && i > 0 && !t.gap && toks[i-1].term != t.term {
			key := [2]int32{ids[i-1], id}
			bg, ok := c.pairs[key]
			if !ok {
				bg = c.newTerm(toks[i-1].term + " " + t.term)
				c.pairs[key] = bg
			}
			seq = append(seq, bg)
			c.addSurface(bg, toks[i-1].surface, t.surface)
		}
	}
	c.seq, c.tokenID = seq, ids
	var d termDoc
	if len(seq) > 0 {
		slices.Sort(seq)
		distinct := 1
		for i := 1; i < len(seq); i++ {
			if seq[i] != seq[i-1] {
				distinct++
			}
		}
		d.terms, d.counts = make([]int32, 0, distinct), make([]uint32, 0, distinct)
		for i, id := range seq {
			if i > 0 && id == seq[i-1] {
				d.counts[len(d.counts)-1]++
				continue
			}
			d.terms = append(d.terms, id)
			d.counts = append(d.counts, 1)
			c.df[id]++
		}
	}
	clear(c.famBuf)
	c.lx.match(toks, c.famBuf)
	for i, n := range c.famBuf {
		if n > 0 {
			if d.families == nil {
				d.families = make([]float32, len(c.famBuf))
			}
			d.families[i] = float32(n)
			c.famDF[i]++
		}
	}
	c.docs = append(c.docs, d)
	return nil
}

// space chooses the vocabulary: terms in at least minDF documents, the
// maxVocab most frequent of them, plus one feature per cause family; idf
// is over n documents. vocab maps each corpus term id to its feature id
// (-1 when left out).
func (c *corpus) space(n, minDF, maxVocab int) (sp *space, vocab []int32) {
	var keep []int32
	for id, df := range c.df {
		if int(df) >= minDF {
			keep = append(keep, int32(id))
		}
	}
	sort.Slice(keep, func(i, j int) bool {
		a, b := keep[i], keep[j]
		if c.df[a] != c.df[b] {
			return c.df[a] > c.df[b]
		}
		return c.names[a] < c.names[b]
	})
	if maxVocab > 0 && len(keep) > maxVocab {
		keep = keep[:maxVocab]
	}
	sort.Slice(keep, func(i, j int) bool { return c.names[keep[i]] < c.names[keep[j]] })
	sp = &space{ids: make(map[string]int32, len(keep)+len(c.lx.families))}
	vocab = make([]int32, len(c.names))
	for i := range vocab {
		vocab[i] = -1
	}
	nf := float64(n)
	for _, id := range keep {
		t := c.names[id]
		vocab[id] = int32(len(sp.terms))
		sp.ids[t] = int32(len(sp.terms))
		sp.terms = append(sp.terms, t)
		sp.idf = append(sp.idf, idf(nf, int(c.df[id])))
		sp.surface = append(sp.surface, bestSurface(c.surf[id], t))
	}
	for i, fam := range c.lx.families {
		sp.ids["@"+fam] = int32(len(sp.terms))
		sp.terms = append(sp.terms, "@"+fam)
		sp.idf = append(sp.idf, idf(nf, c.famDF[i]))
		sp.surface = append(sp.surface, "["+fam+"]")
	}
	return sp, vocab
}

// bestSurface is the form most often written (ties: the first in sort
// order), or term when none was seen.
func bestSurface(forms []surfaceForm, term string) string {
	best, bestN := term, 0
	for _, f := range forms {
		s := f.String()
		if f.n > bestN || (f.n == bestN && s < best) {
			best, bestN = s, f.n
		}
	}
	return best
}

// vectorize weights a document: sublinear tf times idf over terms, and
// each cause family as one more term (its trigger count as tf) scaled by
// conceptWeight; L2 normalized.
func vectorize(sp *space, vocab []int32, d termDoc, conceptWeight float64) sparse {
	type kv struct {
		i int32
		v float64
	}
	kvs := make([]kv, 0, len(d.terms)+len(d.families))
	var norm float64
	for j, t := range d.terms {
		id := vocab[t]
		if id < 0 {
			continue
		}
		w := (1 + math.Log(float64(d.counts[j]))) * sp.idf[id]
		if w <= 0 {
			continue
		}
		kvs = append(kvs, kv{id, w})
		norm += w * w
	}
	if conceptWeight > 0 {
		base := int32(len(sp.terms) - len(d.families))
		for fam, c := range d.families {
			if c <= 0 {
				continue
			}
			id := base + int32(fam)
			w := (1 + math.Log(float64(c))) * sp.idf[id] * conceptWeight
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
		if isBookkeeping(t) {
			continue
		}
		dot += w * b[t]
		na += w * w
	}
	for t, w := range b {
		if isBookkeeping(t) {
			continue
		}
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
