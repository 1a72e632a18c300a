package themes

import (
	"fmt"
	"runtime/debug"
	"sync"
)

// panicBox carries a panic out of a worker goroutine. A panic cannot be
// recovered from another goroutine, so without it a bug in one worker would
// crash the process instead of failing the analysis run: each worker defers
// capture, and the goroutine that waits for them calls rethrow after Wait,
// where the caller's recover (analyze.protect) sees it.
type panicBox struct {
	mu    sync.Mutex
	value any
	stack []byte
}

// capture must be deferred directly by the worker.
func (p *panicBox) capture() {
	if v := recover(); v != nil {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.value == nil {
			p.value, p.stack = v, debug.Stack()
		}
	}
}

// rethrow panics in the calling goroutine with the first worker panic, if any.
func (p *panicBox) rethrow() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.value != nil {
		panic(fmt.Sprintf("%v (in a worker goroutine)\n%s", p.value, p.stack))
	}
}

// inChunks splits [0, n) into up to workers contiguous chunks and runs
// f(w, lo, hi) for each on its own goroutine (w is the chunk's index), then
// waits; a panic in any chunk is re-raised here.
func inChunks(n, workers int, f func(w, lo, hi int)) {
	workers = max(workers, 1)
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	var pb panicBox
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, n)
		if lo >= hi {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer pb.capture()
			f(w, lo, hi)
		}()
	}
	wg.Wait()
	pb.rethrow()
}
