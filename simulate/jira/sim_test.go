package jira_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/postmortem"
	"github.com/aftermath-sre/aftermath/simulate/jira"
	"github.com/aftermath-sre/aftermath/simulate/jira/jiratest"
	"github.com/aftermath-sre/aftermath/simulate/org"
)

const (
	testEmail = "sre@example.com"
	testToken = "jira-token-123"
)

var t0 = time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)

// smallOrg: PM-1 (two action items) and PM-2 created later.
func smallOrg() *jiratest.Builder {
	b := jiratest.New(t0.Add(30*24*time.Hour), [2]string{"Ada Lovelace", "Australia/Brisbane"}, [2]string{"Grace Hopper", "America/Los_Angeles"})
	b.Postmortem(t0, "PINC001")
	b.Postmortem(t0.Add(10*24*time.Hour), "PINC002", "PINC003")
	b.ActionItem("PM-1", t0.Add(time.Hour))
	b.ActionItem("PM-1", t0.Add(2*time.Hour))
	b.ActionItem("PM-2", t0.Add(10*24*time.Hour+time.Hour))
	b.Transition("PM-1", t0.Add(24*time.Hour), "In Review", 0)
	b.Assign("ACT-1", t0.Add(25*time.Hour), 1, 0)
	b.Transition("ACT-1", t0.Add(26*time.Hour), "In Progress", 1)
	b.Transition("PM-1", t0.Add(48*time.Hour), "Published", 0)
	b.Transition("ACT-1", t0.Add(5*24*time.Hour), "Done", 1)
	b.Transition("ACT-1", t0.Add(6*24*time.Hour), "To Do", 0)
	return b
}

type client struct {
	t    *testing.T
	base string
}

func newServer(t *testing.T, opts jira.Options) (*jira.Server, *client) {
	t.Helper()
	if opts.Email == "" {
		opts.Email, opts.APIToken = testEmail, testToken
	}
	s, err := jira.New(opts)
	require.NoError(t, err)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, &client{t: t, base: ts.URL}
}

func (c *client) get(path string, q url.Values) (int, http.Header, []byte) {
	c.t.Helper()
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	require.NoError(c.t, err)
	req.SetBasicAuth(testEmail, testToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return resp.StatusCode, resp.Header, body
}

type issueJSON struct {
	ID        string                     `json:"id"`
	Key       string                     `json:"key"`
	Fields    map[string]json.RawMessage `json:"fields"`
	Changelog *struct {
		StartAt    int `json:"startAt"`
		MaxResults int `json:"maxResults"`
		Total      int `json:"total"`
		Histories  []struct {
			ID      string `json:"id"`
			Created string `json:"created"`
		} `json:"histories"`
	} `json:"changelog"`
}

type searchJSON struct {
	Issues        []issueJSON `json:"issues"`
	NextPageToken *string     `json:"nextPageToken"`
	IsLast        bool        `json:"isLast"`
}

// searchAll pages through a JQL search and returns the keys in order.
func (c *client) searchAll(version int, jql string, pageSize int, extra url.Values) ([]string, int) {
	c.t.Helper()
	var keys []string
	token := ""
	pages := 0
	for {
		q := url.Values{"jql": {jql}, "maxResults": {fmt.Sprint(pageSize)}, "fields": {"summary,updated"}}
		for k, v := range extra {
			q[k] = v
		}
		if token != "" {
			q.Set("nextPageToken", token)
		}
		code, _, body := c.get(fmt.Sprintf("/rest/api/%d/search/jql", version), q)
		require.Equal(c.t, http.StatusOK, code, string(body))
		var res searchJSON
		require.NoError(c.t, json.Unmarshal(body, &res))
		pages++
		for _, is := range res.Issues {
			keys = append(keys, is.Key)
		}
		if res.IsLast {
			require.Nil(c.t, res.NextPageToken, "the last page must not carry a nextPageToken")
			return keys, pages
		}
		require.NotNil(c.t, res.NextPageToken)
		token = *res.NextPageToken
		require.Less(c.t, pages, 1000)
	}
}

func TestAuthRejectsMissingAndWrongCredentials(t *testing.T) {
	b := smallOrg()
	_, c := newServer(t, jira.Options{Org: b.Org, BearerToken: "pat-456"})
	for name, set := range map[string]func(*http.Request){
		"none":         func(*http.Request) {},
		"wrong token":  func(r *http.Request) { r.SetBasicAuth(testEmail, "nope") },
		"wrong email":  func(r *http.Request) { r.SetBasicAuth("x@example.com", testToken) },
		"wrong bearer": func(r *http.Request) { r.Header.Set("Authorization", "Bearer nope") },
		"token scheme": func(r *http.Request) { r.Header.Set("Authorization", "Token "+testToken) },
	} {
		t.Run(name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, c.base+"/rest/api/3/myself", nil)
			require.NoError(t, err)
			set(req)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
			var e struct{ ErrorMessages []string }
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&e))
			require.NotEmpty(t, e.ErrorMessages)
		})
	}
	for name, set := range map[string]func(*http.Request){
		"basic":  func(r *http.Request) { r.SetBasicAuth(testEmail, testToken) },
		"bearer": func(r *http.Request) { r.Header.Set("Authorization", "Bearer pat-456") },
	} {
		t.Run(name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, c.base+"/rest/api/3/myself", nil)
			require.NoError(t, err)
			set(req)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
		})
	}
}

func TestMyselfReportsTheUsersTimeZoneOrTheOverride(t *testing.T) {
	b := smallOrg()
	for _, tc := range []struct{ account, override, want string }{
		{"", "", "Australia/Brisbane"},
		{b.Org.Users[1].JiraAccountID, "", "America/Los_Angeles"},
		{"", "Europe/Berlin", "Europe/Berlin"},
	} {
		_, c := newServer(t, jira.Options{Org: b.Org, AccountID: tc.account, TimeZone: tc.override})
		code, _, body := c.get("/rest/api/2/myself", nil)
		require.Equal(t, http.StatusOK, code)
		var me struct{ AccountID, TimeZone string }
		require.NoError(t, json.Unmarshal(body, &me))
		require.Equal(t, tc.want, me.TimeZone)
	}
}

func TestSearchPagesThroughEveryMatchOnce(t *testing.T) {
	b := smallOrg()
	_, c := newServer(t, jira.Options{Org: b.Org})
	for _, size := range []int{1, 2, 100} {
		keys, pages := c.searchAll(3, "project = ACT ORDER BY key ASC", size, nil)
		require.Equal(t, []string{"ACT-1", "ACT-2", "ACT-3"}, keys, "page size %d", size)
		require.Equal(t, (3+size-1)/size, pages)
	}
}

func TestSearchCapsMaxResultsAt100(t *testing.T) {
	b := jiratest.New(t0.Add(365*24*time.Hour), [2]string{"Ada Lovelace", "UTC"})
	b.Postmortem(t0)
	for i := 0; i < 130; i++ {
		b.ActionItem("PM-1", t0.Add(time.Duration(i)*time.Minute))
	}
	_, c := newServer(t, jira.Options{Org: b.Org})
	code, _, body := c.get("/rest/api/2/search/jql", url.Values{"jql": {"project = ACT"}, "maxResults": {"500"}})
	require.Equal(t, http.StatusOK, code)
	var res searchJSON
	require.NoError(t, json.Unmarshal(body, &res))
	require.Len(t, res.Issues, 100)
	require.False(t, res.IsLast)
	keys, _ := c.searchAll(2, "project = ACT", 500, nil)
	require.Len(t, keys, 130)
}

func TestSearchRejectsATokenFromAnotherQuery(t *testing.T) {
	b := smallOrg()
	_, c := newServer(t, jira.Options{Org: b.Org})
	code, _, body := c.get("/rest/api/3/search/jql", url.Values{"jql": {"project = ACT"}, "maxResults": {"1"}})
	require.Equal(t, http.StatusOK, code)
	var res searchJSON
	require.NoError(t, json.Unmarshal(body, &res))
	require.NotNil(t, res.NextPageToken)
	for _, tok := range []string{*res.NextPageToken, "garbage!"} {
		code, _, body = c.get("/rest/api/3/search/jql", url.Values{"jql": {"project = PM"}, "nextPageToken": {tok}})
		require.Equal(t, http.StatusBadRequest, code)
		require.Contains(t, string(body), "next page token")
	}
}

func TestSearchDefaultsToIDsOnly(t *testing.T) {
	b := smallOrg()
	_, c := newServer(t, jira.Options{Org: b.Org})
	code, _, body := c.get("/rest/api/3/search/jql", url.Values{"jql": {"key = PM-1"}})
	require.Equal(t, http.StatusOK, code)
	require.JSONEq(t, `{"issues":[{"id":"10001"}],"isLast":true}`, string(body))
}

func TestJQLSelectsLikeJira(t *testing.T) {
	b := smallOrg()
	// Ada's time zone is Australia/Brisbane (UTC+10, no DST).
	_, c := newServer(t, jira.Options{Org: b.Org})
	updPM1 := t0.Add(48 * time.Hour) // PM-1 published: 2025-06-04 09:00 UTC = 19:00 Brisbane
	for _, tc := range []struct {
		jql  string
		want []string
	}{
		{`project = PM ORDER BY key`, []string{"PM-1", "PM-2"}},
		{`project in (PM, ACT) AND issuetype = Postmortem ORDER BY key DESC`, []string{"PM-2", "PM-1"}},
		{`issuetype = "Task" AND key in (ACT-2, ACT-3, PM-1) ORDER BY key`, []string{"ACT-2", "ACT-3"}},
		{`labels = pd-PINC003`, []string{"PM-2"}},
		{`labels in (team-payments) AND project = PM ORDER BY key`, []string{"PM-1", "PM-2"}},
		{`issueLinkType = "is action item of" AND key != ACT-1 ORDER BY key`, []string{"ACT-2", "ACT-3"}},
		{`project = PM AND status = Published`, []string{"PM-1"}},
		{`project = ACT AND statusCategory != Done ORDER BY key`, []string{"ACT-1", "ACT-2", "ACT-3"}},
		{`project = PM AND updated >= "2025-06-04 19:00" ORDER BY key`, []string{"PM-1", "PM-2"}},
		{`project = PM AND updated < "2025-06-04 19:00"`, nil},
		{`project = PM AND updated <= "2025/06/04 19:00" ORDER BY updated`, []string{"PM-1"}},
		{`project = PM AND updated > "2025-06-04 19:00" ORDER BY updated`, []string{"PM-2"}},
		{`(project = PM OR key = ACT-3) AND NOT labels = pd-PINC001 ORDER BY created ASC`, []string{"PM-2", "ACT-3"}},
		{`project = ACT AND created >= "2025-06-02" AND created < "2025-06-03" ORDER BY created DESC`, []string{"ACT-2", "ACT-1"}},
	} {
		keys, _ := c.searchAll(2, tc.jql, 50, nil)
		require.Equal(t, tc.want, keys, tc.jql)
	}
	require.Equal(t, time.Date(2025, 6, 4, 9, 0, 0, 0, time.UTC), updPM1)
}

func TestUnsupportedJQLIsA400WithErrorMessages(t *testing.T) {
	b := smallOrg()
	_, c := newServer(t, jira.Options{Org: b.Org})
	for _, jql := range []string{
		`order by key desc`,
		`project = PM AND`,
		`summary ~ "checkout"`,
		`assignee = currentUser()`,
		`project = PM AND updated >= "2025-13-40 10:00"`,
		`project = PM AND updated >= startOfDay()`,
		`nosuchfield = 1`,
		`project = PM ORDER BY rank`,
		`project = "PM`,
		`project IS EMPTY`,
	} {
		code, _, body := c.get("/rest/api/3/search/jql", url.Values{"jql": {jql}})
		require.Equal(t, http.StatusBadRequest, code, jql)
		var e struct{ ErrorMessages []string }
		require.NoError(t, json.Unmarshal(body, &e), jql)
		require.Len(t, e.ErrorMessages, 1, jql)
		require.NotEmpty(t, e.ErrorMessages[0], jql)
	}
}

func TestJQLDatesAreReadInTheUsersTimeZone(t *testing.T) {
	// One issue updated at 2025-06-02 09:00 UTC.
	b := jiratest.New(t0.Add(24*time.Hour), [2]string{"Ada", "Australia/Brisbane"}, [2]string{"Grace", "America/Los_Angeles"})
	b.Postmortem(t0)
	for _, tc := range []struct {
		account string
		atEdge  string // the update time on the user's wall clock
	}{
		{b.Org.Users[0].JiraAccountID, "2025-06-02 19:00"}, // UTC+10
		{b.Org.Users[1].JiraAccountID, "2025-06-02 02:00"}, // UTC-7 (PDT)
	} {
		_, c := newServer(t, jira.Options{Org: b.Org, AccountID: tc.account})
		keys, _ := c.searchAll(3, `project = PM AND updated >= "`+tc.atEdge+`"`, 10, nil)
		require.Equal(t, []string{"PM-1"}, keys, tc.atEdge)
		after := strings.Replace(tc.atEdge, ":00", ":01", 1)
		keys, _ = c.searchAll(3, `project = PM AND updated >= "`+after+`"`, 10, nil)
		require.Empty(t, keys, after)
	}
}

func TestServesTheOrgAsOfNow(t *testing.T) {
	b := smallOrg()
	var now atomic.Value
	now.Store(t0.Add(36 * time.Hour)) // PM-1 in review, ACT-1 in progress; PM-2 not created yet
	_, c := newServer(t, jira.Options{Org: b.Org, Now: func() time.Time { return now.Load().(time.Time) }})

	keys, _ := c.searchAll(2, "project in (PM, ACT) ORDER BY key", 10, nil)
	require.Equal(t, []string{"ACT-1", "ACT-2", "PM-1"}, keys)
	code, _, _ := c.get("/rest/api/2/issue/PM-2", nil)
	require.Equal(t, http.StatusNotFound, code)

	status := func(key string) (string, string) {
		code, _, body := c.get("/rest/api/2/issue/"+key, url.Values{"fields": {"status,updated"}})
		require.Equal(t, http.StatusOK, code)
		var is issueJSON
		require.NoError(t, json.Unmarshal(body, &is))
		var st struct {
			Name           string
			StatusCategory struct{ Key string }
		}
		require.NoError(t, json.Unmarshal(is.Fields["status"], &st))
		return st.Name, st.StatusCategory.Key
	}
	name, cat := status("PM-1")
	require.Equal(t, "In Review", name)
	require.Equal(t, "indeterminate", cat)
	name, _ = status("ACT-1")
	require.Equal(t, "In Progress", name)

	now.Store(t0.Add(5*24*time.Hour + time.Minute))
	name, cat = status("ACT-1")
	require.Equal(t, "Done", name)
	require.Equal(t, "done", cat)
	now.Store(b.Org.End)
	name, cat = status("ACT-1")
	require.Equal(t, "To Do", name, "reopened")
	require.Equal(t, "new", cat)
	keys, _ = c.searchAll(2, "project = PM ORDER BY key", 10, nil)
	require.Equal(t, []string{"PM-1", "PM-2"}, keys)
}

func TestEmbeddedChangelogIsTruncatedAndTheEndpointIsComplete(t *testing.T) {
	b := jiratest.New(t0.Add(30*24*time.Hour), [2]string{"Ada", "UTC"})
	b.Postmortem(t0)
	b.ActionItem("PM-1", t0)
	b.Churn("ACT-1", t0.Add(time.Hour), 250)
	_, c := newServer(t, jira.Options{Org: b.Org})

	code, _, body := c.get("/rest/api/3/search/jql", url.Values{"jql": {"key = ACT-1"}, "fields": {"summary"}, "expand": {"changelog"}})
	require.Equal(t, http.StatusOK, code)
	var res searchJSON
	require.NoError(t, json.Unmarshal(body, &res))
	cl := res.Issues[0].Changelog
	require.NotNil(t, cl)
	require.Equal(t, 250, cl.Total)
	require.Equal(t, 100, cl.MaxResults)
	require.Len(t, cl.Histories, 100)
	hs := b.Org.ActionItems[0].Changelog
	require.Equal(t, hs[249].ID, cl.Histories[0].ID, "embedded changelog starts with the most recent history")
	require.Equal(t, hs[150].ID, cl.Histories[99].ID)

	var ids []string
	for start := 0; ; {
		code, _, body := c.get("/rest/api/3/issue/ACT-1/changelog", url.Values{"startAt": {fmt.Sprint(start)}})
		require.Equal(t, http.StatusOK, code)
		var page struct {
			StartAt, MaxResults, Total int
			IsLast                     bool
			NextPage                   string
			Values                     []struct{ ID string }
		}
		require.NoError(t, json.Unmarshal(body, &page))
		require.Equal(t, 250, page.Total)
		require.Equal(t, start, page.StartAt)
		for _, v := range page.Values {
			ids = append(ids, v.ID)
		}
		if page.IsLast {
			require.Empty(t, page.NextPage)
			break
		}
		require.Contains(t, page.NextPage, fmt.Sprintf("startAt=%d", start+len(page.Values)))
		start += len(page.Values)
	}
	require.Len(t, ids, 250)
	for i, h := range hs {
		require.Equal(t, h.ID, ids[i], "changelog endpoint lists oldest first")
	}
}

func TestDescriptionsAreWikiForV2AndADFForV3(t *testing.T) {
	b := smallOrg()
	for _, mode := range []string{jira.LinkLabel, jira.LinkField, jira.LinkDescription} {
		_, c := newServer(t, jira.Options{Org: b.Org, IncidentLink: mode})
		want := b.Org.Postmortems[1].Doc

		code, _, body := c.get("/rest/api/2/issue/PM-2", nil)
		require.Equal(t, http.StatusOK, code)
		var is issueJSON
		require.NoError(t, json.Unmarshal(body, &is))
		var wiki string
		require.NoError(t, json.Unmarshal(is.Fields["description"], &wiki))
		doc, err := postmortem.ParseWiki(wiki)
		require.NoError(t, err)
		require.Equal(t, want.Factors, doc.Factors)
		require.Equal(t, want.Lucky, doc.Lucky)
		require.Equal(t, mode == jira.LinkDescription, strings.Contains(wiki, "/incidents/PINC003"), mode)

		code, _, body = c.get("/rest/api/3/issue/PM-2", nil)
		require.Equal(t, http.StatusOK, code)
		require.NoError(t, json.Unmarshal(body, &is))
		require.True(t, strings.HasPrefix(string(is.Fields["description"]), "{"), "v3 description is an ADF object")
		doc, err = postmortem.ParseADF(is.Fields["description"])
		require.NoError(t, err)
		require.Equal(t, want.Factors, doc.Factors)
		require.Equal(t, want.Detection, doc.Detection)
		require.Equal(t, mode == jira.LinkDescription, strings.Contains(string(is.Fields["description"]), "/incidents/PINC003"), mode)

		var field json.RawMessage = is.Fields[jira.FieldIncident]
		if mode == jira.LinkField {
			require.JSONEq(t, `"PINC002, PINC003"`, string(field))
		} else {
			require.JSONEq(t, `null`, string(field))
		}
		var labels []string
		require.NoError(t, json.Unmarshal(is.Fields["labels"], &labels))
		require.Equal(t, mode == jira.LinkLabel, strings.Contains(strings.Join(labels, " "), "pd-PINC002"), mode)
	}
}

func TestDateTimesCarryTheUsersOffset(t *testing.T) {
	b := smallOrg()
	_, c := newServer(t, jira.Options{Org: b.Org}) // Australia/Brisbane
	code, _, body := c.get("/rest/api/2/issue/PM-1", url.Values{"fields": {"created"}})
	require.Equal(t, http.StatusOK, code)
	var is issueJSON
	require.NoError(t, json.Unmarshal(body, &is))
	require.JSONEq(t, `"2025-06-02T19:00:00.000+1000"`, string(is.Fields["created"]))
}

func TestRateLimitAnswers429WithRetryAfter(t *testing.T) {
	b := smallOrg()
	wall := t0
	s, c := newServer(t, jira.Options{Org: b.Org, RequestsPerMinute: 60, Burst: 2, Clock: func() time.Time { return wall }})
	for i := 0; i < 2; i++ {
		code, _, _ := c.get("/rest/api/3/myself", nil)
		require.Equal(t, http.StatusOK, code)
	}
	code, h, body := c.get("/rest/api/3/myself", nil)
	require.Equal(t, http.StatusTooManyRequests, code, string(body))
	require.Equal(t, "1", h.Get("Retry-After"))
	require.Equal(t, 1, s.Requests()["rate_limited"])
	wall = wall.Add(time.Second)
	code, _, _ = c.get("/rest/api/3/myself", nil)
	require.Equal(t, http.StatusOK, code, "one request per second refills")
}

func TestFaults(t *testing.T) {
	b := smallOrg()
	t.Run("server errors", func(t *testing.T) {
		_, c := newServer(t, jira.Options{Org: b.Org, Faults: jira.Faults{ServerErrorRate: 1}})
		for i := 0; i < 8; i++ {
			code, _, _ := c.get("/rest/api/3/myself", nil)
			require.GreaterOrEqual(t, code, 500)
		}
	})
	t.Run("truncated bodies", func(t *testing.T) {
		_, c := newServer(t, jira.Options{Org: b.Org, Faults: jira.Faults{TruncateRate: 1}})
		req, err := http.NewRequest(http.MethodGet, c.base+"/rest/api/3/issue/PM-1", nil)
		require.NoError(t, err)
		req.SetBasicAuth(testEmail, testToken)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		_, err = io.ReadAll(resp.Body)
		require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	})
	t.Run("malformed bodies", func(t *testing.T) {
		_, c := newServer(t, jira.Options{Org: b.Org, Faults: jira.Faults{MalformedRate: 1}})
		code, _, body := c.get("/rest/api/3/issue/PM-1", nil)
		require.Equal(t, http.StatusOK, code)
		var v any
		require.Error(t, json.Unmarshal(body, &v))
	})
	t.Run("slow responses honour cancellation", func(t *testing.T) {
		_, c := newServer(t, jira.Options{Org: b.Org, Faults: jira.Faults{SlowRate: 1, SlowDelay: time.Hour}})
		cl := &http.Client{Timeout: 200 * time.Millisecond}
		req, err := http.NewRequest(http.MethodGet, c.base+"/rest/api/3/myself", nil)
		require.NoError(t, err)
		req.SetBasicAuth(testEmail, testToken)
		_, err = cl.Do(req)
		require.Error(t, err)
	})
	t.Run("shifted and short pages repeat but never skip", func(t *testing.T) {
		bb := jiratest.New(t0.Add(365*24*time.Hour), [2]string{"Ada", "UTC"})
		bb.Postmortem(t0)
		for i := 0; i < 60; i++ {
			bb.ActionItem("PM-1", t0.Add(time.Duration(i)*time.Minute))
		}
		_, c := newServer(t, jira.Options{Org: bb.Org, Faults: jira.Faults{Seed: 7, ShiftRate: 0.5, ShortPageRate: 0.5}})
		keys, _ := c.searchAll(3, "project = ACT ORDER BY created", 10, nil)
		seen := map[string]int{}
		for _, k := range keys {
			seen[k]++
		}
		require.Len(t, seen, 60, "every issue is served")
		require.Greater(t, len(keys), 60, "some are served twice")
	})
	t.Run("unknown enums", func(t *testing.T) {
		s, c := newServer(t, jira.Options{Org: b.Org, Faults: jira.Faults{UnknownEnumRate: 1}})
		require.True(t, s.UnknownEnum("ACT-1"))
		_, _, body := c.get("/rest/api/3/issue/ACT-1", nil)
		require.Contains(t, string(body), `"key":"undefined"`)
		require.Contains(t, string(body), `"name":"Urgent"`)
	})
}

func TestGeneratedOrgIsServedAsGenerated(t *testing.T) {
	o, err := org.Generate(org.Options{Seed: 2, Scale: org.ScaleTiny})
	require.NoError(t, err)
	_, c := newServer(t, jira.Options{Org: o})
	type fields struct {
		Status struct {
			Name           string
			StatusCategory struct{ Key string }
		}
		Priority       *struct{ Name string }
		Assignee       *struct{ AccountID string }
		Duedate        *string
		Resolutiondate *string
		Updated        string
		Labels         []string
	}
	seen := 0
	token := ""
	for {
		q := url.Values{"jql": {"project in (PM, ACT)"}, "maxResults": {"100"}, "fields": {"status,priority,assignee,duedate,resolutiondate,updated,labels"}, "expand": {"changelog"}}
		if token != "" {
			q.Set("nextPageToken", token)
		}
		code, _, body := c.get("/rest/api/3/search/jql", q)
		require.Equal(t, http.StatusOK, code)
		var res struct {
			Issues []struct {
				Key       string
				Fields    fields
				Changelog struct{ Total int }
			}
			NextPageToken string
			IsLast        bool
		}
		require.NoError(t, json.Unmarshal(body, &res))
		for _, is := range res.Issues {
			seen++
			f := is.Fields
			updated, err := time.Parse("2006-01-02T15:04:05.000-0700", f.Updated)
			require.NoError(t, err)
			if p := o.PostmortemByKey(is.Key); p != nil {
				require.Equal(t, p.Status, f.Status.Name, is.Key)
				require.Subset(t, f.Labels, p.Labels, is.Key)
				require.GreaterOrEqual(t, is.Changelog.Total, len(p.Changelog), is.Key)
				require.False(t, updated.Before(p.UpdatedAt.Truncate(time.Millisecond)), is.Key)
				continue
			}
			a := o.ActionItemByKey(is.Key)
			require.NotNil(t, a, is.Key)
			require.Equal(t, a.Status, f.Status.Name, is.Key)
			require.Equal(t, a.StatusCategory, f.Status.StatusCategory.Key, is.Key)
			require.Equal(t, a.Priority, f.Priority.Name, is.Key)
			require.Equal(t, a.AssigneeAccountID != "", f.Assignee != nil, is.Key)
			if f.Assignee != nil {
				require.Equal(t, a.AssigneeAccountID, f.Assignee.AccountID, is.Key)
			}
			require.Equal(t, !a.DueDate.IsZero(), f.Duedate != nil, is.Key)
			if f.Duedate != nil {
				require.Equal(t, a.DueDate.Format("2006-01-02"), *f.Duedate, is.Key)
			}
			require.Equal(t, !a.ResolvedAt.IsZero(), f.Resolutiondate != nil, is.Key)
			require.Subset(t, f.Labels, a.Labels, is.Key)
			require.Equal(t, len(a.Changelog), is.Changelog.Total, is.Key)
			require.True(t, updated.Equal(a.UpdatedAt.Truncate(time.Millisecond)), "%s: %v vs %v", is.Key, updated, a.UpdatedAt)
		}
		if res.IsLast {
			break
		}
		token = res.NextPageToken
	}
	require.Equal(t, len(o.Postmortems)+len(o.ActionItems), seen)
}
