package wordre

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

var patterns = []string{
	// \b(alternatives)rest, case-sensitive (the cause classifier's shape)
	`\b(misconfigur\w*|configuration (change|update)s?|(incorrect|invalid) (\w+ ){0,2}(setting|value)s?)\b`,
	`\b(bugs?|regressions?|crash(ed|es)? (due to|because of) a (bug|defect))\b`,
	`\b(certificate|key|token)s?\b[^.;]{0,40}?\b(expir\w+|rotation|revoked)`,
	`\b(bgp|dns)\b`,
	// \ba|\bb|..., case-insensitive (the language checks' shape)
	`(?i)\b(?:should|ought to|must)(?: not)?\s+have\s+(?:known|caught|checked)\b|\b(?:could|would) have (?:prevented|caught)\b|\bshould'?ve\b|\bif only\b|\bhad (?:he|she|(?-i:[A-Z][a-z]+)) (?:checked|known)\b`,
	`(?i)\b(?:add|set|roll ?back|rotate|pin)\b`,
	// one word, and shapes that run on Go's regexp
	`\bmanual\w*`,
	`(?i)\b(?:k|s)\w+`,
	`[a-z]+ion\b`,
	`\b\w+ly\b`,
}

var texts = []string{
	"", "bug", "x bug", "debug bugs", "a misconfigured server setting", "the server crashed due to a bug",
	"misconfigured-config; configuration changes, incorrect value, invalid cache ttl setting",
	"certificate for the api gateway expired", "the token rotation failed. key revoked",
	"BGP and DNS; bgp-dns", "a" + string(make([]byte, 500)) + " bug",
	"could have prevented it and would have caught it", "Should've, shouldve, should have known",
	"had he checked; had Alice checked; HAD she known", "If only. if only", "addadd add-add adding added",
	"setting set reset", "roll back, rollback, rolled out", "Rotate the keys, then pin the version",
	"blocK the Kelvin: \u212aey, \u017fhould have known", "Déployer: deploy the fix", "_add add_ 1add",
	"manually, manual steps", "Some station kinds", "quickly and slowly",
}

// TestMatchesRegexp: every pattern finds what Go's regexp finds, alone, with
// a limit, and in a set.
func TestMatchesRegexp(t *testing.T) {
	var rs []*Regexp
	for _, p := range patterns {
		rs = append(rs, MustCompile(p))
	}
	set := NewSet(rs...)
	for _, s := range texts {
		text := NewText(s)
		all := set.FindAllIn(&text)
		for i, r := range rs {
			plain := regexp.MustCompile(patterns[i])
			want := plain.FindAllStringIndex(s, -1)
			require.Equal(t, want, r.FindAllStringIndex(s, -1), "%s on %q", r, s)
			require.Equal(t, want, all[i], "%s in a set on %q", r, s)
			require.Equal(t, plain.FindAllStringIndex(s, 1), r.FindAllIn(&text, 1), "%s on %q (n=1)", r, s)
			require.Equal(t, plain.FindStringIndex(s), r.FindStringIndex(s), "%s on %q (first)", r, s)
		}
	}
}

// TestAccelerated: which shapes run from their prefixes.
func TestAccelerated(t *testing.T) {
	for p, want := range map[string]int{
		patterns[0]: 3, patterns[4]: 5, patterns[5]: 4, // the parser factors "roll|rotate" into one patterns[6]: 1,
		patterns[8]: 0, patterns[9]: 0,
	} {
		r := MustCompile(p)
		require.Equal(t, want > 0, r.Accelerated(), p)
		require.Equal(t, want, r.Alternatives(), p)
	}
}
