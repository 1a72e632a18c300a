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

	"github.com/aftermath-sre/aftermath/analyze/internal/calc"
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
	return fitFoldsOf(items, n)
}

// chooseModel makes every choice of the fit on items alone (grouped k-fold
// inside them) and fits the chosen variant on all of them; score is the
// fitted model's score.
func chooseModel(items []fitItem) (best cvResult, score func(fitItem) float64) {
	folds := innerFolds(items)
	best.obj = math.Inf(-1)
	for _, v := range fitVariants() {
		for _, l := range fitLambdas {
			if r := crossValidateFolds(items, v, l, folds); r.obj > best.obj+1e-12 {
				best = r
			}
		}
	}
	if os.Getenv("AFTERMATH_CV_BOW") == "1" {
		v := fitVariants()[1] // all features, wording rules final
		for _, l := range []float64{0.3, 1, 3} {
			for _, lb := range bowLambdas {
				r := crossValidateWith(items, v, l, folds, func(train []fitItem) func(fitItem) float64 {
					return fitBoW(train, v.mask, l, lb).score
				})
				r.bow = lb
				if r.obj > best.obj+1e-12 {
					best = r
				}
			}
		}
	}
	if g := os.Getenv("AFTERMATH_CV_GBM"); g != "" {
		if g == "only" {
			best.obj = math.Inf(-1)
		}
		for _, v := range []fitVariant{fitVariants()[1], fitVariants()[4]} {
			for _, cfg := range gbmConfigs {
				r := crossValidateWith(items, v, 0, folds, func(train []fitItem) func(fitItem) float64 {
					return fitGBM(train, v.mask, cfg).score
				})
				r.gbm = cfg
				if r.obj > best.obj+1e-12 {
					best = r
				}
			}
		}
	}
	if best.gbm.trees > 0 {
		return best, fitGBM(items, best.variant.mask, best.gbm).score
	}
	if best.bow > 0 {
		return best, fitBoW(items, best.variant.mask, best.lambda, best.bow).score
	}
	w, b := fitLogistic(items, best.variant.mask, best.lambda)
	return best, func(it fitItem) float64 { return scoreOf(it, w, b) }
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
		best, score := chooseModel(train)
		res.choices = append(res.choices, fmt.Sprintf("%s/l=%g/bow=%g/gbm=%d,%d/t=%.2f", best.variant.name, best.lambda, best.bow, best.gbm.trees, best.gbm.depth, best.thr))
		for n, it := range items {
			if outer[n] == f {
				res.z[n] = score(it)
				res.thr[n] = best.thr
				res.pred[n] = predictFit(it, res.z[n], best.thr, best.variant)
			}
		}
	}
	return res
}

// A bag of words beside the features (tried in this round, AFTERMATH_CV_BOW=1):
// one indicator per word that occurs in at least bowMinDocs training
// documents (so a report's own vocabulary cannot enter), with its own, strong
// L2 penalty.
const bowMinDocs = 3

var bowLambdas = []float64{3, 10, 30}

// itemWords are an item's distinct content words (lowercase, no function
// words, no company names).
func itemWords(text string) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !(r >= 'a' && r <= 'z') && r != '-' }) {
		w = strings.Trim(w, "-")
		if len(w) < 3 || stopWords[w] || companyWords[w] || seen[w] {
			continue
		}
		seen[w] = true
		out = append(out, w)
	}
	return out
}

type bowFit struct {
	w     [nFeatures]float64
	b     float64
	words map[string]float64
}

func (m bowFit) score(it fitItem) float64 {
	z := scoreOf(it, m.w, m.b)
	for _, w := range itemWords(it.text) {
		z += m.words[w]
	}
	return z
}

// fitBoW fits the features (signs as fitLogistic) and the words together.
func fitBoW(items []fitItem, mask [nFeatures]bool, lambda, lambdaBow float64) bowFit {
	docs := map[string]map[string]bool{}
	words := make([][]string, len(items))
	for n, it := range items {
		words[n] = itemWords(it.text)
		for _, w := range words[n] {
			if docs[w] == nil {
				docs[w] = map[string]bool{}
			}
			docs[w][it.group] = true
		}
	}
	var vocab []string
	for w, d := range docs {
		if len(d) >= bowMinDocs {
			vocab = append(vocab, w)
		}
	}
	sort.Strings(vocab)
	index := map[string]int{}
	for k, w := range vocab {
		index[w] = k
	}
	ys := labelsOf(items)
	for {
		var idx []int
		for i, on := range mask {
			if on {
				idx = append(idx, i)
			}
		}
		nd := len(idx)
		d := nd + len(vocab) + 1
		rows := make([][]column, len(items))
		for n, it := range items {
			for k, i := range idx {
				if it.x[i] != 0 {
					rows[n] = append(rows[n], column{k, it.x[i]})
				}
			}
			var ws []int
			for _, w := range words[n] {
				if k, ok := index[w]; ok {
					ws = append(ws, nd+k)
				}
			}
			sort.Ints(ws) // itemWords are distinct
			for _, k := range ws {
				rows[n] = append(rows[n], column{k, 1})
			}
			rows[n] = append(rows[n], column{d - 1, 1})
		}
		penalty := make([]float64, d-1)
		for k := range penalty {
			penalty[k] = lambda
			if k >= nd {
				penalty[k] = lambdaBow
			}
		}
		beta := newtonLogistic(rows, ys, penalty, 1e-7)
		var m bowFit
		for k, i := range idx {
			m.w[i] = beta[k]
		}
		m.b = beta[d-1]
		if dropWrongSign(m.w, &mask) {
			continue
		}
		m.words = map[string]float64{}
		for k, w := range vocab {
			m.words[w] = beta[nd+k]
		}
		return m
	}
}

// cvLine formats recall and the specific items flagged with Wilson
// intervals.
func cvLine(c confusion) string {
	rlo, rhi := calc.Wilson(c.tp, c.tp+c.fn)
	flo, fhi := calc.Wilson(c.fp, c.fp+c.tn)
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
		secondLabelReport(t, items, res.pred)
		if os.Getenv("AFTERMATH_CV_SHIFT") == "1" {
			// Diagnostic only (an offset chosen on the outer scores): the
			// recall of each fold's model with every threshold moved by the
			// same offset, at the first offset that flags at most 5%.
			for _, off := range fitThresholds {
				var c confusion
				for n, it := range items {
					c.add(res.z[n]-res.thr[n] >= off || (res.pred[n] && res.z[n] < res.thr[n]), it.vague)
				}
				if fpRate(c) <= fitMaxFP {
					t.Logf("    shifted by %+.2f: %s", off, cvLine(c))
					break
				}
			}
		}
		if r == 0 && os.Getenv("AFTERMATH_CV_MISSES") == "1" {
			second := readSecondActionLabels(t)
			for n, it := range items {
				if res.pred[n] != it.vague {
					t.Logf("    miss: label=%v second=%v batch=%d z=%.2f thr=%.2f %s", it.vague, second[it.key], it.batch, res.z[n], res.thr[n], it.text)
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
