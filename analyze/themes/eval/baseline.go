package eval

import (
	"math"
	"math/rand/v2"
	"strings"
	"unicode"
)

func stopword(w string) bool {
	switch w {
	case "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "for", "from", "had", "has",
		"have", "he", "her", "his", "i", "in", "into", "is", "it", "its", "of", "on", "or", "our",
		"she", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "to",
		"was", "we", "were", "which", "while", "who", "will", "with", "would", "you", "your", "not",
		"no", "can", "could", "did", "do", "does", "so", "than", "too", "very", "all", "any", "some",
		"such", "also", "after", "before", "during", "when", "what", "where", "how", "if", "about",
		"more", "most", "other", "up", "out", "over", "under", "again", "further", "once", "only",
		"same", "own", "both", "each", "few", "being", "having", "am", "s", "t", "just", "should", "now":
		return true
	}
	return false
}

func baselineTokens(text string) []string {
	f := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	out := f[:0]
	for _, w := range f {
		if len(w) < 2 || stopword(w) {
			continue
		}
		out = append(out, w)
	}
	return out
}

// BaselineTFIDFKMeans clusters texts into k groups the plain way: lowercase
// word tokens minus English stopwords, TF-IDF (smoothed idf), L2-normalized,
// then Lloyd's k-means (Euclidean) with k-means++ seeding from seed, one
// initialization, at most 100 iterations. It returns a cluster index per text.
func BaselineTFIDFKMeans(texts []string, k int, seed uint64) []int {
	n := len(texts)
	if n == 0 {
		return nil
	}
	if k < 1 {
		k = 1
	}
	if k > n {
		k = n
	}
	vocab := map[string]int{}
	docs := make([]map[int]float64, n)
	df := map[int]int{}
	for i, t := range texts {
		tf := map[int]float64{}
		for _, w := range baselineTokens(t) {
			id, ok := vocab[w]
			if !ok {
				id = len(vocab)
				vocab[w] = id
			}
			tf[id]++
		}
		for id := range tf {
			df[id]++
		}
		docs[i] = tf
	}
	dim := len(vocab)
	dense := make([][]float64, n)
	for i, tf := range docs {
		v := make([]float64, dim)
		var norm float64
		for id, c := range tf {
			w := c * (math.Log(float64(1+n)/float64(1+df[id])) + 1)
			v[id] = w
			norm += w * w
		}
		if norm > 0 {
			norm = math.Sqrt(norm)
			for id := range tf {
				v[id] /= norm
			}
		}
		dense[i] = v
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	dist := func(a, b []float64) float64 {
		var s float64
		for i := range a {
			d := a[i] - b[i]
			s += d * d
		}
		return s
	}
	// k-means++ seeding.
	centers := make([][]float64, 0, k)
	first := rng.IntN(n)
	centers = append(centers, append([]float64(nil), dense[first]...))
	d2 := make([]float64, n)
	for i := range dense {
		d2[i] = dist(dense[i], centers[0])
	}
	for len(centers) < k {
		var sum float64
		for _, d := range d2 {
			sum += d
		}
		pick := 0
		if sum > 0 {
			r := rng.Float64() * sum
			for i, d := range d2 {
				r -= d
				if r <= 0 {
					pick = i
					break
				}
				pick = i
			}
		} else {
			pick = rng.IntN(n)
		}
		c := append([]float64(nil), dense[pick]...)
		centers = append(centers, c)
		for i := range dense {
			if d := dist(dense[i], c); d < d2[i] {
				d2[i] = d
			}
		}
	}
	assign := make([]int, n)
	for i := range assign {
		assign[i] = -1
	}
	for iter := 0; iter < 100; iter++ {
		changed := false
		for i, v := range dense {
			best, bestD := 0, math.Inf(1)
			for c, ctr := range centers {
				if d := dist(v, ctr); d < bestD {
					best, bestD = c, d
				}
			}
			if assign[i] != best {
				assign[i] = best
				changed = true
			}
		}
		if !changed {
			break
		}
		counts := make([]int, k)
		for c := range centers {
			for j := range centers[c] {
				centers[c][j] = 0
			}
		}
		for i, v := range dense {
			c := assign[i]
			counts[c]++
			for j, x := range v {
				centers[c][j] += x
			}
		}
		for c := range centers {
			if counts[c] == 0 {
				continue // keep an empty cluster's zero center, as Lloyd's does without reseeding
			}
			for j := range centers[c] {
				centers[c][j] /= float64(counts[c])
			}
		}
	}
	return assign
}
