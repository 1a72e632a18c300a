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
