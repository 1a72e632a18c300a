package themes

import (
	"math"
	"math/rand/v2"
	"sort"
	"sync"
)

// resampleFraction is the share of the sample in each stability resample.
const resampleFraction = 0.8

// maxKFor is the largest k considered for n items.
func maxKFor(n int, opts Options) int {
	return min(opts.MaxK, max(n/opts.MinThemeSize, opts.MinK), n)
}

// clusterFixedK clusters into exactly k clusters: the better (by the k-means
// objective) of k-means++ restarts at k and the merge path from an
// over-clustered start (2k clusters).
func clusterFixedK(sample []sparse, dim, k int, opts Options, rng *rand.Rand, cfg kmeansConfig) clustering {
	chosen := bestOf(sample, dim, k, opts.Restarts, nil, rng, cfg)
	if k < 2 {
		return chosen
	}
	top := min(len(sample), max(2*k, k+4))
	if top <= k {
		return chosen
	}
	path := mergePath(sample, dim, bestOf(sample, dim, top, opts.Restarts, nil, rng, cfg), k, cfg)
	if p := solutionAt(path, k); p != nil && p.objective > chosen.objective {
		chosen = *p
	}
	return chosen
}

// chooseK picks k and its clustering on the sample (see the package
// comment) and records the score of every candidate in res. stable reports
// whether some k reached opts.StabilityThreshold, or, when none did, whether
// the most stable k (returned then) is within opts.StabilityMargin of it.
func chooseK(sample []sparse, dim int, opts Options, rng *rand.Rand, cfg kmeansConfig, res *Result) (c clustering, stable bool) {
	n := len(sample)
	top := maxKFor(n, opts)
	if top < 2 || top < opts.MinK {
		c := bestOf(sample, dim, max(min(opts.MinK, n), 1), opts.Restarts, nil, rng, cfg)
		res.K = c.k
		return c, false
	}
	full := mergePath(sample, dim, bestOf(sample, dim, top, opts.Restarts, nil, rng, cfg), opts.MinK, cfg)
	stab := stability(sample, dim, full, top, opts, cfg)
	sim := similarityMatrix(sample, dim)

	bestSil := math.Inf(-1)
	mostStable, bestStab := -1, math.Inf(-1)
	for k := opts.MinK; k <= top; k++ {
		if solutionAt(full, k) == nil {
			continue
		}
		sil := silhouette(sim, full[k].assign, k)
		res.KScores = append(res.KScores, KScore{K: k, Silhouette: sil, Stability: stab[k]})
		if stab[k] >= opts.StabilityThreshold {
			bestSil = math.Max(bestSil, sil)
		}
		if stab[k] > bestStab {
			mostStable, bestStab = k, stab[k]
		}
	}
	// Parsimony: the smallest stable k whose silhouette is within
	// SilhouetteTolerance (relative) of the best stable silhouette.
	best := -1
	for _, ks := range res.KScores {
		if ks.Stability >= opts.StabilityThreshold && ks.Silhouette >= bestSil-opts.SilhouetteTolerance*math.Abs(bestSil) {
			best = ks.K
			stable = true
			break
		}
	}
	if best < 0 {
		// No k reaches the threshold: the most stable k. Its themes are
		// taken to be reproducible when it is within StabilityMargin of
		// the threshold (on large skewed corpora every k can fall just
		// short of it, and the cause classes are no themes of theirs),
		// otherwise the texts have none.
		best = mostStable
		stable = bestStab >= opts.StabilityThreshold-opts.StabilityMargin
	}
	if best < 0 { // k-means found fewer than MinK distinct clusters
		for k := len(full) - 1; k >= 0; k-- {
			if full[k] != nil {
				res.K = k
				return *full[k], false
			}
		}
	}
	for _, ks := range res.KScores {
		if ks.K == best {
			res.Silhouette = ks.Silhouette
		}
	}
	res.K = best
	return *full[best], stable
}

// stability returns, for every k in [opts.MinK, top], the mean adjusted Rand
// index between full[k] and the merge-path solution at k of each of
// opts.Resamples random resamples (resampleFraction of the sample), on the
// items the resample holds. Resamples run in parallel; each has its own
// seeded generator, so the result does not depend on scheduling.
func stability(sample []sparse, dim int, full []*clustering, top int, opts Options, cfg kmeansConfig) []float64 {
	n := len(sample)
	m := int(resampleFraction * float64(n))
	stab := make([]float64, top+1)
	if m < 2 {
		return stab
	}
	per := make([][]float64, opts.Resamples)
	sem := make(chan struct{}, max(opts.Workers, 1))
	var wg sync.WaitGroup
	var pb panicBox
	for b := range per {
		wg.Add(1)
		go func(b int) {
			defer wg.Done()
			defer pb.capture()
			sem <- struct{}{}
			defer func() { <-sem }()
			rng := rand.New(rand.NewPCG(opts.Seed, 0x9e3779b97f4a7c15+uint64(b)))
			idx := rng.Perm(n)[:m]
			sort.Ints(idx)
			sub := make([]sparse, m)
			for i, j := range idx {
				sub[i] = sample[j]
			}
			subTop := min(top, m)
			restarts := max(opts.Restarts/4, 1)
			path := mergePath(sub, dim, bestOf(sub, dim, subTop, restarts, nil, rng, kmeansConfig{maxIter: cfg.maxIter, workers: 1}), opts.MinK, kmeansConfig{maxIter: cfg.maxIter, workers: 1})
			scores := make([]float64, top+1)
			ref := make([]int, m)
			for k := opts.MinK; k <= subTop; k++ {
				if solutionAt(path, k) == nil || solutionAt(full, k) == nil {
					continue
				}
				for i, j := range idx {
					ref[i] = full[k].assign[j]
				}
				scores[k] = adjustedRand(path[k].assign, ref, k)
			}
			per[b] = scores
		}(b)
	}
	wg.Wait()
	pb.rethrow()
	for _, scores := range per {
		for k, s := range scores {
			stab[k] += s / float64(len(per))
		}
	}
	return stab
}

// solutionAt is path[k], or nil when the path has no solution with k
// clusters. A merge path can be shorter than asked: when many texts
// coincide, k-means++ finds fewer distinct seeds than k (issue 10, item 3).
func solutionAt(path []*clustering, k int) *clustering {
	if k < 0 || k >= len(path) {
		return nil
	}
	return path[k]
}

// adjustedRand is the adjusted Rand index (Hubert and Arabie 1985) of two
// partitions given as cluster indices in [0, k).
func adjustedRand(a, b []int, k int) float64 {
	cells := make([]int, k*k)
	ra := make([]int, k)
	rb := make([]int, k)
	for i := range a {
		cells[a[i]*k+b[i]]++
		ra[a[i]]++
		rb[b[i]]++
	}
	c2 := func(x int) float64 { return float64(x) * float64(x-1) / 2 }
	var sc, sa, sb float64
	for _, v := range cells {
		sc += c2(v)
	}
	for i := range ra {
		sa += c2(ra[i])
		sb += c2(rb[i])
	}
	total := c2(len(a))
	if total == 0 {
		return 1
	}
	expected := sa * sb / total
	maxIndex := (sa + sb) / 2
	if maxIndex == expected {
		return 1
	}
	return (sc - expected) / (maxIndex - expected)
}
