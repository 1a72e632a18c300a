package themes

import (
	"regexp"
	"regexp/syntax"
	"strings"
)

// fastRe runs a regular expression that starts at a word boundary only
// where one of its literal prefixes starts a word: Go's regexp tries every
// position of a long alternation, which made the cause classifier cost
// about 0.5 ms a factor; anchored tries at the few candidate positions give
// the same matches (the leftmost, non-overlapping ones).
//
// The candidates are found in one pass over the text's word starts, by
// their first byte (a pass per prefix cost 87 us a factor at the xlarge
// org). A pattern of the form \b(a1|a2|...)rest is tried at a candidate
// one alternative at a time, in order, and only the alternatives one of
// whose prefixes is there: the first that matches is the match the whole
// pattern makes (leftmost-first), and a small anchored program runs on
// Go's backtracker where the whole one ran on its slower NFA.
type fastRe struct {
	re       *regexp.Regexp
	prefixes []string // nil: no prefix set known, use re
	// alts are the anchored alternatives (the whole pattern when it is not
	// an alternation); byFirst the prefixes by their first byte, each with
	// the alternative it starts, in the alternatives' order.
	alts    []*regexp.Regexp
	byFirst [256][]prefixRef
}

type prefixRef struct {
	prefix string
	alt    int
}

// fastWindow bounds the text an anchored try reads; no cue is that long.
const fastWindow = 400

func mustFast(expr string) *fastRe {
	f := &fastRe{re: regexp.MustCompile(expr)}
	tree, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return f
	}
	tree = tree.Simplify()
	if tree.Op != syntax.OpConcat || len(tree.Sub) == 0 || tree.Sub[0].Op != syntax.OpWordBoundary {
		return f
	}
	p, ok := literalPrefixes(tree)
	if !ok || len(p) == 0 {
		return f
	}
	for _, s := range p {
		if s == "" || !isWordByte(s[0]) {
			return f
		}
	}
	f.prefixes = p
	if f.splitAlternatives(tree) {
		return f
	}
	f.alts = []*regexp.Regexp{regexp.MustCompile(`^(?:` + expr + `)`)}
	for _, s := range p {
		f.byFirst[s[0]] = append(f.byFirst[s[0]], prefixRef{s, 0})
	}
	return f
}

// splitAlternatives sets f's alternatives from tree, \b followed by an
// alternation (possibly captured) and the rest, when each alternative has
// a known prefix set.
func (f *fastRe) splitAlternatives(tree *syntax.Regexp) bool {
	if len(tree.Sub) < 2 {
		return false
	}
	alt := tree.Sub[1]
	for alt.Op == syntax.OpCapture {
		alt = alt.Sub[0]
	}
	if alt.Op != syntax.OpAlternate {
		return false
	}
	var rest strings.Builder
	for _, sub := range tree.Sub[2:] {
		rest.WriteString(sub.String())
	}
	alts := make([]*regexp.Regexp, len(alt.Sub))
	var byFirst [256][]prefixRef
	for i, sub := range alt.Sub {
		p, ok := literalPrefixes(sub)
		if !ok || len(p) == 0 {
			return false
		}
		for _, s := range p {
			if s == "" || !isWordByte(s[0]) {
				return false
			}
			byFirst[s[0]] = append(byFirst[s[0]], prefixRef{s, i})
		}
		re, err := regexp.Compile(`^(?:` + sub.String() + `)` + rest.String())
		if err != nil {
			return false
		}
		alts[i] = re
	}
	f.alts, f.byFirst = alts, byFirst
	return true
}

func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// findAll returns the byte ranges of the non-overlapping matches in s, as
// re.FindAllStringIndex(s, -1) would.
func (f *fastRe) findAll(s string) [][]int { return f.matches(s, wordStarts(s), -1) }

// findAllAt is findAll given wordStarts(s) as starts, for many patterns
// over one text.
func (f *fastRe) findAllAt(s string, starts []int32) [][]int { return f.matches(s, starts, -1) }

// wordStarts are the offsets of s where a word byte follows a non-word one
// (or the start): the only places a match can start.
func wordStarts(s string) []int32 {
	var out []int32
	for i := 0; i < len(s); i++ {
		if isWordByte(s[i]) && (i == 0 || !isWordByte(s[i-1])) {
			out = append(out, int32(i))
		}
	}
	return out
}

// matches returns the first n matches (all when n < 0) of s, given its
// word starts.
func (f *fastRe) matches(s string, starts []int32, n int) [][]int {
	if f.prefixes == nil {
		return f.re.FindAllStringIndex(s, n)
	}
	var out [][]int
	end := -1
	for _, p32 := range starts {
		if n == 0 {
			break
		}
		// Candidates: word starts (every prefix begins with a word byte)
		// where a prefix begins, past the previous match.
		pos := int(p32)
		refs := f.byFirst[s[pos]]
		if len(refs) == 0 || pos < end {
			continue
		}
		tried := -1
		for _, r := range refs {
			if r.alt == tried || !strings.HasPrefix(s[pos:], r.prefix) {
				continue
			}
			tried = r.alt
			if m := anchoredAt(f.alts[r.alt], s, pos); m > 0 {
				out = append(out, []int{pos, pos + m})
				end = pos + m
				n--
				break
			}
		}
	}
	return out
}

// anchoredAt is the length of re's match at s[pos:], 0 when none (an empty
// match counts as none: no pattern here matches empty). It reads a window
// of fastWindow bytes first, and the rest only when a match reaches the
// window's end.
func anchoredAt(re *regexp.Regexp, s string, pos int) int {
	hi := min(len(s), pos+fastWindow)
	m := re.FindStringIndex(s[pos:hi])
	if m != nil && m[1] > 0 && hi < len(s) && pos+m[1] == hi { // cut by the window: read the rest
		m = re.FindStringIndex(s[pos:])
	}
	if m == nil {
		return 0
	}
	return m[1]
}

// find returns the first match, or nil.
func (f *fastRe) find(s string) []int {
	if m := f.matches(s, wordStarts(s), 1); len(m) > 0 {
		return m[0]
	}
	return nil
}

// fastSet runs many fastRe patterns over one text in one pass over its
// word starts: the classifier's cues, each of which would otherwise walk
// every word start itself.
type fastSet struct {
	res     []*fastRe
	byFirst [256][]setRef // every pattern's prefixes, by pattern then alternative
}

type setRef struct {
	re, alt int
	prefix  string
}

func newFastSet(res []*fastRe) *fastSet {
	fs := &fastSet{res: res}
	for i, f := range res {
		for c := range f.byFirst {
			for _, r := range f.byFirst[c] {
				fs.byFirst[c] = append(fs.byFirst[c], setRef{re: i, alt: r.alt, prefix: r.prefix})
			}
		}
	}
	return fs
}

// findAllAt returns, for each pattern, what its findAllAt(s, starts) would.
func (fs *fastSet) findAllAt(s string, starts []int32) [][][]int {
	out := make([][][]int, len(fs.res))
	end := make([]int, len(fs.res))
	for i, f := range fs.res {
		end[i] = -1
		if f.prefixes == nil {
			out[i] = f.re.FindAllStringIndex(s, -1)
		}
	}
	for _, p32 := range starts {
		pos := int(p32)
		// Refs come by pattern, each pattern's by alternative (as in its
		// own byFirst): a pattern is done at pos once one alternative
		// matched, and an alternative is tried once however many of its
		// prefixes are there.
		matched, triedRe, triedAlt := -1, -1, -1
		for _, r := range fs.byFirst[s[pos]] {
			if r.re == matched || pos < end[r.re] || (r.re == triedRe && r.alt == triedAlt) || !strings.HasPrefix(s[pos:], r.prefix) {
				continue
			}
			triedRe, triedAlt = r.re, r.alt
			if m := anchoredAt(fs.res[r.re].alts[r.alt], s, pos); m > 0 {
				out[r.re] = append(out[r.re], []int{pos, pos + m})
				end[r.re] = pos + m
				matched = r.re
			}
		}
	}
	return out
}
