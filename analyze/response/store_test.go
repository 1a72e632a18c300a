package response

import (
	"context"
	"fmt"
	"math/rand"
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

// ClickHouse's statistics (arraySort(groupArray) with linear interpolation
// between closest ranks) equal calc.Summarize's on the same values, to the
// last bit, for every group size from 1 up.
func TestStoreStatsEqualCalcQuantiles(t *testing.T) {
	now := time.Date(2025, 6, 20, 0, 0, 0, 0, time.UTC)
	r := rand.New(rand.NewSource(11))
	var incs []store.Incident
	acks := map[string][]float64{}
	for i := 0; i < 400; i++ {
		svc := fmt.Sprintf("svc-%d", i%23) // groups of 17-18 values, and the whole month's 400
		created := now.Add(-time.Duration(1+r.Intn(15*24*3600)) * time.Second)
		ack := time.Duration(r.Intn(5000)) * time.Second
		x := inc(fmt.Sprintf("i%03d", i), "SEV2", svc, created, created.Add(ack), time.Time{})
		if i < 3 {
			x.ServiceName = "single" // one-value groups
		}
		incs = append(incs, x)
		acks[""] = append(acks[""], ack.Seconds())
		acks[x.ServiceName] = append(acks[x.ServiceName], ack.Seconds())
	}
	ps := calc.NewPeriods(now, time.UTC, 1)
	st := stored(t, incs, nil)
	got, err := st.ResponseStats(context.Background(), ps.Scope(nil))
	require.NoError(t, err)
	seen := 0
	for _, x := range got {
		if x.Measure != store.MeasureAck || x.Severity != "" || x.Team != "" || x.Period != 1 {
			continue
		}
		want := calc.Summarize(append([]float64(nil), acks[x.Service]...))
		require.Equal(t, want, calc.StatsOf(x.Stats), x.Service)
		seen++
	}
	require.Equal(t, len(acks), seen, "every service and the whole")
}
