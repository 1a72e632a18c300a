package followup

import (
	"sort"
	"time"
)

// Item is what the mix needs of one action item.
type Item struct {
	// Text is what is classified: the summary (and description, if any).
	Text string
	// Team is the owning team's label value ("unknown" when empty).
	Team    string
	Created time.Time
	// Resolved is when the item was closed; zero while it is open.
	Resolved time.Time
}

// Period is a reporting period [From, To) with its label ("2025-01",
// "rolling_30d").
type Period struct {
	Label    string
	From, To time.Time
}

func (p Period) contains(t time.Time) bool { return !t.Before(p.From) && t.Before(p.To) }

// MixRow is the action items of one kind and team created in one period,
// and how many of those were closed by the end of the run.
type MixRow struct {
	Kind    Kind
	Team    string
	Period  string
	Created int
	Closed  int
}

// ClosureRow is the closure of one kind's items created in one period,
// over all teams: Closed of Created were closed by now, Ratio is their
// share (0 when none were created).
type ClosureRow struct {
	Kind            Kind
	Period          string
	Created, Closed int
	Ratio           float64
}

// Mix is the kinds of the items created in each period, by team, and the
// closure of each kind. An item counts as closed when it was resolved at or
// before now. classify is usually Classify; items are classified once.
// Rows are sorted by period (in the order given), kind (the article's
// order, Unknown last) and team; a kind, team and period with no item has
// no row.
func Mix(items []Item, periods []Period, now time.Time, classify func(string) Result) ([]MixRow, []ClosureRow) {
	type key struct {
		kind         Kind
		team, period string
	}
	created, closed := map[key]int{}, map[key]int{}
	for _, it := range items {
		k := classify(it.Text).Kind
		team := it.Team
		if team == "" {
			team = "unknown"
		}
		done := !it.Resolved.IsZero() && !it.Resolved.After(now)
		for _, p := range periods {
			if !p.contains(it.Created) {
				continue
			}
			kk := key{k, team, p.Label}
			created[kk]++
			if done {
				closed[kk]++
			}
		}
	}
	order := map[Kind]int{}
	for i, k := range append(Kinds, Unknown) {
		order[k] = i
	}
	porder := map[string]int{}
	for i, p := range periods {
		if _, ok := porder[p.Label]; !ok {
			porder[p.Label] = i
		}
	}
	keys := make([]key, 0, len(created))
	for k := range created {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.period != b.period {
			return porder[a.period] < porder[b.period]
		}
		if a.kind != b.kind {
			return order[a.kind] < order[b.kind]
		}
		return a.team < b.team
	})
	rows := make([]MixRow, 0, len(keys))
	type pk struct {
		kind   Kind
		period string
	}
	var closure []ClosureRow
	at := map[pk]int{}
	for _, k := range keys {
		rows = append(rows, MixRow{Kind: k.kind, Team: k.team, Period: k.period, Created: created[k], Closed: closed[k]})
		c := pk{k.kind, k.period}
		i, ok := at[c]
		if !ok {
			i = len(closure)
			at[c] = i
			closure = append(closure, ClosureRow{Kind: k.kind, Period: k.period})
		}
		closure[i].Created += created[k]
		closure[i].Closed += closed[k]
	}
	for i := range closure {
		if closure[i].Created > 0 {
			closure[i].Ratio = float64(closure[i].Closed) / float64(closure[i].Created)
		}
	}
	return rows, closure
}
