// Package eval measures how well a clustering recovers reference labels
// (normalized mutual information, adjusted Rand index, purity) and holds the
// plain TF-IDF k-means baseline that Aftermath's theme clustering is compared
// against.
package eval

import (
	"fmt"
	"math"
)

// contingency counts co-occurrences of reference labels (rows) and cluster
// labels (columns).
type contingency struct {
	n      int
	cells  map[[2]int]int
	rows   map[int]int
	cols   map[int]int
	rowIdx map[string]int
	colIdx map[string]int
}

func newContingency(truth, pred []string) (*contingency, error) {
	if len(truth) != len(pred) {
		return nil, fmt.Errorf("eval: %d reference labels but %d cluster labels", len(truth), len(pred))
	}
	c := &contingency{
		n:      len(truth),
		cells:  map[[2]int]int{},
		rows:   map[int]int{},
		cols:   map[int]int{},
		rowIdx: map[string]int{},
		colIdx: map[string]int{},
	}
	for i := range truth {
		r, ok := c.rowIdx[truth[i]]
		if !ok {
			r = len(c.rowIdx)
			c.rowIdx[truth[i]] = r
		}
		k, ok := c.colIdx[pred[i]]
		if !ok {
			k = len(c.colIdx)
			c.colIdx[pred[i]] = k
		}
		c.cells[[2]int{r, k}]++
		c.rows[r]++
		c.cols[k]++
	}
	return c, nil
}

func comb2(n int) float64 { return float64(n) * float64(n-1) / 2 }

// ARI is the adjusted Rand index (Hubert and Arabie 1985) of a clustering
// against reference labels: 1 for identical partitions, about 0 for random
// ones, negative when worse than chance. Like scikit-learn, two partitions
// that are both a single cluster (or both all singletons) score 1.
func ARI(truth, pred []string) (float64, error) {
	c, err := newContingency(truth, pred)
	if err != nil {
		return 0, err
	}
	if c.n == 0 {
		return 1, nil
	}
	var sumCells, sumRows, sumCols float64
	for _, v := range c.cells {
		sumCells += comb2(v)
	}
	for _, v := range c.rows {
		sumRows += comb2(v)
	}
	for _, v := range c.cols {
		sumCols += comb2(v)
	}
	total := comb2(c.n)
	if total == 0 {
		return 1, nil
	}
	expected := sumRows * sumCols / total
	maxIndex := (sumRows + sumCols) / 2
	if maxIndex == expected {
		// Degenerate: both partitions trivial and equal in structure.
		return 1, nil
	}
	return (sumCells - expected) / (maxIndex - expected), nil
}

func entropy(counts map[int]int, n int) float64 {
	var h float64
	for _, v := range counts {
		if v == 0 {
			continue
		}
		p := float64(v) / float64(n)
		h -= p * math.Log(p)
	}
	return h
}

// NMI is the normalized mutual information with arithmetic-mean
// normalization (scikit-learn's default): MI / ((H(truth)+H(pred))/2).
// It is 1 for identical partitions and 0 for independent ones; when both
// partitions are a single cluster it is 1.
func NMI(truth, pred []string) (float64, error) {
	c, err := newContingency(truth, pred)
	if err != nil {
		return 0, err
	}
	if c.n == 0 {
		return 1, nil
	}
	hu := entropy(c.rows, c.n)
	hv := entropy(c.cols, c.n)
	if hu == 0 && hv == 0 {
		return 1, nil
	}
	var mi float64
	n := float64(c.n)
	for k, v := range c.cells {
		if v == 0 {
			continue
		}
		pij := float64(v) / n
		pi := float64(c.rows[k[0]]) / n
		pj := float64(c.cols[k[1]]) / n
		mi += pij * math.Log(pij/(pi*pj))
	}
	denom := (hu + hv) / 2
	if denom == 0 {
		return 0, nil
	}
	v := mi / denom
	if v < 0 {
		v = 0
	}
	if v > 1 {
		v = 1
	}
	return v, nil
}

// Purity is the share of items whose cluster's majority reference label is
// their own label.
func Purity(truth, pred []string) (float64, error) {
	c, err := newContingency(truth, pred)
	if err != nil {
		return 0, err
	}
	if c.n == 0 {
		return 1, nil
	}
	best := map[int]int{}
	for k, v := range c.cells {
		if v > best[k[1]] {
			best[k[1]] = v
		}
	}
	var sum int
	for _, v := range best {
		sum += v
	}
	return float64(sum) / float64(c.n), nil
}

// Scores bundles the three measures for one clustering.
type Scores struct {
	NMI, ARI, Purity float64
	Clusters         int
}

// Score computes NMI, ARI and purity of pred against truth.
func Score(truth, pred []string) (Scores, error) {
	var s Scores
	var err error
	if s.NMI, err = NMI(truth, pred); err != nil {
		return s, err
	}
	if s.ARI, err = ARI(truth, pred); err != nil {
		return s, err
	}
	if s.Purity, err = Purity(truth, pred); err != nil {
		return s, err
	}
	seen := map[string]bool{}
	for _, p := range pred {
		seen[p] = true
	}
	s.Clusters = len(seen)
	return s, nil
}
