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
	return command{
		name: "evaluate",
		args: "themes FILE.jsonl",
		summary: "Measure how well the contributing-factor themes recover human cause labels: cluster the texts of\n" +
			"a JSONL file (id, text, category; optional label_scheme and category_fine) as `analyze` does, and\n" +
			"print NMI, ARI and purity per label scheme next to a TF-IDF k-means baseline given the true k.",
		flags: func(fs *flag.FlagSet) func(context.Context, *app, []string) error {
			textField := fs.String("text-field", "text", "the record field to cluster (for example full_text)")
			seeds := fs.Int("seeds", 5, "clustering seeds each score is the mean of")
			scheme := fs.String("scheme", "", "evaluate only the records of this label_scheme")
			skip := fs.Bool("skip-missing-text", false, "leave out records without the text field instead of failing")
			return func(ctx context.Context, a *app, args []string) error {
				if len(args) < 2 || args[0] != "themes" {
					return usagef("usage: aftermath evaluate themes FILE.jsonl [--text-field F] [--scheme S] [--skip-missing-text] [--seeds N]")
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
				f, err := os.Open(args[1])
				if err != nil {
					return usageError{err}
				}
				defer f.Close()
				recs, skipped, err := labeled.Read(f, args[1], labeled.ReadOptions{TextField: *textField, Scheme: *scheme, SkipMissingText: *skip})
				if err != nil {
					return usageError{err}
				}
				rows, err := labeled.Evaluate(recs, labeled.Options{Seeds: *seeds})
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
				return labeled.WriteMarkdown(a.stdout, rows, *seeds)
			}
		},
	}
}
