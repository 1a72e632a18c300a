package actions

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze/internal/calc"
	"github.com/aftermath-sre/aftermath/store"
)

const day = 24 * time.Hour

var now = time.Date(2025, 6, 20, 12, 0, 0, 0, time.UTC)

func index(rs []store.Result) map[string]float64 {
	out := map[string]float64{}
	for _, r := range rs {
		var b strings.Builder
		b.WriteString(r.Metric)
		for i, n := range r.LabelNames {
			fmt.Fprintf(&b, "|%s=%s", n, r.LabelValues[i])
		}
		out[b.String()] = r.Value
	}
	return out
}

func item(key, prio string, created time.Time) store.ActionItem {
	return store.ActionItem{Key: key, Priority: prio, Team: "payments", StatusCategory: store.CategoryNew, AssigneeID: "u1",
		CreatedAt: created, UpdatedAt: created, LastActivityAt: created, DueDate: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func midnight(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func TestOverdueAndStaleBoundaries(t *testing.T) {
	stale := map[string]time.Duration{"P1": 7 * day, "P3": 30 * day, "P5": 90 * day}
	dueToday := item("due-today", "P3", now.Add(-2*day))
	dueToday.DueDate = midnight(now)
	dueYesterday := item("due-yesterday", "P3", now.Add(-2*day))
	dueYesterday.DueDate = midnight(now).Add(-day)
	noDue := item("no-due", "P3", now.Add(-2*day))
	noDue.DueDate = time.Time{}
	closedLate := item("closed", "P3", now.Add(-20*day))
	closedLate.DueDate, closedLate.StatusCategory, closedLate.ResolvedAt = midnight(now).Add(-10*day), store.CategoryDone, now.Add(-day)
	p1Quiet := item("p1-quiet", "P1", now.Add(-30*day))
	p1Quiet.LastActivityAt = now.Add(-8 * day)
	p3Quiet := item("p3-quiet", "P3", now.Add(-30*day))
	p3Quiet.LastActivityAt = now.Add(-8 * day)
	oddQuiet := item("odd-quiet", "Urgent!", now.Add(-100*day))
	oddQuiet.LastActivityAt = now.Add(-60 * day) // unknown priority: the longest threshold (90d) applies
	unowned := item("unowned", "P2", now.Add(-day))
	unowned.AssigneeID = ""
	for _, tc := range []struct {
		name      string
		it        store.ActionItem
		overdue   bool
		overdueBy time.Duration
		isStale   bool
	}{
		{"due today is not overdue yet", dueToday, false, 0, false},
		{"due yesterday is overdue since midnight", dueYesterday, true, 12 * time.Hour, false},
		{"no due date is never overdue", noDue, false, 0, false},
		{"closed items are never overdue", closedLate, false, 0, false},
		{"P1 is stale after 7 days", p1Quiet, false, 0, true},
		{"P3 is not stale after 8 days", p3Quiet, false, 0, false},
		{"unknown priority gets the longest threshold", oddQuiet, false, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, ok := OverdueBy(&tc.it, now)
			require.Equal(t, tc.overdue, ok)
			require.Equal(t, tc.overdueBy, d)
			_, s := StaleBy(&tc.it, now, stale)
			require.Equal(t, tc.isStale, s)
		})
	}

	items := []store.ActionItem{dueToday, dueYesterday, noDue, closedLate, p1Quiet, p3Quiet, oddQuiet, unowned}
	rs, _ := compute(t, items, nil, Input{Periods: calc.NewPeriods(now, time.UTC, 2), Options: Options{StaleAfter: stale, MaxItemSeries: 10}})
	got := index(rs)
	require.Equal(t, 1.0, got["action_items_overdue|priority=P3|team=payments"])
	require.Equal(t, 1.0, got["action_items_without_due_date|priority=P3|team=payments"])
	require.Equal(t, 1.0, got["action_items_unowned|priority=P2|team=payments"])
	require.Equal(t, 1.0, got["action_items_stale|priority=P1|team=payments"])
	require.NotContains(t, got, "action_items_stale|priority=P3|team=payments")
	require.Equal(t, 1.0, got["action_items|state=closed|priority=P3|team=payments"])
	require.Equal(t, 4.0, got["action_items|state=open|priority=P3|team=payments"])
	require.Equal(t, 1.0, got["action_items|state=open|priority=unknown|team=payments"])
	require.Equal(t, 43200.0, got["action_item_overdue_seconds|key=due-yesterday|team=payments|priority=P3"])
	require.Equal(t, (8 * day).Seconds(), got["action_item_stale_seconds|key=p1-quiet|team=payments|priority=P1"])
	require.Equal(t, (100 * day).Seconds(), got["action_item_oldest_open_age_seconds|priority=unknown|team=payments"])
}

func TestItemSeriesAreCappedWorstFirst(t *testing.T) {
	var items []store.ActionItem
	for i := 1; i <= 5; i++ {
		a := item(fmt.Sprintf("ACT-%d", i), "P2", now.Add(-40*day))
		a.DueDate = midnight(now).Add(-time.Duration(i) * day)
		items = append(items, a)
	}
	for _, tc := range []struct {
		cap  int
		want []string
	}{{0, nil}, {2, []string{"ACT-5", "ACT-4"}}, {10, []string{"ACT-5", "ACT-4", "ACT-3", "ACT-2", "ACT-1"}}} {
		rs, _ := compute(t, items, nil, Input{Periods: calc.NewPeriods(now, time.UTC, 1), Options: Options{MaxItemSeries: tc.cap}})
		var keys []string
		for _, r := range rs {
			if r.Metric == "action_item_overdue_seconds" {
				keys = append(keys, r.Label("key"))
			}
		}
		require.Equal(t, tc.want, keys, "cap %d", tc.cap)
		require.Equal(t, 5.0, index(rs)["action_items_overdue|priority=P2|team=payments"], "counts are never capped")
	}
}

func TestTimeToCloseCountsOpenItems(t *testing.T) {
	var items []store.ActionItem
	for i, d := range []int{1, 2, 3} { // closed after 1, 2, 3 days
		a := item(fmt.Sprintf("c%d", i), "P2", now.Add(-50*day))
		a.StatusCategory, a.ResolvedAt = store.CategoryDone, a.CreatedAt.Add(time.Duration(d)*day)
		items = append(items, a)
	}
	for i := 0; i < 3; i++ { // open for 10 days
		items = append(items, item(fmt.Sprintf("o%d", i), "P2", now.Add(-10*day)))
	}
	rs, _ := compute(t, items, nil, Input{Periods: calc.NewPeriods(now, time.UTC, 1), Options: Options{ClosureSLO: map[string]time.Duration{"P2": 2 * day}}})
	got := index(rs)
	// S(1d)=5/6, S(2d)=4/6, S(3d)=3/6: the median is 3 days; ignoring open items would give 2.
	require.Equal(t, (3 * day).Seconds(), got["action_item_time_to_close_seconds|priority=P2|stat=km_p50"])
	require.True(t, math.IsInf(got["action_item_time_to_close_seconds|priority=P2|stat=km_p90"], 1), "p90 is not reached while half are open")
	// Within SLO (2 days): c0, c1 in; c2 late; open items are past the SLO too.
	require.InDelta(t, 2.0/6.0, got["action_items_closed_within_slo_ratio|priority=P2|team="], 1e-12)
}

func TestClosedWithinSLOIgnoresUndecidedItems(t *testing.T) {
	young := item("young", "P1", now.Add(-day)) // open, SLO not yet passed: undecided
	fast := item("fast", "P1", now.Add(-30*day))
	fast.StatusCategory, fast.ResolvedAt = store.CategoryDone, fast.CreatedAt.Add(day)
	rs, _ := compute(t, []store.ActionItem{young, fast}, nil, Input{Periods: calc.NewPeriods(now, time.UTC, 1), Options: Options{ClosureSLO: map[string]time.Duration{"P1": 14 * day}}})
	require.Equal(t, 1.0, index(rs)["action_items_closed_within_slo_ratio|priority=P1|team="])
}

func TestPostmortemsWithoutActionItemsAndReopened(t *testing.T) {
	pub := now.Add(-day)
	pms := []store.Postmortem{
		{Key: "PM-1", Severity: "SEV1", PublishedAt: pub},                                    // none
		{Key: "PM-2", Severity: "SEV1", PublishedAt: pub},                                    // has ACT-1 (linked from the item)
		{Key: "PM-3", Severity: "SEV2", PublishedAt: pub, ActionItemKeys: []string{"ACT-9"}}, // lists one
		{Key: "PM-4", Severity: "SEV2"},                                                      // draft: not counted
	}
	a := item("ACT-1", "P3", now.Add(-5*day))
	a.PostmortemKey, a.ReopenCount = "PM-2", 2
	rs, items := compute(t, []store.ActionItem{a}, pms, Input{Periods: calc.NewPeriods(now, time.UTC, 1)})
	got := index(rs)
	require.Equal(t, 1.0, got["postmortems_without_action_items|severity=SEV1"])
	require.Equal(t, 0.0, got["postmortems_without_action_items|severity=SEV2"])
	require.Equal(t, 1.0, got["action_items_reopened|priority=P3|team=payments"])
	require.Len(t, items, 1)
	require.Equal(t, "oldest_open_action_item", items[0].Kind)
	require.Equal(t, "ACT-1", items[0].Key)
}

func TestActionItemsByKind(t *testing.T) {
	month := now.Format("2006-01")
	mk := func(key, summary, team string, created time.Time, closed bool) store.ActionItem {
		a := item(key, "P3", created)
		a.Summary, a.Team = summary, team
		if closed {
			a.StatusCategory, a.ResolvedAt = store.CategoryDone, created.Add(day)
		}
		return a
	}
	items := []store.ActionItem{
		mk("ACT-1", "Investigate why the failover stalled", "payments", now.Add(-3*day), false),
		mk("ACT-2", "Investigate the slow checkout query", "payments", now.Add(-4*day), true),
		mk("ACT-3", "Add an alert on replication lag", "search", now.Add(-2*day), true),
		mk("ACT-4", "Fix the pagination cursor bug", "", now.Add(-5*day), false),
		mk("ACT-5", "Add an alert on queue depth", "search", now.Add(2*day), false), // after the clock: not counted
	}
	rs, _ := compute(t, items, nil, Input{Periods: calc.NewPeriods(now, time.UTC, 1)})
	got := index(rs)
	for _, p := range []string{calc.Rolling30d, month} {
		require.Equal(t, 2.0, got["action_items_by_kind|kind=investigate|team=payments|period="+p], p)
		require.Equal(t, 1.0, got["action_items_by_kind|kind=detect|team=search|period="+p], p)
		require.Equal(t, 1.0, got["action_items_by_kind|kind=prevent|team=unknown|period="+p], p)
		require.Equal(t, 0.5, got["action_items_closed_by_kind_ratio|kind=investigate|period="+p], p)
		require.Equal(t, 1.0, got["action_items_closed_by_kind_ratio|kind=detect|period="+p], p)
		require.Equal(t, 0.0, got["action_items_closed_by_kind_ratio|kind=prevent|period="+p], p)
		_, ok := got["action_items_by_kind|kind=mitigate|team=payments|period="+p]
		require.False(t, ok, "no row for a kind with no item")
	}
}

func TestBusiestShare(t *testing.T) {
	require.Equal(t, 1.0, BusiestShare([]int{5}, 0.1), "one owner holds everything")
	// Ten owners: the busiest one holds 10 of 19.
	require.InDelta(t, 10.0/19, BusiestShare([]int{1, 1, 1, 1, 1, 1, 1, 1, 10, 1}, 0.1), 1e-12)
	// Eleven owners: the busiest two (a tenth, rounded up).
	require.InDelta(t, 2.0/11, BusiestShare([]int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 0.1), 1e-12)
	require.True(t, math.IsNaN(BusiestShare(nil, 0.1)))
}

// Owners are counted per team and once organization-wide; unassigned and
// closed items are not owned load.
func TestOwnerLoad(t *testing.T) {
	var items []store.ActionItem
	add := func(key, team, owner string, open bool) {
		a := item(key, "P3", now.Add(-5*day))
		a.Team, a.AssigneeID = team, owner
		if !open {
			a.StatusCategory, a.ResolvedAt = store.CategoryDone, now.Add(-day)
		}
		items = append(items, a)
	}
	for i := range 6 {
		add(fmt.Sprintf("P-%d", i), "payments", "ana", true)
	}
	add("P-7", "payments", "bo", true)
	add("P-8", "payments", "bo", false) // closed
	add("P-9", "payments", "", true)    // unowned
	add("S-1", "search", "ana", true)
	add("S-2", "search", "cy", true)
	rs, _ := compute(t, items, nil, Input{Periods: calc.NewPeriods(now, time.UTC, 1)})
	got := index(rs)
	require.Equal(t, 2.0, got["action_item_owners|team=payments"], "ana and bo")
	require.InDelta(t, 6.0/7, got["action_items_busiest_owners_ratio|team=payments"], 1e-12, "ana holds 6 of the 7 owned open items")
	require.Equal(t, 2.0, got["action_item_owners|team=search"])
	require.Equal(t, 0.5, got["action_items_busiest_owners_ratio|team=search"])
	require.Equal(t, 3.0, got["action_item_owners|team="], "ana counts once")
	require.InDelta(t, 7.0/9, got["action_items_busiest_owners_ratio|team="], 1e-12, "ana's 7 of 9")
}

// TestKeepItems: over the cap, stale items are kept by priority (every P1
// and P2 item before any P3, so the stale alert pages for each), overdue
// items by their rank within their team (every team's worst before any
// team's second, so every team's alert names its worst); the rest are
// counted as left out.
func TestKeepItems(t *testing.T) {
	its := []store.ItemSeries{ // longest first, as WorstItems returns them
		{Key: "A-1", Team: "a", Priority: "P4", Seconds: 900},
		{Key: "A-2", Team: "a", Priority: "P3", Seconds: 800},
		{Key: "A-3", Team: "a", Priority: "P2", Seconds: 700},
		{Key: "A-4", Team: "a", Priority: "unknown", Seconds: 650},
		{Key: "B-1", Team: "b", Priority: "P1", Seconds: 600},
		{Key: "A-5", Team: "a", Priority: "P2", Seconds: 500},
		{Key: "C-1", Team: "c", Priority: "P5", Seconds: 100},
	}
	keys := func(xs []store.ItemSeries) []string {
		var out []string
		for _, x := range xs {
			out = append(out, x.Key)
		}
		return out
	}
	kept, left := keepItems(its, store.GaugeStale, 3)
	require.Equal(t, []string{"B-1", "A-3", "A-5"}, keys(kept))
	require.Equal(t, 4, left)
	kept, left = keepItems(its, store.GaugeStale, 6)
	require.Equal(t, []string{"B-1", "A-3", "A-5", "A-2", "A-1", "C-1"}, keys(kept), "unknown priority last")
	require.Equal(t, 1, left)

	kept, left = keepItems(its, store.GaugeOverdue, 4)
	require.Equal(t, []string{"A-1", "B-1", "C-1", "A-2"}, keys(kept))
	require.Equal(t, 3, left)

	kept, left = keepItems(its, store.GaugeOverdue, 7)
	require.Equal(t, keys(its), keys(kept), "under the cap: all, longest first")
	require.Zero(t, left)
}

// TestDeclinedItemsAreClosedButNotCompleted: an item closed by a status
// such as "Won't Do", "Cancelled" or "Duplicate" (done category) is
// declined: not completed, not within or past its closure SLO, censored in
// the time to close (black-box pass 9: a quarter of the "completed" items
// were Won't Do).
func TestDeclinedItemsAreClosedButNotCompleted(t *testing.T) {
	closed := func(key, status string, createdDaysAgo, closedDaysAgo float64) store.ActionItem {
		it := item(key, "P2", now.Add(-time.Duration(createdDaysAgo*float64(day))))
		it.Status, it.StatusCategory, it.ResolvedAt = status, store.CategoryDone, now.Add(-time.Duration(closedDaysAgo*float64(day)))
		return it
	}
	items := []store.ActionItem{
		closed("done", "Done", 10, 8),        // completed in 2 days, within a 5-day SLO
		closed("done-late", "Closed", 20, 5), // completed in 15 days, past it
		closed("wont", "Won't Do", 10, 9),
		closed("wont-curly", "WON’T FIX", 10, 9),
		closed("cancelled", "Cancelled", 12, 2),
		closed("dup", "Duplicate", 12, 2),
		item("open", "P2", now.Add(-3*day)),
	}
	rs, _ := compute(t, items, nil, Input{Periods: calc.NewPeriods(now, time.UTC, 1), Teams: map[string]string{"payments": "payments"},
		Options: Options{ClosureSLO: map[string]time.Duration{"P2": 5 * day}}})
	got := index(rs)
	require.Equal(t, 2.0, got["action_items|state=closed|priority=P2|team=payments"])
	require.Equal(t, 4.0, got["action_items|state=declined|priority=P2|team=payments"])
	require.Equal(t, 1.0, got["action_items|state=open|priority=P2|team=payments"])
	require.Equal(t, 2.0, got["action_items_completed|period=30d|team=payments"])
	require.Equal(t, 4.0, got["action_items_declined|period=30d|team=payments"])
	require.Equal(t, 0.5, got["action_items_closed_within_slo_ratio|priority=P2|team="], "done within, done-late past; declined neither, open not yet")
	// Kaplan–Meier over done (2d, 15d) with the others censored: the
	// median is reached at the second event.
	require.Equal(t, (15 * day).Seconds(), got["action_item_time_to_close_seconds|priority=P2|stat=km_p50"])
}
