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
	// An empty result is returned as "" (its hash says it was analyzed).
	empty := []store.TextAnalysis{{Hash: store.TextHash("no finding"), Payload: "null"}, {Hash: store.TextHash("none"), Payload: "[]"}}
	require.NoError(t, st.PutTextAnalyses(ctx, "language", "v1", empty))
	got, err = st.TextAnalyses(ctx, "language", "v1", []string{empty[0].Hash, empty[1].Hash})
	require.NoError(t, err)
	require.Equal(t, map[string]string{empty[0].Hash: "", empty[1].Hash: ""}, got)
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

// TestFactorReadsForPerTextResults: UnanalyzedFactors sends only the
// factors without a stored result (hashed like FactorHash), FactorAnalyses
// streams every current factor's result in id order (bytes of
// "<key>#<ordinal>"), with "" where none is stored, and leaves out factors
// of postmortems created after the bound or of a postmortem's old version;
// FactorTexts reads the texts of chosen factors.
func TestFactorReadsForPerTextResults(t *testing.T) {
	st := chtest.Store(t)
	ctx := context.Background()
	later := t0.Add(48 * time.Hour)
	pms := []store.Postmortem{
		{Key: "PM-10", CreatedAt: t0, UpdatedAt: t0, Factors: []store.Factor{{Ordinal: 1, Name: "Config", Text: "Not validated."}}},
		{Key: "PM-1", CreatedAt: t0, UpdatedAt: t0, Factors: []store.Factor{{Ordinal: 2, Name: "Load", Text: "A surge."}, {Ordinal: 1, Name: "Config", Text: "Not validated."}}},
		{Key: "PM-2", CreatedAt: t0, UpdatedAt: t0, Factors: []store.Factor{{Ordinal: 1, Name: "Old", Text: "Replaced below."}}},
		{Key: "PM-LATE", CreatedAt: later, UpdatedAt: later, Factors: []store.Factor{{Ordinal: 1, Name: "Late", Text: "After the bound."}}},
	}
	require.NoError(t, st.UpsertPostmortems(ctx, pms))
	require.NoError(t, st.UpsertPostmortems(ctx, []store.Postmortem{{Key: "PM-2", CreatedAt: t0, UpdatedAt: t0.Add(time.Hour),
		Factors: []store.Factor{{Ordinal: 1, Name: "Disk", Text: "The disk filled."}}}}))

	unanalyzed := func() map[string]store.FactorText {
		out := map[string]store.FactorText{}
		require.NoError(t, st.UnanalyzedFactors(ctx, "themes", "v1", t0.Add(time.Hour), func(f store.FactorText) error {
			out[fmt.Sprintf("%s#%d", f.PostmortemKey, f.Ordinal)] = f
			return nil
		}))
		return out
	}
	got := unanalyzed()
	require.Len(t, got, 4, "%v", got)
	require.Equal(t, store.FactorHash("Config", "Not validated."), got["PM-1#1"].Hash)
	require.Equal(t, got["PM-1#1"].Hash, got["PM-10#1"].Hash, "same name and text, same key")
	require.Equal(t, "The disk filled.", got["PM-2#1"].Text, "the postmortem's current version")
	require.Equal(t, "Load", got["PM-1#2"].Name)

	require.NoError(t, st.PutTextAnalyses(ctx, "themes", "v1", []store.TextAnalysis{
		{Hash: store.FactorHash("Config", "Not validated."), Payload: "c"}, {Hash: store.FactorHash("Disk", "The disk filled."), Payload: "d"}}))
	got = unanalyzed()
	require.Len(t, got, 1)
	require.Contains(t, got, "PM-1#2")

	var ids, payloads []string
	require.NoError(t, st.FactorAnalyses(ctx, "themes", "v1", t0.Add(time.Hour), func(key string, ord int, payload string) error {
		ids = append(ids, fmt.Sprintf("%s#%d", key, ord))
		payloads = append(payloads, payload)
		return nil
	}))
	require.Equal(t, []string{"PM-1#1", "PM-1#2", "PM-10#1", "PM-2#1"}, ids)
	require.Equal(t, []string{"c", "", "c", "d"}, payloads)

	texts, err := st.FactorTexts(ctx, []store.FactorText{{PostmortemKey: "PM-1", Ordinal: 2}, {PostmortemKey: "PM-2", Ordinal: 1}, {PostmortemKey: "PM-9", Ordinal: 1}})
	require.NoError(t, err)
	require.Len(t, texts, 2)
	require.Equal(t, "A surge.", texts[0].Text)
	require.Equal(t, "The disk filled.", texts[1].Text)
	require.Equal(t, store.FactorHash("Disk", "The disk filled."), texts[1].Hash)
}
