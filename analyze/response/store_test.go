package response

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze/internal/calc"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

// stored writes the incidents (an acknowledgement in the timeline for each
// acknowledged one, as the ingesters do) and postmortems into a fresh store.
func stored(t *testing.T, incs []store.Incident, pms []store.Postmortem) *store.Store {
	t.Helper()
	ctx := context.Background()
	st := chtest.Store(t)
	var evs []store.TimelineEvent
	for i := range incs {
		if incs[i].Source == "" {
			incs[i].Source = "pagerduty"
		}
		if !incs[i].AcknowledgedAt.IsZero() {
			evs = append(evs, store.TimelineEvent{Source: incs[i].Source, IncidentID: incs[i].ID, ID: incs[i].ID + "-ack",
				Type: store.EventAcknowledge, CreatedAt: incs[i].AcknowledgedAt})
		}
	}
	require.NoError(t, st.UpsertIncidents(ctx, incs))
	require.NoError(t, st.UpsertTimelineEvents(ctx, evs))
	require.NoError(t, st.UpsertPostmortems(ctx, pms))
	return st
}

// compute runs the response analysis on the rows through the store.
func compute(t *testing.T, incs []store.Incident, pms []store.Postmortem, ps calc.Periods) []store.Result {
	t.Helper()
	rs, err := Compute(context.Background(), stored(t, incs, pms), Input{Periods: ps})
	require.NoError(t, err)
	return rs
}

// computeSLO runs the SLO analysis on the incidents through the store.
func computeSLO(t *testing.T, incs []store.Incident, slos []SLO, ps calc.Periods, loc *time.Location) []store.Result {
	t.Helper()
	rs, err := ComputeSLO(context.Background(), stored(t, incs, nil), slos, ps, loc)
	require.NoError(t, err)
	return rs
}
