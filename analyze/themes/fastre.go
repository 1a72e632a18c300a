package themes

import (
	"regexp"
	"regexp/syntax"
	"sort"
	"strings"
)

// fastRe runs a regular expression that starts at a word boundary only
// where one of its literal prefixes starts a word: Go's regexp tries every
// position of a long alternation, which made the cause classifier cost
// about 0.5 ms a factor; anchored tries at the few candidate positions give
// the same matches (the leftmost, non-overlapping ones).
type fastRe struct {
	re       *regexp.Regexp
	anchored *regexp.Regexp
	prefixes []string // nil: no prefix set known, use re
}

// fastWindow bounds the text an anchored try reads; no cue is that long.
const fastWindow = 400

func mustFast(expr string) *fastRe {
	f := &fastRe{re: regexp.MustCompile(expr), anchored: regexp.MustCompile(`^(?:` + expr + `)`)}
	tree, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return f
	}
	tree = tree.Simplify()
	if tree.Op != syntax.OpConcat || len(tree.Sub) == 0 || tree.Sub[0].Op != syntax.OpWordBoundary {
		return f
	}
	if p, ok := literalPrefixes(tree); ok && len(p) > 0 {
		for _, s := range p {
			if s == "" || !isWordByte(s[0]) {
				return f
			}
		}
		f.prefixes = p
	}
	return f
}

func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// findAll returns the byte ranges of the non-overlapping matches in s, as
// re.FindAllStringIndex(s, -1) would.
func (f *fastRe) findAll(s string) [][]int {
	if f.prefixes == nil {
		return f.re.FindAllStringIndex(s, -1)
	}
	var starts []int
	for _, p := range f.prefixes {
		for off := 0; off < len(s); {
			i := strings.Index(s[off:], p)
			if i < 0 {
				break
			}
			pos := off + i
			if pos == 0 || !isWordByte(s[pos-1]) {
				starts = append(starts, pos)
			}
			off = pos + 1
		}
	}
	if len(starts) == 0 {
		return nil
	}
	sort.Ints(starts)
	var out [][]int
	end := -1
	for i, pos := range starts {
		if pos < end || (i > 0 && pos == starts[i-1]) {
			continue
		}
		hi := min(len(s), pos+fastWindow)
		m := f.anchored.FindStringIndex(s[pos:hi])
		if m == nil || m[1] == 0 || (hi < len(s) && pos+m[1] == hi) {
			if m != nil && m[1] > 0 && hi < len(s) { // cut by the window: read the rest
				m = f.anchored.FindStringIndex(s[pos:])
			} else {
				continue
			}
			if m == nil || m[1] == 0 {
				continue
			}
		}
		out = append(out, []int{pos, pos + m[1]})
		end = pos + m[1]
	}
	return out
}

// find returns the first match, or nil.
func (f *fastRe) find(s string) []int {
	if f.prefixes == nil {
		return f.re.FindStringIndex(s)
	}
	all := f.findAll(s)
	if len(all) == 0 {
		return nil
	}
	return all[0]
}
