package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/aftermath-sre/aftermath/analyze"
	"github.com/aftermath-sre/aftermath/digest"
)

func digestCommand() command {
	var month, team, out string
	var deliver bool
	return command{
		name:    "digest",
		summary: "Write the monthly learning-culture digest (self-contained HTML and Markdown) from the\nlatest analysis, and deliver it by webhook or mail when the config enables that.",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&month, "month", "", "month YYYY-MM (default: the previous month in digest.time_zone)")
			fs.StringVar(&team, "team", "", "only this team (default: the whole organization)")
			fs.StringVar(&out, "out", "", "output folder (default: digest.output_dir)")
			fs.BoolVar(&deliver, "deliver", true, "deliver through the channels enabled in the config")
		},
		secrets: digestSecrets,
		run: func(ctx context.Context, a *app, _ []string) error {
			if month != "" {
				if _, err := digest.ParseMonth(month); err != nil {
					return usagef("--month: %v", err)
				}
			}
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			loc, err := time.LoadLocation(cfg.Digest.TimeZone)
			if err != nil {
				return usagef("digest.time_zone: %v", err)
			}
			if out == "" {
				out = cfg.Digest.OutputDir
			}
			st, closeStore, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer closeStore()
			if err := st.CheckSchema(ctx); err != nil {
				return err
			}
			d, err := digest.Build(ctx, st, digest.Options{Month: month, Team: team, Location: loc, BaseURL: cfg.Digest.BaseURL, Logger: a.logger,
				Similar: func(ctx context.Context, keys []string, n int) (map[string][]analyze.SimilarPostmortem, error) {
					return analyze.SimilarMany(ctx, st, keys, n)
				}})
			if errors.Is(err, digest.ErrUnknownTeam) {
				return usageError{fmt.Errorf("--team: %w", err)}
			}
			if err != nil {
				return err
			}
			paths, err := digest.Write(ctx, d, out)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "wrote %s\nwrote %s\n", paths.HTML, paths.Markdown)
			if dl := digest.NewDeliverer(cfg.Digest, digest.DeliverOptions{Logger: a.logger}); deliver && dl.Enabled() {
				if err := dl.Deliver(ctx, d); err != nil {
					return fmt.Errorf("digest written to %s but not delivered: %w", out, err)
				}
				fmt.Fprintln(a.stdout, "delivered")
			}
			return nil
		},
	}
}
