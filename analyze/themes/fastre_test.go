package themes

import (
	"bufio"
	"encoding/json"
	"os"
	"regexp"
	"testing"

	"github.com/aftermath-sre/aftermath/analyze/internal/devdata"

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
		// Two alternatives of one pattern match at one place with
		// different ends: the first in the pattern's order wins.
		"a misconfigured server setting", "the server crashed due to a bug",
	}
	for _, it := range items {
		texts = append(texts, asciiLower(it.Text))
	}
	var all []*fastRe
	for _, cu := range NewClassifier().cues {
		all = append(all, cu.re)
	}
	all = append(all, unknownCue, causalAfter, causalBefore, boilerplate)
	set := newFastSet(all)
	for _, s := range texts {
		ws := wordStarts(s)
		got := set.findAllAt(s, ws)
		for i, f := range all {
			want := regexp.MustCompile(f.re.String()).FindAllStringIndex(s, -1)
			if len(want) == 0 && len(got[i]) == 0 {
				continue
			}
			require.Equal(t, want, got[i], "set member %s on %q", f.re, s)
		}
	}
	withPrefixes := 0
	for _, f := range all {
		if f.prefixes != nil {
			withPrefixes++
		}
		plain := regexp.MustCompile(f.re.String())
		for _, s := range texts {
			require.Equal(t, plain.FindStringIndex(s), f.find(s), "%s: first match in %q", f.re, s)
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

// TestFastReMatchesRegexpOnRealProse: the same on the public postmortems of
// the dev file (each record's text and whole postmortem, lowercased as the
// classifier reads them), where sentences are longer and cues sit in
// running prose. Skipped without the file.
func TestFastReMatchesRegexpOnRealProse(t *testing.T) {
	f, err := os.Open(devdata.Path(t, "postmortems-dev.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	var texts []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var r struct {
			Text     string `json:"text"`
			FullText string `json:"full_text"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r))
		for _, s := range []string{r.Text, r.FullText} {
			texts = append(texts, asciiLower(s), asciiLower(StripBoilerplate(s)))
		}
	}
	require.NoError(t, sc.Err())
	all := []*fastRe{unknownCue, causalAfter, causalBefore, boilerplate}
	for _, cu := range NewClassifier().cues {
		all = append(all, cu.re)
	}
	set := newFastSet(all)
	for _, s := range texts {
		ws := wordStarts(s)
		got := set.findAllAt(s, ws)
		for i, f := range all {
			want := f.findAllAt(s, ws)
			if len(want) == 0 && len(got[i]) == 0 {
				continue
			}
			require.Equal(t, want, got[i], "set member %s", f.re)
		}
	}
	split := 0
	for _, f := range all {
		if len(f.alts) > 1 {
			split++
		}
		plain := regexp.MustCompile(f.re.String())
		for _, s := range texts {
			want := plain.FindAllStringIndex(s, -1)
			got := f.findAllAt(s, wordStarts(s))
			if len(want) == 0 && len(got) == 0 {
				continue
			}
			require.Equal(t, want, got, "%s", f.re)
		}
	}
	require.Greater(t, split, len(all)/2, "most patterns are tried one alternative at a time")
}
