package analyze

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze/internal/calc"
	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/simulate/org"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// The run streams the change step's incidents from the store (three labels
// and three times each, ClickHouse labelling them): the results equal those
// of the same step over the stored incidents read whole, with team names
// mapped in Go as the run once did, alias included.
func TestChangeFromStoreMatchesRowsInMemory(t *testing.T) {
	ctx := context.Background()
	o, err := org.Generate(org.Options{Seed: 11, Scale: org.ScaleSmall, End: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	st := chtest.Store(t)
	storeOrg(ctx, t, st, o)
	ps := calc.NewPeriods(o.End.Add(6*time.Hour), time.UTC, 13)
	namer := newTeamNamer(map[string]string{o.Teams[0].Name: "Aliased Team"})
	teams, err := namer.labels(ctx, st)
	require.NoError(t, err)

	incs, err := st.AnalysisIncidents(ctx)
	require.NoError(t, err)
	for i := range incs {
		incs[i].TeamName = namer.name(incs[i].TeamName)
	}
	want := computeChange(incs, ps, 500, changeInputs{})
	require.Greater(t, len(want), 500)
	got, err := changeFromStore(ctx, st, ps.Scope(teams), ps, 500, changeInputs{})
	require.NoError(t, err)
	require.Equal(t, want, got)
	aliased := 0
	for _, r := range got {
		if r.Metric == metrics.MTTAIntervalSeconds.ResultName() && r.Label("team") == "aliased-team" {
			aliased++
		}
	}
	require.NotZero(t, aliased, "the aliased team's intervals")
}
