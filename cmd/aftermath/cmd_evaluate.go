package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/aftermath-sre/aftermath/analyze/themes/labeled"
)

func evaluateCommand() command {
	// fs is the command's flag set: flags may also follow the file, so run
	// parses what follows it.
	var fs *flag.FlagSet
	var textField, scheme *string
	var seeds, folds *int
	var skip *bool
	return command{
		name: "evaluate",
		args: "themes FILE.jsonl",
		summary: "Measure how well the contributing-factor themes recover human cause labels: cluster the texts of\n" +
			"a JSONL file (id, text, category; optional label_scheme and category_fine) as `analyze` does, choose\n" +
			"the theme settings by k-fold cross-validation (never scoring a record used to choose), and print\n" +
			"ARI, NMI and purity per label scheme as mean ± sd over the seeds, next to the default settings and\n" +
			"a TF-IDF k-means baseline given the true k. ISSRE'22 labels also get the cause-class accuracy.",
		flags: func(f *flag.FlagSet) {
			fs = f
			textField = fs.String("text-field", "text", "the record field to cluster (for example full_text)")
			seeds = fs.Int("seeds", 20, "seeds (clustering and fold split) each score is the mean and spread of")
			folds = fs.Int("folds", 5, "cross-validation folds")
			scheme = fs.String("scheme", "", "evaluate only the records of this label_scheme")
			skip = fs.Bool("skip-missing-text", false, "leave out records without the text field instead of failing")
		},
		run: func(ctx context.Context, a *app, args []string) error {
			if len(args) < 2 || args[0] != "themes" {
				return usagef("usage: aftermath evaluate themes FILE.jsonl [--text-field F] [--scheme S] [--skip-missing-text] [--seeds N] [--folds N]")
			}
			if err := fs.Parse(args[2:]); err != nil { // flags after the file
				return usageError{err}
			}
			if fs.NArg() > 0 {
				return usagef("evaluate themes: unexpected argument %q", fs.Arg(0))
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
			if errors.Is(err, labeled.ErrTooFew) {
				return usageError{fmt.Errorf("%s: %w", args[1], err)}
			}
			if err != nil {
				return fmt.Errorf("evaluate themes: %w", err)
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
