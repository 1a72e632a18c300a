package postmortem

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// inlineText collects the literal text and the emphasis delimiter runs of
// one span of inline markup; String pairs the delimiters and drops the matched
// ones, so "*bold* and 2*3" becomes "bold and 2*3".
type inlineText struct {
	toks []inlineToken
}

type inlineToken struct {
	text    string
	delim   byte // 0 for literal text
	open    bool
	close   bool
	removed bool
}

// maxDelimLookback bounds the search for an opener so adversarial input
// (thousands of unmatched openers) stays linear.
const maxDelimLookback = 64

func (t *inlineText) lit(s string) {
	if s != "" {
		t.toks = append(t.toks, inlineToken{text: s})
	}
}

func (t *inlineText) delim(run string, open, close bool) {
	if !open && !close {
		t.lit(run)
		return
	}
	t.toks = append(t.toks, inlineToken{text: run, delim: run[0], open: open, close: close})
}

func (t *inlineText) String() string {
	var stack []int
	for i := range t.toks {
		tok := &t.toks[i]
		if tok.delim == 0 {
			continue
		}
		matched := false
		if tok.close {
			for k := len(stack) - 1; k >= 0 && k >= len(stack)-maxDelimLookback; k-- {
				o := &t.toks[stack[k]]
				if o.delim == tok.delim && len(o.text) == len(tok.text) {
					o.removed, tok.removed = true, true
					stack = stack[:k]
					matched = true
					break
				}
			}
		}
		if !matched && tok.open {
			stack = append(stack, i)
		}
	}
	var b strings.Builder
	for _, tok := range t.toks {
		if !tok.removed {
			b.WriteString(tok.text)
		}
	}
	return b.String()
}

// decodeEntity decodes an HTML character reference at the start of s
// ("&amp;", "&#92;", "&#x5C;"), returning the text and the bytes consumed, or
// 0 when s does not start with one.
func decodeEntity(s string) (string, int) {
	if len(s) < 3 || s[0] != '&' {
		return "", 0
	}
	if len(s) > 12 {
		s = s[:12]
	}
	end := strings.IndexByte(s, ';')
	if end < 2 {
		return "", 0
	}
	name := s[1:end]
	if name[0] == '#' {
		var n uint64
		var err error
		if len(name) > 1 && (name[1] == 'x' || name[1] == 'X') {
			n, err = strconv.ParseUint(name[2:], 16, 32)
		} else {
			n, err = strconv.ParseUint(name[1:], 10, 32)
		}
		if err != nil || n == 0 || n > utf8.MaxRune {
			return "", 0
		}
		return string(rune(n)), end + 1
	}
	switch name {
	case "amp":
		return "&", end + 1
	case "lt":
		return "<", end + 1
	case "gt":
		return ">", end + 1
	case "quot":
		return `"`, end + 1
	case "apos":
		return "'", end + 1
	case "nbsp":
		return " ", end + 1
	}
	return "", 0
}

// looksLikeEntity reports whether s starts with something decodeEntity
// would decode; the renderers escape such an "&".
func looksLikeEntity(s string) bool {
	_, n := decodeEntity(s)
	return n > 0
}

// flankingRunAt looks at the byte s[i]: when it is one of delims it returns
// the end of its run and whether the run could open or close an inline span
// (and so must be escaped by a renderer); otherwise i+1 and false.
func flankingRunAt(s string, i int, delims string) (end int, escape bool) {
	c := s[i]
	if strings.IndexByte(delims, c) < 0 {
		return i + 1, false
	}
	j := runEnd(s, i, c)
	open, close := flanking(s, i, j)
	return j, open || close
}

// urlStops end a bare URL: white space and the characters that are markup
// of tables, links, macros and code in either dialect.
const urlStops = "|[]{}<>\"`\\"

// urlEnd returns the end of a bare URL ("http://..." or "https://..." at
// the start of a word) starting at s[i], or i when none starts there. Both
// dialects copy a URL verbatim, without reading markup inside it, and the
// renderers write it unescaped, so links in text stay usable.
func urlEnd(s string, i int) int {
	if i > 0 {
		if prev, _ := utf8.DecodeLastRuneInString(s[:i]); isAlnumRune(prev) {
			return i
		}
	}
	rest := s[i:]
	if !hasPrefixFold(rest, "http://") && !hasPrefixFold(rest, "https://") {
		return i
	}
	j := i
	for j < len(s) && !isSpaceByte(s[j]) && strings.IndexByte(urlStops, s[j]) < 0 {
		j++
	}
	return j
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// maxLookahead bounds how far an inline construct (a link, a code span) is
// searched for its end, and maxFailedLookaheads how many such searches may
// fail in one span of text before the rest is read literally; together they
// keep hostile input ("[[[[...") linear.
const (
	maxLookahead        = 2000
	maxFailedLookaheads = 64
)

// lookahead counts failed searches for the end of an inline construct.
type lookahead struct{ failures int }

func (l *lookahead) ok() bool { return l.failures < maxFailedLookaheads }

func (l *lookahead) fail() { l.failures++ }

// window returns at most maxLookahead bytes of s from i.
func window(s string, i int) string {
	if i > len(s) {
		return ""
	}
	if len(s)-i > maxLookahead {
		return s[i : i+maxLookahead]
	}
	return s[i:]
}
