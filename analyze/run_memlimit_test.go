package analyze

import (
	"context"
	"runtime/debug"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/store/chtest"
)

// A run sets its memory limit only while it lasts, keeps a lower one already
// in force (GOMEMLIMIT), and restores the previous one when it ends.
func TestRunMemoryLimitLastsAsLongAsTheRun(t *testing.T) {
	st := chtest.Store(t)
	ctx := context.Background()
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	for _, c := range []struct {
		name          string
		before, limit int64
		want          int64 // in force during the run
	}{
		{"the run's limit below the process's", 8 << 30, 400 << 20, 400 << 20},
		{"a lower GOMEMLIMIT is kept", 300 << 20, 400 << 20, 300 << 20},
		{"no limit asked", 8 << 30, 0, 8 << 30},
	} {
		t.Run(c.name, func(t *testing.T) {
			debug.SetMemoryLimit(c.before)
			var during []int64
			_, err := Run(ctx, st, Options{Now: func() time.Time { return now }, MemoryLimit: c.limit,
				beforeStep: func(string) { during = append(during, debug.SetMemoryLimit(-1)) }})
			require.NoError(t, err)
			require.NotEmpty(t, during)
			for _, l := range during {
				require.Equal(t, c.want, l)
			}
			require.Equal(t, c.before, debug.SetMemoryLimit(-1), "the previous limit is back")
		})
	}
}
