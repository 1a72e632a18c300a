package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// PostmortemLinks reads the current version's title and url of the keys
// asked for, and leaves out keys that are not stored.
func TestPostmortemLinks(t *testing.T) {
	st := chtest.Store(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	pm := func(key, title string, updated time.Time) store.Postmortem {
		return store.Postmortem{Key: key, ID: key, Title: title, URL: "https://jira/browse/" + key, Status: "Draft",
			CreatedAt: at, UpdatedAt: updated, Labels: []string{}, IncidentIDs: []string{}, ActionItemKeys: []string{}}
	}
	require.NoError(t, st.UpsertPostmortems(ctx, []store.Postmortem{pm("PM-1", "first title", at), pm("PM-2", "other", at)}))
	require.NoError(t, st.UpsertPostmortems(ctx, []store.Postmortem{pm("PM-1", "renamed", at.Add(time.Hour))}))

	got, err := st.PostmortemLinks(ctx, []string{"PM-1", "PM-404"})
	require.NoError(t, err)
	require.Equal(t, map[string]store.PostmortemLink{"PM-1": {Title: "renamed", URL: "https://jira/browse/PM-1"}}, got)

	got, err = st.PostmortemLinks(ctx, nil)
	require.NoError(t, err)
	require.Empty(t, got)
}
