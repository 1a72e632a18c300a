// Package recurrence finds incidents that repeat an earlier one on the same
// service within a window: the same contributing-factor theme (through
// their postmortems), or a near-duplicate title (the same alert with other
// hosts, numbers or regions).
package recurrence

import (
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/aftermath-sre/aftermath/analyze/internal/calc"
	"github.com/aftermath-sre/aftermath/analyze/response"
	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
)

// Input is what Compute reads.
type Input struct {
	Incidents []store.Incident
	// Themes maps an incident id to the themes of its postmortems' factors.
	Themes  map[string][]string
	Window  time.Duration // default 30 days
	Periods calc.Periods
	// MaxGroups caps the recurring groups listed per month; default 50.
	MaxGroups int
	// Since, when set, limits the search to repeats created at or after it
	// (earlier incidents still count as what they repeat).
	Since time.Time
	// MinJaccard is the token-set similarity at which two titles whose
	// masked forms differ are still near-duplicates; default 0.8.
	MinJaccard float64
}

// Repeat is an incident found to repeat an earlier one.
type Repeat struct {
	Of      string // the earlier incident (the latest that matches)
	ByTitle bool
	ByTheme bool
}

// Titles normalizes incident titles into near-duplicate signatures: tokens
// are split on white space and lower-cased, surrounding punctuation dropped,
// tokens with a digit (numbers, hosts, ids, regions) become "#", and tokens
// naming a known service (or starting with one and a dash) become "{svc}".
type Titles struct {
	services map[string]bool
	vocab    map[string]uint32
}

// NewTitles prepares title normalization for the given service names.
func NewTitles(serviceNames []string) *Titles {
	t := &Titles{services: map[string]bool{}, vocab: map[string]uint32{}}
	for _, s := range serviceNames {
		if s = strings.ToLower(strings.TrimSpace(s)); s != "" {
			t.services[s] = true
		}
	}
	return t
}

// Tokens returns the masked tokens of a title.
func (t *Titles) Tokens(title string) []string {
	var out []string
	for _, f := range strings.Fields(strings.ToLower(title)) {
		f = strings.TrimFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '/' && r != '%' })
		f = strings.TrimRight(f, "%")
		if f == "" {
			continue
		}
		switch {
		case strings.IndexFunc(f, unicode.IsDigit) >= 0:
			f = "#"
		case t.isService(f):
			f = "{svc}"
		}
		out = append(out, f)
	}
	return out
}

// isService reports whether tok is a service name, or one followed by "-"
// or "." and more.
func (t *Titles) isService(tok string) bool {
	if t.services[tok] {
		return true
	}
	for i := 0; i < len(tok); i++ {
		if (tok[i] == '-' || tok[i] == '.') && t.services[tok[:i]] {
			return true
		}
	}
	return false
}

// Signature is the masked title.
func (t *Titles) Signature(title string) string { return strings.Join(t.Tokens(title), " ") }

func (t *Titles) set(tokens []string) []uint32 {
	ids := make([]uint32, 0, len(tokens))
	for _, tok := range tokens {
		id, ok := t.vocab[tok]
		if !ok {
			id = uint32(len(t.vocab))
			t.vocab[tok] = id
		}
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	k := 0
	for i, v := range ids {
		if i == 0 || v != ids[k-1] {
			ids[k] = v
			k++
		}
	}
	return ids[:k]
}

func jaccard(a, b []uint32) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	i, j, inter := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			inter++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

type entry struct {
	inc    *store.Incident
	sig    string
	set    []uint32
	themes []string
}

// Find returns the repeats among incidents (merged ones excluded), keyed by
// incident id.
func Find(in Input) map[string]Repeat {
	if in.Window <= 0 {
		in.Window = 30 * 24 * time.Hour
	}
	if in.MinJaccard <= 0 {
		in.MinJaccard = 0.8
	}
	var names []string
	bySvc := map[string][]entry{}
	for i := range in.Incidents {
		inc := &in.Incidents[i]
		names = append(names, inc.ServiceName)
		if response.Merged(inc) || (!in.Since.IsZero() && inc.CreatedAt.Before(in.Since.Add(-in.Window))) {
			continue
		}
		bySvc[response.ServiceOf(inc)] = append(bySvc[response.ServiceOf(inc)], entry{inc: inc, themes: in.Themes[inc.ID]})
	}
	titles := NewTitles(names)
	out := map[string]Repeat{}
	svcs := make([]string, 0, len(bySvc))
	for s := range bySvc {
		svcs = append(svcs, s)
	}
	sort.Strings(svcs)
	for _, svc := range svcs {
		list := bySvc[svc]
		sort.Slice(list, func(i, j int) bool {
			a, b := list[i].inc, list[j].inc
			if !a.CreatedAt.Equal(b.CreatedAt) {
				return a.CreatedAt.Before(b.CreatedAt)
			}
			return a.ID < b.ID
		})
		for i := range list {
			toks := titles.Tokens(list[i].inc.Title)
			list[i].sig = strings.Join(toks, " ")
			list[i].set = titles.set(toks)
		}
		for i := range list {
			b := &list[i]
			var rep Repeat
			for j := i - 1; j >= 0; j-- {
				a := &list[j]
				if b.inc.CreatedAt.Sub(a.inc.CreatedAt) > in.Window {
					break
				}
				byTitle := a.sig == b.sig || jaccard(a.set, b.set) >= in.MinJaccard
				byTheme := shareTheme(a.themes, b.themes)
				if !byTitle && !byTheme {
					continue
				}
				if rep.Of == "" {
					rep.Of = a.inc.ID
				}
				rep.ByTitle = rep.ByTitle || byTitle
				rep.ByTheme = rep.ByTheme || byTheme
				if rep.ByTitle && (rep.ByTheme || len(b.themes) == 0) {
					break
				}
			}
			if rep.Of != "" {
				out[b.inc.ID] = rep
			}
		}
	}
	return out
}

func shareTheme(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

// Compute returns the results and digest items of the "recurrence" analysis.
func Compute(in Input) ([]store.Result, []store.AnalysisItem) {
	if in.MaxGroups <= 0 {
		in.MaxGroups = 50
	}
	if in.Since.IsZero() {
		in.Since = in.Periods.Start()
	}
	reps := Find(in)
	s := calc.Sink{}
	ps := in.Periods
	total := make([]int, len(ps.All))
	repeats := make([]int, len(ps.All))
	bySvc := make([]map[string]int, len(ps.All))
	bySev := make([]map[string]int, len(ps.All))
	for i := range bySvc {
		bySvc[i] = map[string]int{}
		bySev[i] = map[string]int{}
	}
	// Groups: union of each repeat with the incident it repeats.
	parent := map[string]string{}
	var find func(string) string
	find = func(x string) string {
		p, ok := parent[x]
		if !ok || p == x {
			return x
		}
		r := find(p)
		parent[x] = r
		return r
	}
	byID := map[string]*store.Incident{}
	for i := range in.Incidents {
		byID[in.Incidents[i].ID] = &in.Incidents[i]
	}
	ids := make([]string, 0, len(reps))
	grouped := map[string]bool{}
	for id, r := range reps {
		ids = append(ids, id)
		grouped[id], grouped[r.Of] = true, true
	}
	sort.Strings(ids)
	for _, id := range ids {
		ra, rb := find(id), find(reps[id].Of)
		if ra != rb {
			// keep the earliest incident as the root
			if earlier(byID[ra], byID[rb]) {
				parent[rb] = ra
			} else {
				parent[ra] = rb
			}
		}
	}
	type groupAgg struct {
		root             string
		incidents        []*store.Incident
		repeats          int
		byTitle, byTheme bool
	}
	groups := make([]map[string]*groupAgg, len(ps.All))
	for i := range groups {
		groups[i] = map[string]*groupAgg{}
	}
	for i := range in.Incidents {
		inc := &in.Incidents[i]
		if response.Merged(inc) || inc.CreatedAt.After(ps.Now) {
			continue
		}
		rep, isRep := reps[inc.ID]
		inGroup := grouped[inc.ID]
		ps.Of(inc.CreatedAt, func(p int) {
			total[p]++
			if isRep {
				repeats[p]++
				bySvc[p][response.ServiceOf(inc)]++
				bySev[p][response.Severity(inc.Severity)]++
			}
			if p == 0 || !(isRep || inGroup) {
				return
			}
			root := find(inc.ID)
			g := groups[p][root]
			if g == nil {
				g = &groupAgg{root: root}
				groups[p][root] = g
			}
			g.incidents = append(g.incidents, inc)
			if isRep {
				g.repeats++
				g.byTitle = g.byTitle || rep.ByTitle
				g.byTheme = g.byTheme || rep.ByTheme
			}
		})
	}
	var items []store.AnalysisItem
	for p, per := range ps.All {
		s.Add(metrics.RepeatIncidentRatio, calc.Ratio(repeats[p], total[p]), "period", per.Label)
		svcs := make([]string, 0, len(bySvc[p]))
		for k := range bySvc[p] {
			svcs = append(svcs, k)
		}
		sort.Strings(svcs)
		for _, svc := range svcs {
			s.Add(metrics.RecurringIncidents, float64(bySvc[p][svc]), "period", per.Label, "service", svc)
		}
		for _, sev := range response.Severities() {
			s.Add(metrics.RecurringIncidentsBySeverity, float64(bySev[p][sev]), "period", per.Label, "severity", sev)
		}
		if n := bySev[p][store.SeverityUnknown]; n > 0 {
			s.Add(metrics.RecurringIncidentsBySeverity, float64(n), "period", per.Label, "severity", store.SeverityUnknown)
		}
		if p == 0 {
			continue
		}
		var gs []*groupAgg
		for _, g := range groups[p] {
			if g.repeats > 0 {
				gs = append(gs, g)
			}
		}
		sort.Slice(gs, func(i, j int) bool {
			if len(gs[i].incidents) != len(gs[j].incidents) {
				return len(gs[i].incidents) > len(gs[j].incidents)
			}
			return gs[i].root < gs[j].root
		})
		for r, g := range gs[:min(len(gs), in.MaxGroups)] {
			last := g.incidents[len(g.incidents)-1]
			var listed []string
			for _, inc := range g.incidents[:min(len(g.incidents), 10)] {
				listed = append(listed, inc.ID)
			}
			reason := "title"
			switch {
			case g.byTitle && g.byTheme:
				reason = "title+theme"
			case g.byTheme:
				reason = "theme"
			}
			items = append(items, store.AnalysisItem{
				Analysis: "recurrence", Kind: "recurring_group", Period: per.Label, Key: g.root,
				Team: response.TeamOf(last), Service: response.ServiceOf(last), Rank: r, Value: float64(len(g.incidents)),
				Fields: []store.Field{
					{Name: "title", Value: last.Title}, {Name: "severity", Value: last.Severity},
					{Name: "repeats", Value: itoa(g.repeats)}, {Name: "incidents", Value: strings.Join(listed, ",")},
					{Name: "first_at", Value: g.incidents[0].CreatedAt.UTC().Format(time.RFC3339)},
					{Name: "last_at", Value: last.CreatedAt.UTC().Format(time.RFC3339)},
					{Name: "reason", Value: reason}, {Name: "url", Value: last.URL},
				},
			})
		}
	}
	return s.Results, items
}

func earlier(a, b *store.Incident) bool {
	if a == nil || b == nil {
		return a != nil
	}
	if !a.CreatedAt.Equal(b.CreatedAt) {
		return a.CreatedAt.Before(b.CreatedAt)
	}
	return a.ID < b.ID
}

func itoa(n int) string { return calc.FormatLe(float64(n)) }
