package domain

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestResponseOf(t *testing.T) {
	at := func(m int) time.Time { return time.Date(2026, 3, 1, 10, m, 0, 0, time.UTC) }
	evs := []TimelineEvent{
		{Type: EventResolve, CreatedAt: at(50), AgentType: AgentService},
		{Type: EventAcknowledge, CreatedAt: at(9)},
		{Type: EventTrigger, CreatedAt: at(0)},
		{Type: EventAcknowledge, CreatedAt: at(5)},
		{Type: EventEscalate, CreatedAt: at(3)},
		{Type: EventAssign, CreatedAt: at(7)},
		{Type: EventAssign, CreatedAt: at(8)},
		{Type: EventResolve, CreatedAt: at(40), AgentType: AgentUser},
		{Type: EventAnnotate, CreatedAt: at(55)},
	}
	r := ResponseOf(evs)
	require.Equal(t, Response{FirstAcknowledgedAt: at(5), Acknowledgements: 2, Escalations: 1, Reassignments: 2,
		LastResolvedAt: at(50), LastResolvedBy: AgentService, LastEventAt: at(55)}, r)
}

func TestResponseApply(t *testing.T) {
	at := func(m int) time.Time { return time.Date(2026, 3, 1, 10, m, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name string
		inc  Incident
		r    Response
		want Incident
	}{
		{"open: no resolve time, not auto-resolved",
			Incident{Status: StatusTriggered, UpdatedAt: at(1)},
			Response{Escalations: 2, LastResolvedAt: at(9), LastResolvedBy: AgentService, LastEventAt: at(9)},
			Incident{Status: StatusTriggered, UpdatedAt: at(9), Escalations: 2, Assignments: 2}},
		{"resolved by a service, never acknowledged: auto-resolved, resolve time from the timeline",
			Incident{Status: StatusResolved, UpdatedAt: at(20)},
			Response{LastResolvedAt: at(9), LastResolvedBy: AgentIntegration, LastEventAt: at(9)},
			Incident{Status: StatusResolved, UpdatedAt: at(20), ResolvedAt: at(9), AutoResolved: true}},
		{"resolved by a person after an acknowledgement: the document's resolve time stays",
			Incident{Status: StatusResolved, ResolvedAt: at(12)},
			Response{FirstAcknowledgedAt: at(3), Acknowledgements: 1, Reassignments: 1, LastResolvedAt: at(11), LastResolvedBy: AgentUser, LastEventAt: at(11)},
			Incident{Status: StatusResolved, ResolvedAt: at(12), UpdatedAt: at(11), AcknowledgedAt: at(3), Acknowledgements: 1, Reassignments: 1, Assignments: 1}},
		{"acknowledged, then resolved by a service: not auto-resolved",
			Incident{Status: StatusResolved, ResolvedAt: at(12)},
			Response{FirstAcknowledgedAt: at(3), Acknowledgements: 1, LastResolvedAt: at(12), LastResolvedBy: AgentService},
			Incident{Status: StatusResolved, ResolvedAt: at(12), AcknowledgedAt: at(3), Acknowledgements: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.inc
			tc.r.Apply(&got)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestMonth(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	for _, tc := range []struct {
		t        time.Time
		offset   int
		loc      *time.Location
		from, to time.Time
	}{
		{time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC), 0, nil,
			time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)},
		// 1 March 02:00 UTC is still February in New York.
		{time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC), 0, ny,
			time.Date(2026, 2, 1, 5, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 5, 0, 0, 0, time.UTC)},
		// March in New York starts in EST and ends in EDT.
		{time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC), 0, ny,
			time.Date(2026, 3, 1, 5, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 4, 0, 0, 0, time.UTC)},
		{time.Date(2026, 1, 20, 0, 0, 0, 0, time.UTC), -2, nil,
			time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)},
	} {
		from, to := MonthAt(tc.t, tc.offset, tc.loc)
		require.Equal(t, tc.from, from, "%s %+d", tc.t, tc.offset)
		require.Equal(t, tc.to, to, "%s %+d", tc.t, tc.offset)
	}
}

func TestEnums(t *testing.T) {
	require.Equal(t, "SEV2", Severity("SEV2"))
	require.Equal(t, SeverityUnknown, Severity("sev2"))
	require.Equal(t, "P5", Priority("P5"))
	require.Equal(t, Unknown, Priority("P6"))
	require.True(t, SystemAgent(AgentIntegration))
	require.False(t, SystemAgent(AgentUser))
}

func TestTeamKey(t *testing.T) {
	for in, want := range map[string]string{
		"Data Platform":         "data-platform",
		"data_platform":         "data-platform",
		" data--platform ":      "data-platform",
		"DevProd":               "devprod",
		"__Search & Discovery!": "search-discovery",
		"Équipe Paiements 2":    "équipe-paiements-2",
		"":                      "",
		"---":                   "",
	} {
		require.Equal(t, want, TeamKey(in), "%q", in)
	}
}
