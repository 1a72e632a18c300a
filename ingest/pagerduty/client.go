package pagerduty

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"
	"github.com/google/go-querystring/query"

	"github.com/aftermath-sre/aftermath/ingest/httpx"
)

// maxOffset is PagerDuty's cap on offset+limit (Options.OffsetCap).
const maxOffset = 10000

// maxSpan is the longest created_at window /incidents accepts (6 months),
// with a margin for the shortest six months of the calendar.
const maxSpan = 180 * 24 * time.Hour

// page is one list page, each item decoded once (and kept raw).
type page struct {
	Items  []doc
	Limit  int
	Offset int
	More   bool
	Total  *int
}

type listResponse struct {
	Incidents  []json.RawMessage `json:"incidents"`
	LogEntries []json.RawMessage `json:"log_entries"`
	Limit      int               `json:"limit"`
	Offset     int               `json:"offset"`
	More       bool              `json:"more"`
	Total      *int              `json:"total"`
}

// get sends one GET through go-pagerduty's client (auth and API headers) and
// the httpx transport (budget, retries) and decodes the JSON body into out.
// A body that does not decode (JSON cut short in a complete response) is
// fetched again, a bounded number of times.
func (in *Ingester) get(ctx context.Context, endpoint, path string, q url.Values, out any) error {
	target := in.baseURL + path
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	var lastErr error
	for attempt := 1; attempt <= in.opts.DecodeAttempts; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		if err != nil {
			return fmt.Errorf("pagerduty: GET %s: %w", endpoint, err)
		}
		resp, err := in.client.Do(req, true)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("pagerduty: GET %s: %w", endpoint, ctx.Err())
			}
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err // drop the URL; the endpoint says enough
			}
			return fmt.Errorf("pagerduty: GET %s: %w", endpoint, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if big := (*httpx.BodyTooLargeError)(nil); errors.As(err, &big) {
			return fmt.Errorf("pagerduty: GET %s: %w", endpoint, big) // fetching again would not help
		}
		if err != nil {
			lastErr = fmt.Errorf("read body: %w", err)
			in.metrics.DecodeRetries.Inc()
			continue
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			apiErr := pd.APIError{StatusCode: resp.StatusCode}
			_ = json.Unmarshal(body, &apiErr)
			return fmt.Errorf("pagerduty: GET %s: %w", endpoint, apiErr)
		}
		if err := json.Unmarshal(body, out); err != nil {
			lastErr = fmt.Errorf("decode response: %w", err)
			in.metrics.DecodeRetries.Inc()
			in.log.Warn("undecodable response, fetching again", "endpoint", endpoint, "attempt", attempt, "err", err)
			continue
		}
		return nil
	}
	return fmt.Errorf("pagerduty: GET %s: giving up after %d attempts: %w", endpoint, in.opts.DecodeAttempts, lastErr)
}

// listPage fetches one page of /incidents or /log_entries.
func (in *Ingester) listPage(ctx context.Context, kind string, since, until time.Time, offset int, total bool) (page, error) {
	var v url.Values
	var err error
	switch kind {
	case kindIncident:
		v, err = query.Values(pd.ListIncidentsOptions{
			Limit: uint(in.opts.PageSize), Offset: uint(offset), Total: total,
			Since: since.UTC().Format(time.RFC3339), Until: until.UTC().Format(time.RFC3339),
			ServiceIDs: in.opts.ServiceIDs, TeamIDs: in.opts.TeamIDs, SortBy: "created_at:asc", TimeZone: "UTC",
		})
	default:
		v, err = query.Values(pd.ListLogEntriesOptions{
			Limit: uint(in.opts.PageSize), Offset: uint(offset), Total: total,
			Since: since.UTC().Format(time.RFC3339), Until: until.UTC().Format(time.RFC3339),
			TeamIDs: in.opts.TeamIDs, TimeZone: "UTC",
		})
	}
	if err != nil {
		return page{}, fmt.Errorf("pagerduty: encode %s query: %w", kind, err)
	}
	if offset == 0 {
		v.Set("offset", "0")
	}
	path := "/incidents"
	if kind == kindLogEntry {
		path = "/log_entries"
	}
	var lr listResponse
	if err := in.get(ctx, path, path, v, &lr); err != nil {
		return page{}, err
	}
	items := lr.Incidents
	if kind == kindLogEntry {
		items = lr.LogEntries
	}
	return page{Items: decodeDocs(kind, items), Limit: lr.Limit, Offset: lr.Offset, More: lr.More, Total: lr.Total}, nil
}

// decodeDocs decodes the items of one page; each is decoded here, once.
func decodeDocs(kind string, items []json.RawMessage) []doc {
	out := make([]doc, len(items))
	for i, raw := range items {
		out[i] = decodeDoc(kind, raw)
	}
	return out
}

// listOpen streams every incident that is open now (triggered or
// acknowledged), whenever created, to sink, a page of PageSize at a time:
// /incidents?statuses[]=triggered&statuses[]=acknowledged&date_range=all.
// It returns how many it listed; errTooBig when there are more than offset
// pagination reaches.
func (in *Ingester) listOpen(ctx context.Context, sink func(context.Context, []doc) error) (int, error) {
	seen := 0
	total := -1
	for offset := 0; ; offset += in.opts.PageSize {
		if offset+in.opts.PageSize > in.opts.OffsetCap {
			return seen, errTooBig{total}
		}
		v, err := query.Values(pd.ListIncidentsOptions{
			Limit: uint(in.opts.PageSize), Offset: uint(offset), Total: offset == 0, DateRange: "all",
			Statuses:   []string{"triggered", "acknowledged"},
			ServiceIDs: in.opts.ServiceIDs, TeamIDs: in.opts.TeamIDs, SortBy: "created_at:asc", TimeZone: "UTC",
		})
		if err != nil {
			return seen, fmt.Errorf("pagerduty: encode open incidents query: %w", err)
		}
		v.Set("offset", strconv.Itoa(offset))
		var lr listResponse
		if err := in.get(ctx, "/incidents", "/incidents", v, &lr); err != nil {
			return seen, err
		}
		if offset == 0 && lr.Total != nil {
			total = *lr.Total
			if total > in.opts.OffsetCap {
				return 0, errTooBig{total}
			}
		}
		if err := sink(ctx, decodeDocs(kindIncident, lr.Incidents)); err != nil {
			return seen, err
		}
		seen += len(lr.Incidents)
		if !lr.More || len(lr.Incidents) == 0 {
			return seen, nil
		}
	}
}

// streamPages fetches the n pages from offset on, up to Concurrency of them
// in flight at once, and hands them to yield in offset order until yield
// says stop or fails. A page waiting out a retry does not hold up the
// fetching of the pages after it, only their turn to be taken.
func (in *Ingester) streamPages(ctx context.Context, kind string, since, until time.Time, offset, n int, yield func(page) (bool, error)) error {
	if n <= 1 || in.opts.Concurrency <= 1 {
		for i := range n {
			p, err := in.listPage(ctx, kind, since, until, offset+i*in.opts.PageSize, false)
			if err != nil {
				return err
			}
			if ok, err := yield(p); err != nil || !ok {
				return err
			}
		}
		return nil
	}
	type result struct {
		p   page
		err error
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel() // stops the launcher and the fetches still running
		wg.Wait()
	}()
	results := make([]chan result, n)
	for i := range results {
		results[i] = make(chan result, 1)
	}
	slots := make(chan struct{}, in.opts.Concurrency)
	wg.Add(1)
	go func() { // the launcher
		defer wg.Done()
		for i := range n {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-slots }()
				p, err := in.listPage(ctx, kind, since, until, offset+i*in.opts.PageSize, false)
				results[i] <- result{p, err}
			}()
		}
	}()
	for i := range n {
		var r result
		select {
		case r = <-results[i]:
		case <-ctx.Done():
			return fmt.Errorf("pagerduty: list %s: %w", kind, ctx.Err())
		}
		if r.err != nil {
			return r.err
		}
		if ok, err := yield(r.p); err != nil || !ok {
			return err
		}
	}
	return nil
}

// errTooBig says a window holds more items than offset pagination can reach.
type errTooBig struct{ total int }

func (e errTooBig) Error() string { return fmt.Sprintf("window holds %d items", e.total) }

// fetchWindow streams every item of kind created in [since, until) to sink,
// a batch of at most FlushItems at a time, each item once; it returns how
// many items there were. The first page asks for the total; when the pages
// served fewer distinct items than the total (items shifted while paging),
// the window is paged again and the items not seen yet are added, a bounded
// number of times.
func (in *Ingester) fetchWindow(ctx context.Context, kind string, since, until time.Time, sink func(context.Context, []doc) error) (int, error) {
	first, err := in.listPage(ctx, kind, since, until, 0, true)
	if err != nil {
		return 0, err
	}
	if first.Total == nil {
		return 0, fmt.Errorf("pagerduty: list %s %s..%s: the response has no total", kind, since.Format(time.RFC3339), until.Format(time.RFC3339))
	}
	total := *first.Total
	if total > in.opts.OffsetCap {
		return 0, errTooBig{total}
	}
	seen := make(map[string]struct{}, total)
	var pending []doc
	add := func(p page) error {
		for _, d := range p.Items {
			if _, ok := seen[d.id]; ok {
				continue
			}
			seen[d.id] = struct{}{}
			pending = append(pending, d)
		}
		if len(pending) >= in.opts.FlushItems {
			if err := sink(ctx, pending); err != nil {
				return err
			}
			pending = nil
		}
		return nil
	}
	if err := add(first); err != nil {
		return 0, err
	}
	limit := in.opts.PageSize
	maxPages := total/limit + 3
	for pass := 1; ; pass++ {
		more := first.More
		offset := limit
		if pass > 1 {
			more, offset = true, 0
		}
		for n := 0; more && n < maxPages && offset+limit <= in.opts.OffsetCap; {
			if len(seen) >= total && pass > 1 {
				break
			}
			// The total says how many pages are left: stream them, a few
			// in flight at once (one when the total says none are left
			// but the server says more), taking them in order.
			k := 1
			if left := (total - offset + limit - 1) / limit; left > 1 {
				k = left
			}
			k = max(min(k, maxPages-n, (in.opts.OffsetCap-offset)/limit), 1)
			stop := false
			err := in.streamPages(ctx, kind, since, until, offset, k, func(p page) (bool, error) {
				if err := add(p); err != nil {
					return false, err
				}
				n++
				if len(p.Items) == 0 {
					stop = true
					return false, nil
				}
				more = p.More
				offset += limit
				return more && !(pass > 1 && len(seen) >= total), nil
			})
			if err != nil {
				return 0, err
			}
			if stop {
				break
			}
		}
		if len(seen) >= total {
			break
		}
		if pass >= in.opts.WindowPasses {
			return 0, fmt.Errorf("pagerduty: list %s %s..%s: %d of %d items after %d passes (items keep shifting between pages)",
				kind, since.Format(time.RFC3339), until.Format(time.RFC3339), len(seen), total, pass)
		}
		in.metrics.windowRepasses.WithLabelValues(kind).Inc()
		in.log.Warn("items shifted while paging, paging the window again", "kind", kind,
			"since", since, "until", until, "have", len(seen), "total", total)
	}
	if len(pending) > 0 {
		if err := sink(ctx, pending); err != nil {
			return 0, err
		}
	}
	return len(seen), nil
}

// walk fetches [from, to) in created_at windows sized to stay under the
// offset cap, streaming items to sink and calling done after each window, in
// time order. span carries the window size from one call to the next; it
// adapts to the density seen.
func (in *Ingester) walk(ctx context.Context, kind string, from, to time.Time, span *time.Duration,
	sink func(context.Context, []doc) error, done func(ctx context.Context, until time.Time) error) error {
	target := in.opts.WindowTarget
	for start := from; start.Before(to); {
		if err := ctx.Err(); err != nil {
			return err
		}
		end := start.Add(min(*span, maxSpan))
		if end.After(to) {
			end = to
		}
		n, err := in.fetchWindow(ctx, kind, start, end, sink)
		var big errTooBig
		if errors.As(err, &big) {
			if end.Sub(start) <= time.Second {
				return fmt.Errorf("pagerduty: %d %s in one second at %s: more than offset pagination reaches", big.total, kind, start.Format(time.RFC3339))
			}
			*span = nextSpan(end.Sub(start), big.total, target)
			in.log.Debug("window too big, splitting", "kind", kind, "since", start, "total", big.total, "span", *span)
			continue
		}
		if err != nil {
			return err
		}
		if done != nil {
			if err := done(ctx, end); err != nil {
				return err
			}
		}
		*span = nextSpan(end.Sub(start), n, target)
		start = end
	}
	return nil
}

// minSpan is the narrowest window: created_at has a resolution of a second.
const minSpan = time.Second

// maxGrowth bounds how much wider than the last window the next may be.
const maxGrowth = 8

// nextSpan sizes the window after one of width that held n items (or, too
// big, reported a total of n) for about target items: width*target/n,
// computed in floating point and clamped before it becomes a Duration, so
// that a sparse window (n small, width months) cannot overflow int64 into a
// negative or one-second window. It grows at most maxGrowth times, never
// beyond maxSpan, never below minSpan, and is whole seconds.
func nextSpan(width time.Duration, n, target int) time.Duration {
	width = max(width, minSpan)
	hi := min(maxSpan, time.Duration(maxGrowth)*width)
	if n <= 0 {
		return hi.Truncate(time.Second)
	}
	next := float64(width) * float64(max(target, 1)) / float64(n)
	if next >= float64(hi) { // also catches +Inf and values past int64
		return hi.Truncate(time.Second)
	}
	if next <= float64(minSpan) || next != next {
		return minSpan
	}
	return max(time.Duration(next).Truncate(time.Second), minSpan)
}

// getIncident fetches one incident.
func (in *Ingester) getIncident(ctx context.Context, id string) (doc, error) {
	var out struct {
		Incident json.RawMessage `json:"incident"`
	}
	if err := in.get(ctx, "/incidents/{id}", "/incidents/"+url.PathEscape(id), nil, &out); err != nil {
		return doc{}, err
	}
	if len(out.Incident) == 0 || strings.TrimSpace(string(out.Incident)) == "null" {
		return doc{}, fmt.Errorf("pagerduty: GET /incidents/{id}: no incident in the response")
	}
	return decodeDoc(kindIncident, out.Incident), nil
}
