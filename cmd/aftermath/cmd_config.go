package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aftermath-sre/aftermath/config"
)

func configCommand() command {
	return command{
		name:    "config",
		args:    "check FILE",
		summary: "Check a config file: print it normalized, defaults applied and secrets redacted,\nor every error with its file, line and key path (exit code 2).",
		run: func(ctx context.Context, a *app, args []string) error {
			if len(args) != 2 || args[0] != "check" {
				return usagef("usage: aftermath config check FILE")
			}
			// Read here rather than by config.Load, whose error starts
			// with "config:", the command's own name.
			data, err := os.ReadFile(args[1])
			if err != nil {
				return usageError{err}
			}
			cfg, err := config.Parse(data, args[1], nil, nil)
			if err != nil {
				return usageError{err}
			}
			out, err := cfg.Redacted()
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "# %s is valid; normalized, with secrets redacted:\n%s", args[1], out)
			return nil
		},
	}
}
