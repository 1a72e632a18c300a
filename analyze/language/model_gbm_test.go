package language

import (
	"math"
	"sort"
)

// A learner tried beside the logistic regression in the nested
// cross-validation (AFTERMATH_CV_GBM=1, model_cv_test.go): gradient-boosted
// shallow trees over the same features (Newton steps on the logistic loss,
// L2-regularized leaves). Unlike the linear model it can weigh a feature by
// the others ("effort words" only when nothing names a thing), which is what
// the linear model's errors asked for.

// gbmConfig is one setting of the boosted trees.
type gbmConfig struct {
	trees, depth int
	rate         float64 // shrinkage
	minLeaf      float64 // fewest hessian-weighted items in a leaf
	lambda       float64 // L2 penalty of a leaf's value
}

var gbmConfigs = []gbmConfig{
	{trees: 40, depth: 2, rate: 0.1, minLeaf: 2, lambda: 1},
	{trees: 120, depth: 2, rate: 0.1, minLeaf: 2, lambda: 1},
	{trees: 60, depth: 3, rate: 0.1, minLeaf: 2, lambda: 1},
}

type gbmNode struct {
	feature     int // -1: a leaf
	thr         float64
	left, right int // children (x <= thr goes left)
	value       float64
}

type gbmTree []gbmNode

type gbmModel struct {
	base  float64
	trees []gbmTree
}

func (m gbmModel) score(it fitItem) float64 {
	z := m.base
	for _, t := range m.trees {
		n := 0
		for t[n].feature >= 0 {
			if it.x[t[n].feature] <= t[n].thr {
				n = t[n].left
			} else {
				n = t[n].right
			}
		}
		z += t[n].value
	}
	return z
}

// fitGBM boosts cfg.trees trees on items over the features in mask.
func fitGBM(items []fitItem, mask [nFeatures]bool, cfg gbmConfig) gbmModel {
	n := len(items)
	pos := 0
	for _, it := range items {
		if it.vague {
			pos++
		}
	}
	p0 := (float64(pos) + 0.5) / (float64(n) + 1)
	m := gbmModel{base: math.Log(p0 / (1 - p0))}
	z := make([]float64, n)
	for i := range z {
		z[i] = m.base
	}
	// Items sorted by each feature once.
	order := make([][]int, nFeatures)
	for f := 0; f < nFeatures; f++ {
		if !mask[f] {
			continue
		}
		o := make([]int, n)
		for i := range o {
			o[i] = i
		}
		sort.SliceStable(o, func(a, b int) bool { return items[o[a]].x[f] < items[o[b]].x[f] })
		order[f] = o
	}
	g, h := make([]float64, n), make([]float64, n)
	in := make([]int, n) // node of each item in the tree being grown
	for t := 0; t < cfg.trees; t++ {
		for i, it := range items {
			p := 1 / (1 + math.Exp(-z[i]))
			y := 0.0
			if it.vague {
				y = 1
			}
			g[i], h[i] = p-y, max(p*(1-p), 1e-6)
			in[i] = 0
		}
		tree := gbmTree{{feature: -1}}
		frontier := []int{0}
		for d := 0; d < cfg.depth; d++ {
			var next []int
			for _, node := range frontier {
				G, H := 0.0, 0.0
				for i := range items {
					if in[i] == node {
						G, H = G+g[i], H+h[i]
					}
				}
				parent := G * G / (H + cfg.lambda)
				bestGain, bestF, bestThr := 1e-9, -1, 0.0
				for f := 0; f < nFeatures; f++ {
					if !mask[f] {
						continue
					}
					gl, hl := 0.0, 0.0
					o := order[f]
					for k := 0; k < n-1; k++ {
						i := o[k]
						if in[i] != node {
							continue
						}
						gl, hl = gl+g[i], hl+h[i]
						// The next item of this node: split only between
						// different values.
						k2 := k + 1
						for k2 < n && in[o[k2]] != node {
							k2++
						}
						if k2 == n || items[o[k2]].x[f] == items[i].x[f] {
							continue
						}
						gr, hr := G-gl, H-hl
						if hl < cfg.minLeaf*0.25 || hr < cfg.minLeaf*0.25 {
							continue
						}
						gain := gl*gl/(hl+cfg.lambda) + gr*gr/(hr+cfg.lambda) - parent
						if gain > bestGain {
							bestGain, bestF, bestThr = gain, f, (items[i].x[f]+items[o[k2]].x[f])/2
						}
					}
				}
				if bestF < 0 {
					continue
				}
				l, r := len(tree), len(tree)+1
				tree[node].feature, tree[node].thr, tree[node].left, tree[node].right = bestF, bestThr, l, r
				tree = append(tree, gbmNode{feature: -1}, gbmNode{feature: -1})
				for i, it := range items {
					if in[i] == node {
						if it.x[bestF] <= bestThr {
							in[i] = l
						} else {
							in[i] = r
						}
					}
				}
				next = append(next, l, r)
			}
			frontier = next
		}
		// Leaf values: one Newton step each, shrunk.
		G, H := make([]float64, len(tree)), make([]float64, len(tree))
		for i := range items {
			G[in[i]] += g[i]
			H[in[i]] += h[i]
		}
		for k := range tree {
			if tree[k].feature < 0 {
				tree[k].value = -cfg.rate * G[k] / (H[k] + cfg.lambda)
			}
		}
		for i := range items {
			z[i] += tree[in[i]].value
		}
		m.trees = append(m.trees, tree)
	}
	return m
}
