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

func TestTextAnalysesRoundTripByVersion(t *testing.T) {
	st := chtest.Store(t)
	ctx := context.Background()

	var rows []store.TextAnalysis
	var hashes []string
	for i := 0; i < 12_001; i++ { // more than one IN chunk
		h := store.TextHash(fmt.Sprintf("factor text %d", i))
		hashes = append(hashes, h)
		if i%3 != 0 {
			rows = append(rows, store.TextAnalysis{Hash: h, Payload: fmt.Sprintf("p%d", i)})
		}
	}
	require.NoError(t, st.PutTextAnalyses(ctx, "themes", "v1", rows))
	require.NoError(t, st.PutTextAnalyses(ctx, "themes", "v1", rows[:10])) // a re-write is harmless
	require.NoError(t, st.PutTextAnalyses(ctx, "themes", "v0", rows[:5]))

	got, err := st.TextAnalyses(ctx, "themes", "v1", hashes)
	require.NoError(t, err)
	require.Len(t, got, len(rows))
	for i, h := range hashes {
		p, ok := got[h]
		require.Equal(t, i%3 != 0, ok, "hash %d", i)
		if ok {
			require.Equal(t, fmt.Sprintf("p%d", i), p)
		}
	}
	other, err := st.TextAnalyses(ctx, "language", "v1", hashes)
	require.NoError(t, err)
	require.Empty(t, other, "analyzers do not see each other's results")

	require.NoError(t, st.PruneTextAnalyses(ctx, "themes", "v1"))
	// A delete is a mutation that ClickHouse applies in the background.
	var readErr error
	require.Eventually(t, func() bool {
		old, err := st.TextAnalyses(ctx, "themes", "v0", hashes)
		readErr = err
		return err != nil || len(old) == 0
	}, 20*time.Second, 20*time.Millisecond, "an old version's results are pruned")
	require.NoError(t, readErr)
	kept, err := st.TextAnalyses(ctx, "themes", "v1", hashes)
	require.NoError(t, err)
	require.Len(t, kept, len(rows))
}

// TestTextAnalysesManyHashes: asked for many hashes, the store reads by IN
// lists or, when they are most of what the analyzer stored, everything at
// once; either way the answer is exactly the stored results of the hashes
// asked.
func TestTextAnalysesManyHashes(t *testing.T) {
	st := chtest.Store(t)
	ctx := context.Background()
	var rows []store.TextAnalysis
	var stored, absent []string
	for i := 0; i < 25_000; i++ {
		h := store.TextHash(fmt.Sprintf("stored %d", i))
		stored = append(stored, h)
		rows = append(rows, store.TextAnalysis{Hash: h, Payload: fmt.Sprintf("p%d", i)})
		absent = append(absent, store.TextHash(fmt.Sprintf("absent %d", i)))
	}
	require.NoError(t, st.PutTextAnalyses(ctx, "themes", "v1", rows))
	for _, tc := range []struct {
		name       string
		hit, aside int
	}{
		{"a few", 30, 10},
		{"a minority of what is stored (IN lists)", 10_500, 500},
		{"most of what is stored (one read)", 24_000, 3000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ask := append(append([]string(nil), stored[:tc.hit]...), absent[:tc.aside]...)
			got, err := st.TextAnalyses(ctx, "themes", "v1", ask)
			require.NoError(t, err)
			require.Len(t, got, tc.hit)
			for i, h := range stored[:tc.hit] {
				require.Equal(t, fmt.Sprintf("p%d", i), got[h])
			}
		})
	}
}

func TestTextHashEqualsClickHouse(t *testing.T) {
	st := chtest.Open(t)
	for _, s := range []string{"", "a", "Config change without validation.\nÜnïcode ✓"} {
		var got string
		require.NoError(t, st.Conn().QueryRow(context.Background(), "SELECT "+store.TextHashSQL("?"), s).Scan(&got))
		require.Equal(t, store.TextHash(s), got, "%q", s)
	}
}

func TestProseTextsSendOnlyWhatIsNotAnalyzed(t *testing.T) {
	st := chtest.Store(t)
	ctx := context.Background()
	old := t0.AddDate(-2, 0, 0)
	pms := []store.Postmortem{
		{Key: "PM-1", CreatedAt: t0, UpdatedAt: t0, Summary: "The deploy failed.", Lessons: "Test configs.",
			Factors: []store.Factor{{Ordinal: 1, Name: "Config", Text: "A config change was not validated."}, {Ordinal: 2, Name: "Empty"}}},
		{Key: "PM-2", CreatedAt: t0, UpdatedAt: t0, Impact: "The deploy failed."}, // same text as PM-1's summary
		{Key: "PM-OLD", CreatedAt: old, UpdatedAt: old, Summary: "Too old to report."},
	}
	require.NoError(t, st.UpsertPostmortems(ctx, pms))

	got, err := st.ProseTexts(ctx, "language", "v1", t0.AddDate(0, -1, 0))
	require.NoError(t, err)
	byKey := map[string]store.ProseText{}
	for _, p := range got {
		byKey[fmt.Sprintf("%s/%s/%d", p.PostmortemKey, p.Section, p.Ordinal)] = p
	}
	require.Len(t, byKey, 4, "%v", got)
	require.Equal(t, "The deploy failed.", byKey["PM-1/summary/0"].Text)
	require.Equal(t, store.TextHash("The deploy failed."), byKey["PM-1/summary/0"].Hash)
	require.Equal(t, byKey["PM-1/summary/0"].Hash, byKey["PM-2/impact/0"].Hash, "same text, same key")
	require.Equal(t, "A config change was not validated.", byKey["PM-1/factor/1"].Text)
	require.Contains(t, byKey, "PM-1/lessons/0")

	// Once analyzed, a text is no longer sent; other versions still get it.
	require.NoError(t, st.PutTextAnalyses(ctx, "language", "v1", []store.TextAnalysis{{Hash: store.TextHash("The deploy failed."), Payload: "[]"}}))
	got, err = st.ProseTexts(ctx, "language", "v1", t0.AddDate(0, -1, 0))
	require.NoError(t, err)
	sent := 0
	for _, p := range got {
		if p.Text != "" {
			sent++
		}
		if p.Hash == store.TextHash("The deploy failed.") {
			require.Empty(t, p.Text, "%s/%s is analyzed", p.PostmortemKey, p.Section)
		}
	}
	require.Equal(t, 2, sent)
	again, err := st.ProseTexts(ctx, "language", "v2", t0.AddDate(0, -1, 0))
	require.NoError(t, err)
	for _, p := range again {
		require.NotEmpty(t, p.Text)
	}
}
