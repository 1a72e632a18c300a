package language

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jdkato/prose/v2"
)

// posModel is the averaged-perceptron part-of-speech model of
// github.com/jdkato/prose/v2 (its weights, tag dictionary and features, read
// from the module's embedded model), laid out so that tagging a word builds
// no maps: prose's tagger makes a map of feature strings and a map of
// scores for every word it predicts, which was most of the action check's
// cost. posModel.tag gives the tags prose gives (TestPOSTagsEqualProse).
type posModel struct {
	labels []string          // label id -> tag
	dict   map[string]string // words the model tags without predicting
	feats  map[string]int32  // feature -> index into offs
	offs   []int32           // weights of feature k: ws[offs[k]:offs[k+1]]
	ws     []labelWeight
}

type labelWeight struct {
	label int32
	w     float64
}

// The word classes prose's tagger tags without its model (tag.go and
// github.com/mingrammer/commonregex v1.0.1, MIT License, Copyright (c)
// 2017 ming: LinkPattern and EmailPattern).
var (
	posLink  = regexp.MustCompile(`(?:(?:https?:\/\/)?(?:[a-z0-9.\-]+|www|[a-z0-9.\-])[.](?:[^\s()<>]+|\((?:[^\s()<>]+|(?:\([^\s()<>]+\)))*\))+(?:\((?:[^\s()<>]+|(?:\([^\s()<>]+\)))*\)|[^\s!()\[\]{};:\'".,<>?]))`)
	posEmail = regexp.MustCompile(`(?i)([A-Za-z0-9!#$%&'*+\/=?^_{|.}~-]+@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)`)
	posNone  = regexp.MustCompile(`^(?:0|\*[\w?]\*|\*\-\d{1,3}|\*[A-Z]+\*\-\d{1,3}|\*)$`)
	posKeep  = regexp.MustCompile(`^\-[A-Z]{3}\-$`)
)

// loadPOSModel decodes prose's embedded tagger model.
func loadPOSModel() (*posModel, error) {
	decode := func(name string, v any) error {
		b, err := prose.Asset("model/AveragedPerceptron/" + name)
		if err != nil {
			return fmt.Errorf("language: tagger model %s: %w", name, err)
		}
		if err := gob.NewDecoder(bytes.NewReader(b)).Decode(v); err != nil {
			return fmt.Errorf("language: decode tagger model %s: %w", name, err)
		}
		return nil
	}
	var weights map[string]map[string]float64
	m := &posModel{}
	if err := decode("tags.gob", &m.dict); err != nil {
		return nil, err
	}
	if err := decode("weights.gob", &weights); err != nil {
		return nil, err
	}
	ids := map[string]int32{}
	for _, ws := range weights {
		for l := range ws {
			if _, ok := ids[l]; !ok {
				ids[l] = 0
				m.labels = append(m.labels, l)
			}
		}
	}
	sort.Strings(m.labels)
	for i, l := range m.labels {
		ids[l] = int32(i)
	}
	m.feats = make(map[string]int32, len(weights))
	m.offs = make([]int32, 0, len(weights)+1)
	for f, ws := range weights {
		m.feats[f] = int32(len(m.offs))
		m.offs = append(m.offs, int32(len(m.ws)))
		start := len(m.ws)
		for l, w := range ws {
			m.ws = append(m.ws, labelWeight{ids[l], w})
		}
		part := m.ws[start:]
		for i := 1; i < len(part); i++ { // by label (a few dozen at most)
			for j := i; j > 0 && part[j].label < part[j-1].label; j-- {
				part[j], part[j-1] = part[j-1], part[j]
			}
		}
	}
	m.offs = append(m.offs, int32(len(m.ws)))
	return m, nil
}

// docTags returns the tags prose's Document reports for words, the tokens
// its tokenizer made of text.
func (m *posModel) docTags(text string, words []string) []string {
	tags := m.tag(words)
	if shared, ok := sharedSpanTags(text, words, tags); ok {
		return shared
	}
	return spanTagsSlow(text, words, tags)
}

// tag returns the tags of words, as prose's perceptronTagger.tag does.
func (m *posModel) tag(words []string) []string {
	n := len(words)
	ctx := make([]string, n+4)
	ctx[0], ctx[1] = "-START-", "-START2-"
	for i, w := range words {
		ctx[i+2] = posNormalize(w)
	}
	ctx[n+2], ctx[n+3] = "-END-", "-END2-"
	out := make([]string, n)
	scores := make([]float64, len(m.labels))
	present := make([]bool, len(m.labels))
	buf := make([]byte, 0, 64)
	p1, p2 := "-START-", "-START2-"
	for i, word := range words {
		var tag string
		switch {
		case word == "-":
			tag = "-"
		case posEmoticons[word]:
			tag = "SYM"
		// Each regexp only where it can match: a link has a dot, an
		// address an @, a trace a leading * (or is 0), a bracket -XYZ-.
		case (strings.IndexByte(word, '.') >= 0 && posLink.MatchString(word)) ||
			(strings.IndexByte(word, '@') >= 0 && posEmail.MatchString(word)) || strings.HasPrefix(word, "@"):
			tag = "NN"
		case (word == "0" || strings.HasPrefix(word, "*")) && posNone.MatchString(word):
			tag = "-NONE-"
		case len(word) == 5 && word[0] == '-' && posKeep.MatchString(word):
			tag = word
		default:
			var ok bool
			if tag, ok = m.dict[word]; !ok {
				tag = m.predict(i, ctx, word, p1, p2, scores, present, &buf)
			}
		}
		out[i] = tag
		p2 = p1
		p1 = tag
	}
	return out
}

// predict scores word i's features (prose's featurize) and returns the
// best label (the first of equal scores; prose takes any of them).
func (m *posModel) predict(i int, ctx []string, w, p1, p2 string, scores []float64, present []bool, buf *[]byte) string {
	clear(scores)
	clear(present)
	feat := func(parts ...string) {
		b := (*buf)[:0]
		for k, p := range parts {
			if k > 0 {
				b = append(b, ' ')
			}
			b = append(b, p...)
		}
		*buf = b
		k, ok := m.feats[string(b)]
		if !ok {
			return
		}
		for _, lw := range m.ws[m.offs[k]:m.offs[k+1]] {
			scores[lw.label] += lw.w
			present[lw.label] = true
		}
	}
	suf := min(len(w), 3)
	i = min(len(ctx)-2, i+2)
	iminus := min(len(ctx[i-1]), 3)
	iplus := min(len(ctx[i+1]), 3)
	feat("bias")
	feat("i suffix", w[len(w)-suf:])
	feat("i pref1", string(rune(w[0]))) // prose converts the first byte as a rune
	feat("i-1 tag", p1)
	feat("i-2 tag", p2)
	feat("i tag+i-2 tag", p1, p2)
	feat("i word", ctx[i])
	feat("i-1 tag+i word", p1, ctx[i])
	feat("i-1 word", ctx[i-1])
	feat("i-1 suffix", ctx[i-1][len(ctx[i-1])-iminus:])
	feat("i-2 word", ctx[i-2])
	feat("i+1 word", ctx[i+1])
	feat("i+1 suffix", ctx[i+1][len(ctx[i+1])-iplus:])
	feat("i+2 word", ctx[i+2])
	best, class := math.Inf(-1), ""
	for l, s := range scores {
		if present[l] && s > best {
			best, class = s, m.labels[l]
		}
	}
	return class
}

// posNormalize is prose's normalize: the word as the model's context sees it.
func posNormalize(word string) string {
	if word == "" {
		return word
	}
	first := string(rune(word[0]))
	if strings.Contains(word, "-") && first != "-" {
		return "!HYPHEN"
	} else if _, err := strconv.Atoi(word); err == nil && len(word) == 4 {
		return "!YEAR"
	} else if _, err := strconv.Atoi(first); err == nil {
		return "!DIGITS"
	}
	return strings.ToLower(word)
}

// prose's tokenizer (tokenize.go) keeps the tokens of each
// whitespace-separated span in a cache by the span's text, so a span that
// occurs twice yields the same *Token twice, and its tagger, which sets
// each token's Tag in order, leaves every occurrence with the tag of the
// last one. sharedSpanTags does the same to tags (prose's tags of words,
// position by position): the tags prose's Document reports.

// proseSanitizer is prose's tokenizer's sanitizer.
var proseSanitizer = strings.NewReplacer(
	"\u201c", `"`,
	"\u201d", `"`,
	"\u2018", "'",
	"\u2019", "'",
	"&rsquo;", "'")

// proseSpans splits text into the spans prose's tokenizer splits it into,
// in order; cached reports whether a span's tokens come from its cache (all
// but a last span that no whitespace follows).
func proseSpans(text string) (spans []string, cached []bool) {
	clean := proseSanitizer.Replace(text)
	white := false
	start, index := 0, 0
	for index <= len(clean) {
		uc, size := utf8.DecodeRuneInString(clean[index:])
		if size == 0 {
			break
		} else if index == 0 {
			white = unicode.IsSpace(uc)
		}
		if unicode.IsSpace(uc) != white {
			if start < index {
				spans = append(spans, clean[start:index])
				cached = append(cached, true)
			}
			if uc == ' ' {
				start = index + 1
			} else {
				start = index
			}
			white = !white
		}
		index += size
	}
	if start < index {
		spans = append(spans, clean[start:index])
		cached = append(cached, false)
	}
	return spans, cached
}

var (
	proseInternal = regexp.MustCompile(`^(?:[A-Za-z]\.){2,}$|^[A-Z][a-z]{1,2}\.$`)
	proseSuffixes = []string{",", ")", `"`, "]", "!", ";", ".", "?", ":", "'"}
	prosePrefixes = []string{"$", "(", `"`, "["}
)

// proseSplit is prose's doSplit: the token texts of one span.
func proseSplit(token string) []string {
	var tokens, suffs []string
	add := func(s string, to []string) []string {
		if strings.TrimSpace(s) != "" {
			to = append(to, s)
		}
		return to
	}
	last := 0
	for token != "" && utf8.RuneCountInString(token) != last {
		if posEmoticons[token] || proseInternal.MatchString(token) {
			tokens = add(token, tokens)
			break
		}
		last = utf8.RuneCountInString(token)
		lower := strings.ToLower(token)
		if proseHasAnyPrefix(token, prosePrefixes) {
			tokens = add(string(rune(token[0])), tokens)
			token = token[1:]
		} else if idx := proseHasAnyIndex(lower, []string{"'ll", "'s", "'re", "'m"}); idx > -1 {
			tokens = add(token[:idx], tokens)
			token = token[idx:]
		} else if idx := proseHasAnyIndex(lower, []string{"n't"}); idx > -1 {
			tokens = add(token[:idx], tokens)
			token = token[idx:]
		} else if proseHasAnySuffix(token, proseSuffixes) {
			suffs = append([]string{string(rune(token[len(token)-1]))}, suffs...)
			token = token[:len(token)-1]
		} else {
			tokens = add(token, tokens)
		}
	}
	return append(tokens, suffs...)
}

func proseHasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if len(s) > len(p) && strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func proseHasAnySuffix(s string, suffixes []string) bool {
	for _, p := range suffixes {
		if len(s) > len(p) && strings.HasSuffix(s, p) {
			return true
		}
	}
	return false
}

func proseHasAnyIndex(s string, subs []string) int {
	for _, p := range subs {
		if idx := strings.Index(s, p); idx >= 0 && len(s) > len(p) {
			return idx
		}
	}
	return -1
}

// sharedSpanTags gives the tokens of a span that occurs more than once (in
// the tokenizer's cache) the tags of its last occurrence, as prose's
// Document does. words are the tokens prose made of text; ok is false when
// proseSplit does not account for them (spanTagsSlow then counts).
func sharedSpanTags(text string, words, tags []string) (out []string, ok bool) {
	spans, cached := proseSpans(text)
	if !hasRepeat(spans, cached) {
		return tags, true
	}
	counts := make([]int, len(spans))
	n := 0
	for i, s := range spans {
		for _, w := range proseSplit(s) {
			if n >= len(words) || words[n] != w {
				return tags, false
			}
			n++
			counts[i]++
		}
	}
	if n != len(words) {
		return tags, false
	}
	return groupTags(spans, cached, counts, tags), true
}

// spanTagsSlow is sharedSpanTags with every span tokenized by prose itself.
func spanTagsSlow(text string, words, tags []string) []string {
	spans, cached := proseSpans(text)
	if !hasRepeat(spans, cached) {
		return tags
	}
	counts := make([]int, len(spans))
	n := 0
	for i, s := range spans {
		doc, err := prose.NewDocument(s, prose.WithSegmentation(false), prose.WithExtraction(false), prose.WithTagging(false))
		if err != nil {
			return tags
		}
		counts[i] = len(doc.Tokens())
		n += counts[i]
	}
	if n != len(words) {
		return tags
	}
	return groupTags(spans, cached, counts, tags)
}

// hasRepeat: a cached span occurs twice.
func hasRepeat(spans []string, cached []bool) bool {
	for i := range spans {
		for j := i + 1; j < len(spans) && cached[i]; j++ {
			if cached[j] && spans[j] == spans[i] {
				return true
			}
		}
	}
	return false
}

// groupTags gives each occurrence of a cached span (counts[i] tokens
// each) the tags of its last occurrence.
func groupTags(spans []string, cached []bool, counts []int, tags []string) []string {
	at := make([]int, len(spans))
	n := 0
	last := map[string]int{}
	for i, s := range spans {
		at[i] = n
		n += counts[i]
		if cached[i] {
			last[s] = i
		}
	}
	out := append([]string(nil), tags...)
	for i, s := range spans {
		if !cached[i] || last[s] == i {
			continue
		}
		l := last[s]
		for j := 0; j < counts[i]; j++ {
			out[at[i]+j] = tags[at[l]+j]
		}
	}
	return out
}
