package language

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"go/format"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// The action-item model (model.go) is fitted here, on action-label batches 1
// to tuneBatches, both halves (the second round, issue 11: every item labeled
// before it, all of which had been scored before); the report batch is
// dropped before any feature is computed. Everything is chosen by k-fold
// cross-validation inside the tuning data: the feature set (with or without
// the word rules' outputs as features), whether the wording rules stay final,
// the L2 penalty, and the decision threshold. The criterion, fixed before this
// round's first fit, is precision-oriented: out-of-fold recall, pooled over
// the batches and repeats, with at most fitMaxFP of the specific items
// flagged (see criterion). A choice that would break a table test of the
// package (pinnedBounds) is not made. How well this procedure carries over
// to other writers' documents is measured by TestNestedGroupedCV
// (model_cv_test.go), which reruns it, with folds of whole documents,
// inside each outer fold.
//
//	AFTERMATH_FIT=1 go test ./analyze/language -run TestFitActionModel -v       # print
//	AFTERMATH_FIT=write go test ./analyze/language -run TestFitActionModel -v   # and write model_weights.go

const (
	fitFolds   = 5
	fitRepeats = 5
	fitFPCost  = 10.0
	fitMaxFP   = 0.05
)

var (
	fitLambdas    = []float64{0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10}
	fitThresholds = func() []float64 {
		var out []float64
		for t := -4.0; t <= 4.0001; t += 0.05 {
			out = append(out, math.Round(t*100)/100)
		}
		return out
	}()
)

// fitItem is one tuning item: its features, label, batch and key.
type fitItem struct {
	x     [nFeatures]float64
	vague bool
	batch int
	key   string
	text  string
	group string // the source document (record id): its items never train and test together
}

// fitVariant is one choice of feature set and wording rule.
type fitVariant struct {
	name    string
	mask    [nFeatures]bool // features in use
	wording bool
	rules   bool // every rule finding is final (object rules too): the model only adds items
}

func fitVariants() []fitVariant {
	var all, noRules [nFeatures]bool
	for i := range all {
		all[i] = true
		noRules[i] = i != fRuleObject && i != fRuleWording
	}
	all4 := []fitVariant{
		{"all features", all, false, false},
		{"all features, wording rules final", all, true, false},
		{"no rule outputs", noRules, false, false},
		{"no rule outputs, wording rules final", noRules, true, false},
		{"all features, all rules final", all, true, true},
		{"no rule outputs, all rules final", noRules, true, true},
	}
	if os.Getenv("AFTERMATH_FIT_VARIANTS") == "rules" {
		return all4[4:]
	}
	return all4
}

func loadTuningItems(t *testing.T) []fitItem {
	items := loadLabeledItems(t, tuneBatches)
	if path := os.Getenv("AFTERMATH_FIT_EXTRA"); path != "" {
		items = append(items, loadExtraItems(t, path)...)
	}
	return items
}

// extraBatch is the batch of AFTERMATH_FIT_EXTRA's items.
const extraBatch = 9

// loadExtraItems reads labeled action items of other writers (JSON Lines:
// id, text, vague, and doc, the source document, whose items stay in one
// fold) for a fit that also learns from them: an experiment, since their
// texts are not in this repository (testdata/OTHER_WRITERS.md lists them).
func loadExtraItems(t *testing.T, path string) []fitItem {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	a := newActionChecker()
	var out []fitItem
	for n, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var r struct {
			ID, Text, Doc string
			Vague         *bool
		}
		require.NoError(t, json.Unmarshal(line, &r), "%s line %d", path, n+1)
		require.NotNil(t, r.Vague, "%s line %d: no vague label", path, n+1)
		if r.Doc == "" {
			r.Doc = r.ID
		}
		_, _, x := a.itemFeatures(r.Text, false)
		out = append(out, fitItem{x, *r.Vague, extraBatch, r.ID, r.Text, r.Doc})
	}
	return out
}

// loadLabeledItems reads the labeled action items of batches 1 to maxBatch
// and computes their features; later batches are dropped before any feature
// is computed.
func loadLabeledItems(t *testing.T, maxBatch int) []fitItem {
	recs := loadRealRecords(t)
	a := newActionChecker()
	var out []fitItem
	for _, l := range readActionLabels(t) {
		if l.batch > maxBatch {
			continue
		}
		r, ok := recs[l.id]
		require.True(t, ok, "labeled record %s not in the data file", l.id)
		text := r.field(l.field)
		require.LessOrEqual(t, l.end, len(text), "record %s: item [%d, %d) out of range", l.id, l.start, l.end)
		item := text[l.start:l.end]
		require.Equal(t, l.hash, sentenceHash(item), "record %s item [%d, %d): text differs from the labeled one", l.id, l.start, l.end)
		_, _, x := a.itemFeatures(item, false)
		out = append(out, fitItem{x, l.vague, l.batch, fmt.Sprintf("%s\t%s\t%d", l.id, l.field, l.start), item, l.id})
	}
	return out
}

// foldsOf assigns items to folds, stratified by label and batch, in an
// order given by a hash of the key and the repeat.
func foldsOf(items []fitItem, repeat int) []int {
	type kv struct {
		i int
		h uint64
	}
	groups := map[string][]kv{}
	for i, it := range items {
		s := sha256.Sum256([]byte(fmt.Sprintf("%d\x00%s", repeat, it.key)))
		g := fmt.Sprintf("%v/%d", it.vague, it.batch)
		groups[g] = append(groups[g], kv{i, binary.BigEndian.Uint64(s[:8])})
	}
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	sort.Strings(names)
	fold := make([]int, len(items))
	next := 0
	for _, g := range names {
		kvs := groups[g]
		sort.Slice(kvs, func(a, b int) bool { return kvs[a].h < kvs[b].h })
		for _, e := range kvs {
			fold[e.i] = next % fitFolds
			next++
		}
	}
	return fold
}

// fitFoldsOf are fold assignments of whole documents, one per repeat
// (groupedFolds, model_cv_test.go): the nested cross-validation's.
func fitFoldsOf(items []fitItem, repeats int) [][]int {
	out := make([][]int, repeats)
	for r := range out {
		out[r] = groupedFolds(items, fitFolds, 1000+r)
	}
	return out
}

// fitLogistic fits an L2-penalized logistic regression with the signs of
// featureSign: it fits, drops the feature whose weight has the wrong sign by
// the most, and refits, until every weight has its sign.
func fitLogistic(items []fitItem, mask [nFeatures]bool, lambda float64) (w [nFeatures]float64, bias float64) {
	for {
		w, bias = fitLogisticFree(items, mask, lambda)
		if !dropWrongSign(w, &mask) {
			return w, bias
		}
	}
}

// dropWrongSign takes out of mask the feature whose weight in w has the
// wrong sign (featureSign) by the most, and reports whether there was one.
func dropWrongSign(w [nFeatures]float64, mask *[nFeatures]bool) bool {
	worst, by := -1, 0.0
	for i, sg := range featureSign {
		if v := w[i] * float64(sg); mask[i] && v < -by {
			worst, by = i, -v
		}
	}
	if worst < 0 {
		return false
	}
	mask[worst] = false
	return true
}

// fitLogisticFree fits an L2-penalized logistic regression (the bias is not
// penalized) by Newton's method on the masked features.
func fitLogisticFree(items []fitItem, mask [nFeatures]bool, lambda float64) (w [nFeatures]float64, bias float64) {
	var idx []int
	for i, on := range mask {
		if on {
			idx = append(idx, i)
		}
	}
	d := len(idx) + 1 // last: bias
	rows := make([][]column, len(items))
	for n, it := range items {
		for k, i := range idx {
			if it.x[i] != 0 {
				rows[n] = append(rows[n], column{k, it.x[i]})
			}
		}
		rows[n] = append(rows[n], column{d - 1, 1})
	}
	penalty := make([]float64, d-1)
	for k := range penalty {
		penalty[k] = lambda
	}
	beta := newtonLogistic(rows, labelsOf(items), penalty, 1e-9)
	for k, i := range idx {
		w[i] = beta[k]
	}
	return w, beta[d-1]
}

// column is one nonzero value of an item's row in a fit.
type column struct {
	k int
	v float64
}

func labelsOf(items []fitItem) []float64 {
	ys := make([]float64, len(items))
	for n, it := range items {
		if it.vague {
			ys[n] = 1
		}
	}
	return ys
}

// newtonLogistic fits a logistic regression by Newton's method: rows are
// the items' nonzero values by ascending column, the last column (len
// penalty) the bias, present in every row; ys the labels (0, 1); penalty
// the L2 penalty of each other column (the bias is not penalized). It stops
// after 50 steps or once no coefficient moves by tol.
func newtonLogistic(rows [][]column, ys, penalty []float64, tol float64) []float64 {
	d := len(penalty) + 1
	beta := make([]float64, d)
	g := make([]float64, d)
	h := make([][]float64, d)
	for k := range h {
		h[k] = make([]float64, d)
	}
	for iter := 0; iter < 50; iter++ {
		for k := range g {
			g[k] = 0
			clear(h[k])
		}
		for n, r := range rows {
			z := 0.0
			for _, c := range r {
				z += beta[c.k] * c.v
			}
			p := 1 / (1 + math.Exp(-z))
			q := p * (1 - p)
			for a, c := range r { // the upper triangle, mirrored below
				g[c.k] += (p - ys[n]) * c.v
				qv := q * c.v
				hk := h[c.k]
				for _, e := range r[a:] {
					hk[e.k] += qv * e.v
				}
			}
		}
		for k := 0; k < d; k++ {
			for j := 0; j < k; j++ {
				h[k][j] = h[j][k]
			}
		}
		for k, l := range penalty {
			g[k] += l * beta[k]
			h[k][k] += l
		}
		h[d-1][d-1] += 1e-9
		step := solve(h, g)
		maxStep := 0.0
		for k := range beta {
			beta[k] -= step[k]
			maxStep = math.Max(maxStep, math.Abs(step[k]))
		}
		if maxStep < tol {
			break
		}
	}
	return beta
}

// solve solves A x = b by Gaussian elimination with partial pivoting (A is
// small and, with the penalty, positive definite).
func solve(a [][]float64, b []float64) []float64 {
	n := len(b)
	m := make([][]float64, n)
	for i := range a {
		m[i] = append(append([]float64(nil), a[i]...), b[i])
	}
	for c := 0; c < n; c++ {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(m[r][c]) > math.Abs(m[p][c]) {
				p = r
			}
		}
		m[c], m[p] = m[p], m[c]
		for r := c + 1; r < n; r++ {
			f := m[r][c] / m[c][c]
			for k := c; k <= n; k++ {
				m[r][k] -= f * m[c][k]
			}
		}
	}
	x := make([]float64, n)
	for r := n - 1; r >= 0; r-- {
		s := m[r][n]
		for k := r + 1; k < n; k++ {
			s -= m[r][k] * x[k]
		}
		x[r] = s / m[r][r]
	}
	return x
}

func scoreOf(it fitItem, w [nFeatures]float64, bias float64) float64 {
	z := bias
	for i, v := range it.x {
		z += w[i] * v
	}
	return z
}

func predictFit(it fitItem, z, thr float64, v fitVariant) bool {
	return z >= thr || (v.wording && it.x[fRuleWording] == 1) || (v.rules && it.x[fRuleObject] == 1)
}

// batchCounts counts predictions against labels, per batch.
func batchCounts(items []fitItem, pred []bool) map[int]confusion {
	per := map[int]confusion{}
	for n, it := range items {
		c := per[it.batch]
		c.add(pred[n], it.vague)
		per[it.batch] = c
	}
	return per
}

// pooled sums the per-batch counts.
func pooled(per map[int]confusion) confusion {
	var all confusion
	for _, c := range per {
		all.tp, all.fp, all.fn, all.tn = all.tp+c.tp, all.fp+c.fp, all.fn+c.fn, all.tn+c.tn
	}
	return all
}

// criterion, fixed before this round's first fit: out-of-fold recall over
// all tuning items while at most fitMaxFP of the specific items are
// flagged; past that share, recall is charged fitFPCost per unit of excess,
// so that an infeasible setting always scores below a feasible one with the
// same recall.
func criterion(c confusion) float64 {
	return c.recall() - fitFPCost*max(0, fpRate(c)-fitMaxFP)
}

type cvResult struct {
	variant fitVariant
	lambda  float64
	bow     float64   // the bag of words' L2 penalty (0: no bag of words; model_cv_test.go)
	gbm     gbmConfig // boosted trees instead of the linear model (trees 0: none; model_gbm_test.go)
	thr     float64
	obj     float64
	per     map[int]confusion // at thr, summed over repeats
}

// crossValidateFolds returns, for one variant and penalty, the out-of-fold
// scores of every repeat (one fold assignment each, fold numbers 0 to
// fitFolds-1), the threshold with the best criterion and that criterion.
func crossValidateFolds(items []fitItem, v fitVariant, lambda float64, repeats [][]int) cvResult {
	return crossValidateWith(items, v, lambda, repeats, func(train []fitItem) func(fitItem) float64 {
		w, b := fitLogistic(train, v.mask, lambda)
		return func(it fitItem) float64 { return scoreOf(it, w, b) }
	})
}

// crossValidateWith is crossValidateFolds with the model fitted by fit
// (which returns the fitted model's score).
func crossValidateWith(items []fitItem, v fitVariant, lambda float64, repeats [][]int, fit func([]fitItem) func(fitItem) float64) cvResult {
	fitRepeats := len(repeats)
	oof := make([][]float64, fitRepeats)
	for r := 0; r < fitRepeats; r++ {
		folds := repeats[r]
		oof[r] = make([]float64, len(items))
		for f := 0; f < fitFolds; f++ {
			var train []fitItem
			for n, it := range items {
				if folds[n] != f {
					train = append(train, it)
				}
			}
			score := fit(train)
			for n, it := range items {
				if folds[n] == f {
					oof[r][n] = score(it)
				}
			}
		}
	}
	best := cvResult{variant: v, lambda: lambda, obj: math.Inf(-1)}
	lo, hi := pinnedBounds(v, fit(items))
	for _, thr := range fitThresholds {
		if thr <= lo || thr > hi {
			continue // the model fitted on these items would break a pinned test
		}
		per := map[int]confusion{}
		for r := 0; r < fitRepeats; r++ {
			pred := make([]bool, len(items))
			for n, it := range items {
				pred[n] = predictFit(it, oof[r][n], thr, v)
			}
			for b, c := range batchCounts(items, pred) {
				t := per[b]
				t.tp, t.fp, t.fn, t.tn = t.tp+c.tp, t.fp+c.fp, t.fn+c.fn, t.tn+c.tn
				per[b] = t
			}
		}
		if o := criterion(pooled(per)); o > best.obj+1e-12 {
			best.obj, best.thr, best.per = o, thr, per
		}
	}
	return best
}

// pinned is an item of the package's table tests (TestCheckActionItem,
// TestMadeUpWording: made-up wording, in no labeled set) with what the model
// must do for the test to hold: flag it (its expected findings include an
// object rule's, or no rule fires on a vague item) or not flag it.
type pinned struct {
	it                  fitItem
	mustFlag, mustClear bool
}

var pinnedOnce = sync.OnceValue(func() []pinned {
	a := newActionChecker()
	var out []pinned
	add := func(s string, vague bool, want []string) {
		rules, _, x := a.itemFeatures(s, false)
		p := pinned{it: fitItem{x: x, vague: vague, text: s}}
		// A vague item must be flagged by the model unless the variant keeps
		// its rules' findings anyway (pinnedBounds); a specific one must not.
		p.mustFlag, p.mustClear = vague, !vague
		if vague && want != nil {
			var got []string
			for _, f := range rules {
				got = append(got, f.Rule)
			}
			if len(rules) > 0 && !slices.Equal(got, want) {
				p.mustFlag = false // the table expects other findings: nothing the fit can keep
			}
		}
		out = append(out, p)
	}
	for _, tc := range checkActionItemCases {
		var want []string
		for _, r := range tc.want {
			if IsVagueRule(r) {
				want = append(want, r)
			}
		}
		add(tc.summary, len(want) > 0, want)
	}
	for _, s := range madeUpVagueItems {
		add(s, true, nil)
	}
	for _, s := range madeUpSpecificItems {
		add(s, false, nil)
	}
	return out
})

// pinnedBounds is the range (lo, hi] of thresholds at which a model with
// score keeps every pinned test: above every score of an item it must not
// flag, at or below every score of one it must flag.
func pinnedBounds(v fitVariant, score func(fitItem) float64) (lo, hi float64) {
	lo, hi = math.Inf(-1), math.Inf(1)
	for _, p := range pinnedOnce() {
		z := score(p.it)
		switch {
		case p.mustFlag && !(v.rules && p.it.x[fRuleObject] == 1) && !(v.wording && p.it.x[fRuleObject] == 0 && p.it.x[fRuleWording] == 1):
			hi = min(hi, z)
		case p.mustClear && !(v.wording && p.it.x[fRuleWording] == 1) && !(v.rules && p.it.x[fRuleObject] == 1):
			lo = max(lo, z)
		}
	}
	return lo, hi
}

// fitResult is the chosen variant and the weights fitted on all tuning items.
type fitResult struct {
	best    cvResult
	w       [nFeatures]float64
	b       float64
	n, pos  int
	results []cvResult
}

// fitActionModel runs the whole choice on the tuning items.
func fitActionModel(items []fitItem) fitResult {
	var fr fitResult
	fr.n = len(items)
	for _, it := range items {
		if it.vague {
			fr.pos++
		}
	}
	folds := make([][]int, fitRepeats)
	for r := range folds {
		folds[r] = foldsOf(items, r)
	}
	for _, v := range fitVariants() {
		for _, l := range fitLambdas {
			fr.results = append(fr.results, crossValidateFolds(items, v, l, folds))
		}
	}
	fr.best = fr.results[0]
	for _, r := range fr.results[1:] {
		if r.obj > fr.best.obj+1e-12 {
			fr.best = r
		}
	}
	fr.w, fr.b = fitLogistic(items, fr.best.variant.mask, fr.best.lambda)
	return fr
}

// modelSource is model_weights.go for a fit.
func modelSource(t testing.TB, fr fitResult) []byte {
	best := fr.best
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "// Code generated by TestFitActionModel (AFTERMATH_FIT=write); DO NOT EDIT.\n\npackage language\n\n")
	fmt.Fprintf(&buf, "// fittedModel was fitted on action-label batches 1 to %d, both halves\n", tuneBatches)
	fmt.Fprintf(&buf, "// (%d items, %d vague). Chosen by %d-fold cross-validation repeated %d times:\n", fr.n, fr.pos, fitFolds, fitRepeats)
	fmt.Fprintf(&buf, "// %s, L2 penalty %g, threshold %.2f; out-of-fold criterion %.3f\n", best.variant.name, best.lambda, best.thr, best.obj)
	all := pooled(best.per)
	fmt.Fprintf(&buf, "// (all batches recall %.3f, specific flagged %.3f; by batch:", all.recall(), fpRate(all))
	for b := 1; b <= tuneBatches; b++ {
		fmt.Fprintf(&buf, " %d: %.3f, %.3f;", b, best.per[b].recall(), fpRate(best.per[b]))
	}
	fmt.Fprintf(&buf, ").\n")
	fmt.Fprintf(&buf, "var fittedModel = actionModel{\n\tWeights: [nFeatures]float64{\n")
	for i, name := range featureNames {
		fmt.Fprintf(&buf, "\t\t%s: %s, // %s\n", featureConst[i], strconvFloat(fr.w[i]), name)
	}
	fmt.Fprintf(&buf, "\t},\n\tBias: %s,\n\tThreshold: %s,\n\tWording: %v,\n\tRules: %v,\n\tVariant: %q,\n\tPenalty: %g,\n}\n",
		strconvFloat(fr.b), strconvFloat(best.thr), best.variant.wording, best.variant.rules, best.variant.name, best.lambda)
	src, err := format.Source(buf.Bytes())
	require.NoError(t, err)
	return src
}

// TestFittedModelIsReproducible refits the chosen variant on the tuning
// batches and fails when model_weights.go does not hold those weights (edited
// by hand, or the features, labels or fit changed without refitting). The
// cross-validated choice itself is rerun by TestFitActionModel (seconds, so
// behind AFTERMATH_FIT).
func TestFittedModelIsReproducible(t *testing.T) {
	items := loadTuningItems(t)
	var v *fitVariant
	for _, c := range fitVariants() {
		if c.name == fittedModel.Variant {
			v = &c
		}
	}
	require.NotNil(t, v, "model_weights.go names variant %q, which fitVariants does not have", fittedModel.Variant)
	require.Equal(t, v.wording, fittedModel.Wording)
	require.Equal(t, v.rules, fittedModel.Rules)
	w, b := fitLogistic(items, v.mask, fittedModel.Penalty)
	for i, name := range featureNames {
		require.Equal(t, strconvFloat(w[i]), strconvFloat(fittedModel.Weights[i]),
			"weight of %s: refit with AFTERMATH_FIT=write go test ./analyze/language -run TestFitActionModel, and re-evaluate (EVALUATION.md)", name)
	}
	require.Equal(t, strconvFloat(b), strconvFloat(fittedModel.Bias), "bias")
}

func TestFitActionModel(t *testing.T) {
	mode := os.Getenv("AFTERMATH_FIT")
	if mode == "" {
		t.Skip("set AFTERMATH_FIT=1 to fit the action-item model on the tuning batches (=write also writes model_weights.go)")
	}
	items := loadTuningItems(t)
	fr := fitActionModel(items)
	t.Logf("tuning items: %d (%d vague)", fr.n, fr.pos)
	for _, r := range fr.results {
		all := pooled(r.per)
		t.Logf("cv %-40s lambda=%-5g thr=%5.2f criterion=%.3f recall=%.3f fp=%.3f | batch1 %.3f %.3f batch2 %.3f %.3f batch3 %.3f %.3f", r.variant.name, r.lambda, r.thr, r.obj,
			all.recall(), fpRate(all), r.per[1].recall(), fpRate(r.per[1]), r.per[2].recall(), fpRate(r.per[2]), r.per[3].recall(), fpRate(r.per[3]))
	}
	best, w, b := fr.best, fr.w, fr.b
	t.Logf("chosen: %s, lambda %g, threshold %.2f, cv criterion %.3f", best.variant.name, best.lambda, best.thr, best.obj)
	for i, name := range featureNames {
		t.Logf("  %-15s %+.3f", name, w[i])
	}
	t.Logf("  %-15s %+.3f", "bias", b)
	var fit confusion
	for _, it := range items {
		fit.add(predictFit(it, scoreOf(it, w, b), best.thr, best.variant), it.vague)
	}
	if os.Getenv("AFTERMATH_FIT_MISSES") == "1" {
		// out-of-fold errors of the chosen variant (first repeat): tuning items only
		folds := foldsOf(items, 0)
		for f := 0; f < fitFolds; f++ {
			var train []fitItem
			for n, it := range items {
				if folds[n] != f {
					train = append(train, it)
				}
			}
			fw, fb := fitLogistic(train, best.variant.mask, best.lambda)
			for n, it := range items {
				if z := scoreOf(it, fw, fb); folds[n] == f && predictFit(it, z, best.thr, best.variant) != it.vague {
					t.Logf("tuning miss (out of fold): label=%v batch=%d z=%.2f x=%v %s", it.vague, it.batch, z, it.x, it.text)
				}
			}
		}
	}
	t.Logf("in-sample on the tuning batches: %s", fit.report())
	for _, p := range pinnedOnce() {
		if z := scoreOf(p.it, w, b); (p.mustFlag && z < best.thr+0.5) || (p.mustClear && z > best.thr-0.5) {
			t.Logf("pinned near the threshold: flag=%v clear=%v z=%.2f rules=(object %v, wording %v) %s", p.mustFlag, p.mustClear, z, p.it.x[fRuleObject], p.it.x[fRuleWording], p.it.text)
		}
	}
	if mode == "write" {
		require.NoError(t, os.WriteFile("model_weights.go", modelSource(t, fr), 0o644))
	}
}

// featureConst names the feature constants, for the generated file.
var featureConst = [nFeatures]string{
	"fRuleObject", "fRuleWording", "fParsed", "fClassWeak", "fClassInquire", "fClassCreate", "fClassConcrete",
	"fClassAssure", "fObjOpenEnded", "fObjGeneric", "fObjBare", "fObjNamed", "fRestOutcome", "fRestSpecific",
	"fOpenWords", "fScopeWords", "fOutcomeWords", "fInquiryWords", "fCodeLike", "fProperNames", "fNumber",
	"fCondition", "fDeictic", "fByMeans", "fConcreteVerb", "fSpecificWords", "fGenericShare", "fQualityWords",
	"fCommitFrame", "fEffortWords",
}

func strconvFloat(f float64) string {
	s := fmt.Sprintf("%.4f", f)
	if strings.HasPrefix(s, "-0.0000") || s == "0.0000" {
		return "0"
	}
	return s
}

func fpRate(c confusion) float64 { return float64(c.fp) / float64(max(1, c.fp+c.tn)) }
