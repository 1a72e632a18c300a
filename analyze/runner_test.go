package analyze

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sort"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze/internal/calc"
	"github.com/aftermath-sre/aftermath/simulate/org"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// comparableResults returns a run's results as "metric|labels=value" lines
// without what legitimately differs between two runs: durations, and the
// theme changes (the first run's themes are all new).
func comparableResults(rs []store.Result) []string {
	var out []string
	for _, r := range rs {
		if r.Metric == "analysis_duration_seconds" || r.Metric == "theme_changes" {
			continue
		}
		out = append(out, fmt.Sprintf("%s=%v", rkey(r.Metric, zip(r)...), r.Value))
	}
	sort.Strings(out)
	return out
}

func zip(r store.Result) []string {
	var kv []string
	for i, n := range r.LabelNames {
		kv = append(kv, n, r.LabelValues[i])
	}
	return kv
}

func TestRunIsIdempotentAndThemeIDsAreStable(t *testing.T) {
	ctx := context.Background()
	o := testOrg(t, org.ScaleSmall)
	st := chtest.Store(t)
	incs, evs := orgIncidents(o)
	require.NoError(t, st.UpsertIncidents(ctx, incs))
	require.NoError(t, st.UpsertTimelineEvents(ctx, evs))
	pms := orgPostmortems(o)
	require.NoError(t, st.UpsertActionItems(ctx, orgActionItems(o)))
	// First the older 80% of the postmortems arrive.
	cut := len(pms) * 8 / 10
	require.NoError(t, st.UpsertPostmortems(ctx, pms[:cut]))
	opts := testOptions(o.End, time.UTC, nil)

	// The two runs share a Memo as serve's do: the second takes the change
	// step's bootstraps from the first and must write the same results.
	memoOpts := opts
	memoOpts.Memo = NewMemo()
	s1, err := Run(ctx, st, memoOpts)
	require.NoError(t, err)
	s2, err := Run(ctx, st, memoOpts)
	require.NoError(t, err)
	used, drawn := memoOpts.Memo.Bootstraps()
	require.Positive(t, used)
	require.Zero(t, drawn, "the same incidents and clock: every bootstrap from the first run")
	// The first run featurized new texts: the Memo keeps the featurizer for
	// the runs after it.
	fz := memoOpts.Memo.featurizer
	require.NotNil(t, fz)
	require.NotEqual(t, s1.RunID, s2.RunID)
	texts := distinctTexts(t, st, opts)
	require.Positive(t, texts)
	require.Equal(t, texts, s1.TextsAnalyzed, "the first run checks every distinct text")
	require.Zero(t, s2.TextsAnalyzed, "a rerun reads every text's stored findings")
	r1, err := st.AnalysisResults(ctx, s1.RunID, "")
	require.NoError(t, err)
	r2, err := st.AnalysisResults(ctx, s2.RunID, "")
	require.NoError(t, err)
	require.Equal(t, comparableResults(r1), comparableResults(r2), "a rerun on the same rows and clock gives the same results")
	for _, c := range s2.ThemeChanges {
		require.NotEqual(t, "new", c.Kind, "a rerun creates no theme")
		require.NotEqual(t, "retired", c.Kind, "a rerun retires no theme")
	}
	i1, err := st.AnalysisItems(ctx, s1.RunID, store.AnalysisItemFilter{})
	require.NoError(t, err)
	i2, err := st.AnalysisItems(ctx, s2.RunID, store.AnalysisItemFilter{})
	require.NoError(t, err)
	require.Equal(t, withoutThemeChanges(i1), withoutThemeChanges(i2), "and the same items")

	// Then the rest arrive: factors seen before keep their theme ids.
	require.NoError(t, st.UpsertPostmortems(ctx, pms[cut:]))
	s3, err := Run(ctx, st, memoOpts)
	require.NoError(t, err)
	require.Same(t, fz, memoOpts.Memo.featurizer, "the new factors featurized by the kept featurizer")
	require.Positive(t, s3.TextsAnalyzed, "new postmortems' texts are checked")
	require.Equal(t, distinctTexts(t, st, opts)-texts, s3.TextsAnalyzed, "only the new texts are checked")
	a2, err := st.FactorThemes(ctx, s2.RunID)
	require.NoError(t, err)
	a3, err := st.FactorThemes(ctx, s3.RunID)
	require.NoError(t, err)
	require.Greater(t, len(a3), len(a2))
	before := map[string]string{}
	for _, a := range a2 {
		before[FactorID(a.PostmortemKey, a.Ordinal)] = a.ThemeID
	}
	kept := 0
	for _, a := range a3 {
		if id, ok := before[FactorID(a.PostmortemKey, a.Ordinal)]; ok && id == a.ThemeID {
			kept++
		}
	}
	share := float64(kept) / float64(len(a2))
	t.Logf("themes: %d -> %d, changes %+v; %.2f of earlier factors kept their theme id", s2.Themes, s3.Themes, s3.ThemeChanges, share)
	// Most factors keep their theme; the rest moved through a recorded change.
	require.GreaterOrEqual(t, share, 0.7)
	// Every earlier theme either keeps its id or is recorded as merged or retired.
	t3 := map[string]bool{}
	for _, a := range a3 {
		t3[a.ThemeID] = true
	}
	accounted := map[string]bool{}
	for _, c := range s3.ThemeChanges {
		switch c.Kind {
		case "merge", "retired":
			for _, id := range c.ThemeIDs {
				accounted[id] = true
			}
		case "split":
			require.True(t, t3[c.From], "a split theme keeps its id for its largest part: %s", c.From)
		}
	}
	for _, a := range a2 {
		require.True(t, t3[a.ThemeID] || accounted[a.ThemeID], "theme %s vanished without a recorded change", a.ThemeID)
	}
	// The run's theme items and changes are readable.
	th, err := st.AnalysisItems(ctx, s3.RunID, store.AnalysisItemFilter{Analysis: AnalysisThemes, Kind: ItemTheme})
	require.NoError(t, err)
	require.Len(t, th, s3.Themes)
	require.NotEmpty(t, th[0].Field("label"))
	require.NotEmpty(t, th[0].Field("representative_text"))
}

// failSecondRun runs the analysis of the tiny org once, drops table, runs it
// again an hour later and checks that the second run was recorded failed
// and that readers keep the first. It returns the second run's error.
func failSecondRun(t *testing.T, table string) (warnings string, runErr error) {
	t.Helper()
	ctx := context.Background()
	o := testOrg(t, org.ScaleTiny)
	st := chtest.Store(t)
	storeOrg(ctx, t, st, o)
	opts := testOptions(o.End, time.UTC, nil)
	good, err := Run(ctx, st, opts)
	require.NoError(t, err)

	require.NoError(t, st.Conn().Exec(ctx, "DROP TABLE "+st.Table(table)))
	opts.Now = func() time.Time { return o.End.Add(time.Hour) }
	var logs bytes.Buffer
	opts.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	_, runErr = Run(ctx, st, opts)
	require.Error(t, runErr)

	latest, ok, err := st.LatestAnalysisRun(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, good.RunID, latest.ID, "readers keep the last successful run")
	var failed uint64
	require.NoError(t, st.Conn().QueryRow(ctx, "SELECT count() FROM "+st.Table("analysis_runs")+" FINAL WHERE status = 'failed'").Scan(&failed))
	require.Equal(t, uint64(1), failed)
	return logs.String(), runErr
}

// TestFailedRunIsRecordedAndNotRead: the write of a run fails (its items
// table is gone).
func TestFailedRunIsRecordedAndNotRead(t *testing.T) {
	_, err := failSecondRun(t, "analysis_items")
	require.ErrorContains(t, err, "analyze: write run")
}

// TestFailingLaneFailsTheRun: a store error in one lane (the response step
// reads the timeline, which is gone) while the other lane works fails the
// run with that step's error, not the cancellation it caused in the other
// lane; the run is recorded as failed and readers keep the previous one.
// The incident snapshot (it reads the timeline too) fails first: not a
// refusal to create the table, so the run fails there instead of warning
// that it reads the incidents directly.
func TestFailingLaneFailsTheRun(t *testing.T) {
	warnings, err := failSecondRun(t, "timeline_events")
	require.ErrorContains(t, err, "analyze: "+AnalysisResponse+": store: snapshot incidents:")
	require.NotErrorIs(t, err, context.Canceled)
	require.ErrorContains(t, err, "timeline_events")
	require.NotContains(t, warnings, "incident snapshot not taken")
}

func TestOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{"target out of range", Options{SLOs: []SLO{{Service: "api", Target: 1}}}, "target 1 not in (0, 1)"},
		{"unknown window", Options{SLOs: []SLO{{Service: "api", Target: 0.9, Window: "weekly"}}}, `unknown window "weekly"`},
		{"empty service", Options{SLOs: []SLO{{Target: 0.9}}}, "empty service"},
		{"negative cap", Options{MaxItemSeries: -1}, "negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorContains(t, tc.opts.Validate(), tc.want)
		})
	}
	require.NoError(t, Options{SLOs: []SLO{{Service: "api", Target: 0.999, Window: WindowCalendarMonth}}}.Validate())
}

func TestPruneKeepsNewestRuns(t *testing.T) {
	ctx := context.Background()
	o := testOrg(t, org.ScaleTiny)
	st := chtest.Store(t)
	storeOrg(ctx, t, st, o)
	var ids []string
	for i := 0; i < 3; i++ {
		opts := testOptions(o.End.Add(time.Duration(i)*time.Hour), time.UTC, nil)
		opts.KeepRuns = 2
		s, err := Run(ctx, st, opts)
		require.NoError(t, err)
		ids = append(ids, s.RunID)
	}
	// ALTER ... DELETE is asynchronous on ClickHouse; wait for the mutation.
	require.Eventually(t, func() bool {
		rs, err := st.AnalysisResults(ctx, ids[0], "")
		require.NoError(t, err)
		its, err := st.AnalysisItems(ctx, ids[0], store.AnalysisItemFilter{})
		require.NoError(t, err)
		return len(rs) == 0 && len(its) == 0
	}, 20*time.Second, 200*time.Millisecond)
	rs, err := st.AnalysisResults(ctx, ids[1], "")
	require.NoError(t, err)
	require.NotEmpty(t, rs)
}

// withoutThemeChanges drops the theme-change items: a run's first themes
// are new, a rerun keeps them.
func withoutThemeChanges(its []store.AnalysisItem) []store.AnalysisItem {
	var out []store.AnalysisItem
	for _, it := range its {
		if it.Kind != ItemThemeChange {
			out = append(out, it)
		}
	}
	return out
}

// distinctTexts is the number of distinct texts the language checks cover
// at opts' clock: prose sections and factors, and action items (their
// summary with whether they have an owner and a due date).
func distinctTexts(t *testing.T, st *store.Store, opts Options) int {
	t.Helper()
	opts = opts.withDefaults()
	since := calc.NewPeriods(opts.Now().UTC().Truncate(time.Second), opts.Location, opts.Months).Start()
	prose, err := st.CountProseTexts(context.Background(), since)
	require.NoError(t, err)
	actions, err := st.CountActionTexts(context.Background(), since)
	require.NoError(t, err)
	return prose + actions
}

// TestIncidentSnapshotGivesTheSameResults runs the analysis twice on the
// same rows and clock: once with the run's incident snapshot (what Run
// does), once with every step querying the incidents and their timeline
// directly. Every result and item must be the same, and the snapshot table
// must be gone when the run ends.
func TestIncidentSnapshotGivesTheSameResults(t *testing.T) {
	ctx := context.Background()
	o := testOrg(t, org.ScaleSmall)
	st := chtest.Store(t)
	storeOrg(ctx, t, st, o)
	svcs := busiestServices(o, 2)
	slos := []SLO{
		{Service: svcs[0], Target: 0.999, Window: WindowCalendarMonth, Severities: []string{"SEV1", "SEV2"}, HourlyCost: 1000},
		{Service: svcs[1], Target: 0.99, Window: WindowRolling28d, Severities: []string{"SEV1", "SEV2", "SEV3"}},
	}
	opts := testOptions(o.End, time.UTC, slos)
	direct := opts
	direct.noSnapshot = true

	s1, err := Run(ctx, st, opts)
	require.NoError(t, err)
	s2, err := Run(ctx, st, direct)
	require.NoError(t, err)
	r1, err := st.AnalysisResults(ctx, s1.RunID, "")
	require.NoError(t, err)
	r2, err := st.AnalysisResults(ctx, s2.RunID, "")
	require.NoError(t, err)
	require.Greater(t, len(r1), 1000)
	require.Equal(t, comparableResults(r2), comparableResults(r1))
	i1, err := st.AnalysisItems(ctx, s1.RunID, store.AnalysisItemFilter{})
	require.NoError(t, err)
	i2, err := st.AnalysisItems(ctx, s2.RunID, store.AnalysisItemFilter{})
	require.NoError(t, err)
	// The first run's themes are new (theme-change items); the second
	// keeps them.
	require.NotEmpty(t, withoutThemeChanges(i1))
	require.Equal(t, withoutThemeChanges(i2), withoutThemeChanges(i1))

	var left uint64
	require.NoError(t, st.Conn().QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = ? AND startsWith(name, 'incident_snapshot_')", st.Database()).Scan(&left))
	require.Zero(t, left, "the run dropped its snapshot")

	// A ClickHouse user that may not create tables (allow_ddl = 0 keeps
	// inserts and selects): the snapshot fails, the run still succeeds,
	// says why in its log, and gives the same results.
	var logs bytes.Buffer
	noDDL := opts
	noDDL.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s3, err := Run(clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"allow_ddl": 0})), st, noDDL)
	require.NoError(t, err)
	require.Contains(t, logs.String(), "incident snapshot not taken")
	r3, err := st.AnalysisResults(ctx, s3.RunID, "")
	require.NoError(t, err)
	require.Equal(t, comparableResults(r1), comparableResults(r3))
	i3, err := st.AnalysisItems(ctx, s3.RunID, store.AnalysisItemFilter{})
	require.NoError(t, err)
	require.Equal(t, withoutThemeChanges(i1), withoutThemeChanges(i3))
}
