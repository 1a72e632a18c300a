// Package fixes asks whether a postmortem's fixes held: after its action
// items were closed, did the same service fail again for the same reason
// (a contributing factor of the same theme) less often than while they were
// open?
//
// The unit is a (postmortem, theme) pair: a postmortem P with action items,
// the service S of its incidents, and one theme T of P's contributing
// factors. A repeat of the pair is a later incident on S (not one of P's
// own) whose postmortems have a factor of theme T. Time from P's first
// incident on is split into two phases:
//
//   - open: from P's first incident until the last of its items closed (or
//     until now while any is open);
//   - closed: from that close until now.
//
// A repeat at the instant of the close counts as closed. Each phase has an
// exposure (its length) and the repeats in it, so the two phases are
// compared as rates. A pair whose items are all closed "held" when no repeat
// came after the close and "failed" otherwise; a pair with an open item is
// "open".
//
// Tallies sum pairs (so one later incident counts once for every earlier
// pair it repeats) and report the closed-versus-open rate ratio with an
// exact conditional interval, each pair compared with itself (see
// StratifiedRateRatio) and each phase's time weighed by its theme's own
// calendar-time trend (see FitTrend), so that a theme on the rise does not
// read as fixes failing. Rows break down by theme, by
// the action-item kind (a postmortem counts under every kind among its
// items, and its phases there are by its items of that kind alone: "did
// the prevent items, once closed, stop repeats?") and by the postmortem's
// team.
package fixes

import (
	"cmp"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Incident is what the analysis needs of an incident (merged ones left out
// by the caller).
type Incident struct {
	ID      string
	Service string
	At      time.Time // created
	// Themes are the themes of the contributing factors of its postmortems
	// (none when it has no postmortem).
	Themes []string
}

// Item is one action item of a postmortem.
type Item struct {
	Kind string
	// Closed is when the item was closed; zero while it is open.
	Closed time.Time
}

// Postmortem is a postmortem with its action items.
type Postmortem struct {
	Key       string
	Team      string
	Incidents []string // ids; a postmortem none of whose incidents is known is skipped
	Themes    []string // distinct themes of its contributing factors
	Items     []Item   // in any order
}

// Input is what Compute reads. Incidents created after Now, and items
// closed after it, are the caller's to leave out or open.
type Input struct {
	Incidents   []Incident
	Postmortems []Postmortem
	Now         time.Time
	// CountsOnly leaves the pairs' repeat ids out (Pair.OpenRepeats and
	// ClosedRepeats empty; their counts are in the rows): a pair on a busy
	// service and theme has thousands of repeats.
	CountsOnly bool
	// MaxPending is how many pending fixes (Result.Pending) to keep per
	// team; 0 keeps none.
	MaxPending int
}

// Pending is a fix still owed while its failure repeats: a pair whose
// postmortem still has open items and whose service failed again for the
// theme since the postmortem's first incident.
type Pending struct {
	Postmortem, Theme, Team, Service string
	Start                            time.Time // the postmortem's first incident
	Repeats                          int       // since Start, all while open
	Last                             string    // the latest repeat's incident id
	LastAt                           time.Time
	OpenItems, Items                 int // the postmortem's open items and all of them
}

// PendingKey is what orders pending fixes (ComparePending).
type PendingKey struct {
	Repeats           int
	LastAt            time.Time // the latest repeat
	Postmortem, Theme string    // Theme: the theme's id
}

// Key returns what orders p among pending fixes.
func (p *Pending) Key() PendingKey {
	return PendingKey{Repeats: p.Repeats, LastAt: p.LastAt, Postmortem: p.Postmortem, Theme: p.Theme}
}

// ComparePending is the one order of pending fixes, a team's
// (Result.Pending) and the organization's across teams (the digest): most
// repeats first, then the latest repeat, then by postmortem and theme. It
// is negative when a comes first (slices.SortFunc).
func ComparePending(a, b PendingKey) int {
	if c := cmp.Compare(b.Repeats, a.Repeats); c != 0 {
		return c
	}
	if c := b.LastAt.Compare(a.LastAt); c != 0 {
		return c
	}
	return cmp.Or(strings.Compare(a.Postmortem, b.Postmortem), strings.Compare(a.Theme, b.Theme))
}

func pendingBefore(a, b *Pending) bool { return ComparePending(a.Key(), b.Key()) < 0 }

// States of a pair.
const (
	StateHeld   = "held"
	StateFailed = "failed"
	StateOpen   = "open"
)

// Phases of a pair's time.
const (
	PhaseOpen   = "open"
	PhaseClosed = "closed"
)

// Pair is one (postmortem, theme) pair over all its items.
type Pair struct {
	Postmortem, Theme, Team, Service string
	Kinds                            []string // distinct kinds of its items, sorted
	Start                            time.Time
	Closed                           time.Time // zero while an item is open
	State                            string
	OpenRepeats, ClosedRepeats       []string // incident ids, in time order
	OpenExposure, ClosedExposure     time.Duration

	pm *Postmortem // the pair's postmortem, while Compute runs
}

// Tally is the sum over a set of pairs.
type Tally struct {
	Pairs, Held, Failed, Open  int
	OpenRepeats, ClosedRepeats int
	// OpenExposure and ClosedExposure are in seconds: over all pairs they
	// add up to centuries, past time.Duration's 292 years.
	OpenExposure, ClosedExposure float64
	// Strata are the pairs that say something about the ratio: exposure in
	// both phases and at least one repeat.
	Strata []Stratum
}

// Row is the tally of one breakdown: Theme, Kind and Team are "" for all
// (at most one of them is set).
type Row struct {
	Theme, Kind, Team string
	Tally
	Ratio Interval
}

// Result is what Compute returns.
type Result struct {
	Pairs []Pair
	// Rows: the overall row first, then by theme, kind and team, each
	// sorted by its value.
	Rows []Row
	// Skipped counts postmortems with items but no known incident.
	Skipped int
	// Slopes are the themes' fitted trends (see FitTrend).
	Slopes map[string]float64
	// Pending are the fixes still owed while their failure repeats, up to
	// Input.MaxPending per team, each team's in pendingBefore order; teams
	// in name order.
	Pending []Pending
}

// Confidence is the two-sided level of the rate-ratio intervals.
const Confidence = 0.95

type phaseCount struct {
	open, closed       int
	openExp, closedExp time.Duration
	// The repeats: list[lo:mid] in the open phase and list[mid:hi] in the
	// closed one, except the pair's own incidents.
	list        []*Incident
	lo, mid, hi int
	own         []*Incident // the pair's own known incidents, distinct
	skip        []int       // the indices of own incidents in list[lo:hi], ascending
}

// each calls fn with every repeat of list[from:to] in time order.
func (c *phaseCount) each(from, to int, fn func(x *Incident)) {
	k := 0
	for i := from; i < to; i++ {
		for k < len(c.skip) && c.skip[k] < i {
			k++
		}
		if k < len(c.skip) && c.skip[k] == i {
			continue
		}
		fn(c.list[i])
	}
}

// last is the latest repeat of list[from:to], nil when there is none.
func (c *phaseCount) last(from, to int) *Incident {
	k := len(c.skip) - 1
	for i := to - 1; i >= from; i-- {
		for k >= 0 && c.skip[k] > i {
			k--
		}
		if k >= 0 && c.skip[k] == i {
			continue
		}
		return c.list[i]
	}
	return nil
}

// ids are the ids of the repeats of list[from:to].
func (c *phaseCount) ids(from, to int) []string {
	var out []string
	c.each(from, to, func(x *Incident) { out = append(out, x.ID) })
	return out
}

// Compute pairs every postmortem that has action items with each theme of
// its factors and counts the repeats in each phase.
func Compute(in Input) (Result, error) {
	now := in.Now
	if now.IsZero() {
		return Result{}, fmt.Errorf("fixes: no clock (Input.Now is zero)")
	}
	byID := make(map[string]*Incident, len(in.Incidents))
	// Candidate repeats by service and theme, in time order.
	type st struct{ svc, theme string }
	cands := map[st][]*Incident{}
	for i := range in.Incidents {
		x := &in.Incidents[i]
		if x.ID == "" {
			return Result{}, fmt.Errorf("fixes: incident %d has no id", i)
		}
		byID[x.ID] = x
		seen := map[string]bool{}
		for _, th := range x.Themes {
			if th == "" || seen[th] {
				continue
			}
			seen[th] = true
			k := st{x.Service, th}
			cands[k] = append(cands[k], x)
		}
	}
	for _, l := range cands {
		sort.Slice(l, func(i, j int) bool {
			if !l[i].At.Equal(l[j].At) {
				return l[i].At.Before(l[j].At)
			}
			return l[i].ID < l[j].ID
		})
	}
	// count splits the repeats of (svc, theme) after start by the close.
	// The candidates are in time order, so each phase's are a range of
	// them; the pair's own incidents in a range are taken out of its count.
	// skip is a buffer for the count's skip list (reused between pairs).
	count := func(svc, theme string, start, closed time.Time, own []*Incident, skip []int) phaseCount {
		c := phaseCount{skip: skip[:0]}
		end := now
		if !closed.IsZero() {
			end = closed
			if end.After(now) {
				end = now
			}
			if end.Before(start) {
				end = start
			}
			c.closedExp = now.Sub(end)
		}
		c.openExp = end.Sub(start)
		l := cands[st{svc, theme}]
		c.list, c.own = l, own
		c.lo = sort.Search(len(l), func(i int) bool { return l[i].At.After(start) })
		c.hi = max(c.lo, sort.Search(len(l), func(i int) bool { return l[i].At.After(now) }))
		c.mid = c.hi
		if !closed.IsZero() {
			c.mid = min(max(c.lo, sort.Search(len(l), func(i int) bool { return !l[i].At.Before(end) })), c.hi)
		}
		c.open, c.closed = c.mid-c.lo, c.hi-c.mid
		for _, x := range own {
			// Where x is among the candidates (by time, then id), if it is one.
			i := sort.Search(len(l), func(i int) bool {
				return l[i].At.After(x.At) || (l[i].At.Equal(x.At) && l[i].ID >= x.ID)
			})
			if i >= len(l) || l[i] != x {
				continue
			}
			switch {
			case i >= c.lo && i < c.mid:
				c.open--
			case i >= c.mid && i < c.hi:
				c.closed--
			default:
				continue
			}
			c.skip = append(c.skip, i)
		}
		sort.Ints(c.skip)
		return c
	}
	state := func(closed time.Time, c phaseCount) string {
		switch {
		case closed.IsZero():
			return StateOpen
		case c.closed > 0:
			return StateFailed
		}
		return StateHeld
	}
	add := func(t *Tally, start, closed time.Time, c phaseCount, slope float64) {
		t.Pairs++
		switch state(closed, c) {
		case StateOpen:
			t.Open++
		case StateFailed:
			t.Failed++
		default:
			t.Held++
		}
		t.OpenRepeats += c.open
		t.ClosedRepeats += c.closed
		t.OpenExposure += c.openExp.Seconds()
		t.ClosedExposure += c.closedExp.Seconds()
		if c.open+c.closed > 0 && c.openExp > 0 && c.closedExp > 0 {
			openEnd := start.Add(c.openExp)
			t.Strata = append(t.Strata, Stratum{Closed: c.closed, Open: c.open,
				ClosedExposure: TrendWeight(slope, openEnd, now, now), OpenExposure: TrendWeight(slope, start, openEnd, now)})
		}
	}

	var res Result
	// eachPair calls fn with every pair, in postmortem order and each
	// postmortem's themes sorted, with its repeats over all its items and
	// its postmortem's own incidents and items' close by kind. The pairs
	// are not kept: the passes below derive them again, so what a run holds
	// is the postmortems, not their pairs' repeats.
	//
	// fn gets the pair and its count, which it must not keep (they are
	// reused for the next pair), and the close of the pair's items of each
	// of its kinds (p.Kinds). A pass allocates little per pair: the three
	// passes over 300k pairs otherwise made the collector a large part of
	// the run.
	var (
		pair              Pair
		c                 phaseCount
		own               []*Incident
		kindsBuf, themesB []string
		kindClosed        []time.Time
		skipBuf           []int
	)
	eachPair := func(fn func(p *Pair, c *phaseCount, kindClosed []time.Time)) (skipped int) {
		for pi := range in.Postmortems {
			p := &in.Postmortems[pi]
			if len(p.Items) == 0 || len(p.Themes) == 0 {
				continue
			}
			// The anchor: P's first known incident, and its service.
			var first *Incident
			own = own[:0]
			for _, id := range p.Incidents {
				x := byID[id]
				if x == nil || containsIncident(own, x) {
					continue
				}
				own = append(own, x)
				if first == nil || x.At.Before(first.At) || (x.At.Equal(first.At) && x.ID < first.ID) {
					first = x
				}
			}
			if first == nil || first.At.After(now) {
				skipped++
				continue
			}
			// Closure over all items, and per kind.
			closedAt := func(kind string) time.Time {
				var last time.Time
				for _, it := range p.Items {
					if kind != "" && it.Kind != kind {
						continue
					}
					if it.Closed.IsZero() || it.Closed.After(now) {
						return time.Time{}
					}
					if it.Closed.After(last) {
						last = it.Closed
					}
				}
				return last
			}
			// The kinds a kept pair holds (in.CountsOnly false) are its own.
			kinds := kindsBuf[:0]
			if !in.CountsOnly {
				kinds = nil
			}
			for _, it := range p.Items {
				if !contains(kinds, it.Kind) {
					kinds = append(kinds, it.Kind)
				}
			}
			sort.Strings(kinds)
			team := p.Team
			if team == "" {
				team = "unknown"
			}
			if in.CountsOnly {
				kindsBuf = kinds
			}
			closed := closedAt("")
			themes := themesB[:0]
			for _, th := range p.Themes {
				if th != "" && !contains(themes, th) {
					themes = append(themes, th)
				}
			}
			sort.Strings(themes)
			themesB = themes
			kindClosed = kindClosed[:0]
			for _, k := range kinds {
				kindClosed = append(kindClosed, closedAt(k))
			}
			for _, th := range themes {
				c = count(first.Service, th, first.At, closed, own, skipBuf)
				skipBuf = c.skip
				pair = Pair{Postmortem: p.Key, Theme: th, Team: team, Service: first.Service, Kinds: kinds,
					Start: first.At, Closed: closed, State: state(closed, c), OpenExposure: c.openExp, ClosedExposure: c.closedExp, pm: p}
				fn(&pair, &c, kindClosed)
			}
		}
		return skipped
	}
	// Each theme's trend, from the open phases of its pairs: their spans
	// first, then their repeats in pair order (as FitTrend reads them).
	spans, nreps := map[string][]Span{}, map[string]int{}
	// How many strata each overall, theme and team tally will hold, so
	// that the last pass appends to slices of their final size.
	nstrata := map[string]int{}
	pending := map[string][]Pending{} // by team, each sorted, at most in.MaxPending
	res.Skipped = eachPair(func(p *Pair, c *phaseCount, _ []time.Time) {
		if in.MaxPending > 0 && p.State == StateOpen && c.open > 0 {
			keepPending(pending, in.MaxPending, p, c, now)
		}
		spans[p.Theme] = append(spans[p.Theme], Span{p.Start, p.Start.Add(p.OpenExposure)})
		nreps[p.Theme] += c.open
		if c.open+c.closed > 0 && c.openExp > 0 && c.closedExp > 0 {
			nstrata[""]++
			nstrata["theme\x00"+p.Theme]++
			nstrata["team\x00"+p.Team]++
		}
		if !in.CountsOnly {
			p.OpenRepeats, p.ClosedRepeats = c.ids(c.lo, c.mid), c.ids(c.mid, c.hi)
			q := *p
			q.pm = nil
			res.Pairs = append(res.Pairs, q)
		}
	})
	teams := make([]string, 0, len(pending))
	for t := range pending {
		teams = append(teams, t)
	}
	sort.Strings(teams)
	for _, t := range teams {
		res.Pending = append(res.Pending, pending[t]...)
	}
	fits := map[string]*trendFit{}
	for th := range spans {
		fits[th] = newTrendFit(spans[th], nreps[th], now)
	}
	eachPair(func(p *Pair, c *phaseCount, _ []time.Time) {
		if f := fits[p.Theme]; f.fits() {
			c.each(c.lo, c.mid, func(x *Incident) { f.add(x.At) })
		}
	})
	res.Slopes = map[string]float64{}
	for th, f := range fits {
		res.Slopes[th] = f.slope()
	}
	all := &Tally{Strata: make([]Stratum, 0, nstrata[""])}
	byTheme, byKind, byTeam := map[string]*Tally{}, map[string]*Tally{}, map[string]*Tally{}
	get := func(m map[string]*Tally, by, k string) *Tally {
		t := m[k]
		if t == nil {
			t = &Tally{Strata: make([]Stratum, 0, nstrata[by+"\x00"+k])} // kinds: not counted, grown
			m[k] = t
		}
		return t
	}
	var kindSkip []int
	eachPair(func(p *Pair, c *phaseCount, kindClosed []time.Time) {
		slope := res.Slopes[p.Theme]
		add(all, p.Start, p.Closed, *c, slope)
		add(get(byTheme, "theme", p.Theme), p.Start, p.Closed, *c, slope)
		add(get(byTeam, "team", p.Team), p.Start, p.Closed, *c, slope)
		for i, k := range p.Kinds {
			kc := kindClosed[i]
			kcount := count(p.Service, p.Theme, p.Start, kc, c.own, kindSkip)
			kindSkip = kcount.skip
			add(get(byKind, "kind", k), p.Start, kc, kcount, slope)
		}
	})
	res.Rows = append(res.Rows, row(Row{Tally: *all}))
	for _, m := range []struct {
		m   map[string]*Tally
		set func(*Row, string)
	}{{byTheme, func(r *Row, v string) { r.Theme = v }}, {byKind, func(r *Row, v string) { r.Kind = v }}, {byTeam, func(r *Row, v string) { r.Team = v }}} {
		keys := make([]string, 0, len(m.m))
		for k := range m.m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			r := Row{Tally: *m.m[k]}
			m.set(&r, k)
			res.Rows = append(res.Rows, row(r))
		}
	}
	return res, nil
}

func row(r Row) Row {
	r.Ratio = StratifiedRateRatio(r.Strata, Confidence)
	return r
}

func containsIncident(xs []*Incident, x *Incident) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Interval is a rate ratio (closed over open) with its confidence
// interval. Defined is false when there is nothing to compare (no exposure
// in a phase or no repeat at all); Estimate and Upper are +Inf when there
// is no repeat in the open phase, Lower is 0 when there is none in the
// closed phase.
type Interval struct {
	Defined                bool
	Estimate, Lower, Upper float64
}

// Holds reports whether the interval lies below 1: repeats were less
// frequent after the items closed than while they were open, beyond chance.
func (iv Interval) Holds() bool { return iv.Defined && iv.Upper < 1 }

// Worse reports whether the interval lies above 1.
func (iv Interval) Worse() bool { return iv.Defined && iv.Lower > 1 }

// RateRatio is the ratio of two Poisson rates, x1 events in exposure e1
// against x0 in e0, with the exact conditional interval: given n = x1 + x0,
// x1 is binomial with p = e1 r1 / (e1 r1 + e0 r0), so the Clopper–Pearson
// interval of p maps to the ratio r1/r0 = p/(1-p) · e0/e1 (Armitage, Berry
// and Matthews, Statistical Methods in Medical Research, 4th ed., 2002,
// §5.3). It is deterministic and conservative.
func RateRatio(x1 int, e1 float64, x0 int, e0 float64, conf float64) Interval {
	n := x1 + x0
	if n == 0 || !(e1 > 0) || !(e0 > 0) || x1 < 0 || x0 < 0 {
		return Interval{}
	}
	alpha := 1 - conf
	scale := e0 / e1
	odds := func(p float64) float64 {
		if p >= 1 {
			return math.Inf(1)
		}
		return p / (1 - p) * scale
	}
	iv := Interval{Defined: true}
	if x0 == 0 {
		iv.Estimate = math.Inf(1)
	} else {
		iv.Estimate = float64(x1) / e1 / (float64(x0) / e0)
	}
	lo, hi := ClopperPearson(x1, n, alpha)
	iv.Lower, iv.Upper = odds(lo), odds(hi)
	return iv
}

// ClopperPearson is the exact two-sided interval of a binomial proportion
// with x successes in n trials at level 1-alpha.
func ClopperPearson(x, n int, alpha float64) (lo, hi float64) {
	if x > 0 {
		// P(X >= x | p) = alpha/2; increasing in p.
		lo = bisect(func(p float64) float64 { return 1 - binomCDF(x-1, n, p) - alpha/2 })
	}
	hi = 1
	if x < n {
		// P(X <= x | p) = alpha/2; decreasing in p.
		hi = bisect(func(p float64) float64 { return alpha/2 - binomCDF(x, n, p) })
	}
	return lo, hi
}

// bisect finds the root of an increasing f on [0, 1].
func bisect(f func(float64) float64) float64 {
	a, b := 0.0, 1.0
	for range 200 {
		m := (a + b) / 2
		if f(m) < 0 {
			a = m
		} else {
			b = m
		}
		if b-a < 1e-13 {
			break
		}
	}
	return (a + b) / 2
}

// binomCDF is P(X <= k) for X ~ Binomial(n, p), summed in log space.
func binomCDF(k, n int, p float64) float64 {
	if k < 0 {
		return 0
	}
	if k >= n {
		return 1
	}
	if p <= 0 {
		return 1
	}
	if p >= 1 {
		return 0
	}
	lp, lq := math.Log(p), math.Log1p(-p)
	ln, _ := math.Lgamma(float64(n + 1))
	s := 0.0
	for i := 0; i <= k; i++ {
		a, _ := math.Lgamma(float64(i + 1))
		b, _ := math.Lgamma(float64(n - i + 1))
		s += math.Exp(ln - a - b + float64(i)*lp + float64(n-i)*lq)
	}
	return math.Min(s, 1)
}

// keepPending adds the open pair p to its team's pending fixes when it is
// among the team's max most repeated.
func keepPending(pending map[string][]Pending, max int, p *Pair, c *phaseCount, now time.Time) {
	l := pending[p.Team]
	x := Pending{Postmortem: p.Postmortem, Theme: p.Theme, Team: p.Team, Service: p.Service, Start: p.Start, Repeats: c.open}
	if len(l) == max && x.Repeats < l[len(l)-1].Repeats {
		return // the common case, before looking for the last repeat
	}
	if last := c.last(c.lo, c.mid); last != nil {
		x.Last, x.LastAt = last.ID, last.At
	}
	if len(l) == max && !pendingBefore(&x, &l[len(l)-1]) {
		return
	}
	x.Items = len(p.pm.Items)
	for _, it := range p.pm.Items {
		if it.Closed.IsZero() || it.Closed.After(now) {
			x.OpenItems++
		}
	}
	i := sort.Search(len(l), func(i int) bool { return pendingBefore(&x, &l[i]) })
	if len(l) < max {
		l = append(l, Pending{})
	}
	copy(l[i+1:], l[i:len(l)-1])
	l[i] = x
	pending[p.Team] = l
}
