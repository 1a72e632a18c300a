package store_test

import (
	"context"
	"fmt"
	"testing"

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
	old, err := st.TextAnalyses(ctx, "themes", "v0", hashes)
	require.NoError(t, err)
	require.Empty(t, old, "an old version's results are pruned")
	kept, err := st.TextAnalyses(ctx, "themes", "v1", hashes)
	require.NoError(t, err)
	require.Len(t, kept, len(rows))
}

func TestTextHashEqualsClickHouse(t *testing.T) {
	st := chtest.Open(t)
	for _, s := range []string{"", "a", "Config change without validation.\nÜnïcode ✓"} {
		var got string
		require.NoError(t, st.Conn().QueryRow(context.Background(), "SELECT "+store.TextHashSQL("?"), s).Scan(&got))
		require.Equal(t, store.TextHash(s), got, "%q", s)
	}
}
