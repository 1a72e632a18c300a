package jira

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// changelogServer serves GET .../issue/X-1/changelog for n histories
// (ids 1..n, oldest first, one minute apart) and counts the pages served.
func changelogServer(t *testing.T, n int) (*httptest.Server, *atomic.Int64, []apiHistory) {
	t.Helper()
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	all := make([]apiHistory, n)
	for i := range all {
		all[i] = apiHistory{ID: strconv.Itoa(i + 1), Created: base.Add(time.Duration(i) * time.Minute).Format("2006-01-02T15:04:05.000-0700")}
	}
	var pages atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/rest/api/3/issue/X-1/changelog" {
			http.NotFound(w, r)
			return
		}
		pages.Add(1)
		start, _ := strconv.Atoi(r.URL.Query().Get("startAt"))
		max, _ := strconv.Atoi(r.URL.Query().Get("maxResults"))
		start = min(start, n)
		end := min(n, start+max)
		_ = json.NewEncoder(w).Encode(changelogPage{StartAt: start, MaxResults: max, Total: n, IsLast: end >= n, Values: all[start:end]})
	}))
	t.Cleanup(srv.Close)
	return srv, &pages, all
}

func TestCompleteChangelogReadsOnlyWhatSearchDidNotEmbed(t *testing.T) {
	for _, tc := range []struct {
		name      string
		total     int
		embedded  func(all []apiHistory) []apiHistory
		wantPages int64
	}{
		// Jira Cloud: the 100 most recent, newest first; 241 missing = 3 pages.
		{"newest first", 341, func(all []apiHistory) []apiHistory { return reversed(all[241:]) }, 3},
		{"newest first, one page missing", 150, func(all []apiHistory) []apiHistory { return reversed(all[50:]) }, 1},
		{"newest first, exactly 100 missing", 200, func(all []apiHistory) []apiHistory { return reversed(all[100:]) }, 1},
		// Oldest first from startAt 0: the rest follows the embedded ones.
		{"oldest first", 341, func(all []apiHistory) []apiHistory { return all[:100] }, 3},
		// A wrong guess still ends complete: the most recent, but oldest first.
		{"most recent, oldest first", 250, func(all []apiHistory) []apiHistory { return all[150:] }, 3},
		{"nothing embedded", 120, func([]apiHistory) []apiHistory { return nil }, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, pages, all := changelogServer(t, tc.total)
			in := testIngester(t, func(o *Options) { o.BaseURL = srv.URL })
			emb := tc.embedded(all)
			got, err := in.completeChangelog(context.Background(), "X-1", &apiChangelog{MaxResults: len(emb), Total: tc.total, Histories: emb})
			require.NoError(t, err)
			require.Equal(t, tc.wantPages, pages.Load())
			sorted, err := sortHistories(got)
			require.NoError(t, err)
			require.Equal(t, all, sorted, "every history once")
		})
	}
}

func reversed(hs []apiHistory) []apiHistory {
	out := make([]apiHistory, len(hs))
	for i, h := range hs {
		out[len(hs)-1-i] = h
	}
	return out
}
