package process

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

// compute writes the incidents, postmortems and action items into a fresh
// store and runs the process analysis on them.
func compute(t *testing.T, incs []store.Incident, pms []store.Postmortem, items []store.ActionItem, in Input) ([]store.Result, []store.AnalysisItem) {
	t.Helper()
	ctx := context.Background()
	st := chtest.Store(t)
	for i := range incs {
		if incs[i].Source == "" {
			incs[i].Source = "pagerduty"
		}
	}
	require.NoError(t, st.UpsertIncidents(ctx, incs))
	require.NoError(t, st.UpsertPostmortems(ctx, pms))
	require.NoError(t, st.UpsertActionItems(ctx, items))
	rs, its, err := Compute(ctx, st, in)
	require.NoError(t, err)
	return rs, its
}
