package analyze

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze/language"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// TestNewPersonRechecksOnlyTheirTexts: the blame check knows the
// organization's people, so a new person changes what it can find, but only
// in the texts that mention them. After a new assignee arrives, the next
// run checks again the one text that names them (and finds the blame there
// that it could not see before) and the new item's summary, and keeps every
// other text's stored result; the earlier names' results are deleted.
func TestNewPersonRechecksOnlyTheirTexts(t *testing.T) {
	ctx := context.Background()
	st := chtest.Store(t)
	now := time.Date(2026, 10, 20, 12, 0, 0, 0, time.UTC)
	at := time.Date(2026, 10, 5, 9, 0, 0, 0, time.UTC)
	require.NoError(t, st.UpsertPostmortems(ctx, []store.Postmortem{
		{Key: "PM-1", Title: "One", CreatedAt: at, UpdatedAt: at, Summary: "The deploy failed after a config push.", Lessons: "Canaries catch bad pushes."},
		{Key: "PM-2", Title: "Two", CreatedAt: at, UpdatedAt: at, Summary: "The cluster fell over because Xavier pushed an untested change."},
		{Key: "PM-3", Title: "Three", CreatedAt: at, UpdatedAt: at, Summary: "Ann Lee reviewed the rollback plan."},
	}))
	due := at.AddDate(0, 0, 14)
	require.NoError(t, st.UpsertActionItems(ctx, []store.ActionItem{
		{Key: "A-1", PostmortemKey: "PM-1", Summary: "Add a canary stage to the deploy pipeline", AssigneeID: "u1", AssigneeName: "Ann Lee", DueDate: due, CreatedAt: at, UpdatedAt: at},
	}))
	opts := testOptions(now, time.UTC, nil)
	named := func(runID string) []string {
		its, err := st.AnalysisItems(ctx, runID, store.AnalysisItemFilter{Analysis: AnalysisLanguage, Kind: ItemLanguageFinding})
		require.NoError(t, err)
		var keys []string
		for _, it := range its {
			if it.Field("rule") == language.RuleNamedPerson && it.Period == "2026-10" {
				keys = append(keys, it.Key)
			}
		}
		return keys
	}

	s1, err := Run(ctx, st, opts)
	require.NoError(t, err)
	require.Equal(t, 5, s1.TextsAnalyzed, "four prose texts and one action item")
	require.Empty(t, named(s1.RunID), "Xavier is nobody the organization knows yet")

	s2, err := Run(ctx, st, opts)
	require.NoError(t, err)
	require.Zero(t, s2.TextsAnalyzed)

	// Xavier Ueda is assigned a new item: the people changed.
	require.NoError(t, st.UpsertActionItems(ctx, []store.ActionItem{
		{Key: "A-2", PostmortemKey: "PM-2", Summary: "Require a second review for pushes to the cluster config", AssigneeID: "u2", AssigneeName: "Xavier Ueda",
			DueDate: due, CreatedAt: at, UpdatedAt: at},
	}))
	s3, err := Run(ctx, st, opts)
	require.NoError(t, err)
	require.Equal(t, 2, s3.TextsAnalyzed, "PM-2's summary, which names him, and the new item; not the three other texts")
	require.Equal(t, []string{"PM-2"}, named(s3.RunID))

	// Only the current names' results are left.
	var versions uint64
	require.NoError(t, st.Conn().QueryRow(ctx, "SELECT uniqExact(version) FROM "+st.Table("text_analyses")+" FINAL WHERE analyzer IN ('blame', 'blame-names')").Scan(&versions))
	require.EqualValues(t, 1, versions)

	s4, err := Run(ctx, st, opts)
	require.NoError(t, err)
	require.Zero(t, s4.TextsAnalyzed)
	require.Equal(t, []string{"PM-2"}, named(s4.RunID))
}
