package recurrence

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

// compute writes the incidents into a fresh store and runs the recurrence
// analysis on them.
func compute(t *testing.T, incs []store.Incident, in Input) ([]store.Result, []store.AnalysisItem) {
	t.Helper()
	ctx := context.Background()
	st := chtest.Store(t)
	for i := range incs {
		if incs[i].Source == "" {
			incs[i].Source = "pagerduty"
		}
	}
	require.NoError(t, st.UpsertIncidents(ctx, incs))
	rs, items, err := Compute(ctx, st, in)
	require.NoError(t, err)
	return rs, items
}
