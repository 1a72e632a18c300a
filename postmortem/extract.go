package postmortem

import (
	"regexp"
	"sort"
	"strings"
)

// build turns the blocks of any format into a Document.
//
// Sectioning: the first block is the title when it is a heading that names
// no template section and no later heading is of a higher level (or, for a
// level-1 heading, when template sections are level-1 headings too). Sections
// start at headings of the level L of the highest template-section heading
// and at every heading above it; deeper headings are part of the section.
// Bold lines count as headings below level 6. When no heading names a template
// section, "Label:" lines of plain-text postmortems ("Customer impact: ...",
// also inside a line after a full stop) are tried as headings below bold lines.
// Content before the first section heading becomes a section with Name "".
func build(blocks []block) *Document {
	d := &Document{}
	names := sectionNames{}
	blocks = splitLongHeadings(blocks)
	body := blocks
	if title, ok := findTitle(blocks, names); ok {
		d.Title = title
		body = blocks[1:]
	}
	level := sectionLevel(body, names)
	if level == 0 {
		if lb, ok := labelBlocks(body); ok {
			body, level = lb, levelLabel
		} else {
			level = minHeadingLevel(body)
		}
	}
	var allText []string
	texts := map[string][]string{} // text of the text-only sections, by name
	for _, s := range splitSections(body, level, names) {
		text := plainText(s.content)
		d.Sections = append(d.Sections, Section{Name: s.name, Heading: s.heading, Text: text})
		allText = append(allText, text)
		switch s.name {
		case SectionSummary, SectionImpact, SectionDetection, SectionWentWell, SectionWentPoorly, SectionLucky, SectionLessons:
			if text != "" {
				texts[s.name] = append(texts[s.name], text)
			}
		case SectionTimeline:
			d.Timeline = append(d.Timeline, timelineRows(s.content)...)
		case SectionContributingFactors:
			d.Factors = append(d.Factors, factorsOf(s.content, len(d.Factors))...)
		case SectionActionItems:
			d.ActionItems = append(d.ActionItems, actionItemsOf(s.content)...)
		}
	}
	// Duplicated sections are joined.
	for name, field := range map[string]*string{
		SectionSummary: &d.Summary, SectionImpact: &d.Impact, SectionDetection: &d.Detection,
		SectionWentWell: &d.WentWell, SectionWentPoorly: &d.WentPoorly, SectionLucky: &d.Lucky,
		SectionLessons: &d.Lessons,
	} {
		*field = strings.Join(texts[name], "\n\n")
	}
	d.TimeToDetect = timeToDetect(d.Detection, false)
	if d.TimeToDetect == 0 {
		d.TimeToDetect = timeToDetect(strings.Join(allText, "\n\n"), true)
	}
	return d
}

func joinText(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "\n\n" + b
}

func findTitle(blocks []block, names sectionNames) (string, bool) {
	if len(blocks) == 0 || blocks[0].kind != blockHeading {
		return "", false
	}
	first := blocks[0]
	if first.text == "" || names.of(first.text) != "" {
		return "", false
	}
	higherOrSame, canonicalPeer := false, false
	for _, b := range blocks[1:] {
		if b.kind != blockHeading {
			continue
		}
		if b.level <= first.level {
			higherOrSame = true
		}
		if b.level == first.level && names.of(b.text) != "" {
			canonicalPeer = true
		}
	}
	if !higherOrSame || (first.level == 1 && canonicalPeer) {
		return first.text, true
	}
	return "", false
}

// sectionLevel is the level of the highest heading that names a template
// section, 0 when none does.
func sectionLevel(blocks []block, names sectionNames) int {
	level := 0
	for _, b := range blocks {
		if l := b.headingLevel(); l > 0 && (level == 0 || l < level) && names.of(b.text) != "" {
			level = l
		}
	}
	return level
}

func minHeadingLevel(blocks []block) int {
	level := 0
	for _, b := range blocks {
		if b.kind == blockHeading && (level == 0 || b.level < level) {
			level = b.level
		}
	}
	return level
}

// maxHeadingWords is the length beyond which a heading is prose: text
// flattened onto one line ("## ISSUE SUMMARY On Tuesday ...").
const maxHeadingWords = 20

var reCapsLead = regexp.MustCompile(`^((?:[A-Z][A-Z0-9'’&/-]+[ \t]+){0,7}[A-Z][A-Z0-9'’&/-]+)[ \t]+(\S.*)$`)

// splitLongHeadings keeps the upper-case lead of an over-long heading as the
// heading and makes the rest a paragraph; without such a lead the heading
// becomes a paragraph.
func splitLongHeadings(blocks []block) []block {
	var out []block
	for i, b := range blocks {
		if b.kind != blockHeading || len(strings.Fields(b.text)) <= maxHeadingWords {
			if out != nil {
				out = append(out, b)
			}
			continue
		}
		if out == nil {
			out = append(make([]block, 0, len(blocks)+1), blocks[:i]...)
		}
		if m := reCapsLead.FindStringSubmatch(b.text); m != nil {
			out = append(out, block{kind: blockHeading, level: b.level, text: m[1]}, block{kind: blockParagraph, text: m[2]})
			continue
		}
		out = append(out, block{kind: blockParagraph, text: b.text})
	}
	if out == nil {
		return blocks
	}
	return out
}

// reLabel finds "Label: " at the start of a line or after the end of a
// sentence.
var reLabel = regexp.MustCompile(`(?:^|[.!?]["')\]]?\s+)([A-Z][A-Za-z0-9 ()&'/,-]{1,60}?)\s*:(?:\s+|$)`)

// reSentenceStart finds where a line or a sentence starts.
var reSentenceStart = regexp.MustCompile(`(?:^|[.!?]["')\]]?\s+)\S`)

// maxLabelWords bounds a heading written without a colon.
const maxLabelWords = 7

// labelBlocks splits paragraphs at "Label:" headings of plain-text
// postmortems. A label is a heading when it names a template section or a
// common other heading ("Mitigation"), or when it stands alone at the start of
// a line. ok reports whether any label names a template section.
func labelBlocks(blocks []block) ([]block, bool) {
	var out []block
	found := false
	known := knownLabels{}
	for _, b := range blocks {
		if b.kind != blockParagraph || b.bold {
			out = append(out, b)
			continue
		}
		var para []string
		flush := func() {
			if t := strings.TrimSpace(strings.Join(para, "\n")); t != "" {
				out = append(out, block{kind: blockParagraph, text: t})
			}
			para = para[:0]
		}
		for _, line := range strings.Split(b.text, "\n") {
			pos := 0
			for _, m := range labelMatches(line, known) {
				label := line[m[2]:m[3]]
				atStart := m[0] == 0
				rest := strings.TrimSpace(line[m[1]:])
				isKnown := known.is(label) && len(strings.Fields(label)) <= 8
				alone := atStart && rest == "" && len(strings.Fields(label)) <= 5
				if !isKnown && !alone {
					continue
				}
				if before := strings.TrimSpace(line[pos:m[2]]); before != "" {
					para = append(para, before)
				}
				flush()
				out = append(out, block{kind: blockHeading, level: levelLabel, text: collapseSpace(label)})
				if CanonicalSection(label) != "" {
					found = true
				}
				pos = m[1]
			}
			if rest := strings.TrimSpace(line[pos:]); rest != "" {
				para = append(para, rest)
			}
		}
		flush()
	}
	return out, found
}

// labelMatches returns the label matches of line in order, as submatch
// indexes [start, end, labelStart, labelEnd] (end is where the text after the
// label begins): "Label:" anywhere a sentence starts, and a known heading
// written without a colon ("ROOT CAUSE The incident ...", "Root Cause This
// incident ...") when the next word starts with a capital letter or a digit.
func labelMatches(line string, known knownLabels) [][]int {
	ms := reLabel.FindAllStringSubmatchIndex(line, -1)
	for _, st := range reSentenceStart.FindAllStringIndex(line, -1) {
		at := st[1] - 1
		if r := line[at]; r < 'A' || r > 'Z' {
			continue
		}
		if m := bareLabelAt(line, at, known); m != nil && !overlapsAny(m, ms) {
			ms = append(ms, m)
		}
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i][0] < ms[j][0] })
	return ms
}

// bareLabelAt finds the longest known heading of up to maxLabelWords words
// starting at line[at] and followed by a word that starts with a capital
// letter, a digit or a quote.
func bareLabelAt(line string, at int, known knownLabels) []int {
	var best []int
	end := at
	for words := 1; words <= maxLabelWords; words++ {
		// Advance over one word.
		for end < len(line) && line[end] != ' ' && line[end] != '\t' {
			end++
		}
		if end >= len(line) {
			break
		}
		label := line[at:end]
		if strings.ContainsAny(label, ".:;,!?") {
			break
		}
		next := end
		for next < len(line) && (line[next] == ' ' || line[next] == '\t') {
			next++
		}
		if next >= len(line) {
			break
		}
		c := line[next]
		if (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '"' || strings.HasPrefix(line[next:], "“") {
			if known.is(label) {
				best = []int{at, next, at, end}
			}
		}
		end = next
	}
	return best
}

// knownLabels memoizes isKnownLabel within one document.
type knownLabels map[string]bool

func (k knownLabels) is(label string) bool {
	v, ok := k[label]
	if !ok {
		v = isKnownLabel(label)
		k[label] = v
	}
	return v
}

func overlapsAny(m []int, ms [][]int) bool {
	for _, o := range ms {
		if m[0] < o[1] && o[0] < m[1] {
			return true
		}
	}
	return false
}

type rawSection struct {
	name, heading string
	content       []block
	bold          bool // started by a bold line or label below the section level
}

func splitSections(blocks []block, level int, names sectionNames) []rawSection {
	var out []rawSection
	var cur *rawSection
	for _, b := range blocks {
		l := b.headingLevel()
		heading := l > 0 && level > 0 && l <= level
		var h string
		if l > 0 {
			h = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(b.text), ":"))
		}
		promoted := !heading && l == levelBold && level > 0 && boldStartsSection(h, cur, names)
		if heading || promoted {
			out = append(out, rawSection{name: names.of(h), heading: h, bold: promoted})
			cur = &out[len(out)-1]
			continue
		}
		if cur == nil {
			out = append(out, rawSection{})
			cur = &out[len(out)-1]
		}
		cur.content = append(cur.content, b)
	}
	// A preamble of nothing but empty text is not a section.
	if len(out) > 0 && out[0].heading == "" && plainText(out[0].content) == "" {
		out = out[1:]
	}
	return out
}

// boldStartsSection reports whether a bold line or "**Label:**" lead-in
// (text h) starts a section in a document whose sections start at headings
// (bold lines are below the section level). Such a label is a section, as it
// is in a document without headings, when it names a template section and is
// not the sub-structure of the section it is in: it starts a section before
// the first heading, under a heading outside the template, after another
// promoted bold label (a run of "**Summary:** ... **Impact:** ..." lines), and
// under a template heading of another section, except the timeline and the
// action items, whose bold lines group their rows ("**Detection**" phases).
// A common other label ("**Resolution:**") ends a run of promoted labels.
func boldStartsSection(h string, cur *rawSection, names sectionNames) bool {
	name := names.of(h)
	if name == "" {
		return cur != nil && cur.bold && isKnownLabel(h)
	}
	switch {
	case cur == nil || cur.bold || cur.name == "":
		return true
	case cur.name == name || cur.name == SectionTimeline || cur.name == SectionActionItems:
		return false
	}
	return true
}
