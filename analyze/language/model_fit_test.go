package language

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"go/format"
	"math"
	"os"
	"sort"
	"strings"
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
// flagged (see criterion).
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
}

func fitVariants() []fitVariant {
	var all, noRules [nFeatures]bool
	for i := range all {
		all[i] = true
		noRules[i] = i != fRuleObject && i != fRuleWording
	}
	return []fitVariant{
		{"all features", all, false},
		{"all features, wording rules final", all, true},
		{"no rule outputs", noRules, false},
		{"no rule outputs, wording rules final", noRules, true},
	}
}

func loadTuningItems(t *testing.T) []fitItem { return loadLabeledItems(t, tuneBatches) }

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

// fitLogistic fits an L2-penalized logistic regression with the signs of
// featureSign: it fits, drops the feature whose weight has the wrong sign by
// the most, and refits, until every weight has its sign.
func fitLogistic(items []fitItem, mask [nFeatures]bool, lambda float64) (w [nFeatures]float64, bias float64) {
	for {
		w, bias = fitLogisticFree(items, mask, lambda)
		worst, by := -1, 0.0
		for i, sg := range featureSign {
			if v := w[i] * float64(sg); mask[i] && v < -by {
				worst, by = i, -v
			}
		}
		if worst < 0 {
			return w, bias
		}
		mask[worst] = false
	}
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
	beta := make([]float64, d)
	rows := make([]float64, len(items)*d)
	ys := make([]float64, len(items))
	for n, it := range items {
		r := rows[n*d : (n+1)*d]
		for k, i := range idx {
			r[k] = it.x[i]
		}
		r[d-1] = 1
		if it.vague {
			ys[n] = 1
		}
	}
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
		for n := range items {
			r := rows[n*d : (n+1)*d]
			z := 0.0
			for k, v := range r {
				z += beta[k] * v
			}
			p := 1 / (1 + math.Exp(-z))
			q := p * (1 - p)
			for k, v := range r {
				if v == 0 {
					continue
				}
				g[k] += (p - ys[n]) * v
				qv := q * v
				hk := h[k]
				for j := k; j < d; j++ {
					hk[j] += qv * r[j]
				}
			}
		}
		for k := 0; k < d; k++ {
			for j := 0; j < k; j++ {
				h[k][j] = h[j][k]
			}
		}
		for k := 0; k < d-1; k++ {
			g[k] += lambda * beta[k]
			h[k][k] += lambda
		}
		h[d-1][d-1] += 1e-9
		step := solve(h, g)
		maxStep := 0.0
		for k := range beta {
			beta[k] -= step[k]
			maxStep = math.Max(maxStep, math.Abs(step[k]))
		}
		if maxStep < 1e-9 {
			break
		}
	}
	for k, i := range idx {
		w[i] = beta[k]
	}
	return w, beta[d-1]
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

func predictFit(it fitItem, z, thr float64, wording bool) bool {
	return z >= thr || (wording && it.x[fRuleWording] == 1)
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
	thr     float64
	obj     float64
	per     map[int]confusion // at thr, summed over repeats
}

// crossValidate returns, for one variant and penalty, the out-of-fold
// scores of every repeat, the threshold with the best mean criterion and
// that criterion.
func crossValidate(items []fitItem, v fitVariant, lambda float64) cvResult {
	folds := make([][]int, fitRepeats)
	for r := range folds {
		folds[r] = foldsOf(items, r)
	}
	return crossValidateFolds(items, v, lambda, folds)
}

// crossValidateFolds is crossValidate over given fold assignments, one per
// repeat (fold numbers 0 to fitFolds-1).
func crossValidateFolds(items []fitItem, v fitVariant, lambda float64, repeats [][]int) cvResult {
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
			w, b := fitLogistic(train, v.mask, lambda)
			for n, it := range items {
				if folds[n] == f {
					oof[r][n] = scoreOf(it, w, b)
				}
			}
		}
	}
	best := cvResult{variant: v, lambda: lambda, obj: math.Inf(-1)}
	for _, thr := range fitThresholds {
		per := map[int]confusion{}
		for r := 0; r < fitRepeats; r++ {
			pred := make([]bool, len(items))
			for n, it := range items {
				pred[n] = predictFit(it, oof[r][n], thr, v.wording)
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
	for _, v := range fitVariants() {
		for _, l := range fitLambdas {
			fr.results = append(fr.results, crossValidate(items, v, l))
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
	fmt.Fprintf(&buf, "\t},\n\tBias: %s,\n\tThreshold: %s,\n\tWording: %v,\n\tVariant: %q,\n\tPenalty: %g,\n}\n",
		strconvFloat(fr.b), strconvFloat(best.thr), best.variant.wording, best.variant.name, best.lambda)
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
		fit.add(predictFit(it, scoreOf(it, w, b), best.thr, best.variant.wording), it.vague)
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
				if z := scoreOf(it, fw, fb); folds[n] == f && predictFit(it, z, best.thr, best.variant.wording) != it.vague {
					t.Logf("tuning miss (out of fold): label=%v batch=%d z=%.2f x=%v %s", it.vague, it.batch, z, it.x, it.text)
				}
			}
		}
	}
	t.Logf("in-sample on the tuning batches: %s", fit.report())
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
