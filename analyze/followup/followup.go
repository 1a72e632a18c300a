// Package followup classifies postmortem action items by kind, after Lunney
// and Lueder, "Postmortem Action Items: Plan the Work and Work the Plan",
// ;login: Spring 2017 (USENIX). The article sorts action items by the
// question they answer; its "mitigate this incident" and "mitigate future
// incidents" are one kind here:
//
//   - investigate: what happened and why? (root-causing, reviews, audits,
//     evaluations: the deliverable is knowledge, not a change)
//   - mitigate: how do we end this incident or make the next one smaller or
//     shorter? (rollback, graceful degradation, redundancy, failover,
//     isolation, faster recovery, playbooks, dashboards, communication)
//   - repair: how do we repair the damage this incident did? (restoring
//     data, fixing broken machines, removing temporary workarounds)
//   - detect: how do we notice a similar failure sooner? (monitoring,
//     alerting, telemetry, detection)
//   - prevent: how do we keep it from happening again? (fixing the defect,
//     tests, validation, deployment gates, capacity, process and training)
//
// The classifier is a deterministic reading of the item's wording: the
// action decides the kind, not its stated purpose, so the main clause is
// read before a purpose clause ("to prevent ...", "so that ..."); within a
// clause the first cue wins (the longest at a position); an investigation
// joined to a change ("investigate and fix") takes the change's kind unless
// the change is conditional ("determine whether ... and if so ..."). An item
// with no cue is prevent, the most common kind. testdata/LABELING.md gives
// the boundary rules the hand labels follow and EVALUATION.md the figures.
package followup

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind is an action item's kind.
type Kind string

// The kinds, and Unknown for an item with no words.
const (
	Investigate Kind = "investigate"
	Mitigate    Kind = "mitigate"
	Repair      Kind = "repair"
	Detect      Kind = "detect"
	Prevent     Kind = "prevent"
	Unknown     Kind = "unknown"
)

// Kinds are the five kinds in the article's order (Unknown excluded).
var Kinds = []Kind{Investigate, Mitigate, Repair, Detect, Prevent}

// Version identifies the classifier's rules; change it with any change to
// the cues or the reading, so stored classifications can be recomputed.
const Version = "2026-12-06.2"

// Result is the kind of one action item and the words that decided it.
type Result struct {
	Kind Kind
	// Start and End are the byte range [Start, End) of the evidence in the
	// classified text; both are 0 when the kind is the default.
	Start, End int
	// Cue is the lexicon entry that matched ("" for the default).
	Cue string
	// Default is true when no cue matched and the kind is Prevent by
	// default.
	Default bool
}

// Evidence returns the evidence span of r in text ("" for the default).
func (r Result) Evidence(text string) string {
	if r.Default || r.End > len(text) || r.Start >= r.End {
		return ""
	}
	return text[r.Start:r.End]
}

// token is a lowercased word and its byte range in the text.
type token struct {
	w          string
	start, end int
	comma      bool // a comma follows the word
	colon      bool // a colon follows the word
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '’'
}

// tokenize splits text into words (letters, digits and apostrophes; a
// hyphen joins the parts of a word only between letters, so "roll-back" is
// one word "rollback" and "active-active" is "activeactive").
func tokenize(text string) []token {
	out := make([]token, 0, len(text)/6+1)
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
		// plain: the word's bytes are its lower-case form (no capital, no
		// apostrophe, no joining hyphen), so it is a substring of text.
		plain := true
		for i < len(text) {
			r, n := utf8.DecodeRuneInString(text[i:])
			if isWordRune(r) {
				if r == '\'' || r == '’' || unicode.ToLower(r) != r {
					plain = false
				}
				i += n
				continue
			}
			if r == '-' && i+1 < len(text) {
				next, _ := utf8.DecodeRuneInString(text[i+1:])
				if unicode.IsLetter(next) {
					plain = false
					i++
					continue
				}
			}
			break
		}
		w := text[start:i]
		if !plain {
			w = foldWord(w)
		}
		out = append(out, token{w: w, start: start, end: i})
	}
	return out
}

// foldWord is a word as tokens hold it: lower case, without apostrophes and
// joining hyphens.
func foldWord(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r == '\'' || r == '’' || r == '-' {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// cue is a sequence of word patterns; a pattern ending in '*' matches any
// word with that prefix, "?" matches any one word.
type cue struct {
	kind Kind
	pats []string
	text string
}

func (c cue) matchAt(toks []token, i int) bool {
	if i+len(c.pats) > len(toks) {
		return false
	}
	for j, p := range c.pats {
		w := toks[i+j].w
		switch {
		case p == "?":
		case strings.HasSuffix(p, "*"):
			if !strings.HasPrefix(w, p[:len(p)-1]) {
				return false
			}
		default:
			if w != p {
				return false
			}
		}
	}
	return true
}

// neutral cues match and decide nothing: they stop a shorter cue from
// matching words that mean something else here ("scale unit" is an Azure
// term, not scaling; a "repair item" is an action item).
const neutral Kind = ""

// damaged is the object of "restore" or "recover" when the item repairs
// damage (data, records, volumes) rather than restoring service; cues
// expand it to one cue per word.
const damaged = "{data,backup*,deleted,lost,volume*,file*,record*,database*,account*,snapshot*,object*,message*,corrupt*,missing}"

// lexicon is the cue list, indexed by first pattern.
var lexicon = func() map[string][]cue {
	entries := []struct {
		kind Kind
		cues []string
	}{
		{Investigate, []string{
			"investigat*", "root cause", "root causes", "rca", "analy*", "review*", "audit*", "evaluat*",
			"assess*", "explor*", "determin*", "understand*", "understanding", "forensic*", "scan", "scans",
			"scanning", "looking for", "look for", "verif*", "feasibility", "study", "learn", "learning",
			"continue to monitor", "continuing to monitor", "will monitor", "revisit*", "research*",
		}},
		{Detect, []string{
			"alert*", "alarm*", "monitor*", "telemetry", "detect*", "observab*", "drift", "notify", "insight*",
			"early warning", "health signal*", "anomaly detection",
		}},
		{Mitigate, []string{
			"rollback*", "roll back", "rolling back", "rolled back", "failover*", "fail over", "failing over",
			"fail away", "failed away", "redundan*", "resilien*", "isolat*", "shed", "shedding", "load shed*",
			"throttl*", "circuit breaker*", "degrad*", "fallback", "fall back", "falls back", "last known good",
			"recover*", "restart time", "selfheal*", "heal", "heals", "troubleshooting*", "tsg*", "playbook*",
			"runbook*", "procedures for dealing", "operational procedure*", "emergency procedure*",
			"communicat*", "status page", "documentation", "guidance", "dashboard*", "tooling", "tools",
			"emergency lever*", "mitigat*", "partition*", "shard*", "pool", "pools", "blast radius",
			"impact radius", "scope of impact", "scope of potential impact", "interdependenc*",
			"reduce the dependency", "reduce dependency", "remove dependenc*", "dependency on", "activeactive",
			"standby", "traffic shift*", "redirect*", "withstand", "remain healthy", "retry", "retries",
			"limit the impact", "limiting the impact", "loadshed*", "backup", "unavailab*", "even when",
			"test* ? recovery*", "test* recovery*", "test* ? ? recovery*", "reduce the impact", "minimize impact", "restore service",
			"restore the service", "restoring service", "transparency", "steady state", "steadystate",
		}},
		{Repair, []string{
			"restor* from", "backfill*", "reprocess*", "reimag*", "reimage",
			"clean up ? " + damaged, "clean up " + damaged, "clean up ? ? " + damaged, "reconcil*", "resync*", "recover* ? data", "recover* lost",
			"remove the temporary", "remove temporary", "removing the temporary",
			"revert the temporary", "remove the workaround", "remove workaround*", "undo the workaround",
			"replace ? failed", "replace ? faulty", "replace ? damaged", "replace ? broken", "replace failed",
			"replace faulty", "replace damaged", "replace broken", "repair ? damaged", "repair damaged",
			"repair broken", "repair ? broken", "data loss", "corrupted data", "corrupt data",
			"restor* " + damaged, "restor* ? " + damaged, "restor* ? ? " + damaged,
			"recover* " + damaged, "recover* ? " + damaged, "recover* ? ? " + damaged,
		}},
		{Prevent, []string{
			"fix", "fixes", "fixed", "fixing", "bug*", "correct", "corrected", "correcting", "regression*",
			"test*", "validat*", "check", "checks", "checking", "correctnesscheck*", "safeguard*", "protect*",
			"canar*", "flight*", "staged", "staging", "soak", "preproduction", "capacity", "resource limit*",
			"limits", "load balanc*", "loadbalanc*", "rebalanc*", "balancing", "manual", "manually",
			"change management", "change request*", "approval*", "code review", "review measures",
			"restrict*", "allow list*", "allowlist*", "train*", "retrain*", "prevent*", "eliminat*", "harden*",
			"cach*", "optimiz*", "provision*", "autoscal*", "auto scale", "scale out", "scale up", "scaling",
			"headroom", "threshold*", "halt", "disable*", "disabled", "misconfigur*", "guard against",
			"reject*", "stricter", "robust*", "constraint*", "resource usage", "resource allocation*",
			"remediat*", "safety margin", "deployment*", "rollout process", "release process", "format",
			"schema", "address*", "resolv*", "replacement", "elimination", "hardening",
		}},
		{neutral, []string{
			"scale unit*", "repair item*", "repair action*", "repair service", "deployment of", "protection of",
			"in progress", "is complete", "tests the", "remediation time", "assessed that", "determined that",
			"concluded that", "understand that", "learned that", "found that",
		}},
	}
	out := map[string][]cue{}
	for _, e := range entries {
		for _, s := range expand(e.cues) {
			pats := strings.Fields(s)
			c := cue{kind: e.kind, pats: pats, text: s}
			key := strings.TrimSuffix(pats[0], "*")
			out[key] = append(out[key], c)
		}
	}
	return out
}()

// keyLens are the distinct lengths of the lexicon's keys, ascending.
var keyLens = func() []int {
	seen := map[int]bool{}
	var out []int
	for k := range lexicon {
		if !seen[len(k)] {
			seen[len(k)] = true
			out = append(out, len(k))
		}
	}
	slices.Sort(out)
	return out
}()

// expand turns a cue with one "{a,b}" word into one cue per alternative.
func expand(cues []string) []string {
	var out []string
	for _, s := range cues {
		i, j := strings.Index(s, "{"), strings.Index(s, "}")
		if i < 0 || j < i {
			out = append(out, s)
			continue
		}
		for _, alt := range strings.Split(s[i+1:j], ",") {
			out = append(out, s[:i]+alt+s[j+1:])
		}
	}
	return out
}

// matchAt returns the longest cue matching at toks[i], or nil.
func matchAt(toks []token, i int) *cue {
	w := toks[i].w
	var best *cue
	// A cue is indexed by its first pattern without '*'; try every prefix of
	// w that is the length of some key.
	for _, n := range keyLens {
		if n > len(w) {
			break
		}
		cs := lexicon[w[:n]]
		for j := range cs {
			if cs[j].matchAt(toks, i) && (best == nil || len(cs[j].pats) > len(best.pats)) {
				best = &cs[j]
			}
		}
	}
	return best
}

// purposeVerbs open a purpose clause after "to".
var purposeVerbs = map[string]bool{
	"prevent": true, "avoid": true, "ensure": true, "help": true, "reduce": true, "make": true, "guard": true,
	"eliminate": true, "minimize": true, "mitigate": true, "allow": true, "enable": true, "improve": true,
	"increase": true, "decrease": true, "limit": true, "protect": true, "account": true, "catch": true,
	"detect": true, "identify": true, "establish": true, "determine": true, "provide": true, "handle": true,
	"better": true, "speed": true, "accelerate": true, "maintain": true, "alert": true, "warn": true,
	"respond": true, "drive": true, "understand": true, "assure": true, "verify": true, "inherently": true,
	"more": true, "further": true, "be": true, "preserve": true, "achieve": true, "resolve": true,
	"manage": true, "generate": true, "keep": true, "trigger": true, "support": true, "address": true,
}

// purposeStart returns the index of the first token of the purpose clause
// ("to prevent", "so that", "in order to", "which will", "for faster" ...)
// after from, or len(toks).
func purposeStart(toks []token, from int) int {
	for i := from + 1; i < len(toks); i++ {
		w := toks[i].w
		next := ""
		if i+1 < len(toks) {
			next = toks[i+1].w
		}
		switch {
		case w == "to" && purposeVerbs[next]:
			return i
		case w == "so" && next == "that", w == "such" && next == "that", w == "in" && next == "order":
			return i
		case (w == "which" || w == "that") && next == "will":
			return i
		case w == "for" && (next == "faster" || next == "quicker" || next == "earlier" || next == "better"):
			return i
		case w == "allowing" || w == "enabling":
			return i
		}
	}
	return len(toks)
}

// leadIn returns the index of the first token after a list preamble ("...
// include the following:") or a leading subordinate clause ("While ..., ",
// "In addition to ..., ", "Once ..., ").
func leadIn(toks []token) int {
	start := 0
	for i, t := range toks {
		if t.colon && i+3 < len(toks) {
			start = i + 1
		}
	}
	if start < len(toks) {
		switch toks[start].w {
		case "while", "once", "if", "since", "although", "though", "after", "when", "until", "as":
			for i := start; i < len(toks)-2; i++ {
				if toks[i].comma {
					return i + 1
				}
			}
		case "in":
			if start+2 < len(toks) && toks[start+1].w == "addition" && toks[start+2].w == "to" {
				for i := start; i < len(toks)-2; i++ {
					if toks[i].comma {
						return i + 1
					}
				}
			}
		}
	}
	return start
}

// changeVerbs join an investigation to a change ("investigate and fix").
var changeVerbs = map[string]bool{
	"fix": true, "remediate": true, "enhance": true, "enhancing": true, "implement": true, "convert": true,
	"converting": true, "make": true, "update": true, "harden": true, "create": true, "add": true,
	"deploy": true, "improve": true, "ensure": true, "correct": true, "rectify": true, "change": true,
	"solidify": false, "apply": true, "mitigation": false,
}

type hit struct {
	c   cue
	tok int // index of the first token
	end int // index after the last token
}

// matchAll is the longest cue at each token (nil where none matches).
func matchAll(toks []token) []*cue {
	out := make([]*cue, len(toks))
	for i := range toks {
		out[i] = matchAt(toks, i)
	}
	return out
}

// hits returns the cues in toks[from:to], left to right, each the longest
// at its position, not overlapping.
func hits(toks []token, ms []*cue, from, to int) []hit {
	var out []hit
	for i := from; i < to; {
		c := ms[i]
		if c == nil || i+len(c.pats) > to {
			i++
			continue
		}
		out = append(out, hit{*c, i, i + len(c.pats)})
		i += len(c.pats)
	}
	return out
}

// decide picks the kind from the cues of one clause; ok is false when the
// clause holds no deciding cue.
func decide(toks []token, hs []hit, clauseEnd int, rest []hit) (hit, bool) {
	first := -1
	for k, h := range hs {
		if h.c.kind != neutral {
			first = k
			break
		}
	}
	if first < 0 {
		return hit{}, false
	}
	h := hs[first]
	if h.c.kind != Investigate {
		return h, true
	}
	// An investigation joined to a change takes the change's kind, unless
	// the change is conditional on it.
	for i := h.end; i < clauseEnd-1; i++ {
		w := toks[i].w
		if w == "whether" || w == "if" {
			return h, true
		}
		if w == "and" && changeVerbs[toks[i+1].w] {
			for _, n := range append(hs[first+1:len(hs):len(hs)], rest...) {
				if n.tok > i && n.c.kind != Investigate && n.c.kind != neutral {
					return n, true
				}
			}
			if toks[i+1].w == "fix" || toks[i+1].w == "remediate" || toks[i+1].w == "correct" {
				return hit{c: cue{kind: Prevent, pats: []string{toks[i+1].w}, text: toks[i+1].w}, tok: i + 1, end: i + 2}, true
			}
			return h, true
		}
	}
	return h, true
}

// Classify returns the kind of one action item (its summary, or a summary
// and description joined) and the evidence for it.
func Classify(text string) Result {
	toks := tokenize(text)
	if len(toks) == 0 {
		return Result{Kind: Unknown}
	}
	start := leadIn(toks)
	// The main clause is read before the purpose clause; the purpose clause
	// decides only when the main clause holds no cue.
	p := purposeStart(toks, start)
	ms := matchAll(toks)
	for _, span := range [][2]int{{start, p}, {p, len(toks)}, {0, start}} {
		h, ok := decide(toks, hits(toks, ms, span[0], span[1]), span[1], hits(toks, ms, span[1], len(toks)))
		if !ok {
			continue
		}
		return Result{Kind: h.c.kind, Start: toks[h.tok].start, End: toks[h.end-1].end, Cue: h.c.text}
	}
	return Result{Kind: Prevent, Default: true}
}
