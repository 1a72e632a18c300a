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
func BenchmarkSimilar(b *testing.B) {
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
