package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// rawRows counts every stored row (all versions, no FINAL) of a table whose
// column equals value: a delete must remove the old versions too.
func rawRows(t *testing.T, st *store.Store, table, column, value string) uint64 {
	t.Helper()
	var n uint64
	require.NoError(t, st.Conn().QueryRow(context.Background(),
		"SELECT count() FROM "+st.Table(table)+" WHERE "+column+" = ?", value).Scan(&n))
	return n
}

func reconcileFixture(t *testing.T, st *store.Store, pmKeys, aiKeys []string) {
	t.Helper()
	ctx := context.Background()
	var pms []store.Postmortem
	var raws []store.RawDocument
	for i, k := range pmKeys {
		pms = append(pms, store.Postmortem{
			Key: k, ID: fmt.Sprint(10000 + i), Project: "PM", Title: "outage " + k, CreatedAt: t0, UpdatedAt: t0,
			Factors: []store.Factor{{Ordinal: 1, Name: "a", Text: "config"}, {Ordinal: 2, Name: "b", Text: "no canary"}},
		})
		raws = append(raws, store.RawDocument{Source: "jira", Kind: "issue", ID: k, FetchedAt: t0, Body: []byte(`{}`)},
			store.RawDocument{Source: "jira", Kind: "changelog", ID: k, FetchedAt: t0, Body: []byte(`[]`)})
	}
	var ais []store.ActionItem
	for i, k := range aiKeys {
		ais = append(ais, store.ActionItem{
			Key: k, ID: fmt.Sprint(20000 + i), Project: "ACT", PostmortemKey: pmKeys[0], Summary: "fix " + k,
			CreatedAt: t0, UpdatedAt: t0, LastActivityAt: t0,
			Transitions: []store.Transition{{HistoryID: "1", Seq: 0, At: t0.Add(time.Hour), Field: "status", ToString: "Done"}},
		})
		raws = append(raws, store.RawDocument{Source: "jira", Kind: "issue", ID: k, FetchedAt: t0, Body: []byte(`{}`)})
	}
	// Two writes of each: a delete removes every version.
	for range 2 {
		require.NoError(t, st.UpsertPostmortems(ctx, pms))
		require.NoError(t, st.UpsertActionItems(ctx, ais))
		require.NoError(t, st.UpsertRaw(ctx, raws))
	}
}

func TestDeletePostmortemsActionItemsAndRawDocumentsRemovesOnlyThose(t *testing.T) {
	st := chtest.Store(t)
	ctx := context.Background()
	// A key with a quote and a backslash checks the binding.
	odd := `PM-9'\x`
	reconcileFixture(t, st, []string{"PM-1", "PM-2", odd}, []string{"ACT-1", "ACT-2", "ACT-3"})
	// Another source's document with the same id stays.
	require.NoError(t, st.UpsertRaw(ctx, []store.RawDocument{{Source: "pagerduty", Kind: "incident", ID: "PM-1", FetchedAt: t0, Body: []byte(`{}`)}}))

	pmKeys, err := st.PostmortemKeys(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"PM-1", "PM-2", odd}, pmKeys)
	aiKeys, err := st.ActionItemKeys(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"ACT-1", "ACT-2", "ACT-3"}, aiKeys)

	require.NoError(t, st.DeleteRawDocuments(ctx, "jira", []string{"PM-1", odd, "ACT-2"}))
	require.NoError(t, st.DeletePostmortems(ctx, []string{"PM-1", odd, "PM-1", "PM-404"}))
	require.NoError(t, st.DeleteActionItems(ctx, []string{"ACT-2"}))

	// Done when the calls return: every version is gone, nothing else is.
	for _, k := range []string{"PM-1", odd} {
		require.Zero(t, rawRows(t, st, "postmortems", "key", k), k)
		require.Zero(t, rawRows(t, st, "contributing_factors", "postmortem_key", k), k)
	}
	require.Zero(t, rawRows(t, st, "action_items", "key", "ACT-2"))
	require.Zero(t, rawRows(t, st, "action_item_transitions", "item_key", "ACT-2"))
	for _, id := range []string{"PM-1", odd, "ACT-2"} {
		var n uint64
		require.NoError(t, st.Conn().QueryRow(ctx, "SELECT count() FROM "+st.Table("raw_documents")+" WHERE source = 'jira' AND id = ?", id).Scan(&n))
		require.Zero(t, n, id)
	}
	require.Equal(t, uint64(2), rawRows(t, st, "postmortems", "key", "PM-2"), "both versions of PM-2 stay")
	require.Equal(t, uint64(4), rawRows(t, st, "contributing_factors", "postmortem_key", "PM-2"))
	require.Equal(t, uint64(2), rawRows(t, st, "action_item_transitions", "item_key", "ACT-3"))
	require.Equal(t, uint64(1), rawRows(t, st, "raw_documents", "source", "pagerduty"), "another source's document stays")
	require.Equal(t, uint64(4), rawRows(t, st, "raw_documents", "id", "PM-2"), "PM-2's issue and changelog, written twice")
	require.Equal(t, uint64(2), rawRows(t, st, "raw_documents", "id", "ACT-3"))

	pms, err := st.Postmortems(ctx)
	require.NoError(t, err)
	require.Len(t, pms, 1)
	require.Equal(t, "PM-2", pms[0].Key)
	require.Len(t, pms[0].Factors, 2)
	ais, err := st.ActionItems(ctx)
	require.NoError(t, err)
	require.Len(t, ais, 2)
	require.Equal(t, []string{"ACT-1", "ACT-3"}, []string{ais[0].Key, ais[1].Key})
	require.Len(t, ais[1].Transitions, 1)

	// Nothing to delete is no statement at all.
	require.NoError(t, st.DeletePostmortems(ctx, nil))
	require.NoError(t, st.DeleteActionItems(ctx, []string{}))
	require.Error(t, st.DeleteRawDocuments(ctx, "", []string{"PM-2"}), "a source is required")
}

func TestDeleteActionItemsInChunks(t *testing.T) {
	st := chtest.Store(t)
	ctx := context.Background()
	keys := make([]string, 2100)
	for i := range keys {
		keys[i] = fmt.Sprintf("ACT-%d", i+1)
	}
	reconcileFixture(t, st, []string{"PM-1"}, keys)
	require.NoError(t, st.DeleteActionItems(ctx, keys[50:]), "more keys than one mutation names")
	left, err := st.ActionItemKeys(ctx)
	require.NoError(t, err)
	require.Len(t, left, 50)
	n, err := st.Count(ctx, "action_item_transitions")
	require.NoError(t, err)
	require.Equal(t, uint64(50), n)
}

func TestDeleteWithACancelledContextRemovesNothing(t *testing.T) {
	st := chtest.Store(t)
	reconcileFixture(t, st, []string{"PM-1"}, []string{"ACT-1"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.Error(t, st.DeletePostmortems(ctx, []string{"PM-1"}))
	require.Error(t, st.DeleteActionItems(ctx, []string{"ACT-1"}))
	require.Equal(t, uint64(2), rawRows(t, st, "postmortems", "key", "PM-1"))
	require.Equal(t, uint64(2), rawRows(t, st, "action_items", "key", "ACT-1"))
}
