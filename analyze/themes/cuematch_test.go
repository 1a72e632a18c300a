package themes

import (
	"regexp"
	"testing"

	"github.com/aftermath-sre/aftermath/analyze/internal/devdata"
	"github.com/aftermath-sre/aftermath/analyze/internal/wordre"

	"github.com/stretchr/testify/require"
)

// classifierPatterns are every pattern the classifier runs: the cues, the
// unknown-cause and causal connectives, and the boilerplate.
func classifierPatterns() []*wordre.Regexp {
	var all []*wordre.Regexp
	for _, cu := range NewClassifier().cues {
		all = append(all, cu.re)
	}
	return append(all, unknownCue, causalAfter, causalBefore, boilerplate)
}

// requireCueMatches: each pattern, alone and in one set with the others,
// finds exactly what Go's regexp finds in each text.
func requireCueMatches(t *testing.T, all []*wordre.Regexp, texts []string) {
	t.Helper()
	set := wordre.NewSet(all...)
	for _, s := range texts {
		text := wordre.NewText(s)
		got := set.FindAllIn(&text)
		for i, r := range all {
			plain := regexp.MustCompile(r.String())
			want := plain.FindAllStringIndex(s, -1)
			if len(want) == 0 && len(got[i]) == 0 && len(r.FindAllStringIndex(s, -1)) == 0 {
				continue
			}
			require.Equal(t, want, got[i], "set member %s", r)
			require.Equal(t, want, r.FindAllStringIndex(s, -1), "%s", r)
		}
	}
}

// TestCueMatchesEqualRegexp: the classifier's patterns (run by
// analyze/internal/wordre) match as Go's regexp does on the simulated org's
// factor texts and crafted cases, and most of them run from their prefixes,
// one alternative at a time.
func TestCueMatchesEqualRegexp(t *testing.T) {
	items, _ := simSmallFactors(t)
	texts := []string{
		"", "bug", "x bug", "debug bugs", "misconfigured-config", "a recent deployment.",
		"the bgp sessions were dropped; bgp", "third-party vendor's isp", "root cause: unknown",
		"a" + string(make([]byte, 500)) + " config", "certificate for the api gateway expired",
		// Two alternatives of one pattern match at one place with
		// different ends: the first in the pattern's order wins.
		"a misconfigured server setting", "the server crashed due to a bug",
	}
	for _, it := range items {
		texts = append(texts, asciiLower(it.Text))
	}
	all := classifierPatterns()
	requireCueMatches(t, all, texts)
	split := 0
	for _, r := range all {
		if r.Alternatives() > 1 {
			split++
		}
	}
	require.Greater(t, split, len(all)*3/4, "most patterns are tried one alternative at a time")
}

// TestCueMatchesEqualRegexpOnRealProse: the same on the public postmortems
// of the dev file (each record's text and whole postmortem, lowercased as
// the classifier reads them), where sentences are longer and cues sit in
// running prose. Skipped without the file.
func TestCueMatchesEqualRegexpOnRealProse(t *testing.T) {
	var texts []string
	for _, r := range loadRealRecords(t) {
		for _, s := range []string{r.Text, r.FullText} {
			texts = append(texts, asciiLower(s), asciiLower(StripBoilerplate(s)))
		}
	}
	requireCueMatches(t, classifierPatterns(), texts)
}

// TestSentenceEndsEqualRegexp: sentenceEnds finds what sentenceEnd finds,
// on crafted cases, the simulated factors and (when present) the dev file.
func TestSentenceEndsEqualRegexp(t *testing.T) {
	texts := []string{"", ".", "a.", "a. b", "a.b. c", "a..  b", "e.g. x", "x!?; y", "x;\n\ny", "\n\n", "a\nb",
		"end.\t\r\fnext", "v1.2.3 released.", "no end", "tail ;", ". . .", "x.\u00a0y", "é. ü!"}
	items, _ := simSmallFactors(t)
	for _, it := range items {
		texts = append(texts, it.Text, asciiLower(it.Text))
	}
	if p, err := devdata.Lookup("postmortems-dev.jsonl"); err == nil {
		for _, r := range readRealRecords(t, p) {
			texts = append(texts, r.Text, r.FullText)
		}
	}
	for _, s := range texts {
		require.Equal(t, sentenceEnd.FindAllStringIndex(s, -1), sentenceEnds(s), "%q", s)
	}
}
