package similar

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// BenchmarkSimilar queries an index of 50,000 synthetic postmortems (the
// xlarge org has about 52,000): words drawn Zipf-like from 3,000, 1-4
// factors, 12 themes, 120 services; one op is 100 queries for the top 3.
//
//	go test ./analyze/similar -run '^$' -bench Similar -benchmem
//
// (which runs BenchmarkSimilarStreamed too).
func BenchmarkSimilar(b *testing.B) {
	pms := benchPostmortems()
	ix, err := NewIndex(pms, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		for q := range 100 {
			if _, err := ix.Similar(pms[len(pms)-1-q*37].Key, 3); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkSimilarStreamed is BenchmarkSimilar's 100 queries answered the
// way SimilarMany does, without an index: one op counts the terms of the
// 50,000 postmortems (pass 1), then offers each of them to a Search of the
// 100 queries (pass 2); the postmortems are in memory here, not read.
func BenchmarkSimilarStreamed(b *testing.B) {
	pms := benchPostmortems()
	var queries []Postmortem
	for q := range 100 {
		queries = append(queries, pms[len(pms)-1-q*37])
	}
	b.ResetTimer()
	for range b.N {
		c := NewCorpus()
		for i := range pms {
			c.Add(pms[i].Factors)
		}
		s, err := c.Search(queries, 3, Options{})
		if err != nil {
			b.Fatal(err)
		}
		for i := range pms {
			s.Offer(pms[i])
		}
		for _, q := range queries {
			if _, err := s.Similar(q.Key); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// benchPostmortems are the benchmarks' 50,000 synthetic postmortems.
func benchPostmortems() []Postmortem {
	rng := rand.New(rand.NewPCG(7, 8))
	z := rand.NewZipf(rand.New(rand.NewPCG(9, 10)), 1.1, 2, 2999)
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	pms := make([]Postmortem, 50000)
	for i := range pms {
		p := Postmortem{Key: "PM-" + strconv.Itoa(i), Created: t0.Add(time.Duration(i) * 30 * time.Minute),
			Services: []string{"svc" + strconv.Itoa(rng.IntN(120))}}
		for k := 1 + rng.IntN(4); k > 0; k-- {
			p.Themes = append(p.Themes, "t"+strconv.Itoa(rng.IntN(12)))
			text := ""
			for w := 4 + rng.IntN(12); w > 0; w-- {
				text += "w" + strconv.FormatUint(z.Uint64(), 36) + " "
			}
			p.Factors = append(p.Factors, text)
		}
		pms[i] = p
	}
	return pms
}
