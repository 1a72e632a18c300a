// Package recurrence finds incidents that repeat an earlier one on the same
// service within a window: the same contributing-factor theme (through
// their postmortems), or a near-duplicate title (the same alert with other
// hosts, numbers or regions).
package recurrence

import (
	"context"
	"fmt"
	"hash/fnv"
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
	// Incidents are Find's input held in memory (Compute streams them from
	// the store instead).
	Incidents []store.Incident
	// Themes maps an incident id to the themes of its postmortems' factors.
	Themes  map[string][]string
	Window  time.Duration // default 30 days
	Periods calc.Periods
	// Teams maps stored team names onto their labels (see store.Scope).
	Teams map[string]string
	// MaxGroups caps the recurring groups listed per month; default 50.
	MaxGroups int
	// Since, when set, limits the search to repeats created at or after it
	// (earlier incidents still count as what they repeat).
	Since time.Time
	// MinJaccard is the token-set similarity at which two titles whose
	// masked forms differ are still near-duplicates; default 0.8.
	MinJaccard float64
}

func (in Input) withDefaults() Input {
	if in.Window <= 0 {
		in.Window = 30 * 24 * time.Hour
	}
	if in.MinJaccard <= 0 {
		in.MinJaccard = 0.8
	}
	if in.MaxGroups <= 0 {
		in.MaxGroups = 50
	}
	return in
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
	idx     int32 // position in the stream
	id      string
	service string
	created time.Time
	sig     string
	set     []uint32
	themes  []string
}

// finder finds repeats among incidents that arrive ordered by service,
// creation and id, holding only the current service's incidents within the
// window.
type finder struct {
	in     Input
	titles *Titles
	window []entry // the current service's, oldest first
	// masked holds the current service's titles already masked (an alert
	// repeats its title): signature and token set, shared read-only.
	masked map[string]maskedTitle
}

type maskedTitle struct {
	sig string
	set []uint32
}

// add takes the next incident (idx: its position in the stream) and says
// whether it repeats one, which (of: that one's position), and how.
func (f *finder) add(idx int32, id, service, title string, created time.Time) (rep Repeat, of int32, ok bool) {
	if len(f.window) > 0 && f.window[0].service != service {
		f.window = f.window[:0]
		f.masked = nil
	}
	// Incidents more than the window before this one can repeat nothing
	// that follows (the stream is in creation order).
	drop := 0
	for drop < len(f.window) && created.Sub(f.window[drop].created) > f.in.Window {
		drop++
	}
	f.window = append(f.window[:0], f.window[drop:]...)
	m, ok := f.masked[title]
	if !ok {
		toks := f.titles.Tokens(title)
		m = maskedTitle{sig: strings.Join(toks, " "), set: f.titles.set(toks)}
		if f.masked == nil {
			f.masked = map[string]maskedTitle{}
		}
		f.masked[title] = m
	}
	b := entry{idx: idx, id: id, service: service, created: created, sig: m.sig, set: m.set, themes: f.in.Themes[id]}
	of = -1
	for j := len(f.window) - 1; j >= 0; j-- {
		a := &f.window[j]
		byTitle := a.sig == b.sig || jaccard(a.set, b.set) >= f.in.MinJaccard
		byTheme := shareTheme(a.themes, b.themes)
		if !byTitle && !byTheme {
			continue
		}
		if rep.Of == "" {
			rep.Of, of = a.id, a.idx
		}
		rep.ByTitle = rep.ByTitle || byTitle
		rep.ByTheme = rep.ByTheme || byTheme
		if rep.ByTitle && (rep.ByTheme || len(b.themes) == 0) {
			break
		}
	}
	f.window = append(f.window, b)
	return rep, of, rep.Of != ""
}

// Find returns the repeats among incidents held in memory (merged ones
// excluded), keyed by incident id. (The analysis run streams the
// incidents from the store through the same finder.)
func Find(in Input) map[string]Repeat {
	in = in.withDefaults()
	incs := in.Incidents
	var names []string
	var list []*store.Incident
	for i := range incs {
		inc := &incs[i]
		names = append(names, inc.ServiceName)
		if response.Merged(inc) || (!in.Since.IsZero() && inc.CreatedAt.Before(in.Since.Add(-in.Window))) {
			continue
		}
		list = append(list, inc)
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if sa, sb := response.ServiceOf(a), response.ServiceOf(b); sa != sb {
			return sa < sb
		}
		if !a.CreatedAt.Equal(b.CreatedAt) {
			return a.CreatedAt.Before(b.CreatedAt)
		}
		return a.ID < b.ID
	})
	f := &finder{in: in, titles: NewTitles(names)}
	out := map[string]Repeat{}
	for i, inc := range list {
		if rep, _, ok := f.add(int32(i), inc.ID, response.ServiceOf(inc), inc.Title, inc.CreatedAt); ok {
			out[inc.ID] = rep
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

// Compute returns the results and digest items of the "recurrence"
// analysis. The incidents stream from the store twice in one order (by
// service, creation and id): once to find the repeats, holding one
// service's window of incidents and, per incident, only what it repeats
// (a position in the stream) and a hash of its id; once to count them and
// gather the groups, each holding its first ten ids and last incident. A
// group's root is its earliest incident, which in this order is its
// lowest position.
func Compute(ctx context.Context, st *store.Store, in Input) ([]store.Result, []store.AnalysisItem, error) {
	in = in.withDefaults()
	if in.Since.IsZero() {
		in.Since = in.Periods.Start()
	}
	ps := in.Periods
	sc := ps.Scope(in.Teams)
	names, err := st.ServiceNames(ctx)
	if err != nil {
		return nil, nil, err
	}
	from := in.Since.Add(-in.Window)
	if start := ps.Start(); start.Before(from) {
		from = start // the counts cover every period
	}
	f := &finder{in: in, titles: NewTitles(names)}
	var (
		hashes []uint64 // of each incident's id, to check the second pass
		repOf  []int32  // what each incident repeats; -1: none
		how    []uint8  // 1: by title, 2: by theme
	)
	err = st.StreamIncidentTitles(ctx, sc, from, func(id, service, title string, created time.Time) error {
		i := int32(len(hashes))
		hashes = append(hashes, idHash(id))
		of, flags := int32(-1), uint8(0)
		if rep, o, ok := f.add(i, id, service, title, created); ok {
			of = o
			if rep.ByTitle {
				flags |= 1
			}
			if rep.ByTheme {
				flags |= 2
			}
		}
		repOf, how = append(repOf, of), append(how, flags)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	f.window = nil
	// Groups: union of each repeat with the incident it repeats, the
	// earliest (lowest position) as the root.
	n := len(hashes)
	parent := make([]int32, n)
	grouped := make([]bool, n)
	for i := range parent {
		parent[i] = int32(i)
	}
	var find func(int32) int32
	find = func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for i, of := range repOf {
		if of < 0 {
			continue
		}
		grouped[i], grouped[of] = true, true
		ra, rb := find(int32(i)), find(of)
		if ra != rb {
			parent[max(ra, rb)] = min(ra, rb)
		}
	}
	s := calc.Sink{}
	total := make([]int, len(ps.All))
	repeats := make([]int, len(ps.All))
	bySvc := make([]map[string]int, len(ps.All))
	bySev := make([]map[string]int, len(ps.All))
	for i := range bySvc {
		bySvc[i] = map[string]int{}
		bySev[i] = map[string]int{}
	}
	type groupAgg struct {
		root             string
		n                int
		listed           []string
		first            time.Time
		last             store.IncidentHead
		repeats          int
		byTitle, byTheme bool
	}
	groups := make([]map[int32]*groupAgg, len(ps.All))
	for i := range groups {
		groups[i] = map[int32]*groupAgg{}
	}
	rootID := map[int32]string{}
	i := 0
	err = st.StreamIncidents(ctx, sc, from, func(inc store.IncidentHead) error {
		if i >= n || idHash(inc.ID) != hashes[i] {
			return fmt.Errorf("recurrence: the incidents changed between the two reads (at %s); the next run reads them again", inc.ID)
		}
		idx := int32(i)
		i++
		if grouped[idx] && find(idx) == idx {
			rootID[idx] = inc.ID
		}
		if inc.CreatedAt.After(ps.Now) {
			return nil
		}
		isRep := repOf[idx] >= 0
		ps.Of(inc.CreatedAt, func(p int) {
			total[p]++
			if isRep {
				repeats[p]++
				bySvc[p][inc.Service]++
				bySev[p][response.Severity(inc.Severity)]++
			}
			if p == 0 || !grouped[idx] {
				return
			}
			root := find(idx)
			g := groups[p][root]
			if g == nil {
				g = &groupAgg{root: rootID[root], first: inc.CreatedAt}
				groups[p][root] = g
			}
			g.n++
			if len(g.listed) < 10 {
				g.listed = append(g.listed, inc.ID)
			}
			g.last = inc
			if isRep {
				g.repeats++
				g.byTitle = g.byTitle || how[idx]&1 != 0
				g.byTheme = g.byTheme || how[idx]&2 != 0
			}
		})
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if i != n {
		return nil, nil, fmt.Errorf("recurrence: the incidents changed between the two reads (%d, then %d); the next run reads them again", n, i)
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
			if gs[i].n != gs[j].n {
				return gs[i].n > gs[j].n
			}
			return gs[i].root < gs[j].root
		})
		for r, g := range gs[:min(len(gs), in.MaxGroups)] {
			last := g.last
			reason := "title"
			switch {
			case g.byTitle && g.byTheme:
				reason = "title+theme"
			case g.byTheme:
				reason = "theme"
			}
			items = append(items, store.AnalysisItem{
				Analysis: "recurrence", Kind: "recurring_group", Period: per.Label, Key: g.root,
				Team: last.Team, Service: last.Service, Rank: r, Value: float64(g.n),
				Fields: []store.Field{
					{Name: "title", Value: last.Title}, {Name: "severity", Value: last.Severity},
					{Name: "repeats", Value: itoa(g.repeats)}, {Name: "incidents", Value: strings.Join(g.listed, ",")},
					{Name: "first_at", Value: g.first.UTC().Format(time.RFC3339)},
					{Name: "last_at", Value: last.CreatedAt.UTC().Format(time.RFC3339)},
					{Name: "reason", Value: reason}, {Name: "url", Value: last.URL},
				},
			})
		}
	}
	return s.Results, items, nil
}

// idHash is the FNV-1a hash of an incident id.
func idHash(id string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(id))
	return h.Sum64()
}

func itoa(n int) string { return calc.FormatLe(float64(n)) }
