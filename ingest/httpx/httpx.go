// Package httpx is the HTTP transport every ingester shares. It wraps an
// http.RoundTripper with:
//
//   - a request budget per minute (a token bucket; 0 means unlimited), shared by
//     every request through the transport, plus a pause whenever the server
//     says its own budget is spent (ratelimit-remaining: 0);
//   - retries of 429 (honouring Retry-After, in seconds or as an HTTP date, and
//     ratelimit-reset), of 408 and 5xx, and of timeouts and temporary network
//     errors, with a bounded number of attempts. A 5xx, a 408 or a network
//     error waits a capped exponential backoff with jitter: the rate-limit
//     headers a 5xx carries describe the budget, not the failure, so they
//     never stretch its wait, except that a spent budget (ratelimit-remaining:
//     0) pauses every request until the reset, as after any response;
//   - retries logged at INFO once per burst (the first retry after a quiet
//     spell, then at most once a minute with the count in between), each
//     retry at DEBUG;
//   - optional buffering of response bodies, so that a body cut short by the
//     network is retried like any other transient failure;
//   - a limit on the size of response bodies (MaxBodyBytes), so that a huge
//     response fails with an error naming the endpoint instead of exhausting
//     memory;
//   - re-readable request bodies (every attempt sends the whole body);
//   - context cancellation respected in every wait;
//   - Prometheus metrics by source and endpoint template (never raw paths).
//
// It never logs the Authorization header or any other header, and its errors
// carry the method and endpoint template, not the URL.
//
// Use it as the Transport of an http.Client:
//
//	tr, err := httpx.New(httpx.Options{
//		Source:            "pagerduty",
//		RequestsPerMinute: 900,
//		Endpoint:          httpx.Templates("/incidents", "/incidents/{id}", "/log_entries"),
//		Registerer:        reg,
//		Logger:            logger,
//	})
//	client := &http.Client{Transport: tr}
//
// When every attempt fails with a retryable status, the last response is
// returned as is (so the caller sees the 429 or 503 and its body); when every
// attempt fails with a network error, the error is returned.
package httpx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Options configure New. Zero values get the defaults documented per field.
type Options struct {
	// Source names the API in metrics and logs ("pagerduty", "jira"). Required.
	Source string
	// Base is the transport that sends requests; nil means a clone of
	// http.DefaultTransport.
	Base http.RoundTripper
	// RequestsPerMinute is the budget of requests (attempts, retries included)
	// per minute; 0 means unlimited.
	RequestsPerMinute int
	// Burst is the bucket size: how many requests may go out back to back
	// after an idle period. Default 1 (requests evenly spaced).
	Burst int
	// MaxAttempts bounds the attempts per request, first one included.
	// Default 8.
	MaxAttempts int
	// BaseBackoff is the first retry delay before jitter. Default 500ms.
	BaseBackoff time.Duration
	// MaxBackoff caps the exponential backoff. Default 30s.
	MaxBackoff time.Duration
	// MaxRetryAfter caps how long a Retry-After or ratelimit-reset header may
	// make us wait for one retry. Default 2m.
	MaxRetryAfter time.Duration
	// AttemptTimeout bounds one attempt, response body included when
	// BufferBodies is set; 0 means no timeout beyond the request's context.
	// An attempt that times out is retried.
	AttemptTimeout time.Duration
	// BufferBodies reads each successful response body completely inside the
	// attempt, so that a truncated body (unexpected EOF, connection reset) is
	// retried instead of surfacing in the caller's decoder.
	BufferBodies bool
	// MaxBodyBytes bounds a response body: a larger one fails the request
	// with a *BodyTooLargeError (not retried) naming the method and endpoint
	// template, after reading at most MaxBodyBytes+1 bytes. 0 means
	// DefaultMaxBodyBytes; negative means no limit.
	MaxBodyBytes int64
	// Endpoint maps a request to a bounded label (a path template such as
	// "/incidents/{id}"). Nil labels every request "other". See Templates.
	Endpoint func(*http.Request) string
	// Registerer receives the metrics; nil means no metrics. Transports of
	// different sources may share one Registerer.
	Registerer prometheus.Registerer
	// Logger receives retry and rate-limit logs; nil discards. The
	// transport adds no attribute: the caller's logger names the source
	// (the ingesters' loggers carry source=...).
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Sleep waits d or until ctx is done, returning ctx.Err() in that case;
	// nil means a timer-based wait. Tests inject a fake.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter returns a number in [0, 1); nil means math/rand/v2.
	Jitter func() float64
}

// DefaultMaxBodyBytes is the response body limit when Options.MaxBodyBytes
// is 0: far above any page of the APIs Aftermath reads (a PagerDuty page of
// 100 incidents is about 300 KiB, a Jira search page with changelogs a few
// MiB), far below what would hurt the process.
const DefaultMaxBodyBytes int64 = 64 << 20

// burstQuiet is how long without a retry ends a burst of retries; burstEvery
// is how often a long burst is logged again at INFO.
const (
	burstQuiet = 30 * time.Second
	burstEvery = time.Minute
)

// BodyTooLargeError is returned (wrapped) when a response body exceeds
// Options.MaxBodyBytes. It names the endpoint template, never the URL.
type BodyTooLargeError struct {
	Method   string
	Endpoint string
	Limit    int64
	// Declared is the Content-Length the server announced, or -1 when the
	// body was cut off while being read.
	Declared int64
	status   int
}

func (e *BodyTooLargeError) Error() string {
	if e.Declared >= 0 {
		return fmt.Sprintf("httpx: %s %s: response body of %s exceeds the limit of %s", e.Method, e.Endpoint, byteSize(e.Declared), byteSize(e.Limit))
	}
	return fmt.Sprintf("httpx: %s %s: response body exceeds the limit of %s", e.Method, e.Endpoint, byteSize(e.Limit))
}

// byteSize formats n bytes for people: "64 MiB", "1.5 GiB", "512 B".
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	s := strconv.FormatFloat(v, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	return s + " " + string("KMGTP"[exp]) + "iB"
}

// Stats counts what a Transport did since it was created.
type Stats struct {
	Requests  uint64 // attempts sent (retries included)
	Retries   uint64 // attempts that were retries
	RateWaits uint64 // waits caused by the budget, a 429 or ratelimit-remaining: 0
	Errors    uint64 // requests that finally failed (error or non-2xx after retries)
}

// Transport is a retrying, budgeted http.RoundTripper. It is safe for
// concurrent use.
type Transport struct {
	opts    Options
	log     *slog.Logger
	bucket  *bucket
	metrics *metrics

	pauseMu    sync.Mutex
	pauseUntil time.Time

	retryLog, pauseLog burst

	requests, retries, rateWaits, errs atomic.Uint64
}

var _ http.RoundTripper = (*Transport)(nil)

// New builds a Transport.
func New(opts Options) (*Transport, error) {
	if opts.Source == "" {
		return nil, errors.New("httpx: source name is required")
	}
	if opts.RequestsPerMinute < 0 {
		return nil, fmt.Errorf("httpx: %s: negative requests per minute %d", opts.Source, opts.RequestsPerMinute)
	}
	if opts.Base == nil {
		opts.Base = http.DefaultTransport.(*http.Transport).Clone()
	}
	if opts.Burst <= 0 {
		opts.Burst = 1
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 8
	}
	if opts.BaseBackoff <= 0 {
		opts.BaseBackoff = 500 * time.Millisecond
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 30 * time.Second
	}
	if opts.MaxRetryAfter <= 0 {
		opts.MaxRetryAfter = 2 * time.Minute
	}
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Endpoint == nil {
		opts.Endpoint = func(*http.Request) string { return "other" }
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = sleepCtx
	}
	if opts.Jitter == nil {
		opts.Jitter = rand.Float64
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("httpx: %s: register metrics: %w", opts.Source, err)
	}
	t := &Transport{opts: opts, log: opts.Logger, metrics: m}
	if opts.RequestsPerMinute > 0 {
		t.bucket = newBucket(float64(opts.RequestsPerMinute)/60, opts.Burst, opts.Now())
	}
	return t, nil
}

// Stats returns the counters so far.
func (t *Transport) Stats() Stats {
	return Stats{Requests: t.requests.Load(), Retries: t.retries.Load(), RateWaits: t.rateWaits.Load(), Errors: t.errs.Load()}
}

// RoundTrip sends req, waiting for the budget and retrying transient failures.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	endpoint := t.opts.Endpoint(req)
	src := t.opts.Source

	getBody, err := rewindable(req)
	if err != nil {
		t.fail(endpoint, "body")
		return nil, fmt.Errorf("httpx: %s %s: read request body: %w", req.Method, endpoint, err)
	}

	var lastErr error
	for attempt := 1; ; attempt++ {
		if err := t.waitTurn(ctx, endpoint); err != nil {
			t.fail(endpoint, "canceled")
			return nil, fmt.Errorf("httpx: %s %s: waiting for request budget: %w", req.Method, endpoint, err)
		}
		resp, cancel, err := t.attempt(req, endpoint, getBody)
		t.requests.Add(1)
		if attempt > 1 {
			t.retries.Add(1)
		}
		last := attempt >= t.opts.MaxAttempts

		var wait time.Duration
		var reason, statusLabel string
		switch {
		case err != nil:
			statusLabel = "error"
			var big *BodyTooLargeError
			if errors.As(err, &big) {
				t.metrics.request(src, endpoint, strconv.Itoa(big.status))
				t.fail(endpoint, "too_large")
				return nil, big
			}
			if ctx.Err() != nil {
				t.metrics.request(src, endpoint, "error")
				t.fail(endpoint, "canceled")
				return nil, fmt.Errorf("httpx: %s %s: %w", req.Method, endpoint, ctx.Err())
			}
			t.metrics.request(src, endpoint, "error")
			lastErr = err
			if !retryableError(err) {
				t.fail(endpoint, "network")
				return nil, fmt.Errorf("httpx: %s %s: %w", req.Method, endpoint, stripURL(err))
			}
			reason = "network"
			if isTimeout(err) {
				reason = "timeout"
			}
			wait = t.backoff(attempt)
		default:
			statusLabel = strconv.Itoa(resp.StatusCode)
			t.metrics.request(src, endpoint, statusLabel)
			t.notePause(req.Method, endpoint, resp)
			switch {
			case resp.StatusCode == http.StatusTooManyRequests:
				reason = "429"
				wait = t.retryAfter(resp, attempt)
			case resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
				// A server error: capped exponential backoff. The
				// rate-limit headers on it describe the budget; a spent one
				// (remaining 0) has paused every request in notePause, a
				// large one says nothing about when the server recovers.
				reason = "5xx"
				if resp.StatusCode < 500 {
					reason = "timeout"
				}
				wait = t.backoff(attempt)
				if ra, ok := retryAfterOn5xx(resp.Header, t.opts.Now()); ok && ra > wait {
					wait = min(ra, t.opts.MaxBackoff)
				}
			default:
				if resp.StatusCode >= 400 {
					t.errs.Add(1)
					t.metrics.errors.WithLabelValues(src, endpoint, "status").Inc()
				}
				return resp, nil
			}
			if last {
				t.fail(endpoint, reason)
				return resp, nil
			}
			drain(resp, cancel)
		}
		if last {
			t.fail(endpoint, reason)
			return nil, fmt.Errorf("httpx: %s %s: giving up after %d attempts: %w", req.Method, endpoint, attempt, stripURL(lastErr))
		}
		t.metrics.retries.WithLabelValues(src, endpoint, reason).Inc()
		t.logRetry(req.Method, endpoint, statusLabel, reason, attempt, wait)
		if reason == "429" {
			t.countRateWait(wait)
			t.pause(wait)
		}
		if err := t.opts.Sleep(ctx, wait); err != nil {
			t.fail(endpoint, "canceled")
			return nil, fmt.Errorf("httpx: %s %s: waiting to retry: %w", req.Method, endpoint, err)
		}
	}
}

// attempt sends one copy of req. The returned cancel releases the attempt's
// timeout; it is tied to the response body's Close.
func (t *Transport) attempt(req *http.Request, endpoint string, getBody func() (io.ReadCloser, error)) (*http.Response, context.CancelFunc, error) {
	ctx := req.Context()
	cancel := context.CancelFunc(func() {})
	if t.opts.AttemptTimeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, t.opts.AttemptTimeout)
	}
	r := req.Clone(ctx)
	if getBody != nil {
		b, err := getBody()
		if err != nil {
			cancel()
			return nil, cancel, err
		}
		r.Body = b
		r.GetBody = getBody
	}
	resp, err := t.opts.Base.RoundTrip(r)
	if err != nil {
		cancel()
		return nil, cancel, err
	}
	limit := t.opts.MaxBodyBytes
	if limit > 0 && resp.StatusCode < 300 && resp.ContentLength > limit {
		// Announced too big: fail before reading a byte of it.
		_ = resp.Body.Close()
		cancel()
		return nil, cancel, &BodyTooLargeError{Method: req.Method, Endpoint: endpoint, Limit: limit, Declared: resp.ContentLength, status: resp.StatusCode}
	}
	if t.opts.BufferBodies && resp.StatusCode < 300 {
		var data []byte
		var rerr error
		if limit > 0 {
			// Read at most one byte past the limit: enough to tell.
			data, rerr = io.ReadAll(io.LimitReader(resp.Body, limit+1))
		} else {
			data, rerr = io.ReadAll(resp.Body)
		}
		_ = resp.Body.Close()
		cancel()
		if rerr != nil {
			return nil, cancel, fmt.Errorf("read response body: %w", rerr)
		}
		if limit > 0 && int64(len(data)) > limit {
			return nil, cancel, &BodyTooLargeError{Method: req.Method, Endpoint: endpoint, Limit: limit, Declared: -1, status: resp.StatusCode}
		}
		resp.Body = io.NopCloser(bytes.NewReader(data))
		resp.ContentLength = int64(len(data))
		return resp, cancel, nil
	}
	var body io.ReadCloser = resp.Body
	if limit > 0 {
		body = &limitedBody{ReadCloser: body, left: limit, err: &BodyTooLargeError{Method: req.Method, Endpoint: endpoint, Limit: limit, Declared: -1, status: resp.StatusCode},
			exceeded: func() { t.fail(endpoint, "too_large") }}
	}
	resp.Body = &cancelOnClose{ReadCloser: body, cancel: cancel}
	return resp, cancel, nil
}

// limitedBody reads at most left bytes of a body, then fails with err
// instead of reading on (a caller decoding a stream stops there).
type limitedBody struct {
	io.ReadCloser
	left     int64
	err      error
	exceeded func() // called once, when the limit is passed
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, l.err
	}
	// Allow one byte past the limit to tell "exactly the limit" from "more".
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.ReadCloser.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		l.exceeded()
		return max(n+int(l.left), 0), l.err
	}
	return n, err
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

func drain(resp *http.Response, cancel context.CancelFunc) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	_ = resp.Body.Close()
	cancel()
}

func (t *Transport) fail(endpoint, kind string) {
	t.errs.Add(1)
	t.metrics.errors.WithLabelValues(t.opts.Source, endpoint, kind).Inc()
}

func (t *Transport) countRateWait(d time.Duration) {
	t.rateWaits.Add(1)
	t.metrics.rateWaits.WithLabelValues(t.opts.Source).Inc()
	t.metrics.rateWaitSeconds.WithLabelValues(t.opts.Source).Add(d.Seconds())
}

// waitTurn waits for a pause ordered by the server to end, then for a token
// of the budget.
func (t *Transport) waitTurn(ctx context.Context, endpoint string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t.pauseMu.Lock()
	until := t.pauseUntil
	t.pauseMu.Unlock()
	if d := until.Sub(t.opts.Now()); d > 0 {
		t.countRateWait(d)
		t.log.Debug("server rate limit: pausing", "endpoint", endpoint, "wait", d)
		if err := t.opts.Sleep(ctx, d); err != nil {
			return err
		}
	}
	if t.bucket == nil {
		return nil
	}
	if d := t.bucket.reserve(t.opts.Now()); d > 0 {
		t.countRateWait(d)
		if err := t.opts.Sleep(ctx, d); err != nil {
			t.bucket.cancel()
			return err
		}
	}
	return nil
}

// pause makes every request wait d from now (a 429 applies to all).
func (t *Transport) pause(d time.Duration) {
	until := t.opts.Now().Add(d)
	t.pauseMu.Lock()
	if until.After(t.pauseUntil) {
		t.pauseUntil = until
	}
	t.pauseMu.Unlock()
}

// notePause pauses further requests when the server reports its budget spent.
func (t *Transport) notePause(method, endpoint string, resp *http.Response) {
	if resp.StatusCode == http.StatusTooManyRequests {
		return // handled by the retry path
	}
	rem := resp.Header.Get("ratelimit-remaining")
	if rem == "" {
		rem = resp.Header.Get("x-ratelimit-remaining")
	}
	if n, err := strconv.Atoi(strings.TrimSpace(rem)); err != nil || n > 0 {
		return
	}
	if d, ok := resetDelay(resp.Header); ok && d > 0 {
		d = min(d, t.opts.MaxRetryAfter)
		t.pause(d)
		if n, ok := t.pauseLog.note(t.opts.Now()); ok {
			t.log.Info("server request budget spent, pausing", "endpoint", endpoint, "method", method,
				"status", resp.StatusCode, "retry_in", d, "pauses_since_last_log", n)
		}
	}
}

// logRetry logs a retry: at INFO when it opens a burst of retries (or a
// minute into one, with the count since the last line), else at DEBUG.
func (t *Transport) logRetry(method, endpoint, status, reason string, attempt int, wait time.Duration) {
	n, first := t.retryLog.note(t.opts.Now())
	if !first {
		t.log.Debug("retrying request", "endpoint", endpoint, "method", method, "status", status, "reason", reason,
			"attempt", attempt, "retry_in", wait)
		return
	}
	msg := "retrying request"
	if reason == "429" {
		msg = "rate limited, retrying request"
	}
	t.log.Info(msg, "endpoint", endpoint, "method", method, "status", status, "reason", reason,
		"attempt", attempt, "retry_in", wait, "retries_since_last_log", n)
}

// burst tells which events of a stream deserve a log line: the first after
// burstQuiet without any, and one every burstEvery during a long burst.
type burst struct {
	mu         sync.Mutex
	last       time.Time // last event
	logged     time.Time // last event logged
	suppressed int       // events since the last one logged
}

// note records an event at now; log says whether to log it, n how many
// events since the last one logged (this one included) it stands for.
func (b *burst) note(now time.Time) (n int, log bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	quiet := b.last.IsZero() || now.Sub(b.last) >= burstQuiet
	b.last = now
	b.suppressed++
	if quiet || now.Sub(b.logged) >= burstEvery {
		n, b.suppressed, b.logged = b.suppressed, 0, now
		return n, true
	}
	return 0, false
}

// backoff is the capped exponential delay for a retry after attempt n (1-based)
// with "equal jitter": half fixed, half random.
func (t *Transport) backoff(n int) time.Duration {
	d := float64(t.opts.BaseBackoff) * math.Pow(2, float64(n-1))
	if d > float64(t.opts.MaxBackoff) {
		d = float64(t.opts.MaxBackoff)
	}
	return time.Duration(d/2 + t.opts.Jitter()*d/2)
}

// retryAfter is how long to wait after a 429: the server's word when it gives
// one (capped, plus a little jitter so that clients do not stampede), else
// the backoff.
func (t *Transport) retryAfter(resp *http.Response, n int) time.Duration {
	if d, ok := headerDelay(resp.Header, t.opts.Now()); ok {
		d = min(d, t.opts.MaxRetryAfter)
		return d + time.Duration(t.opts.Jitter()*float64(100*time.Millisecond))
	}
	return t.backoff(n)
}

// retryAfterOn5xx is the Retry-After of a 5xx, honoured only when the
// response does not report budget left: a server that is down for
// maintenance may say when it will be back, but the rate-limit headers of a
// server with budget left say nothing about its failure. ratelimit-reset
// alone is never a reason to wait after a 5xx.
func retryAfterOn5xx(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	rem := h.Get("ratelimit-remaining")
	if rem == "" {
		rem = h.Get("x-ratelimit-remaining")
	}
	if n, err := strconv.Atoi(strings.TrimSpace(rem)); err == nil && n > 0 {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 && s < 1e7 {
		return time.Duration(s * float64(time.Second)), true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

// headerDelay reads Retry-After (seconds or HTTP date), then ratelimit-reset.
func headerDelay(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 && s < 1e7 {
			return time.Duration(s * float64(time.Second)), true
		}
		if at, err := http.ParseTime(v); err == nil {
			return max(at.Sub(now), 0), true
		}
	}
	return resetDelay(h)
}

// resetDelay reads ratelimit-reset as seconds until the window resets (the
// IETF draft's meaning and PagerDuty's).
func resetDelay(h http.Header) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("ratelimit-reset"))
	if v == "" {
		v = strings.TrimSpace(h.Get("x-ratelimit-reset"))
	}
	if v == "" {
		return 0, false
	}
	s, err := strconv.ParseFloat(v, 64)
	if err != nil || s < 0 || s > 1e7 {
		return 0, false
	}
	return time.Duration(s * float64(time.Second)), true
}

// rewindable returns a function giving fresh copies of req's body, or nil when
// the request has none.
func rewindable(req *http.Request) (func() (io.ReadCloser, error), error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	if req.GetBody != nil {
		return req.GetBody, nil
	}
	data, err := io.ReadAll(req.Body)
	_ = req.Body.Close()
	if err != nil {
		return nil, err
	}
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }, nil
}

func retryableError(err error) bool {
	if isTimeout(err) {
		return true
	}
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE):
		return true
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return true // dial and read failures
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return dns.IsTemporary || dns.IsTimeout
	}
	// http.Transport reports a server that hung up before answering with an
	// unexported error whose text is stable.
	msg := err.Error()
	return strings.Contains(msg, "server closed idle connection") ||
		strings.Contains(msg, "connection reset") || strings.Contains(msg, "broken pipe") ||
		strings.Contains(msg, "transport connection broken")
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// stripURL removes the *url.Error wrapper (which holds the full URL) but keeps
// what it wraps.
func stripURL(err error) error {
	var ue *url.Error
	for errors.As(err, &ue) {
		err = ue.Err
	}
	return err
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}

// Templates returns an Endpoint function that labels a request with the
// template its path matches, segment by segment, where a segment "{...}"
// matches any one segment; requests matching none are labelled "other".
// Templates are matched against the tail of the path, so a base path such as
// "/rest/api/3" need not be spelled out, and longer templates are tried first
// ("/incidents/{id}/log_entries" before "/log_entries").
func Templates(templates ...string) func(*http.Request) string {
	type tpl struct {
		name string
		segs []string
	}
	tpls := make([]tpl, len(templates))
	for i, t := range templates {
		tpls[i] = tpl{t, strings.Split(strings.Trim(t, "/"), "/")}
	}
	sort.SliceStable(tpls, func(i, j int) bool { return len(tpls[i].segs) > len(tpls[j].segs) })
	return func(r *http.Request) string {
		segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		for _, t := range tpls {
			if len(segs) < len(t.segs) {
				continue
			}
			tail := segs[len(segs)-len(t.segs):]
			ok := true
			for j, s := range t.segs {
				if !(strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}")) && s != tail[j] {
					ok = false
					break
				}
			}
			if ok {
				return t.name
			}
		}
		return "other"
	}
}
