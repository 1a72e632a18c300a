package themes

import (
	"math"
	"math/rand/v2"
)

// clustering is one spherical k-means solution.
type clustering struct {
	k         int
	assign    []int
	centroids [][]float32 // unit length (or zero for an empty cluster)
	objective float64     // sum of cosine similarities to the assigned centroid
	// parts names each cluster of a partition by the cause classes
	// (classPartition): its class, group, kind of factor or other causes.
	parts []string
}

// kmeansConfig holds the loop limits of one spherical k-means run.
type kmeansConfig struct {
	maxIter int
	workers int
}

// sphericalKMeans clusters unit vectors by cosine similarity: assign each
// vector to the most similar centroid, recompute centroids as normalized
// means, repeat until no assignment changes or maxIter. Each iteration costs
// O(k * nnz), so a run is linear in the number of vectors.
func sphericalKMeans(docs []sparse, dim int, init [][]float32, cfg kmeansConfig) clustering {
	k := len(init)
	c := clustering{k: k, assign: make([]int, len(docs)), centroids: init}
	for i := range c.assign {
		c.assign[i] = -1
	}
	sims := make([]float32, len(docs))
	for iter := 0; iter < cfg.maxIter; iter++ {
		changed := assignAll(docs, c.centroids, c.assign, sims, cfg.workers)
		recompute(docs, dim, &c, sims)
		if changed == 0 {
			break
		}
	}
	// Final assignment against the final centroids.
	assignAll(docs, c.centroids, c.assign, sims, cfg.workers)
	c.objective = 0
	for _, s := range sims {
		c.objective += float64(s)
	}
	return c
}

// assignAll assigns every document to its most similar centroid and returns
// how many assignments changed. The centroids are first transposed (term ->
// k weights) so that scoring a document reads one contiguous row per term
// (each score sums the same products in the same order as a dot product
// per centroid would); many documents are split across workers goroutines.
func assignAll(docs []sparse, centroids [][]float32, assign []int, sims []float32, workers int) int {
	k := len(centroids)
	if k == 0 {
		return 0
	}
	if len(docs) < 2048 {
		// One goroutine: a small set is not worth splitting (and the
		// resamples of chooseK already run in parallel).
		workers = 1
	}
	dim := len(centroids[0])
	ct := make([]float32, dim*k)
	for c, ctr := range centroids {
		for t, w := range ctr {
			ct[t*k+c] = w
		}
	}
	workers = max(workers, 1)
	changed := make([]int, workers)
	inChunks(len(docs), workers, func(w, lo, hi int) {
		scores := make([]float32, k)
		for i := lo; i < hi; i++ {
			clear(scores)
			d := docs[i]
			for j, t := range d.idx {
				v := d.val[j]
				row := ct[int(t)*k : int(t)*k+k]
				for c, x := range row {
					scores[c] += v * x
				}
			}
			best, bestSim := 0, float32(math.Inf(-1))
			for c, s := range scores {
				if s > bestSim {
					best, bestSim = c, s
				}
			}
			if assign[i] != best {
				assign[i] = best
				changed[w]++
			}
			sims[i] = bestSim
		}
	})
	total := 0
	for _, c := range changed {
		total += c
	}
	return total
}

// recompute sets each centroid to the normalized mean of its members. An
// empty cluster is reseeded with the document least similar to its own
// centroid, so k stays as asked.
func recompute(docs []sparse, dim int, c *clustering, sims []float32) {
	counts := make([]int, c.k)
	for ci := range c.centroids {
		if c.centroids[ci] == nil || len(c.centroids[ci]) != dim {
			c.centroids[ci] = make([]float32, dim)
		} else {
			clear(c.centroids[ci])
		}
	}
	for i, d := range docs {
		ci := c.assign[i]
		if ci < 0 {
			continue
		}
		counts[ci]++
		ctr := c.centroids[ci]
		for j, idx := range d.idx {
			ctr[idx] += d.val[j]
		}
	}
	for ci := range c.centroids {
		if counts[ci] == 0 {
			// Reseed from the worst-fitting document that is not alone in its cluster.
			worst, worstSim := -1, float32(2)
			for i, s := range sims {
				if !docs[i].empty() && counts[c.assign[i]] > 1 && s < worstSim {
					worst, worstSim = i, s
				}
			}
			if worst >= 0 {
				counts[c.assign[worst]]--
				c.assign[worst] = ci
				counts[ci] = 1
				sims[worst] = 1
				for j, idx := range docs[worst].idx {
					c.centroids[ci][idx] = docs[worst].val[j]
				}
			}
			continue
		}
		normalize(c.centroids[ci])
	}
}

func normalize(v []float32) {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	if n == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(n))
	for i := range v {
		v[i] *= inv
	}
}

func densify(s sparse, dim int) []float32 {
	d := make([]float32, dim)
	for j, idx := range s.idx {
		d[idx] = s.val[j]
	}
	return d
}

// kmeansPP picks k initial centroids with k-means++ (Arthur and Vassilvitskii
// 2007) on cosine distance, after any given fixed centroids.
func kmeansPP(docs []sparse, dim, k int, fixed [][]float32, rng *rand.Rand) [][]float32 {
	centroids := make([][]float32, 0, k)
	for _, f := range fixed {
		if len(centroids) < k {
			centroids = append(centroids, append([]float32(nil), f...))
		}
	}
	dist := make([]float64, len(docs))
	for i := range dist {
		dist[i] = math.Inf(1)
	}
	update := func(ctr []float32) {
		for i, d := range docs {
			if x := 1 - float64(d.dotDense(ctr)); x < dist[i] {
				dist[i] = math.Max(x, 0)
			}
		}
	}
	for _, ctr := range centroids {
		update(ctr)
	}
	if len(centroids) == 0 && len(centroids) < k {
		var nonEmpty []int
		for i, d := range docs {
			if !d.empty() {
				nonEmpty = append(nonEmpty, i)
			}
		}
		if len(nonEmpty) == 0 {
			return centroids
		}
		first := nonEmpty[rng.IntN(len(nonEmpty))]
		ctr := densify(docs[first], dim)
		centroids = append(centroids, ctr)
		update(ctr)
	}
	for len(centroids) < k {
		var sum float64
		for i, d := range dist {
			if !docs[i].empty() {
				sum += d * d
			}
		}
		if sum == 0 {
			break // every document already coincides with a centroid
		}
		r := rng.Float64() * sum
		pick := -1
		for i, d := range dist {
			if docs[i].empty() {
				continue
			}
			r -= d * d
			pick = i
			if r <= 0 {
				break
			}
		}
		ctr := densify(docs[pick], dim)
		centroids = append(centroids, ctr)
		update(ctr)
	}
	return centroids
}

// bestOf runs spherical k-means from restarts k-means++ seedings and keeps
// the solution with the highest objective.
func bestOf(docs []sparse, dim, k, restarts int, fixed [][]float32, rng *rand.Rand, cfg kmeansConfig) clustering {
	var best clustering
	best.objective = math.Inf(-1)
	for r := 0; r < max(restarts, 1); r++ {
		init := kmeansPP(docs, dim, k, fixed, rng)
		if len(init) == 0 {
			break
		}
		c := sphericalKMeans(docs, dim, init, cfg)
		if c.objective > best.objective {
			best = c
		}
	}
	return best
}

// silhouette is the mean silhouette coefficient (Rousseeuw 1987) with
// cosine distance, computed from a precomputed similarity matrix. Items in
// singleton clusters score 0, as is conventional.
func silhouette(sim [][]float32, assign []int, k int) float64 {
	n := len(assign)
	if n < 2 || k < 2 {
		return 0
	}
	sizes := make([]int, k)
	for _, a := range assign {
		sizes[a]++
	}
	sums := make([]float64, k)
	var total float64
	for i := 0; i < n; i++ {
		clear(sums)
		row := sim[i]
		for j := 0; j < n; j++ {
			if j != i {
				sums[assign[j]] += 1 - float64(row[j])
			}
		}
		own := assign[i]
		if sizes[own] <= 1 {
			continue
		}
		a := sums[own] / float64(sizes[own]-1)
		b := math.Inf(1)
		for c := 0; c < k; c++ {
			if c != own && sizes[c] > 0 {
				b = math.Min(b, sums[c]/float64(sizes[c]))
			}
		}
		if math.IsInf(b, 1) {
			continue
		}
		if m := math.Max(a, b); m > 0 {
			total += (b - a) / m
		}
	}
	return total / float64(n)
}

// similarityMatrix is the full cosine similarity matrix of a (small) sample.
func similarityMatrix(docs []sparse, dim int) [][]float32 {
	n := len(docs)
	m := make([][]float32, n)
	dense := make([]float32, dim)
	for i := range docs {
		m[i] = make([]float32, n)
	}
	for i := 0; i < n; i++ {
		for j, idx := range docs[i].idx {
			dense[idx] = docs[i].val[j]
		}
		for j := i; j < n; j++ {
			s := docs[j].dotDense(dense)
			m[i][j], m[j][i] = s, s
		}
		for _, idx := range docs[i].idx {
			dense[idx] = 0
		}
	}
	return m
}
