package digest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/digest"
	"github.com/aftermath-sre/aftermath/metrics"
)

// sloFixture is an analysis run of 1 November 2026 with incidents of
// checkout-api and search (SEV3: no downtime) in every month, and an SLO
// for each of services, with no downtime in any month.
func sloFixture(t *testing.T, services ...string) *fixture {
	f := newFixture(t, time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC), 13)
	for _, m := range f.months {
		f.set(metrics.IncidentsBySeverity, 3, "period", m, "severity", "SEV3")
		f.add(metrics.Incidents, 2, "period", m, "severity", "SEV3", "service", "checkout-api", "team", "payments")
		f.add(metrics.Incidents, 1, "period", m, "severity", "SEV3", "service", "search", "team", "search")
	}
	for _, svc := range services {
		f.add(metrics.SLOObjectiveRatio, 0.999, "service", svc, "window", "calendar_month")
		f.add(metrics.ErrorBudgetConsumedRatio, 0, "service", svc, "window", "calendar_month")
		f.add(metrics.ErrorBudgetRemainingRatio, 1, "service", svc, "window", "calendar_month")
		for _, m := range append([]string{"30d"}, f.months...) {
			f.add(metrics.DowntimeSeconds, 0, "period", m, "service", svc)
			f.add(metrics.AvailabilityRatio, 1, "period", m, "service", svc)
			f.add(metrics.SLOBreached, 0, "period", m, "service", svc)
		}
	}
	return f
}

func summaryOf(t *testing.T, f *fixture, team string) string {
	t.Helper()
	d, err := digest.Build(context.Background(), f.store(), digest.Options{Month: "2026-10", Team: team, Location: time.UTC, Now: genAt})
	require.NoError(t, err)
	return strings.Join(d.Summary, "\n")
}

// TestSLOForAServiceWithoutIncidentsIsNotCalledDownFree: an SLO for
// "checkout" when PagerDuty calls the service "checkout-api" matches no
// incident, so its downtime is always 0; the summary used to tell
// leadership "checkout, the one service with an SLO, had no
// customer-impacting downtime". It now says the service has no incidents
// on record under that name and asks to check the SLO's service name. A
// service with incidents but no customer-impacting ones still had no
// downtime.
func TestSLOForAServiceWithoutIncidentsIsNotCalledDownFree(t *testing.T) {
	s := summaryOf(t, sloFixture(t, "checkout"), "")
	require.Contains(t, s, "checkout, the one service with an SLO, has no incidents on record under that name, so its downtime is not known: check the SLO's service name.")
	require.NotContains(t, s, "customer-impacting downtime")

	s = summaryOf(t, sloFixture(t, "search"), "")
	require.Contains(t, s, "search, the one service with an SLO, had no customer-impacting downtime.")
	require.NotContains(t, s, "no incidents on record")

	s = summaryOf(t, sloFixture(t, "checkout", "search"), "")
	require.Contains(t, s, "checkout has no incidents on record under that name, so its downtime is not known: check its SLO's service name. "+
		"search, the other service with an SLO, had no customer-impacting downtime.")

	s = summaryOf(t, sloFixture(t, "checkout", "Search"), "")
	require.Contains(t, s, "None of the 2 services with an SLO (Search and checkout) has incidents on record under that name, so their downtime is not known: check the SLOs' service names.")
}

// The error-budget table agrees with the summary: a service with an SLO and
// no incidents on record reads "not known", not "0s" and "0%".
func TestSLOTableOfAServiceWithoutIncidents(t *testing.T) {
	d, err := digest.Build(context.Background(), sloFixture(t, "checkout", "search").store(), digest.Options{Month: "2026-10", Location: time.UTC, Now: genAt})
	require.NoError(t, err)
	page, err := digest.RenderMarkdown(d)
	require.NoError(t, err)
	require.Contains(t, string(page), "| checkout (no incidents on record under this name) | 99.9% | not known | **not known** | – |  |")
	require.Contains(t, string(page), "| search | 99.9% | 0s | **0%** |")
	html, err := digest.RenderHTML(d)
	require.NoError(t, err)
	require.Contains(t, string(html), `<td class="num">not known</td>`)
	require.Contains(t, string(html), "checkout (no incidents on record under this name)")
}
