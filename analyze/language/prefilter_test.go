package language

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze/internal/devdata"
)

// prefilterSentences are the dev postmortems' sentences (when the data file
// is there), each also with a person as its subject, and crafted edge cases:
// a quarter of the sentences, or all of them with AFTERMATH_EVAL=1 (the
// exactness tests that read them take seconds each then).
func prefilterSentences(t *testing.T) []string {
	every := 4
	if os.Getenv("AFTERMATH_EVAL") == "1" {
		every = 1
	}
	k := 0
	out := []string{
		"he forgot", "He, she and they", "the she-wolf", "she's", "he_x", "ahe forgot", "x,he failed to", ";she", "\the",
		"Human error.", "this human error caused the outage", "Root cause: operator error", "is human error",
		"Bob forgot to check", "Alice was to blame", "Bob made a mistake", "Carol fat-fingered the command",
		"The member of the storage team forgot to", "An engineer pushed a config change that caused the outage",
		"We should have caught it", "could have prevented", "Had he checked", "if only", "Ought to have known",
	}
	if recs, ok := loadRealRecordsIfPresent(t); ok {
		for _, r := range recs {
			for _, text := range []string{r.Text, r.FullText} {
				for _, sp := range Sentences(text) {
					k++
					if k%every != 0 {
						continue
					}
					s := text[sp.Start:sp.End]
					out = append(out, s)
					if _, rest, ok := strings.Cut(s, " "); ok {
						out = append(out, "The on-call engineer "+rest, "He "+rest, "Someone "+rest)
					}
				}
			}
		}
	}
	return out
}

// TestBlamePrefiltersExact: a sentence a literal prefilter skips has no
// match of its regexp, and heSheWord is the roles pattern's he/she test.
func TestBlamePrefiltersExact(t *testing.T) {
	b := newBlameChecker()
	heShe := regexp.MustCompile(`(?:^|[\s,;])(?:he|she)\b`)
	n := 0
	for _, s := range prefilterSentences(t) {
		low := strings.ToLower(s)
		h := blameKeys.scan(low)
		if isASCII(s) {
			require.Equal(t, heShe.MatchString(low), heSheWord(low), "heSheWord(%q)", low)
			for i := range b.rules {
				r := &b.rules[i]
				if (r.literal != keyMask{} && !r.literal.any(&h)) || (r.role && !hasRoleLiteral(low, &h)) {
					require.False(t, r.re.MatchString(s), "rule %s skipped %q", r.rule, s)
				}
			}
			if !hasRoleLiteral(low, &h) {
				require.False(t, b.roleAgent.MatchString(s), "roleAgent skipped %q", s)
			}
		}
		if !kCapNameLiteral.any(&h) {
			require.False(t, b.capName.MatchString(s), "capName skipped %q", s)
		}
		for _, k := range blameKeys.keys {
			id := blameKeys.ids[k]
			require.Equal(t, strings.Contains(low, k), h[id>>6]&(1<<(id&63)) != 0, "key %q in %q", k, low)
		}
		n++
	}
	t.Logf("%d sentences", n)
}

// loadRealRecordsIfPresent is loadRealRecords, or false without the file.
func loadRealRecordsIfPresent(t *testing.T) (map[string]realRecord, bool) {
	p, err := devdata.Lookup("postmortems-dev.jsonl")
	require.NoError(t, err)
	if p == "" {
		return nil, false
	}
	return loadRealRecords(t), true
}

// TestFeaturePrefiltersExact: an item a feature prefilter skips has no
// match of the feature's regexp.
func TestFeaturePrefiltersExact(t *testing.T) {
	n := 0
	extra := []string{"fooBar", "a/b", "x_y", "v1.2", "five minutes", "ten replicas", "by adding a queue", "this type of issue",
		"recurrence of this", "repeat of", "when the error rate exceeds 5", "taking steps", "apply the learnings", "Add a cap",
		"  [P1] fix it", "(done) fix", "Steps: fix", "for cases where it is down", "Once done, fix it", "We, engineers will",
		"to confirm the replicas are in sync", "how often", "what first caused it", "writing up the findings", "false alarm"}
	for _, s := range append(prefilterSentences(t), extra...) {
		low := strings.ToLower(s)
		h := featureKeys.scan(low)
		if !mayHavePreamble(s) {
			require.False(t, itemPreamble.MatchString(s), "itemPreamble %q", s)
		}
		if !strings.ContainsAny(s, "-–—[(") {
			require.False(t, itemStatus.MatchString(s), "itemStatus %q", s)
		}
		if strings.IndexByte(s, ',') < 0 {
			require.False(t, leadClause.MatchString(s) || leadPhrases.MatchString(s), "lead clause or phrase %q", s)
		}
		if !mayBeCodeLike(s) {
			require.False(t, codeLike.MatchString(s), "codeLike %q", s)
		}
		if !isASCII(s) {
			continue
		}
		n++
		for _, c := range []struct {
			name string
			skip bool
			re   *regexp.Regexp
		}{
			{"effort", !kEffort.any(&h), effortWords},
			{"number", !(kNumberWord.any(&h) && kNumberUnit.any(&h)), numberWords},
			{"condition", !kCondition.any(&h), strictCondition},
			{"deictic", !mayBeDeictic(&h), deictic},
			{"by means", !(kBy.any(&h) && kIng.any(&h)), byMeans},
			{"concrete", !kConcrete.any(&h), concreteAnywhere},
			{"clause", !kClause.any(&h), conditionClause},
			{"specific outcome", !mayBeSpecificOutcome(s), specificOutcome},
		} {
			if c.skip {
				require.False(t, c.re.MatchString(s), "%s skipped %q", c.name, s)
			}
		}
	}
	t.Logf("%d ASCII texts", n)
}
