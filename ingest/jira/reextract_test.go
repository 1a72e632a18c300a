package jira_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/ingest/jira"
	simjira "github.com/aftermath-sre/aftermath/simulate/jira"
	"github.com/aftermath-sre/aftermath/simulate/org"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func simRequests(e *env) int {
	n := 0
	for _, v := range e.sim.Requests() {
		n += v
	}
	return n
}

// TestReextractFromRawIssues converts the stored raw issues (and the
// complete changelogs of truncated ones) again: with a changed priority
// mapping every action item follows it, and with the mapping as it was the
// rows equal the ground truth again, without a request (the transport
// fails every request, and counts them).
func TestReextractFromRawIssues(t *testing.T) {
	ctx := context.Background()
	o := generated(t, org.ScaleSmall)
	e := newEnv(t, o, simjira.Options{})
	e.sync(e.ingester(nil))
	want := groundTruth(t, e, e.options(), o.End)
	requireTruth(t, e.st, want)
	require.Positive(t, o.Stats().BotChurn, "the org must have truncated changelogs for this to prove anything")
	served := simRequests(e)
	var calls atomic.Int64
	offline := func(op *jira.Options) {
		op.HTTPClient = &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
			calls.Add(1)
			return nil, errors.New("offline")
		})}
	}

	allP5 := func(op *jira.Options) {
		offline(op)
		op.Priorities = map[string]string{"Highest": "P5", "High": "P5", "Medium": "P5", "Low": "P5", "Lowest": "P5"}
	}
	stats, err := e.ingester(allP5).Reextract(ctx)
	require.NoError(t, err)
	require.Zero(t, stats.Unmapped)
	require.Zero(t, stats.Requests)
	items, err := e.st.ActionItems(ctx)
	require.NoError(t, err)
	require.Len(t, items, len(want.actionItems))
	changed := 0
	for i, a := range items {
		require.Equal(t, "P5", a.Priority, a.Key)
		if want.actionItems[i].Priority != "P5" {
			changed++
		}
	}
	require.Positive(t, changed, "the new mapping must change some rows for this to prove anything")

	_, err = e.ingester(offline).Reextract(ctx)
	require.NoError(t, err)
	requireTruth(t, e.st, want)
	require.Equal(t, served, simRequests(e), "no request reached the API")
	require.Zero(t, calls.Load(), "no request was even tried")
	runs, err := e.st.IngestRuns(ctx, jira.Source)
	require.NoError(t, err)
	require.Len(t, runs, 1, "a re-extraction is not an ingest run")

	// Without the statuses a sync caches, it cannot map and says so.
	empty := newEnv(t, o, simjira.Options{})
	_, err = empty.ingester(offline).Reextract(ctx)
	require.ErrorContains(t, err, "run a sync first")
}
