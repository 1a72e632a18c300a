package postmortem

import "strconv"

// renderBlocks lays d out in the template: the title as a level-1 heading,
// then one level-2 heading per section. Without d.Sections every template
// section is written, in template order; with it, exactly those sections in
// that order, under their own headings (the template heading when a section
// has none). A template section's body comes from the structured fields (the
// first time the name occurs), else from Section.Text.
//
// Parsing a rendered document gives it back (see TestRoundTripProperty) when
// each section's heading maps to its Name (CanonicalSection), the title does
// not name a template section, only the first section lacks a heading, and
// text does not itself start lines with "Factor N:" or, in a timeline, with
// a time. Text comes back with white space normalized: lines trimmed, runs of
// spaces collapsed, "* " list lines written as "- ", numbered lists
// renumbered from 1. An unstated TimeToDetect is added to the Detection text
// as "Time to detect: 12 minutes".
func renderBlocks(d *Document) []block {
	if d == nil {
		return nil
	}
	var out []block
	if t := collapseSpace(d.Title); t != "" {
		out = append(out, block{kind: blockHeading, level: 1, text: t})
	}
	if len(d.Sections) == 0 {
		for _, name := range TemplateSections {
			out = append(out, block{kind: blockHeading, level: 2, text: defaultHeadings[name]})
			out = append(out, sectionBody(d, name)...)
		}
		return out
	}
	done := map[string]bool{}
	for _, s := range d.Sections {
		h := collapseSpace(s.Heading)
		if h == "" {
			h = DefaultHeading(s.Name)
		}
		if h != "" {
			out = append(out, block{kind: blockHeading, level: 2, text: h})
		}
		var body []block
		if s.Name != "" && !done[s.Name] {
			done[s.Name] = true
			body = sectionBody(d, s.Name)
		}
		if len(body) == 0 {
			body = textBlocks(s.Text)
		}
		out = append(out, body...)
	}
	return out
}

// sectionBody renders the structured content of one template section.
func sectionBody(d *Document, name string) []block {
	switch name {
	case SectionSummary:
		return textBlocks(d.Summary)
	case SectionImpact:
		return textBlocks(d.Impact)
	case SectionWentWell:
		return textBlocks(d.WentWell)
	case SectionWentPoorly:
		return textBlocks(d.WentPoorly)
	case SectionLucky:
		return textBlocks(d.Lucky)
	case SectionLessons:
		return textBlocks(d.Lessons)
	case SectionDetection:
		out := textBlocks(d.Detection)
		if d.TimeToDetect > 0 && timeToDetect(d.Detection, false) != d.TimeToDetect {
			out = append(out, block{kind: blockParagraph, text: "Time to detect: " + formatDuration(d.TimeToDetect)})
		}
		return out
	case SectionTimeline:
		if len(d.Timeline) == 0 {
			return nil
		}
		rows := [][]string{{"Time", "Event"}}
		for _, r := range d.Timeline {
			t := collapseSpace(r.Time)
			if t == "" && !r.At.IsZero() {
				t = formatStamp(r.At)
			}
			rows = append(rows, []string{t, collapseSpace(r.Text)})
		}
		return []block{{kind: blockTable, rows: rows, header: true}}
	case SectionContributingFactors:
		var out []block
		for i, f := range d.Factors {
			n := f.Ordinal
			if n <= 0 {
				n = i + 1
			}
			h := "Factor " + strconv.Itoa(n)
			if name := collapseSpace(f.Name); name != "" {
				h += ": " + name
			}
			out = append(out, block{kind: blockHeading, level: 3, text: h})
			out = append(out, textBlocks(f.Text)...)
		}
		return out
	case SectionActionItems:
		if len(d.ActionItems) == 0 {
			return nil
		}
		rows := [][]string{{"Key", "Action", "Owner", "Priority", "Due"}}
		for _, a := range d.ActionItems {
			rows = append(rows, []string{a.Key, a.Summary, a.Owner, a.Priority, a.Due})
		}
		return []block{{kind: blockTable, rows: rows, header: true}}
	}
	return nil
}
