// Package postmortem is the postmortem template's document model. It parses
// postmortems written in Markdown, Jira wiki markup or Atlassian Document
// Format (ADF) into a Document, and renders a Document back to each format.
//
// The parser is used by the Jira ingester, the renderer by the simulator, and
// the section model by the analyzers (completeness against the template).
package postmortem

import "time"

// Section names of the postmortem template, in template order. They are the
// canonical names the parser maps headings to.
const (
	SectionSummary             = "summary"
	SectionImpact              = "impact"
	SectionTimeline            = "timeline"
	SectionDetection           = "detection"
	SectionContributingFactors = "contributing_factors"
	SectionWentWell            = "what_went_well"
	SectionWentPoorly          = "what_went_poorly"
	SectionLucky               = "where_we_got_lucky"
	SectionActionItems         = "action_items"
	SectionLessons             = "lessons_learned"
)

// TemplateSections lists the template's sections in order.
var TemplateSections = []string{
	SectionSummary, SectionImpact, SectionTimeline, SectionDetection,
	SectionContributingFactors, SectionWentWell, SectionWentPoorly,
	SectionLucky, SectionActionItems, SectionLessons,
}

// Document is a parsed (or to-be-rendered) postmortem.
type Document struct {
	Title string

	// Sections holds every top-level section found, in document order,
	// including ones that are not part of the template (Name "" then).
	Sections []Section

	Summary    string
	Impact     string
	Detection  string
	WentWell   string
	WentPoorly string
	Lucky      string
	Lessons    string

	Timeline    []TimelineRow
	Factors     []Factor
	ActionItems []ActionItemRow

	// TimeToDetect is stated in the Detection section ("Time to detect: 12m"),
	// zero when the document does not state one.
	TimeToDetect time.Duration
}

// Section is one top-level section as written.
type Section struct {
	Name    string // canonical name from TemplateSections, "" if unrecognised
	Heading string // heading text as written
	Text    string // plain text of the body
}

// TimelineRow is one row of the Timeline section.
type TimelineRow struct {
	At   time.Time // zero when the row's time could not be parsed
	Time string    // time as written
	Text string
}

// Factor is one contributing factor ("Factor N: name" followed by text).
type Factor struct {
	Ordinal int
	Name    string
	Text    string
}

// ActionItemRow is one row of the Action Items table.
type ActionItemRow struct {
	Key      string // Jira key when the row links one, e.g. "ACT-12"
	Summary  string
	Owner    string
	Priority string
	Due      string // as written, e.g. "2026-01-31"
}

// Has reports whether the document has the canonical section name.
func (d *Document) Has(name string) bool {
	for _, s := range d.Sections {
		if s.Name == name {
			return true
		}
	}
	return false
}

// Missing lists the template sections the document lacks, in template order.
func (d *Document) Missing() []string {
	var out []string
	for _, n := range TemplateSections {
		if !d.Has(n) {
			out = append(out, n)
		}
	}
	return out
}
