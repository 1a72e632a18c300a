// Package actions measures postmortem action items: open and closed counts,
// the four problem counts (overdue, stale, unowned, without a due date),
// closure within the SLO, Kaplan–Meier time to close with open items
// censored, postmortems without action items, reopened items, and the
// oldest open items.
package actions

import (
	"math"
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
	Items       []store.ActionItem
	Postmortems []store.Postmortem
	Periods     calc.Periods
	Options     Options
}

// Compute returns the results and digest items of the "actions" analysis.
func Compute(in Input) ([]store.Result, []store.AnalysisItem) {
	s := calc.Sink{}
	ps := in.Periods
	now := ps.Now
	opts := in.Options
	if opts.OldestPerTeam <= 0 {
		opts.OldestPerTeam = 10
	}
	type stateKey struct {
		state string
		pt
	}
	states := map[stateKey]int{}
	overdue, stale, unowned, noDue, reopened := map[pt]int{}, map[pt]int{}, map[pt]int{}, map[pt]int{}, map[pt]int{}
	oldest := map[pt]time.Duration{}
	type perTeam struct {
		period int
		team   string
	}
	created, completed := map[perTeam]int{}, map[perTeam]int{}
	within, determined := map[pt]int{}, map[pt]int{}
	km := map[string][]calc.Observation{}
	type itemSeries struct {
		key, team, prio string
		d               time.Duration
	}
	var overdueItems, staleItems []itemSeries
	openByTeam := map[string][]*store.ActionItem{}
	var kindItems []followup.Item
	hasItems := map[string]bool{}

	for i := range in.Items {
		a := &in.Items[i]
		prio, team := Priority(a.Priority), Team(a)
		k := pt{prio, team}
		if a.PostmortemKey != "" {
			hasItems[a.PostmortemKey] = true
		}
		if a.CreatedAt.After(now) {
			continue // created after the clock: not yet there
		}
		isOpen := Open(a)
		state := "closed"
		if isOpen {
			state = "open"
		}
		states[stateKey{state, k}]++
		if a.ReopenCount > 0 {
			reopened[k]++
		}
		ps.Of(a.CreatedAt, func(p int) { created[perTeam{p, team}]++ })
		fi := followup.Item{Text: a.Summary, Team: team, Created: a.CreatedAt}
		if !isOpen {
			fi.Resolved = ClosedAt(a)
		}
		kindItems = append(kindItems, fi)
		if !isOpen {
			ps.Of(ClosedAt(a), func(p int) { completed[perTeam{p, team}]++ })
		}
		if isOpen {
			if d, ok := OverdueBy(a, now); ok {
				overdue[k]++
				overdueItems = append(overdueItems, itemSeries{a.Key, team, prio, d})
			}
			if since, ok := StaleBy(a, now, opts.StaleAfter); ok {
				stale[k]++
				staleItems = append(staleItems, itemSeries{a.Key, team, prio, since})
			}
			if a.AssigneeID == "" {
				unowned[k]++
			}
			if a.DueDate.IsZero() {
				noDue[k]++
			}
			if age, seen := oldest[k]; !seen || now.Sub(a.CreatedAt) > age {
				oldest[k] = now.Sub(a.CreatedAt)
			}
			openByTeam[team] = append(openByTeam[team], a)
		}

		// Time to close: closed items are events, open ones censored at now.
		var obs calc.Observation
		if isOpen {
			obs = calc.Observation{Duration: now.Sub(a.CreatedAt).Seconds(), Event: false}
		} else {
			obs = calc.Observation{Duration: math.Max(0, ClosedAt(a).Sub(a.CreatedAt).Seconds()), Event: true}
		}
		km[""] = append(km[""], obs)
		km[prio] = append(km[prio], obs)

		// Closed within the SLO, among items whose outcome is known.
		if slo, ok := threshold(opts.ClosureSLO, prio); ok {
			var in, known bool
			switch {
			case !isOpen:
				in, known = ClosedAt(a).Sub(a.CreatedAt) <= slo, true
			case now.Sub(a.CreatedAt) > slo:
				in, known = false, true
			}
			if known {
				for _, kk := range []pt{{}, {prio: prio}, {team: team}} {
					determined[kk]++
					if in {
						within[kk]++
					}
				}
			}
		}
	}

	for _, st := range []string{"open", "closed"} {
		for _, k := range sortedPT(keysOf(states, func(k stateKey) (pt, bool) { return k.pt, k.state == st })) {
			s.Add(metrics.ActionItems, float64(states[stateKey{st, k}]), "state", st, "priority", k.prio, "team", k.team)
		}
	}
	for _, m := range []struct {
		f    metrics.Family
		data map[pt]int
	}{{metrics.ActionItemsOverdue, overdue}, {metrics.ActionItemsStale, stale}, {metrics.ActionItemsUnowned, unowned},
		{metrics.ActionItemsWithoutDueDate, noDue}, {metrics.ActionItemsReopened, reopened}} {
		for _, k := range sortedPT(keysOf(m.data, func(k pt) (pt, bool) { return k, true })) {
			s.Add(m.f, float64(m.data[k]), "priority", k.prio, "team", k.team)
		}
	}
	for _, k := range sortedPT(keysOf(oldest, func(k pt) (pt, bool) { return k, true })) {
		s.Add(metrics.ActionItemOldestOpenAgeSeconds, oldest[k].Truncate(time.Second).Seconds(), "priority", k.prio, "team", k.team)
	}
	for _, k := range sortedPT(keysOf(determined, func(k pt) (pt, bool) { return k, true })) {
		s.Add(metrics.ActionItemsClosedWithinSLORatio, calc.Ratio(within[k], determined[k]), "priority", k.prio, "team", k.team)
	}
	kmKeys := make([]string, 0, len(km))
	for k := range km {
		kmKeys = append(kmKeys, k)
	}
	sort.Strings(kmKeys)
	for _, k := range kmKeys {
		s.Add(metrics.ActionItemTimeToCloseSeconds, calc.KaplanMeierQuantile(km[k], 0.5), "priority", k, "stat", "km_p50")
		s.Add(metrics.ActionItemTimeToCloseSeconds, calc.KaplanMeierQuantile(km[k], 0.9), "priority", k, "stat", "km_p90")
	}
	// Follow-ups by kind (analyze/followup): the mix per team and period, and
	// each kind's closure.
	kindPeriods := make([]followup.Period, len(ps.All))
	for i, p := range ps.All {
		kindPeriods[i] = followup.Period{Label: p.Label, From: p.From, To: p.To}
	}
	mix, closure := followup.Mix(kindItems, kindPeriods, now, followup.Classify)
	for _, r := range mix {
		s.Add(metrics.ActionItemsByKind, float64(r.Created), "kind", string(r.Kind), "team", r.Team, "period", r.Period)
	}
	for _, c := range closure {
		s.Add(metrics.ActionItemsClosedByKindRatio, c.Ratio, "kind", string(c.Kind), "period", c.Period)
	}
	for _, m := range []struct {
		f    metrics.Family
		data map[perTeam]int
	}{{metrics.ActionItemsCreated, created}, {metrics.ActionItemsCompleted, completed}} {
		keys := make([]perTeam, 0, len(m.data))
		for k := range m.data {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if keys[i].period != keys[j].period {
				return keys[i].period < keys[j].period
			}
			return keys[i].team < keys[j].team
		})
		for _, k := range keys {
			s.Add(m.f, float64(m.data[k]), "period", ps.All[k.period].Label, "team", k.team)
		}
	}
	for _, m := range []struct {
		f     metrics.Family
		items []itemSeries
	}{{metrics.ActionItemOverdueSeconds, overdueItems}, {metrics.ActionItemStaleSeconds, staleItems}} {
		sort.Slice(m.items, func(i, j int) bool {
			if m.items[i].d != m.items[j].d {
				return m.items[i].d > m.items[j].d
			}
			return m.items[i].key < m.items[j].key
		})
		for i, it := range m.items {
			if i >= opts.MaxItemSeries {
				break
			}
			s.Add(m.f, it.d.Truncate(time.Second).Seconds(), "key", it.key, "team", it.team, "priority", it.prio)
		}
	}

	// Published postmortems without any action item.
	noItems := map[string]int{}
	for i := range in.Postmortems {
		pm := &in.Postmortems[i]
		if pm.PublishedAt.IsZero() || pm.PublishedAt.After(now) {
			continue
		}
		sev := severity(pm.Severity)
		if _, ok := noItems[sev]; !ok {
			noItems[sev] = 0
		}
		if len(pm.ActionItemKeys) == 0 && !hasItems[pm.Key] {
			noItems[sev]++
		}
	}
	sevs := make([]string, 0, len(noItems))
	for k := range noItems {
		sevs = append(sevs, k)
	}
	sort.Strings(sevs)
	for _, sev := range sevs {
		s.Add(metrics.PostmortemsWithoutActionItems, float64(noItems[sev]), "severity", sev)
	}

	// The oldest open items of each team, for the digest.
	var items []store.AnalysisItem
	teams := make([]string, 0, len(openByTeam))
	for t := range openByTeam {
		teams = append(teams, t)
	}
	sort.Strings(teams)
	for _, t := range teams {
		list := openByTeam[t]
		sort.Slice(list, func(i, j int) bool {
			if !list[i].CreatedAt.Equal(list[j].CreatedAt) {
				return list[i].CreatedAt.Before(list[j].CreatedAt)
			}
			return list[i].Key < list[j].Key
		})
		for r, a := range list[:min(len(list), opts.OldestPerTeam)] {
			f := []store.Field{
				{Name: "summary", Value: a.Summary},
				{Name: "priority", Value: Priority(a.Priority)},
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
				Analysis: "actions", Kind: "oldest_open_action_item", Key: a.Key, Team: t, Rank: r,
				Fields: f, Value: now.Sub(a.CreatedAt).Truncate(time.Second).Seconds(),
			})
		}
	}
	return s.Results, items
}

func formatSeconds(d time.Duration) string {
	return calc.FormatLe(d.Truncate(time.Second).Seconds())
}

func severity(s string) string {
	switch s {
	case "SEV1", "SEV2", "SEV3", "SEV4", "SEV5":
		return s
	}
	return store.SeverityUnknown
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
