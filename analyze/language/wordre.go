package language

import "github.com/aftermath-sre/aftermath/analyze/internal/wordre"

// findWords is w's FindAllStringIndex(s, -1) given low, strings.ToLower(s),
// which the checks compute once per sentence. The patterns run this way
// (the counterfactual rule, the concrete-verb patterns) are case-insensitive
// alternations of words; analyze/internal/wordre tries them only where a
// word starts with one of their literals, with the matches Go's regexp
// finds.
func findWords(w *wordre.Regexp, s, low string) [][]int {
	t := wordre.NewTextLower(s, low)
	return w.FindAllIn(&t, -1)
}
