package pagerduty_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/ingest/pagerduty"
	"github.com/aftermath-sre/aftermath/simulate/org"
	"github.com/aftermath-sre/aftermath/store"
)

const day = 24 * time.Hour

// historyCheckpoint reads one of the history checkpoints ("" when unset).
func historyCheckpoint(t testing.TB, st *store.Store, name string) string {
	t.Helper()
	v, ok, err := st.Checkpoint(context.Background(), pagerduty.Source, name)
	require.NoError(t, err)
	if !ok {
		return ""
	}
	return v
}

// createdSince counts the org's incidents created at or after from, and
// their log entries.
func createdSince(o *org.Org, from time.Time) (incidents, entries int) {
	for i := range o.Incidents {
		if !sec(o.Incidents[i].CreatedAt).Before(from) {
			incidents++
			entries += len(o.Incidents[i].LogEntries)
		}
	}
	return incidents, entries
}

// entriesIn counts the org's log entries created in [from, to).
func entriesIn(o *org.Org, from, to time.Time) int {
	n := 0
	for i := range o.Incidents {
		for _, le := range o.Incidents[i].LogEntries {
			if at := sec(le.At); !at.Before(from) && at.Before(to) {
				n++
			}
		}
	}
	return n
}

// logTime is how slog's text handler writes a time.
func logTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

// withBackfill sets BackfillStart and the data clock of one ingester.
func withBackfill(start, now time.Time) func(*pagerduty.Options) {
	return func(opt *pagerduty.Options) {
		opt.BackfillStart = start
		opt.Now = func() time.Time { return now }
	}
}

// TestEarlierBackfillStartExtendsHistory: a first sync from 30 days back,
// then backfill_start raised to 90 days: the next sync fetches the 60 days
// before what is stored (it fetched nothing before the fix), the one after
// costs the no-change requests, and a later backfill_start changes nothing.
func TestEarlierBackfillStartExtendsHistory(t *testing.T) {
	ctx := context.Background()
	o := genOrg(t, org.ScaleSmall)
	start30, start90 := o.End.Add(-30*day), o.End.Add(-90*day)
	require.False(t, start90.After(o.Start), "the org must cover the 90 days")
	e := newEnv(t, o, nil, withBackfill(start30, o.End))

	_, err := e.ingester(t, nil).Sync(ctx)
	require.NoError(t, err)
	s := snap(t, e.st)
	n30, _ := createdSince(o, start30)
	require.Len(t, s.incidents, n30, "the first sync stores the incidents of the last 30 days")
	require.Less(t, n30, len(o.Incidents)*2/3, "the 30 days must leave most incidents out for this to prove anything")

	// backfill_start: 90d.
	before := e.sim.Requests()
	later := o.End.Add(5 * time.Minute)
	stats, err := e.ingester(t, withBackfill(start90, later)).Sync(ctx)
	require.NoError(t, err)
	gap := diffRequests(before, e.sim.Requests())
	s = snap(t, e.st)
	requireGroundTruth(t, o, s, nil) // every incident of [end-90d, end) with its log entries
	require.Equal(t, uint64(len(s.incidents)+len(s.events)), s.raw, "raw documents: one per row")
	require.Equal(t, start90.Format(time.RFC3339), historyCheckpoint(t, e.st, "history_start"))
	logs := e.logs.String()
	require.Contains(t, logs, `msg="extending the history" source=pagerduty from=`+logTime(start90)+" to="+logTime(start30))
	require.Contains(t, logs, `msg="history extended"`)
	require.NotContains(t, logs, token)

	// The cost of the gap: the sync's requests less the three of a no-change
	// sync, against the fewest pages the gap's rows fit in.
	gapIncidents := len(o.Incidents) - n30
	gapEntries := entriesIn(o, start90, start30)
	minGap := (gapIncidents+99)/100 + (gapEntries+99)/100
	gapRequests := int(stats.Requests) - 3
	t.Logf("gap of 60 days: %d incidents, %d log entries; %d requests (%v) beyond the 3 of a no-change sync, minimum pages %d",
		gapIncidents, gapEntries, gapRequests, gap, minGap)
	require.Zero(t, gap["/incidents/{id}"], "no per-incident calls")
	require.LessOrEqual(t, float64(gapRequests), 1.1*float64(minGap)+4, "the gap is walked in bulk windows")

	// The next sync does not fetch the gap again.
	before = e.sim.Requests()
	later = later.Add(5 * time.Minute)
	stats, err = e.ingester(t, withBackfill(start90, later)).Sync(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]int{"/log_entries": 1, "/incidents": 2}, diffRequests(before, e.sim.Requests()), "a no-change sync")
	require.EqualValues(t, 3, stats.Requests)
	s.cps = map[string]string{"incidents": later.Format(time.RFC3339), "log_entries": later.Format(time.RFC3339)}
	require.Equal(t, s, snap(t, e.st))

	// A later backfill_start (a shorter history) fetches and removes nothing.
	before = e.sim.Requests()
	later = later.Add(5 * time.Minute)
	stats, err = e.ingester(t, withBackfill(o.End.Add(-10*day), later)).Sync(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]int{"/log_entries": 1, "/incidents": 2}, diffRequests(before, e.sim.Requests()))
	require.EqualValues(t, 3, stats.Requests)
	s.cps = map[string]string{"incidents": later.Format(time.RFC3339), "log_entries": later.Format(time.RFC3339)}
	require.Equal(t, s, snap(t, e.st))
	require.Equal(t, start90.Format(time.RFC3339), historyCheckpoint(t, e.st, "history_start"), "the history start never moves later")
}

// TestHistoryExtensionKilledAndResumed: syncs extending the history are
// killed at random points, most of them inside the gap, and resumed until
// one completes; the store ends with exactly the rows of one uninterrupted
// backfill from the earlier start.
func TestHistoryExtensionKilledAndResumed(t *testing.T) {
	o := genOrg(t, org.ScaleTiny)
	small := func(opt *pagerduty.Options) {
		opt.PageSize = 25
		opt.WindowTarget = 120
		opt.InitialSpan = 2 * 24 * time.Hour
	}
	recent := o.End.Add(-10 * day)
	ref := newEnv(t, o, nil, small)
	_, err := ref.ingester(t, nil).Sync(context.Background())
	require.NoError(t, err)
	want := snap(t, ref.st)
	requireGroundTruth(t, o, want, nil)

	rng := rand.New(rand.NewPCG(5, 6))
	kills, inGap := 0, 0
	for chain := 0; inGap < 15; chain++ {
		require.Less(t, chain, 10, "too many chains")
		e := newEnv(t, o, nil, small)
		_, err := e.ingester(t, func(opt *pagerduty.Options) { opt.BackfillStart = recent }).Sync(context.Background())
		require.NoError(t, err)
		n, _ := createdSince(o, recent)
		require.Len(t, snap(t, e.st).incidents, n)
		for attempt := 0; ; attempt++ {
			require.Less(t, attempt, 200, "the chain does not make progress")
			gapState := func() string {
				raw, err := e.st.Count(context.Background(), "raw_documents")
				require.NoError(t, err)
				return fmt.Sprint(raw, historyCheckpoint(t, e.st, "history_from"),
					historyCheckpoint(t, e.st, "history_log_entries"), historyCheckpoint(t, e.st, "history_incidents"))
			}
			was := gapState()
			err := e.killedSync(t, 1+rng.Int64N(40)) // BackfillStart: o.Start
			if err == nil {
				break
			}
			require.ErrorIs(t, err, context.Canceled, "killed runs fail with the cancellation, nothing else")
			kills++
			// Killed inside the gap: this attempt stored rows of the gap
			// (the forward steps only store again what is stored) or
			// moved its checkpoints, and did not finish it.
			if gapState() != was && historyCheckpoint(t, e.st, "history_start") == recent.Format(time.RFC3339) {
				inGap++
			}
		}
		got := snap(t, e.st)
		require.Equal(t, want.incidents, got.incidents, "chain %d", chain)
		require.Equal(t, want.events, got.events, "chain %d", chain)
		require.Equal(t, want.raw, got.raw, "chain %d", chain)
		require.Equal(t, want.cps, got.cps, "chain %d", chain)
		require.Equal(t, o.Start.Format(time.RFC3339), historyCheckpoint(t, e.st, "history_start"), "chain %d", chain)

		// Done: the next sync fetches no history.
		before := e.sim.Requests()
		_, err = e.ingester(t, withBackfill(o.Start, o.End.Add(5*time.Minute))).Sync(context.Background())
		require.NoError(t, err)
		require.Equal(t, map[string]int{"/log_entries": 1, "/incidents": 2}, diffRequests(before, e.sim.Requests()), "chain %d", chain)
	}
	t.Logf("%d kills, %d inside the gap", kills, inGap)
}

// preHistoryStore is the store as a version without the history checkpoints
// left it: it never writes them.
type preHistoryStore struct{ *store.Store }

func (s preHistoryStore) SetCheckpoint(ctx context.Context, source, name, value string) error {
	if strings.HasPrefix(name, "history_") {
		return nil
	}
	return s.Store.SetCheckpoint(ctx, source, name, value)
}

// TestHistoryOfAnInstallWithoutTheCheckpoint: an install that synced before
// the history was recorded gets, at its next sync, the earliest stored
// incident's created_at as where its history starts (not the configured
// start, which may have moved since), logged once; an earlier backfill start
// then extends it.
func TestHistoryOfAnInstallWithoutTheCheckpoint(t *testing.T) {
	ctx := context.Background()
	o := genOrg(t, org.ScaleTiny)
	recent := o.End.Add(-10 * day)
	e := newEnv(t, o, nil, nil)
	old, err := pagerduty.New(preHistoryStore{e.st}, func() pagerduty.Options {
		opt := e.opts
		opt.BackfillStart = recent
		return opt
	}())
	require.NoError(t, err)
	_, err = old.Sync(ctx)
	require.NoError(t, err)
	require.Empty(t, historyCheckpoint(t, e.st, "history_start"))
	s := snap(t, e.st)
	n, _ := createdSince(o, recent)
	require.Len(t, s.incidents, n)
	first := s.incidents[0].CreatedAt // ordered by created_at
	require.False(t, first.Before(recent), "the first stored incident is not before the old start")

	// Upgraded, with backfill_start raised in the same change: the history
	// is taken to start at the earliest stored incident and extended.
	later := o.End.Add(5 * time.Minute)
	_, err = e.ingester(t, withBackfill(o.Start, later)).Sync(ctx)
	require.NoError(t, err)
	requireGroundTruth(t, o, snap(t, e.st), nil)
	logs := e.logs.String()
	require.Equal(t, 1, strings.Count(logs, "recorded where the stored history starts"))
	require.Contains(t, logs, `msg="recorded where the stored history starts" source=pagerduty history_start=`+logTime(first)+` from="earliest stored incident"`)
	require.Contains(t, logs, `msg="extending the history" source=pagerduty from=`+logTime(o.Start)+" to="+logTime(first))
	require.Equal(t, o.Start.Format(time.RFC3339), historyCheckpoint(t, e.st, "history_start"))

	// Recorded once.
	before := e.sim.Requests()
	_, err = e.ingester(t, withBackfill(o.Start, later.Add(5*time.Minute))).Sync(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]int{"/log_entries": 1, "/incidents": 2}, diffRequests(before, e.sim.Requests()))
	require.Equal(t, 1, strings.Count(e.logs.String(), "recorded where the stored history starts"))
}

// TestHistoryOfAnUpgradedInstallWithAnUnchangedStart: the estimate of an
// upgraded install is never earlier than the stored history, so with the
// start left as it was the upgrade fetches at most the few requests before
// the first stored incident, and then nothing.
func TestHistoryOfAnUpgradedInstallWithAnUnchangedStart(t *testing.T) {
	ctx := context.Background()
	o := genOrg(t, org.ScaleTiny)
	e := newEnv(t, o, nil, nil)
	old, err := pagerduty.New(preHistoryStore{e.st}, e.opts)
	require.NoError(t, err)
	_, err = old.Sync(ctx)
	require.NoError(t, err)
	want := snap(t, e.st)
	requireGroundTruth(t, o, want, nil)

	before := e.sim.Requests()
	later := o.End.Add(5 * time.Minute)
	stats, err := e.ingester(t, withBackfill(o.Start, later)).Sync(ctx)
	require.NoError(t, err)
	t.Logf("upgrade sync: %v", diffRequests(before, e.sim.Requests()))
	require.LessOrEqual(t, stats.Requests, uint64(3+2), "at most a window of each kind before the first incident")
	want.cps = map[string]string{"incidents": later.Format(time.RFC3339), "log_entries": later.Format(time.RFC3339)}
	require.Equal(t, want, snap(t, e.st))
	require.Equal(t, o.Start.Format(time.RFC3339), historyCheckpoint(t, e.st, "history_start"))
}

// TestZeroBackfillStartKeepsTodaysBehaviour: without a backfill start a
// sync needs the forward checkpoints, as before, costs the no-change
// requests, and leaves the recorded history start alone.
func TestZeroBackfillStartKeepsTodaysBehaviour(t *testing.T) {
	ctx := context.Background()
	o := genOrg(t, org.ScaleTiny)
	e := newEnv(t, o, nil, nil)
	_, err := e.ingester(t, func(opt *pagerduty.Options) { opt.BackfillStart = time.Time{} }).Sync(ctx)
	require.ErrorContains(t, err, "pagerduty: no log_entries checkpoint and no backfill start")
	require.Zero(t, totalRequests(e.sim))
	require.Empty(t, historyCheckpoint(t, e.st, "history_start"))

	_, err = e.ingester(t, nil).Sync(ctx)
	require.NoError(t, err)
	want := snap(t, e.st)
	before := e.sim.Requests()
	later := o.End.Add(5 * time.Minute)
	stats, err := e.ingester(t, withBackfill(time.Time{}, later)).Sync(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]int{"/log_entries": 1, "/incidents": 2}, diffRequests(before, e.sim.Requests()))
	require.EqualValues(t, 3, stats.Requests)
	want.cps = map[string]string{"incidents": later.Format(time.RFC3339), "log_entries": later.Format(time.RFC3339)}
	require.Equal(t, want, snap(t, e.st))
	require.Equal(t, o.Start.Format(time.RFC3339), historyCheckpoint(t, e.st, "history_start"))
}
