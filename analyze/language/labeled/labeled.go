// Package labeled measures the language checks on a team's own labeled
// texts: action items labeled vague or specific, and postmortem sentences
// labeled blaming or not. EVALUATION.md measures the checks on public
// postmortems; how well they carry over to another organization's writing
// is best measured on its own items, and `aftermath evaluate language`
// does that with this package.
package labeled

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/aftermath-sre/aftermath/analyze/internal/calc"
	"github.com/aftermath-sre/aftermath/analyze/internal/jsonl"
	"github.com/aftermath-sre/aftermath/analyze/language"
)

// Record is one labeled text: an action item's summary (Vague set) or a
// postmortem sentence (Blame set); a text may carry both labels.
type Record struct {
	ID, Text     string
	Vague, Blame *bool
	Line         int // in the file, for reports
}

// ErrNoLabels is returned when a file holds no labeled record.
var ErrNoLabels = errors.New("no record with a vague or blame label")

// Read reads JSON Lines: one object a line with "id" and "text" (strings)
// and "vague" or "blame" (booleans), or both. name is used in errors, which
// give the line and the field.
func Read(r io.Reader, name string) ([]Record, error) {
	var out []Record
	ids := jsonl.IDs{}
	err := jsonl.Each(r, name, func(o jsonl.Object) error {
		rec := Record{Line: o.Line()}
		var err error
		if rec.ID, err = ids.Read(o); err != nil {
			return err
		}
		if rec.Text, err = o.String("text", true); err != nil {
			return err
		}
		if rec.Vague, err = o.Bool("vague"); err != nil {
			return err
		}
		if rec.Blame, err = o.Bool("blame"); err != nil {
			return err
		}
		if rec.Vague == nil && rec.Blame == nil {
			return fmt.Errorf("%s:%d: fields vague and blame: missing (one of them labels the text)", name, o.Line())
		}
		out = append(out, rec)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w", name, ErrNoLabels)
	}
	return out, nil
}

// Counts is a check's confusion against the labels.
type Counts struct {
	TP, FP, FN, TN int
}

// N is the number of labeled texts.
func (c Counts) N() int { return c.TP + c.FP + c.FN + c.TN }

// Positives are the texts labeled vague (or blaming).
func (c Counts) Positives() int { return c.TP + c.FN }

// Ratio is a share k of n with its Wilson 95% interval.
type Ratio struct {
	K, N          int
	Value, Lo, Hi float64 // Value is NaN when N is 0
}

func ratio(k, n int) Ratio {
	r := Ratio{K: k, N: n, Value: math.NaN(), Lo: 0, Hi: 1}
	if n > 0 {
		r.Value = float64(k) / float64(n)
		r.Lo, r.Hi = calc.Wilson(k, n)
	}
	return r
}

// String formats the share, e.g. "0.800 [0.65, 0.90] (32/40)".
func (r Ratio) String() string {
	if r.N == 0 {
		return "– (0/0)"
	}
	return fmt.Sprintf("%.3f [%.2f, %.2f] (%d/%d)", r.Value, r.Lo, r.Hi, r.K, r.N)
}

// Precision is the share of flagged texts that are labeled positive.
func (c Counts) Precision() Ratio { return ratio(c.TP, c.TP+c.FP) }

// Recall is the share of positive texts flagged.
func (c Counts) Recall() Ratio { return ratio(c.TP, c.TP+c.FN) }

// FalseFlags is the share of negative texts (specific items, blameless
// sentences) flagged.
func (c Counts) FalseFlags() Ratio { return ratio(c.FP, c.FP+c.TN) }

// Disagreement is a text the check and its label disagree on.
type Disagreement struct {
	Record
	Check string // "vague" or "blame"
	Label bool   // what the record says
	// Rules and Why are the check's findings when it flagged the text.
	Rules []string
	Why   string
}

// Report is the checks' agreement with the labels.
type Report struct {
	Vague, Blame  Counts
	Disagreements []Disagreement // in the file's order
	// Rules are the texts each rule flagged, in check and rule order: a
	// text flagged by two rules counts under both. A rule whose flags are
	// mostly labeled negative is one to distrust on this writing.
	Rules []RuleCount
}

// RuleCount is what one rule of a check flagged.
type RuleCount struct {
	Check, Rule string
	Flagged     int // texts the rule flagged
	Positive    int // of them, labeled positive (vague, blaming)
}

// Precision is the share of the rule's flags labeled positive.
func (r RuleCount) Precision() Ratio { return ratio(r.Positive, r.Flagged) }

// Options configure Evaluate.
type Options struct {
	// Names are people's names the blame check knows (as analysis passes
	// the organization's users).
	Names []string
}

// Evaluate runs the checks as the analysis does: an action item is vague
// when any vague-wording finding is made (its owner and due date aside), a
// sentence blames when CheckBlame finds anything in it.
func Evaluate(recs []Record, opts Options) Report {
	c := language.NewChecker(language.BlameOptions{Names: opts.Names})
	var rep Report
	byRule := map[[2]string]*RuleCount{}
	for _, r := range recs {
		judge := func(check string, label bool, counts *Counts, fs []language.Finding, counted func(string) bool) {
			var rules []string
			why := ""
			for _, f := range fs {
				if counted(f.Rule) && !slices.Contains(rules, f.Rule) {
					rules = append(rules, f.Rule)
					if why == "" {
						why = f.Why
					}
					k := [2]string{check, f.Rule}
					rc := byRule[k]
					if rc == nil {
						rc = &RuleCount{Check: check, Rule: f.Rule}
						byRule[k] = rc
					}
					rc.Flagged++
					if label {
						rc.Positive++
					}
				}
			}
			pred := len(rules) > 0
			tally(counts, pred, label)
			if pred != label {
				rep.Disagreements = append(rep.Disagreements, Disagreement{Record: r, Check: check, Label: label, Rules: rules, Why: why})
			}
		}
		if r.Vague != nil {
			judge("vague", *r.Vague, &rep.Vague, c.CheckActionItem(r.Text, true, true), language.IsVagueRule)
		}
		if r.Blame != nil {
			judge("blame", *r.Blame, &rep.Blame, c.CheckBlame(r.Text), func(string) bool { return true })
		}
	}
	for _, rc := range byRule {
		rep.Rules = append(rep.Rules, *rc)
	}
	slices.SortFunc(rep.Rules, func(a, b RuleCount) int {
		return cmp.Or(strings.Compare(a.Check, b.Check), strings.Compare(a.Rule, b.Rule))
	})
	return rep
}

func tally(c *Counts, pred, label bool) {
	switch {
	case pred && label:
		c.TP++
	case pred:
		c.FP++
	case label:
		c.FN++
	default:
		c.TN++
	}
}

// WriteMarkdown writes the report as a Markdown table, and the
// disagreements when misses is set.
func WriteMarkdown(w io.Writer, rep Report, misses bool) error {
	var b strings.Builder
	b.WriteString("| check | texts | labeled positive | flagged | precision | recall | negatives flagged |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	row := func(name string, c Counts) {
		if c.N() == 0 {
			return
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %s | %s | %s |\n", name, c.N(), c.Positives(), c.TP+c.FP,
			c.Precision(), c.Recall(), c.FalseFlags())
	}
	row("vague action items", rep.Vague)
	row("blaming sentences", rep.Blame)
	b.WriteString("\nShares with their Wilson 95% intervals. Negatives flagged: specific action items called vague, blameless sentences called blaming.\n")
	if len(rep.Rules) > 0 {
		b.WriteString("\nBy rule (a text flagged by two rules counts under both):\n\n| check | rule | flagged | labeled positive |\n|---|---|---|---|\n")
		for _, r := range rep.Rules {
			fmt.Fprintf(&b, "| %s | %s | %d | %s |\n", r.Check, r.Rule, r.Flagged, r.Precision())
		}
	}
	if misses {
		fmt.Fprintf(&b, "\n%d disagreements:\n\n", len(rep.Disagreements))
		for _, d := range rep.Disagreements {
			verdict := "not flagged"
			if len(d.Rules) > 0 {
				verdict = "flagged " + strings.Join(d.Rules, ", ") + ": " + d.Why
			}
			fmt.Fprintf(&b, "- line %d, %s, labeled %s %v, %s: %q\n", d.Line, d.ID, d.Check, d.Label, verdict, d.Text)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
