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
