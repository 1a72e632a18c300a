// Package labeled measures how well Aftermath's contributing-factor themes
// recover human-made cause labels on a file of labeled texts, next to a plain
// TF-IDF k-means baseline. It is what `aftermath evaluate themes` runs, so a
// team can check the clustering on its own labeled postmortems.
package labeled

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"

	"github.com/aftermath-sre/aftermath/analyze/internal/jsonl"
	"github.com/aftermath-sre/aftermath/analyze/themes"
	"github.com/aftermath-sre/aftermath/analyze/themes/eval"
)

// DefaultScheme is the label scheme of records that name none.
const DefaultScheme = "default"

// Record is one labeled text.
type Record struct {
	ID     string
	Scheme string // label_scheme: each scheme is scored on its own
	Text   string
	// Labels by name: "category" always, "category_fine" when the record
	// has one.
	Labels map[string]string
}

// ReadOptions tune Read.
type ReadOptions struct {
	TextField string // the field to cluster; default "text"
	Scheme    string // when set, only records of this label_scheme are read
	// SkipMissingText skips records without the text field (counted)
	// instead of failing on the first.
	SkipMissingText bool
}

// Read reads JSONL records (the shape of shared/data's files): id, category
// and the text field are required; label_scheme and category_fine are
// optional. name is the file's name for errors, which give its line and the
// field. skipped counts the records left out for SkipMissingText.
func Read(r io.Reader, name string, opts ReadOptions) ([]Record, int, error) {
	textField := opts.TextField
	if textField == "" {
		textField = "text"
	}
	var out []Record
	skipped := 0
	ids := jsonl.IDs{}
	err := jsonl.Each(r, name, func(o jsonl.Object) error {
		var rec Record
		var err error
		if rec.ID, err = ids.Read(o); err != nil {
			return err
		}
		if rec.Scheme, err = o.String("label_scheme", false); err != nil {
			return err
		}
		if rec.Scheme == "" {
			rec.Scheme = DefaultScheme
		}
		if opts.Scheme != "" && rec.Scheme != opts.Scheme {
			return nil
		}
		if rec.Text, err = o.String(textField, true); err != nil {
			if opts.SkipMissingText && !o.Has(textField) {
				skipped++
				return nil
			}
			return err
		}
		cat, err := o.String("category", true)
		if err != nil {
			return err
		}
		rec.Labels = map[string]string{"category": cat}
		fine, err := o.String("category_fine", false)
		if err != nil {
			return err
		}
		if fine != "" {
			rec.Labels["category_fine"] = fine
		}
		out = append(out, rec)
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	if len(out) == 0 && opts.Scheme != "" {
		return nil, 0, fmt.Errorf("%s: no records with label_scheme %q", name, opts.Scheme)
	}
	if len(out) == 0 {
		return nil, 0, fmt.Errorf("%s: no records", name)
	}
	return out, skipped, nil
}

// Options tune Evaluate.
type Options struct {
	// Seeds is how many seeds (1..Seeds) each score is the mean and spread
	// of: a seed fixes both the clustering seed and the random split into
	// folds. Default 20.
	Seeds int
	// Folds is the number of cross-validation folds; default 5 (at most
	// half the records).
	Folds int
	// Themes are the clustering options every grid entry starts from (the
	// seed is set per run).
	Themes themes.Options
	// Grid is the settings cross-validation chooses from; default
	// DefaultGrid().
	Grid []Setting
}

// Setting is one candidate of the cross-validated grid.
type Setting struct {
	Name  string
	Apply func(*themes.Options)
}

// DefaultGrid is the grid of cause-class settings chosen by
// cross-validation: the granularity of the class-driven themes (one theme
// per class or per group of classes), the least share of factors for a
// class or group of its own, and whether the other causes are split by
// kind of factor (Options.NoFactorKinds), next to the words alone (no cause
// classes).
func DefaultGrid() []Setting {
	grid := []Setting{{Name: "words only", Apply: func(o *themes.Options) { o.NoCauseClasses = true }}}
	for _, level := range []string{themes.LevelClass, themes.LevelGroup} {
		for _, share := range []float64{0.02, 0.05, 0.10, 0.15} {
			for _, kinds := range []bool{true, false} {
				name := fmt.Sprintf("%s, share %.2f", level, share)
				if !kinds {
					name += ", no kinds"
				}
				grid = append(grid, Setting{Name: name, Apply: func(o *themes.Options) {
					o.NoCauseClasses = false
					o.ClassLevel = level
					o.ClassMinShare = share
					o.NoFactorKinds = !kinds
				}})
			}
		}
	}
	return grid
}

// Method names, as in EVALUATION.md.
const (
	MethodCV       = "aftermath (settings chosen by CV)"
	MethodDefaults = "aftermath (default settings)"
	MethodBaseline = "baseline TF-IDF k-means (k = #labels)"
)

// Summary is the mean, standard deviation, least and greatest of one score
// over the seeds.
type Summary struct {
	Mean, SD, Min, Max float64
}

func summarize(xs []float64) Summary {
	if len(xs) == 0 {
		return Summary{}
	}
	s := Summary{Min: math.Inf(1), Max: math.Inf(-1)}
	for _, x := range xs {
		s.Mean += x
		s.Min = math.Min(s.Min, x)
		s.Max = math.Max(s.Max, x)
	}
	s.Mean /= float64(len(xs))
	for _, x := range xs {
		s.SD += (x - s.Mean) * (x - s.Mean)
	}
	if len(xs) > 1 {
		s.SD = math.Sqrt(s.SD / float64(len(xs)-1))
	} else {
		s.SD = 0
	}
	return s
}

// Row is one method on one scheme and label. Scores are summaries over the
// seeds of the mean over the test folds (MethodDefaults: of the whole set).
type Row struct {
	Scheme, Label, Method string
	N, Labels             int // records, distinct label values
	Folds                 int // the folds used: fewer than asked when the records are few
	Clusters              float64
	NMI, ARI, Purity      Summary
	// Chosen counts how often cross-validation chose each setting (over
	// seeds and folds); MethodCV only.
	Chosen map[string]int
}

// ErrTooFew is returned for a scheme with fewer than two records.
var ErrTooFew = errors.New("fewer than two records")

// ErrOneLabel is returned for a scheme whose records all carry the same
// category: ARI and NMI compare two groupings, and one label is no grouping
// (any themes score 0, or 1 for one theme).
var ErrOneLabel = errors.New("every record has the same category: the scores compare the themes with a grouping of the records, which needs at least two categories")

// Evaluate measures Aftermath's themes against the labels of every scheme
// and label of recs, honestly: for each seed, the records are split into
// folds at random; for each fold, the setting of the grid with the best
// ARI on the other folds is chosen and scored on the fold alone (the
// clustering itself never sees labels). The default settings (as
// `aftermath analyze` runs) and the TF-IDF k-means baseline given the true
// number of labels are scored on the same folds. category_fine, where a
// scheme has it, falls back to category for records without one.
func Evaluate(recs []Record, opts Options) ([]Row, error) {
	if opts.Seeds <= 0 {
		opts.Seeds = 20
	}
	if opts.Folds <= 0 {
		opts.Folds = 5
	}
	if len(opts.Grid) == 0 {
		opts.Grid = DefaultGrid()
	}
	byScheme := map[string][]Record{}
	var schemes []string
	for _, r := range recs {
		if _, ok := byScheme[r.Scheme]; !ok {
			schemes = append(schemes, r.Scheme)
		}
		byScheme[r.Scheme] = append(byScheme[r.Scheme], r)
	}
	sort.Strings(schemes)
	var rows []Row
	for _, sc := range schemes {
		rs := byScheme[sc]
		if len(rs) < 2 {
			return nil, fmt.Errorf("scheme %s: %w", sc, ErrTooFew)
		}
		r, err := evaluateScheme(sc, rs, opts)
		if err != nil {
			return nil, fmt.Errorf("scheme %s: %w", sc, err)
		}
		rows = append(rows, r...)
	}
	return rows, nil
}

func evaluateScheme(sc string, rs []Record, opts Options) ([]Row, error) {
	distinct := func(label string) int {
		values := map[string]bool{}
		for _, r := range rs {
			v, ok := r.Labels[label]
			if !ok {
				v = r.Labels["category"]
			}
			values[v] = true
		}
		return len(values)
	}
	if distinct("category") < 2 {
		return nil, ErrOneLabel
	}
	labels := []string{"category"}
	for _, r := range rs {
		if _, ok := r.Labels["category_fine"]; ok {
			if distinct("category_fine") >= 2 {
				labels = append(labels, "category_fine")
			}
			break
		}
	}
	items := make([]themes.Item, len(rs))
	texts := make([]string, len(rs))
	for i, r := range rs {
		items[i] = themes.Item{ID: r.ID, Text: r.Text}
		texts[i] = r.Text
	}
	folds := max(2, min(opts.Folds, len(rs)/2))
	type perSeed struct {
		grid     [][]string // per setting, per record
		deflt    []string
		clusters []int
		defK     int
		base     map[int][]string // k -> baseline prediction
		fold     []int
	}
	runs := make([]perSeed, opts.Seeds)
	cluster := func(o themes.Options) ([]string, int, error) {
		res, err := themes.Cluster(items, nil, o)
		if err != nil {
			return nil, 0, fmt.Errorf("clustering: %w", err)
		}
		pred := make([]string, len(items))
		for i, it := range items {
			if pred[i] = res.Assignments[it.ID]; pred[i] == "" {
				pred[i] = "unassigned"
			}
		}
		return pred, len(res.Themes), nil
	}
	for s := range runs {
		seed := uint64(s + 1)
		run := perSeed{base: map[int][]string{}}
		for _, g := range opts.Grid {
			o := opts.Themes
			o.Seed = seed
			g.Apply(&o)
			pred, k, err := cluster(o)
			if err != nil {
				return nil, err
			}
			run.grid = append(run.grid, pred)
			run.clusters = append(run.clusters, k)
		}
		o := opts.Themes
		o.Seed = seed
		pred, k, err := cluster(o)
		if err != nil {
			return nil, err
		}
		run.deflt, run.defK = pred, k
		rng := rand.New(rand.NewPCG(seed, 0xc0ffee))
		perm := rng.Perm(len(rs))
		run.fold = make([]int, len(rs))
		for pos, i := range perm {
			run.fold[i] = pos % folds
		}
		runs[s] = run
	}
	var rows []Row
	for _, label := range labels {
		truth := make([]string, len(rs))
		values := map[string]bool{}
		for i, r := range rs {
			v, ok := r.Labels[label]
			if !ok {
				v = r.Labels["category"]
			}
			truth[i] = v
			values[v] = true
		}
		k := len(values)
		cv := Row{Scheme: sc, Label: label, Method: MethodCV, N: len(rs), Labels: k, Folds: folds, Chosen: map[string]int{}}
		def := Row{Scheme: sc, Label: label, Method: MethodDefaults, N: len(rs), Labels: k, Folds: folds}
		base := Row{Scheme: sc, Label: label, Method: MethodBaseline, N: len(rs), Labels: k, Folds: folds}
		var cvS, defS, baseS [3][]float64 // ARI, NMI, purity per seed
		for s, run := range runs {
			bp, ok := run.base[k]
			if !ok {
				for _, p := range eval.BaselineTFIDFKMeans(texts, k, uint64(s+1)) {
					bp = append(bp, strconv.Itoa(p))
				}
				run.base[k] = bp
			}
			var cvF, defF, baseF [3]float64
			for f := 0; f < folds; f++ {
				var train, test []int
				for i, fi := range run.fold {
					if fi == f {
						test = append(test, i)
					} else {
						train = append(train, i)
					}
				}
				best, bestARI := 0, math.Inf(-1)
				for g, pred := range run.grid {
					a, err := eval.ARI(pick(truth, train), pick(pred, train))
					if err != nil {
						return nil, err
					}
					if a > bestARI {
						best, bestARI = g, a
					}
				}
				cv.Chosen[opts.Grid[best].Name]++
				cv.Clusters += float64(run.clusters[best]) / float64(folds*len(runs))
				for j, pred := range [][]string{run.grid[best], run.deflt, bp} {
					score, err := eval.Score(pick(truth, test), pick(pred, test))
					if err != nil {
						return nil, err
					}
					acc := []*[3]float64{&cvF, &defF, &baseF}[j]
					acc[0] += score.ARI / float64(folds)
					acc[1] += score.NMI / float64(folds)
					acc[2] += score.Purity / float64(folds)
				}
			}
			for m := 0; m < 3; m++ {
				cvS[m] = append(cvS[m], cvF[m])
				defS[m] = append(defS[m], defF[m])
				baseS[m] = append(baseS[m], baseF[m])
			}
			def.Clusters += float64(run.defK) / float64(len(runs))
		}
		base.Clusters = float64(k)
		for _, x := range []struct {
			r *Row
			s [3][]float64
		}{{&cv, cvS}, {&def, defS}, {&base, baseS}} {
			x.r.ARI, x.r.NMI, x.r.Purity = summarize(x.s[0]), summarize(x.s[1]), summarize(x.s[2])
		}
		rows = append(rows, cv, def, base)
	}
	return rows, nil
}

func pick(xs []string, idx []int) []string {
	out := make([]string, len(idx))
	for i, j := range idx {
		out[i] = xs[j]
	}
	return out
}

// WriteMarkdown writes rows as a Markdown table: each score as the mean ±
// standard deviation over the seeds, with the range.
func WriteMarkdown(w io.Writer, rows []Row, seeds, folds int) error {
	var b strings.Builder
	fmt.Fprintf(&b, "| scheme / label | n | labels | method (%d seeds x %d folds) | themes | ARI mean ± sd [min, max] | NMI mean ± sd | purity | settings chosen |\n", seeds, folds)
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s / %s | %d | %d | %s | %.1f | %.3f ± %.3f [%.3f, %.3f] | %.3f ± %.3f | %.3f | %s |\n",
			r.Scheme, r.Label, r.N, r.Labels, r.Method, r.Clusters, r.ARI.Mean, r.ARI.SD, r.ARI.Min, r.ARI.Max,
			r.NMI.Mean, r.NMI.SD, r.Purity.Mean, chosenText(r.Chosen))
	}
	// A scheme with few records has fewer folds than asked (each fold needs
	// at least two records): say so rather than let the header mislead.
	noted := map[string]bool{}
	for _, r := range rows {
		if r.Folds > 0 && r.Folds != folds && !noted[r.Scheme] {
			noted[r.Scheme] = true
			fmt.Fprintf(&b, "\n%s: %d records, so %d folds instead of %d (each fold holds at least two records).\n", r.Scheme, r.N, r.Folds, folds)
		}
	}
	b.WriteString("\nHow to read it: ARI (adjusted Rand index) is 0 for themes no better than chance and 1 for themes that " +
		"reproduce the labels exactly; NMI (normalized mutual information, 0-1) and purity (the share of records in their " +
		"theme's most common label) also rise with more, smaller themes, so compare methods by ARI. The baseline is " +
		"TF-IDF k-means told the true number of labels; the CV row is scored only on records it did not choose its " +
		"settings on, the defaults row is what `aftermath analyze` uses.\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func chosenText(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	var total int
	for _, n := range m {
		total += n
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	var parts []string
	for _, k := range keys[:min(3, len(keys))] {
		parts = append(parts, fmt.Sprintf("%s (%.0f%%)", k, 100*float64(m[k])/float64(total)))
	}
	return strings.Join(parts, "; ")
}
