package followup

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aftermath-sre/aftermath/simulate/org"
)

// tokenizeByRune is tokenize as first written, building every word rune by
// rune: the oracle for the version that slices plain words out of the text.
func tokenizeByRune(text string) []token {
	var out []token
	i := 0
	for i < len(text) {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			if len(out) > 0 && (r == ',' || r == ';') {
				out[len(out)-1].comma = true
			}
			if len(out) > 0 && r == ':' {
				out[len(out)-1].colon = true
			}
			i += n
			continue
		}
		start := i
		var b strings.Builder
		for i < len(text) {
			r, n := utf8.DecodeRuneInString(text[i:])
			if isWordRune(r) {
				if r != '\'' && r != '’' {
					b.WriteRune(unicode.ToLower(r))
				}
				i += n
				continue
			}
			if r == '-' && i+1 < len(text) {
				next, _ := utf8.DecodeRuneInString(text[i+1:])
				if unicode.IsLetter(next) {
					i++
					continue
				}
			}
			break
		}
		out = append(out, token{w: b.String(), start: start, end: i})
	}
	return out
}

func TestTokenizeEqualsRuneByRune(t *testing.T) {
	texts := []string{
		"", "Roll-back the DNS change; don't page: on-call's RUNBOOK", "active-active -- x- -y 3-4 Ünïcode İstanbul ΣΊΣΥΦΟΣ",
		"We'll add alerts, dashboards: and  tests.", "a’b c-d-e F-G", "trailing-", "-leading", "\xff\xfe broken utf8 \xc3",
	}
	o, err := org.Generate(org.Options{Seed: 1, Scale: org.ScaleSmall, End: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range o.ActionItems {
		texts = append(texts, a.Summary)
	}
	for _, s := range texts {
		if got, want := tokenize(s), tokenizeByRune(s); !slices.Equal(got, want) {
			t.Fatalf("tokenize(%q)\n got %+v\nwant %+v", s, got, want)
		}
	}
}
