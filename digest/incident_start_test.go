package digest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/digest"
	"github.com/aftermath-sre/aftermath/metrics"
)

// A PagerDuty history shorter than Jira's: postmortems and action items
// from May, incidents from October only (pagerduty.backfill_start). Before
// October the incident figures are unknown, not zero: August's digest says
// there is no incident data rather than "No incidents this month", and
// October's does not compare with the zeros before it.
func TestIncidentDataStartingAfterTheOtherSources(t *testing.T) {
	f := newFixture(t, time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC), 13)
	for _, m := range []string{"2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"} {
		f.add(metrics.ActionItemsCreated, 4, "period", m, "team", "payments")
		f.set(metrics.PostmortemsRequired, 0, "period", m)
	}
	for _, m := range []string{"2026-10", "2026-11"} {
		f.set(metrics.IncidentsBySeverity, 6, "period", m, "severity", "SEV2")
		f.add(metrics.Incidents, 6, "period", m, "severity", "SEV2", "service", "checkout", "team", "payments")
		f.set(metrics.PostmortemsRequired, 6, "period", m)
	}
	st := f.store()

	aug := build(t, st, "2026-08", "")
	require.Equal(t, "2026-10", aug.IncidentsFrom)
	require.Contains(t, aug.Summary, "No incident data for August 2026: it starts in October 2026.")
	for _, s := range aug.Summary {
		require.NotContains(t, s, "No incidents this month")
		require.NotContains(t, s, "needed a postmortem")
	}
	require.Contains(t, notes(aug), "The incident data starts in October 2026, later than the postmortems and action items")
	// Nowhere on the page, in the sections or the team cards, does the
	// month read as one without incidents.
	for _, team := range []string{"", "payments"} {
		d := build(t, st, "2026-08", team)
		page, err := digest.RenderMarkdown(d)
		require.NoError(t, err)
		require.NotContains(t, string(page), "No incidents this month", "team %q", team)
		require.NotContains(t, string(page), "| 0 / 0 |", "team %q: the teams' SEV1 / SEV2 are unknown", team)
		require.Contains(t, string(page), "No incident data for this month.", "team %q", team)
		html, err := digest.RenderHTML(d)
		require.NoError(t, err)
		require.NotContains(t, string(html), "No incidents this month", "team %q", team)
		require.NotContains(t, string(html), "<dd>0 / 0</dd>", "team %q", team)
	}

	oct := build(t, st, "2026-10", "")
	require.Contains(t, notes(oct), "October 2026 itself may be only partly covered.")
	_, known := oct.Incidents.Total.Series.Previous()
	require.False(t, known, "September's incidents are unknown, not 0")
	for _, s := range oct.Summary {
		require.NotContains(t, s, "the month before", "no comparison with a month without incident data: %q", s)
	}
	_, known = oct.Recurrence.Count.Series.Previous()
	require.False(t, known, "September's repeat incidents are unknown, not 0")
}

func notes(d *digest.Digest) string { return strings.Join(d.Notes, " ") }
