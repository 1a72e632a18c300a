package pagerduty_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/simulate/org"
	"github.com/aftermath-sre/aftermath/simulate/pagerduty"
)

const token = "t0ken-for-tests"

var (
	orgOnce sync.Once
	tinyOrg *org.Org
	orgErr  error
)

func testOrg(t *testing.T) *org.Org {
	t.Helper()
	orgOnce.Do(func() { tinyOrg, orgErr = org.Generate(org.Options{Seed: 7, Scale: org.ScaleTiny}) })
	require.NoError(t, orgErr)
	return tinyOrg
}

func newSim(t *testing.T, mod func(*pagerduty.Options)) *pagerduty.Server {
	t.Helper()
	o := pagerduty.Options{Org: testOrg(t), Tokens: []string{token}, RateLimit: -1}
	if mod != nil {
		mod(&o)
	}
	s, err := pagerduty.New(o)
	require.NoError(t, err)
	return s
}

// call serves one GET in-process and returns the recorder.
func call(t *testing.T, h http.Handler, target string, headers ...string) (*http.Request, *httptest.ResponseRecorder) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.Header.Set("Authorization", "Token token="+token)
	req.Header.Set("Accept", "application/vnd.pagerduty+json;version=2")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return req, rec
}

func decode(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &m), rec.Body.String())
	return m
}

type listPage struct {
	Incidents  []map[string]any `json:"incidents"`
	LogEntries []map[string]any `json:"log_entries"`
	Limit      int              `json:"limit"`
	Offset     int              `json:"offset"`
	More       bool             `json:"more"`
	Total      *int             `json:"total"`
}

func getPage(t *testing.T, h http.Handler, target string) listPage {
	t.Helper()
	_, rec := call(t, h, target)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	var p listPage
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p))
	return p
}

// all pages through a list endpoint and returns every item.
func all(t *testing.T, h http.Handler, path string, q url.Values, key string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for off := 0; off < 10000; off += 100 {
		q.Set("offset", strconv.Itoa(off))
		q.Set("limit", "100")
		p := getPage(t, h, path+"?"+q.Encode())
		items := p.Incidents
		if key == "log_entries" {
			items = p.LogEntries
		}
		out = append(out, items...)
		if !p.More {
			return out
		}
	}
	t.Fatalf("more than 10000 items in %s", path)
	return nil
}

func TestAuthenticationRequired(t *testing.T) {
	sim := newSim(t, nil)
	for _, auth := range []string{"", "Token token=", "Token token=wrong", "Basic dXNlcjpwYXNz"} {
		req := httptest.NewRequest(http.MethodGet, "/incidents", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, req)
		require.Equal(t, http.StatusUnauthorized, rec.Code, auth)
		e := decode(t, rec)["error"].(map[string]any)
		require.NotEmpty(t, e["message"])
		require.NotZero(t, e["code"])
		validate(t, "/incidents", req, rec)
	}
	_, rec := call(t, sim, "/incidents")
	require.Equal(t, 200, rec.Code)
	_, rec = call(t, sim, "/incidents", "Authorization", "Bearer "+token)
	require.Equal(t, 200, rec.Code, "OAuth bearer tokens are accepted too")
}

func TestOffsetPlusLimitCap(t *testing.T) {
	sim := newSim(t, nil)
	tests := []struct {
		query string
		code  int
	}{
		{"offset=9900&limit=100", 200},
		{"offset=9901&limit=100", 400},
		{"offset=10000&limit=1", 400},
		{"offset=9999&limit=1", 200},
	}
	for _, tc := range tests {
		for _, path := range []string{"/incidents", "/log_entries"} {
			req, rec := call(t, sim, path+"?date_range=all&"+tc.query)
			if path == "/log_entries" {
				req, rec = call(t, sim, path+"?since=2000-01-01T00:00:00Z&"+tc.query)
			}
			require.Equal(t, tc.code, rec.Code, "%s?%s: %s", path, tc.query, rec.Body.String())
			if tc.code == 400 {
				e := decode(t, rec)["error"].(map[string]any)
				require.EqualValues(t, 2002, e["code"], "the real API's code for the offset cap")
				require.Equal(t, "Arguments Caused Error", e["message"])
				require.NotEmpty(t, e["errors"])
			}
			validate(t, path, req, rec)
		}
	}
}

func TestSixMonthWindowAndDateRangeAll(t *testing.T) {
	o := testOrg(t)
	sim := newSim(t, nil)
	_, rec := call(t, sim, "/incidents?since=2025-01-01T00:00:00Z&until=2025-07-02T00:00:00Z")
	require.Equal(t, 400, rec.Code)
	require.Contains(t, rec.Body.String(), "6 months")
	_, rec = call(t, sim, "/incidents?since=2025-01-01T00:00:00Z&until=2025-07-01T00:00:00Z")
	require.Equal(t, 200, rec.Code)
	_, rec = call(t, sim, "/incidents?since=2020-01-01T00:00:00Z&until=2026-07-01T00:00:00Z&date_range=all")
	require.Equal(t, 200, rec.Code, "date_range=all ignores since and until")

	got := all(t, sim, "/incidents", url.Values{"date_range": {"all"}}, "incidents")
	require.Len(t, got, len(o.Incidents))
	// Default window: the month before now.
	p := getPage(t, sim, "/incidents?limit=100&total=true")
	want := 0
	for _, inc := range o.Incidents {
		if !inc.CreatedAt.Before(o.End.AddDate(0, -1, 0)) {
			want++
		}
	}
	require.Equal(t, want, *p.Total)
}

func TestPaginationTotalAndMore(t *testing.T) {
	o := testOrg(t)
	sim := newSim(t, nil)
	p := getPage(t, sim, "/incidents?date_range=all&limit=10")
	require.Nil(t, p.Total, "total is null unless total=true")
	require.True(t, p.More)
	require.Len(t, p.Incidents, 10)
	p = getPage(t, sim, "/incidents?date_range=all&limit=10&total=true")
	require.Equal(t, len(o.Incidents), *p.Total)
	p = getPage(t, sim, "/incidents?date_range=all&limit=500")
	require.Equal(t, 100, p.Limit, "limit is capped at 100")

	// Pages in created_at order, no duplicates, nothing missing.
	got := all(t, sim, "/incidents", url.Values{"date_range": {"all"}, "sort_by": {"created_at:asc"}}, "incidents")
	seen := map[string]bool{}
	prev := ""
	for i, inc := range got {
		id := inc["id"].(string)
		require.False(t, seen[id])
		seen[id] = true
		require.Equal(t, o.Incidents[i].ID, id)
		require.GreaterOrEqual(t, inc["created_at"].(string), prev)
		prev = inc["created_at"].(string)
	}
	// since inclusive, until exclusive.
	at := o.Incidents[5].CreatedAt
	p = getPage(t, sim, "/incidents?limit=100&total=true&since="+at.Format(time.RFC3339)+"&until="+at.Add(time.Second).Format(time.RFC3339))
	require.NotEmpty(t, p.Incidents)
	for _, inc := range p.Incidents {
		require.Equal(t, at.Format(time.RFC3339), inc["created_at"])
	}
}

func TestLogEntriesCoverEveryTimelineEntry(t *testing.T) {
	o := testOrg(t)
	sim := newSim(t, nil)
	got := all(t, sim, "/log_entries", url.Values{"since": {o.Start.Format(time.RFC3339)}, "until": {o.End.Format(time.RFC3339)}}, "log_entries")
	want := map[string]org.LogEntry{}
	owner := map[string]string{}
	agentType, agentID := map[string]string{}, map[string]string{}
	timeouts := 0
	for i := range o.Incidents {
		inc := &o.Incidents[i]
		for j := range inc.LogEntries {
			e := &inc.LogEntries[j]
			want[e.ID] = *e
			owner[e.ID] = inc.ID
			agentType[e.ID], agentID[e.ID] = pagerduty.AgentOf(inc, e)
			if e.AgentType == org.AgentEscalationPolicy {
				timeouts++
				require.Equal(t, org.AgentService, agentType[e.ID], "timeout escalations are served with an agent type the spec knows")
				require.Equal(t, inc.ServiceID, agentID[e.ID])
			}
		}
	}
	require.NotZero(t, timeouts, "the org must have timeout escalations for this test to prove anything")
	require.Len(t, got, len(want))
	prev := "9999"
	for _, e := range got {
		id := e["id"].(string)
		w, ok := want[id]
		require.True(t, ok, id)
		require.Equal(t, w.Type, e["type"])
		require.Equal(t, w.At.Format(time.RFC3339), e["created_at"])
		require.Equal(t, owner[id], e["incident"].(map[string]any)["id"])
		require.Equal(t, agentID[id], e["agent"].(map[string]any)["id"])
		require.Equal(t, agentType[id], e["agent"].(map[string]any)["type"])
		require.Equal(t, w.ChannelType, e["channel"].(map[string]any)["type"])
		require.LessOrEqual(t, e["created_at"].(string), prev, "newest first")
		prev = e["created_at"].(string)
		delete(want, id)
	}
	require.Empty(t, want)

	// is_overview drops notifications.
	ov := all(t, sim, "/log_entries", url.Values{"since": {o.Start.Format(time.RFC3339)}, "is_overview": {"true"}}, "log_entries")
	require.Less(t, len(ov), len(got))
	for _, e := range ov {
		require.NotEqual(t, org.LogNotify, e["type"])
	}
}

func TestServesTheOrgAsOfItsClock(t *testing.T) {
	o := testOrg(t)
	// The longest-lived resolved incident of the middle of the history.
	var target *org.Incident
	for i := len(o.Incidents) / 4; i < 3*len(o.Incidents)/4; i++ {
		inc := &o.Incidents[i]
		if !inc.ResolvedAt.IsZero() && (target == nil || inc.ResolvedAt.Sub(inc.CreatedAt) > target.ResolvedAt.Sub(target.CreatedAt)) {
			target = inc
		}
	}
	require.NotNil(t, target)
	mid := target.CreatedAt.Add(target.ResolvedAt.Sub(target.CreatedAt) / 2).Truncate(time.Second)
	now := mid
	var mu sync.Mutex
	sim := newSim(t, func(opt *pagerduty.Options) {
		opt.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	})
	got := all(t, sim, "/incidents", url.Values{"date_range": {"all"}}, "incidents")
	var created int
	for _, inc := range o.Incidents {
		if !inc.CreatedAt.After(mid) {
			created++
		}
	}
	require.Len(t, got, created, "incidents created after now do not exist yet")
	_, rec := call(t, sim, "/incidents/"+target.ID)
	require.Equal(t, 200, rec.Code)
	inc := decode(t, rec)["incident"].(map[string]any)
	require.NotEqual(t, "resolved", inc["status"])
	require.Nil(t, inc["resolved_at"])
	le := all(t, sim, "/incidents/"+target.ID+"/log_entries", url.Values{}, "log_entries")
	for _, e := range le {
		require.LessOrEqual(t, e["created_at"].(string), mid.Format(time.RFC3339))
	}
	require.Less(t, len(le), len(target.LogEntries))

	// A window after now lists none (it crashed the handler: black-box
	// pass 9).
	future := url.Values{"since": {mid.Add(48 * time.Hour).Format(time.RFC3339)}, "until": {mid.Add(96 * time.Hour).Format(time.RFC3339)}}
	require.Empty(t, all(t, sim, "/incidents", future, "incidents"))

	// A later incident is not found yet.
	later := o.Incidents[len(o.Incidents)-1]
	_, rec = call(t, sim, "/incidents/"+later.ID)
	require.Equal(t, 404, rec.Code)

	// Advancing the clock reveals everything.
	mu.Lock()
	now = o.End
	mu.Unlock()
	_, rec = call(t, sim, "/incidents/"+target.ID)
	inc = decode(t, rec)["incident"].(map[string]any)
	require.Equal(t, "resolved", inc["status"])
	require.Equal(t, target.ResolvedAt.Format(time.RFC3339), inc["resolved_at"])
	_, rec = call(t, sim, "/incidents/"+later.ID)
	require.Equal(t, 200, rec.Code)
}

func TestIncidentStateAtEndMatchesGroundTruth(t *testing.T) {
	o := testOrg(t)
	sim := newSim(t, nil)
	got := all(t, sim, "/incidents", url.Values{"date_range": {"all"}, "include[]": {"priorities"}}, "incidents")
	require.Len(t, got, len(o.Incidents))
	merged := 0
	for i, inc := range got {
		w := o.Incidents[i]
		require.Equal(t, w.ID, inc["id"])
		require.Equal(t, w.Status, inc["status"], w.ID)
		require.EqualValues(t, w.Number, inc["incident_number"])
		require.Equal(t, w.Title, inc["title"])
		require.Equal(t, w.Urgency, inc["urgency"])
		require.Equal(t, w.IncidentKey, inc["incident_key"])
		require.Equal(t, w.ServiceID, inc["service"].(map[string]any)["id"])
		require.Equal(t, o.ServiceByID(w.ServiceID).Name, inc["service"].(map[string]any)["summary"])
		require.Equal(t, w.TeamID, inc["teams"].([]any)[0].(map[string]any)["id"])
		require.Equal(t, w.EscalationPolicyID, inc["escalation_policy"].(map[string]any)["id"])
		require.Equal(t, w.CreatedAt.Format(time.RFC3339), inc["created_at"])
		if w.PriorityID == "" {
			require.Nil(t, inc["priority"])
		} else {
			require.Equal(t, o.PriorityByID(w.PriorityID).Name, inc["priority"].(map[string]any)["name"])
		}
		if w.ResolvedAt.IsZero() {
			require.Nil(t, inc["resolved_at"])
		} else {
			require.Equal(t, w.ResolvedAt.Format(time.RFC3339), inc["resolved_at"])
		}
		if w.MergedInto != "" {
			merged++
			rr := inc["resolve_reason"].(map[string]any)
			require.Equal(t, "merge_resolve_reason", rr["type"])
			require.Equal(t, w.MergedInto, rr["incident"].(map[string]any)["id"])
		} else {
			require.Nil(t, inc["resolve_reason"])
		}
		if w.Status == org.StatusAcknowledged {
			require.NotEmpty(t, inc["acknowledgements"])
		}
	}
	require.NotZero(t, merged, "the org must contain merged incidents for this test to mean anything")
}

func TestFiltersAndSorting(t *testing.T) {
	o := testOrg(t)
	sim := newSim(t, nil)
	svc := o.Incidents[0].ServiceID
	team := o.Incidents[0].TeamID
	tests := []struct {
		name  string
		query url.Values
		keep  func(org.Incident) bool
	}{
		{"service", url.Values{"service_ids[]": {svc}}, func(i org.Incident) bool { return i.ServiceID == svc }},
		{"team", url.Values{"team_ids[]": {team}}, func(i org.Incident) bool { return i.TeamID == team }},
		{"resolved", url.Values{"statuses[]": {"resolved"}}, func(i org.Incident) bool { return i.Status == org.StatusResolved }},
		{"open", url.Values{"statuses[]": {"triggered", "acknowledged"}}, func(i org.Incident) bool { return i.Status != org.StatusResolved }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.query.Set("date_range", "all")
			got := all(t, sim, "/incidents", tc.query, "incidents")
			var want []string
			for _, inc := range o.Incidents {
				if tc.keep(inc) {
					want = append(want, inc.ID)
				}
			}
			var ids []string
			for _, inc := range got {
				ids = append(ids, inc["id"].(string))
			}
			if tc.name != "open" { // the org may have no incident open at End
				require.NotEmpty(t, want)
			}
			require.Equal(t, want, ids)
		})
	}
	got := all(t, sim, "/incidents", url.Values{"date_range": {"all"}, "sort_by": {"incident_number:desc"}}, "incidents")
	require.EqualValues(t, o.Incidents[len(o.Incidents)-1].Number, got[0]["incident_number"])
	_, rec := call(t, sim, "/incidents?date_range=all&sort_by=title")
	require.Equal(t, 400, rec.Code)
	_, rec = call(t, sim, "/incidents?date_range=all&statuses[]=paused")
	require.Equal(t, 400, rec.Code)
}

func TestRateLimitPerToken(t *testing.T) {
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sim := newSim(t, func(o *pagerduty.Options) {
		o.RateLimit = 5
		o.Clock = func() time.Time { return clock }
		o.Tokens = []string{token, "other"}
	})
	for i := range 5 {
		_, rec := call(t, sim, "/priorities")
		require.Equal(t, 200, rec.Code)
		require.Equal(t, "5", rec.Header().Get("ratelimit-limit"))
		require.Equal(t, strconv.Itoa(4-i), rec.Header().Get("ratelimit-remaining"))
		require.Equal(t, "60", rec.Header().Get("ratelimit-reset"))
	}
	clock = clock.Add(20 * time.Second)
	req, rec := call(t, sim, "/priorities")
	require.Equal(t, 429, rec.Code)
	require.Equal(t, "0", rec.Header().Get("ratelimit-remaining"))
	require.Equal(t, "40", rec.Header().Get("ratelimit-reset"))
	require.Contains(t, rec.Body.String(), "Rate Limit Exceeded")
	validate(t, "/priorities", req, rec)
	_, rec = call(t, sim, "/priorities", "Authorization", "Token token=other")
	require.Equal(t, 200, rec.Code, "the limit is per token")
	clock = clock.Add(40 * time.Second)
	_, rec = call(t, sim, "/priorities")
	require.Equal(t, 200, rec.Code, "a new window starts after a minute")

	def := newSim(t, func(o *pagerduty.Options) { o.RateLimit = 0 })
	_, rec = call(t, def, "/priorities")
	require.Equal(t, "960", rec.Header().Get("ratelimit-limit"), "PagerDuty's default")
}

func TestFaultInjection(t *testing.T) {
	o := testOrg(t)
	t.Run("server errors", func(t *testing.T) {
		sim := newSim(t, func(opt *pagerduty.Options) { opt.Faults.ServerErrorRate = 1 })
		_, rec := call(t, sim, "/incidents")
		require.GreaterOrEqual(t, rec.Code, 500)
		require.Contains(t, rec.Body.String(), `"error"`)
	})
	t.Run("truncated body drops the connection", func(t *testing.T) {
		sim := newSim(t, func(opt *pagerduty.Options) { opt.Faults.TruncateRate = 1 })
		srv := httptest.NewServer(sim)
		defer srv.Close()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/incidents?date_range=all", nil)
		req.Header.Set("Authorization", "Token token="+token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	})
	t.Run("malformed JSON in a complete response", func(t *testing.T) {
		sim := newSim(t, func(opt *pagerduty.Options) { opt.Faults.MalformedRate = 1 })
		_, rec := call(t, sim, "/incidents?date_range=all")
		require.Equal(t, 200, rec.Code)
		var v any
		require.Error(t, json.Unmarshal(rec.Body.Bytes(), &v))
	})
	t.Run("slow responses", func(t *testing.T) {
		sim := newSim(t, func(opt *pagerduty.Options) {
			opt.Faults.SlowRate = 1
			opt.Faults.SlowDelay = 150 * time.Millisecond
		})
		start := time.Now()
		_, rec := call(t, sim, "/priorities")
		require.Equal(t, 200, rec.Code)
		require.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond)
	})
	t.Run("unknown enums are stable per item", func(t *testing.T) {
		sim := newSim(t, func(opt *pagerduty.Options) { opt.Faults.UnknownEnumRate = 0.3 })
		got := all(t, sim, "/incidents", url.Values{"date_range": {"all"}}, "incidents")
		again := all(t, sim, "/incidents", url.Values{"date_range": {"all"}}, "incidents")
		unknown := 0
		for i, inc := range got {
			id := inc["id"].(string)
			require.Equal(t, inc["status"], again[i]["status"])
			if sim.UnknownEnumItem("incident", id) {
				unknown++
				require.Equal(t, "investigating", inc["status"])
			} else {
				require.Equal(t, o.Incidents[i].Status, inc["status"])
			}
		}
		require.InDelta(t, 0.3*float64(len(got)), float64(unknown), 0.15*float64(len(got)))
	})
	t.Run("items shift between pages", func(t *testing.T) {
		sim := newSim(t, func(opt *pagerduty.Options) { opt.Faults.ShiftRate = 1 })
		p := getPage(t, sim, "/incidents?date_range=all&limit=10&offset=20")
		require.Equal(t, 20, p.Offset)
		var ids []string
		for _, inc := range p.Incidents {
			ids = append(ids, inc["id"].(string))
		}
		var want []string
		for _, inc := range o.Incidents[20:30] {
			want = append(want, inc.ID)
		}
		require.NotEqual(t, want, ids)
		require.Contains(t, strings.Join(want, ","), ids[4], "shifted by a few positions, not random")
	})
}

// TestResponsesMatchTheOfficialSpec validates every kind of response the
// simulator gives, and asserts the fields the ingester relies on.
func TestResponsesMatchTheOfficialSpec(t *testing.T) {
	o := testOrg(t)
	loadSpec(t)
	sim := newSim(t, nil)
	inc := o.Incidents[len(o.Incidents)/2]
	var merged, open *org.Incident
	for i := range o.Incidents {
		if o.Incidents[i].MergedInto != "" && merged == nil {
			merged = &o.Incidents[i]
		}
		// An incident acknowledged and resolved much later: open in between.
		if x := &o.Incidents[i]; !x.AcknowledgedAt.IsZero() && x.ResolvedAt.Sub(x.AcknowledgedAt) > 10*time.Minute && open == nil {
			open = x
		}
	}
	require.NotNil(t, merged)
	require.NotNil(t, open)
	midOpen := open.AcknowledgedAt.Add(time.Minute)
	openSim := newSim(t, func(opt *pagerduty.Options) { opt.Now = func() time.Time { return midOpen } })
	for _, target := range []string{"/incidents/" + open.ID + "?include[]=acknowledgers", "/incidents/" + open.ID} {
		req, rec := call(t, openSim, target)
		require.Equal(t, 200, rec.Code)
		validate(t, "/incidents/{id}", req, rec)
		inc := decode(t, rec)["incident"].(map[string]any)
		require.NotEqual(t, "resolved", inc["status"])
		require.NotEmpty(t, inc["assignments"])
	}
	req, rec := call(t, openSim, "/incidents?statuses[]=triggered&statuses[]=acknowledged&date_range=all&include[]=assignees")
	validate(t, "/incidents", req, rec)
	require.NotEmpty(t, decode(t, rec)["incidents"])
	since := "since=" + url.QueryEscape(o.Start.Format(time.RFC3339))
	cases := []struct{ route, target string }{
		{"/incidents", "/incidents?date_range=all&limit=100&total=true"},
		{"/incidents", "/incidents?date_range=all&limit=100&offset=100"},
		{"/incidents", "/incidents?date_range=all&limit=50&include[]=services&include[]=teams&include[]=priorities&include[]=escalation_policies&include[]=assignees&include[]=acknowledgers&include[]=first_trigger_log_entries&include[]=conference_bridge&include[]=body"},
		{"/incidents", "/incidents?statuses[]=triggered&statuses[]=acknowledged&date_range=all"},
		{"/incidents", "/incidents?since=2000-01-01T00:00:00Z&until=2001-01-01T00:00:00Z"},
		{"/incidents", "/incidents?since=2000-01-01T00:00:00Z&until=2010-01-01T00:00:00Z"},
		{"/incidents/{id}", "/incidents/" + inc.ID},
		{"/incidents/{id}", "/incidents/" + merged.ID},
		{"/incidents/{id}", "/incidents/PNOPE00"},
		{"/incidents/{id}/log_entries", "/incidents/" + inc.ID + "/log_entries?total=true"},
		{"/incidents/{id}/log_entries", "/incidents/" + merged.ID + "/log_entries?is_overview=true"},
		{"/log_entries", "/log_entries?limit=100&total=true&" + since},
		{"/log_entries", "/log_entries?limit=100&offset=300&" + since},
		{"/log_entries", "/log_entries?limit=100&offset=500&" + since},
		{"/services", "/services?total=true"},
		{"/services", "/services?limit=100"},
		{"/teams", "/teams?limit=100"},
		{"/priorities", "/priorities"},
		{"/users", "/users?limit=100&total=true"},
	}
	kinds := map[string]bool{}
	for _, tc := range cases {
		req, rec := call(t, sim, tc.target)
		validate(t, tc.route, req, rec)
		if rec.Code == 200 && strings.Contains(tc.route, "log_entries") {
			for _, e := range getPage(t, sim, tc.target).LogEntries {
				kinds[e["type"].(string)] = true
			}
		}
	}
	// Every log entry type the org uses was validated.
	for _, typ := range []string{org.LogTrigger, org.LogNotify, org.LogAcknowledge, org.LogResolve, org.LogAnnotate} {
		require.True(t, kinds[typ], "no %s was validated", typ)
	}
	for _, typ := range []string{org.LogEscalate, org.LogAssign, org.LogUnack} {
		n := 0
		for i := range o.Incidents {
			for _, e := range o.Incidents[i].LogEntries {
				if e.Type == typ && n < 3 {
					n++
					req, rec := call(t, sim, "/incidents/"+o.Incidents[i].ID+"/log_entries?limit=100")
					validate(t, "/incidents/{id}/log_entries", req, rec)
				}
			}
		}
		require.NotZero(t, n, "no %s in the org", typ)
	}

	// The spec types a log entry's incident, service and teams as references
	// only, although its own description says "unless included": expansions
	// are checked here instead of against the spec.
	p := getPage(t, sim, "/log_entries?limit=5&include[]=incidents&include[]=services&include[]=teams&"+since)
	require.NotEmpty(t, p.LogEntries)
	for _, e := range p.LogEntries {
		require.Equal(t, "incident", e["incident"].(map[string]any)["type"])
		require.Equal(t, "service", e["service"].(map[string]any)["type"])
		require.Equal(t, "team", e["teams"].([]any)[0].(map[string]any)["type"])
	}

	// Fields Aftermath relies on are present.
	_, rec = call(t, sim, "/incidents/"+merged.ID)
	m := decode(t, rec)["incident"].(map[string]any)
	for _, f := range []string{"id", "incident_number", "title", "html_url", "incident_key", "created_at", "updated_at",
		"status", "urgency", "service", "teams", "escalation_policy", "resolved_at", "resolve_reason", "priority", "last_status_change_at"} {
		require.Contains(t, m, f)
	}
	require.NotEmpty(t, m["service"].(map[string]any)["summary"])
	require.NotEmpty(t, m["teams"].([]any)[0].(map[string]any)["summary"])
	p = getPage(t, sim, "/log_entries?limit=100&"+since)
	for _, e := range p.LogEntries {
		for _, f := range []string{"id", "type", "created_at", "agent", "channel", "incident", "summary"} {
			require.Contains(t, e, f)
		}
		require.NotEmpty(t, e["incident"].(map[string]any)["id"])
	}
}
