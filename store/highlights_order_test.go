package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// TestHighlightsOrderUnknownSeverityLast: postmortems without a SEV1-SEV5
// severity (empty, or a scheme of the org's own) are read, after the known
// ones. A conversion of the severity's digit evaluated for every row once
// failed the whole read on an empty severity.
func TestHighlightsOrderUnknownSeverityLast(t *testing.T) {
	st := chtest.Store(t)
	ctx := context.Background()
	pm := func(key, sev string, pub time.Duration) store.Postmortem {
		return store.Postmortem{Key: key, ID: key, Project: "PM", Title: key, Status: "Published", StatusCategory: "done",
			Severity: sev, Team: "payments", CreatedAt: t0, UpdatedAt: t0.Add(pub), PublishedAt: t0.Add(pub), Lessons: "lesson " + key}
	}
	require.NoError(t, st.UpsertPostmortems(ctx, []store.Postmortem{
		pm("PM-1", "", time.Hour), pm("PM-2", "SEV3", 2*time.Hour), pm("PM-3", "Critical", 3*time.Hour), pm("PM-4", "SEV1", 4*time.Hour),
	}))
	var keys []string
	err := st.Highlights(ctx, store.Scope{Now: t0.Add(24 * time.Hour)}, t0, func(h store.Highlight) error {
		keys = append(keys, h.Key)
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, []string{"PM-4", "PM-2", "PM-1", "PM-3"}, keys)
}

// TestPostmortemSeverityFromItsIncidents: a postmortem that states no
// severity (jira.fields.severity empty, the default) takes the highest
// severity of the incidents it links; one it states wins; with neither it
// is unknown. Highlights, the postmortems without action items and the
// unknown-value count all read it so.
func TestPostmortemSeverityFromItsIncidents(t *testing.T) {
	st := chtest.Store(t)
	ctx := context.Background()
	inc := func(id, sev string) store.Incident {
		return store.Incident{Source: "pagerduty", ID: id, Title: id, Severity: sev, Status: "resolved", CreatedAt: t0, UpdatedAt: t0, ResolvedAt: t0.Add(time.Hour)}
	}
	require.NoError(t, st.UpsertIncidents(ctx, []store.Incident{inc("P1", "SEV3"), inc("P2", "SEV1"), inc("P3", store.SeverityUnknown)}))
	pm := func(key, sev string, pub time.Duration, incs ...string) store.Postmortem {
		return store.Postmortem{Key: key, ID: key, Project: "PM", Title: key, Status: "Published", StatusCategory: "done", Severity: sev,
			IncidentIDs: incs, Team: "payments", CreatedAt: t0, UpdatedAt: t0.Add(pub), PublishedAt: t0.Add(pub), Lessons: "lesson " + key}
	}
	require.NoError(t, st.UpsertPostmortems(ctx, []store.Postmortem{
		pm("PM-A", "", time.Hour, "P1", "P2"),                // SEV1, its worst incident
		pm("PM-B", "SEV2", 2*time.Hour, "P2"),                // SEV2, its own
		pm("PM-C", "", 3*time.Hour, "P3"),                    // unknown
		pm("PM-D", store.SeverityUnknown, 4*time.Hour, "P1"), // SEV3: a field left empty is no severity
		pm("PM-E", "", 5*time.Hour),                          // unknown: no incident
	}))
	sc := store.Scope{Now: t0.Add(24 * time.Hour)}
	got := map[string]string{}
	var keys []string
	require.NoError(t, st.Highlights(ctx, sc, t0, func(h store.Highlight) error {
		got[h.Key] = h.Severity
		keys = append(keys, h.Key)
		return nil
	}))
	require.Equal(t, map[string]string{"PM-A": "SEV1", "PM-B": "SEV2", "PM-C": "unknown", "PM-D": "SEV3", "PM-E": "unknown"}, got)
	require.Equal(t, []string{"PM-A", "PM-B", "PM-D", "PM-C", "PM-E"}, keys)

	without, err := st.PostmortemsWithoutItems(ctx, sc)
	require.NoError(t, err)
	require.Equal(t, []store.SeverityCount{{Severity: "SEV1", N: 1}, {Severity: "SEV2", N: 1}, {Severity: "SEV3", N: 1}, {Severity: "unknown", N: 2}}, without)

	in, err := st.CountInputs(ctx, sc)
	require.NoError(t, err)
	require.Equal(t, 2, in.UnknownPostmortemSeverity)
}
