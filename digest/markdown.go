package digest

import (
	"bytes"
	"fmt"
	"math"
	"strings"
)

// mdEscaper makes outside text inert in Markdown: no emphasis, links, code,
// table cells or raw HTML. <, > and & become entities, so no tag can pass.
var mdEscaper = strings.NewReplacer(
	"\\", "\\\\", "`", "\\`", "*", "\\*", "_", "\\_", "[", "\\[", "]", "\\]",
	"|", "\\|", "#", "\\#", "!", "\\!", "~", "\\~",
	"<", "&lt;", ">", "&gt;", "&", "&amp;",
	"\r\n", " ", "\n", " ", "\r", " ", "\t", " ",
)

func md(s string) string { return mdEscaper.Replace(s) }

// mdURL makes a safe link target: http(s) only, with characters that would
// end the link percent-encoded.
var mdURLEscaper = strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "<", "%3C", ">", "%3E", "\"", "%22", "'", "%27", "\\", "%5C", "\n", "", "\r", "")

func mdLink(text, rawURL string) string {
	u := safeURL(rawURL)
	if u == "" {
		return md(text)
	}
	if text == "" {
		text = u
	}
	return "[" + md(text) + "](" + mdURLEscaper.Replace(u) + ")"
}

type mdWriter struct {
	bytes.Buffer
	d *Digest
}

func (w *mdWriter) p(format string, args ...any) {
	fmt.Fprintf(w, format, args...)
	w.WriteString("\n")
}

func (w *mdWriter) changeText(c Change) string {
	if c.Text == "" {
		return "–"
	}
	if c.Verdict != "" {
		return c.Arrow + " " + c.Text + " (" + c.Verdict + ")"
	}
	return c.Arrow + " " + c.Text
}

// table writes the measures with the month, the previous month, the change,
// the six-month average and a text sparkline.
func (w *mdWriter) table(first string, ms ...Measure) {
	prev := shortMonth(w.d.Previous)
	w.p("| %s | %s | %s | vs %s | 6-mo avg | trend |", md(first), shortMonth(w.d.Month), prev, prev)
	w.p("|---|--:|--:|--:|--:|---|")
	for _, m := range ms {
		w.p("| %s | **%s** | %s | %s | %s | %s |", md(m.Name), m.Now(), m.Prev(), w.changeText(m.VsPrevious()), m.Avg(), sparkText(m.Series))
	}
	w.p("")
}

// RenderMarkdown renders the digest as Markdown with the same content as the
// HTML page: charts become tables with text sparklines. Text from
// postmortems is escaped; links are http(s) only.
func RenderMarkdown(d *Digest) ([]byte, error) {
	if d == nil {
		return nil, fmt.Errorf("digest: render markdown: nil digest")
	}
	v := newView(d)
	w := &mdWriter{d: d}
	title := d.MonthName
	if d.Team != "" {
		title += " · " + md(d.Team)
	}
	w.p("# Learning digest: %s", title)
	w.p("")
	w.p("For %s · %s (%s) · compared with %s and the six months before · analysis of %s", md(d.Scope), v.Period, md(d.TimeZone), monthName(d.Previous), v.RunAt)
	w.p("")
	for _, n := range d.Notes {
		w.p("> **Note:** %s", md(n))
		w.p("")
	}
	w.p("## In two minutes")
	w.p("")
	for _, s := range d.Summary {
		w.p("- %s", md(s))
	}
	w.p("")
	w.p("| Headline | %s | vs %s | trend |", shortMonth(d.Month), shortMonth(d.Previous))
	w.p("|---|--:|--:|---|")
	for _, k := range v.KPIs {
		val := k.Value
		if k.Sub != "" {
			val += " (" + md(k.Sub) + ")"
		}
		trend := ""
		if k.Series.AnyKnown() {
			trend = sparkText(k.Series)
		}
		w.p("| %s | **%s** | %s | %s |", md(k.Label), val, w.changeText(k.VsPrev), trend)
	}
	w.p("")

	w.p("## Incidents by severity")
	w.p("")
	if d.Incidents.Sentence != "" {
		w.p("%s", md(d.Incidents.Sentence))
		w.p("")
	}
	total := d.Incidents.Total
	total.Name = "All"
	w.table("Severity", append(append([]Measure{}, d.Incidents.BySeverity...), total)...)
	w.p("%s", v.OpenNow)
	w.p("")

	w.p("## Time to acknowledge and resolve")
	w.p("")
	w.p("%s", responseLede)
	w.p("")
	w.table("Measure", d.Response.MTTAP50, d.Response.MTTAP90, d.Response.MTTRP50, d.Response.MTTRP90)
	if len(d.Response.BySeverity) > 0 {
		w.p("| Severity | Incidents | MTTA p90 | MTTR p50 | MTTR p90 | p90 vs %s |", shortMonth(d.Previous))
		w.p("|---|--:|--:|--:|--:|--:|")
		for _, s := range v.SevResp {
			w.p("| %s | %s | %s | %s | %s | %s |", md(s.Severity), s.Incidents, s.MTTA90, s.MTTR50, s.MTTR90, w.changeText(s.VsPrev))
		}
		w.p("")
	}

	w.changes(d.Changes)

	w.p("## Error budget by service")
	w.p("")
	if len(v.Budget) == 0 {
		w.p("%s", v.BudgetEmpty)
	} else {
		w.p("Customer-impacting downtime as a share of one month's error budget.")
		w.p("")
		w.p("| Service | SLO | Downtime | Budget used | %s | trend |", shortMonth(d.Previous))
		w.p("|---|--:|--:|--:|--:|---|")
		for i, b := range v.Budget {
			name := md(b.Service)
			if b.Breached {
				name += " **(breached)**"
			}
			spark := sparkText(d.ErrorBudget.Services[i].Consumed.Series)
			if d.ErrorBudget.Services[i].NoIncidents {
				spark = "" // not known, not zero
			}
			w.p("| %s | %s | %s | **%s** | %s | %s |", name, b.Objective, b.Downtime, b.Used, b.PrevUsed, spark)
		}
	}
	w.p("")

	w.p("## Postmortems")
	w.p("")
	if v.PMWritten != "" {
		line := "Postmortems written: " + v.PMWritten + " that needed one."
		if v.PMTarget != "" {
			line += " Publication target: " + v.PMTarget + " after resolve."
		}
		w.p("%s", line)
		w.p("")
	}
	if d.Postmortems.OrgWide {
		w.p("These numbers are organization-wide.")
		w.p("")
	}
	p := d.Postmortems
	w.table("Measure", p.Required, p.Coverage, p.DraftP50, p.PublishP50, p.PublishP90, p.WithinTarget, p.Completeness, p.OwnerAndDue)
	w.p("%s", md(v.PMOverdue))
	w.p("")
	if len(p.Missing) > 0 {
		if p.OrgWide {
			w.p("Template sections most often missing (organization-wide):")
		} else {
			w.p("Template sections most often missing:")
		}
		w.p("")
		for _, m := range v.PMMissing {
			w.p("- %s (%d)", md(m.Name), m.Count)
		}
		w.p("")
	}
	if len(v.PMOverdueList) > 0 {
		w.p("Postmortems overdue now:")
		w.p("")
		for _, o := range v.PMOverdueList {
			team := ""
			if o.Team != "" && d.Team == "" {
				team = " · " + md(o.Team) // as the page's team column
			}
			w.p("- %s%s · %s%s · %s late by %s", mdLink(o.Key, o.URL), titleSuffix(o.Title), md(o.Priority), team, md(o.Due), o.Age)
		}
		w.p("")
	}

	w.p("## Action items")
	w.p("")
	if d.Actions.Declined.Name != "" {
		w.table("Action items", d.Actions.Created, d.Actions.Completed, d.Actions.Declined)
		w.p("%s", declinedNote)
		w.p("")
	} else {
		w.table("Action items", d.Actions.Created, d.Actions.Completed)
	}
	w.p("Open now (as of %s):", v.AsOf)
	w.p("")
	w.p("| Open now | All | P1 | Other priorities |")
	w.p("|---|--:|--:|---|")
	for _, r := range v.Snapshot {
		w.p("| %s | **%s** | %s | %s |", r.Name, r.Total, r.P1, md(r.Rest))
	}
	w.p("")
	if v.SLOShare != "" {
		w.p("Closed within their priority's SLO: %s.", v.SLOShare)
	}
	if v.OwnerLoad != "" {
		w.p("%s", v.OwnerLoad)
	}
	if v.TimeToClose != "" {
		scope := ""
		if d.Actions.TimeToCloseOrgWide {
			scope = ", organization-wide"
		}
		w.p("Time to close (Kaplan–Meier, open items counted%s): %s.", scope, v.TimeToClose)
	}
	if v.Kinds != "" {
		w.p("Created in the month by kind (investigate, mitigate, repair, detect, prevent; the share closed is organization-wide): %s.", md(v.Kinds))
		w.p("")
		for _, t := range v.MostlyInvestigate {
			w.p("- Follow-ups mostly “investigate”: %s.", md(t))
		}
	}
	w.p("")
	w.items("Oldest open action items", "open for", v.Oldest)
	w.items("Most overdue", "overdue by", v.MostOverdue)

	w.p("## Contributing-factor themes")
	w.p("")
	factors := v.ThemeFactors.Now + " contributing factors"
	if d.Themes.Factors.Known() {
		factors = plural(int(math.Round(d.Themes.Factors.Value())), "contributing factor", "contributing factors")
	}
	w.p("%s this month (%s in %s).", factors, v.ThemeFactors.Prev, shortMonth(d.Previous))
	w.p("")
	if len(d.Themes.Top) == 0 {
		w.p("No contributing factors were recorded this month.")
		w.p("")
	} else {
		var ms []Measure
		for _, t := range d.Themes.Top {
			m := t.Factors
			m.Name = t.Label
			if t.New {
				m.Name += " (new)"
			}
			ms = append(ms, m)
		}
		w.table("Theme", ms...)
		for _, t := range d.Themes.Top {
			if t.Representative != "" {
				w.p("- %s, %s %s", md(t.Label), md(exampleLead(d.Team, t.ExampleFrom)), md(quoted(clip(unquote(t.Representative), 160))))
			}
		}
		w.p("")
	}
	if v.Causes != "" {
		w.p("By cause class (“unclassified” when no cause is stated clearly enough to classify): %s.", md(v.Causes))
		w.p("")
	}
	if len(d.Themes.Changes) > 0 {
		w.p("What changed:")
		w.p("")
		for _, c := range d.Themes.Changes {
			w.p("- %s", md(c))
		}
		w.p("")
	}

	w.p("## Recurring incidents")
	w.p("")
	if d.Recurrence.OnServices {
		w.p("Incidents that repeat an earlier one within the recurrence window: same service and theme, or a near-duplicate title. %s", md(onServicesNote))
	} else {
		w.p("Incidents that repeat an earlier one within the recurrence window: same service and theme, or a near-duplicate title.")
	}
	w.p("")
	rec := []Measure{d.Recurrence.Count}
	if d.Recurrence.Ratio.Series.AnyKnown() {
		rec = append(rec, Measure{Name: "Share of all incidents", Unit: UnitRatio, Direction: LowerIsBetter, Series: d.Recurrence.Ratio.Series, Cmp: d.Recurrence.Ratio.Cmp})
	}
	if d.Recurrence.MajorRatio.Series.AnyKnown() {
		rec = append(rec, d.Recurrence.MajorRatio)
	}
	w.table("Measure", rec...)
	if len(d.Recurrence.Services) > 0 {
		w.p("Repeats by service, %s:", d.MonthName)
		w.p("")
	}
	for _, s := range d.Recurrence.Services {
		w.p("- %s: %d", md(s.Name), s.Count)
	}
	if len(d.Recurrence.Groups) > 0 {
		if len(d.Recurrence.Services) > 0 {
			w.p("")
		}
		w.p("Recurring groups:")
		w.p("")
	}
	for _, g := range d.Recurrence.Groups {
		line := fmt.Sprintf("- **%s** (%s this month) · %s", md(g.Title), plural(g.Incidents, "incident", "incidents"), md(g.Service))
		if g.Team != "" {
			line += " · " + md(g.Team)
		}
		if r := reasonText(g.Reason); r != "" {
			line += " · " + r
		}
		for _, e := range g.Examples {
			line += " · " + mdLink(e.Title, e.URL)
		}
		w.p("%s", line)
	}
	w.p("")
	writeFixesAndCost(w, d)

	w.p("## Language health")
	w.p("")
	w.p("Blame findings are counted here, never quoted: the digest names no one.")
	if d.Language.OrgWide {
		w.p("These numbers are organization-wide.")
	}
	w.p("")
	w.table("Measure", d.Language.BlameRatio, d.Language.VagueRatio)
	if len(d.Language.Rules) > 0 {
		rules := append([]Measure(nil), d.Language.Rules...)
		for i := range rules {
			rules[i].Name = ruleName(rules[i].Name)
		}
		w.table("Rule", rules...)
	}
	if d.Language.Dismissed > 0 {
		w.p("%s", dismissedLine(d.Language.Dismissed))
		w.p("")
	}
	if len(d.Language.Examples) > 0 {
		w.p("Vague action items this month, for example:")
		w.p("")
	}
	for _, f := range d.Language.Examples {
		line := fmt.Sprintf("- %s (%s): %s", md(quoted(f.Sentence)), md(ruleName(f.Rule)), md(f.Why))
		if f.Source != "" {
			line += " · " + mdLink(f.Source, f.URL)
		}
		w.p("%s", line)
	}
	w.p("")

	w.p("## Highlights from the month's postmortems")
	w.p("")
	w.quotes("Lessons learned", "No published postmortem this month stated lessons learned.", d.Highlights.Lessons)
	w.quotes("Where we got lucky", "No published postmortem this month said where we got lucky.", d.Highlights.Lucky)

	if len(v.Teams) > 0 {
		w.p("## Teams")
		w.p("")
		w.p("| Team | Incidents | SEV1 / SEV2 | MTTR p90 | MTTA p90 | Items completed | Items overdue | Unowned items | Repeats on its services | Top themes |")
		w.p("|---|--:|--:|--:|--:|--:|--:|--:|--:|---|")
		for _, t := range v.Teams {
			themes := md(t.Themes)
			if themes == "" {
				themes = "–" // no contributing factors of the team's this month
			}
			w.p("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |", md(t.Team), t.Incidents, t.SevMajor, t.MTTR, t.MTTA, t.Completed, t.Overdue,
				t.Unowned, t.Recurring, themes)
		}
		w.p("")
		for _, t := range v.Teams {
			w.p("- **%s**: %s", md(t.Team), md(strings.Join(t.Sentences, " ")))
		}
		w.p("")
	}

	w.p("---")
	w.p("")
	w.p("Generated %s by Aftermath from analysis run %s. Month boundaries in %s.", v.Generated, md(d.RunID), md(d.TimeZone))
	if d.Links.HTML != "" {
		w.p("")
		w.p("%s · %s", mdLink("This digest as a web page", d.Links.HTML), mdLink("All digests", d.Links.Index))
	}
	return w.Bytes(), nil
}

func titleSuffix(t string) string {
	if t == "" {
		return ""
	}
	return " · " + md(t)
}

func (w *mdWriter) items(title, age string, rows []itemRow) {
	if len(rows) == 0 {
		return
	}
	w.p("### %s", title)
	w.p("")
	for _, r := range rows {
		line := "- " + mdLink(r.Key, r.URL) + titleSuffix(r.Title)
		if r.Priority != "" {
			line += " · " + md(r.Priority)
		}
		if r.Team != "" {
			line += " · " + md(r.Team)
		}
		line += " · " + md(r.Owner)
		if r.Age != "" {
			line += " · " + age + " " + r.Age
		}
		w.p("%s", line)
	}
	w.p("")
}

func (w *mdWriter) quotes(title, empty string, hs []Highlight) {
	w.p("### %s", title)
	w.p("")
	if len(hs) == 0 {
		w.p("%s", empty)
		w.p("")
		return
	}
	for _, h := range hs {
		src := h.Title
		if src == "" {
			src = h.Key
		}
		w.p("> %s", md(quoted(h.Quote)))
		w.p(">")
		line := "> — " + mdLink(src, h.URL)
		if h.Team != "" {
			line += " · " + md(h.Team)
		}
		w.p("%s", line)
		if len(h.Also) > 0 {
			w.p(">")
			w.p("> Also written this month in %s", alsoLine(h.AlsoShown(), h.AlsoMore()))
		}
		if len(h.Similar) > 0 {
			w.p(">")
			w.p("> Seen before: %s", similarLine(h.Similar))
		}
		w.p("")
	}
}

// alsoLine lists the postmortems that wrote a quote again, with links, and
// counts more of them.
func alsoLine(qs []QuoteSource, more int) string {
	parts := make([]string, len(qs))
	for i, q := range qs {
		parts[i] = mdLink(q.Name(), q.URL)
		if q.Team != "" {
			parts[i] += " · " + md(q.Team)
		}
	}
	out := strings.Join(parts, "; ")
	if more > 0 {
		out += fmt.Sprintf("; and %d more", more)
	}
	return out
}

// similarLine lists earlier postmortems with links and the themes they
// share with the quoted one.
func similarLine(ss []SimilarPostmortem) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = mdLink(s.Name(), s.URL)
		if len(s.SharedThemes) > 0 {
			parts[i] += " (" + md(strings.Join(s.SharedThemes, ", ")) + ")"
		}
	}
	return strings.Join(parts, "; ")
}
