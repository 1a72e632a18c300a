package similar

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// Matching without an Index: a few queries against postmortems streamed
// twice, holding the vocabulary and the queries, not the postmortems.
//
//	c := NewCorpus()
//	for each postmortem p: c.Add(p.Factors)             // pass 1
//	s, _ := c.Search(queries, n, opts)
//	for each postmortem p: s.Offer(p)                   // pass 2
//	ms, _ := s.Similar(key)
//
// Given the same postmortems in both passes (in any order), Similar returns
// what Index.Similar returns over an Index of them, to the last bit: the
// weights, norms and sums are computed by the same code in the same order.

// Corpus counts what the factor score needs of every postmortem: how many
// there are and how many use each term (document frequencies).
type Corpus struct {
	n  int
	df map[string]int
	tf map[string]int // one postmortem's counts, reused
}

// NewCorpus is an empty corpus.
func NewCorpus() *Corpus {
	return &Corpus{df: map[string]int{}, tf: map[string]int{}}
}

// Add counts one postmortem's factor texts.
func (c *Corpus) Add(factors []string) {
	c.n++
	clear(c.tf)
	for t := range termCounts(factors, c.tf) {
		if _, ok := c.df[t]; ok {
			c.df[t]++
		} else {
			// A term is a slice of its factor's text: a copy keeps the
			// text from staying in memory with it.
			c.df[strings.Clone(t)] = 1
		}
	}
}

// Len is the number of postmortems counted.
func (c *Corpus) Len() int { return c.n }

// Terms is the number of distinct terms counted.
func (c *Corpus) Terms() int { return len(c.df) }

// Search matches queries (postmortems of the corpus) against the postmortems
// offered to it, keeping the best n of each (every match when n < 0).
//
// Terms are numbered in their sorted order, so a vector sorted by number is
// sorted by term: its sums run in the Index's order, comparing numbers
// instead of strings.
type Search struct {
	opts    Options
	n       float64          // postmortems in the corpus
	ids     map[string]int32 // a term's rank among the corpus's terms
	idf     []float64        // by rank
	queries []query
	byKey   map[string]int
	tf      map[string]int // reused per candidate
	vecBuf  []idWeight     // reused per candidate
}

// idWeight is one term of a vector, by rank.
type idWeight struct {
	id int32
	w  float64
}

type query struct {
	e   entry
	vec []idWeight
	top top
}

// Search starts matching queries, postmortems the corpus counted, whose keys
// must be non-empty and distinct. The corpus is not used afterwards. (A
// query's terms that the corpus does not know, as when it changed after
// being counted, weigh in its norm as if no postmortem used them, and match
// no candidate's.)
func (c *Corpus) Search(queries []Postmortem, n int, opts Options) (*Search, error) {
	s := &Search{opts: opts.withDefaults(), n: float64(c.n), byKey: make(map[string]int, len(queries)), tf: map[string]int{}}
	terms := make([]string, 0, len(c.df))
	for t := range c.df {
		terms = append(terms, t)
	}
	slices.Sort(terms)
	s.ids, s.idf = make(map[string]int32, len(terms)), make([]float64, len(terms))
	for i, t := range terms {
		s.ids[t], s.idf[i] = int32(i), idf(s.n, c.df[t])
	}
	for i, p := range queries {
		if p.Key == "" {
			return nil, fmt.Errorf("similar: query %d has no key", i)
		}
		if _, dup := s.byKey[p.Key]; dup {
			return nil, fmt.Errorf("similar: query %s given twice", p.Key)
		}
		s.byKey[p.Key] = i
		q := query{e: newEntry(p), top: top{n: n}}
		q.vec, q.e.norm, _ = s.vector(p.Factors, nil)
		s.queries = append(s.queries, q)
	}
	return s, nil
}

// vector is the weighted terms of factors that the corpus knows, sorted
// (appended to buf[:0]), and the norm of all of them; unknown says whether
// some term is not the corpus's (a postmortem stored or changed after it was
// counted), which weighs as if no postmortem used it.
func (s *Search) vector(factors []string, buf []idWeight) (vec []idWeight, norm float64, unknown bool) {
	clear(s.tf)
	termCounts(factors, s.tf)
	vec = buf[:0]
	for t, c := range s.tf {
		id, ok := s.ids[t]
		if !ok {
			unknown = true
			continue
		}
		if w := weight(c, s.idf[id]); w > 0 {
			vec = append(vec, idWeight{id, w})
		}
	}
	slices.SortFunc(vec, func(a, b idWeight) int { return cmp.Compare(a.id, b.id) })
	if unknown {
		// The norm sums over every term in term order, the unknown ones
		// among them.
		all := make([]termWeight, 0, len(s.tf))
		for t, c := range s.tf {
			f := idf(s.n, 0)
			if id, ok := s.ids[t]; ok {
				f = s.idf[id]
			}
			if w := weight(c, f); w > 0 {
				all = append(all, termWeight{t, w})
			}
		}
		sort.Slice(all, func(a, b int) bool { return all[a].term < all[b].term })
		var sum float64
		for _, tw := range all {
			sum += tw.w * tw.w
		}
		return vec, math.Sqrt(sum), true
	}
	var sum float64
	for _, tw := range vec {
		sum += tw.w * tw.w
	}
	return vec, math.Sqrt(sum), false
}

// dotIDs is dotProduct over vectors by rank.
func dotIDs(x, y []idWeight) float64 {
	var dot float64
	for i, j := 0, 0; i < len(x) && j < len(y); {
		switch {
		case x[i].id < y[j].id:
			i++
		case x[i].id > y[j].id:
			j++
		default:
			dot += x[i].w * y[j].w
			i++
			j++
		}
	}
	return dot
}

// Offer scores p against every query created after it (p itself excepted)
// and keeps it where it is among the best; it reports whether any query kept
// it. Offer each postmortem once; a kept one holds on to p's slices.
func (s *Search) Offer(p Postmortem) bool {
	var b *entry // built when some query is created after p
	var vec []idWeight
	kept := false
	for i := range s.queries {
		q := &s.queries[i]
		if p.Key == q.e.pm.Key || !p.Created.Before(q.e.pm.Created) {
			continue
		}
		if b == nil {
			e := newEntry(p)
			vec, e.norm, _ = s.vector(p.Factors, s.vecBuf)
			s.vecBuf = vec
			b = &e
		}
		if c := s.opts.score(&q.e, b, dotIDs(q.vec, vec)); q.top.wants(&c) {
			q.top.add(c)
			kept = true
		}
	}
	return kept
}

// Similar is the matches of the query with key, most similar first (nil
// when none scored above 0).
func (s *Search) Similar(key string) ([]Match, error) {
	i, ok := s.byKey[key]
	if !ok {
		return nil, fmt.Errorf("similar: no query %s", key)
	}
	q := &s.queries[i]
	return matches(&q.e, q.top.sorted()), nil
}
