package language

import (
	"regexp"
	"strings"
	"testing"

	"github.com/aftermath-sre/aftermath/analyze/internal/wordre"

	"github.com/stretchr/testify/require"
)

// TestWordReEqualsRegexp: the word patterns (run by analyze/internal/wordre,
// each from its prefixes) find what Go's regexp finds, on the dev sentences
// (also with a person as subject) and crafted cases (two alternatives at one
// place, matches back to back, words inside words, non-ASCII).
func TestWordReEqualsRegexp(t *testing.T) {
	b := newBlameChecker()
	a := newActionChecker()
	var counterfactual *wordre.Regexp
	for _, r := range b.rules {
		if r.rule == RuleCounterfactual {
			counterfactual = r.word
		}
	}
	require.NotNil(t, counterfactual)
	res := map[string]*wordre.Regexp{"counterfactual": counterfactual, "concreteAnywhere": concreteAnywhereWord, "concrete": a.concreteWord}
	for name, w := range res {
		require.True(t, w.Accelerated(), "%s runs from its prefixes (a pattern edited out of shape would fall back to Go's regexp)", name)
	}
	extra := []string{"could have prevented it and would have caught it", "Should've, shouldve, should have known",
		"had he checked; had Alice checked", "If only. if only", "addadd add-add adding added", "setting set reset",
		"roll back, rolled out, rolling back", "alert on alert when", "Rotate the keys, then pin the version",
		"blocK the Kelvin", "ſhould have known", "Déployer: deploy the fix", "_add add_ 1add", "would not have happened had"}
	n := 0
	for _, s := range append(prefilterSentences(t), extra...) {
		low := strings.ToLower(s)
		for name, w := range res {
			plain := regexp.MustCompile(w.String())
			want := plain.FindAllStringIndex(s, -1)
			got := findWords(w, s, low)
			require.Equal(t, want, got, "%s on %q", name, s)
			if len(want) > 0 {
				n++
			}
			text := wordre.NewTextLower(s, low)
			require.Equal(t, plain.FindAllStringIndex(s, 1), w.FindAllIn(&text, 1), "%s on %q (n=1)", name, s)
		}
	}
	t.Logf("%d texts with matches", n)
}

// TestKnownNamesFindAllEqualsRegexp: knownNames.findAll finds what its
// regexp finds, with the simulated org's people and crafted names (a name
// inside another, dots, hyphens, non-ASCII letters).
func TestKnownNamesFindAllEqualsRegexp(t *testing.T) {
	names := []string{"Alice Smith", "Alice", "Al", "Bob Stone", "J. R. Doe", "Anne-Marie Dubois", "Zoë Ødegaard", "Émile Zola",
		"O'Brien", "Li", "Dev Ops", "Ops", "John Smith", "Dave", "Mike Jones", "Alex", "Chris Brown", "Sam", "Matt", "Tom",
		"Beatriz Garcia", "Chen", "Wei Larsen", "(Bot)", "x_y"}
	k := newKnownNames(names)
	extra := []string{"Alice Smith and Alice met Al, Alicea and _Alice", "J. R. Doe.", "Anne-Marie Dubois-Smith", "Zoë Ødegaard's fix",
		"ÉmileÉmile Zola", "O'Brien's", "Dev Ops Ops", "(Bot) (Bot)x", "x_y x_yz", "LiLi Li", "Tommy Tom Tom."}
	n := 0
	for _, s := range append(prefilterSentences(t), extra...) {
		for _, v := range []string{s, "Alice " + s, s + " Chen"} {
			want := k.re.FindAllStringIndex(v, -1)
			require.Equal(t, want, k.findAll(v), "%q", v)
			if len(want) > 0 {
				n++
			}
		}
	}
	t.Logf("%d texts with names", n)
}
