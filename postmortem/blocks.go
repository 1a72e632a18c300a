package postmortem

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// blockKind is the kind of a format-neutral block.
type blockKind uint8

const (
	blockParagraph blockKind = iota
	blockHeading
	blockList
	blockTable
	blockCode
)

// block is the unit every parser produces and every renderer consumes: the
// three formats differ only in how they spell blocks and inline marks.
type block struct {
	kind    blockKind
	level   int        // heading level 1-6
	text    string     // heading, paragraph (lines joined by "\n") and code text
	bold    bool       // paragraph is a single line written entirely in bold
	lead    bool       // bold paragraph that was the label of a "**Label:** text" line; the next block holds the text
	items   []string   // list items, one line each, nested items folded in
	ordered bool       // numbered list
	rows    [][]string // table rows, cells as plain single-line text
	header  bool       // first table row is a header row
}

// Heading levels used for pseudo-headings: a paragraph that is one bold line,
// and a "Label:" line of a plain-text postmortem.
const (
	levelBold  = 7
	levelLabel = 8
)

// headingLevel returns the level at which b can start a section, 0 when it
// cannot.
func (b block) headingLevel() int {
	switch {
	case b.kind == blockHeading:
		return b.level
	case b.kind == blockParagraph && b.bold:
		return levelBold
	}
	return 0
}

// plainText renders blocks as the plain text stored in Document fields:
// blocks separated by a blank line, paragraph lines kept, list items as
// "- item" (or "1. item"), table rows as cells joined by " | ", and the
// label of a "**Label:** text" line joined to its text again.
func plainText(blocks []block) string {
	var b strings.Builder
	for i := 0; i < len(blocks); i++ {
		bl := blocks[i]
		var s string
		switch bl.kind {
		case blockParagraph, blockHeading, blockCode:
			s = strings.TrimSpace(bl.text)
			if bl.lead && i+1 < len(blocks) && blocks[i+1].kind == blockParagraph && !blocks[i+1].bold {
				// A "**Label:** text" line that did not start a section reads
				// as written.
				i++
				s += ": " + strings.TrimSpace(blocks[i].text)
			}
		case blockList:
			s = listText(bl.items, bl.ordered)
		case blockTable:
			lines := make([]string, 0, len(bl.rows))
			for _, r := range bl.rows {
				if l := strings.TrimSpace(strings.Join(r, " | ")); l != "" && strings.Trim(l, " |") != "" {
					lines = append(lines, l)
				}
			}
			s = strings.Join(lines, "\n")
		}
		if s == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(s)
	}
	return b.String()
}

func listText(items []string, ordered bool) string {
	var b strings.Builder
	n := 0
	for _, it := range items {
		it = collapseSpace(it)
		if it == "" {
			continue
		}
		if n > 0 {
			b.WriteByte('\n')
		}
		n++
		if ordered {
			b.WriteString(strconv.Itoa(n))
			b.WriteString(". ")
		} else {
			b.WriteString("- ")
		}
		b.WriteString(it)
	}
	return b.String()
}

// textBlocks is the inverse of plainText for the renderers: paragraphs are
// separated by blank lines; a paragraph whose every line starts with "- " or
// "* " is a bulleted list, one whose every line starts with "N. " a numbered
// list.
func textBlocks(s string) []block {
	var out []block
	for _, para := range splitParagraphs(s) {
		lines := strings.Split(para, "\n")
		for i := range lines {
			lines[i] = strings.TrimSpace(lines[i])
		}
		if items, ok := listItems(lines, false); ok {
			out = append(out, block{kind: blockList, items: items})
			continue
		}
		if items, ok := listItems(lines, true); ok {
			out = append(out, block{kind: blockList, items: items, ordered: true})
			continue
		}
		out = append(out, block{kind: blockParagraph, text: strings.Join(lines, "\n")})
	}
	return out
}

// splitParagraphs splits text at blank lines, dropping empty paragraphs.
func splitParagraphs(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var out []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.Join(cur, "\n"))
			cur = cur[:0]
		}
	}
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) == "" {
			flush()
			continue
		}
		cur = append(cur, l)
	}
	flush()
	return out
}

// listItems returns the items when every line is a list line of the kind.
func listItems(lines []string, ordered bool) ([]string, bool) {
	items := make([]string, 0, len(lines))
	for _, l := range lines {
		var rest string
		if ordered {
			i := 0
			for i < len(l) && l[i] >= '0' && l[i] <= '9' {
				i++
			}
			if i == 0 || i > 9 || i+1 >= len(l) || (l[i] != '.' && l[i] != ')') || l[i+1] != ' ' {
				return nil, false
			}
			rest = l[i+2:]
		} else {
			if len(l) < 2 || (l[0] != '-' && l[0] != '*') || l[1] != ' ' {
				return nil, false
			}
			rest = l[2:]
		}
		rest = strings.TrimSpace(rest)
		if rest == "" {
			return nil, false
		}
		items = append(items, rest)
	}
	return items, len(items) > 0
}

// paraLine is one line of a paragraph as a dialect reads it: its
// inline-stripped text, whether it is written entirely in bold, and whether
// it starts with a bold label ("**Summary:** text", "*Root cause:* text").
type paraLine struct {
	text  string // inline-stripped text of the line; the bold text when bold
	bold  bool   // the whole line is bold
	label string // the bold label without its colon, when lead is set
	rest  string // inline-stripped text after the label
	lead  bool   // the line starts with a bold label
}

// paragraphBlocks turns the lines of a paragraph into blocks: a line written
// entirely in bold (as bold reports, returning its text) becomes a bold block
// of its own, the other lines paragraphs of inline-stripped text with runs of
// white space collapsed. A line that starts with a bold label (as lead
// reports, returning the label and the raw text after it) is split into a
// bold block and a paragraph when the label names a section (see
// boldLabelBlock).
func paragraphBlocks(lines []string, bold func(string) (string, bool), lead func(string) (string, string, bool), inline func(string) string) []block {
	pls := make([]paraLine, 0, len(lines))
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if t, ok := bold(l); ok {
			pls = append(pls, paraLine{text: t, bold: true})
			continue
		}
		pl := paraLine{text: inline(l)}
		if label, rest, ok := lead(l); ok {
			pl.label, pl.rest, pl.lead = inline(label), inline(rest), true
		}
		pls = append(pls, pl)
	}
	return paraLineBlocks(pls)
}

// paraLineBlocks is paragraphBlocks for lines already read by a dialect.
func paraLineBlocks(lines []paraLine) []block {
	var out []block
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			out = append(out, block{kind: blockParagraph, text: strings.Join(cur, "\n")})
			cur = nil
		}
	}
	for _, l := range lines {
		if l.bold {
			if t := collapseSpace(l.text); t != "" {
				flush()
				out = append(out, block{kind: blockParagraph, text: t, bold: true})
				continue
			}
		}
		if l.lead {
			if h, ok := boldLabelBlock(l.label); ok {
				flush()
				if t := collapseLines(l.rest); t != "" {
					h.lead = true
					cur = append(cur, t)
				}
				out = append(out, h)
				continue
			}
		}
		if t := collapseLines(l.text); t != "" {
			cur = append(cur, t)
		}
	}
	flush()
	return out
}

// maxBoldLabelWords bounds the label of a "**Label:** text" line.
const maxBoldLabelWords = 8

// boldLabelBlock returns the bold block for the label of a "**Label:** text"
// line when the label names a template section or a common other heading
// (isKnownLabel); other bold lead-ins ("**Note:** ...") stay text.
func boldLabelBlock(label string) (block, bool) {
	label = collapseSpace(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(label), ":")))
	if label == "" || len(strings.Fields(label)) > maxBoldLabelWords || !isKnownLabel(label) {
		return block{}, false
	}
	return block{kind: blockParagraph, text: label, bold: true}, true
}

// collapseLines collapses white space within each line of s, dropping empty
// lines and keeping the line breaks.
func collapseLines(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		if l = collapseSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// collapseSpace trims s and replaces every run of white space by one space.
func collapseSpace(s string) string {
	if s == "" {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// isAlnumRune is the word-character class of the inline delimiter rules
// shared by the Markdown and wiki dialects.
func isAlnumRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// flanking reports whether the delimiter run s[i:j] can open or close an
// inline span: it opens when followed by a non-space and not preceded by a
// letter or digit, and closes when preceded by a non-space and not followed by
// a letter or digit. Both dialects use this one rule, and the renderers escape
// every run that could open or close, so rendered text parses back unchanged.
func flanking(s string, i, j int) (canOpen, canClose bool) {
	prev, next := ' ', ' '
	if i > 0 {
		prev, _ = utf8.DecodeLastRuneInString(s[:i])
	}
	if j < len(s) {
		next, _ = utf8.DecodeRuneInString(s[j:])
	}
	canOpen = !unicode.IsSpace(next) && !isAlnumRune(prev)
	canClose = !unicode.IsSpace(prev) && !isAlnumRune(next)
	return canOpen, canClose
}

// runEnd returns the end of the run of byte c starting at i.
func runEnd(s string, i int, c byte) int {
	j := i
	for j < len(s) && s[j] == c {
		j++
	}
	return j
}
