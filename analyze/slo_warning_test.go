package analyze

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// TestRunWarnsOfAnSLOWhoseServiceHasNoIncidents: an SLO for "checkout"
// when PagerDuty calls the service "checkout-api" used to read as 100%
// available every month, silently. The run now warns, naming the SLO's
// service and the closest service names on record; an SLO that matches
// is not named.
func TestRunWarnsOfAnSLOWhoseServiceHasNoIncidents(t *testing.T) {
	ctx := context.Background()
	st := chtest.Store(t)
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	var incs []store.Incident
	for i, svc := range []string{"checkout-api", "checkout-api", "search"} {
		created := now.Add(-time.Duration(i+1) * 24 * time.Hour)
		incs = append(incs, store.Incident{Source: "pagerduty", ID: "I" + string(rune('A'+i)), ServiceName: svc, ServiceID: "P" + svc,
			TeamName: "Payments", Severity: "SEV1", Status: "resolved", CreatedAt: created, UpdatedAt: created.Add(time.Hour), ResolvedAt: created.Add(time.Hour)})
	}
	require.NoError(t, st.UpsertIncidents(ctx, incs))

	var logs bytes.Buffer
	opts := testOptions(now, time.UTC, []SLO{
		{Service: "checkout", Target: 0.999, Window: WindowCalendarMonth, Severities: []string{"SEV1", "SEV2"}},
		{Service: "search", Target: 0.99, Window: WindowRolling28d, Severities: []string{"SEV1"}},
	})
	opts.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	_, err := Run(ctx, st, opts)
	require.NoError(t, err)
	var warned []string
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "SLO service matches no incident on record") {
			warned = append(warned, line)
		}
	}
	require.Len(t, warned, 1, logs.String())
	require.Contains(t, warned[0], "level=WARN")
	require.Contains(t, warned[0], "service=checkout ")
	require.Contains(t, warned[0], "closest=checkout-api")
	require.Contains(t, warned[0], "known_services=2")
}
