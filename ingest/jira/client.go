package jira

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	gojira "github.com/andygrunwald/go-jira"
)

// The transport chain of the Jira client, outermost first:
//
//	go-jira → capture (raw search pages, API version) → httpx (budget, retries, metrics) → auth → base
//
// go-jira v1.17 builds the requests and drives the nextPageToken paging of
// search/jql (SearchV2JQLWithContext). Its Issue model cannot hold what
// Aftermath needs: v3 descriptions are ADF objects (go-jira's Description is
// a string) and the embedded changelog's total, which tells a truncated
// changelog from a complete one, is dropped. So the capture layer keeps each
// raw search page for our own decoding and hands go-jira only the paging
// envelope (isLast, nextPageToken).

type captureKey struct{}

// capturedPage is what the capture layer saw of one search response.
type capturedPage struct {
	raw  []byte
	page searchPage
	err  error // the body was not a search page (malformed JSON)
}

type searchPage struct {
	Issues        []json.RawMessage `json:"issues"`
	NextPageToken string            `json:"nextPageToken"`
	IsLast        bool              `json:"isLast"`
}

// errMalformed marks a 2xx response whose body is not the JSON it should
// be; the request is repeated a few times.
var errMalformed = errors.New("malformed response body")

type captureTransport struct {
	next       http.RoundTripper
	apiVersion int
}

func (c *captureTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if p := requestPath(req.URL.Path, c.apiVersion); p != req.URL.Path {
		req = req.Clone(req.Context())
		req.URL.Path = p
		req.URL.RawPath = ""
	}
	sink, _ := req.Context().Value(captureKey{}).(*capturedPage)
	resp, err := c.next.RoundTrip(req)
	if err != nil || sink == nil || resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp, err
	}
	raw, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read search page: %w", err)
	}
	sink.raw = raw
	sink.err = nil
	// Split, not decoded: one undecodable issue must not fail the page.
	if sink.page, err = splitSearchPage(raw); err != nil {
		sink.err = fmt.Errorf("%w: %v", errMalformed, err)
	}
	envelope, _ := json.Marshal(struct {
		IsLast        bool   `json:"isLast"`
		NextPageToken string `json:"nextPageToken,omitempty"`
	}{sink.page.IsLast, sink.page.NextPageToken})
	resp.Body = io.NopCloser(bytes.NewReader(envelope))
	resp.ContentLength = int64(len(envelope))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// authTransport adds the credentials. They never reach a log line or an
// error: httpx logs neither headers nor URLs with credentials.
type authTransport struct {
	next         http.RoundTripper
	email, token string
	bearer       bool
}

func (a *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	if a.bearer {
		req.Header.Set("Authorization", "Bearer "+a.token)
	} else {
		req.SetBasicAuth(a.email, a.token)
	}
	req.Header.Set("Accept", "application/json")
	return a.next.RoundTrip(req)
}

// maxMalformedAttempts bounds how often a request whose 2xx body is not
// valid JSON is repeated (network-level failures are httpx's business).
const maxMalformedAttempts = 4

// retryMalformed runs fn until it succeeds, fails with something other
// than a malformed body, or maxMalformedAttempts is reached.
func (in *Ingester) retryMalformed(ctx context.Context, what string, fn func() error) error {
	var err error
	for attempt := 1; attempt <= maxMalformedAttempts; attempt++ {
		if err = fn(); err == nil || !errors.Is(err, errMalformed) {
			return err
		}
		in.log.Warn("malformed response, repeating the request", "what", what, "attempt", attempt)
		in.metrics.DecodeRetries.Inc()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt) * in.opts.MalformedBackoff):
		}
	}
	return err
}

// searchPage fetches one page of a search through go-jira.
func (in *Ingester) searchPage(ctx context.Context, q searchQuery, token string) (*capturedPage, error) {
	sink := &capturedPage{}
	err := in.retryMalformed(ctx, "search", func() error {
		*sink = capturedPage{}
		cctx := context.WithValue(ctx, captureKey{}, sink)
		_, resp, err := in.client.Issue.SearchV2JQLWithContext(cctx, q.jql, &gojira.SearchOptionsV2{
			NextPageToken: token,
			MaxResults:    q.pageSize,
			Fields:        q.fields,
			Expand:        q.expand,
		})
		if err != nil {
			return in.describe(err)
		}
		if sink.err != nil {
			return sink.err
		}
		if sink.raw == nil {
			return fmt.Errorf("%w: no search page captured", errMalformed)
		}
		// go-jira read the paging envelope from what we handed it.
		if resp != nil && (resp.NextPageToken != sink.page.NextPageToken || resp.IsLast != sink.page.IsLast) {
			return fmt.Errorf("paging envelope mismatch")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sink, nil
}

// getJSON GETs a path below the API root (e.g. "myself") into v.
func (in *Ingester) getJSON(ctx context.Context, path string, q url.Values, v any) error {
	u := in.apiRoot + "/" + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return in.retryMalformed(ctx, path, func() error {
		req, err := in.client.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		var raw json.RawMessage
		resp, err := in.client.Do(req, &raw)
		if err != nil {
			var syn *json.SyntaxError
			if errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("%w: %v", errMalformed, err)
			}
			if resp != nil && resp.StatusCode >= 300 {
				return in.describe(gojira.NewJiraError(resp, err))
			}
			return in.describe(err)
		}
		if err := json.Unmarshal(raw, v); err != nil {
			return fmt.Errorf("%w: %v", errMalformed, err)
		}
		return nil
	})
}

// describe strips go-jira's generic advice from errors; what remains is the
// status and Jira's own errorMessages.
func (in *Ingester) describe(err error) error {
	if err == nil {
		return nil
	}
	return &apiError{err: err, apiVersion: in.opts.APIVersion}
}

// requestPath is the path the capture layer requests for path:
// SearchV2JQLWithContext hard-codes /rest/api/2/search/jql, and v3 has the
// same operation with ADF descriptions.
func requestPath(path string, apiVersion int) string {
	if apiVersion == 3 && strings.Contains(path, "/rest/api/2/") {
		return strings.Replace(path, "/rest/api/2/", "/rest/api/3/", 1)
	}
	return path
}

// apiError is an error of go-jira or of the HTTP client, said better.
type apiError struct {
	err        error
	apiVersion int
}

// Error drops go-jira's advice about the request body and, when no response
// came, names the URL actually requested (http.Client reports the one go-jira
// built, before the capture layer's rewrite) without its query: the JQL and
// the field list are long and say nothing of the failure.
func (e *apiError) Error() string {
	msg := strings.ReplaceAll(e.err.Error(), "request failed. Please analyze the request body for more details. ", "")
	var ue *url.Error
	if errors.As(e.err, &ue) {
		if u, err := url.Parse(ue.URL); err == nil {
			short := (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: requestPath(u.Path, e.apiVersion)}).String()
			msg = strings.ReplaceAll(msg, strconv.Quote(ue.URL), strconv.Quote(short))
			msg = strings.ReplaceAll(msg, ue.URL, short)
		}
	}
	return msg
}

func (e *apiError) Unwrap() error { return e.err }

// changelogPage is the body of GET issue/{key}/changelog.
type changelogPage struct {
	StartAt    int          `json:"startAt"`
	MaxResults int          `json:"maxResults"`
	Total      int          `json:"total"`
	IsLast     bool         `json:"isLast"`
	Values     []apiHistory `json:"values"`
}

// completeChangelog adds to a changelog that search truncated the histories
// it did not embed, from the changelog endpoint (oldest first, paged by
// startAt). Jira Cloud embeds the most recent histories, newest first, so
// what is missing is the first total-embedded of the endpoint's order; a
// changelog embedded oldest first lacks what follows it instead. Either
// way paging stops as soon as every history is known, and goes on (or
// starts over from 0) should the guess be wrong, so the result is complete
// whatever the order; only its cost depends on the guess.
func (in *Ingester) completeChangelog(ctx context.Context, key string, c *apiChangelog) ([]apiHistory, error) {
	var out []apiHistory
	seen := map[string]bool{}
	add := func(hs []apiHistory) {
		for _, h := range hs {
			id := h.ID + "|" + h.Created
			if !seen[id] {
				seen[id] = true
				out = append(out, h)
			}
		}
	}
	total, start := 0, 0
	if c != nil {
		add(c.Histories)
		total = c.Total
		if len(c.Histories) > 0 && !newestFirst(c.Histories) {
			start = c.StartAt + len(c.Histories)
		}
	}
	pages := 0
	// read pages from startAt from until every history is known or the
	// endpoint has no more.
	read := func(from int) error {
		for {
			if len(seen) >= total && pages > 0 {
				return nil
			}
			pages++
			if pages > maxChangelogPages {
				return fmt.Errorf("changelog of %s: more than %d pages", key, maxChangelogPages)
			}
			var p changelogPage
			q := url.Values{"startAt": {strconv.Itoa(from)}, "maxResults": {"100"}}
			if err := in.getJSON(ctx, "issue/"+url.PathEscape(key)+"/changelog", q, &p); err != nil {
				return fmt.Errorf("changelog of %s page %d: %w", key, pages, err)
			}
			add(p.Values)
			total = p.Total // the endpoint's count is the current one
			from += len(p.Values)
			if p.IsLast || len(p.Values) == 0 || from >= p.Total {
				return nil
			}
		}
	}
	if err := read(start); err != nil {
		return nil, err
	}
	if len(seen) < total && start > 0 {
		if err := read(0); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// newestFirst reports whether histories are ordered newest first (as Jira
// Cloud embeds them); a single history counts as newest first.
func newestFirst(hs []apiHistory) bool {
	if len(hs) < 2 {
		return true
	}
	a, errA := parseTime(hs[0].Created)
	b, errB := parseTime(hs[len(hs)-1].Created)
	if errA == nil && errB == nil && !a.Equal(b) {
		return a.After(b)
	}
	x, errX := strconv.ParseInt(hs[0].ID, 10, 64)
	y, errY := strconv.ParseInt(hs[len(hs)-1].ID, 10, 64)
	if errX == nil && errY == nil {
		return x > y
	}
	return true
}

// maxChangelogPages bounds the changelog paging of one issue (100 per page).
const maxChangelogPages = 1000

// maxSearchPages bounds one search's paging.
const maxSearchPages = 100_000
