package store

import (
	"errors"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// inChunks covers every key once, in order, in slices of at most
// textAnalysisChunk, and stops at the first error.
func TestInChunks(t *testing.T) {
	keys := make([]string, 2*textAnalysisChunk+3)
	for i := range keys {
		keys[i] = strconv.Itoa(i)
	}
	var sizes []int
	var seen []string
	require.NoError(t, inChunks(keys, func(c []string) error {
		sizes = append(sizes, len(c))
		seen = append(seen, c...)
		return nil
	}))
	require.Equal(t, []int{textAnalysisChunk, textAnalysisChunk, 3}, sizes)
	require.Equal(t, keys, seen)

	calls := 0
	boom := errors.New("boom")
	require.ErrorIs(t, inChunks(keys, func([]string) error { calls++; return boom }), boom)
	require.Equal(t, 1, calls)
	require.NoError(t, inChunks(nil, func([]string) error { t.Fatal("no keys, no call"); return nil }))
}
