package themes

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

// fastRe must find exactly what the plain regexp finds: every cue, the
// connectives, the unknown-cause and boilerplate patterns, on the
// simulated org's factor texts and on crafted edge cases.
func TestFastReMatchesRegexp(t *testing.T) {
	items, _ := simSmallFactors(t)
	texts := []string{
		"", "bug", "x bug", "debug bugs", "misconfigured-config", "a recent deployment.",
		"the bgp sessions were dropped; bgp", "third-party vendor's isp", "root cause: unknown",
		"a" + string(make([]byte, 500)) + " config", "certificate for the api gateway expired",
	}
	for _, it := range items {
		texts = append(texts, asciiLower(it.Text))
	}
	var all []*fastRe
	for _, cu := range NewClassifier().cues {
		all = append(all, cu.re)
	}
	all = append(all, unknownCue, causalAfter, causalBefore, boilerplate)
	withPrefixes := 0
	for _, f := range all {
		if f.prefixes != nil {
			withPrefixes++
		}
		plain := regexp.MustCompile(f.re.String())
		for _, s := range texts {
			want := plain.FindAllStringIndex(s, -1)
			got := f.findAll(s)
			if len(want) == 0 && len(got) == 0 {
				continue
			}
			require.Equal(t, want, got, "%s on %q", f.re, s)
		}
	}
	require.Greater(t, withPrefixes, len(all)*3/4, "most patterns run from their literal prefixes")
}
