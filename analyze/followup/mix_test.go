package followup_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze/followup"
	"github.com/aftermath-sre/aftermath/simulate/org"
)

func at(m time.Month, d int) time.Time { return time.Date(2025, m, d, 12, 0, 0, 0, time.UTC) }

func TestMix(t *testing.T) {
	jan := followup.Period{Label: "2025-01", From: at(1, 1).Truncate(24 * time.Hour), To: time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)}
	feb := followup.Period{Label: "2025-02", From: jan.To, To: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)}
	now := at(2, 20)
	items := []followup.Item{
		{Text: "Add an alert on replication lag", Team: "db", Created: at(1, 3), Resolved: at(1, 10)},
		{Text: "Add an alert on queue depth", Team: "db", Created: at(1, 4)},
		{Text: "Investigate why the failover stalled", Team: "db", Created: at(1, 5), Resolved: at(2, 25)}, // resolved after now: open
		{Text: "Investigate the slow query", Team: "", Created: at(2, 2), Resolved: at(2, 3)},
		{Text: "Fix the cursor bug", Team: "api", Created: at(2, 4), Resolved: at(2, 10)},
		{Text: "Fix the retry bug", Team: "db", Created: at(3, 1)}, // in no period
	}
	rows, closure := followup.Mix(items, []followup.Period{jan, feb}, now, followup.Classify)
	require.Equal(t, []followup.MixRow{
		{Kind: followup.Investigate, Team: "db", Period: "2025-01", Created: 1, Closed: 0},
		{Kind: followup.Detect, Team: "db", Period: "2025-01", Created: 2, Closed: 1},
		{Kind: followup.Investigate, Team: "unknown", Period: "2025-02", Created: 1, Closed: 1},
		{Kind: followup.Prevent, Team: "api", Period: "2025-02", Created: 1, Closed: 1},
	}, rows)
	require.Equal(t, []followup.ClosureRow{
		{Kind: followup.Investigate, Period: "2025-01", Created: 1, Closed: 0, Ratio: 0},
		{Kind: followup.Detect, Period: "2025-01", Created: 2, Closed: 1, Ratio: 0.5},
		{Kind: followup.Investigate, Period: "2025-02", Created: 1, Closed: 1, Ratio: 1},
		{Kind: followup.Prevent, Period: "2025-02", Created: 1, Closed: 1, Ratio: 1},
	}, closure)
}

// TestMixOnSimulatedOrg checks Mix against an independent count over the
// small simulated org: items keyed by the calendar month of their creation
// and closed when resolved by the org's end.
func TestMixOnSimulatedOrg(t *testing.T) {
	end := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	o, err := org.Generate(org.Options{Seed: 1, Scale: org.ScaleSmall, End: end})
	require.NoError(t, err)
	var periods []followup.Period
	for m := 0; m < 12; m++ {
		from := end.AddDate(0, -12+m, 0)
		periods = append(periods, followup.Period{Label: from.Format("2006-01"), From: from, To: from.AddDate(0, 1, 0)})
	}
	var items []followup.Item
	type key struct{ kind, team, month string }
	want := map[key][2]int{}
	wantClosure := map[[2]string][2]int{}
	for _, a := range o.ActionItems {
		items = append(items, followup.Item{Text: a.Summary, Team: a.TeamID, Created: a.CreatedAt, Resolved: a.ResolvedAt})
		month := a.CreatedAt.UTC().Format("2006-01")
		if a.CreatedAt.Before(periods[0].From) {
			continue
		}
		k := key{string(followup.Classify(a.Summary).Kind), a.TeamID, month}
		c := want[k]
		c[0]++
		cc := wantClosure[[2]string{k.kind, month}]
		cc[0]++
		if !a.ResolvedAt.IsZero() {
			c[1]++
			cc[1]++
		}
		want[k] = c
		wantClosure[[2]string{k.kind, month}] = cc
	}
	rows, closure := followup.Mix(items, periods, end, followup.Classify)
	got := map[key][2]int{}
	for _, r := range rows {
		got[key{string(r.Kind), r.Team, r.Period}] = [2]int{r.Created, r.Closed}
	}
	require.Equal(t, want, got)
	gotClosure := map[[2]string][2]int{}
	for _, c := range closure {
		gotClosure[[2]string{string(c.Kind), c.Period}] = [2]int{c.Created, c.Closed}
		require.InDelta(t, float64(c.Closed)/float64(c.Created), c.Ratio, 1e-12)
	}
	require.Equal(t, wantClosure, gotClosure)
	require.NotEmpty(t, rows)
}
