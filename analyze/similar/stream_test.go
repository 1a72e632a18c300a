package similar

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// search runs the two passes over pms, offering them in the order of perm,
// for queries.
func search(t *testing.T, pms []Postmortem, perm []int, queries []string, n int, opts Options) *Search {
	t.Helper()
	c := NewCorpus()
	for _, i := range perm {
		c.Add(pms[i].Factors)
	}
	require.Equal(t, len(pms), c.Len())
	byKey := map[string]Postmortem{}
	for _, p := range pms {
		byKey[p.Key] = p
	}
	var qs []Postmortem
	for _, k := range queries {
		qs = append(qs, byKey[k])
	}
	s, err := c.Search(qs, n, opts)
	require.NoError(t, err)
	for _, i := range perm {
		s.Offer(pms[i])
	}
	return s
}

// randomPostmortems are n postmortems of words drawn Zipf-like, with
// creation times that often tie (the tie-break is exercised).
func randomPostmortems(seed uint64, n int) []Postmortem {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	z := rand.NewZipf(rand.New(rand.NewPCG(seed+2, seed+3)), 1.2, 2, 400)
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	pms := make([]Postmortem, n)
	for i := range pms {
		p := Postmortem{Key: "PM-" + strconv.Itoa(i), Created: t0.Add(time.Duration(rng.IntN(n/3+1)) * time.Hour)}
		if rng.IntN(5) > 0 {
			p.Services = []string{"svc" + strconv.Itoa(rng.IntN(15))}
		}
		for k := rng.IntN(4); k > 0; k-- {
			p.Themes = append(p.Themes, "t"+strconv.Itoa(rng.IntN(8)))
			text := ""
			for w := 1 + rng.IntN(10); w > 0; w-- {
				// Some repeated words and plurals, and a stopword now and then.
				text += []string{"w", "w", "w", "the w", "w"}[rng.IntN(5)] + strconv.FormatUint(z.Uint64(), 36) + []string{" ", "s ", ", "}[rng.IntN(3)]
			}
			p.Factors = append(p.Factors, text)
		}
		pms[i] = p
	}
	return pms
}

// TestSearchEqualsIndex: the streamed search returns what the Index returns,
// bit for bit (require.Equal compares the float64s exactly), whatever order
// the postmortems come in, for n of 3, 1, 0 and all, and with other weights.
func TestSearchEqualsIndex(t *testing.T) {
	for _, tc := range []struct {
		seed uint64
		size int
		opts Options
	}{
		{1, 400, Options{}},
		{2, 1500, Options{}},
		{3, 600, Options{ThemeWeight: -1, FactorWeight: 1, ServiceWeight: -1}},
		{4, 600, Options{ThemeWeight: 0.2, FactorWeight: 0.7, ServiceWeight: 0.3}},
	} {
		pms := randomPostmortems(tc.seed, tc.size)
		ix, err := NewIndex(pms, tc.opts)
		require.NoError(t, err)
		rng := rand.New(rand.NewPCG(tc.seed, 99))
		var queries []string
		for range 40 {
			queries = append(queries, pms[rng.IntN(len(pms))].Key)
		}
		queries = append(queries, pms[len(pms)-1].Key)
		seen := map[string]bool{}
		var distinct []string
		for _, k := range queries {
			if !seen[k] {
				seen[k] = true
				distinct = append(distinct, k)
			}
		}
		for _, n := range []int{3, 1, 0, -1} {
			s := search(t, pms, rng.Perm(len(pms)), distinct, n, tc.opts)
			matched := 0
			for _, k := range distinct {
				want, err := ix.Similar(k, n)
				require.NoError(t, err)
				got, err := s.Similar(k)
				require.NoError(t, err)
				require.Equal(t, want, got, "seed %d, n %d, query %s", tc.seed, n, k)
				matched += len(got)
			}
			if n != 0 {
				require.Positive(t, matched, "seed %d, n %d: the queries have matches", tc.seed, n)
			}
		}
	}
}

// TestSearchOfferKeepsItsOwnCopy: Offer reuses its buffers, so a kept
// candidate must not change when later ones are offered.
func TestSearchOfferKeepsItsOwnCopy(t *testing.T) {
	pms := []Postmortem{
		{Key: "A", Created: day(1), Factors: []string{"disk quota exhausted on the database host"}},
		{Key: "B", Created: day(2), Factors: []string{"certificate expired on the load balancer"}},
		{Key: "C", Created: day(3), Factors: []string{"unrelated wording entirely"}},
		{Key: "Q", Created: day(4), Factors: []string{"disk quota exhausted again on the database host"}},
	}
	ix, err := NewIndex(pms, Options{})
	require.NoError(t, err)
	want, err := ix.Similar("Q", 1)
	require.NoError(t, err)
	require.Equal(t, "A", want[0].Key)
	c := NewCorpus()
	for _, p := range pms {
		c.Add(p.Factors)
	}
	s, err := c.Search([]Postmortem{pms[3]}, 1, Options{})
	require.NoError(t, err)
	require.True(t, s.Offer(pms[0]), "A is kept")
	require.False(t, s.Offer(pms[1]), "B shares nothing with Q")
	require.False(t, s.Offer(pms[2]))
	require.False(t, s.Offer(pms[3]), "the query itself is no candidate")
	got, err := s.Similar("Q")
	require.NoError(t, err)
	require.Equal(t, want, got)
}

func TestSearchErrors(t *testing.T) {
	c := NewCorpus()
	_, err := c.Search([]Postmortem{{Key: "A"}, {Key: "A"}}, 3, Options{})
	require.ErrorContains(t, err, "query A given twice")
	_, err = c.Search([]Postmortem{{}}, 3, Options{})
	require.ErrorContains(t, err, "query 0 has no key")
	s, err := c.Search([]Postmortem{{Key: "A"}}, 3, Options{})
	require.NoError(t, err)
	_, err = s.Similar("B")
	require.ErrorContains(t, err, "no query B")
	got, err := s.Similar("A")
	require.NoError(t, err)
	require.Nil(t, got)
}

// TestSearchUncountedCandidate: a postmortem stored after the corpus was
// counted is scored with the corpus's weights, its new terms weighing as if
// no postmortem used them, as a candidate and as a query.
func TestSearchUncountedCandidate(t *testing.T) {
	counted := []Postmortem{
		{Key: "A", Created: day(1), Factors: []string{"disk quota exhausted on the database host"}},
		{Key: "B", Created: day(1), Factors: []string{"certificate expired on the load balancer"}},
		{Key: "Q", Created: day(4), Themes: []string{"capacity"}, Factors: []string{"disk quota exhausted again on the database host"}},
	}
	late := Postmortem{Key: "X", Created: day(2), Themes: []string{"capacity"}, Factors: []string{"zebra quota exhausted, zebra disk"}}
	c := NewCorpus()
	for _, p := range counted {
		c.Add(p.Factors)
	}
	s, err := c.Search([]Postmortem{counted[2]}, -1, Options{})
	require.NoError(t, err)
	require.True(t, s.Offer(late))
	require.True(t, s.Offer(counted[0]))
	got, err := s.Similar("Q")
	require.NoError(t, err)
	require.Equal(t, []string{"X", "A"}, keys(got), "X shares the theme too")

	// X as the Index weighs a postmortem under the corpus's counts.
	require.False(t, s.Offer(counted[1]))
	q, x := newEntry(counted[2]), newEntry(late)
	q.vec, q.norm = weigh(termCounts(q.pm.Factors, map[string]int{}), c.df, 3, nil)
	x.vec, x.norm = weigh(termCounts(x.pm.Factors, map[string]int{}), c.df, 3, nil)
	require.Equal(t, cosine(&q, &x), got[0].FactorScore)
	require.Positive(t, got[0].FactorScore)
	require.Equal(t, 1.0, got[0].ThemeScore)

	// X as a query (changed after the corpus counted it): the same cosine
	// with Q (later, so Q is no candidate of X: ask for A's).
	s, err = c.Search([]Postmortem{late}, -1, Options{})
	require.NoError(t, err)
	require.True(t, s.Offer(counted[0]))
	got, err = s.Similar("X")
	require.NoError(t, err)
	require.Equal(t, []string{"A"}, keys(got))
	a := newEntry(counted[0])
	a.vec, a.norm = weigh(termCounts(a.pm.Factors, map[string]int{}), c.df, 3, nil)
	require.Equal(t, cosine(&x, &a), got[0].FactorScore)
	require.Positive(t, got[0].FactorScore)
}
