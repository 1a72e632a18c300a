package language

import (
	"regexp"
	"strings"
)

// wordRe finds the matches of a case-insensitive regexp each of whose
// top-level alternatives starts at a word boundary with a literal
// ("\b(?:should|must) have ...|\bif only\b"): Go's regexp tries every
// position of the text, which is slow for long alternations, while a match
// can only start where a word starts with one of the literals. findAll
// tries the regexp, anchored, only there, in text order, so it finds what
// FindAllStringIndex finds (leftmost-first: at a position the anchored
// regexp prefers the same alternative). TestWordReEqualsRegexp compares them.
type wordRe struct {
	re       *regexp.Regexp
	anchored *regexp.Regexp
	stems    [256][]string // by first byte: lowercase literals a match starts with
}

// newWordRe builds a wordRe for re, which must be (?i) and of that shape;
// it panics otherwise (a pattern edited out of shape fails at init).
func newWordRe(re *regexp.Regexp) *wordRe {
	src, ok := strings.CutPrefix(re.String(), "(?i)")
	if !ok {
		panic("language: wordRe needs a (?i) pattern: " + re.String())
	}
	w := &wordRe{re: re, anchored: regexp.MustCompile(`(?i)\A(?:` + src + `)`)}
	for _, alt := range splitAlternatives(src) {
		rest, ok := strings.CutPrefix(alt, `\b`)
		if !ok {
			panic("language: wordRe alternative does not start at a word boundary: " + alt)
		}
		var lits []string
		if inner, ok := strings.CutPrefix(rest, "(?:"); ok {
			end := closingParen(inner)
			if end < 0 || (end+1 < len(inner) && strings.ContainsRune("?*{+", rune(inner[end+1]))) {
				panic("language: wordRe: unsupported group in " + alt)
			}
			for _, a := range splitAlternatives(inner[:end]) {
				lits = append(lits, literalPrefix(a))
			}
		} else {
			lits = append(lits, literalPrefix(rest))
		}
		for _, l := range lits {
			if l == "" || !isWordByte(l[0]) || l[0] >= 'A' && l[0] <= 'Z' {
				panic("language: wordRe: no literal start in " + alt)
			}
			w.stems[l[0]] = append(w.stems[l[0]], l)
		}
	}
	return w
}

// splitAlternatives splits a pattern at its top-level '|'.
func splitAlternatives(p string) []string {
	var out []string
	depth, start, class := 0, 0, false
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '\\':
			i++
		case class:
			class = c != ']'
		case c == '[':
			class = true
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == '|' && depth == 0:
			out = append(out, p[start:i])
			start = i + 1
		}
	}
	return append(out, p[start:])
}

// closingParen is the index of the ')' closing a group whose body starts p.
func closingParen(p string) int {
	depth, class := 0, false
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '\\':
			i++
		case class:
			class = c != ']'
		case c == '[':
			class = true
		case c == '(':
			depth++
		case c == ')':
			if depth == 0 {
				return i
			}
			depth--
		}
	}
	return -1
}

// literalPrefix is the lowercase literal a pattern starts with: letters,
// spaces, apostrophes and hyphens, up to a metacharacter or a quantified one.
func literalPrefix(p string) string {
	i := 0
	for i < len(p) {
		c := p[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == ' ' || c == '\'') {
			break
		}
		if i+1 < len(p) && strings.ContainsRune("?*{", rune(p[i+1])) {
			break
		}
		i++
	}
	return strings.ToLower(p[:i])
}

// findAll is re.FindAllStringIndex(s, n); low is strings.ToLower(s).
func (w *wordRe) findAll(s, low string, n int) [][]int {
	if !isASCII(s) || len(low) != len(s) {
		return w.re.FindAllStringIndex(s, n)
	}
	var out [][]int
	for p := 0; p < len(s); p++ {
		if p > 0 && isWordByte(s[p-1]) {
			continue
		}
		cand := false
		for _, st := range w.stems[low[p]] {
			if strings.HasPrefix(low[p:], st) {
				cand = true
				break
			}
		}
		if !cand {
			continue
		}
		if loc := w.anchored.FindStringIndex(s[p:]); loc != nil {
			out = append(out, []int{p, p + loc[1]})
			if n > 0 && len(out) == n {
				break
			}
			p += loc[1] - 1
		}
	}
	return out
}
