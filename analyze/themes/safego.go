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
