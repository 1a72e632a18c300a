package jira_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/simulate/jira"
)

func TestRemovedSearchAnswers410Gone(t *testing.T) {
	b := smallOrg()
	s, c := newServer(t, jira.Options{Org: b.Org})
	for _, v := range []int{2, 3} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			t.Run(fmt.Sprintf("v%d %s", v, method), func(t *testing.T) {
				req, err := http.NewRequest(method, fmt.Sprintf("%s/rest/api/%d/search?jql=project%%3DPM", c.base, v), strings.NewReader(`{"jql":"project = PM"}`))
				require.NoError(t, err)
				req.SetBasicAuth(testEmail, testToken)
				resp, err := http.DefaultClient.Do(req)
				require.NoError(t, err)
				defer resp.Body.Close()
				require.Equal(t, http.StatusGone, resp.StatusCode)
				var body struct {
					ErrorMessages []string `json:"errorMessages"`
				}
				require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
				require.Len(t, body.ErrorMessages, 1)
				require.Contains(t, body.ErrorMessages[0], "/rest/api/3/search/jql")
			})
		}
	}
	require.Equal(t, 4, s.Requests()["removed"])
	code, _, _ := c.get("/rest/api/3/search/jql", url.Values{"jql": {"project = PM"}})
	require.Equal(t, http.StatusOK, code, "the replacement answers")
}

func TestMaxResultsZeroNeverHandsOutATokenToTheSameOffset(t *testing.T) {
	b := smallOrg()
	_, c := newServer(t, jira.Options{Org: b.Org})
	want, _ := c.searchAll(3, "project = ACT ORDER BY key", 100, nil)
	require.Greater(t, len(want), 2)

	q := url.Values{"jql": {"project = ACT ORDER BY key"}, "maxResults": {"0"}}
	code, _, body := c.get("/rest/api/3/search/jql", q)
	require.Equal(t, http.StatusOK, code, string(body))
	var first searchJSON
	require.NoError(t, json.Unmarshal(body, &first))
	require.Len(t, first.Issues, 1, "a page of 0 is served as a page of 1")
	require.NotNil(t, first.NextPageToken)
	q.Set("nextPageToken", *first.NextPageToken)
	_, _, body = c.get("/rest/api/3/search/jql", q)
	var second searchJSON
	require.NoError(t, json.Unmarshal(body, &second))
	require.NotEqual(t, first.Issues[0].ID, second.Issues[0].ID, "the token moved on")

	// Following the tokens with maxResults=0 ends, with every issue once.
	got, pages := c.searchAll(3, "project = ACT ORDER BY key", 0, nil)
	require.Equal(t, want, got)
	require.Equal(t, len(want), pages)
}

func TestRateLimitIsOnByDefault(t *testing.T) {
	b := smallOrg()
	wall := t0
	clock := func() time.Time { return wall }
	s, c := newServer(t, jira.Options{Org: b.Org, Clock: clock})
	burst := jira.DefaultRequestsPerMinute / 10
	for i := 0; i < burst; i++ {
		code, _, _ := c.get("/rest/api/3/myself", nil)
		require.Equal(t, http.StatusOK, code, "request %d", i)
	}
	code, h, _ := c.get("/rest/api/3/myself", nil)
	require.Equal(t, http.StatusTooManyRequests, code)
	require.Equal(t, "1", h.Get("Retry-After"))
	require.Equal(t, fmt.Sprint(jira.DefaultRequestsPerMinute), h.Get("X-RateLimit-Limit"))
	require.Equal(t, 1, s.Requests()["rate_limited"])

	s, c = newServer(t, jira.Options{Org: b.Org, Clock: clock, RequestsPerMinute: -1})
	for i := 0; i < burst+50; i++ {
		code, _, _ := c.get("/rest/api/3/myself", nil)
		require.Equal(t, http.StatusOK, code)
	}
	require.Zero(t, s.Requests()["rate_limited"], "a negative budget turns the limit off")
}
