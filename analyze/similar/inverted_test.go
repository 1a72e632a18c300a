package similar

import (
	"math/rand/v2"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// bruteForce scores every other postmortem against key the direct way: the
// definition the inverted lists must reproduce bit for bit.
func bruteForce(ix *Index, key string, n int) []Match {
	i := ix.byKey[key]
	a := &ix.entries[i]
	var out []Match
	for j := range ix.entries {
		b := &ix.entries[j]
		if j == i || !b.pm.Created.Before(a.pm.Created) {
			continue
		}
		m := Match{Key: b.pm.Key, Created: b.pm.Created}
		m.SharedThemes, m.ThemeScore = jaccard(a.themes, b.themes)
		m.SharedServices, m.ServiceScore = jaccard(a.services, b.services)
		m.FactorScore = cosine(a, b)
		m.Score = ix.opts.ThemeWeight*m.ThemeScore + ix.opts.FactorWeight*m.FactorScore + ix.opts.ServiceWeight*m.ServiceScore
		if m.Score > 0 {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(x, y int) bool {
		if out[x].Score != out[y].Score {
			return out[x].Score > out[y].Score
		}
		if !out[x].Created.Equal(out[y].Created) {
			return out[x].Created.After(out[y].Created)
		}
		return out[x].Key < out[y].Key
	})
	if n >= 0 && len(out) > n {
		out = out[:n]
	}
	return out
}

func TestInvertedListsEqualTheDirectScores(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	words := []string{"config", "deploy", "certificate", "expired", "disk", "full", "quota", "dns", "timeout", "retry",
		"storm", "cache", "eviction", "schema", "migration", "lock", "leader", "election", "rollout", "canary"}
	text := func() string {
		s := ""
		for k := rng.IntN(8); k >= 0; k-- {
			s += words[rng.IntN(len(words))] + " "
		}
		return s
	}
	var pms []Postmortem
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 300 {
		p := Postmortem{Key: "PM-" + strconv.Itoa(i), Created: t0.Add(time.Duration(rng.IntN(400)) * time.Hour)}
		for k := rng.IntN(3); k > 0; k-- {
			p.Themes = append(p.Themes, "t"+strconv.Itoa(rng.IntN(6)))
		}
		if rng.IntN(4) > 0 {
			p.Services = []string{"svc" + strconv.Itoa(rng.IntN(10))}
		}
		for k := rng.IntN(4); k > 0; k-- {
			p.Factors = append(p.Factors, text())
		}
		pms = append(pms, p)
	}
	ix, err := NewIndex(pms, Options{})
	require.NoError(t, err)
	for _, p := range pms {
		for _, n := range []int{3, -1} {
			got, err := ix.Similar(p.Key, n)
			require.NoError(t, err)
			want := bruteForce(ix, p.Key, n)
			if len(want) == 0 {
				require.Empty(t, got, p.Key)
				continue
			}
			require.Equal(t, want, got, p.Key)
		}
	}
}
