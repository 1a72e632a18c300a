package jira_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/simulate/jira"
)

func (c *client) do(method, path string) (int, http.Header, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, nil)
	require.NoError(c.t, err)
	req.SetBasicAuth(testEmail, testToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	var body []byte
	if resp.ContentLength != 0 {
		var raw json.RawMessage
		_ = json.NewDecoder(resp.Body).Decode(&raw)
		body = raw
	}
	return resp.StatusCode, resp.Header, body
}

// issue GETs one issue (status and decoded body).
func (c *client) issue(key string, q url.Values) (int, issueJSON) {
	c.t.Helper()
	code, _, body := c.get("/rest/api/3/issue/"+key, q)
	var is issueJSON
	if code == http.StatusOK {
		require.NoError(c.t, json.Unmarshal(body, &is))
	}
	return code, is
}

func linkedKeys(t *testing.T, is issueJSON) []string {
	t.Helper()
	var links []struct {
		In  *struct{ Key string } `json:"inwardIssue"`
		Out *struct{ Key string } `json:"outwardIssue"`
	}
	require.NoError(t, json.Unmarshal(is.Fields["issuelinks"], &links))
	var keys []string
	for _, l := range links {
		if l.In != nil {
			keys = append(keys, l.In.Key)
		}
		if l.Out != nil {
			keys = append(keys, l.Out.Key)
		}
	}
	return keys
}

func TestDeleteIssueAnswers404AndSearchNoLongerFindsIt(t *testing.T) {
	b := smallOrg()
	s, c := newServer(t, jira.Options{Org: b.Org})
	all := url.Values{"fields": {"*all"}}
	_, pm1 := c.issue("PM-1", all)
	require.Equal(t, []string{"ACT-1", "ACT-2"}, linkedKeys(t, pm1))

	code, _, body := c.do(http.MethodDelete, "/rest/api/3/issue/ACT-2")
	require.Equal(t, http.StatusNoContent, code, string(body))
	require.Empty(t, body, "204 has no body")
	require.Equal(t, 1, s.Requests()["delete"])

	for _, p := range []string{"/rest/api/3/issue/ACT-2", "/rest/api/2/issue/ACT-2", "/rest/api/3/issue/ACT-2/changelog"} {
		code, _, body := c.get(p, nil)
		require.Equal(t, http.StatusNotFound, code, p)
		require.Contains(t, string(body), "Issue does not exist or you do not have permission to see it.")
	}
	keys, _ := c.searchAll(3, "project = ACT ORDER BY key", 1, nil)
	require.Equal(t, []string{"ACT-1", "ACT-3"}, keys)
	keys, _ = c.searchAll(3, `issueLinkType = "has action item"`, 100, nil)
	require.ElementsMatch(t, []string{"PM-1", "PM-2"}, keys)

	// Its link is gone from PM-1, without a changelog entry there: Jira
	// removes a deleted issue's links silently, so PM-1's updated stays.
	_, after := c.issue("PM-1", all)
	require.Equal(t, []string{"ACT-1"}, linkedKeys(t, after))
	require.Equal(t, string(pm1.Fields["updated"]), string(after.Fields["updated"]))
	require.Zero(t, s.Histories("ACT-2"))

	// Deleting a postmortem drops its items' links and their link type.
	require.NoError(t, s.DeleteIssue("PM-1"))
	_, act1 := c.issue("ACT-1", all)
	require.Empty(t, linkedKeys(t, act1))
	keys, _ = c.searchAll(3, `issueLinkType = "is action item of"`, 100, nil)
	require.Equal(t, []string{"ACT-3"}, keys)
	keys, _ = c.searchAll(3, "project = PM", 100, nil)
	require.Equal(t, []string{"PM-2"}, keys)

	// Gone is gone; unknown is 404; only issues can be deleted.
	require.ErrorIs(t, s.DeleteIssue("PM-1"), jira.ErrNoIssue)
	code, _, _ = c.do(http.MethodDelete, "/rest/api/3/issue/ACT-2")
	require.Equal(t, http.StatusNotFound, code)
	code, _, _ = c.do(http.MethodDelete, "/rest/api/3/issue/ACT-99")
	require.Equal(t, http.StatusNotFound, code)
	code, hdr, _ := c.do(http.MethodDelete, "/rest/api/3/search/jql?jql=project%3DPM")
	require.Equal(t, http.StatusMethodNotAllowed, code)
	require.Equal(t, http.MethodGet, hdr.Get("Allow"))
	code, hdr, _ = c.do(http.MethodPut, "/rest/api/3/issue/ACT-1")
	require.Equal(t, http.StatusMethodNotAllowed, code)
	require.Equal(t, "GET, DELETE", hdr.Get("Allow"))
}

func TestDeleteNeedsCredentials(t *testing.T) {
	b := smallOrg()
	_, c := newServer(t, jira.Options{Org: b.Org})
	req, err := http.NewRequest(http.MethodDelete, c.base+"/rest/api/3/issue/ACT-1", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	code, _ := c.issue("ACT-1", nil)
	require.Equal(t, http.StatusOK, code)
}

func TestMoveIssueToAnotherTypeLeavesItsTypeQuery(t *testing.T) {
	b := smallOrg()
	now := b.Org.End
	s, c := newServer(t, jira.Options{Org: b.Org, Now: func() time.Time { return now }})
	_, before := c.issue("ACT-1", url.Values{"fields": {"updated"}, "expand": {"changelog"}})

	require.NoError(t, s.MoveIssue("ACT-1", jira.TypeStory))
	keys, _ := c.searchAll(3, "project = ACT AND issuetype = Task ORDER BY key", 100, nil)
	require.Equal(t, []string{"ACT-2", "ACT-3"}, keys)
	keys, _ = c.searchAll(3, "issuetype = Story", 100, nil)
	require.Equal(t, []string{"ACT-1"}, keys)

	// Same key, new type, a changelog entry, and updated moved to the move.
	_, after := c.issue("ACT-1", url.Values{"fields": {"issuetype,updated"}, "expand": {"changelog"}})
	require.Equal(t, "ACT-1", after.Key)
	var typ struct{ ID, Name string }
	require.NoError(t, json.Unmarshal(after.Fields["issuetype"], &typ))
	require.Equal(t, jira.TypeStory, typ.Name)
	require.Equal(t, "10001", typ.ID)
	require.Equal(t, before.Changelog.Total+1, after.Changelog.Total)
	var updated string
	require.NoError(t, json.Unmarshal(after.Fields["updated"], &updated))
	at, err := time.Parse("2006-01-02T15:04:05.000-0700", updated)
	require.NoError(t, err)
	require.True(t, at.Equal(now), "updated %s", updated)
	code, _, body := c.get("/rest/api/3/issue/ACT-1/changelog", nil)
	require.Equal(t, http.StatusOK, code)
	var page struct {
		Values []struct {
			Items []struct{ Field, FromString, ToString string } `json:"items"`
		} `json:"values"`
	}
	require.NoError(t, json.Unmarshal(body, &page))
	last := page.Values[len(page.Values)-1].Items[0]
	require.Equal(t, "issuetype", last.Field)
	require.Equal(t, []string{"Task", "Story"}, []string{last.FromString, last.ToString})

	require.NoError(t, s.MoveIssue("ACT-1", jira.TypeStory), "a move to its own type changes nothing")
	require.Error(t, s.MoveIssue("ACT-1", "Epic"))
	require.ErrorIs(t, s.MoveIssue("ACT-404", jira.TypeBug), jira.ErrNoIssue)
}

// TestChangesWhileSearching: deletes and moves land while searches run (the
// race detector checks the handlers read them safely), and a search after
// them never serves a result cached before.
func TestChangesWhileSearching(t *testing.T) {
	b := smallOrg()
	for range 40 {
		b.ActionItem("PM-2", b.Org.End.Add(-time.Hour))
	}
	s, c := newServer(t, jira.Options{Org: b.Org, RequestsPerMinute: -1})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				c.searchAll(3, "project = ACT ORDER BY key", 10, nil)
			}
		}()
	}
	for i := 4; i <= 43; i += 2 {
		require.NoError(t, s.DeleteIssue(fmt.Sprintf("ACT-%d", i)))
		require.NoError(t, s.MoveIssue(fmt.Sprintf("ACT-%d", i+1), jira.TypeBug))
	}
	wg.Wait()
	keys, _ := c.searchAll(3, "project = ACT AND issuetype = Task ORDER BY key", 7, nil)
	require.Equal(t, []string{"ACT-1", "ACT-2", "ACT-3"}, keys)
	require.ErrorIs(t, s.DeleteIssue("ACT-4"), jira.ErrNoIssue, "deleting twice")
}
