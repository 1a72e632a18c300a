// Package wordre runs regular expressions whose matches start at a word
// boundary with a literal ("\b(misconfigur\w*|config change)",
// "(?i)\b(?:should|must) have ...|\bif only\b") faster than Go's regexp
// and with the same matches.
//
// Go's regexp tries every position of a text, which is slow for long
// alternations; a match of such a pattern can only start where a word
// starts with one of its literal prefixes. A Regexp finds those candidates
// in one pass over the text's word starts, by their first byte, and at a
// candidate tries the pattern's top-level alternatives one at a time, in
// order, anchored, and only those one of whose prefixes is there: the first
// that matches is the match the whole pattern makes (leftmost-first), and
// a small anchored program runs on Go's backtracker where the whole one ran
// on its slower NFA. A Set runs many patterns over one text in one pass.
//
// A pattern of another shape, or one whose prefix set is not known, runs on
// Go's regexp unchanged. A case-insensitive pattern compares its lowercase
// prefixes with the text's ASCII lowercase form, so on a text with
// non-ASCII bytes (which (?i) may fold onto ASCII letters: the Kelvin sign,
// the long s) it runs on Go's regexp too.
package wordre

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode"
)

// Regexp is a compiled pattern. It is safe for concurrent use.
type Regexp struct {
	re *regexp.Regexp
	// fold: the prefixes are lowercase and read the text's ASCII
	// lowercase form.
	fold     bool
	prefixes []string // nil: no prefix set known; every call runs re
	// alts are the anchored alternatives (the whole pattern when it is
	// not an alternation); byFirst the prefixes by their first byte, each
	// with its alternative, in the alternatives' order.
	alts    []*regexp.Regexp
	byFirst [256][]prefixRef
}

// prefixRef is one prefix of a pattern's alternative: re is the pattern's
// place in a Set (0 in a Regexp's own table).
type prefixRef struct {
	re, alt int
	prefix  string
}

// window bounds the text an anchored try reads first; a match that reaches
// its end is tried again on the rest of the text.
const window = 400

// MustCompile compiles expr (Go's regexp syntax); it panics when expr does
// not compile.
func MustCompile(expr string) *Regexp {
	r := &Regexp{re: regexp.MustCompile(expr)}
	tree, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return r
	}
	tree = tree.Simplify()
	// \b(a1|a2|...)rest, \ba1|\bb2|..., or \bx.
	var alts []*syntax.Regexp
	var rest string
	switch {
	case tree.Op == syntax.OpConcat && len(tree.Sub) > 1 && tree.Sub[0].Op == syntax.OpWordBoundary:
		x := tree.Sub[1]
		for x.Op == syntax.OpCapture {
			x = x.Sub[0]
		}
		if x.Op != syntax.OpAlternate {
			alts = []*syntax.Regexp{tree}
			break
		}
		alts = x.Sub
		var b strings.Builder
		for _, sub := range tree.Sub[2:] {
			b.WriteString(sub.String())
		}
		rest = b.String()
	case tree.Op == syntax.OpAlternate:
		for _, sub := range tree.Sub {
			if sub.Op != syntax.OpConcat || len(sub.Sub) == 0 || sub.Sub[0].Op != syntax.OpWordBoundary {
				return r
			}
		}
		alts = tree.Sub
	default:
		return r
	}
	var pf prefixFinder
	sets := make([][]string, len(alts))
	for i, a := range alts {
		p, ok := pf.prefixes(a)
		if !ok || len(p) == 0 {
			return r
		}
		sets[i] = p
	}
	if pf.fold && pf.exact {
		return r // a case-sensitive letter next to folded ones: no one form of the text serves both
	}
	compiled := make([]*regexp.Regexp, len(alts))
	for i, a := range alts {
		re, err := regexp.Compile(`^(?:` + a.String() + `)` + rest)
		if err != nil {
			return r
		}
		compiled[i] = re
	}
	var byFirst [256][]prefixRef
	var prefixes []string
	for i, p := range sets {
		for _, s := range p {
			if pf.fold {
				s = strings.ToLower(s)
			}
			if s == "" || !IsWordByte(s[0]) {
				return r
			}
			byFirst[s[0]] = append(byFirst[s[0]], prefixRef{alt: i, prefix: s})
			prefixes = append(prefixes, s)
		}
	}
	r.fold, r.alts, r.byFirst, r.prefixes = pf.fold, compiled, byFirst, prefixes
	return r
}

// String is the pattern's source.
func (r *Regexp) String() string { return r.re.String() }

// Accelerated reports whether the pattern runs from its prefixes (false: it
// runs on Go's regexp).
func (r *Regexp) Accelerated() bool { return r.prefixes != nil }

// Alternatives is the number of alternatives tried one at a time (0 when
// not accelerated).
func (r *Regexp) Alternatives() int { return len(r.alts) }

// FindAllStringIndex is regexp.FindAllStringIndex(s, n).
func (r *Regexp) FindAllStringIndex(s string, n int) [][]int {
	t := NewText(s)
	return r.FindAllIn(&t, n)
}

// FindStringIndex is regexp.FindStringIndex(s).
func (r *Regexp) FindStringIndex(s string) []int {
	t := NewText(s)
	if m := r.FindAllIn(&t, 1); len(m) > 0 {
		return m[0]
	}
	return nil
}

// Text is a text prepared for many patterns: its word starts and, for
// case-insensitive ones, its ASCII lowercase form.
type Text struct {
	s, low string
	starts []int32
	ascii  bool
}

// NewText prepares s.
func NewText(s string) Text {
	t := Text{s: s, ascii: true, starts: make([]int32, 0, len(s)/6+1)}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			t.ascii = false
		}
		if IsWordByte(c) && (i == 0 || !IsWordByte(s[i-1])) {
			t.starts = append(t.starts, int32(i))
		}
	}
	return t
}

// NewTextLower is NewText for a caller that has strings.ToLower(s) at hand.
func NewTextLower(s, low string) Text {
	t := NewText(s)
	if t.ascii && len(low) == len(s) {
		t.low = low
	}
	return t
}

func (t *Text) lower() string {
	if t.low == "" && t.s != "" {
		b := []byte(t.s)
		for i, c := range b {
			if 'A' <= c && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			}
		}
		t.low = string(b)
	}
	return t.low
}

// FindAllIn is regexp.FindAllStringIndex(t's text, n).
func (r *Regexp) FindAllIn(t *Text, n int) [][]int {
	if n == 0 {
		return nil
	}
	one := [1]*Regexp{r}
	var out [1][][]int
	var end [1]int
	scan(one[:], &r.byFirst, r.fold, t, n, out[:], end[:])
	return out[0]
}

// anchoredAt is the length of re's match at s[pos:], 0 when none (an empty
// match counts as none: an accelerated pattern starts with a literal).
func anchoredAt(re *regexp.Regexp, s string, pos int) int {
	hi := min(len(s), pos+window)
	m := re.FindStringIndex(s[pos:hi])
	if m != nil && m[1] > 0 && hi < len(s) && pos+m[1] == hi { // cut by the window: read the rest
		m = re.FindStringIndex(s[pos:])
	}
	if m == nil {
		return 0
	}
	return m[1]
}

// Set runs many patterns over one text in one pass over its word starts.
type Set struct {
	res     []*Regexp
	byFirst [2][256][]prefixRef // [0] case-sensitive patterns, [1] folded ones
	folds   bool                // some pattern is folded
}

// NewSet makes a set of res; FindAllIn gives their matches in this order.
func NewSet(res ...*Regexp) *Set {
	set := &Set{res: res}
	for i, r := range res {
		f := 0
		if r.fold {
			f = 1
			set.folds = true
		}
		for c := range r.byFirst {
			for _, ref := range r.byFirst[c] {
				set.byFirst[f][c] = append(set.byFirst[f][c], prefixRef{re: i, alt: ref.alt, prefix: ref.prefix})
			}
		}
	}
	return set
}

// FindAllIn returns, for each pattern of the set, its FindAllIn(t, -1).
func (set *Set) FindAllIn(t *Text) [][][]int {
	out := make([][][]int, len(set.res))
	end := make([]int, len(set.res))
	scan(set.res, &set.byFirst[0], false, t, -1, out, end)
	if set.folds {
		scan(set.res, &set.byFirst[1], true, t, -1, out, end)
	}
	return out
}

// scan finds the matches of res in t, at most n a pattern (n < 0: all), into
// out (by pattern), over t's word starts: at each, the refs of the byte
// there (byFirst, for the text's own form or, when fold, its ASCII
// lowercase form), which come by pattern and each pattern's by
// alternative. A pattern is done at a start once one alternative matched,
// an alternative is tried once however many of its prefixes are there, and
// a pattern's next match starts after its last one (end, by pattern). A
// pattern with no prefix set, or a folded one on a text that is not ASCII,
// runs on Go's regexp instead (in the pass for its own form).
func scan(res []*Regexp, byFirst *[256][]prefixRef, fold bool, t *Text, n int, out [][][]int, end []int) {
	s, cmp := t.s, t.s
	fast := false
	for i, r := range res {
		if r.fold != fold {
			continue
		}
		if r.prefixes == nil || (fold && !t.ascii) {
			out[i] = r.re.FindAllStringIndex(s, n)
			end[i] = len(s) + 1 // done
			continue
		}
		end[i] = -1
		fast = true
	}
	if !fast {
		return
	}
	if fold {
		cmp = t.lower()
	}
	for _, p32 := range t.starts {
		pos := int(p32)
		matched, triedRe, triedAlt := -1, -1, -1
		for _, ref := range byFirst[cmp[pos]] {
			if ref.re == matched || pos < end[ref.re] || (ref.re == triedRe && ref.alt == triedAlt) || !strings.HasPrefix(cmp[pos:], ref.prefix) {
				continue
			}
			triedRe, triedAlt = ref.re, ref.alt
			if m := anchoredAt(res[ref.re].alts[ref.alt], s, pos); m > 0 {
				out[ref.re] = append(out[ref.re], []int{pos, pos + m})
				end[ref.re] = pos + m
				if len(out[ref.re]) == n {
					end[ref.re] = len(s) + 1 // done
				}
				matched = ref.re
			}
		}
	}
}

// IsWordByte reports whether c is a word character of Go regexp's \b
// (ASCII letters, digits and '_').
func IsWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// prefixFinder finds the literal prefix sets of alternatives and notes
// whether they fold case, or hold a letter that does not.
type prefixFinder struct {
	fold, exact bool
}

// prefixes returns strings one of which every match of re starts with (up
// to 4 runes each), or ok = false when no such set is known.
func (pf *prefixFinder) prefixes(re *syntax.Regexp) (set []string, ok bool) {
	switch re.Op {
	case syntax.OpLiteral:
		r := re.Rune[:min(4, len(re.Rune))]
		if re.Flags&syntax.FoldCase != 0 {
			for _, c := range r {
				if c >= 0x80 {
					return nil, false
				}
			}
			pf.fold = true
		} else if hasLetter(r) {
			pf.exact = true
		}
		return []string{string(r)}, true
	case syntax.OpCharClass:
		var out []string
		var rs []rune
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for c := re.Rune[i]; c <= re.Rune[i+1]; c++ {
				rs = append(rs, c)
				out = append(out, string(c))
				if len(out) > 12 {
					return nil, false
				}
			}
		}
		if hasLetter(rs) && !caseClosed(rs) {
			pf.exact = true
		}
		return out, true
	case syntax.OpCapture, syntax.OpPlus:
		return pf.prefixes(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min == 0 {
			return nil, false
		}
		return pf.prefixes(re.Sub[0])
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			s, ok := pf.prefixes(sub)
			if !ok {
				return nil, false
			}
			out = append(out, s...)
		}
		return out, true
	case syntax.OpConcat:
		var out []string
		for _, sub := range re.Sub {
			switch sub.Op {
			case syntax.OpWordBoundary, syntax.OpNoWordBoundary, syntax.OpBeginLine, syntax.OpBeginText, syntax.OpEmptyMatch:
				continue
			case syntax.OpQuest, syntax.OpStar:
				s, ok := pf.prefixes(sub.Sub[0])
				if !ok {
					return nil, false
				}
				out = append(out, s...)
				continue
			case syntax.OpRepeat:
				if sub.Min == 0 {
					s, ok := pf.prefixes(sub.Sub[0])
					if !ok {
						return nil, false
					}
					out = append(out, s...)
					continue
				}
			}
			s, ok := pf.prefixes(sub)
			if !ok {
				return nil, false
			}
			return append(out, s...), true
		}
		return nil, false
	}
	return nil, false
}

func hasLetter(rs []rune) bool {
	for _, c := range rs {
		if unicode.IsLetter(c) {
			return true
		}
	}
	return false
}

// caseClosed reports whether every ASCII letter of rs has its other case in
// rs too (a class under (?i)), and rs has no other letter.
func caseClosed(rs []rune) bool {
	in := map[rune]bool{}
	for _, c := range rs {
		in[c] = true
	}
	for _, c := range rs {
		switch {
		case 'a' <= c && c <= 'z':
			if !in[c-'a'+'A'] {
				return false
			}
		case 'A' <= c && c <= 'Z':
			if !in[c-'A'+'a'] {
				return false
			}
		case unicode.IsLetter(c):
			return false
		}
	}
	return true
}
