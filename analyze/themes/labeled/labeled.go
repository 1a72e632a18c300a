// Package labeled measures how well Aftermath's contributing-factor themes
// recover human-made cause labels on a file of labeled texts, next to a plain
// TF-IDF k-means baseline. It is what `aftermath evaluate themes` runs, so a
// team can check the clustering on its own labeled postmortems.
package labeled

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

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
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var out []Record
	skipped := 0
	seen := map[string]int{}
	for line := 1; sc.Scan(); line++ {
		b := sc.Bytes()
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			return nil, 0, fmt.Errorf("%s:%d: not a JSON object: %w", name, line, err)
		}
		str := func(field string, required bool) (string, error) {
			v, ok := raw[field]
			if !ok || string(v) == "null" {
				if required {
					return "", fmt.Errorf("%s:%d: field %s: missing", name, line, field)
				}
				return "", nil
			}
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return "", fmt.Errorf("%s:%d: field %s: must be a string", name, line, field)
			}
			if required && strings.TrimSpace(s) == "" {
				return "", fmt.Errorf("%s:%d: field %s: empty", name, line, field)
			}
			return s, nil
		}
		var rec Record
		var err error
		if rec.ID, err = str("id", true); err != nil {
			return nil, 0, err
		}
		if prev, dup := seen[rec.ID]; dup {
			return nil, 0, fmt.Errorf("%s:%d: field id: %q already on line %d", name, line, rec.ID, prev)
		}
		seen[rec.ID] = line
		if rec.Scheme, err = str("label_scheme", false); err != nil {
			return nil, 0, err
		}
		if rec.Scheme == "" {
			rec.Scheme = DefaultScheme
		}
		if opts.Scheme != "" && rec.Scheme != opts.Scheme {
			continue
		}
		if rec.Text, err = str(textField, true); err != nil {
			if v, ok := raw[textField]; opts.SkipMissingText && (!ok || string(v) == "null") {
				skipped++
				continue
			}
			return nil, 0, err
		}
		cat, err := str("category", true)
		if err != nil {
			return nil, 0, err
		}
		rec.Labels = map[string]string{"category": cat}
		fine, err := str("category_fine", false)
		if err != nil {
			return nil, 0, err
		}
		if fine != "" {
			rec.Labels["category_fine"] = fine
		}
		out = append(out, rec)
	}
	if err := sc.Err(); err != nil {
		return nil, 0, fmt.Errorf("%s: %w", name, err)
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
	// Seeds is how many clustering seeds (1..Seeds) each score is the mean
	// of; default 5.
	Seeds int
	// Themes are the clustering options (the seed is set per run).
	Themes themes.Options
}

// Method names, as in EVALUATION.md.
const (
	MethodAftermath = "aftermath (k chosen)"
	MethodBaseline  = "baseline TF-IDF k-means (k = #labels)"
)

// Row is the mean score of one method on one scheme and label.
type Row struct {
	Scheme, Label, Method string
	N, Labels             int // records, distinct label values
	Clusters              float64
	NMI, ARI, Purity      float64
}

// ErrTooFew is returned for a scheme with fewer than two records.
var ErrTooFew = errors.New("fewer than two records")

// Evaluate scores Aftermath's clustering (k chosen, as `aftermath analyze`
// does) and the baseline (given the true number of labels) on every scheme
// and label of recs. category_fine, where a scheme has it, falls back to
// category for records without one.
func Evaluate(recs []Record, opts Options) ([]Row, error) {
	if opts.Seeds <= 0 {
		opts.Seeds = 5
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
		labels := []string{"category"}
		for _, r := range rs {
			if _, ok := r.Labels["category_fine"]; ok {
				labels = append(labels, "category_fine")
				break
			}
		}
		items := make([]themes.Item, len(rs))
		texts := make([]string, len(rs))
		for i, r := range rs {
			items[i] = themes.Item{ID: r.ID, Text: r.Text}
			texts[i] = r.Text
		}
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
			var ours, base []eval.Scores
			for seed := uint64(1); seed <= uint64(opts.Seeds); seed++ {
				o := opts.Themes
				o.Seed = seed
				res, err := themes.Cluster(items, nil, o)
				if err != nil {
					return nil, fmt.Errorf("scheme %s: clustering: %w", sc, err)
				}
				pred := make([]string, len(items))
				for i, it := range items {
					if pred[i] = res.Assignments[it.ID]; pred[i] == "" {
						pred[i] = "unassigned"
					}
				}
				s, err := eval.Score(truth, pred)
				if err != nil {
					return nil, fmt.Errorf("scheme %s: %w", sc, err)
				}
				ours = append(ours, s)

				bp := eval.BaselineTFIDFKMeans(texts, k, seed)
				bs := make([]string, len(bp))
				for i, p := range bp {
					bs[i] = strconv.Itoa(p)
				}
				if s, err = eval.Score(truth, bs); err != nil {
					return nil, fmt.Errorf("scheme %s: %w", sc, err)
				}
				base = append(base, s)
			}
			rows = append(rows, mean(sc, label, MethodAftermath, len(rs), k, ours), mean(sc, label, MethodBaseline, len(rs), k, base))
		}
	}
	return rows, nil
}

func mean(scheme, label, method string, n, k int, ss []eval.Scores) Row {
	r := Row{Scheme: scheme, Label: label, Method: method, N: n, Labels: k}
	for _, s := range ss {
		r.Clusters += float64(s.Clusters)
		r.NMI += s.NMI
		r.ARI += s.ARI
		r.Purity += s.Purity
	}
	d := float64(len(ss))
	r.Clusters, r.NMI, r.ARI, r.Purity = r.Clusters/d, r.NMI/d, r.ARI/d, r.Purity/d
	return r
}

// WriteMarkdown writes rows as a Markdown table.
func WriteMarkdown(w io.Writer, rows []Row, seeds int) error {
	if seeds <= 0 {
		seeds = 5
	}
	var b strings.Builder
	fmt.Fprintf(&b, "| scheme / label | n | labels | method (mean of %d seeds) | clusters | NMI | ARI | purity |\n", seeds)
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s / %s | %d | %d | %s | %.1f | %.3f | %.3f | %.3f |\n",
			r.Scheme, r.Label, r.N, r.Labels, r.Method, r.Clusters, r.NMI, r.ARI, r.Purity)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
