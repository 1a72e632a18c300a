package jira

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSplitSearchPage(t *testing.T) {
	deep := strings.Repeat("[", 50_000) + strings.Repeat("]", 50_000)
	for _, tc := range []struct {
		name   string
		body   string
		issues []string
		token  string
		last   bool
		bad    bool
	}{
		{name: "empty page", body: `{"issues":[],"isLast":true}`, last: true},
		{name: "issues kept raw", body: ` {"issues": [ {"key":"A-1"} , {"key":"A-2","f":"]}\"{["} ], "nextPageToken":"t1", "isLast":false} `,
			issues: []string{`{"key":"A-1"}`, `{"key":"A-2","f":"]}\"{["}`}, token: "t1"},
		{name: "deep issue is split, not decoded", body: `{"issues":[{"key":"A-1","x":` + deep + `},{"key":"A-2"}],"isLast":true}`,
			issues: []string{`{"key":"A-1","x":` + deep + `}`, `{"key":"A-2"}`}, last: true},
		{name: "null issues and token", body: `{"issues":null,"nextPageToken":null,"isLast":true,"names":{"a":[1,2]}}`, last: true},
		{name: "cut short", body: `{"issues":[{"key":"A-1"},{"key":"A-`, bad: true},
		{name: "cut short inside nesting", body: `{"issues":[{"key":"A-1","x":[[[`, bad: true},
		{name: "mismatched brackets", body: `{"issues":[{"key":"A-1"]],"isLast":true}`, bad: true},
		{name: "not an object", body: `[{"key":"A-1"}]`, bad: true},
		{name: "trailing data", body: `{"issues":[],"isLast":true} {}`, bad: true},
		{name: "isLast not a boolean", body: `{"issues":[],"isLast":"yes"}`, bad: true},
		{name: "missing colon", body: `{"issues" []}`, bad: true},
		{name: "empty body", body: ``, bad: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := splitSearchPage([]byte(tc.body))
			if tc.bad {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			var got []string
			for _, is := range p.Issues {
				got = append(got, string(is))
			}
			require.Equal(t, tc.issues, got)
			require.Equal(t, tc.token, p.NextPageToken)
			require.Equal(t, tc.last, p.IsLast)
		})
	}
	_, err := splitSearchPage([]byte(`{"issues":[`))
	require.True(t, errors.Is(err, errSplit), "a body cut short is a malformed response: %v", err)
}

func TestIssueIdentityOfAnUndecodableIssue(t *testing.T) {
	deep := strings.Repeat("[", 20_000) + strings.Repeat("]", 20_000)
	key, id := issueIdentity([]byte(`{"expand":"x","fields":{"d":` + deep + `},"id":"10042","key":"ACT-7"}`))
	require.Equal(t, "ACT-7", key)
	require.Equal(t, "10042", id)
	key, id = issueIdentity([]byte(`{"fields":{"d":[[[`))
	require.Empty(t, key)
	require.Empty(t, id)
}
