package themes

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
)

// Version names what Featurize computes for a text: the cause classifier
// (cue table, boilerplate, unknown-cause statements) and the term
// normalization (stopwords, synonyms, stemming). Aftermath stores each
// factor text's Features under it (analyze's per-text results), so a change
// to either must change Version, or texts featurized before keep their old
// features; TestVersionFingerprint fails until it does and its fingerprint
// is pinned. Changes to what is computed at clustering time from stored
// features (the cause lexicon, idf, k-means, labels) need no new Version.
const Version = "2026-12-07.3"

// Features is what clustering needs of one factor text, computed once per
// text (Featurize) and kept, so a later run clusters without the text.
type Features struct {
	// Cause is the text's cause class with the sentence that decided it.
	Cause Cause `json:"cause"`
	// Terms is the text's normalized term stream, boilerplate stripped, in
	// order: the raw term counts, bigrams, surface forms and cause-family
	// triggers that the vectorizer weighs over a whole run (idf) all come
	// from it. Encoded compactly (encodeTokens); empty when the text has no
	// usable term.
	Terms string `json:"terms,omitempty"`
}

// FeatureItem is one contributing factor to cluster by its features.
type FeatureItem struct {
	ID       string
	Features Features
}

// Featurizer computes the Features of factor texts. It is read-only once
// built and safe for concurrent use.
type Featurizer struct {
	nz *normalizer
	cl *Classifier
}

// NewFeaturizer builds the normalizer and compiles the cause classifier.
func NewFeaturizer() *Featurizer {
	return &Featurizer{nz: newNormalizer(), cl: NewClassifier()}
}

// Featurize returns the features of one factor text.
func (f *Featurizer) Featurize(text string) Features {
	stripped := StripBoilerplate(text)
	return Features{Cause: f.cl.classify(text, stripped), Terms: encodeTokens(f.nz.tokens(stripped))}
}

// featurizeAll featurizes the items' texts on up to workers goroutines.
func featurizeAll(fz *Featurizer, items []Item, workers int) []FeatureItem {
	out := make([]FeatureItem, len(items))
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	inChunks(len(items), min(workers, len(items)/256+1), func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			out[i] = FeatureItem{ID: items[i].ID, Features: fz.Featurize(items[i].Text)}
		}
	})
	return out
}

// The term stream's encoding: tokens separated by a space; a token after a
// stopword or punctuation gap (bigrams never span one) starts with '|'; a
// token whose surface form (the word as written, shown in labels) differs
// from its term carries it after '+' (the surface is term+suffix, as for
// most stems: "request+s") or '=' (any other surface). Terms and surface
// forms are made of letters, digits, apostrophes and hyphens only (rawWords),
// so the separators cannot occur in them.

func encodeTokens(toks []token) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 {
			b.WriteByte(' ')
			if t.gap {
				b.WriteByte('|')
			}
		}
		b.WriteString(t.term)
		switch {
		case t.surface == t.term:
		case strings.HasPrefix(t.surface, t.term):
			b.WriteByte('+')
			b.WriteString(t.surface[len(t.term):])
		default:
			b.WriteByte('=')
			b.WriteString(t.surface)
		}
	}
	return b.String()
}

var errEmptyToken = errors.New("empty token")

// decodeTokens appends the tokens of an encoded term stream to buf. The
// terms and surfaces share enc's memory, except term+suffix surfaces.
func decodeTokens(enc string, buf []token) ([]token, error) {
	if enc == "" {
		return buf, nil
	}
	first := true
	for len(enc) > 0 {
		piece := enc
		if i := strings.IndexByte(enc, ' '); i >= 0 {
			piece, enc = enc[:i], enc[i+1:]
		} else {
			enc = ""
		}
		t := token{gap: first}
		first = false
		if strings.HasPrefix(piece, "|") {
			t.gap, piece = true, piece[1:]
		}
		if i := strings.IndexAny(piece, "+="); i >= 0 {
			t.term = piece[:i]
			if piece[i] == '+' {
				t.surface = piece[:i] + piece[i+1:]
			} else {
				t.surface = piece[i+1:]
			}
		} else {
			t.term, t.surface = piece, piece
		}
		if t.term == "" || t.surface == "" {
			return buf, fmt.Errorf("token %d: %w", len(buf), errEmptyToken)
		}
		buf = append(buf, t)
	}
	return buf, nil
}
