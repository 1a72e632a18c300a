package digest_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/digest"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// fakeSyncs is a digest.SourceSyncs over fixed first-sync times; it
// records the since it was asked about.
type fakeSyncs struct {
	at    map[string]time.Time
	err   error
	asked []time.Time
}

func (f *fakeSyncs) syncs(_ context.Context, since time.Time) (map[string]time.Time, error) {
	f.asked = append(f.asked, since)
	if f.err != nil {
		return nil, f.err
	}
	out := map[string]time.Time{}
	for k, v := range f.at {
		out[k] = v
	}
	return out, nil
}

// TestMonthlyWaitsForEverySourceToSyncAfterTheMonth: serve used to write
// October's digest from an analysis of incomplete data (PagerDuty's sync
// failing) and, the month then counting as written, never wrote it again.
// Now, while a source has no successful sync after the month ended,
// nothing is written, the month stays due and each run says at warn which
// source it waits for; the first run after the sources synced (and an
// analysis followed) writes it.
func TestMonthlyWaitsForEverySourceToSyncAfterTheMonth(t *testing.T) {
	st := orgFixture(t).store() // analysis run started 1 Nov 05:59 UTC, finished 06:00
	dir := t.TempDir()
	now := time.Date(2026, 11, 1, 7, 0, 0, 0, time.UTC)
	var logs bytes.Buffer
	src := &fakeSyncs{at: map[string]time.Time{
		"pagerduty": {}, // "giving up after 10 attempts"
		"jira":      time.Date(2026, 11, 1, 5, 10, 0, 0, time.UTC),
	}}
	m := &digest.Monthly{
		Reader: st, Dir: dir, Location: time.UTC, Now: func() time.Time { return now },
		Logger:  slog.New(slog.NewTextHandler(&logs, nil)),
		Sources: src.syncs,
	}
	due := func() bool {
		t.Helper()
		last, err := digest.LastWritten(dir)
		require.NoError(t, err)
		_, due := digest.Due(now, time.UTC, last)
		return due
	}

	for range 2 {
		month, err := m.Run(context.Background())
		require.NoError(t, err)
		require.Empty(t, month, "nothing written while pagerduty has not synced")
		require.Empty(t, names(t, dir))
		require.True(t, due(), "the month stays due")
	}
	require.Equal(t, []time.Time{time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}, src.asked,
		"asked for syncs after October ended")
	warns := strings.Count(logs.String(), "level=WARN")
	require.Equal(t, 2, warns, "one warning a run:\n%s", logs.String())
	require.Contains(t, logs.String(), "month=2026-10")
	require.Contains(t, logs.String(), "waiting=pagerduty ")
	require.NotContains(t, logs.String(), "waiting=jira")

	// PagerDuty synced, but after the latest analysis started: its data is
	// not in that analysis yet.
	src.at["pagerduty"] = time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC)
	month, err := m.Run(context.Background())
	require.NoError(t, err)
	require.Empty(t, month, "the analysis predates pagerduty's sync")
	require.Empty(t, names(t, dir))
	require.True(t, due())

	// The analysis that followed the sync: written.
	src.at["pagerduty"] = time.Date(2026, 11, 1, 5, 59, 0, 0, time.UTC) // the second the analysis started
	month, err = m.Run(context.Background())
	require.NoError(t, err)
	require.Equal(t, "2026-10", month)
	require.Equal(t, []string{"2026-10.html", "2026-10.md", "index.html"}, names(t, dir))
	require.False(t, due())

	month, err = m.Run(context.Background())
	require.NoError(t, err)
	require.Empty(t, month, "written once")
}

// TestMonthlySourcesErrorsAndNoAnalysis: a failure to ask the sources is
// an error, not a write; with the sources ready but no analysis yet, Run
// returns ErrNoAnalysis as it did (serve waits for the first analysis).
func TestMonthlySourcesErrorsAndNoAnalysis(t *testing.T) {
	dir := t.TempDir()
	now := func() time.Time { return time.Date(2026, 11, 1, 7, 0, 0, 0, time.UTC) }
	st := orgFixture(t).store()
	m := &digest.Monthly{Reader: st, Dir: dir, Now: now, Sources: (&fakeSyncs{err: errors.New("store: query successful ingest runs: connection refused")}).syncs}
	month, err := m.Run(context.Background())
	require.ErrorContains(t, err, "digest: 2026-10: check the sources' syncs: store: query successful ingest runs: connection refused")
	require.Empty(t, month)
	require.Empty(t, names(t, dir))

	m = &digest.Monthly{Reader: chtest.Store(t), Dir: dir, Now: now, Sources: (&fakeSyncs{at: map[string]time.Time{"pagerduty": now()}}).syncs}
	_, err = m.Run(context.Background())
	require.ErrorIs(t, err, digest.ErrNoAnalysis)
	require.Empty(t, names(t, dir))
}

func TestCheckSources(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	f := &fakeSyncs{at: map[string]time.Time{
		"pagerduty": time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC),
		"jira":      time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC),
	}}
	r, err := digest.CheckSources(context.Background(), f.syncs, "2026-10", berlin)
	require.NoError(t, err)
	end := time.Date(2026, 10, 31, 23, 0, 0, 0, time.UTC) // midnight in Berlin (CET)
	require.Equal(t, []time.Time{end}, f.asked)
	require.Equal(t, digest.Readiness{Month: "2026-10", End: end, SyncedAt: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}, r)
	require.True(t, r.Ready())
	require.False(t, r.CoveredBy(time.Date(2026, 11, 2, 8, 59, 59, 0, time.UTC)))
	require.True(t, r.CoveredBy(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)))

	f.at["zendesk"], f.at["jira"] = time.Time{}, time.Time{}
	r, err = digest.CheckSources(context.Background(), f.syncs, "2026-10", berlin)
	require.NoError(t, err)
	require.Equal(t, []string{"jira", "zendesk"}, r.Waiting)
	require.False(t, r.Ready())
	require.True(t, r.SyncedAt.IsZero())
	require.False(t, r.CoveredBy(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)))

	_, err = digest.CheckSources(context.Background(), f.syncs, "2026-13", berlin)
	require.ErrorContains(t, err, `digest: month "2026-13": month 13 is not 01-12`)
}

// TestSyncedAfterNamesTheSourcesTheAnalysisDidNotRead: `aftermath digest`
// warns when a source's latest successful sync finished after the analysis
// it writes from started (a history extended, issues removed since), not
// only when the first sync after the month's end did.
func TestSyncedAfterNamesTheSourcesTheAnalysisDidNotRead(t *testing.T) {
	started := time.Date(2026, 11, 1, 5, 59, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		last map[string]time.Time
		want []string
	}{
		{"every sync before the run", map[string]time.Time{"pagerduty": started.Add(-time.Hour), "jira": started.Add(-time.Minute)}, nil},
		{"finished in the second the run started", map[string]time.Time{"pagerduty": started}, nil},
		{"never synced is not a later sync", map[string]time.Time{"pagerduty": {}}, nil},
		{"a backfill after the run", map[string]time.Time{"pagerduty": started.Add(3 * time.Hour), "jira": started.Add(-time.Minute)}, []string{"pagerduty"}},
		{"both, sorted", map[string]time.Time{"pagerduty": started.Add(time.Second), "jira": started.Add(time.Hour)}, []string{"jira", "pagerduty"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, digest.SyncedAfter(tc.last, started))
		})
	}
}
