package language

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"testing"
)

// Grouped, nested cross-validation of the action-item model over every
// labeled item (issue 11, third round). The question it answers is how the
// whole fitting procedure carries over to another writer's postmortems, so:
//
//   - items of one source document (record id) never train and test
//     together: the outer folds are groups of documents (documents by one
//     vendor share templates and stock sentences, and a document's items share
//     its author), and a second outer split holds out one vendor at a time;
//   - every choice the fit makes (feature set, wording rules final or not,
//     L2 penalty, threshold) is made again inside each outer training set, by
//     the same grouped k-fold cross-validation and criterion that the
//     production fit uses (fitActionModel), and the outer fold is scored once
//     with the threshold chosen inside.
//
// The word rules whose outputs are features were written looking at batches
// 1-3, so even this figure is somewhat optimistic for those items.
//
//	AFTERMATH_EVAL=cv go test ./analyze/language -run TestNestedGroupedCV -v
//
// (AFTERMATH_FIT=cv too; AFTERMATH_CV_MISSES=1 prints the outer folds'
// errors of the first repeat.)

const cvOuterFolds = 10

// cvRepeats are the outer and inner repeats: 3 and fitRepeats, or 1 and 2
// with AFTERMATH_CV_FAST=1 (for trying a change; report the full run).
func cvRepeats() (outer, inner int) {
	if os.Getenv("AFTERMATH_CV_FAST") == "1" {
		return 1, 2
	}
	return 3, fitRepeats
}

// vendorOf is the writer of a record: the vendor whose postmortems it is
// (azure, aws, google), or danluu's collection.
func vendorOf(id string) string {
	low := strings.ToLower(id)
	switch {
	case strings.HasPrefix(low, "issre-azure"):
		return "azure"
	case strings.HasPrefix(low, "issre-aws"):
		return "aws"
	case strings.HasPrefix(low, "issre-gc"):
		return "google"
	case strings.HasPrefix(low, "danluu"):
		return "danluu"
	}
	return "other"
}

// groupedFolds assigns whole groups (documents) to k folds: groups in an
// order given by a hash of the group and the seed, each to the fold where it
// keeps vague and specific items most evenly spread.
func groupedFolds(items []fitItem, k, seed int) []int {
	type grp struct {
		name         string
		h            uint64
		vague, other int
	}
	byName := map[string]*grp{}
	var order []*grp
	totV, totS := 0, 0
	for _, it := range items {
		g := byName[it.group]
		if g == nil {
			s := sha256.Sum256([]byte(fmt.Sprintf("%d\x00%s", seed, it.group)))
			g = &grp{name: it.group, h: binary.BigEndian.Uint64(s[:8])}
			byName[it.group] = g
			order = append(order, g)
		}
		if it.vague {
			g.vague++
			totV++
		} else {
			g.other++
			totS++
		}
	}
	// Big groups first (so they spread), ties in hash order.
	sort.Slice(order, func(a, b int) bool {
		na, nb := order[a].vague+order[a].other, order[b].vague+order[b].other
		if na != nb && (na >= 6 || nb >= 6) {
			return na > nb
		}
		return order[a].h < order[b].h
	})
	fv, fs := make([]float64, k), make([]float64, k)
	foldOf := map[string]int{}
	for _, g := range order {
		best, bestLoad := 0, math.Inf(1)
		for f := 0; f < k; f++ {
			load := (fv[f]+float64(g.vague))/float64(max(1, totV)) + (fs[f]+float64(g.other))/float64(max(1, totS))
			if load < bestLoad-1e-12 {
				best, bestLoad = f, load
			}
		}
		fv[best] += float64(g.vague)
		fs[best] += float64(g.other)
		foldOf[g.name] = best
	}
	out := make([]int, len(items))
	for n, it := range items {
		out[n] = foldOf[it.group]
	}
	return out
}

// innerFolds is the grouped fold assignment the fit's own cross-validation
// uses, one per repeat.
func innerFolds(items []fitItem) [][]int {
	_, n := cvRepeats()
	out := make([][]int, n)
	for r := range out {
		out[r] = groupedFolds(items, fitFolds, 1000+r)
	}
	return out
}

// chooseModel makes every choice of the fit on items alone (grouped k-fold
// inside them) and fits the chosen variant on all of them.
func chooseModel(items []fitItem) (best cvResult, w [nFeatures]float64, b float64) {
	folds := innerFolds(items)
	best.obj = math.Inf(-1)
	for _, v := range fitVariants() {
		for _, l := range fitLambdas {
			if r := crossValidateFolds(items, v, l, folds); r.obj > best.obj+1e-12 {
				best = r
			}
		}
	}
	w, b = fitLogistic(items, best.variant.mask, best.lambda)
	return best, w, b
}

// nestedResult is one outer pass: every item predicted once by a model that
// never saw its document.
type nestedResult struct {
	pred    []bool
	z, thr  []float64
	choices []string
}

// nestedCV runs chooseModel on each outer training set and predicts its
// outer test set.
func nestedCV(items []fitItem, outer []int, k int) nestedResult {
	res := nestedResult{pred: make([]bool, len(items)), z: make([]float64, len(items)), thr: make([]float64, len(items))}
	for f := 0; f < k; f++ {
		var train []fitItem
		for n, it := range items {
			if outer[n] != f {
				train = append(train, it)
			}
		}
		if len(train) == len(items) {
			continue
		}
		best, w, b := chooseModel(train)
		res.choices = append(res.choices, fmt.Sprintf("%s/l=%g/t=%.2f", best.variant.name, best.lambda, best.thr))
		for n, it := range items {
			if outer[n] == f {
				res.z[n] = scoreOf(it, w, b)
				res.thr[n] = best.thr
				res.pred[n] = predictFit(it, res.z[n], best.thr, best.variant.wording)
			}
		}
	}
	return res
}

// cvLine formats recall and the specific items flagged with Wilson
// intervals.
func cvLine(c confusion) string {
	rlo, rhi := wilson(c.tp, c.tp+c.fn)
	flo, fhi := wilson(c.fp, c.fp+c.tn)
	return fmt.Sprintf("recall %.3f [%.2f, %.2f] (%d/%d), specific flagged %.3f [%.2f, %.2f] (%d/%d), precision %.3f",
		c.recall(), rlo, rhi, c.tp, c.tp+c.fn, fpRate(c), flo, fhi, c.fp, c.fp+c.tn, c.precision())
}

func TestNestedGroupedCV(t *testing.T) {
	if os.Getenv("AFTERMATH_EVAL") != "cv" && os.Getenv("AFTERMATH_FIT") != "cv" {
		t.Skip("set AFTERMATH_EVAL=cv to run the grouped nested cross-validation of the action-item model (minutes)")
	}
	items := loadLabeledItems(t, reportBatch)
	pos := 0
	for _, it := range items {
		if it.vague {
			pos++
		}
	}
	t.Logf("labeled items: %d (%d vague), documents: %d", len(items), pos, len(groupedSet(items)))

	cvOuterRepeats, _ := cvRepeats()
	var sumR, sumF float64
	for r := 0; r < cvOuterRepeats; r++ {
		outer := groupedFolds(items, cvOuterFolds, r)
		res := nestedCV(items, outer, cvOuterFolds)
		var all confusion
		perVendor, perBatch := map[string]*confusion{}, map[int]*confusion{}
		for n, it := range items {
			all.add(res.pred[n], it.vague)
			v := vendorOf(it.group)
			if perVendor[v] == nil {
				perVendor[v] = &confusion{}
			}
			perVendor[v].add(res.pred[n], it.vague)
			if perBatch[it.batch] == nil {
				perBatch[it.batch] = &confusion{}
			}
			perBatch[it.batch].add(res.pred[n], it.vague)
		}
		sumR += all.recall()
		sumF += fpRate(all)
		t.Logf("grouped nested CV, repeat %d (%d document folds): %s", r, cvOuterFolds, cvLine(all))
		for _, v := range []string{"azure", "aws", "google", "danluu"} {
			if c := perVendor[v]; c != nil {
				t.Logf("    vendor %-7s %s", v, cvLine(*c))
			}
		}
		for b := 1; b <= reportBatch; b++ {
			if c := perBatch[b]; c != nil {
				t.Logf("    batch %d  %s", b, cvLine(*c))
			}
		}
		t.Logf("    inner choices: %s", strings.Join(res.choices, "; "))
		if r == 0 && os.Getenv("AFTERMATH_CV_MISSES") == "1" {
			for n, it := range items {
				if res.pred[n] != it.vague {
					t.Logf("    miss: label=%v batch=%d z=%.2f thr=%.2f %s", it.vague, it.batch, res.z[n], res.thr[n], it.text)
				}
			}
		}
	}
	t.Logf("grouped nested CV, mean of %d repeats: recall %.3f, specific flagged %.3f", cvOuterRepeats, sumR/float64(cvOuterRepeats), sumF/float64(cvOuterRepeats))

	// One vendor held out at a time: the model never saw that writer.
	vendors := []string{"azure", "aws", "google"}
	outer := make([]int, len(items))
	for n, it := range items {
		v := vendorOf(it.group)
		outer[n] = len(vendors) - 1 // danluu's one item goes with google, the other small set
		for k, name := range vendors {
			if v == name {
				outer[n] = k
			}
		}
	}
	res := nestedCV(items, outer, len(vendors))
	var all confusion
	per := make([]confusion, len(vendors))
	for n, it := range items {
		all.add(res.pred[n], it.vague)
		per[outer[n]].add(res.pred[n], it.vague)
	}
	t.Logf("vendor held out (nested): %s", cvLine(all))
	for k, v := range vendors {
		t.Logf("    held out %-7s %s (inner choice %s)", v, cvLine(per[k]), res.choices[k])
	}
}

func groupedSet(items []fitItem) map[string]bool {
	out := map[string]bool{}
	for _, it := range items {
		out[it.group] = true
	}
	return out
}
