package jira_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/simulate/jira"
	"github.com/aftermath-sre/aftermath/simulate/jira/jiratest"
	"github.com/aftermath-sre/aftermath/simulate/org"
)

const specName = "jira_cloud_platform_v3_swagger-v3.v3.json"

var (
	specOnce sync.Once
	specDoc  *openapi3.T
	specErr  error
	specPath string
)

// findShared walks up from the working directory to shared/<rel>.
func findShared(rel string) string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, "shared", rel)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// loadSpec loads the Jira v3 spec once per test binary. The document is not
// valid as shipped (path twins, bad enum defaults), so it is loaded without
// document validation; known schema bugs are patched in memory:
//   - ChangeDetails from/to/fromString/toString: Jira sends null, the spec
//     says string.
//   - IssueLink requires both inwardIssue and outwardIssue; a real link has
//     exactly one of them.
//   - IssueBean.fields allows any value but null ({} is not nullable in
//     OpenAPI 3.0); Jira sends null for empty fields ("duedate": null).
func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	specOnce.Do(func() {
		specPath = findShared(filepath.Join("apis", specName))
		if specPath == "" {
			return
		}
		data, err := os.ReadFile(specPath)
		if err != nil {
			specErr = err
			return
		}
		specDoc, specErr = openapi3.NewLoader().LoadFromData(data)
		if specErr != nil {
			return
		}
		s := specDoc.Components.Schemas
		for _, p := range []string{"from", "to", "fromString", "toString"} {
			s["ChangeDetails"].Value.Properties[p].Value.Nullable = true
		}
		s["IssueLink"].Value.Required = nil
		s["IssueBean"].Value.Properties["fields"].Value.AdditionalProperties.Schema.Value.Nullable = true
	})
	if specPath == "" {
		if os.Getenv("AFTERMATH_REQUIRE_DATA") == "1" {
			t.Fatalf("shared/apis/%s not found (AFTERMATH_REQUIRE_DATA=1)", specName)
		}
		t.Skipf("shared/apis/%s not found above the working directory; skipping the fidelity test", specName)
	}
	require.NoError(t, specErr)
	return specDoc
}

// jiraDateTime accepts Jira's date-times ("2019-05-13T11:20:31.000+0000",
// offset without a colon) as well as RFC 3339.
var jiraDateTime = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?(Z|[+-]\d{2}:?\d{2})$`)

func validate(t *testing.T, schema *openapi3.Schema, body []byte, what string) {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(body, &v), what)
	err := schema.VisitJSON(v,
		openapi3.VisitAsResponse(),
		openapi3.MultiErrors(),
		openapi3.EnableFormatValidation(),
		openapi3.WithStringFormatValidator("date-time", openapi3.NewCallbackValidator(func(s string) error {
			if !jiraDateTime.MatchString(s) {
				return fmt.Errorf("not a Jira date-time: %q", s)
			}
			return nil
		})),
	)
	require.NoError(t, err, "%s does not match the spec", what)
}

func responseSchema(t *testing.T, doc *openapi3.T, path string) *openapi3.Schema {
	t.Helper()
	item := doc.Paths.Find(path)
	require.NotNil(t, item, path)
	op := item.Get
	require.NotNil(t, op, path)
	mt := op.Responses.Status(200).Value.Content.Get("application/json")
	require.NotNil(t, mt, path)
	return mt.Schema.Value
}

// fieldSchemas are the schemas of the issue fields Aftermath reads; the
// spec leaves IssueBean.fields open, so each is checked on its own.
var fieldSchemas = map[string]string{
	"status":     "StatusDetails",
	"priority":   "Priority",
	"assignee":   "UserDetails",
	"reporter":   "UserDetails",
	"creator":    "UserDetails",
	"issuetype":  "IssueTypeDetails",
	"project":    "ProjectDetails",
	"resolution": "Resolution",
}

var arrayFieldSchemas = map[string]string{
	"issuelinks": "IssueLink",
	"components": "ComponentJsonBean",
}

func validateFields(t *testing.T, doc *openapi3.T, issue map[string]json.RawMessage, what string) int {
	t.Helper()
	var fields map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(issue["fields"], &fields), what)
	n := 0
	for name, raw := range fields {
		if string(raw) == "null" {
			continue
		}
		if s, ok := fieldSchemas[name]; ok {
			validate(t, doc.Components.Schemas[s].Value, raw, what+" field "+name)
			n++
		}
		if s, ok := arrayFieldSchemas[name]; ok {
			var items []json.RawMessage
			require.NoError(t, json.Unmarshal(raw, &items))
			for _, it := range items {
				validate(t, doc.Components.Schemas[s].Value, it, what+" field "+name)
				n++
			}
		}
	}
	return n
}

func fidelityOrg() *jiratest.Builder {
	b := smallOrg()
	b.Due("ACT-2", t0.Add(3*time.Hour), t0.Add(14*24*time.Hour), 0)
	b.Churn("ACT-2", t0.Add(4*time.Hour), 120)
	return b
}

func TestResponsesMatchTheJiraV3Spec(t *testing.T) {
	doc := loadSpec(t)
	b := fidelityOrg()
	for _, v := range []int{2, 3} {
		for _, mode := range []string{jira.LinkLabel, jira.LinkField, jira.LinkDescription} {
			name := fmt.Sprintf("v%d/%s", v, mode)
			t.Run(name, func(t *testing.T) {
				_, c := newServer(t, jira.Options{Org: b.Org, IncidentLink: mode})
				api := fmt.Sprintf("/rest/api/%d", v)
				checked := 0

				search := responseSchema(t, doc, "/rest/api/3/search/jql")
				token := ""
				for page := 0; ; page++ {
					q := url.Values{"jql": {"project in (PM, ACT) ORDER BY updated ASC"}, "maxResults": {"2"},
						"fields": {"*all"}, "expand": {"changelog"}}
					if token != "" {
						q.Set("nextPageToken", token)
					}
					code, _, body := c.get(api+"/search/jql", q)
					require.Equal(t, http.StatusOK, code, string(body))
					validate(t, search, body, name+" search page")
					var res struct {
						Issues        []map[string]json.RawMessage
						NextPageToken string
						IsLast        bool
					}
					require.NoError(t, json.Unmarshal(body, &res))
					for _, is := range res.Issues {
						checked += validateFields(t, doc, is, name+" search issue")
					}
					if res.IsLast {
						break
					}
					token = res.NextPageToken
				}

				issue := responseSchema(t, doc, "/rest/api/3/issue/{issueIdOrKey}")
				for _, key := range []string{"PM-1", "PM-2", "ACT-1", "ACT-2"} {
					code, _, body := c.get(api+"/issue/"+key, url.Values{"expand": {"changelog"}})
					require.Equal(t, http.StatusOK, code)
					validate(t, issue, body, name+" issue "+key)
					var is map[string]json.RawMessage
					require.NoError(t, json.Unmarshal(body, &is))
					checked += validateFields(t, doc, is, name+" issue "+key)
				}

				changelog := responseSchema(t, doc, "/rest/api/3/issue/{issueIdOrKey}/changelog")
				for _, start := range []string{"0", "100"} {
					code, _, body := c.get(api+"/issue/ACT-2/changelog", url.Values{"startAt": {start}})
					require.Equal(t, http.StatusOK, code)
					validate(t, changelog, body, name+" changelog from "+start)
				}

				for path, spec := range map[string]string{"/field": "/rest/api/3/field", "/myself": "/rest/api/3/myself", "/status": "/rest/api/3/status"} {
					code, _, body := c.get(api+path, nil)
					require.Equal(t, http.StatusOK, code)
					validate(t, responseSchema(t, doc, spec), body, name+" "+path)
				}

				errs := doc.Components.Schemas["ErrorCollection"].Value
				code, _, body := c.get(api+"/search/jql", url.Values{"jql": {"summary ~ x"}})
				require.Equal(t, http.StatusBadRequest, code)
				validate(t, errs, body, name+" 400")
				code, _, body = c.get(api+"/issue/NOPE-1", nil)
				require.Equal(t, http.StatusNotFound, code)
				validate(t, errs, body, name+" 404")

				require.Greater(t, checked, 20, "field values were validated")
			})
		}
	}
}

func TestGeneratedOrgResponsesMatchTheJiraV3Spec(t *testing.T) {
	doc := loadSpec(t)
	o, err := org.Generate(org.Options{Seed: 3, Scale: org.ScaleTiny})
	require.NoError(t, err)
	search := responseSchema(t, doc, "/rest/api/3/search/jql")
	for _, v := range []int{2, 3} {
		_, c := newServer(t, jira.Options{Org: o, IncidentLink: jira.LinkDescription, Faults: jira.Faults{Seed: 1, UnknownEnumRate: 0.2}})
		token := ""
		for page := 0; ; page++ {
			q := url.Values{"jql": {"project in (PM, ACT)"}, "maxResults": {"50"}, "fields": {"*all"}, "expand": {"changelog"}}
			if token != "" {
				q.Set("nextPageToken", token)
			}
			code, _, body := c.get(fmt.Sprintf("/rest/api/%d/search/jql", v), q)
			require.Equal(t, http.StatusOK, code)
			validate(t, search, body, fmt.Sprintf("v%d page %d", v, page))
			var res struct {
				Issues        []map[string]json.RawMessage
				NextPageToken string
				IsLast        bool
			}
			require.NoError(t, json.Unmarshal(body, &res))
			for _, is := range res.Issues {
				validateFields(t, doc, is, "generated issue")
			}
			if res.IsLast {
				break
			}
			token = res.NextPageToken
		}
	}
}

// TestValidatorRejectsWrongShapes keeps the fidelity test honest: the
// relaxed validator still rejects what Jira would never send.
func TestValidatorRejectsWrongShapes(t *testing.T) {
	doc := loadSpec(t)
	search := responseSchema(t, doc, "/rest/api/3/search/jql")
	changelog := responseSchema(t, doc, "/rest/api/3/issue/{issueIdOrKey}/changelog")
	status := doc.Components.Schemas["StatusDetails"].Value
	for _, tc := range []struct {
		schema *openapi3.Schema
		body   string
	}{
		{search, `{"issues":[],"isLast":"yes"}`},
		{search, `{"issues":[],"isLast":true,"total":3}`},
		{search, `{"issues":[{"id":10001}],"isLast":true}`},
		{changelog, `{"values":[{"id":"1","created":"2025-06-02 10:00:00"}],"total":1}`},
		{changelog, `{"values":[],"startAt":"0"}`},
		{status, `{"id":"1","statusCategory":{"id":"2","key":"new"}}`},
	} {
		var v any
		require.NoError(t, json.Unmarshal([]byte(tc.body), &v))
		err := tc.schema.VisitJSON(v, openapi3.VisitAsResponse(), openapi3.EnableFormatValidation(),
			openapi3.WithStringFormatValidator("date-time", openapi3.NewCallbackValidator(func(s string) error {
				if !jiraDateTime.MatchString(s) {
					return fmt.Errorf("not a Jira date-time: %q", s)
				}
				return nil
			})))
		require.Error(t, err, tc.body)
	}
}
