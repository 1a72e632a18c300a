package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"

	langlabeled "github.com/aftermath-sre/aftermath/analyze/language/labeled"
	"github.com/aftermath-sre/aftermath/analyze/themes/labeled"
)

const evaluateUsage = "usage: aftermath evaluate themes FILE.jsonl [--text-field F] [--scheme S] [--skip-missing-text] [--seeds N] [--folds N]\n" +
	"       aftermath evaluate language FILE.jsonl [--names A,B] [--misses]"

// evaluateFlags are the flags of each evaluation; a flag of another one is
// bad usage (the common flags, --config and --log.*, are not listed).
var evaluateFlags = map[string][]string{
	"themes":   {"text-field", "seeds", "folds", "scheme", "skip-missing-text"},
	"language": {"names", "misses"},
}

func evaluateCommand() command {
	// fs is the command's flag set, for telling which flags were given.
	var fs *flag.FlagSet
	var textField, scheme *string
	var seeds, folds *int
	var skip, misses *bool
	var names *string
	return command{
		name: "evaluate",
		args: "themes|language FILE.jsonl",
		summary: "Measure the themes or the language checks against texts people labeled.\n\n" +
			"themes: measure how well the contributing-factor themes recover human cause labels: cluster the\n" +
			"texts of a JSONL file (id, text, category; optional label_scheme and category_fine) as `analyze` does,\n" +
			"choose the theme settings by k-fold cross-validation (never scoring a record used to choose), and\n" +
			"print ARI, NMI and purity per label scheme as mean ± sd over the seeds, next to the default settings\n" +
			"and a TF-IDF k-means baseline given the true k. ISSRE'22 labels also get the cause-class accuracy.\n\n" +
			"language: measure the language checks on your own labeled texts: a JSONL file of id, text and\n" +
			"vague (true/false, for an action item's summary) or blame (true/false, for a postmortem sentence);\n" +
			"prints precision, recall and the share of negatives flagged, with 95% intervals, and by rule how\n" +
			"many texts each rule flagged and how many of them were labeled positive.",
		flags: func(f *flag.FlagSet) {
			fs = f
			textField = fs.String("text-field", "text", "the record field to cluster (for example full_text)")
			seeds = fs.Int("seeds", 20, "seeds (clustering and fold split) each score is the mean and spread of")
			folds = fs.Int("folds", 5, "cross-validation folds")
			scheme = fs.String("scheme", "", "evaluate only the records of this label_scheme")
			skip = fs.Bool("skip-missing-text", false, "leave out records without the text field instead of failing")
			names = fs.String("names", "", "language: comma-separated names of people the blame check knows (analysis passes the organization's users)")
			misses = fs.Bool("misses", false, "language: list every text the checks and the labels disagree on")
		},
		run: func(ctx context.Context, a *app, args []string) error {
			if len(args) < 2 || evaluateFlags[args[0]] == nil {
				return usagef(evaluateUsage)
			}
			if len(args) > 2 {
				return usagef("%s: unexpected argument %q", args[0], args[2])
			}
			var wrong error
			fs.Visit(func(f *flag.Flag) {
				for other, flags := range evaluateFlags {
					if wrong == nil && other != args[0] && slices.Contains(flags, f.Name) {
						wrong = usagef("--%s: a flag of evaluate %s, not of evaluate %s", f.Name, other, args[0])
					}
				}
			})
			if wrong != nil {
				return wrong
			}
			if args[0] == "language" {
				return evaluateLanguage(a, args[1], *names, *misses)
			}
			if *seeds < 1 || *seeds > 100 {
				return usagef("--seeds: must be between 1 and 100, got %d", *seeds)
			}
			if *folds < 2 || *folds > 20 {
				return usagef("--folds: must be between 2 and 20, got %d", *folds)
			}
			f, err := os.Open(args[1])
			if err != nil {
				return usageError{err}
			}
			defer f.Close()
			recs, skipped, err := labeled.Read(f, args[1], labeled.ReadOptions{TextField: *textField, Scheme: *scheme, SkipMissingText: *skip})
			if err != nil {
				return usageError{err}
			}
			rows, err := labeled.Evaluate(recs, labeled.Options{Seeds: *seeds, Folds: *folds})
			if errors.Is(err, labeled.ErrTooFew) || errors.Is(err, labeled.ErrOneLabel) {
				return usageError{fmt.Errorf("%s: %w", args[1], err)}
			}
			if err != nil {
				return fmt.Errorf("themes: %w", err)
			}
			fmt.Fprintf(a.stdout, "# %s: %d records, field %s", args[1], len(recs), *textField)
			if skipped > 0 {
				fmt.Fprintf(a.stdout, " (%d without it left out)", skipped)
			}
			fmt.Fprint(a.stdout, "\n\n")
			if err := labeled.WriteMarkdown(a.stdout, rows, *seeds, *folds); err != nil {
				return err
			}
			if acc := labeled.ClassAccuracy(recs); acc.N > 0 {
				fmt.Fprintf(a.stdout, "\ncause class accuracy against the mapped ISSRE'22 labels: %d of %d = %.3f\n", acc.Correct, acc.N, acc.Accuracy())
			}
			return nil
		},
	}
}

// evaluateLanguage measures the language checks on a file of labeled texts.
func evaluateLanguage(a *app, file, names string, misses bool) error {
	f, err := os.Open(file)
	if err != nil {
		return usageError{err}
	}
	defer f.Close()
	recs, err := langlabeled.Read(f, file)
	if err != nil {
		return usageError{err}
	}
	var opts langlabeled.Options
	for _, n := range strings.Split(names, ",") {
		if n = strings.TrimSpace(n); n != "" {
			opts.Names = append(opts.Names, n)
		}
	}
	rep := langlabeled.Evaluate(recs, opts)
	fmt.Fprintf(a.stdout, "# %s: %d action items (%d labeled vague), %d sentences (%d labeled blaming)\n\n",
		file, rep.Vague.N(), rep.Vague.Positives(), rep.Blame.N(), rep.Blame.Positives())
	return langlabeled.WriteMarkdown(a.stdout, rep, misses)
}
