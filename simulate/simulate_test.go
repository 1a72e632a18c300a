package simulate

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/simulate/org"
)

func TestOneListenerServesBothAPIs(t *testing.T) {
	o, err := org.Generate(org.Options{Seed: 3, Scale: org.ScaleTiny, End: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	s, err := New(Options{Org: o, PagerDutyToken: "pd-token", JiraEmail: "me@example.com", JiraToken: "jira-token", PagerDutyRateLimit: -1})
	require.NoError(t, err)
	srv := httptest.NewServer(s)
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/incidents?total=true&limit=1", nil)
	req.Header.Set("Authorization", "Token token=pd-token")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var incidents struct {
		Total int `json:"total"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&incidents))
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, len(o.Incidents), incidents.Total, "PagerDuty at the root serves the whole org as of its end")

	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/rest/api/3/myself", nil)
	req.SetBasicAuth("me@example.com", "jira-token")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	var me struct {
		AccountID string `json:"accountId"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&me))
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, o.Users[0].JiraAccountID, me.AccountID, "Jira under /rest/")

	// Each API keeps its own auth: a PagerDuty token is no Jira credential.
	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/rest/api/3/myself", nil)
	req.Header.Set("Authorization", "Token token=pd-token")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}
