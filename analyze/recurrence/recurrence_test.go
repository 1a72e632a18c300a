package recurrence

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze/internal/calc"
	"github.com/aftermath-sre/aftermath/store"
)

func TestTitleSignatures(t *testing.T) {
	ti := NewTitles([]string{"checkout-api", "orders-db"})
	for _, tc := range []struct {
		name string
		a, b string
		same bool
	}{
		{"hosts, numbers and regions differ", "CPU utilization above 91% on checkout-api-12.us-east-1", "CPU utilization above 85% on checkout-api-3.eu-west-2", true},
		{"region tags and percentages", "[us-east-1] checkout-api: HTTP 5xx error rate 82% over threshold", "[eu-west-1] checkout-api: HTTP 5xx error rate 97% over threshold", true},
		{"queue names built from the service", "Queue depth over 120 on checkout-api-jobs", "Queue depth over 7 on checkout-api-retry", true},
		{"different alerts on the same host", "CPU utilization above 91% on checkout-api-12.us-east-1", "Memory utilization above 91% on checkout-api-12.us-east-1", false},
		{"different symptoms", "Major incident declared: checkout-api returning errors", "Major incident declared: checkout-api timing out", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.same, ti.Signature(tc.a) == ti.Signature(tc.b), "%q vs %q", ti.Signature(tc.a), ti.Signature(tc.b))
		})
	}
}

func TestFindRepeats(t *testing.T) {
	t0 := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	d := func(n int) time.Time { return t0.Add(time.Duration(n) * 24 * time.Hour) }
	mk := func(id, svc, title string, at time.Time) store.Incident {
		return store.Incident{ID: id, ServiceName: svc, TeamName: "T", Title: title, CreatedAt: at}
	}
	merged := mk("m", "api", "Disk space low on api-1: 91% used on /var", d(2))
	merged.MergedInto = "a"
	incs := []store.Incident{
		mk("a", "api", "Disk space low on api-1: 90% used on /var", d(0)),
		merged, // merged incidents neither repeat nor are repeated
		mk("b", "api", "Disk space low on api-7: 95% used on /var", d(20)),       // repeats a (title)
		mk("c", "api", "Disk space low on api-2: 95% used on /var", d(51)),       // 31 days after b: not a repeat
		mk("d", "web", "Disk space low on web-2: 95% used on /var", d(52)),       // other service
		mk("e", "api", "Job api-nightly failed 3 times in a row", d(60)),         // different title ...
		mk("f", "api", "Synthetic check failed: api /login returned 503", d(70)), // ... same theme as e
	}
	for i := range incs {
		incs[i].Severity = "SEV3"
	}
	incs[2].Severity = "SEV2" // b
	incs[3].Severity = ""     // c: unknown, and not a repeat
	incs[6].Severity = "SEV1" // f
	themes := map[string][]string{"e": {"config-change"}, "f": {"config-change", "capacity"}}
	reps := Find(Input{Incidents: incs, Themes: themes, Window: 30 * 24 * time.Hour})
	require.Equal(t, map[string]Repeat{
		"b": {Of: "a", ByTitle: true},
		"f": {Of: "e", ByTheme: true},
	}, reps)

	now := d(75)
	rs, items := compute(t, incs, Input{Themes: themes, Window: 30 * 24 * time.Hour, Periods: calc.NewPeriods(now, time.UTC, 3)})
	got := map[string]float64{}
	for _, r := range rs {
		got[r.Metric+"|"+r.Label("period")+"|"+r.Label("service")] = r.Value
	}
	require.Equal(t, 0.5, got["repeat_incident_ratio|2025-05|"], "a and b")
	require.Equal(t, 0.0, got["repeat_incident_ratio|2025-06|"], "c, d, e: none repeats")
	require.Equal(t, 1.0, got["repeat_incident_ratio|2025-07|"], "f")
	require.Equal(t, 1.0, got["recurring_incidents|2025-05|api"])
	bySev := map[string]float64{}
	for _, r := range rs {
		if r.Metric == "recurring_incidents_by_severity" {
			bySev[r.Label("period")+"|"+r.Label("severity")] = r.Value
		}
	}
	require.Equal(t, 1.0, bySev["2025-05|SEV2"], "b")
	require.Equal(t, 1.0, bySev["2025-07|SEV1"], "f")
	for _, k := range []string{"2025-05|SEV1", "2025-05|SEV3", "2025-06|SEV1", "2025-06|SEV2", "2025-06|SEV3", "2025-07|SEV2", "2025-07|SEV3"} {
		v, ok := bySev[k]
		require.True(t, ok, "zero rows are written: %s", k)
		require.Zero(t, v, k)
	}
	for k := range bySev {
		require.NotContains(t, k, "unknown", "no unknown-severity incident repeats")
	}
	require.Len(t, items, 2, "a+b in May; e+f in July (only f in the month)")
	require.Equal(t, []string{"2025-05", "a", "title"}, []string{items[0].Period, items[0].Key, items[0].Field("reason")})
	require.Equal(t, 2.0, items[0].Value)
	require.Equal(t, "a,b", items[0].Field("incidents"))
	require.Equal(t, []string{"2025-07", "e", "f", "theme"}, []string{items[1].Period, items[1].Key, items[1].Field("incidents"), items[1].Field("reason")})
}

func TestRepeatsOfUnknownSeverityAreCounted(t *testing.T) {
	t0 := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	incs := []store.Incident{
		{ID: "a", ServiceName: "api", Title: "Disk space low on api-1", Severity: "SEV2", CreatedAt: t0},
		{ID: "b", ServiceName: "api", Title: "Disk space low on api-2", Severity: "P9", CreatedAt: t0.Add(24 * time.Hour)},
	}
	rs, _ := compute(t, incs, Input{Window: 30 * 24 * time.Hour, Periods: calc.NewPeriods(t0.Add(5*24*time.Hour), time.UTC, 1)})
	bySev := map[string]float64{}
	for _, r := range rs {
		if r.Metric == "recurring_incidents_by_severity" && r.Label("period") == "2025-05" {
			bySev[r.Label("severity")] = r.Value
		}
	}
	require.Equal(t, map[string]float64{"SEV1": 0, "SEV2": 0, "SEV3": 0, "SEV4": 0, "SEV5": 0, store.SeverityUnknown: 1}, bySev,
		"b repeats a; its severity is outside the known set")
}
