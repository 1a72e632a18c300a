package themes

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWorkerPanicReachesTheCaller(t *testing.T) {
	run := func() (got any) {
		defer func() { got = recover() }()
		var wg sync.WaitGroup
		var pb panicBox
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer pb.capture()
				if i == 2 {
					var s []int
					_ = s[i] // index out of range, as in a worker bug
				}
			}()
		}
		wg.Wait()
		pb.rethrow()
		return nil
	}
	got := run()
	require.NotNil(t, got, "a worker's panic must be re-raised where the caller can recover it")
	require.Contains(t, got, "index out of range")
	require.Contains(t, got, "in a worker goroutine")
}

func TestInChunksCoversEachIndexOnceAndRethrows(t *testing.T) {
	for _, tc := range []struct{ n, workers int }{{0, 4}, {1, 4}, {7, 3}, {100, 0}, {100, 8}} {
		seen := make([]int, tc.n)
		inChunks(tc.n, tc.workers, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				seen[i]++
			}
		})
		for i, c := range seen {
			require.Equal(t, 1, c, "n=%d workers=%d index %d", tc.n, tc.workers, i)
		}
	}
	got := func() (v any) {
		defer func() { v = recover() }()
		inChunks(10, 3, func(w, _, _ int) {
			if w == 1 {
				panic("chunk 1 broke")
			}
		})
		return nil
	}()
	require.NotNil(t, got)
	require.Contains(t, got, "chunk 1 broke")
}
