package jira_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/ingest/jira"
	simjira "github.com/aftermath-sre/aftermath/simulate/jira"
	"github.com/aftermath-sre/aftermath/simulate/org"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// deepening wraps a handler and nests one field of one action item past
// encoding/json's depth limit (10,000) in every search page that carries it.
type deepening struct {
	next  http.Handler
	key   string
	depth int
}

func (d deepening) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, "/search/jql") || !strings.Contains(r.URL.Query().Get("jql"), "ACT") {
		d.next.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	d.next.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	// Members are marshalled in key order: "id" then "key" at the issue's
	// top level.
	if i := bytes.Index(body, []byte(`"key":"`+d.key+`"`)); rec.Code == http.StatusOK && i >= 0 {
		deep := `"customfield_deep":` + strings.Repeat("[", d.depth) + strings.Repeat("]", d.depth) + ","
		body = append(body[:i:i], append([]byte(deep), body[i:]...)...)
	}
	for k, v := range rec.Header() {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
}

func TestAnIssueNestedTooDeepIsSkippedByKeyAndTheRestSyncs(t *testing.T) {
	t.Parallel()
	o := generated(t, org.ScaleTiny)
	e := newEnv(t, o, simjira.Options{})
	bad := o.ActionItems[3].Key
	srv := httptest.NewServer(deepening{next: e.sim, key: bad, depth: 20_000})
	t.Cleanup(srv.Close)
	var logs strings.Builder
	var mu sync.Mutex
	reg := prometheus.NewRegistry()
	in := e.ingester(func(op *jira.Options) {
		op.BaseURL = srv.URL
		op.Logger = slogTo(&logs, &mu)
		op.Registerer = reg
	})
	stats, err := in.Sync(context.Background())
	require.NoError(t, err, "one undecodable issue does not fail its page")
	require.Equal(t, uint64(1), stats.Unmapped)

	mu.Lock()
	var warned bool
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "level=WARN") && strings.Contains(l, "key="+bad) && strings.Contains(l, "reason=undecodable") {
			warned = true
		}
	}
	mu.Unlock()
	require.True(t, warned, "the skip is logged at WARN with the issue key")
	require.Equal(t, 1.0, testutil.ToFloat64(skippedCounter(t, reg, "action_item", "undecodable")))
	require.Zero(t, e.sim.Requests()["fault"])

	got, err := e.st.ActionItems(context.Background())
	require.NoError(t, err)
	require.Len(t, got, len(o.ActionItems)-1, "every other action item synced")
	for _, a := range got {
		require.NotEqual(t, bad, a.Key)
	}
	pms, err := e.st.Postmortems(context.Background())
	require.NoError(t, err)
	require.Len(t, pms, len(o.Postmortems))
}

// skippedCounter is one series of aftermath_jira_skipped_issues_total.
func skippedCounter(t *testing.T, reg *prometheus.Registry, kind, reason string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != "aftermath_jira_skipped_issues_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["kind"] == kind && labels["reason"] == reason {
				g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "x"})
				g.Set(m.GetCounter().GetValue())
				return g
			}
		}
	}
	t.Fatalf("aftermath_jira_skipped_issues_total{kind=%q,reason=%q} not found", kind, reason)
	return nil
}

// pagingServer is a minimal Jira whose search pages are made by page(n),
// n counting from 1; it counts the search requests.
type pagingServer struct {
	mu       sync.Mutex
	searches int
	page     func(n int) string
}

func (p *pagingServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch {
	case strings.HasSuffix(r.URL.Path, "/myself"):
		_, _ = w.Write([]byte(`{"accountId":"a-1","timeZone":"UTC"}`))
	case strings.HasSuffix(r.URL.Path, "/field"):
		_, _ = w.Write([]byte(`[{"id":"duedate","name":"Due date"}]`))
	case strings.HasSuffix(r.URL.Path, "/status"):
		_, _ = w.Write([]byte(`[]`))
	case strings.HasSuffix(r.URL.Path, "/search/jql"):
		p.mu.Lock()
		p.searches++
		n := p.searches
		p.mu.Unlock()
		_, _ = w.Write([]byte(p.page(n)))
	default:
		http.NotFound(w, r)
	}
}

func (p *pagingServer) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.searches
}

func TestSearchPagingThatDoesNotAdvanceEnds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		page     func(n int) string
		want     string
		searches int
	}{
		{"the same token again", func(int) string { return `{"issues":[],"nextPageToken":"same","isLast":false}` },
			"page token it gave before", 2},
		{"tokens in a circle", func(n int) string {
			return fmt.Sprintf(`{"issues":[],"nextPageToken":"t%d","isLast":false}`, n%3)
		}, "page token it gave before", 4},
		{"empty pages forever", func(n int) string {
			return fmt.Sprintf(`{"issues":[],"nextPageToken":"t%d","isLast":false}`, n)
		}, "empty pages in a row", 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ps := &pagingServer{page: tc.page}
			srv := httptest.NewServer(ps)
			t.Cleanup(srv.Close)
			in, err := jira.New(jira.Options{BaseURL: srv.URL, Email: email, Token: token, Store: chtest.Store(t)})
			require.NoError(t, err)
			_, err = in.Sync(context.Background())
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
			require.Contains(t, err.Error(), "search postmortems")
			require.Equal(t, tc.searches, ps.count())
		})
	}
	t.Run("endless pages stop with the context", func(t *testing.T) {
		t.Parallel()
		// Each page has an issue (skipped: it lacks dates) and a fresh token.
		ps := &pagingServer{page: func(n int) string {
			return fmt.Sprintf(`{"issues":[{"id":"%d","key":"PM-%d","fields":{},"changelog":{"startAt":0,"maxResults":0,"total":0,"histories":[]}}],"nextPageToken":"t%d","isLast":false}`, n, n, n)
		}}
		srv := httptest.NewServer(ps)
		t.Cleanup(srv.Close)
		in, err := jira.New(jira.Options{BaseURL: srv.URL, Email: email, Token: token, Store: chtest.Store(t)})
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		_, err = in.Sync(ctx)
		// The context, not a paging guard, ended it: pages with issues are
		// progress. (No page count is asserted: on a loaded machine the
		// store's round trips before the first search take most of the
		// second.)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.NotContains(t, err.Error(), "page token it gave before")
		require.NotContains(t, err.Error(), "empty pages")
		require.Less(t, time.Since(start), 6*time.Second)
		require.Positive(t, ps.count())
	})
}
