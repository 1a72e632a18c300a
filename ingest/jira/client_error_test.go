package jira

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	gojira "github.com/andygrunwald/go-jira"
	"github.com/stretchr/testify/require"
)

// TestErrorNamesThePathRequested: when no response comes (the server closes
// the connection), the error names the path the capture layer requested
// (/rest/api/3/ with api_version 3), not go-jira's /rest/api/2/, and not the
// long query (JQL, fields).
func TestErrorNamesThePathRequested(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.Path
		conn, _, err := w.(http.Hijacker).Hijack()
		require.NoError(t, err)
		_ = conn.Close()
	}))
	defer srv.Close()
	for _, version := range []int{2, 3} {
		tr := &http.Transport{DisableKeepAlives: true}
		client, err := gojira.NewClient(&http.Client{Transport: &captureTransport{next: tr, apiVersion: version}}, srv.URL)
		require.NoError(t, err)
		_, _, err = client.Issue.SearchV2JQLWithContext(context.Background(), `project = PM AND labels = "postmortem"`,
			&gojira.SearchOptionsV2{Fields: []string{"summary", "description", "customfield_10015"}, Expand: "changelog"})
		require.Error(t, err)
		err = &apiError{err: err, apiVersion: version}
		msg := err.Error()
		want := map[int]string{2: "/rest/api/2/search/jql", 3: "/rest/api/3/search/jql"}[version]
		require.Equal(t, want, got, "the path requested")
		require.Contains(t, msg, `"`+srv.URL+want+`"`)
		require.NotContains(t, msg, "jql=")
		require.NotContains(t, msg, "customfield_10015")
		require.Contains(t, msg, "No response returned")
	}
}
