package language

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Span is a sentence's byte range [Start, End) in the text it came from.
type Span struct {
	Start, End int
}

// abbreviations end with a dot that does not end a sentence (lowercase,
// without the final dot).
var abbreviations = map[string]bool{
	"e.g": true, "i.e": true, "eg": true, "ie": true, "vs": true, "etc": true, "cf": true, "al": true,
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "sr": true, "jr": true, "st": true,
	"inc": true, "ltd": true, "co": true, "corp": true, "llc": true, "dept": true, "approx": true,
	"est": true, "no": true, "nos": true, "fig": true, "vol": true, "u.s": true, "u.k": true,
	"a.m": true, "p.m": true, "jan": true, "feb": true, "mar": true, "apr": true, "jun": true, "jul": true,
	"aug": true, "sep": true, "sept": true, "oct": true, "nov": true, "dec": true, "min": true,
	"mins": true, "sec": true, "secs": true, "hr": true, "hrs": true, "ver": true, "resp": true,
}

// sentenceEndingAbbrev may also end a sentence when a capitalized word follows.
var sentenceEndingAbbrev = map[string]bool{"etc": true, "a.m": true, "p.m": true, "inc": true, "ltd": true, "co": true, "corp": true, "llc": true}

// Sentences splits text into sentences. A sentence ends at '.', '!' or '?'
// followed by space and a word that can start a sentence, at a blank line,
// and before a line that starts a list item or heading. A dot inside a
// token (decimals 3.5, versions v1.2.3, hosts and URLs example.com/a.b) never
// ends a sentence, nor does a known abbreviation (e.g., i.e., Dr.) or an
// initial (J. Smith). Surrounding whitespace is trimmed from every span.
func Sentences(text string) []Span {
	var out []Span
	start := 0
	emit := func(end int) {
		s, e := start, end
		for s < e {
			r, n := utf8.DecodeRuneInString(text[s:])
			if !unicode.IsSpace(r) {
				break
			}
			s += n
		}
		for e > s {
			r, n := utf8.DecodeLastRuneInString(text[:e])
			if !unicode.IsSpace(r) {
				break
			}
			e -= n
		}
		if e > s {
			out = append(out, Span{s, e})
		}
		start = end
	}
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == '\n':
			// Blank line, or the next line starts a list item / heading.
			j := i + 1
			for j < len(text) && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r') {
				j++
			}
			if j >= len(text) || text[j] == '\n' || startsBlock(text[j:]) || headingLine(text[start:i]) {
				emit(i)
			}
		case r == '.' || r == '!' || r == '?' || r == '…':
			end := i + n
			// absorb repeated terminators and closing quotes/brackets
			for end < len(text) {
				c, m := utf8.DecodeRuneInString(text[end:])
				if c == '.' || c == '!' || c == '?' || c == '"' || c == '\'' || c == ')' || c == ']' || c == '”' || c == '’' {
					end += m
					continue
				}
				break
			}
			if end >= len(text) {
				emit(len(text))
				i = len(text)
				continue
			}
			c, _ := utf8.DecodeRuneInString(text[end:])
			if !unicode.IsSpace(c) {
				break // dot inside a token: 3.5, v1.2, example.com
			}
			next := nextWord(text[end:])
			if r == '.' && !isBoundaryAfterDot(text[start:i], next) {
				break
			}
			if next != "" {
				nr, _ := utf8.DecodeRuneInString(next)
				if unicode.IsLower(nr) {
					break // "..." or an abbreviation we do not know, mid-sentence
				}
			}
			emit(end)
			i = end
			continue
		}
		i += n
	}
	emit(len(text))
	return out
}

// startsBlock reports a line that begins a list item or a heading.
func startsBlock(line string) bool {
	if line == "" {
		return false
	}
	switch line[0] {
	case '-', '*', '+', '#', '|':
		return len(line) > 1 && (line[1] == ' ' || line[0] == '#' || line[0] == '|')
	}
	// "1. " or "1) "
	j := 0
	for j < len(line) && line[j] >= '0' && line[j] <= '9' {
		j++
	}
	return j > 0 && j+1 < len(line) && (line[j] == '.' || line[j] == ')') && line[j+1] == ' '
}

// headingLine reports whether the text since the last boundary is a short
// line without terminal punctuation (a heading such as "Root Cause"), so
// the newline after it ends it.
func headingLine(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" || strings.Contains(s, "\n") || len(s) > 80 {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(s)
	if unicode.IsLetter(last) && unicode.IsLower(last) && !strings.HasPrefix(s, "#") {
		// a lowercase ending is a wrapped line unless the line is Title Case
		words := strings.Fields(s)
		for _, w := range words {
			if r, _ := utf8.DecodeRuneInString(w); unicode.IsLower(r) && len(w) > 3 {
				return false
			}
		}
	}
	return !strings.ContainsAny(string(last), ",;")
}

// nextWord returns the first word after leading spaces and opening quotes.
func nextWord(s string) string {
	s = strings.TrimLeftFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '"' || r == '\'' || r == '(' || r == '“' || r == '‘'
	})
	if i := strings.IndexFunc(s, unicode.IsSpace); i >= 0 {
		return s[:i]
	}
	return s
}

// isBoundaryAfterDot decides whether the dot ending before (the sentence so
// far) ends the sentence, given the next word.
func isBoundaryAfterDot(before, next string) bool {
	// last token before the dot
	j := strings.LastIndexFunc(before, func(r rune) bool { return unicode.IsSpace(r) || r == '(' || r == '"' })
	tok := before[j+1:]
	low := strings.ToLower(tok)
	if abbreviations[low] {
		if sentenceEndingAbbrev[low] && next != "" {
			r, _ := utf8.DecodeRuneInString(next)
			return unicode.IsUpper(r) && !abbreviations[strings.ToLower(strings.TrimRight(next, "."))]
		}
		return false
	}
	// An initial: a single uppercase letter ("J. Smith"), or dotted
	// initials ("U.S.").
	if utf8.RuneCountInString(tok) == 1 {
		r, _ := utf8.DecodeRuneInString(tok)
		if unicode.IsUpper(r) {
			return false
		}
	}
	if strings.Count(tok, ".") >= 1 && len(tok) <= 5 && !strings.ContainsAny(tok, "0123456789") {
		return false // "U.S", "e.g" variants
	}
	return true
}
