package language

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
	"weak"

	"github.com/jdkato/prose/v2"
)

// Part-of-speech tagging uses the averaged-perceptron tagger of
// github.com/jdkato/prose/v2 (pure Go, Penn Treebank tags, model embedded in
// the module): prose's tokenizer, and its model's weights read by posModel
// (postag.go), which tags as prose does without its per-word maps. The
// model takes about a quarter of a second to decode and holds about 9 MiB
// (prose's own form held 27), so it is decoded on first use and shared
// while checkers use it: the model is only read after loading, and tagging
// allocates its own state, so sharing it between goroutines is safe. It is
// held weakly: once no checker that tagged is left (an analysis run ended),
// the collector may free it, and the next checker that needs it decodes it
// again, so a long-running process does not keep it between runs. Tagging
// is still the costliest step of an item, so the checkers tag only the
// sentences and items that a cheap lexical prefilter leaves in doubt.
var modelCache struct {
	mu sync.Mutex
	p  weak.Pointer[posModel]
}

// sharedModel returns the decoded model, decoding it when no live one is
// left; nil when it cannot be decoded.
func sharedModel() *posModel {
	modelCache.mu.Lock()
	defer modelCache.mu.Unlock()
	if m := modelCache.p.Value(); m != nil {
		return m
	}
	m, err := loadPOSModel()
	if err != nil {
		return nil
	}
	modelCache.p = weak.Make(m)
	return m
}

// token is one tagged word with its byte offsets in the tagged text.
type token struct {
	text, low, tag string
	start, end     int
}

func (t token) isNoun() bool   { return strings.HasPrefix(t.tag, "NN") }
func (t token) isVerb() bool   { return strings.HasPrefix(t.tag, "VB") || t.tag == "MD" }
func (t token) isProper() bool { return strings.HasPrefix(t.tag, "NNP") }

// packageTagger is the tagger of the package-level CheckActionItem and
// CheckBlame: their callers check one text per call, so it keeps the model
// for the process's life once it has tagged (a Checker's tagger lets it go
// with the Checker).
var packageTagger = newTagger()

// tagger tags text with the shared model, which it gets on its first tag
// and then keeps.
type tagger struct {
	model func() *posModel
}

func newTagger() *tagger {
	return &tagger{model: sync.OnceValue(sharedModel)}
}

// tag tokenizes and tags s. imperative lowercases a capitalized first word
// before tagging: the model, trained on news text, reads a sentence-initial
// "Update" or "Add" as a proper noun, while action items start with a verb.
func (tg *tagger) tag(s string, imperative bool) []token {
	if tg == nil || strings.TrimSpace(s) == "" {
		return nil
	}
	model := tg.model()
	if model == nil {
		return nil
	}
	in := s
	if imperative {
		in = lowerFirstWord(s)
	}
	// Tokenized only: prose decodes no model of its own for that.
	doc, err := prose.NewDocument(in, prose.WithSegmentation(false), prose.WithExtraction(false), prose.WithTagging(false))
	if err != nil {
		return nil
	}
	toks := doc.Tokens()
	words := make([]string, len(toks))
	for i, t := range toks {
		words[i] = t.Text
	}
	tags := model.docTags(in, words)
	out := make([]token, 0, len(toks))
	at := 0
	for k, t := range toks {
		t.Tag = tags[k]
		i := strings.Index(in[at:], t.Text)
		if i < 0 {
			continue // the tokenizer rewrote the token (quotes); keep the others
		}
		start := at + i
		end := start + len(t.Text)
		at = end
		out = append(out, token{text: s[start:end], low: strings.ToLower(t.Text), tag: t.Tag, start: start, end: end})
	}
	return out
}

// lowerFirstWord lowercases the first letter of s's first word unless the
// word is an acronym or has capitals inside (a name such as "DNS" or "PgBouncer").
func lowerFirstWord(s string) string {
	i := strings.IndexFunc(s, unicode.IsLetter)
	if i < 0 {
		return s
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	if !unicode.IsUpper(r) {
		return s
	}
	j := i + n
	for j < len(s) {
		c, m := utf8.DecodeRuneInString(s[j:])
		if !unicode.IsLetter(c) {
			break
		}
		if unicode.IsUpper(c) {
			return s
		}
		j += m
	}
	return s[:i] + string(unicode.ToLower(r)) + s[i+n:]
}
