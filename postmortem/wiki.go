package postmortem

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// ParseWiki parses a postmortem written in Jira wiki markup (the description
// format of Jira's REST API v2): "h2." headings, "*bold*" lines, "||header||"
// and "|cell|" tables, "*"/"#"/"-" lists, {code} and {noformat} blocks and
// "[text|url]" links. It never fails: the error is always nil and is there for
// symmetry with ParseADF.
func ParseWiki(text string) (*Document, error) {
	return build(wikiBlocks(text)), nil
}

var (
	reWikiHeading  = regexp.MustCompile(`^\s*h([1-6])\.(?:\s+(.*))?$`)
	reWikiList     = regexp.MustCompile(`^\s*([*#-]+)\s+(.*)$`)
	reWikiRule     = regexp.MustCompile(`^\s*-{4,}\s*$`)
	reWikiCode     = regexp.MustCompile(`^\s*\{(code|noformat)(?::[^}]*)?\}(.*)$`)
	reWikiBq       = regexp.MustCompile(`^\s*bq\.\s+(.*)$`)
	reWikiBoldLine = regexp.MustCompile(`^\*([^*\s](?:[^*]*[^*\s])?)\*\s*:?\s*$`)
	reWikiBoldLead = regexp.MustCompile(`^(\*|_)([^*_ \t][^*_]{0,79}?)(\*|_)[ \t]*(:?)[ \t]*(.*)$`)
	reWikiWrapper  = regexp.MustCompile(`^\s*\{(?:quote|panel|expand|info|note|tip|warning|section|column|color)(?::[^}]*)?\}`)
	reWikiWrapEnd  = regexp.MustCompile(`\{(?:quote|panel|expand|info|note|tip|warning|section|column|color)\}\s*$`)
)

// wikiBlocks splits Jira wiki markup into blocks.
func wikiBlocks(text string) []block {
	text = strings.TrimPrefix(text, "\ufeff")
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	lines := strings.Split(text, "\n")

	var out []block
	var para []string
	flush := func() {
		if len(para) > 0 {
			out = append(out, wikiParagraph(para)...)
			para = para[:0]
		}
	}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		// Wrapper macros ({quote}, {panel:title=x}, ...) only frame content.
		for leadByte(line) == '{' {
			m := reWikiWrapper.FindStringIndex(line)
			if m == nil {
				break
			}
			line = line[m[1]:]
		}
		if strings.HasSuffix(strings.TrimSpace(line), "}") {
			line = reWikiWrapEnd.ReplaceAllString(line, "")
		}
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		c := leadByte(line)
		if m := matchIf(c == '{', reWikiCode, line); m != nil {
			flush()
			closer := "{" + m[1] + "}"
			rest := m[2]
			var code []string
			if k := strings.Index(rest, closer); k >= 0 {
				code = append(code, rest[:k])
			} else {
				if strings.TrimSpace(rest) != "" {
					code = append(code, rest)
				}
				for i++; i < len(lines); i++ {
					if k := strings.Index(lines[i], closer); k >= 0 {
						code = append(code, lines[i][:k])
						break
					}
					code = append(code, lines[i])
				}
			}
			out = append(out, block{kind: blockCode, text: strings.TrimSpace(strings.Join(code, "\n"))})
			continue
		}
		if m := matchIf(c == 'h', reWikiHeading, line); m != nil {
			flush()
			out = append(out, block{kind: blockHeading, level: int(m[1][0] - '0'), text: collapseSpace(wikiInline(m[2]))})
			continue
		}
		if c == '-' && reWikiRule.MatchString(line) {
			flush()
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(line), "|") {
			flush()
			var rows [][]string
			header := false
			for ; i < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i]), "|"); i++ {
				cells, isHeader := wikiRow(strings.TrimSpace(lines[i]))
				if len(rows) == 0 {
					header = isHeader
				}
				rows = append(rows, cells)
			}
			i--
			out = append(out, block{kind: blockTable, rows: rows, header: header})
			continue
		}
		if m := matchIf(isWikiListLead(c), reWikiList, line); m != nil {
			flush()
			ordered := m[1][len(m[1])-1] == '#'
			var items [][]string
			for ; i < len(lines); i++ {
				m := matchIf(isWikiListLead(leadByte(lines[i])), reWikiList, lines[i])
				if m == nil {
					break
				}
				item := collapseSpace(wikiInline(m[2]))
				if len(m[1]) > 1 && len(items) > 0 {
					items[len(items)-1] = append(items[len(items)-1], item) // nested item folded into its parent
					continue
				}
				items = append(items, []string{item})
			}
			i--
			joined := make([]string, len(items))
			for k, parts := range items {
				joined[k] = strings.Join(parts, " ")
			}
			out = append(out, block{kind: blockList, items: joined, ordered: ordered})
			continue
		}
		if m := matchIf(c == 'b', reWikiBq, line); m != nil {
			line = m[1]
		}
		para = append(para, line)
	}
	flush()
	return out
}

func isWikiListLead(c byte) bool { return c == '*' || c == '#' || c == '-' }

func wikiParagraph(lines []string) []block {
	return paragraphBlocks(lines, func(l string) (string, bool) {
		if m := reWikiBoldLine.FindStringSubmatch(l); m != nil {
			return wikiInline(m[1]), true
		}
		return "", false
	}, func(l string) (string, string, bool) {
		if leadByte(l) != '*' && leadByte(l) != '_' {
			return "", "", false
		}
		return boldLead(reWikiBoldLead.FindStringSubmatch(l))
	}, wikiInline)
}

// wikiRow splits "||h1||h2||" or "|c1|c2|" into cells; the row is a header
// row when every cell was opened by "||".
func wikiRow(line string) ([]string, bool) {
	var cells []string
	allHeader := true
	var cur strings.Builder
	started := false
	curHeader := false
	end := func() {
		if started {
			cells = append(cells, collapseSpace(wikiInline(cur.String())))
			if !curHeader {
				allHeader = false
			}
		}
		cur.Reset()
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\\' && i+1 < len(line):
			cur.WriteByte(c)
			cur.WriteByte(line[i+1])
			i++
		case c == '[':
			k := strings.IndexByte(line[i:], ']')
			if k < 0 {
				cur.WriteByte(c)
				continue
			}
			cur.WriteString(line[i : i+k+1])
			i += k
		case c == '{' && strings.HasPrefix(line[i:], "{{"):
			k := strings.Index(line[i+2:], "}}")
			if k < 0 {
				cur.WriteByte(c)
				continue
			}
			cur.WriteString(line[i : i+2+k+2])
			i += 2 + k + 1
		case c == '|':
			end()
			started = true
			curHeader = i+1 < len(line) && line[i+1] == '|'
			if curHeader {
				i++
			}
		default:
			cur.WriteByte(c)
		}
	}
	// The text after the last separator is a cell only when it is not blank.
	if strings.TrimSpace(cur.String()) != "" {
		end()
	}
	if len(cells) == 0 {
		allHeader = false
	}
	return cells, allHeader
}

// wikiInline strips Jira wiki inline markup: *strong*, _emphasis_, -deleted-,
// +inserted+, ^sup^, ~sub~, ??citation??, {{monospace}}, {color}, links,
// mentions, images, "\\" line breaks, backslash escapes and character
// references.
func wikiInline(s string) string {
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
			switch {
			case i+1 < len(s) && s[i+1] == '\\':
				t.lit("\n")
				i += 2
			case i+1 < len(s):
				_, n := utf8.DecodeRuneInString(s[i+1:])
				t.lit(s[i+1 : i+1+n])
				i += 1 + n
			default:
				t.lit("\\")
				i++
			}
			start = i
		case '{':
			if strings.HasPrefix(s[i:], "{{") && la.ok() {
				if k := strings.Index(window(s, i+2), "}}"); k >= 0 {
					flushLit(i)
					t.lit(s[i+2 : i+2+k])
					i += 2 + k + 2
					start = i
					continue
				}
				la.fail()
			}
			if m := reWikiInlineMacro.FindStringIndex(s[i:]); m != nil {
				flushLit(i)
				i += m[1]
				start = i
				continue
			}
			i++
		case '[':
			k := -1
			if la.ok() {
				if k = strings.IndexByte(window(s, i), ']'); k < 0 {
					la.fail()
				}
			}
			if k < 0 {
				i++
				continue
			}
			flushLit(i)
			t.lit(wikiLinkText(s[i+1 : i+k]))
			i += k + 1
			start = i
		case '!':
			if i+1 < len(s) && !isSpaceByte(s[i+1]) && la.ok() {
				la.fail() // counted whether or not it is an image: the search is the cost
				if k := strings.IndexByte(window(s, i+1), '!'); k > 0 && k < 300 {
					inner := s[i+1 : i+1+k]
					if !strings.ContainsAny(inner, " \t\n") && (strings.ContainsAny(inner, ".|") || strings.Contains(inner, "://")) {
						flushLit(i)
						i += k + 2
						start = i
						continue
					}
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
		case '*', '_', '-', '+', '^', '~', '?':
			flushLit(i)
			j := runEnd(s, i, c)
			open, close := flanking(s, i, j)
			if c == '?' && j-i != 2 {
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

var reWikiInlineMacro = regexp.MustCompile(`^\{(?:color|anchor|status)(?::[^}]*)?\}`)

// wikiLinkText returns the visible text of a [link]: the alias of
// [alias|url], the name of a [~user] mention, else the target itself.
func wikiLinkText(inner string) string {
	if strings.HasPrefix(inner, "~") {
		inner = strings.TrimPrefix(inner[1:], "accountid:")
		return inner
	}
	inner = strings.TrimPrefix(inner, "^")
	if k := strings.IndexByte(inner, '|'); k >= 0 {
		if k == 0 {
			return wikiLinkText(inner[1:])
		}
		return wikiInline(inner[:k])
	}
	return inner
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// RenderWiki renders d in Jira wiki markup: "h1." title, "h2." per section,
// "h3. Factor N: name" per contributing factor and "||header||" tables for the
// timeline and the action items. Text is escaped so that ParseWiki reads it
// back as written.
func RenderWiki(d *Document) string {
	var b strings.Builder
	for i, bl := range renderBlocks(d) {
		if i > 0 {
			b.WriteString("\n")
		}
		switch bl.kind {
		case blockHeading:
			b.WriteString("h")
			b.WriteByte(byte('0' + bl.level))
			b.WriteString(". ")
			b.WriteString(wikiEscape(bl.text, false))
			b.WriteString("\n")
		case blockParagraph:
			for _, l := range strings.Split(bl.text, "\n") {
				b.WriteString(wikiEscape(strings.TrimSpace(l), true))
				b.WriteString("\n")
			}
		case blockList:
			marker := "* "
			if bl.ordered {
				marker = "# "
			}
			for _, it := range bl.items {
				b.WriteString(marker)
				b.WriteString(wikiEscape(collapseSpace(it), false))
				b.WriteString("\n")
			}
		case blockTable:
			for r, row := range bl.rows {
				sep := "|"
				if r == 0 && bl.header {
					sep = "||"
				}
				b.WriteString(sep)
				for _, c := range row {
					c = wikiEscape(collapseSpace(c), false)
					if c == "" {
						c = " "
					}
					b.WriteString(c)
					b.WriteString(sep)
				}
				b.WriteString("\n")
			}
		}
	}
	return b.String()
}

// wikiEscape escapes what ParseWiki would read as markup. Jira reads "\\"
// as a line break, so a literal backslash is written as the character
// reference "&#92;".
func wikiEscape(s string, lineStart bool) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	if lineStart {
		if len(s) >= 3 && s[0] == 'h' && s[1] >= '1' && s[1] <= '6' && s[2] == '.' ||
			strings.HasPrefix(s, "bq.") {
			b.WriteByte('\\')
			b.WriteByte(s[0])
			s = s[1:]
			lineStart = false
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			b.WriteString("&#92;")
			i++
		case c == '&' && looksLikeEntity(s[i:]):
			b.WriteString("&#38;")
			i++
		case strings.IndexByte("{}[]|", c) >= 0:
			b.WriteByte('\\')
			b.WriteByte(c)
			i++
		case c == '?' && ((i+1 < len(s) && s[i+1] == '?') || (i > 0 && s[i-1] == '?')):
			b.WriteString("\\?")
			i++
		case c == '!' && i+1 < len(s) && !isSpaceByte(s[i+1]):
			b.WriteString("\\!")
			i++
		case strings.IndexByte("*_-+^~", c) >= 0:
			j, esc := flankingRunAt(s, i, "*_-+^~")
			esc = esc || (i == 0 && lineStart)
			for k := i; k < j; k++ {
				if esc {
					b.WriteByte('\\')
				}
				b.WriteByte(c)
			}
			i = j
		case i == 0 && lineStart && c == '#':
			b.WriteString("\\#")
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
