// Package actions measures postmortem action items: open and closed counts,
// the four problem counts (overdue, stale, unowned, without a due date),
// closure within the SLO, Kaplan–Meier time to close with open items
// censored, postmortems without action items, reopened items, and the
// oldest open items.
package actions

import (
	"context"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/aftermath-sre/aftermath/analyze/followup"
	"github.com/aftermath-sre/aftermath/analyze/internal/calc"
	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
)

// Priorities are the known priorities; anything else is "unknown".
var Priorities = []string{"P1", "P2", "P3", "P4", "P5"}

// Priority maps a stored priority to a label value.
func Priority(p string) string {
	for _, k := range Priorities {
		if p == k {
			return p
		}
	}
	return "unknown"
}

// Team is the label value of an item's team ("unknown" when empty).
func Team(a *store.ActionItem) string {
	if a.Team == "" {
		return "unknown"
	}
	return a.Team
}

// Open reports whether an action item is open (its status is not in the
// done category).
func Open(a *store.ActionItem) bool { return a.StatusCategory != store.CategoryDone }

// Day is the length of a due date: an item is overdue once its whole due day
// (UTC) has passed.
const Day = 24 * time.Hour

// OverdueBy is how long past its due date an open item is at now; ok is
// false when it has no due date, is closed, or is not overdue.
func OverdueBy(a *store.ActionItem, now time.Time) (time.Duration, bool) {
	if !Open(a) || a.DueDate.IsZero() {
		return 0, false
	}
	end := a.DueDate.Add(Day)
	if now.Before(end) {
		return 0, false
	}
	return now.Sub(end), true
}

// ClosedAt is when a closed item was resolved, falling back to its last
// update when the source gave no resolution date.
func ClosedAt(a *store.ActionItem) time.Time {
	if !a.ResolvedAt.IsZero() {
		return a.ResolvedAt
	}
	return a.UpdatedAt
}

// LastActivity is the item's last activity, falling back to its update and
// creation times.
func LastActivity(a *store.ActionItem) time.Time {
	t := a.LastActivityAt
	if t.IsZero() {
		t = a.UpdatedAt
	}
	if t.IsZero() {
		t = a.CreatedAt
	}
	return t
}

// Options are the thresholds of the actions analysis.
type Options struct {
	StaleAfter map[string]time.Duration // by priority P1..P5
	ClosureSLO map[string]time.Duration // by priority P1..P5
	// MaxItemSeries caps the per-item overdue and stale gauges (each); 0
	// writes none.
	MaxItemSeries int
	// OldestPerTeam is how many oldest open items per team are listed for
	// the digest; 0 means 10.
	OldestPerTeam int
}

// threshold returns the priority's duration; unknown priorities get the
// longest configured one (the most lenient).
func threshold(m map[string]time.Duration, prio string) (time.Duration, bool) {
	if d, ok := m[prio]; ok && d > 0 {
		return d, true
	}
	var longest time.Duration
	for _, d := range m {
		longest = max(longest, d)
	}
	return longest, longest > 0
}

// StaleBy is how long past its priority's stale threshold an open item's
// last activity is; ok is false when it is not stale.
func StaleBy(a *store.ActionItem, now time.Time, staleAfter map[string]time.Duration) (since time.Duration, ok bool) {
	if !Open(a) {
		return 0, false
	}
	d, has := threshold(staleAfter, Priority(a.Priority))
	if !has {
		return 0, false
	}
	since = now.Sub(LastActivity(a))
	return since, since > d
}

type pt struct{ prio, team string }

// Input is what Compute reads.
type Input struct {
	Periods calc.Periods
	// Teams maps stored team names onto their labels (see store.Scope).
	Teams   map[string]string
	Options Options
}

// rules are the thresholds in seconds by priority label, as threshold
// resolves them (unknown priorities get the longest).
func rules(opts Options) store.ItemRules {
	r := store.ItemRules{StaleAfter: map[string]int64{}, ClosureSLO: map[string]int64{}}
	for _, p := range append(append([]string(nil), Priorities...), "unknown") {
		if d, ok := threshold(opts.StaleAfter, p); ok {
			r.StaleAfter[p] = int64(d / time.Second)
		}
		if d, ok := threshold(opts.ClosureSLO, p); ok {
			r.ClosureSLO[p] = int64(d / time.Second)
		}
	}
	return r
}

// Compute returns the results and digest items of the "actions" analysis.
// ClickHouse counts the items by state, priority, team and period; times to
// close stream from it into the Kaplan–Meier estimate.
func Compute(ctx context.Context, st *store.Store, in Input) ([]store.Result, []store.AnalysisItem, error) {
	s := calc.Sink{}
	ps := in.Periods
	now := ps.Now
	opts := in.Options
	if opts.OldestPerTeam <= 0 {
		opts.OldestPerTeam = 10
	}
	sc := ps.Scope(in.Teams)
	rs := rules(opts)
	groups, err := st.ActionItemGroups(ctx, sc, rs)
	if err != nil {
		return nil, nil, err
	}
	for _, state := range []string{"open", "closed", "declined"} {
		for _, g := range groups {
			n := g.Open
			switch state {
			case "closed":
				n = g.Closed
			case "declined":
				n = g.Declined
			}
			if n > 0 {
				s.Add(metrics.ActionItems, float64(n), "state", state, "priority", g.Priority, "team", g.Team)
			}
		}
	}
	for _, m := range []struct {
		f metrics.Family
		n func(store.ItemGroup) int
	}{
		{metrics.ActionItemsOverdue, func(g store.ItemGroup) int { return g.Overdue }},
		{metrics.ActionItemsStale, func(g store.ItemGroup) int { return g.Stale }},
		{metrics.ActionItemsUnowned, func(g store.ItemGroup) int { return g.Unowned }},
		{metrics.ActionItemsWithoutDueDate, func(g store.ItemGroup) int { return g.WithoutDueDate }},
		{metrics.ActionItemsReopened, func(g store.ItemGroup) int { return g.Reopened }},
	} {
		for _, g := range groups {
			if n := m.n(g); n > 0 {
				s.Add(m.f, float64(n), "priority", g.Priority, "team", g.Team)
			}
		}
	}
	// How evenly the open, assigned items are spread over their owners:
	// per team and organization-wide (a person counted once there).
	loads, err := st.OpenItemsPerOwner(ctx, sc)
	if err != nil {
		return nil, nil, err
	}
	perTeam, perOwner := map[string][]int{}, map[string]int{}
	var teams []string
	for _, l := range loads {
		if _, ok := perTeam[l.Team]; !ok {
			teams = append(teams, l.Team)
		}
		perTeam[l.Team] = append(perTeam[l.Team], l.Open)
		perOwner[l.Owner] += l.Open
	}
	if len(perOwner) > 0 {
		all := make([]int, 0, len(perOwner))
		for _, n := range perOwner {
			all = append(all, n)
		}
		s.Add(metrics.ActionItemOwners, float64(len(all)), "team", "")
		s.Add(metrics.ActionItemsBusiestOwnersRatio, BusiestShare(all, 0.1), "team", "")
	}
	for _, t := range teams {
		s.Add(metrics.ActionItemOwners, float64(len(perTeam[t])), "team", t)
		s.Add(metrics.ActionItemsBusiestOwnersRatio, BusiestShare(perTeam[t], 0.1), "team", t)
	}
	for _, g := range groups {
		if g.Open > 0 {
			s.Add(metrics.ActionItemOldestOpenAgeSeconds, now.Sub(g.OldestOpenCreated).Truncate(time.Second).Seconds(), "priority", g.Priority, "team", g.Team)
		}
	}
	// Closed within the SLO, among items whose outcome is known: overall,
	// by priority and by team.
	within, determined := map[pt]int{}, map[pt]int{}
	for _, g := range groups {
		for _, k := range []pt{{}, {prio: g.Priority}, {team: g.Team}} {
			determined[k] += g.Determined
			within[k] += g.Within
		}
	}
	for _, k := range sortedPT(keysOf(determined, func(k pt) (pt, bool) { return k, determined[k] > 0 })) {
		s.Add(metrics.ActionItemsClosedWithinSLORatio, calc.Ratio(within[k], determined[k]), "priority", k.prio, "team", k.team)
	}
	// Time to close: closed items are events, open ones censored at now.
	for _, byPrio := range []bool{false, true} {
		var km *calc.KaplanMeier
		cur := ""
		flush := func() {
			if km != nil {
				q := km.Quantiles()
				s.Add(metrics.ActionItemTimeToCloseSeconds, q[0], "priority", cur, "stat", "km_p50")
				s.Add(metrics.ActionItemTimeToCloseSeconds, q[1], "priority", cur, "stat", "km_p90")
			}
		}
		err := st.Durations(ctx, sc, byPrio, func(prio string, total int, secs float64, events, censored int) error {
			if km == nil || prio != cur {
				flush()
				km, cur = calc.NewKaplanMeier(total, 0.5, 0.9), prio
			}
			km.At(secs, events, censored)
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
		flush()
	}
	// Follow-ups by kind (analyze/followup): the mix per team and period, and
	// each kind's closure.
	mix, closure, err := kindMix(ctx, st, sc, ps)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range mix {
		s.Add(metrics.ActionItemsByKind, float64(r.Created), "kind", string(r.Kind), "team", r.Team, "period", r.Period)
	}
	for _, c := range closure {
		s.Add(metrics.ActionItemsClosedByKindRatio, c.Ratio, "kind", string(c.Kind), "period", c.Period)
	}
	created, completed, declined, err := st.ActionItemFlow(ctx, sc)
	if err != nil {
		return nil, nil, err
	}
	for _, m := range []struct {
		f    metrics.Family
		data []store.TeamCount
	}{{metrics.ActionItemsCreated, created}, {metrics.ActionItemsCompleted, completed}, {metrics.ActionItemsDeclined, declined}} {
		for _, c := range m.data {
			s.Add(m.f, float64(c.N), "period", ps.All[c.Period].Label, "team", c.Team)
		}
	}
	for _, m := range []struct {
		f     metrics.Family
		gauge string
	}{{metrics.ActionItemOverdueSeconds, store.GaugeOverdue}, {metrics.ActionItemStaleSeconds, store.GaugeStale}} {
		if opts.MaxItemSeries <= 0 {
			continue
		}
		worst, err := st.WorstItems(ctx, sc, rs, m.gauge)
		if err != nil {
			return nil, nil, err
		}
		kept, left := keepItems(worst, m.gauge, opts.MaxItemSeries)
		for _, it := range kept {
			s.Add(m.f, float64(it.Seconds), "key", it.Key, "team", it.Team, "priority", it.Priority)
		}
		s.Add(metrics.ActionItemSeriesDropped, float64(left), "series", m.gauge)
	}
	// Published postmortems without any action item.
	noItems, err := st.PostmortemsWithoutItems(ctx, sc)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range noItems {
		s.Add(metrics.PostmortemsWithoutActionItems, float64(c.N), "severity", c.Severity)
	}
	// The oldest open items of each team, for the digest.
	oldest, err := st.OldestOpenItems(ctx, sc, opts.OldestPerTeam)
	if err != nil {
		return nil, nil, err
	}
	var items []store.AnalysisItem
	rank := 0
	for i := range oldest {
		a := &oldest[i]
		if i > 0 && oldest[i-1].Team != a.Team {
			rank = 0
		}
		f := []store.Field{
			{Name: "summary", Value: a.Summary},
			{Name: "priority", Value: a.Priority},
			{Name: "status", Value: a.Status},
			{Name: "assignee", Value: a.AssigneeName},
			{Name: "postmortem", Value: a.PostmortemKey},
			{Name: "created_at", Value: a.CreatedAt.UTC().Format(time.RFC3339)},
			{Name: "url", Value: a.URL},
		}
		if !a.DueDate.IsZero() {
			f = append(f, store.Field{Name: "due_date", Value: a.DueDate.Format("2006-01-02")})
		}
		if d, ok := OverdueBy(a, now); ok {
			f = append(f, store.Field{Name: "overdue_seconds", Value: formatSeconds(d)})
		}
		if since, ok := StaleBy(a, now, opts.StaleAfter); ok {
			f = append(f, store.Field{Name: "stale_seconds", Value: formatSeconds(since)})
		}
		items = append(items, store.AnalysisItem{
			Analysis: "actions", Kind: "oldest_open_action_item", Key: a.Key, Team: a.Team, Rank: rank,
			Fields: f, Value: now.Sub(a.CreatedAt).Truncate(time.Second).Seconds(),
		})
		rank++
	}
	return s.Results, items, nil
}

// kindMix is followup.Mix over the items' summaries as the store streams
// them grouped (each distinct summary classified once): the kinds of the
// items created in each period by team, and each kind's closure, in Mix's
// order.
func kindMix(ctx context.Context, st *store.Store, sc store.Scope, ps calc.Periods) ([]followup.MixRow, []followup.ClosureRow, error) {
	type key struct {
		period int
		kind   followup.Kind
		team   string
	}
	created, closed := map[key]int{}, map[key]int{}
	last, kind := "", followup.Kind("")
	first := true
	err := st.ItemTexts(ctx, sc, func(text string, p int, team string, n, done int) error {
		if first || text != last {
			last, kind, first = text, followup.Classify(text).Kind, false
		}
		k := key{p, kind, team}
		created[k] += n
		closed[k] += done
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	order := map[followup.Kind]int{}
	for i, k := range append(append([]followup.Kind(nil), followup.Kinds...), followup.Unknown) {
		order[k] = i
	}
	keys := make([]key, 0, len(created))
	for k := range created {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.period != b.period {
			return a.period < b.period
		}
		if a.kind != b.kind {
			return order[a.kind] < order[b.kind]
		}
		return a.team < b.team
	})
	rows := make([]followup.MixRow, 0, len(keys))
	var closure []followup.ClosureRow
	at := map[[2]int]int{}
	for _, k := range keys {
		label := ps.All[k.period].Label
		rows = append(rows, followup.MixRow{Kind: k.kind, Team: k.team, Period: label, Created: created[k], Closed: closed[k]})
		c := [2]int{k.period, order[k.kind]}
		i, ok := at[c]
		if !ok {
			i = len(closure)
			at[c] = i
			closure = append(closure, followup.ClosureRow{Kind: k.kind, Period: label})
		}
		closure[i].Created += created[k]
		closure[i].Closed += closed[k]
	}
	for i := range closure {
		if closure[i].Created > 0 {
			closure[i].Ratio = float64(closure[i].Closed) / float64(closure[i].Created)
		}
	}
	return rows, closure, nil
}

func formatSeconds(d time.Duration) string {
	return calc.FormatLe(d.Truncate(time.Second).Seconds())
}

func keysOf[K comparable, V any](m map[K]V, f func(K) (pt, bool)) []pt {
	seen := map[pt]bool{}
	var out []pt
	for k := range m {
		if p, ok := f(k); ok && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

func sortedPT(ks []pt) []pt {
	sort.Slice(ks, func(i, j int) bool {
		if ks[i].prio != ks[j].prio {
			return ks[i].prio < ks[j].prio
		}
		return ks[i].team < ks[j].team
	})
	return ks
}

// BusiestShare is the share of the total of counts (each owner's open
// items) held by the busiest fraction of owners, at least one; NaN without
// items.
func BusiestShare(counts []int, fraction float64) float64 {
	c := append([]int(nil), counts...)
	sort.Sort(sort.Reverse(sort.IntSlice(c)))
	k := max(1, int(math.Ceil(fraction*float64(len(c))-1e-9)))
	top, total := 0, 0
	for i, n := range c {
		if i < k {
			top += n
		}
		total += n
	}
	if total == 0 {
		return math.NaN()
	}
	return float64(top) / float64(total)
}

// keepItems chooses the per-item series to serve when more items are
// overdue or stale (its, longest first) than limit: those the alerts name
// first. The stale alert pages for each P1 and P2 item, so stale items go
// by priority (P1 first, unknown last), then by how long; the overdue alert
// lists each team's most overdue items, so overdue items go by their rank
// within their team (every team's worst, then every team's second, ...),
// then by how long. It returns the items kept, in that order, and how many
// were left out.
func keepItems(its []store.ItemSeries, gauge string, limit int) ([]store.ItemSeries, int) {
	if len(its) <= limit {
		return its, 0
	}
	rank := make(map[string]int, len(its)) // by key
	switch gauge {
	case store.GaugeStale:
		for _, it := range its {
			r := slices.Index(Priorities, it.Priority)
			if r < 0 {
				r = len(Priorities)
			}
			rank[it.Key] = r
		}
	default:
		seen := map[string]int{}
		for _, it := range its {
			rank[it.Key] = seen[it.Team]
			seen[it.Team]++
		}
	}
	out := slices.Clone(its)
	slices.SortStableFunc(out, func(a, b store.ItemSeries) int { return rank[a.Key] - rank[b.Key] })
	return out[:limit], len(its) - limit
}
