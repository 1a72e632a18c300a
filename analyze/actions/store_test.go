package actions

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

// compute writes the items and postmortems into a fresh store and runs the
// actions analysis on them.
func compute(t *testing.T, items []store.ActionItem, pms []store.Postmortem, in Input) ([]store.Result, []store.AnalysisItem) {
	t.Helper()
	ctx := context.Background()
	st := chtest.Store(t)
	require.NoError(t, st.UpsertActionItems(ctx, items))
	require.NoError(t, st.UpsertPostmortems(ctx, pms))
	rs, its, err := Compute(ctx, st, in)
	require.NoError(t, err)
	return rs, its
}
