package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"

	"github.com/aftermath-sre/aftermath/analyze"
)

func similarCommand() command {
	var n int
	var asJSON bool
	return command{
		name:    "similar",
		args:    "KEY",
		summary: "List the earlier postmortems most like the postmortem KEY (shared themes of the latest\nanalysis, contributing-factor wording, service), most similar first.",
		secrets: clickHouseSecrets,
		flags: func(fs *flag.FlagSet) {
			fs.IntVar(&n, "n", 3, "how many postmortems to list")
			fs.BoolVar(&asJSON, "json", false, "print JSON instead of text")
		},
		run: func(ctx context.Context, a *app, args []string) error {
			if len(args) != 1 || strings.TrimSpace(args[0]) == "" {
				return usagef("give exactly one postmortem key, e.g. `aftermath similar PM-123`")
			}
			if n < 1 {
				return usagef("--n: must be at least 1, got %d", n)
			}
			st, closeStore, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer closeStore()
			if err := st.CheckSchema(ctx); err != nil {
				return err
			}
			// SimilarMany rather than Similar: a key that is not in the store
			// is bad input (exit code 2), not a runtime failure.
			found, err := analyze.SimilarMany(ctx, st, args[0:1], n)
			if err != nil {
				return err
			}
			ms, ok := found[args[0]]
			if !ok {
				return usagef("no postmortem %q in the store", args[0])
			}
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				if ms == nil {
					ms = []analyze.SimilarPostmortem{}
				}
				return enc.Encode(map[string]any{"key": args[0], "similar": ms})
			}
			if len(ms) == 0 {
				fmt.Fprintf(a.stdout, "no earlier postmortem shares a theme, factor wording or service with %s\n", args[0])
				return nil
			}
			for i, m := range ms {
				fmt.Fprintf(a.stdout, "%d. %s  %s  (score %.2f, created %s)\n", i+1, m.Key, m.Title, m.Score, m.Created.Format("2006-01-02"))
				if len(m.SharedThemeLabels) > 0 {
					fmt.Fprintf(a.stdout, "   shared themes: %s\n", strings.Join(m.SharedThemeLabels, "; "))
				}
				fmt.Fprintf(a.stdout, "   factor wording %.2f, themes %.2f, service %.2f", m.FactorScore, m.ThemeScore, m.ServiceScore)
				if m.Service != "" {
					fmt.Fprintf(a.stdout, " (%s)", m.Service)
				}
				fmt.Fprintln(a.stdout)
				if m.URL != "" {
					fmt.Fprintf(a.stdout, "   %s\n", m.URL)
				}
			}
			return nil
		},
	}
}
