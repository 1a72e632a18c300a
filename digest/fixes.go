package digest

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/aftermath-sre/aftermath/analyze"
	"github.com/aftermath-sre/aftermath/analyze/followup"
	"github.com/aftermath-sre/aftermath/metrics"
)

// FixSection answers "did the fixes hold?" for the whole history up to the
// analysis run (not only the digest's month): for each postmortem with
// action items and each theme of its factors, later incidents of the same
// service and theme while its items were open and after all closed.
type FixSection struct {
	All     FixRow
	ByKind  []FixRow // in the kinds' order
	ByTheme []FixRow // themes whose fixes held first, then by ratio
	// Held, NotHeld name the kinds whose closed-versus-open interval lies
	// below 1, and those with an interval that contains 1.
	HeldKinds, UnclearKinds []string
	// KindsAlike is true when the kinds' intervals share a point: no kind
	// of fix holds better than another beyond chance.
	KindsAlike bool
	// Pending are the fixes still owed while their failure repeats: the
	// postmortems with open action items whose service failed again for
	// one of their themes, most repeats first (the team's in a team's
	// digest).
	Pending []PendingFix
}

// PendingFix is a postmortem whose action items are not all closed while
// its service keeps failing for one of its themes.
type PendingFix struct {
	Postmortem, Title, URL string
	Theme, Team, Service   string // theme label
	Repeats                int    // since Since
	Since, LastAt          time.Time
	LastIncident           string
	OpenItems, Items       int
}

// Line reads a pending fix without its link, e.g. "checkout · configuration
// changed without validation: 7 repeats since 2 Mar 2026, the latest on
// 3 Dec 2026; 2 of 3 action items open".
func (p PendingFix) Line(loc *time.Location) string {
	out := p.Service
	if p.Theme != "" {
		out += " · " + p.Theme
	}
	out += fmt.Sprintf(": %s since %s", plural(p.Repeats, "repeat", "repeats"), dateIn(p.Since, loc, "2 Jan 2006"))
	if !p.LastAt.IsZero() {
		out += ", the latest on " + dateIn(p.LastAt, loc, "2 Jan 2006")
	}
	if p.Items > 0 {
		out += fmt.Sprintf("; %d of %s open", p.OpenItems, plural(p.Items, "action item", "action items"))
	}
	return out
}

// KindSentence reads the kinds.
func (s FixSection) KindSentence() string {
	switch {
	case len(s.HeldKinds) == 0:
		return ""
	case len(s.UnclearKinds) == 0 && s.KindsAlike:
		return "Every kind of item shows a lower repeat rate (repeats per 30 days) after closing, and their intervals overlap: no kind of fix holds better than another."
	case s.KindsAlike:
		return "Fixes that held: postmortems with " + strings.Join(s.HeldKinds, ", ") + " items; no clear difference for " +
			strings.Join(s.UnclearKinds, ", ") + ". The kinds' intervals overlap, so none is shown to hold better than another."
	}
	out := "Fixes that held: postmortems with " + strings.Join(s.HeldKinds, ", ") + " items."
	if len(s.UnclearKinds) > 0 {
		out += " No clear difference: " + strings.Join(s.UnclearKinds, ", ") + "."
	}
	return out
}

// FixRow is one breakdown's tally and rate ratio.
type FixRow struct {
	Name                       string // kind, theme label, or "All"
	Held, Failed, Open         int    // (postmortem, theme) pairs
	OpenRepeats, ClosedRepeats int
	// OpenRate and ClosedRate are repeats per 30 days of exposure.
	OpenRate, ClosedRate float64
	// Ratio is ClosedRate over OpenRate with its 95% interval; HasRatio is
	// false when there is nothing to compare.
	HasRatio            bool
	Ratio, Lower, Upper float64 // Ratio/Upper +Inf when unbounded
}

// Verdict reads the interval: "held" below 1, "worse" above 1, "no clear
// change" around 1, "too few repeats" when it is unbounded (no repeat
// while the items were open), "no data" without one.
func (r FixRow) Verdict() string {
	switch {
	case !r.HasRatio:
		return "no data"
	case math.IsInf(r.Upper, 1):
		return "too few repeats"
	case r.Upper < 1:
		return "held"
	case r.Lower > 1:
		return "worse"
	}
	return "no clear change"
}

// Interval formats the ratio and its interval, e.g. "0.12 (0.03–0.45)".
func (r FixRow) Interval() string {
	if !r.HasRatio || math.IsInf(r.Upper, 1) {
		return "–" // nothing to read: see Verdict
	}
	return fmt.Sprintf("%s (%s–%s)", fixRatioText(r.Ratio), fixRatioText(r.Lower), fixRatioText(r.Upper))
}

// Rates formats the two phases' repeat rates per 30 days.
func (r FixRow) Rates() string {
	return fmt.Sprintf("%s → %s", rateText(r.OpenRate), rateText(r.ClosedRate))
}

func fixRatioText(v float64) string {
	if math.IsInf(v, 1) {
		return "∞"
	}
	if v >= 10 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func rateText(v float64) string { return fmt.Sprintf("%.2f", v) }

// countText groups a count's digits like the digest's other counts ("1,755").
func countText(n int) string { return formatThousands(float64(n)) }

// Known reports whether the run wrote the section's results.
func (s FixSection) Known() bool { return s.All.Held+s.All.Failed+s.All.Open > 0 }

// Sentence is the section's reading for a leader.
func (s FixSection) Sentence() string {
	if !s.Known() {
		return ""
	}
	// Quoted: a theme's label can hold commas and a colon ("load beyond
	// capacity: retries, requests"), which a plain list would run together.
	held, unclear, worse := s.themesByVerdict()
	still := "still have open items"
	if s.All.Open == 1 {
		still = "still has open items"
	}
	out := fmt.Sprintf("Of %s with every action item closed (a postmortem and one theme of its factors), %s held: the service has not failed again for that theme since; %s saw it fail again despite the closed items. %s more %s.",
		plural(s.All.Held+s.All.Failed, "fix", "fixes"), countText(s.All.Held), countText(s.All.Failed), countText(s.All.Open), still)
	if s.All.Held+s.All.Failed == 0 {
		which := "all " + countText(s.All.Open)
		if s.All.Open == 1 {
			which = "the one"
		}
		out = fmt.Sprintf("No fix (a postmortem and one theme of its factors) has every action item closed yet: %s %s.", which, still)
	}
	if len(held) > 0 {
		out += fmt.Sprintf(" Closing the items cut the repeat rate beyond chance for %s", joinAnd(firstN(held, 4)))
		if len(unclear) > 0 {
			out += fmt.Sprintf(", but made no clear difference for %s", joinAnd(firstN(unclear, 4)))
		}
		out += "."
	} else if len(unclear) > 0 && len(worse) == 0 {
		out += " Closing the items made no clear difference to the repeat rate for any theme."
	} else if len(unclear) > 0 {
		out += fmt.Sprintf(" Closing the items made no clear difference to the repeat rate for %s.", joinAnd(firstN(unclear, 4)))
	}
	if len(worse) > 0 {
		out += fmt.Sprintf(" For %s the repeat rate rose beyond chance after the items closed (weighed by the theme's own trend).", joinAnd(firstN(worse, 4)))
	}
	return out
}

// themesByVerdict splits the themes' names, quoted (a label can hold
// commas and a colon, which a plain list would run together), by their
// verdict: held beyond chance, no clear change, worse beyond chance.
func (s FixSection) themesByVerdict() (held, unclear, worse []string) {
	for _, t := range s.ByTheme {
		switch t.Verdict() {
		case "held":
			held = append(held, quoted(t.Name))
		case "no clear change":
			unclear = append(unclear, quoted(t.Name))
		case "worse":
			worse = append(worse, quoted(t.Name))
		}
	}
	return held, unclear, worse
}

func firstN(xs []string, n int) []string {
	if len(xs) <= n {
		return xs
	}
	return append(append([]string(nil), xs[:n]...), fmt.Sprintf("%d more", len(xs)-n))
}

func (b *builder) fixRow(name string, l L) (FixRow, bool) {
	r := FixRow{Name: name}
	get := func(f metrics.Family, k, v string) float64 {
		ll := L{"theme": l["theme"], "kind": l["kind"], "team": l["team"], k: v}
		x, _ := b.res.value(f, ll)
		return x
	}
	held, ok := b.res.value(metrics.FixPostmortemThemes, L{"theme": l["theme"], "kind": l["kind"], "team": l["team"], "state": analyze.FixHeld})
	if !ok {
		return r, false
	}
	r.Held = int(held)
	r.Failed = int(get(metrics.FixPostmortemThemes, "state", analyze.FixFailed))
	r.Open = int(get(metrics.FixPostmortemThemes, "state", analyze.FixOpen))
	r.OpenRepeats = int(get(metrics.FixRepeats, "phase", analyze.PhaseOpen))
	r.ClosedRepeats = int(get(metrics.FixRepeats, "phase", analyze.PhaseClosed))
	const per30d = 30 * 86400
	if e := get(metrics.FixExposureSeconds, "phase", analyze.PhaseOpen); e > 0 {
		r.OpenRate = float64(r.OpenRepeats) / e * per30d
	}
	if e := get(metrics.FixExposureSeconds, "phase", analyze.PhaseClosed); e > 0 {
		r.ClosedRate = float64(r.ClosedRepeats) / e * per30d
	}
	lo, okLo := b.res.value(metrics.FixRepeatRateRatio, L{"theme": l["theme"], "kind": l["kind"], "team": l["team"], "stat": analyze.StatLower})
	if okLo {
		r.HasRatio, r.Lower = true, lo
		r.Ratio, r.Upper = math.Inf(1), math.Inf(1)
		if v, ok := b.res.value(metrics.FixRepeatRateRatio, L{"theme": l["theme"], "kind": l["kind"], "team": l["team"], "stat": analyze.StatEstimate}); ok {
			r.Ratio = v
		}
		if v, ok := b.res.value(metrics.FixRepeatRateRatio, L{"theme": l["theme"], "kind": l["kind"], "team": l["team"], "stat": analyze.StatUpper}); ok {
			r.Upper = v
		}
	}
	return r, true
}

// fixSection reads the fixes results (organization-wide).
func (b *builder) fixSection() FixSection {
	var s FixSection
	all, ok := b.fixRow("All (every item)", L{})
	if !ok {
		return s
	}
	s.All = all
	kinds := b.res.labelValues(metrics.FixPostmortemThemes, "kind", nil)
	order := map[string]int{}
	for i, k := range append(followup.Kinds, followup.Unknown) {
		order[string(k)] = i
	}
	sort.Slice(kinds, func(i, j int) bool { return order[kinds[i]] < order[kinds[j]] })
	for _, k := range kinds {
		if k == "" {
			continue
		}
		if r, ok := b.fixRow(k, L{"kind": k}); ok {
			s.ByKind = append(s.ByKind, r)
			switch r.Verdict() {
			case "held":
				s.HeldKinds = append(s.HeldKinds, k)
			case "no clear change", "worse":
				s.UnclearKinds = append(s.UnclearKinds, k)
			}
		}
	}
	lo, hi, n := 0.0, math.Inf(1), 0
	for _, r := range s.ByKind {
		if r.HasRatio {
			lo, hi, n = math.Max(lo, r.Lower), math.Min(hi, r.Upper), n+1
		}
	}
	s.KindsAlike = n > 1 && lo <= hi
	for _, th := range b.res.labelValues(metrics.FixPostmortemThemes, "theme", nil) {
		if th == "" {
			continue
		}
		if r, ok := b.fixRow(b.themeLabel(th), L{"theme": th}); ok {
			s.ByTheme = append(s.ByTheme, r)
		}
	}
	rank := map[string]int{"held": 0, "no clear change": 1, "worse": 2, "too few repeats": 3, "no data": 4}
	sort.SliceStable(s.ByTheme, func(i, j int) bool {
		a, c := s.ByTheme[i], s.ByTheme[j]
		if rank[a.Verdict()] != rank[c.Verdict()] {
			return rank[a.Verdict()] < rank[c.Verdict()]
		}
		if a.HasRatio && c.HasRatio && a.Upper != c.Upper {
			return a.Upper < c.Upper
		}
		return a.Name < c.Name
	})
	return s
}

// ThemeCostSection ranks the month's contributing-factor themes by the
// error budget their incidents' downtime burned, over all services with an
// SLO (their budgets for the month added up).
type ThemeCostSection struct {
	Month  string
	Themes []ThemeCost // most budget first
	// Consumed is the share of the month's budget all downtime burned.
	Consumed float64
	HasCost  bool
	// QuarterMonths are the months (the digest's and up to two before,
	// those the run covers) of each theme's Quarter share.
	QuarterMonths []string
}

// QuarterName names the quarter's months, e.g. "October–December 2025".
func (s ThemeCostSection) QuarterName() string {
	switch len(s.QuarterMonths) {
	case 0:
		return ""
	case 1:
		return monthName(s.QuarterMonths[0])
	}
	first, last := monthName(s.QuarterMonths[0]), monthName(s.QuarterMonths[len(s.QuarterMonths)-1])
	if f, l := strings.Fields(first), strings.Fields(last); len(f) == 2 && len(l) == 2 && f[1] == l[1] {
		first = f[0]
	}
	return first + "–" + last
}

// ThemeCost is one theme's share of the month's downtime and budget.
type ThemeCost struct {
	Theme, Label string
	Downtime     float64 // seconds
	Budget       float64 // share of the month's error budget
	Spend        float64 // share of the month's downtime
	Cost         float64
	HasCost      bool
	// Quarter is the theme's share of the error budget of QuarterMonths
	// together.
	Quarter float64
}

// Known reports whether the month or the months before it have
// attributed downtime.
func (s ThemeCostSection) Known() bool { return len(s.Themes) > 0 }

func costLabel(b *builder, th string) string {
	switch th {
	case analyze.ThemeNoPostmortem:
		return "incidents without a postmortem"
	case analyze.ThemeUnthemed:
		return "postmortems without a themed factor"
	}
	return b.themeLabel(th)
}

func (b *builder) themeCost() ThemeCostSection {
	s := ThemeCostSection{Month: b.month}
	var total float64
	for _, row := range b.res.rows(metrics.ThemeErrorBudgetConsumedRatio, L{"period": b.month}) {
		if row.Label("service") != "" {
			continue
		}
		th := row.Label("theme")
		tc := ThemeCost{Theme: th, Label: costLabel(b, th), Budget: row.Value}
		tc.Downtime, _ = b.res.value(metrics.ThemeDowntimeSeconds, L{"period": b.month, "theme": th})
		tc.Cost, tc.HasCost = b.res.value(metrics.ThemeDowntimeCost, L{"period": b.month, "theme": th})
		s.HasCost = s.HasCost || tc.HasCost
		total += tc.Downtime
		s.Consumed += tc.Budget
		s.Themes = append(s.Themes, tc)
	}
	for i := range s.Themes {
		if total > 0 {
			s.Themes[i].Spend = s.Themes[i].Downtime / total
		}
	}
	// The quarter: the theme's downtime in the months over their budgets
	// (each SLO's 1 - objective times the month's length, added up).
	var budget float64
	var services []string
	for _, svc := range b.res.labelValues(metrics.SLOObjectiveRatio, "service", nil) {
		if svc != "" {
			services = append(services, svc)
		}
	}
	secs := map[string]float64{}
	for i := 2; i >= 0; i-- {
		m := addMonths(b.month, -i)
		if !b.incidentsKnown(m) {
			continue
		}
		s.QuarterMonths = append(s.QuarterMonths, m)
		for _, svc := range services {
			for _, w := range b.res.labelValues(metrics.SLOObjectiveRatio, "window", L{"service": svc}) {
				if obj, ok := b.res.value(metrics.SLOObjectiveRatio, L{"service": svc, "window": w}); ok && obj > 0 && obj < 1 {
					budget += (1 - obj) * b.monthSeconds(m)
				}
			}
		}
		for _, row := range b.res.rows(metrics.ThemeDowntimeSeconds, L{"period": m}) {
			if row.Label("service") == "" {
				secs[row.Label("theme")] += row.Value
			}
		}
	}
	// Themes with downtime in the earlier months only are listed too.
	listed := map[string]bool{}
	for _, t := range s.Themes {
		listed[t.Theme] = true
	}
	for _, th := range sortedNames(secs) {
		if !listed[th] {
			s.Themes = append(s.Themes, ThemeCost{Theme: th, Label: costLabel(b, th)})
		}
	}
	if budget > 0 {
		for i := range s.Themes {
			s.Themes[i].Quarter = secs[s.Themes[i].Theme] / budget
		}
	}
	sort.Slice(s.Themes, func(i, j int) bool {
		a, c := s.Themes[i], s.Themes[j]
		if a.Budget != c.Budget {
			return a.Budget > c.Budget
		}
		if a.Quarter != c.Quarter {
			return a.Quarter > c.Quarter
		}
		return a.Theme < c.Theme
	})
	return s
}

func sortedNames(m map[string]float64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// themeCostSummary is the two-minute sentence, e.g. "Configuration
// changes cost 41% of October 2026's error budget (58% of the downtime).".
// The top entry that is a theme is named; downtime no theme explains is
// named only when it leads.
func themeCostSummary(d *Digest) string {
	s := d.ThemeCost
	if !s.Known() || s.Themes[0].Budget <= 0 {
		return ""
	}
	top := s.Themes[0]
	name := top.Label
	if top.Theme == analyze.ThemeNoPostmortem || top.Theme == analyze.ThemeUnthemed {
		name = "Downtime of " + name
	}
	out := fmt.Sprintf("%s cost %s of %s's error budget (%s of the downtime of services with an SLO)",
		capitalize(name), formatPercent(top.Budget), d.MonthName, formatPercent(top.Spend))
	if len(s.QuarterMonths) > 1 {
		out += fmt.Sprintf(", and %s of %s's", formatPercent(top.Quarter), s.QuarterName())
	}
	if len(s.Themes) > 1 && s.Themes[1].Budget > 0 {
		out += fmt.Sprintf("; next, %s cost %s", s.Themes[1].Label, formatPercent(s.Themes[1].Budget))
	}
	return out + "."
}

// fixesAndCostHTML renders the two sections (their own template, escaped
// by html/template).
func fixesAndCostHTML(d *Digest) (template.HTML, error) {
	loc := d.location()
	pendingLine := func(p PendingFix) string { return p.Line(loc) }
	t, err := template.New("fixes").Funcs(template.FuncMap{"pct": formatPercent, "join": strings.Join, "dur": formatDuration, "money": formatThousands,
		"pendingLine": pendingLine, "count": countText,
		// nobreak keeps an interval's bounds together ("(0.81–0.99)") when a
		// narrow cell wraps.
		"nobreak": func(s string) string { return strings.ReplaceAll(s, "–", "\u2060–\u2060") }}).Parse(fixesTmpl)
	if err != nil {
		return "", fmt.Errorf("digest: parse fixes template: %w", err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, d); err != nil {
		return "", fmt.Errorf("digest: render fixes: %w", err)
	}
	return template.HTML(buf.String()), nil
}

const fixesTmpl = `{{with .ThemeCost}}{{if .Known}}<section class="card" id="theme-cost" aria-labelledby="h-cost">
<h2 id="h-cost">What each theme cost</h2>
<p class="lede">{{$.MonthName}}'s customer-impacting downtime of the services with an SLO, attributed to the themes of the incidents' postmortems: overlapping incidents share each minute evenly, an incident's share splits evenly over its postmortems' themes. Budget is the month's error budget of those services added up; all downtime burned {{pct .Consumed}} of it.{{if gt (len .QuarterMonths) 1}} The {{len .QuarterMonths}}-month column is the same over {{.QuarterName}}.{{end}}</p>
<div class="tw"><table><thead><tr><th>Theme</th><th class="num">Budget burned</th>{{if gt (len .QuarterMonths) 1}}<th class="num" title="{{.QuarterName}}">{{len .QuarterMonths}} months</th>{{end}}<th class="num hide-sm">Share of downtime</th><th class="num hide-sm">Downtime</th>{{if .HasCost}}<th class="num hide-sm">Cost</th>{{end}}</tr></thead>
<tbody>{{range .Themes}}<tr><td class="name">{{.Label}}</td><td class="num"><strong>{{pct .Budget}}</strong></td>{{if gt (len $.ThemeCost.QuarterMonths) 1}}<td class="num">{{pct .Quarter}}</td>{{end}}<td class="num hide-sm">{{pct .Spend}}</td><td class="num hide-sm">{{dur .Downtime}}</td>{{if $.ThemeCost.HasCost}}<td class="num hide-sm">{{if .HasCost}}{{money .Cost}}{{end}}</td>{{end}}</tr>
{{end}}</tbody></table></div>
</section>
{{end}}{{end}}{{with .Fixes}}{{if .Known}}<section class="card" id="fixes" aria-labelledby="h-fixes">
<h2 id="h-fixes">Did the fixes hold?</h2>
<p class="lede">For each postmortem with action items and each theme of its contributing factors: later incidents of the same service and theme while its items were open, and after all were closed (the whole history up to the analysis run). The ratio is the repeat rate (repeats per 30 days of exposure) after closing over the rate while open, each postmortem compared with itself and each phase weighed by the theme's own trend over time (so the ratio can disagree with the two raw rates beside it), with its 95% interval: below 1 throughout, the fixes held beyond chance; an interval around 1, closing the items made no clear difference; above 1 throughout, repeats rose after closing. The repeat counts alone do not compare: the time after closing and the time open differ in length.</p>
<p>{{.Sentence}}</p>
<h3>By action-item kind</h3>
{{with .KindSentence}}<p>{{.}}</p>{{end}}
<p class="muted">A postmortem counts under each kind of its action items, with its items of that kind alone: it can hold for one kind while another kind of its items is still open, so the kinds add up to more than the All row, which counts every item.</p>
<div class="tw"><table><thead><tr><th>Kind</th><th class="num hide-sm" title="all items closed, no repeat since">Held</th><th class="num hide-sm" title="all items closed, the same service failed again for the same theme">Repeated despite closed items</th><th class="num hide-sm" title="an item still open">Still open</th><th class="num">Closed ÷ open<br>(95% interval)</th><th class="num">Per 30 days,<br>open → closed</th><th class="num hide-sm">Repeats,<br>open → closed</th></tr></thead>
<tbody>{{range .ByKind}}{{template "fixrow" .}}{{end}}{{template "fixrow" .All}}</tbody></table></div>
<h3>By theme</h3>
<div class="tw"><table><thead><tr><th>Theme</th><th class="num hide-sm" title="all items closed, no repeat since">Held</th><th class="num hide-sm" title="all items closed, the same service failed again for the same theme">Repeated despite closed items</th><th class="num hide-sm" title="an item still open">Still open</th><th class="num">Closed ÷ open<br>(95% interval)</th><th class="num">Per 30 days,<br>open → closed</th><th class="num hide-sm">Repeats,<br>open → closed</th></tr></thead>
<tbody>{{range .ByTheme}}{{template "fixrow" .}}{{end}}</tbody></table></div>
{{with .Pending}}<h3>Still failing while the fixes are open</h3>
{{template "pending" .}}{{end}}
</section>
{{else}}{{with .Pending}}<section class="card" id="pending-fixes" aria-labelledby="h-pending">
<h2 id="h-pending">Still failing while the fixes are open</h2>
{{template "pending" .}}
</section>
{{end}}{{end}}{{end}}
{{- define "pending"}}<p>Postmortems with action items still open whose service failed again for the same theme since, most repeats first.</p>
<ul class="plain">{{range .}}<li><strong>{{if .URL}}<a href="{{.URL}}">{{.Postmortem}}</a>{{else}}{{.Postmortem}}{{end}}{{with .Title}} · {{.}}{{end}}</strong> <span class="pill bad">{{.Repeats}} {{if eq .Repeats 1}}repeat{{else}}repeats{{end}}</span><br><span class="muted">{{pendingLine .}}</span></li>{{end}}</ul>
{{end}}
{{- define "fixrow"}}<tr><td class="name">{{.Name}}</td><td class="num hide-sm">{{count .Held}}</td><td class="num hide-sm">{{count .Failed}}</td><td class="num hide-sm">{{count .Open}}</td><td class="num wrap"><strong>{{nobreak .Interval}}</strong><br>{{with .Verdict}}<span class="pill{{if eq . "held"}} good{{else if eq . "worse"}} bad{{end}}">{{.}}</span>{{end}}</td><td class="num wrap">{{.Rates}}</td><td class="num hide-sm">{{count .OpenRepeats}} → {{count .ClosedRepeats}}</td></tr>
{{end}}`

// writeFixesAndCost writes the two sections in Markdown.
func writeFixesAndCost(w *mdWriter, d *Digest) {
	if s := d.ThemeCost; s.Known() {
		w.p("## What each theme cost")
		w.p("")
		w.p("%s's customer-impacting downtime of the services with an SLO, attributed to the themes of the incidents' postmortems (overlapping incidents share each minute evenly; an incident's share splits evenly over its postmortems' themes). Budget is the month's error budget of those services added up; all downtime burned %s of it.%s", d.MonthName, formatPercent(s.Consumed), quarterNote(s))
		w.p("")
		quarter := len(s.QuarterMonths) > 1
		head := "| Theme | Budget burned |"
		sep := "|---|---:|"
		if quarter {
			head += " " + s.QuarterName() + " |"
			sep += "---:|"
		}
		head += " Share of downtime | Downtime |"
		sep += "---:|---:|"
		if s.HasCost {
			head += " Cost |"
			sep += "---:|"
		}
		w.p("%s", head)
		w.p("%s", sep)
		for _, t := range s.Themes {
			line := fmt.Sprintf("| %s | **%s** |", md(t.Label), formatPercent(t.Budget))
			if quarter {
				line += " " + formatPercent(t.Quarter) + " |"
			}
			line += fmt.Sprintf(" %s | %s |", formatPercent(t.Spend), formatDuration(t.Downtime))
			if s.HasCost {
				c := ""
				if t.HasCost {
					c = formatThousands(t.Cost)
				}
				line += " " + c + " |"
			}
			w.p("%s", line)
		}
		w.p("")
	}
	if s := d.Fixes; s.Known() {
		w.p("## Did the fixes hold?")
		w.p("")
		w.p("For each postmortem with action items and each theme of its contributing factors: later incidents of the same service and theme while its items were open, and after all were closed (the whole history up to the analysis run). The ratio is the repeat rate (repeats per 30 days of exposure) after closing over the rate while open, each postmortem compared with itself and each phase weighed by the theme's own trend over time (so the ratio can disagree with the two raw rates beside it), with its 95%% interval: below 1 throughout, the fixes held beyond chance; around 1, closing the items made no clear difference; above 1 throughout, repeats rose after closing. The repeat counts alone do not compare: the time after closing and the time open differ in length.")
		w.p("")
		w.p("%s", md(s.Sentence()))
		w.p("")
		table := func(first string, rows []FixRow) {
			w.p("| %s | Held | Repeated despite closed items | Still open | Closed ÷ open (95%% interval) | Reading | Per 30 days, open → closed | Repeats, open → closed |", first)
			w.p("|---|---:|---:|---:|---:|---|---:|---:|")
			for _, r := range rows {
				w.p("| %s | %s | %s | %s | %s | %s | %s | %s → %s |", md(r.Name), countText(r.Held), countText(r.Failed), countText(r.Open), r.Interval(), r.Verdict(),
					r.Rates(), countText(r.OpenRepeats), countText(r.ClosedRepeats))
			}
			w.p("")
		}
		w.p("### By action-item kind")
		w.p("")
		if k := s.KindSentence(); k != "" {
			w.p("%s", md(k))
			w.p("")
		}
		w.p("%s", "A postmortem counts under each kind of its action items, with its items of that kind alone: it can hold for one kind while another kind of its items is still open, so the kinds add up to more than the All row, which counts every item.")
		w.p("")
		table("Kind", append(append([]FixRow(nil), s.ByKind...), s.All))
		w.p("### By theme")
		w.p("")
		table("Theme", s.ByTheme)
	}
	if s := d.Fixes; len(s.Pending) > 0 {
		if s.Known() {
			w.p("### Still failing while the fixes are open")
		} else {
			w.p("## Still failing while the fixes are open")
		}
		w.p("")
		w.p("Postmortems with action items still open whose service failed again for the same theme since, most repeats first:")
		w.p("")
		for _, p := range s.Pending {
			name := p.Postmortem
			if p.Title != "" {
				name += " · " + p.Title
			}
			w.p("- %s · %s", mdLink(name, p.URL), md(p.Line(d.location())))
		}
		w.p("")
	}
}

// fixesSummary is the two-minute sentence on the fixes: the themes whose
// fixes held, named only when at least one held beyond chance (otherwise
// the section says it), and the postmortem whose failure repeats most while
// its action items are open.
func fixesSummary(s FixSection, loc *time.Location) string {
	out := heldSummary(s)
	if len(s.Pending) == 0 {
		return out
	}
	p := s.Pending[0]
	pending := fmt.Sprintf("The failure that repeats most while its fixes are open: %s (%s), %s since %s, with %d of %s still open.",
		p.Postmortem, p.Service, plural(p.Repeats, "repeat", "repeats"), dateIn(p.Since, loc, "2 Jan 2006"), p.OpenItems, plural(p.Items, "action item", "action items"))
	if out == "" {
		return pending
	}
	return out + " " + pending
}

// heldSummary names the themes whose fixes held beyond chance ("" when
// none did).
func heldSummary(s FixSection) string {
	held, unclear, worse := s.themesByVerdict()
	if len(held) == 0 {
		return ""
	}
	named := joinAnd(held)
	if len(held) > 2 {
		named = "among them " + joinAnd(held[:2])
	}
	out := fmt.Sprintf("Closing postmortem action items cut repeat failures beyond chance for %s (%s)",
		plural(len(held), "theme", "themes"), named)
	switch len(unclear) {
	case 0:
	case 1:
		out += fmt.Sprintf("; for 1 other (%s) it made no clear difference", unclear[0])
	default:
		out += fmt.Sprintf("; for %s others (such as %s) it made no clear difference", countText(len(unclear)), unclear[0])
	}
	switch len(worse) {
	case 0:
	case 1:
		out += fmt.Sprintf("; for %s repeats rose beyond chance after closing", worse[0])
	default:
		out += fmt.Sprintf("; for %s (such as %s) repeats rose beyond chance after closing", plural(len(worse), "theme", "themes"), worse[0])
	}
	switch {
	case len(s.HeldKinds) > 0 && len(s.UnclearKinds) == 0 && s.KindsAlike:
		out += ". No kind of action item holds better than another"
	case len(s.HeldKinds) > 0:
		out += fmt.Sprintf(". By kind, %s items held", joinAnd(s.HeldKinds))
	}
	return out + "."
}

func quarterNote(s ThemeCostSection) string {
	if len(s.QuarterMonths) < 2 {
		return ""
	}
	return " The " + s.QuarterName() + " column is the same over those months."
}
