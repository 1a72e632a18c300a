package language

import (
	"strings"

	"github.com/aftermath-sre/aftermath/analyze/internal/wordre"
)

// This file holds the cheap, exact prefilters of the checks: they only skip
// work that cannot produce a match, so every finding stays the same.
//
// keySet answers the checks' "does the lowercase sentence contain one of
// these keys" questions (containsAny) from one pass over the sentence
// instead of one strings.Contains per key: scan sets the bit of every key
// that occurs, and a group of keys is a mask over those bits.

// maxKeys bounds the keys of a keySet (the size of keyMask).
const maxKeys = 4 * 64

// keyMask is a set of key ids.
type keyMask [maxKeys / 64]uint64

func (m *keyMask) set(id int) { m[id>>6] |= 1 << (id & 63) }

// any reports a key of m in h.
func (m *keyMask) any(h *keyMask) bool {
	for i := range m {
		if m[i]&h[i] != 0 {
			return true
		}
	}
	return false
}

// keySet is a fixed set of keys (at least two bytes each), indexed by their
// first two bytes (a table of 128 KiB a set).
type keySet struct {
	ids   map[string]int
	keys  []string
	heads [][]int         // lists of key ids with the same first two bytes
	head  [1 << 16]uint16 // first two bytes -> 1 + index into heads, 0 for none
}

func newKeySet() *keySet {
	return &keySet{ids: map[string]int{}, heads: [][]int{nil}}
}

// group adds keys to the set and returns their mask.
func (k *keySet) group(keys ...string) keyMask {
	var m keyMask
	for _, key := range keys {
		if len(key) < 2 {
			panic("language: keySet key shorter than two bytes: " + key)
		}
		id, ok := k.ids[key]
		if !ok {
			id = len(k.keys)
			if id >= maxKeys {
				panic("language: too many prefilter keys")
			}
			k.ids[key] = id
			k.keys = append(k.keys, key)
			h := uint16(key[0])<<8 | uint16(key[1])
			if k.head[h] == 0 {
				k.head[h] = uint16(len(k.heads))
				k.heads = append(k.heads, nil)
			}
			k.heads[k.head[h]] = append(k.heads[k.head[h]], id)
		}
		m.set(id)
	}
	return m
}

// scan returns the keys that occur in s.
func (k *keySet) scan(s string) keyMask {
	var h keyMask
	for i := 0; i+1 < len(s); i++ {
		hd := k.head[uint16(s[i])<<8|uint16(s[i+1])]
		if hd == 0 {
			continue
		}
		for _, id := range k.heads[hd] {
			if strings.HasPrefix(s[i:], k.keys[id]) {
				h.set(id)
			}
		}
	}
	return h
}

// isASCII reports a string of ASCII bytes only. Literal prefilters of (?i)
// regexps are exact only then: Go folds 'k' with the Kelvin sign and 's'
// with the long s, which a lowercase literal does not see.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// heSheWord reports "he" or "she" in low (ASCII, lowercase) where the
// roles pattern can match them: after the start, a space (\s) or , or ;
// and before a non-word byte or the end.
func heSheWord(low string) bool {
	for i := 0; ; {
		j := strings.Index(low[i:], "he")
		if j < 0 {
			return false
		}
		at := i + j
		i = at + 1
		end := at + 2
		if end < len(low) && wordre.IsWordByte(low[end]) {
			continue
		}
		start := at
		if start > 0 && low[start-1] == 's' {
			start-- // "she"
			if openerAt(low, start) {
				return true
			}
			start++
		}
		if openerAt(low, start) {
			return true
		}
	}
}

// openerAt: the start of low, or one of \s , ; before i.
func openerAt(low string, i int) bool {
	if i == 0 {
		return true
	}
	switch low[i-1] {
	case ' ', '\t', '\n', '\f', '\r', ',', ';':
		return true
	}
	return false
}

// Keys of the blame rules' prefilters.
var (
	counterfactualKeys = []string{" have ", "should've", "shouldve", "if only", "had "}
	characterKeys      = []string{"careless", "negligen", "sloppy", "lazy", "laziness", "incompeten", "reckless", "inattenti", "irresponsib", "lack of ", "careful"}
	humanErrorKeys     = []string{"error", "mistake", "failure"}
)

// blameKeys holds every key the blame checks ask about; the groups are
// built once, here, and only read after.
var (
	blameKeys = newKeySet()
	ruleMasks = map[string]keyMask{
		RuleCounterfactual:  blameKeys.group(counterfactualKeys...),
		RuleCharacter:       blameKeys.group(characterKeys...),
		RuleHumanErrorCause: blameKeys.group(humanErrorKeys...),
		RulePersonFault:     blameKeys.group(faultKeys...),
	}
	kFault          = blameKeys.group(faultKeys...)
	kAgent          = blameKeys.group(agentKeys...)
	kPersonalFault  = blameKeys.group(personalFaultKeys...)
	kRole           = blameKeys.group(roleKeys...)
	kNamedCue       = blameKeys.group("because", "due to", "thanks to", "blame", "fault of", "responsible", "'s")
	kErrorWords     = blameKeys.group("error", "mistake", "slip", "failure")
	kHave           = blameKeys.group(" have ")
	kCapNameLiteral = blameKeys.group(
		// capName is case-sensitive: each match holds one of these as is, so
		// the lowercase sentence does too.
		"forgot", "neglected", "carelessly", "did not bother", "didn't bother", "messed up", "screwed up",
		"fat-fingered", "fat fingered", "made a", "s to blame")
	// kModal: every counterfactual-rule match holds one of these.
	kModal = blameKeys.group("should", "ought to", "must", "could", "would", "if only", "had ")
	// kHumanErrorLiteral: every human-error-rule match holds "<who> <error>".
	kHumanErrorLiteral = blameKeys.group(joinWords(
		[]string{"human", "operator", "operational", "user", "manual", "pilot", "personnel", "inadvertent", "accidental"},
		[]string{"error", "mistake", "failure"})...)
	// kRoleLiteral: every match of the roles pattern holds one of these, or
	// "he"/"she" (heSheWord).
	kRoleLiteral = blameKeys.group("engineer", "developer", "operator", "admin", "sre", "on-call", "oncall", "team",
		"employee", "technician", "contractor", "intern", "person", "staff member", "member of", "dba", "designer",
		"someone", "somebody")
)

// hasRoleLiteral: low (ASCII, lowercase, with keys h) may hold a match of
// the roles pattern.
func hasRoleLiteral(low string, h *keyMask) bool {
	return kRoleLiteral.any(h) || heSheWord(low)
}

// joinWords is every "a b" of a in as and b in bs.
func joinWords(as, bs []string) []string {
	var out []string
	for _, a := range as {
		for _, b := range bs {
			out = append(out, a+" "+b)
		}
	}
	return out
}

// featureKeys holds the keys of the action model's lexical features: each
// group is a set of literals one of which every match of its regexp holds
// (checked on ASCII items only: the regexps are (?i)).
var (
	featureKeys = newKeySet()
	kEffort     = featureKeys.group("work", "tak", "steps", "effort", "everything we can", "commit", "number of", "set of",
		"series of", "range of", "several", "multi-phase", "in the process of", "continu", "invest", "drive improvement",
		"apply the learning")
	kNumberWord = featureKeys.group("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twelve",
		"fifteen", "twenty", "thirty", "sixty", "hundred")
	kNumberUnit = featureKeys.group("second", "minute", "hour", "day", "week", "month", "times", "approval", "replica",
		"retries", "attempts", "percent", "nodes", "zones", "regions")
	kCondition    = featureKeys.group("when", "where", "if", "before", "until", "once")
	kDeicticDet   = featureKeys.group("this", "these", "that", "such", "the same")
	kDeicticNoun  = featureKeys.group("issue", "problem", "class", "type", "kind", "sort", "nature", "scenario", "situation", "failure", "misconfiguration", "condition", "incident", "error", "bug", "event")
	kDeicticOther = featureKeys.group("repeat", "similar ", "recurrence of this")
	kClause       = featureKeys.group("when", "where", "if", "once", "before", "until", "that", "which", "for cases")
	kBy           = featureKeys.group("by ")
	kIng          = featureKeys.group("ing")
	kConcrete     = featureKeys.group("add", "remov", "disabl", "fix", "correct", "replac", "roll", "deploy", "migrat", "block", "enforc", "reject", "requir", "limit", "cap", "rotat", "pin", "split", "delet", "increas", "lower", "rais", "chang", "set", "configur", "enabl", "alarm if", "alert ")
)

// mayBeDeictic: a determiner and a noun of deictic's first alternative, or
// a literal of another.
func mayBeDeictic(h *keyMask) bool {
	return (kDeicticDet.any(h) && kDeicticNoun.any(h)) || kDeicticOther.any(h)
}

// mayBeCodeLike: s has what every match of codeLike has (case-sensitive,
// ASCII classes): '_', '/', '.', or a lowercase letter before an uppercase one.
func mayBeCodeLike(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '_' || c == '/' || c == '.':
			return true
		case c >= 'a' && c <= 'z' && i+1 < len(s) && s[i+1] >= 'A' && s[i+1] <= 'Z':
			return true
		}
	}
	return false
}

// kSpecificOutcome: every match of specificOutcome holds one of these (a
// coordinated action's verb, a check's verb, or a word of the outcomes).
var kSpecificOutcome = featureKeys.group("apply", "application of", "fix", "remov", "implement", "roll out", "deploy", "replac",
	"creat", "add", "ensure", "make sure", "verify", "validate", "confirm", "check", "dependenc", "whether", "replacement", "alternative", "substitute", "how ", "what ",
	"up the findings", "like the one that", "and if so", "set", "unmuted", "no other", "false alarm", "escalates",
	"design doc", "report", "rca", "root cause analysis", "decision", "proposal", "plan", "publish", "write", "runbook",
	"checklist")

// mayBeSpecificOutcome: rest may hold a match of specificOutcome (exact on
// ASCII text; other text always may).
func mayBeSpecificOutcome(rest string) bool {
	if !isASCII(rest) {
		return true
	}
	h := featureKeys.scan(strings.ToLower(rest))
	return kSpecificOutcome.any(&h)
}
