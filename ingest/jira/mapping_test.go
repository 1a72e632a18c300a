package jira

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/postmortem"
	"github.com/aftermath-sre/aftermath/simulate/jira/jiratest"
	"github.com/aftermath-sre/aftermath/store"
)

type nopStore struct{}

func (nopStore) UpsertRaw(context.Context, []store.RawDocument) error        { return nil }
func (nopStore) UpsertPostmortems(context.Context, []store.Postmortem) error { return nil }
func (nopStore) UpsertActionItems(context.Context, []store.ActionItem) error { return nil }
func (nopStore) Checkpoint(context.Context, string, string) (string, bool, error) {
	return "", false, nil
}
func (nopStore) SetCheckpoint(context.Context, string, string, string) error { return nil }
func (nopStore) RecordIngestRun(context.Context, store.IngestRun) error      { return nil }
func (nopStore) AbortStaleIngestRuns(context.Context, string, time.Time) (int, error) {
	return 0, nil
}
func (nopStore) RawDocuments(context.Context, string, string, func([]store.RawDocument) error) error {
	return nil
}
func (nopStore) PostmortemKeys(context.Context) ([]string, error)           { return nil, nil }
func (nopStore) ActionItemKeys(context.Context) ([]string, error)           { return nil, nil }
func (nopStore) DeletePostmortems(context.Context, []string) error          { return nil }
func (nopStore) DeleteActionItems(context.Context, []string) error          { return nil }
func (nopStore) DeleteRawDocuments(context.Context, string, []string) error { return nil }

func testIngester(t *testing.T, mod func(*Options)) *Ingester {
	t.Helper()
	o := Options{BaseURL: "https://example.atlassian.net", Email: "a@example.com", Token: "t", Store: nopStore{}}
	if mod != nil {
		mod(&o)
	}
	in, err := New(o)
	require.NoError(t, err)
	in.statusCategory = map[string]string{"1": "new", "2": "done", "3": "indeterminate", "name:done": "done"}
	return in
}

func view(t *testing.T, fields string) *issueView {
	t.Helper()
	is := &apiIssue{ID: "1", Key: "PM-1"}
	require.NoError(t, json.Unmarshal([]byte(fields), &is.Fields))
	return &issueView{is: is}
}

func TestIncidentIDsByLinkMode(t *testing.T) {
	for _, tc := range []struct {
		name   string
		link   IncidentLinkField
		fields string
		labels []string
		want   []string
	}{
		{"labels", IncidentLinkField{Mode: LinkByLabel, LabelPrefix: "pd-"}, `{}`, []string{"sev1", "pd-PABC123", "pd-Q1W2E3R4T5Y6U7", "pd-PABC123"}, []string{"PABC123", "Q1W2E3R4T5Y6U7"}},
		{"field with ids", IncidentLinkField{Mode: LinkByField, Field: "customfield_1"}, `{"customfield_1": "PABC123, PDEF456"}`, nil, []string{"PABC123", "PDEF456"}},
		{"field with urls", IncidentLinkField{Mode: LinkByField, Field: "customfield_1"}, `{"customfield_1": "https://acme.pagerduty.com/incidents/PABC123"}`, nil, []string{"PABC123"}},
		{"field as options", IncidentLinkField{Mode: LinkByField, Field: "customfield_1"}, `{"customfield_1": [{"value": "PABC123"}, {"value": "not an id"}]}`, nil, []string{"PABC123"}},
		{"empty field", IncidentLinkField{Mode: LinkByField, Field: "customfield_1"}, `{"customfield_1": null}`, nil, nil},
		{"wiki description", IncidentLinkField{Mode: LinkByDescription}, `{"description": "Incident: https://acme.pagerduty.com/incidents/PABC123 [https://acme.pagerduty.com/incidents/PDEF456|link]\n\nh1. Title"}`, nil, []string{"PABC123", "PDEF456"}},
		{"adf description", IncidentLinkField{Mode: LinkByDescription}, `{"description": {"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"https://acme.pagerduty.com/incidents/PXYZ789","marks":[{"type":"link","attrs":{"href":"https://acme.pagerduty.com/incidents/PXYZ789"}}]}]}]}}`, nil, []string{"PXYZ789"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := testIngester(t, func(o *Options) { o.Fields.IncidentLink = tc.link })
			require.Equal(t, tc.want, in.incidentIDs(view(t, tc.fields), tc.labels))
		})
	}
}

func TestTeamSeverityAndPriority(t *testing.T) {
	in := testIngester(t, func(o *Options) {
		o.Fields.Team = TeamField{From: TeamFromField, Field: "customfield_2"}
		o.Fields.Severity = "customfield_3"
		o.Priorities = map[string]string{"Urgent": "P1"}
	})
	v := view(t, `{"customfield_2": {"value": "payments", "id": "1"}, "customfield_3": {"value": "Sev 2"}}`)
	require.Equal(t, "payments", in.team(v, nil, nil))
	require.Equal(t, "SEV2", in.severity(v))
	require.Equal(t, "unknown", in.severity(view(t, `{"customfield_3": "major"}`)))
	require.Equal(t, "unknown", in.severity(view(t, `{}`)), "configured but empty")
	require.Equal(t, "P1", in.priority("Urgent"))
	require.Equal(t, "P2", in.priority("High"))
	require.Equal(t, "unknown", in.priority("Whenever"))

	byLabel := testIngester(t, func(o *Options) { o.Fields.Team = TeamField{From: TeamFromLabel, LabelPrefix: "team-"} })
	require.Equal(t, "search", byLabel.team(view(t, `{}`), []string{"sev1", "team-search"}, []string{"payments"}))
	require.Equal(t, "", byLabel.team(view(t, `{}`), []string{"team-"}, nil))
	byComponent := testIngester(t, nil)
	require.Equal(t, "payments", byComponent.team(view(t, `{}`), []string{"team-search"}, []string{"payments", "search"}))
	require.Equal(t, "", byComponent.severity(v), "no severity field: the incident's severity applies")
}

func TestMapActionItemFromJiraJSON(t *testing.T) {
	in := testIngester(t, nil)
	raw := []byte(`{"id":"10042","key":"ACT-7","fields":{
		"summary":"Add a canary","project":{"key":"ACT"},
		"status":{"id":"1","name":"To Do","statusCategory":{"key":"new"}},
		"priority":{"name":"Highest"},
		"assignee":{"accountId":"abc","displayName":"Ada"},
		"created":"2025-06-02T19:00:00.000+1000","updated":"2025-06-05T10:00:00.000-0700",
		"resolutiondate":null,"duedate":"2025-07-01","labels":["action-item"],
		"components":[{"name":"payments"}],
		"issuelinks":[{"type":{"name":"Postmortem"},"inwardIssue":{"key":"PM-3","fields":{"issuetype":{"name":"Postmortem"}}}}],
		"description":"Do it."}}`)
	var is apiIssue
	require.NoError(t, json.Unmarshal(raw, &is))
	from, to := "2", "1"
	fromS, toS := "Done", "To Do"
	hs := []apiHistory{
		{ID: "5", Created: "2025-06-04T00:00:00.000+0000", Author: &apiUser{AccountID: "bot", AccountType: "app"},
			Items: []apiItem{{Field: "labels", ToString: &toS}}},
		{ID: "4", Created: "2025-06-03T00:00:00.000+0000", Author: &apiUser{AccountID: "abc", AccountType: "atlassian"},
			Items: []apiItem{{Field: "status", From: &from, FromString: &fromS, To: &to, ToString: &toS}}},
	}
	sorted, err := sortHistories(hs)
	require.NoError(t, err)
	m, err := in.mapIssue(kindActionItem, &is, sorted, raw, time.Now())
	require.NoError(t, err)
	a := m.ai
	require.Equal(t, "PM-3", a.PostmortemKey)
	require.Equal(t, "P1", a.Priority)
	require.Equal(t, "Highest", a.RawPriority)
	require.Equal(t, time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC), a.CreatedAt, "offsets are honoured")
	require.Equal(t, time.Date(2025, 6, 5, 17, 0, 0, 0, time.UTC), a.UpdatedAt)
	require.Equal(t, time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC), a.DueDate)
	require.Equal(t, 1, a.ReopenCount)
	require.Equal(t, time.Date(2025, 6, 3, 0, 0, 0, 0, time.UTC), a.LastActivityAt, "the bot's later edit is not activity")
	require.Equal(t, "4", a.Transitions[0].HistoryID, "oldest first")
	require.Equal(t, "payments", a.Team)

	bad := apiIssue{ID: "1", Key: "ACT-8", Fields: map[string]json.RawMessage{"created": json.RawMessage(`"2025-06-02"`), "updated": json.RawMessage(`"2025-06-02T19:00:00.000+1000"`)}}
	_, err = in.mapIssue(kindActionItem, &bad, nil, nil, time.Now())
	require.ErrorContains(t, err, "created")
}

func TestPostmortemDescriptionsInEveryFormat(t *testing.T) {
	doc := jiratest.Doc("Checkout errors", "Config change without validation", "Missing alert")
	wiki := postmortem.RenderWiki(&doc)
	adf, err := postmortem.RenderADF(&doc)
	require.NoError(t, err)
	md := postmortem.RenderMarkdown(&doc)
	q := func(s string) json.RawMessage { b, _ := json.Marshal(s); return b }
	for _, tc := range []struct {
		name   string
		desc   json.RawMessage
		format string
	}{
		{"markdown", q(md), "markdown"},
		{"wiki", q(wiki), "wiki"},
		{"adf", adf, "adf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := testIngester(t, nil)
			is := &apiIssue{ID: "1", Key: "PM-1", Fields: map[string]json.RawMessage{
				"created": q("2025-06-02T19:00:00.000+1000"), "updated": q("2025-06-02T19:00:00.000+1000"),
				"description": tc.desc,
			}}
			m, err := in.mapIssue(kindPostmortem, is, nil, nil, time.Now())
			require.NoError(t, err)
			p := m.pm
			require.Equal(t, tc.format, p.DescriptionFormat)
			require.Equal(t, postmortem.TemplateSections, p.Sections)
			require.Empty(t, p.MissingSections)
			require.Equal(t, doc.Lucky, p.Lucky)
			require.Equal(t, 7*time.Minute, p.TimeToDetect)
			require.Len(t, p.Factors, 2)
			require.Equal(t, "Missing alert", p.Factors[1].Name)
		})
	}
	in := testIngester(t, nil)
	is := &apiIssue{ID: "1", Key: "PM-2", Fields: map[string]json.RawMessage{
		"created": q("2025-06-02T19:00:00.000+1000"), "updated": q("2025-06-02T19:00:00.000+1000"), "description": json.RawMessage(`null`),
	}}
	m, err := in.mapIssue(kindPostmortem, is, nil, nil, time.Now())
	require.NoError(t, err)
	require.Equal(t, postmortem.TemplateSections, m.pm.MissingSections, "no description: every section is missing")
}

func TestDefaultPriority(t *testing.T) {
	for in, want := range map[string]string{"Highest": "P1", "High": "P2", "Medium": "P3", "Low": "P4", "Lowest": "P5", "P3": "P3", "Whatever": "unknown"} {
		require.Equal(t, want, DefaultPriority(in), in)
	}
}

// TestCredentialsAreNeededToSyncOnly: an ingester without a token (or,
// with basic auth, without an email) is built, for re-extracting stored
// raw documents, but refuses to sync.
func TestCredentialsAreNeededToSyncOnly(t *testing.T) {
	for _, tc := range []struct {
		mod  func(*Options)
		want string
	}{
		{func(o *Options) { o.Token = "" }, "jira: token is required"},
		{func(o *Options) { o.Email = "" }, "jira: basic auth needs an email"},
	} {
		in := testIngester(t, tc.mod)
		require.EqualError(t, in.SyncRun(context.Background(), nil), tc.want)
	}
	bearer := testIngester(t, func(o *Options) { o.Email, o.Bearer = "", true })
	require.Equal(t, "", bearer.opts.Email, "a bearer token needs no email")
}
