package httpx

import (
	"sync"
	"time"
)

// bucket is a token bucket that hands out reservations: a caller that finds
// it empty takes a token on credit and is told how long to wait for it, so
// concurrent callers queue up in order instead of polling.
type bucket struct {
	mu     sync.Mutex
	rate   float64 // tokens per second
	size   float64
	tokens float64 // may go negative: tokens already promised
	last   time.Time
}

func newBucket(perSecond float64, size int, now time.Time) *bucket {
	return &bucket{rate: perSecond, size: float64(size), tokens: float64(size), last: now}
}

// reserve takes one token and returns how long the caller must wait before
// using it.
func (b *bucket) reserve(now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if el := now.Sub(b.last); el > 0 {
		b.tokens += el.Seconds() * b.rate
		if b.tokens > b.size {
			b.tokens = b.size
		}
		b.last = now
	}
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.rate * float64(time.Second))
}

// cancel returns a reserved token whose request was abandoned.
func (b *bucket) cancel() {
	b.mu.Lock()
	b.tokens++
	if b.tokens > b.size {
		b.tokens = b.size
	}
	b.mu.Unlock()
}
