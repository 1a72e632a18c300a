package pagerduty

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/domain"
	"github.com/aftermath-sre/aftermath/store"
)

func TestMapLogEntry(t *testing.T) {
	base := `"id":"R1","created_at":"2025-06-01T10:00:00Z","incident":{"id":"PINC","type":"incident_reference"},` +
		`"agent":{"id":"PU1","type":"user_reference","summary":"Ada"},"service":{"id":"PSVC"},"summary":"s"`
	tests := []struct {
		name        string
		json        string
		wantType    string
		unknownType bool
		wantErr     string
	}{
		{"acknowledge", `{"type":"acknowledge_log_entry","channel":{"type":"website"},` + base + `}`, store.EventAcknowledge, false, ""},
		{"the spec's acknowledgement spelling", `{"type":"acknowledgement_log_entry",` + base + `}`, store.EventAcknowledge, false, ""},
		{"known without domain meaning", `{"type":"snooze_log_entry",` + base + `}`, store.EventOther, false, ""},
		{"unknown type", `{"type":"status_update_log_entry",` + base + `}`, store.EventOther, true, ""},
		{"no incident", `{"type":"trigger_log_entry","id":"R2","created_at":"2025-06-01T10:00:00Z"}`, "", false, "without incident"},
		{"no id", `{"type":"trigger_log_entry","incident":{"id":"P"},"created_at":"2025-06-01T10:00:00Z"}`, "", false, "without id"},
		{"bad time", `{"type":"trigger_log_entry","id":"R3","incident":{"id":"P"},"created_at":"yesterday"}`, "", false, "created_at"},
		{"channel type not a string does not panic", `{"type":"trigger_log_entry","channel":{"type":7},` + base + `}`, "", false, "decode"},
		{"not an object", `[1,2]`, "", false, "cannot unmarshal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, svc, unk, err := mapLogEntry(json.RawMessage(tc.json))
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.wantType, ev.Type)
			require.Equal(t, tc.unknownType, unk)
			require.Equal(t, "PINC", ev.IncidentID)
			require.Equal(t, "PSVC", svc)
			require.Equal(t, "Ada", ev.AgentName)
			require.Equal(t, time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC), ev.CreatedAt)
		})
	}
}

func TestMapIncident(t *testing.T) {
	t0 := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	sev := SeverityMapping{ByPriority: map[string]string{"P1": "SEV1"}, ByUrgency: map[string]string{"high": "SEV3", "low": "SEV4"}}
	ev := func(typ string, min int, agentType string) store.TimelineEvent {
		return store.TimelineEvent{Type: typ, CreatedAt: t0.Add(time.Duration(min) * time.Minute), AgentType: agentType}
	}
	tests := []struct {
		name     string
		json     string
		timeline []store.TimelineEvent
		check    func(t *testing.T, x store.Incident, unk unknowns)
	}{
		{"priority sets severity, the timeline (on read) first ack and counts",
			`{"id":"P1","incident_number":7,"title":"db down","created_at":"2025-06-01T10:00:00Z","status":"resolved",
			  "urgency":"high","priority":{"id":"PP","summary":"P1"},"resolved_at":"2025-06-01T11:00:00Z",
			  "service":{"id":"S","summary":"checkout"},"teams":[{"id":"T","summary":"Payments"}]}`,
			[]store.TimelineEvent{ev(store.EventAcknowledge, 9, "user_reference"), ev(store.EventAcknowledge, 5, "user_reference"),
				ev(store.EventEscalate, 3, "escalation_policy_reference"), ev(store.EventAssign, 20, "user_reference"),
				ev(store.EventResolve, 60, "user_reference")},
			func(t *testing.T, x store.Incident, unk unknowns) {
				require.Empty(t, unk)
				require.Equal(t, "SEV1", x.Severity)
				require.Equal(t, "P1", x.Priority)
				require.Equal(t, t0.Add(5*time.Minute), x.AcknowledgedAt)
				require.Equal(t, t0.Add(time.Hour), x.ResolvedAt)
				require.Equal(t, uint32(2), x.Acknowledgements)
				require.Equal(t, uint32(1), x.Escalations)
				require.Equal(t, uint32(1), x.Reassignments)
				require.Equal(t, uint32(2), x.Assignments)
				require.False(t, x.AutoResolved)
				require.Equal(t, "checkout", x.ServiceName)
				require.Equal(t, "Payments", x.TeamName)
			}},
		{"no mapped priority: urgency decides",
			`{"id":"P2","created_at":"2025-06-01T10:00:00Z","status":"triggered","urgency":"low","priority":{"id":"PP","name":"P9"}}`, nil,
			func(t *testing.T, x store.Incident, _ unknowns) {
				require.Equal(t, "SEV4", x.Severity)
				require.True(t, x.ResolvedAt.IsZero())
			}},
		{"unknown status and urgency",
			`{"id":"P3","created_at":"2025-06-01T10:00:00Z","status":"investigating","urgency":"critical"}`, nil,
			func(t *testing.T, x store.Incident, unk unknowns) {
				require.Equal(t, unknowns{{"status", "investigating"}, {"urgency", "critical"}}, unk)
				require.Equal(t, "unknown", x.Status)
				require.Equal(t, "unknown", x.Urgency)
				require.Equal(t, store.SeverityUnknown, x.Severity)
			}},
		{"merged and resolved by the system without ack",
			`{"id":"P4","created_at":"2025-06-01T10:00:00Z","status":"resolved","urgency":"high",
			  "resolve_reason":{"type":"merge_resolve_reason","incident":{"id":"P1"}}}`,
			[]store.TimelineEvent{ev(store.EventResolve, 30, "service_reference")},
			func(t *testing.T, x store.Incident, _ unknowns) {
				require.True(t, x.Merged)
				require.Equal(t, "P1", x.MergedInto)
				require.Equal(t, t0.Add(30*time.Minute), x.ResolvedAt, "from the timeline when the payload has none")
				require.True(t, x.AutoResolved)
			}},
		{"an acknowledgement is the timeline's, not the payload's",
			`{"id":"P5","created_at":"2025-06-01T10:00:00Z","status":"acknowledged","urgency":"high",
			  "acknowledgements":[{"at":"2025-06-01T10:04:00Z","acknowledger":{"id":"U"}}]}`, nil,
			func(t *testing.T, x store.Incident, _ unknowns) {
				require.True(t, x.AcknowledgedAt.IsZero(), "until the acknowledge log entry is stored")
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x, unk, err := mapIncident(json.RawMessage(tc.json), sev)
			require.NoError(t, err)
			require.Equal(t, t0, x.CreatedAt)
			// The ingester stores nothing derived from the timeline.
			require.True(t, x.AcknowledgedAt.IsZero())
			require.Zero(t, x.Acknowledgements+x.Escalations+x.Reassignments+x.Assignments)
			require.False(t, x.AutoResolved)
			// The read computes it from the events.
			domain.ResponseOf(tc.timeline).Apply(&x)
			tc.check(t, x, unk)
		})
	}
	for _, bad := range []string{`{"created_at":"2025-06-01T10:00:00Z"}`, `{"id":"P","created_at":"soon"}`, `{"id":"P","teams":"x"}`} {
		_, _, err := mapIncident(json.RawMessage(bad), sev)
		require.Error(t, err, bad)
	}
}

func TestTwoIngestersShareARegisterer(t *testing.T) {
	reg := prometheus.NewRegistry()
	var st Store = (*store.Store)(nil)
	a, err := New(st, Options{Token: "x", Registerer: reg, BackfillStart: time.Now()})
	require.NoError(t, err)
	b, err := New(st, Options{Token: "x", Registerer: reg, BackfillStart: time.Now()})
	require.NoError(t, err)
	a.metrics.SyncErrors.Inc()
	b.metrics.SyncErrors.Inc()
	require.Equal(t, 2.0, testutil.ToFloat64(b.metrics.SyncErrors))
	_, err = New(nil, Options{Token: "x"})
	require.Error(t, err)
	// Without a token it is built (to re-extract stored documents) but
	// does not sync.
	noToken, err := New(st, Options{})
	require.NoError(t, err)
	require.ErrorContains(t, noToken.SyncRun(context.Background(), nil), "no API token")
}
