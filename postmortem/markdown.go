package postmortem

import (
	"regexp"
	"strconv"
	"strings"
)

// ParseMarkdown parses a postmortem written in Markdown. Sections start at
// ATX ("## Impact") or setext headings, at lines written entirely in bold
// ("**Impact**") and, for plain-text postmortems, at "Impact:" labels. It
// never fails: the error is always nil and is there for symmetry with
// ParseADF.
func ParseMarkdown(text string) (*Document, error) {
	return build(markdownBlocks(text)), nil
}

var (
	reMdATX        = regexp.MustCompile(`^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$`)
	reMdFence      = regexp.MustCompile("^ {0,3}(`{3,}|~{3,})")
	reMdSetext1    = regexp.MustCompile(`^ {0,3}=+[ \t]*$`)
	reMdSetext2    = regexp.MustCompile(`^ {0,3}-+[ \t]*$`)
	reMdRule       = regexp.MustCompile(`^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$`)
	reMdList       = regexp.MustCompile(`^([ \t]*)([-*+]|\d{1,9}[.)])(?:[ \t]+(.*))?$`)
	reMdTableDelim = regexp.MustCompile(`^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$`)
	reMdBoldLine   = regexp.MustCompile(`^(?:\*\*|__)(.*[^*_ \t])(?:\*\*|__)[ \t]*:?[ \t]*$`)
	reMdQuote      = regexp.MustCompile(`^[ \t]{0,3}>[ \t]?`)
	reMdTaskBox    = regexp.MustCompile(`^\[[ xX]\][ \t]+`)
	reMdBoldLead   = regexp.MustCompile(`^(\*\*|__|\*|_)([^*_ \t][^*_]{0,79}?)(\*\*|__|\*|_)[ \t]*(:?)[ \t]*(.*)$`)
)

// markdownBlocks splits Markdown into blocks. It is a line-oriented subset
// of CommonMark/GFM: headings, fenced code, thematic breaks, lists (nested
// items folded into their parent), pipe tables, block quotes (unwrapped) and
// paragraphs.
func markdownBlocks(text string) []block {
	text = strings.TrimPrefix(text, "\ufeff")
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		for leadByte(l) == '>' {
			m := reMdQuote.FindStringIndex(l)
			if m == nil {
				break
			}
			l = l[m[1]:]
		}
		lines[i] = strings.ReplaceAll(l, "\t", "    ")
	}

	var out []block
	var para []string
	htmlSearched := -1 // last line searched for the end of an unclosed HTML table
	flush := func() {
		if len(para) == 0 {
			return
		}
		out = append(out, mdParagraph(para)...)
		para = para[:0]
	}

	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		c := leadByte(line)
		if m := matchIf(c == '`' || c == '~', reMdFence, line); m != nil {
			flush()
			fence := m[1]
			var code []string
			i++
			for ; i < len(lines); i++ {
				t := strings.TrimSpace(lines[i])
				if strings.HasPrefix(t, fence[:3]) && strings.Trim(t, fence[:1]) == "" && len(t) >= len(fence) {
					break
				}
				code = append(code, lines[i])
			}
			out = append(out, block{kind: blockCode, text: strings.Join(code, "\n")})
			continue
		}
		if m := matchIf(c == '#', reMdATX, line); m != nil {
			flush()
			out = append(out, block{kind: blockHeading, level: len(m[1]), text: collapseSpace(mdInline(m[2]))})
			continue
		}
		if len(para) > 0 && c == '=' && reMdSetext1.MatchString(line) {
			out = append(out, block{kind: blockHeading, level: 1, text: collapseSpace(mdInline(strings.Join(para, " ")))})
			para = para[:0]
			continue
		}
		if len(para) > 0 && c == '-' && reMdSetext2.MatchString(line) {
			out = append(out, block{kind: blockHeading, level: 2, text: collapseSpace(mdInline(strings.Join(para, " ")))})
			para = para[:0]
			continue
		}
		if (c == '-' || c == '*' || c == '_') && reMdRule.MatchString(line) {
			flush()
			continue
		}
		if c == '<' && i > htmlSearched && hasPrefixFold(strings.TrimSpace(line), "<table") {
			b, end, ok := htmlTable(lines, i)
			if ok {
				flush()
				if len(b.rows) > 0 {
					out = append(out, b)
				}
				i = end
				continue
			}
			htmlSearched = end
		}
		if strings.Contains(line, "|") && i+1 < len(lines) && reMdTableDelim.MatchString(lines[i+1]) && strings.Contains(lines[i+1], "-") {
			flush()
			rows := [][]string{mdCells(line)}
			i += 2
			for ; i < len(lines) && strings.TrimSpace(lines[i]) != "" && strings.Contains(lines[i], "|"); i++ {
				rows = append(rows, mdCells(lines[i]))
			}
			i--
			out = append(out, block{kind: blockTable, rows: rows, header: true})
			continue
		}
		if len(para) == 0 && strings.HasPrefix(strings.TrimSpace(line), "|") {
			var rows [][]string
			for ; i < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i]), "|"); i++ {
				if !reMdTableDelim.MatchString(lines[i]) {
					rows = append(rows, mdCells(lines[i]))
				}
			}
			i--
			out = append(out, block{kind: blockTable, rows: rows})
			continue
		}
		if m := matchIf(isListLead(c), reMdList, line); m != nil && (m[3] != "" || len(para) == 0) {
			flush()
			var b block
			b, i = mdList(lines, i)
			out = append(out, b)
			continue
		}
		para = append(para, line)
	}
	flush()
	return out
}

// leadByte returns the first byte of line that is not a space or tab, 0 for
// a blank line. The block parsers use it to skip regular expressions that
// cannot match.
func leadByte(line string) byte {
	for i := 0; i < len(line); i++ {
		if line[i] != ' ' && line[i] != '\t' {
			return line[i]
		}
	}
	return 0
}

func isListLead(c byte) bool {
	return c == '-' || c == '*' || c == '+' || (c >= '0' && c <= '9')
}

// matchIf runs re on s only when cond holds.
func matchIf(cond bool, re *regexp.Regexp, s string) []string {
	if !cond {
		return nil
	}
	return re.FindStringSubmatch(s)
}

func mdParagraph(lines []string) []block {
	return paragraphBlocks(lines, func(l string) (string, bool) {
		if m := reMdBoldLine.FindStringSubmatch(l); m != nil && !strings.Contains(m[1], "**") && !strings.Contains(m[1], "__") {
			return mdInline(m[1]), true
		}
		return "", false
	}, func(l string) (string, string, bool) {
		if leadByte(l) != '*' && leadByte(l) != '_' {
			return "", "", false
		}
		return boldLead(reMdBoldLead.FindStringSubmatch(l))
	}, func(l string) string {
		return mdInline(strings.TrimSuffix(l, "\\")) // a trailing backslash is a hard line break
	})
}

// boldLead reads a match of reMdBoldLead or reWikiBoldLead: a label in
// matching strong or emphasis delimiters followed by a colon, inside the
// delimiters or right after them, then the text of the line.
func boldLead(m []string) (label, rest string, ok bool) {
	if m == nil || m[1] != m[3] {
		return "", "", false
	}
	label = strings.TrimRight(m[2], " \t")
	if m[4] == "" && !strings.HasSuffix(label, ":") {
		return "", "", false
	}
	return strings.TrimSuffix(label, ":"), m[5], true
}

// mdList reads the list starting at lines[i]; it returns the list and the
// index of its last line.
func mdList(lines []string, i int) (block, int) {
	first := reMdList.FindStringSubmatch(lines[i])
	base := len(first[1])
	ordered := first[2][0] >= '0' && first[2][0] <= '9'
	var items []string
	var cur []string
	push := func() {
		if len(cur) > 0 {
			t := collapseSpace(mdInline(strings.Join(cur, " ")))
			t = reMdTaskBox.ReplaceAllString(t, "")
			items = append(items, t)
			cur = cur[:0]
		}
	}
	last := i
	blank := false
	for ; i < len(lines); i++ {
		line := lines[i]
		if strings.TrimSpace(line) == "" {
			blank = true
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		if m := matchIf(isListLead(leadByte(line)), reMdList, line); m != nil {
			isOrdered := m[2][0] >= '0' && m[2][0] <= '9'
			if indent <= base+1 {
				if isOrdered != ordered || indent < base {
					break
				}
				if blank && ordered && strings.TrimLeft(m[2], "0") == "1"+m[2][len(m[2])-1:] {
					break // numbering restarts after a blank line: a new list
				}
				push()
				cur = append(cur, m[3])
				last, blank = i, false
				continue
			}
			cur = append(cur, m[3]) // nested item folded into its parent
			last, blank = i, false
			continue
		}
		if indent > base && (indent >= base+2 || !blank) {
			if reMdATX.MatchString(line) || reMdFence.MatchString(line) {
				break
			}
			cur = append(cur, strings.TrimSpace(line))
			last, blank = i, false
			continue
		}
		if !blank && !reMdATX.MatchString(line) && !reMdFence.MatchString(line) && !reMdRule.MatchString(line) &&
			!strings.HasPrefix(strings.TrimSpace(line), "|") {
			cur = append(cur, strings.TrimSpace(line)) // lazy continuation
			last = i
			continue
		}
		break
	}
	push()
	return block{kind: blockList, items: items, ordered: ordered}, last
}

// mdCells splits a pipe-table row into cells, honouring "\|" and code spans.
func mdCells(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(line, "|")
	if strings.HasSuffix(line, "|") && !strings.HasSuffix(line, "\\|") {
		line = line[:len(line)-1]
	}
	var cells []string
	var cur strings.Builder
	inCode := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\\' && i+1 < len(line) && line[i+1] == '|':
			cur.WriteByte('|')
			i++
			continue
		case c == '\\' && i+1 < len(line):
			cur.WriteByte(c)
			cur.WriteByte(line[i+1])
			i++
			continue
		case c == '`':
			inCode = !inCode
		case c == '|' && !inCode:
			cells = append(cells, collapseSpace(mdInline(cur.String())))
			cur.Reset()
			continue
		}
		cur.WriteByte(c)
	}
	cells = append(cells, collapseSpace(mdInline(cur.String())))
	return cells
}

// mdInline strips Markdown inline markup: emphasis, code spans, links,
// images, autolinks, backslash escapes and character references.
func mdInline(s string) string {
	var t inlineText
	var la lookahead
	start := 0
	flushLit := func(i int) {
		if i > start {
			t.lit(s[start:i])
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch c {
		case '\\':
			flushLit(i)
			if i+1 < len(s) && isASCIIPunct(s[i+1]) {
				t.lit(s[i+1 : i+2])
				i += 2
			} else {
				t.lit("\\")
				i++
			}
			start = i
		case '`':
			flushLit(i)
			j := runEnd(s, i, '`')
			k := -1
			if la.ok() {
				if k = closingRun(window(s, j), '`', j-i); k >= 0 {
					k += j
				} else {
					la.fail()
				}
			}
			if k >= 0 {
				code := s[j:k]
				if len(code) > 1 && code[0] == ' ' && code[len(code)-1] == ' ' && strings.TrimSpace(code) != "" {
					code = code[1 : len(code)-1]
				}
				t.lit(code)
				i = k + (j - i)
			} else {
				t.lit(s[i:j])
				i = j
			}
			start = i
		case '!', '[':
			if c == '!' && (i+1 >= len(s) || s[i+1] != '[') {
				i++
				continue
			}
			open := i
			if c == '!' {
				open++
			}
			if la.ok() {
				if txt, end, ok := mdLink(s, open); ok {
					flushLit(i)
					t.lit(mdInline(txt))
					i = end
					start = i
					continue
				}
				la.fail()
			}
			i = open + 1
		case '<':
			if end := strings.IndexByte(window(s, i), '>'); end > 0 {
				inner := s[i+1 : i+end]
				if isAutolink(inner) {
					flushLit(i)
					t.lit(inner)
					i += end + 1
					start = i
					continue
				}
			}
			i++
		case '&':
			if txt, n := decodeEntity(s[i:]); n > 0 {
				flushLit(i)
				t.lit(txt)
				i += n
				start = i
				continue
			}
			i++
		case '*', '_', '~':
			flushLit(i)
			j := runEnd(s, i, c)
			open, close := flanking(s, i, j)
			if c == '~' && j-i == 1 { // "~" alone is not strikethrough
				open, close = false, false
			}
			t.delim(s[i:j], open, close)
			i = j
			start = i
		case 'h', 'H':
			if e := urlEnd(s, i); e > i {
				flushLit(i)
				t.lit(s[i:e])
				i = e
				start = i
				continue
			}
			i++
		default:
			i++
		}
	}
	flushLit(len(s))
	return t.String()
}

// mdLink parses "[text](url)", "[text][ref]" or "[text]" followed by one of
// them at s[i] == '['; it returns the link text and the end offset.
func mdLink(s string, i int) (string, int, bool) {
	depth := 0
	end := -1
	for k := i; k < len(s) && k-i < maxLookahead; k++ {
		switch s[k] {
		case '\\':
			k++
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				end = k
			}
		}
		if end >= 0 {
			break
		}
	}
	if end < 0 || end+1 >= len(s) {
		return "", 0, false
	}
	var closer byte
	switch s[end+1] {
	case '(':
		closer = ')'
	case '[':
		closer = ']'
	default:
		return "", 0, false
	}
	depth = 0
	for k := end + 1; k < len(s) && k-end < maxLookahead; k++ {
		switch s[k] {
		case '\\':
			k++
		case s[end+1]:
			depth++
		case closer:
			depth--
			if depth == 0 {
				return s[i+1 : end], k + 1, true
			}
		}
	}
	return "", 0, false
}

// closingRun finds the first run of exactly n bytes c in s.
func closingRun(s string, c byte, n int) int {
	i := 0
	for i < len(s) {
		k := strings.IndexByte(s[i:], c)
		if k < 0 {
			return -1
		}
		k += i
		e := runEnd(s, k, c)
		if e-k == n {
			return k
		}
		i = e
	}
	return -1
}

func isAutolink(s string) bool {
	if strings.ContainsAny(s, " \t\n<") {
		return false
	}
	for _, p := range []string{"http://", "https://", "mailto:", "ftp://"} {
		if strings.HasPrefix(strings.ToLower(s), p) {
			return true
		}
	}
	return false
}

func isASCIIPunct(c byte) bool {
	return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~')
}

// RenderMarkdown renders d in the template's Markdown: "# Title", a "##"
// heading per section, "### Factor N: name" per contributing factor and pipe
// tables for the timeline and the action items. Text is escaped so that
// ParseMarkdown reads it back as written.
func RenderMarkdown(d *Document) string {
	var b strings.Builder
	for i, bl := range renderBlocks(d) {
		if i > 0 {
			b.WriteString("\n")
		}
		switch bl.kind {
		case blockHeading:
			b.WriteString(strings.Repeat("#", bl.level))
			b.WriteString(" ")
			b.WriteString(mdEscape(bl.text, true, true))
			b.WriteString("\n")
		case blockParagraph:
			for _, l := range strings.Split(bl.text, "\n") {
				b.WriteString(mdEscape(strings.TrimSpace(l), true, false))
				b.WriteString("\n")
			}
		case blockList:
			for n, it := range bl.items {
				if bl.ordered {
					b.WriteString(strconv.Itoa(n + 1))
					b.WriteString(". ")
				} else {
					b.WriteString("- ")
				}
				b.WriteString(mdEscape(collapseSpace(it), true, false))
				b.WriteString("\n")
			}
		case blockTable:
			for r, row := range bl.rows {
				b.WriteString("|")
				for _, c := range row {
					b.WriteString(" ")
					b.WriteString(mdEscape(collapseSpace(c), false, false))
					b.WriteString(" |")
				}
				b.WriteString("\n")
				if r == 0 {
					b.WriteString("|")
					for range row {
						b.WriteString(" --- |")
					}
					b.WriteString("\n")
				}
			}
		}
	}
	return b.String()
}

// mdEscape backslash-escapes what ParseMarkdown would read as markup:
// emphasis runs that could open or close, code and link brackets, pipes,
// autolink and entity starts, and at the start of a line the block markers
// ("#", ">", "-", "+", "=", "1.").
func mdEscape(s string, lineStart, heading bool) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	i := 0
	if lineStart {
		// "1." or "1)" at the start of a line would begin a list: escape the dot.
		k := 0
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k > 0 && k < len(s) && (s[k] == '.' || s[k] == ')') {
			b.WriteString(s[:k])
			b.WriteByte('\\')
			b.WriteByte(s[k])
			i = k + 1
		}
	}
	for i < len(s) {
		c := s[i]
		switch {
		case c == '\\' || c == '`' || c == '[' || c == ']' || c == '|' || c == '<' || (heading && c == '#'):
			b.WriteByte('\\')
			b.WriteByte(c)
			i++
		case c == '&' && looksLikeEntity(s[i:]):
			b.WriteString("\\&")
			i++
		case c == '*' || c == '_' || c == '~':
			j, esc := flankingRunAt(s, i, "*_~")
			esc = esc || (i == 0 && lineStart)
			for k := i; k < j; k++ {
				if esc {
					b.WriteByte('\\')
				}
				b.WriteByte(c)
			}
			i = j
		case i == 0 && lineStart && strings.IndexByte("#>-+=", c) >= 0:
			b.WriteByte('\\')
			b.WriteByte(c)
			i++
		case (c == 'h' || c == 'H') && urlEnd(s, i) > i:
			e := urlEnd(s, i)
			b.WriteString(s[i:e])
			i = e
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}
