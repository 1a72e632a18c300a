// Package similar finds, for a postmortem, the most similar earlier
// postmortems, matched on what they are about: the themes of their
// contributing factors, the wording of the factors themselves and the
// services they hit.
//
// The score of an earlier postmortem b for a postmortem a is
//
//	ThemeWeight·J(themes a, themes b) + FactorWeight·cos(factors a, factors b)
//	  + ServiceWeight·J(services a, services b)
//
// where J is the Jaccard index of two sets and cos the cosine of the TF-IDF
// vectors of the two postmortems' factor texts (idf over the index). The
// weights are fixed beforehand, not fitted (Options). Only postmortems
// created strictly before a are candidates; ties go to the more recent one,
// then to the key. EVALUATION.md measures it on the labeled dev data against
// a TF-IDF baseline.
package similar

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
)

// Postmortem is what matching needs of one postmortem.
type Postmortem struct {
	Key     string
	Created time.Time
	// Services are the services the postmortem's incidents hit.
	Services []string
	// Themes are the theme ids of its contributing factors.
	Themes []string
	// Factors are its contributing-factor texts.
	Factors []string
}

// Options are the weights of the three matches; zero values take the
// defaults (theme 0.5, factor 0.4, service 0.1). A weight below zero turns
// its match off.
type Options struct {
	ThemeWeight, FactorWeight, ServiceWeight float64
}

func (o Options) withDefaults() Options {
	def := func(w, d float64) float64 {
		switch {
		case w < 0:
			return 0
		case w == 0:
			return d
		}
		return w
	}
	return Options{def(o.ThemeWeight, 0.5), def(o.FactorWeight, 0.4), def(o.ServiceWeight, 0.1)}
}

// Match is one earlier postmortem and why it matched.
type Match struct {
	Key     string    `json:"key"`
	Created time.Time `json:"created"`
	Score   float64   `json:"score"`
	// ThemeScore, FactorScore and ServiceScore are the three matches before
	// weighting (each in [0, 1]).
	ThemeScore     float64  `json:"theme_score"`
	FactorScore    float64  `json:"factor_score"`
	ServiceScore   float64  `json:"service_score"`
	SharedThemes   []string `json:"shared_themes,omitempty"`
	SharedServices []string `json:"shared_services,omitempty"`
}

type entry struct {
	pm       Postmortem
	themes   []string     // sorted, distinct
	services []string     // sorted, distinct
	vec      []termWeight // sorted by term, so sums run in one order
	norm     float64
}

// Index holds postmortems for matching. It is read-only once built and safe
// for concurrent use.
type Index struct {
	opts    Options
	entries []entry
	byKey   map[string]int
	// Inverted lists: a query scores only the postmortems that share a
	// term, a theme or a service with it (every other one scores 0).
	terms    map[string][]posting
	themes   map[string][]int32
	services map[string][]int32
	scratch  sync.Pool // of *scratch
}

// posting is one postmortem's weight of a term.
type posting struct {
	doc int32
	w   float64
}

// NewIndex indexes pms. Keys must be non-empty and distinct.
func NewIndex(pms []Postmortem, opts Options) (*Index, error) {
	ix := &Index{opts: opts.withDefaults(), byKey: make(map[string]int, len(pms))}
	ix.scratch.New = func() any { return &scratch{} }
	df := map[string]int{}
	tfs := make([]map[string]int, len(pms))
	for i, p := range pms {
		if p.Key == "" {
			return nil, fmt.Errorf("similar: postmortem %d has no key", i)
		}
		if _, dup := ix.byKey[p.Key]; dup {
			return nil, fmt.Errorf("similar: postmortem %s given twice", p.Key)
		}
		ix.byKey[p.Key] = i
		tf := termCounts(p.Factors, map[string]int{})
		for t := range tf {
			df[t]++
		}
		tfs[i] = tf
		ix.entries = append(ix.entries, newEntry(p))
	}
	n := float64(len(pms))
	for i, tf := range tfs {
		ix.entries[i].vec, ix.entries[i].norm = weigh(tf, df, n, nil)
	}
	ix.terms = make(map[string][]posting, len(df))
	ix.themes, ix.services = map[string][]int32{}, map[string][]int32{}
	for i := range ix.entries {
		e := &ix.entries[i]
		for _, tw := range e.vec {
			ix.terms[tw.term] = append(ix.terms[tw.term], posting{int32(i), tw.w})
		}
		for _, t := range e.themes {
			ix.themes[t] = append(ix.themes[t], int32(i))
		}
		for _, sv := range e.services {
			ix.services[sv] = append(ix.services[sv], int32(i))
		}
	}
	return ix, nil
}

// newEntry is p with its theme and service sets (its vector is weighed
// once the document frequencies are known).
func newEntry(p Postmortem) entry {
	return entry{pm: p, themes: set(p.Themes), services: set(p.Services)}
}

// termCounts adds to tf how often each term occurs in factors.
func termCounts(factors []string, tf map[string]int) map[string]int {
	for _, f := range factors {
		for _, t := range Terms(f) {
			tf[t]++
		}
	}
	return tf
}

// weigh is the TF-IDF vector of term counts tf, sorted by term (appended to
// buf[:0]), and its norm: a term counted c times, in df of n postmortems,
// weighs (1 + ln c)·ln((1+n)/(1+df)); terms of no weight are left out.
func weigh(tf map[string]int, df map[string]int, n float64, buf []termWeight) ([]termWeight, float64) {
	vec := buf[:0]
	if vec == nil {
		vec = make([]termWeight, 0, len(tf))
	}
	for t, c := range tf {
		if w := weight(c, idf(n, df[t])); w > 0 {
			vec = append(vec, termWeight{t, w})
		}
	}
	sort.Slice(vec, func(a, b int) bool { return vec[a].term < vec[b].term })
	var sum float64
	for _, tw := range vec {
		sum += tw.w * tw.w
	}
	return vec, math.Sqrt(sum)
}

// idf is the inverse document frequency of a term used by df of n
// postmortems.
func idf(n float64, df int) float64 { return math.Log((1 + n) / (1 + float64(df))) }

// weight is the weight of a term counted c times in a postmortem.
func weight(c int, idf float64) float64 { return (1 + math.Log(float64(c))) * idf }

// Similar returns up to n postmortems created before the one with key,
// most similar first; postmortems with a score of 0 are left out. A
// negative n returns them all.
func (ix *Index) Similar(key string, n int) ([]Match, error) {
	return ix.match(key, n, true)
}

// Neighbors is Similar over every other postmortem of the index, earlier or
// not (for data without creation times).
func (ix *Index) Neighbors(key string, n int) ([]Match, error) {
	return ix.match(key, n, false)
}

func (ix *Index) match(key string, n int, earlierOnly bool) ([]Match, error) {
	i, ok := ix.byKey[key]
	if !ok {
		return nil, fmt.Errorf("similar: no postmortem %s", key)
	}
	a := &ix.entries[i]
	// dot accumulates each candidate's dot product over the query's terms
	// in their sorted order: the same sums, in the same order, as merging
	// the two sorted vectors (the tests' dotProduct, their oracle).
	sc := ix.scratch.Get().(*scratch)
	defer ix.scratch.Put(sc)
	if len(sc.dot) < len(ix.entries) {
		sc.dot, sc.seen = make([]float64, len(ix.entries)), make([]bool, len(ix.entries))
	}
	dot, seen, cand := sc.dot, sc.seen, sc.cand[:0]
	defer func() {
		for _, j := range cand {
			dot[j], seen[j] = 0, false
		}
		sc.cand = cand[:0]
	}()
	touch := func(j int32) {
		if !seen[j] {
			seen[j] = true
			cand = append(cand, j)
		}
	}
	for _, tw := range a.vec {
		for _, p := range ix.terms[tw.term] {
			touch(p.doc)
			dot[p.doc] += tw.w * p.w
		}
	}
	for _, t := range a.themes {
		for _, j := range ix.themes[t] {
			touch(j)
		}
	}
	for _, sv := range a.services {
		for _, j := range ix.services[sv] {
			touch(j)
		}
	}
	top := top{n: n}
	for _, j32 := range cand {
		j := int(j32)
		b := &ix.entries[j]
		if j == i || (earlierOnly && !b.pm.Created.Before(a.pm.Created)) {
			continue
		}
		if c := ix.opts.score(a, b, dot[j]); top.wants(&c) {
			top.add(c)
		}
	}
	return matches(a, top.sorted()), nil
}

// score is how similar b is to a, given the dot product of their factor
// vectors.
func (o Options) score(a, b *entry, dot float64) scored {
	c := scored{e: b, theme: jaccardScore(a.themes, b.themes), service: jaccardScore(a.services, b.services)}
	if a.norm != 0 && b.norm != 0 {
		c.factor = dot / (a.norm * b.norm)
	}
	c.score = o.ThemeWeight*c.theme + o.FactorWeight*c.factor + o.ServiceWeight*c.service
	return c
}

// better orders matches: higher score, then more recent, then key.
func better(x, y *scored) bool {
	if x.score != y.score {
		return x.score > y.score
	}
	bx, by := &x.e.pm, &y.e.pm
	if !bx.Created.Equal(by.Created) {
		return bx.Created.After(by.Created)
	}
	return bx.Key < by.Key
}

// top holds the best n matches so far, best first (every match when n < 0,
// sorted by sorted). better is a strict order over distinct keys, so the
// result does not depend on the order candidates come in.
type top struct {
	n    int
	list []scored
}

// wants says whether c would be kept: it scores above 0 and, when n are
// kept already, better than the last of them.
func (t *top) wants(c *scored) bool {
	switch {
	case c.score <= 0 || t.n == 0:
		return false
	case t.n < 0 || len(t.list) < t.n:
		return true
	}
	return better(c, &t.list[t.n-1])
}

// add keeps c, which top wants, in its place.
func (t *top) add(c scored) {
	if t.n < 0 || len(t.list) < t.n {
		t.list = append(t.list, c)
		if t.n < 0 {
			return
		}
	} else {
		t.list[t.n-1] = c
	}
	for k := len(t.list) - 1; k > 0 && better(&t.list[k], &t.list[k-1]); k-- {
		t.list[k], t.list[k-1] = t.list[k-1], t.list[k]
	}
}

// sorted is the kept matches, best first.
func (t *top) sorted() []scored {
	if t.n < 0 {
		sort.Slice(t.list, func(x, y int) bool { return better(&t.list[x], &t.list[y]) })
	}
	return t.list
}

// matches are the kept candidates of query a as Matches (nil for none).
func matches(a *entry, top []scored) []Match {
	if len(top) == 0 {
		return nil
	}
	out := make([]Match, len(top))
	for k, c := range top {
		b := c.e
		out[k] = Match{Key: b.pm.Key, Created: b.pm.Created, Score: c.score, ThemeScore: c.theme, FactorScore: c.factor, ServiceScore: c.service}
		out[k].SharedThemes, _ = jaccard(a.themes, b.themes)
		out[k].SharedServices, _ = jaccard(a.services, b.services)
	}
	return out
}

// scored is one candidate's scores, before it becomes a Match.
type scored struct {
	e                             *entry
	theme, factor, service, score float64
}

// scratch is one query's working memory, pooled per Index.
type scratch struct {
	dot  []float64
	seen []bool
	cand []int32
}

// jaccardScore is jaccard's index without the shared list.
func jaccardScore(a, b []string) float64 {
	_, score := overlap(a, b, false)
	return score
}

func set(xs []string) []string {
	var out []string
	for _, x := range xs {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// jaccard returns the shared elements of two sorted sets and their Jaccard
// index (0 when both are empty).
func jaccard(a, b []string) ([]string, float64) { return overlap(a, b, true) }

// overlap merges two sorted sets: the Jaccard index, and the shared members
// when keep (no allocation otherwise: scoring every candidate uses that).
func overlap(a, b []string, keep bool) ([]string, float64) {
	var shared []string
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			if keep {
				shared = append(shared, a[i])
			}
			n++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	union := len(a) + len(b) - n
	if union == 0 {
		return nil, 0
	}
	return shared, float64(n) / float64(union)
}

// termWeight is one term of a postmortem's factor vector.
type termWeight struct {
	term string
	w    float64
}

// stopwords are dropped from factor texts: function words and the words
// every postmortem uses about itself.
var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an the and or but if then than of to in on at by for from with without into
		onto over under as is was were be been being are am it its this that these those there their they them we our
		us you your he she his her i me my not no nor so such can could would should will shall may might must do does
		did done has have had having which who whom whose what when where why how all any both each few more most other
		some own same too very just also only while during after before until again further once here out up down off
		about above below between through per via within across against among upon
		incident incidents issue issues customer customers impact impacted affected service services`) {
		m[w] = true
	}
	return m
}()

// Terms is the normalized term stream of a text: lowercase words of two or
// more letters or digits, stopwords dropped, a plural "s" stripped.
func Terms(text string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if len(w) < 2 || stopwords[w] {
			continue
		}
		if len(w) > 4 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") {
			w = w[:len(w)-1]
		}
		out = append(out, w)
	}
	return out
}
