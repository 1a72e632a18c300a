package similar

import (
	"fmt"
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
// offered to it, keeping the best n of each (every match when n < 0). The
// corpus must not change while it is used.
type Search struct {
	opts    Options
	n       float64 // postmortems in the corpus
	df      map[string]int
	queries []query
	byKey   map[string]int
	tf      map[string]int // reused per candidate
	vec     []termWeight   // reused per candidate
}

type query struct {
	e   entry
	top top
}

// Search starts matching queries: postmortems of the corpus (what Add
// counted), whose keys must be non-empty and distinct.
func (c *Corpus) Search(queries []Postmortem, n int, opts Options) (*Search, error) {
	s := &Search{opts: opts.withDefaults(), n: float64(c.n), df: c.df, byKey: make(map[string]int, len(queries)), tf: map[string]int{}}
	for i, p := range queries {
		if p.Key == "" {
			return nil, fmt.Errorf("similar: query %d has no key", i)
		}
		if _, dup := s.byKey[p.Key]; dup {
			return nil, fmt.Errorf("similar: query %s given twice", p.Key)
		}
		s.byKey[p.Key] = i
		e := newEntry(p)
		e.vec, e.norm = weigh(termCounts(p.Factors, map[string]int{}), c.df, s.n, nil)
		s.queries = append(s.queries, query{e: e, top: top{n: n}})
	}
	return s, nil
}

// Offer scores p against every query created after it (p itself excepted)
// and keeps it where it is among the best; it reports whether any query kept
// it. Offer each postmortem of the corpus once.
func (s *Search) Offer(p Postmortem) bool {
	var b *entry // built when some query is created after p
	kept := false
	for i := range s.queries {
		q := &s.queries[i]
		if p.Key == q.e.pm.Key || !p.Created.Before(q.e.pm.Created) {
			continue
		}
		if b == nil {
			e := newEntry(p)
			clear(s.tf)
			s.vec, e.norm = weigh(termCounts(p.Factors, s.tf), s.df, s.n, s.vec)
			e.vec = s.vec
			b = &e
		}
		c := s.opts.score(&q.e, b, dotProduct(&q.e, b))
		if !q.top.wants(&c) {
			continue
		}
		if !kept {
			// The vector is the reused buffer: a kept entry gets its own.
			b.vec = append([]termWeight(nil), b.vec...)
			kept = true
		}
		q.top.add(c)
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
