package postmortem

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// This file generates varied template Documents for the round-trip,
// fuzz-seed and benchmark tests, and states what a parse of a rendered
// Document must return (expectAfterRoundTrip).

// vocabulary mixes ordinary words with ones that collide with the markup of
// one of the three formats (emphasis, links, tables, escapes, line-start
// block markers, character references), so the renderers' escaping is tested.
var vocabulary = []string{
	"the", "primary", "database", "failed", "over", "after", "a", "config", "change", "to", "load", "balancer",
	"rollout", "was", "paused", "and", "traffic", "shifted", "region", "us-east-1", "customers", "saw", "errors",
	"latency", "p99", "of", "2.5s", "for", "checkout", "payments", "service", "on-call", "engineer", "runbook",
	"certificate", "expired", "capacity", "queue", "backlog", "retries", "amplified", "dependency", "timeouts",
	"*nix", "snake_case", "a*b", "C++", "well-known", "-v", "--force", "50%", "[prod]", "a|b", "{json}", "why?",
	"??", "!bang", "<html>", "&amp;", "&#92;", `C:\path`, "~tilde", "^caret", "+plus", "_under_", "**bold**",
	"`tick`", "#hash", "#", "-", "*", "+", "1.", "2)", "(paren)", "café", "日本", "end.", "x:y", "h2.", "bq.",
	"----", "===", "|", ">", "{{mono}}", "[text|url]", "[link](x)", "~~gone~~", "*", "_", "\\\\", "!img.png!",
	"https://acme.pagerduty.com/incidents/Q1_X-Y*Z", "(https://x.example/a_b_)", "http://h/?q=a|b",
}

var factorNames = []string{
	"Config change without validation", "Missing tests", "Capacity", "Dependency failure", "Monitoring gap",
	"Deploy process", "Expired certificate", "Time pressure", "Unclear runbook", "Retry storm: client side",
	"DNS *TTL* too long", "",
}

func genWords(r *rand.Rand, n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = vocabulary[r.IntN(len(vocabulary))]
	}
	return strings.Join(w, " ")
}

func genLine(r *rand.Rand) string { return genWords(r, 1+r.IntN(12)) }

// genText returns 0-3 paragraphs of 1-3 lines, sometimes a "- " or "1. "
// list (the plain-text list convention the renderers turn into lists).
func genText(r *rand.Rand) string {
	var paras []string
	for range r.IntN(4) {
		n := 1 + r.IntN(3)
		lines := make([]string, n)
		switch r.IntN(4) {
		case 0:
			for i := range lines {
				lines[i] = "- " + genLine(r)
			}
		case 1:
			for i := range lines {
				lines[i] = fmt.Sprintf("%d. %s", i+1, genLine(r))
			}
		default:
			for i := range lines {
				lines[i] = genLine(r)
			}
			if _, ok := listItems(lines, false); ok {
				lines[0] = "Note " + lines[0]
			} else if _, ok := listItems(lines, true); ok {
				lines[0] = "Note " + lines[0]
			}
		}
		paras = append(paras, strings.Join(lines, "\n"))
	}
	return strings.Join(paras, "\n\n")
}

var (
	titles  = []string{"Checkout outage", "Payments latency on 2024-03-01", "INC-42: DNS failure", "Queue backlog", "Near miss: cert almost expired"}
	renames = map[string][]string{
		SectionSummary:             {"Summary", "Overview", "Executive Summary", "TL;DR", "1. Summary"},
		SectionImpact:              {"Impact", "Customer Impact", "2) Impact"},
		SectionTimeline:            {"Timeline", "Chronology", "Incident Timeline"},
		SectionDetection:           {"Detection", "How was it detected?"},
		SectionContributingFactors: {"Contributing Factors", "Root Cause(s)", "Causes", "What went wrong"},
		SectionWentWell:            {"What Went Well", "What went well?"},
		SectionWentPoorly:          {"What Went Poorly", "What didn't go well"},
		SectionLucky:               {"Where We Got Lucky", "Luck"},
		SectionActionItems:         {"Action Items", "Follow-ups", "Remediation", "Next steps"},
		SectionLessons:             {"Lessons Learned", "Learnings", "Takeaways"},
	}
	otherHeadings = []string{"Background", "Appendix: graphs", "Glossary", "Customer communication"}
)

// genDocument returns a random template Document. With Sections set it omits,
// renames and reorders template sections and adds unknown ones.
func genDocument(r *rand.Rand) *Document {
	d := &Document{
		Summary:    genText(r),
		Impact:     genText(r),
		WentWell:   genText(r),
		WentPoorly: genText(r),
		Lucky:      genText(r),
		Lessons:    genText(r),
		Detection:  genText(r),
	}
	if r.IntN(5) > 0 {
		d.Title = titles[r.IntN(len(titles))]
	}
	switch r.IntN(3) {
	case 0:
		d.TimeToDetect = time.Duration(1+r.IntN(300)) * time.Minute
	case 1:
		d.TimeToDetect = time.Duration(1+r.IntN(300))*time.Minute + time.Duration(r.IntN(60))*time.Second
		d.Detection = joinText(d.Detection, "Time to detect: "+formatDuration(d.TimeToDetect)+".")
	}
	day := time.Date(2024, time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
	clock := day.Add(time.Duration(r.IntN(12*60)) * time.Minute)
	for i := range r.IntN(8) {
		clock = clock.Add(time.Duration(1+r.IntN(90)) * time.Minute)
		row := TimelineRow{At: clock, Text: genLine(r)}
		switch {
		case i == 0 || r.IntN(4) == 0:
			row.Time = clock.Format("2006-01-02 15:04") + " UTC"
		case r.IntN(3) == 0:
			row.Time = clock.Format(time.RFC3339)
		case r.IntN(3) == 0:
			row.Time = "" // the renderer writes At
		case clock.Truncate(24 * time.Hour).Equal(day):
			row.Time = clock.Format("15:04")
		default:
			row.Time = clock.Format("2006-01-02 15:04") + " UTC"
		}
		if i > 0 && r.IntN(10) == 0 {
			row.Time, row.At = "later that day", time.Time{} // not a time: At stays zero
		} else {
			day = clock.Truncate(24 * time.Hour)
		}
		d.Timeline = append(d.Timeline, row)
	}
	ord := 1 + r.IntN(3)
	for range r.IntN(5) {
		d.Factors = append(d.Factors, Factor{Ordinal: ord, Name: factorNames[r.IntN(len(factorNames))], Text: genText(r)})
		ord += 1 + r.IntN(2)
	}
	owners := []string{"", "alice", "bob@example.com", "SRE team"}
	prios := []string{"", "P1", "P2", "High", "Lowest"}
	for i := range r.IntN(8) {
		a := ActionItemRow{
			Summary:  genLine(r),
			Owner:    owners[r.IntN(len(owners))],
			Priority: prios[r.IntN(len(prios))],
		}
		if r.IntN(4) > 0 {
			a.Key = fmt.Sprintf("ACT-%d", 10+i)
		}
		if r.IntN(2) == 0 {
			a.Due = day.AddDate(0, 0, 7+r.IntN(60)).Format("2006-01-02")
		}
		d.ActionItems = append(d.ActionItems, a)
	}
	if r.IntN(2) == 0 {
		return d
	}
	// A chosen subset of sections, renamed, reordered, with unknown ones.
	names := append([]string(nil), TemplateSections...)
	r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	names = names[:1+r.IntN(len(names))]
	if r.IntN(2) == 0 {
		sortByTemplate(names)
	}
	for _, n := range names {
		h := renames[n][r.IntN(len(renames[n]))]
		if r.IntN(5) == 0 {
			h = "" // the renderer writes the template heading
		}
		d.Sections = append(d.Sections, Section{Name: n, Heading: h})
	}
	for range r.IntN(3) {
		s := Section{Heading: otherHeadings[r.IntN(len(otherHeadings))], Text: "Note " + genText(r)}
		at := r.IntN(len(d.Sections) + 1)
		d.Sections = append(d.Sections[:at], append([]Section{s}, d.Sections[at:]...)...)
	}
	if r.IntN(4) == 0 {
		d.Sections = append([]Section{{Text: "Note " + genLine(r)}}, d.Sections...) // a preamble
	}
	return d
}

func sortByTemplate(names []string) {
	pos := map[string]int{}
	for i, n := range TemplateSections {
		pos[n] = i
	}
	for i := 1; i < len(names); i++ {
		for j := i; j > 0 && pos[names[j]] < pos[names[j-1]]; j-- {
			names[j], names[j-1] = names[j-1], names[j]
		}
	}
}

// norm is the whitespace normalization of the round trip: runs of white
// space (including line and paragraph breaks) become one space, and the ends
// are trimmed. Everything else must come back exactly.
func norm(s string) string { return strings.Join(strings.Fields(s), " ") }

// comparable is what the round trip compares: the structured fields,
// normalized, and the sections' names and headings (and texts of sections
// outside the template).
type comparable struct {
	Title                                                   string
	Sections                                                []Section
	Summary, Impact, Detection, WentWell, WentPoorly, Lucky string
	Lessons                                                 string
	Timeline                                                []TimelineRow
	Factors                                                 []Factor
	ActionItems                                             []ActionItemRow
	TimeToDetect                                            time.Duration
}

func toComparable(d *Document) comparable {
	c := comparable{
		Title: norm(d.Title), Summary: norm(d.Summary), Impact: norm(d.Impact), Detection: norm(d.Detection),
		WentWell: norm(d.WentWell), WentPoorly: norm(d.WentPoorly), Lucky: norm(d.Lucky), Lessons: norm(d.Lessons),
		TimeToDetect: d.TimeToDetect,
	}
	for _, s := range d.Sections {
		cs := Section{Name: s.Name, Heading: norm(s.Heading)}
		if s.Name == "" {
			cs.Text = norm(s.Text)
		}
		c.Sections = append(c.Sections, cs)
	}
	for _, t := range d.Timeline {
		c.Timeline = append(c.Timeline, TimelineRow{At: t.At.UTC(), Time: norm(t.Time), Text: norm(t.Text)})
	}
	for _, f := range d.Factors {
		c.Factors = append(c.Factors, Factor{Ordinal: f.Ordinal, Name: norm(f.Name), Text: norm(f.Text)})
	}
	for _, a := range d.ActionItems {
		c.ActionItems = append(c.ActionItems, ActionItemRow{Key: norm(a.Key), Summary: norm(a.Summary), Owner: norm(a.Owner), Priority: norm(a.Priority), Due: norm(a.Due)})
	}
	return c
}

// expectAfterRoundTrip states what parsing a rendered d returns, as the
// renderers document it: without Sections every template section under its
// template heading; a section without a heading gets the template heading;
// fields of sections that are not rendered come back empty; factors without
// an ordinal are numbered by position; a timeline row without Time shows At
// in formatStamp's layout; an unstated TimeToDetect is appended to Detection.
func expectAfterRoundTrip(d *Document) comparable {
	e := *d
	e.Sections = nil
	rendered := map[string]bool{}
	if len(d.Sections) == 0 {
		for _, n := range TemplateSections {
			e.Sections = append(e.Sections, Section{Name: n, Heading: DefaultHeading(n)})
			rendered[n] = true
		}
	} else {
		for _, s := range d.Sections {
			if s.Heading == "" {
				s.Heading = DefaultHeading(s.Name)
			}
			e.Sections = append(e.Sections, s)
			rendered[s.Name] = true
		}
	}
	if e.TimeToDetect > 0 && timeToDetect(e.Detection, false) != e.TimeToDetect {
		e.Detection = joinText(e.Detection, "Time to detect: "+formatDuration(e.TimeToDetect))
	}
	e.Timeline = nil
	for _, t := range d.Timeline {
		if t.Time == "" {
			t.Time = formatStamp(t.At)
		}
		e.Timeline = append(e.Timeline, t)
	}
	e.Factors = nil
	for i, f := range d.Factors {
		if f.Ordinal <= 0 {
			f.Ordinal = i + 1
		}
		e.Factors = append(e.Factors, f)
	}
	drop := map[string]func(){
		SectionSummary:             func() { e.Summary = "" },
		SectionImpact:              func() { e.Impact = "" },
		SectionTimeline:            func() { e.Timeline = nil },
		SectionDetection:           func() { e.Detection, e.TimeToDetect = "", 0 },
		SectionContributingFactors: func() { e.Factors = nil },
		SectionWentWell:            func() { e.WentWell = "" },
		SectionWentPoorly:          func() { e.WentPoorly = "" },
		SectionLucky:               func() { e.Lucky = "" },
		SectionActionItems:         func() { e.ActionItems = nil },
		SectionLessons:             func() { e.Lessons = "" },
	}
	for n, f := range drop {
		if !rendered[n] {
			f()
		}
	}
	return toComparable(&e)
}
