package main

import (
	"context"
	"fmt"
	"strings"
)

func migrateCommand() command {
	return command{
		name:    "migrate",
		summary: "Create or upgrade Aftermath's ClickHouse schema, then report its status.\nRe-running is a no-op; a database migrated by a newer Aftermath is refused.",
		secrets: clickHouseSecrets,
		run: func(ctx context.Context, a *app, _ []string) error {
			st, res, closeStore, err := a.openMigratedStore(ctx)
			if err != nil {
				return err
			}
			defer closeStore()
			if len(res.Applied) == 0 {
				fmt.Fprintf(a.stdout, "schema of database %s is current (version %d)\n", st.Database(), res.To)
			} else {
				fmt.Fprintf(a.stdout, "migrated database %s from version %d to %d: %s\n", st.Database(), res.From, res.To, strings.Join(res.Applied, ", "))
			}
			for _, t := range []string{"incidents", "timeline_events", "postmortems", "contributing_factors", "action_items", "action_item_transitions"} {
				n, err := st.Count(ctx, t)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "  %-24s %d rows\n", t, n)
			}
			return nil
		},
	}
}
