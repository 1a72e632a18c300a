package store_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// TestLanguageReads: ClickHouse keys an action item's check as
// TextHash(ActionTextKey) does; the texts without a stored result are sent
// once each; the streams join every postmortem and item of the periods to
// its texts' stored results (non-empty ones, or the text where none is
// stored), oldest first.
func TestLanguageReads(t *testing.T) {
	st := chtest.Store(t)
	ctx := context.Background()
	since, old := t0.AddDate(0, -1, 0), t0.AddDate(-2, 0, 0)
	pms := []store.Postmortem{
		{Key: "PM-1", Team: "Payments", Title: "One", CreatedAt: t0.Add(2 * time.Second), UpdatedAt: t0, Summary: "The deploy failed.", Lessons: "Bob broke it.",
			Labels:  []string{"sev1", "aftermath-dismissed"},
			Factors: []store.Factor{{Ordinal: 2, Name: "Config", Text: "A config change was not validated."}, {Ordinal: 1, Name: "Empty"}}},
		{Key: "PM-2", CreatedAt: t0, UpdatedAt: t0, Impact: "The deploy failed."}, // same text as PM-1's summary
		{Key: "PM-OLD", CreatedAt: old, UpdatedAt: old, Summary: "Too old to report."},
	}
	require.NoError(t, st.UpsertPostmortems(ctx, pms))
	due := t0.AddDate(0, 0, 7)
	items := []store.ActionItem{
		{Key: "A-1", PostmortemKey: "PM-1", Summary: "Fix it", AssigneeID: "u1", DueDate: due, Team: "Payments", CreatedAt: t0, UpdatedAt: t0},
		{Key: "A-2", PostmortemKey: "PM-1", Summary: "Fix it", CreatedAt: t0, UpdatedAt: t0},                                          // same summary, no owner, no due date
		{Key: "A-3", PostmortemKey: "PM-2", Summary: "Fix it", CreatedAt: t0, UpdatedAt: t0, Labels: []string{"aftermath-dismissed"}}, // same text as A-2
		{Key: "A-4", PostmortemKey: "PM-2", Summary: "Raise the pool to 64", Team: "Payments", Labels: []string{"aftermath-dismissed-not"}, URL: "https://jira.example/A-4", CreatedAt: t0.Add(time.Second), UpdatedAt: t0},
		{Key: "A-OLD", Summary: "Old", CreatedAt: old, UpdatedAt: old},
	}
	require.NoError(t, st.UpsertActionItems(ctx, items))

	var actions []store.ActionText
	require.NoError(t, st.UnanalyzedActionTexts(ctx, "act", "v1", since, func(a store.ActionText) error {
		actions = append(actions, a)
		return nil
	}))
	sort.Slice(actions, func(i, j int) bool {
		if actions[i].HasOwner != actions[j].HasOwner {
			return actions[i].HasOwner
		}
		return actions[i].Summary < actions[j].Summary
	})
	require.Equal(t, []store.ActionText{
		{Hash: store.TextHash(store.ActionTextKey("Fix it", true, true)), Summary: "Fix it", HasOwner: true, HasDue: true},
		{Hash: store.TextHash(store.ActionTextKey("Fix it", false, false)), Summary: "Fix it"},
		{Hash: store.TextHash(store.ActionTextKey("Raise the pool to 64", false, false)), Summary: "Raise the pool to 64"},
	}, actions, "one per distinct text, hashed as in Go")
	n, err := st.CountActionTexts(ctx, since)
	require.NoError(t, err)
	require.Equal(t, 3, n)

	var prose []string
	require.NoError(t, st.UnanalyzedProse(ctx, "blame", "v1", since, func(h, text string) error {
		require.Equal(t, store.TextHash(text), h)
		prose = append(prose, text)
		return nil
	}))
	sort.Strings(prose)
	require.Equal(t, []string{"A config change was not validated.", "Bob broke it.", "The deploy failed."}, prose)
	n, err = st.CountProseTexts(ctx, since)
	require.NoError(t, err)
	require.Equal(t, 3, n)

	// Stored: findings for one text, none for the others but one.
	require.NoError(t, st.PutTextAnalyses(ctx, "blame", "v1", []store.TextAnalysis{
		{Hash: store.TextHash("Bob broke it."), Payload: `[{"rule":"blame"}]`}, {Hash: store.TextHash("The deploy failed."), Payload: "null"}}))
	require.NoError(t, st.PutTextAnalyses(ctx, "act", "v1", []store.TextAnalysis{
		{Hash: store.TextHash(store.ActionTextKey("Fix it", false, false)), Payload: `[{"rule":"vague"}]`},
		{Hash: store.TextHash(store.ActionTextKey("Raise the pool to 64", false, false)), Payload: "[]"}}))
	prose = nil
	require.NoError(t, st.UnanalyzedProse(ctx, "blame", "v1", since, func(h, text string) error {
		prose = append(prose, text)
		return nil
	}))
	require.Equal(t, []string{"A config change was not validated."}, prose)

	// The dismiss label marks PM-1 and A-3 (exactly that label, not one
	// that starts with it); without one, nothing is dismissed.
	for _, label := range []string{"aftermath-dismissed", ""} {
		var got []store.PostmortemProse
		require.NoError(t, st.StreamPostmortemProse(ctx, "blame", "v1", label, since, t0.AddDate(0, 0, 1), func(p *store.PostmortemProse) error {
			sort.Slice(p.Texts, func(i, j int) bool { return p.Texts[i].Section < p.Texts[j].Section })
			got = append(got, *p)
			return nil
		}))
		require.Equal(t, []store.PostmortemProse{
			{Key: "PM-2", CreatedAt: t0},
			{Key: "PM-1", Team: "Payments", Title: "One", CreatedAt: t0.Add(2 * time.Second), Texts: []store.ProseResult{
				{Section: "factor", Ordinal: 2, Text: "A config change was not validated."},
				{Section: "lessons", Payload: `[{"rule":"blame"}]`, Found: true},
			}, Dismissed: label != ""},
		}, got, "label %q", label)

		var res []store.ActionTextResult
		require.NoError(t, st.StreamActionTextResults(ctx, "act", "v1", label, since, t0.AddDate(0, 0, 1), func(a *store.ActionTextResult) error {
			res = append(res, *a)
			return nil
		}))
		require.Equal(t, []store.ActionTextResult{
			{Key: "A-1", Team: "Payments", Summary: "Fix it", CreatedAt: t0, HasOwner: true, HasDue: true},
			{Key: "A-2", Summary: "Fix it", CreatedAt: t0, Payload: `[{"rule":"vague"}]`, Found: true},
			{Key: "A-3", Summary: "Fix it", CreatedAt: t0, Payload: `[{"rule":"vague"}]`, Found: true, Dismissed: label != ""},
			// An empty stored result: only counted, so sent without key, team,
			// summary and url.
			{CreatedAt: t0.Add(time.Second), Found: true},
		}, res, "label %q", label)
	}
}
