// Package language checks postmortem prose for blame and finger-pointing,
// and action items for vagueness, the way a reviewer of a blameless
// postmortem would. Every Finding points at its sentence by byte offsets
// and says why it was raised.
package language

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aftermath-sre/aftermath/analyze/internal/wordre"
)

// Finding is one problem found in a text.
type Finding struct {
	Rule     string
	Sentence string
	// Start and End are the sentence's byte offsets in the checked text.
	Start, End int
	// Phrase is the text that triggered the rule.
	Phrase string
	Why    string
}

// Blame rules.
const (
	RuleNamedPerson     = "named-person-cause"
	RulePersonFault     = "person-fault"
	RuleCharacter       = "character-judgement"
	RuleHumanErrorCause = "human-error-root-cause"
	RuleCounterfactual  = "counterfactual"
)

// BlameOptions tune CheckBlame.
type BlameOptions struct {
	// Names are known people (for example Jira display names). A sentence
	// that makes one of them the cause is a finding. Single-word names and
	// full names both work; full names also match their first word.
	Names []string
}

// faultVerbs attribute a failure to whoever is their subject.
const faultVerbs = `(?:forgot|forget|forgets|failed to|fails to|neglected|neglects|ignored|ignores|overlooked|` +
	`did not bother|didn't bother|did not (?:check|notice|follow|test|read|verify|review|realize|realise|wait|` + omittedSteps + `)|` +
	`didn't (?:check|notice|follow|test|read|verify|review|realize|realise|wait|` + omittedSteps + `)|mistakenly|erroneously|errantly|wrongly|` +
	`(?:noticing|noticed|realizing|realized|realising|realised) (?:his|her|their) (?:own )?(?:mistake|error)|` +
	`accidentally|inadvertently|carelessly|by accident|by mistake|in error|` +
	`made (?:a|an|the) (?:mistake|error|blunder|typo)|messed up|screwed up|fat[- ]fingered|` +
	`introduced (?:a|an|the) (?:bad|incorrect|wrong|faulty|erroneous|broken)|` +
	`(?:impacted|touched|changed|deleted|removed|rebooted|restarted|unplugged|pulled|shut down|targeted|selected|edited|dropped|wiped|erased|truncated|killed|stopped|drained|updated|modified|patched|upgraded|configured|ran|applied|deployed) (?:the|a|an) (?:wrong|incorrect)|` +
	`(?:misconfigured|mistyped|misapplied|misread|mislabeled|mislabelled|misrouted) (?:the|a|an|its|their|our)|` +
	`(?:skipped|bypassed|circumvented|disregarded) (?:the|a|an|its|their|our)|` +
	`(?:pushed|deployed|shipped|merged|applied|ran) (?:\w+ )?(?:untested|unreviewed|unapproved)|` +
	`was responsible for (?:the|this)|is responsible for (?:the|this)|(?:was|is|are|were) to blame)`

// omittedSteps are steps of a change whose omission is a fault of whoever
// should have taken them: "a technician did not copy the new code to one of
// the servers".
const omittedSteps = `copy|deploy|update|apply|run|restart|install|rotate|renew|back up|roll out|push|upload|migrate`

// passiveFault: the person is the one a faulty act was done to ("was
// accidentally scheduled for removal"), not the one who did it.
var passiveFault = regexp.MustCompile(`(?i)\b(?:was|were|is|are|been|being|got)\s+(?:\w+ly\s+)?(?:accidentally|inadvertently|mistakenly|erroneously|wrongly|errantly)\s+\w+(?:ed|en)\b`)

// passiveBefore reports whether s has a passive fault ("was accidentally
// scheduled") that starts before faultEnd: the fault found is one done to
// the person, not a later clause's ("... deleted the table that was
// inadvertently exposed" is still the person's).
func passiveBefore(s string, faultEnd int) bool {
	m := passiveFault.FindStringIndex(s[:min(len(s), faultEnd+40)])
	return m != nil && m[0] < faultEnd
}

// faultKeys prefilter sentences for the fault and cause verbs.
var faultKeys = []string{"forg", "fail", "neglect", "ignore", "overlook", "bother", "did not", "didn't", "mistake", "errant", "their error", "his error", "her error", "own error",
	"erroneous", "accident", "inadvertent", "careless", "in error", "made a", "made an", "made the", "messed",
	"screwed", "fat", "introduced", "wrong", "incorrect", "responsible", "to blame", "caused", "broke",
	"triggered the", "took down", "brought down"}

// causeVerbs make their subject the cause; they count only right after a
// person (an engineer caused), not anywhere in the clause.
const causeVerbs = `(?:caused|broke|triggered the (?:outage|incident)|took down|brought down)`

// roles name a person by role rather than by name.
const roles = `(?:(?:\b(?:the|an|a|one|our|their|this|that)\s+(?:[\w-]+\s+){0,2}?(?:engineer|developer|operator|admin|` +
	`administrator|sre|on-?call(?:\s+engineer)?|team member|employee|technician|contractor|intern|person|` +
	`staff member|member of (?:the )?[\w-]+ team|team|oncall|dba|sysadmin|designer)s?` +
	`|(?:^|[\s,;])(?:engineers|operators|developers|technicians|administrators|admins|someone|somebody|he|she))\b)`

type blameRule struct {
	rule string
	re   *regexp.Regexp
	// keys: the regexp runs only on sentences whose lowercase form
	// contains one of them (a cheap prefilter; regexps are slow).
	keys []string
	// mask is keys in blameKeys; literal, when set, is a set of keys one of
	// which every match of re contains (checked on ASCII sentences only).
	mask, literal keyMask
	role          bool // every match of re holds a role (hasRoleLiteral)
	// word, when set, finds re's matches faster (analyze/internal/wordre).
	word *wordre.Regexp
	why  string
	// negatable rules are skipped when a negation precedes the match.
	negatable bool
}

// blameChecker holds the compiled rules. It is immutable after
// construction and safe for concurrent use.
type blameChecker struct {
	rules       []blameRule
	negRe       *regexp.Regexp
	capName     *regexp.Regexp
	nameFault   *regexp.Regexp
	causeBefore *regexp.Regexp
	reported    *regexp.Regexp
	expectation *regexp.Regexp
	// personal counterfactuals: "If Alice had followed ...", "Had the
	// on-call engineer checked ..., ... would ...".
	ifHad, hadIf, roleAt, wouldRe *regexp.Regexp
	// a person as the agent of the change that caused the failure.
	agentCause, roleAgent, subordinate *regexp.Regexp
	// tagger finds the head of a counterfactual's subject.
	tagger *tagger
}

func newBlameChecker() *blameChecker {
	b := &blameChecker{
		tagger: newTagger(),
		rules: []blameRule{
			{
				rule: RuleCounterfactual,
				re: regexp.MustCompile(`(?i)\b(?:should|ought to|must)(?: not)?\s+have\s+(?:known|caught|noticed|realized|realised|seen|spotted|checked|double[- ]checked|verified|tested|anticipated|foreseen|prevented|avoided|been (?:caught|prevented|avoided|aware|spotted))\b` +
					`|\b(?:could|would)(?: easily)? have (?:prevented|avoided|caught)\b|\b(?:could|would) have been (?:prevented|avoided|caught)\b` +
					`|\bshould'?ve\b|\bif only\b|\b(?:would|could) (?:not|never) have happened (?:if|had)\b|\bhad (?:he|she|they|the [\w-]+|(?-i:[A-Z][a-z]+)) (?:only |just )?(?:checked|tested|known|followed|noticed|read|verified|waited)\b`),
				keys: counterfactualKeys,
				why:  "counterfactual hindsight (what someone should or could have done) judges people instead of explaining why the system let it happen",
			},
			{
				rule:      RuleCharacter,
				re:        regexp.MustCompile(`(?i)\b(?:careless(?:ly|ness)?|negligen(?:t|ce|tly)|sloppy|sloppiness|lazy|laziness|incompeten(?:t|ce)|reckless(?:ly|ness)?|inattentive(?:ness)?|inattention|irresponsible|irresponsibly|lack of (?:care|attention|diligence)|not (?:being )?careful enough|(?:should|must) (?:have )?be(?:en)? more careful)\b`),
				keys:      characterKeys,
				why:       "judges a person's care or character; a blameless postmortem asks what made the action easy to get wrong",
				negatable: true,
			},
			{
				rule: RuleHumanErrorCause,
				re: regexp.MustCompile(`(?i)(?:root[- ]cause|caused by|cause of|due to|result of|resulted from|attributed to|attributable to|because of|blamed on|stemmed from|triggered by|traced (?:back )?to|came down to|boils down to|\b(?:was|is)|:)\s+(?:an? |the )?(?:simple |single |basic |unfortunate )?(?:human|operator|operational|user|manual|pilot|personnel) (?:error|mistake|failure)` +
					`|\b(?:human|operator|operational|manual|personnel|inadvertent|accidental) (?:error|mistake)s?\b[^.;:!?]{0,60}?\b(?:caused|led to|resulted in|triggered|was (?:the )?(?:root )?cause|is (?:the )?(?:root )?cause)\b`),
				keys:      humanErrorKeys,
				why:       "gives human error as the root cause; human error is where an investigation starts, not where it ends",
				negatable: true,
			},
			{
				rule:      RulePersonFault,
				re:        regexp.MustCompile(`(?i)` + roles + `(?:[^.,;:!?()]{0,60}?\b` + faultVerbs + `|(?:'s [\w-]+)?\s+(?:[\w-]+ly\s+)?` + causeVerbs + `)\b`),
				keys:      faultKeys,
				why:       "makes a person the one at fault; describe what the system allowed instead",
				negatable: true,
			},
		},
		nameFault:   regexp.MustCompile(nameFaultPattern),
		reported:    regexp.MustCompile(`(?i)\b(?:found|determined|identified|discovered|noticed|confirmed|observed|established|believed?|concluded|suspected|realized|learned|saw|said|reported)\s+(?:that\b)?`),
		expectation: regexp.MustCompile(`(?i)^\s+(?:no|little|minimal|only|limited)\b`),
		causeBefore: regexp.MustCompile(causeBeforePattern),
		ifHad:       regexp.MustCompile(`(?i)\bif(?: only)?\s+((?:[\w'-]+\s+){0,3}?[\w'-]+)\s+had(?:n't)?\s+(?:(?:only|just|not|never|actually|simply)\s+)?([a-z]+)\b`),
		hadIf:       regexp.MustCompile(`(?:^\s*|[,;:]\s*|\b(?:and|but)\s+)(?:Had|had)(?:n't)?\s+((?:[\w'-]+\s+){0,3}?[\w'-]+)\s+(?:(?:only|just|not|never|actually|simply)\s+)?((?:paid|read|run|done|made|known|taken|kept|left|put|set|sent|told|thought|caught|brought|found|understood|hit|shut|let|built|cut|seen|[a-z]{3,}(?:ed|en)))\b`),
		roleAt:      regexp.MustCompile(`(?i)^(?:` + roles + `)$`),
		wouldRe:     regexp.MustCompile(`(?i)\b(?:would|could|might|wouldn't|couldn't)\b`),
		agentCause:  regexp.MustCompile(agentCausePattern),
		roleAgent:   regexp.MustCompile(`(?i)` + roles + `\s+` + agentCausePattern[len(`(?i)^(?:'s)?\s+`):]),
		subordinate: regexp.MustCompile(`(?i)\b(?:after|when|once|because|since|until|before|while|as soon as|fix|fixed|rollback|rolled back|revert|reverted|mitigat\w*|found|identified|noticed|determined)\b`),
		negRe:       regexp.MustCompile(`(?i)\b(?:not|n't|never|no|nor|rather than|instead of|isn't|wasn't|without|beyond|more than|avoid|stop)\b`),
		capName:     regexp.MustCompile(`\b([A-Z][a-z]+(?: [A-Z][a-z]+)?)(?:'s)?\s+(?:(?:had |has )?(?:forgot|forgotten|neglected|carelessly|did not bother|didn't bother|messed up|screwed up|fat[- ]fingered|made (?:a|an) (?:mistake|error|blunder))|(?:is|was) to blame)\b`),
	}
	for i := range b.rules {
		r := &b.rules[i]
		r.mask = ruleMasks[r.rule]
		switch r.rule {
		case RuleCounterfactual:
			r.literal = kModal
			r.word = wordre.MustCompile(r.re.String())
		case RuleHumanErrorCause:
			r.literal = kHumanErrorLiteral
		case RulePersonFault:
			r.role = true
		}
	}
	return b
}

// CheckBlame returns the blame findings of text, in text order, at most one
// per rule and sentence.
func CheckBlame(text string, opts BlameOptions) []Finding {
	c := newBlameChecker()
	c.tagger = packageTagger
	return c.check(text, opts)
}

// Checker checks many texts with one compiled rule set.
type Checker struct {
	blame  *blameChecker
	action *actionChecker
	names  *knownNames
}

// NewChecker compiles the rules once; use it when checking many texts.
func NewChecker(opts BlameOptions) *Checker {
	return &Checker{blame: newBlameChecker(), action: newActionChecker(), names: newKnownNames(opts.Names)}
}

// CheckBlame is CheckBlame with the checker's compiled rules and names.
func (c *Checker) CheckBlame(text string) []Finding {
	return c.blame.checkWith(text, c.names)
}

func (b *blameChecker) check(text string, opts BlameOptions) []Finding {
	return b.checkWith(text, newKnownNames(opts.Names))
}

func (b *blameChecker) checkWith(text string, names *knownNames) []Finding {
	var out []Finding
	for _, sp := range Sentences(text) {
		s := text[sp.Start:sp.End]
		add := func(rule, phrase, why string) {
			out = append(out, Finding{Rule: rule, Sentence: s, Start: sp.Start, End: sp.End, Phrase: phrase, Why: why})
		}
		low := strings.ToLower(s)
		h := blameKeys.scan(low)
		ascii := isASCII(s)
		for i := range b.rules {
			r := &b.rules[i]
			if !r.mask.any(&h) {
				continue
			}
			// Exact literal prefilters (see prefilter.go): the regexp cannot match.
			if ascii && ((r.literal != keyMask{} && !r.literal.any(&h)) || (r.role && !hasRoleLiteral(low, &h))) {
				continue
			}
			var locs [][]int
			if r.word != nil {
				locs = findWords(r.word, s, low)
			} else {
				locs = r.re.FindAllStringIndex(s, -1)
			}
			for _, loc := range locs {
				if r.negatable && negated(b.negRe, s, loc[0], loc[1]) {
					continue
				}
				if r.rule == RulePersonFault && b.reported.MatchString(s[loc[0]:loc[1]]) {
					continue // "engineers found that X was removed in error": the person reports, not errs
				}
				if r.rule == RuleCounterfactual && b.expectation.MatchString(s[loc[1]:]) {
					continue // "should have seen no impact" states an expectation
				}
				if r.rule == RuleCounterfactual && modalStart.MatchString(s[loc[0]:loc[1]]) && !b.counterfactualSubject(s, loc[0]) {
					continue // "validation would have prevented this": a remediation, not hindsight about a person
				}
				if r.rule == RulePersonFault && passiveBefore(s[loc[0]:], loc[1]-loc[0]) {
					continue // "the employee was accidentally scheduled for removal": someone else's act on the person
				}
				if r.rule == RulePersonFault && ((clauseBreak.MatchString(s[loc[0]:loc[1]]) && mitigatingRole(s[loc[0]:loc[1]])) || objectBefore.MatchString(s[:loc[0]]) || negatedFault.MatchString(s[loc[0]:loc[1]])) {
					continue // "engineers rolled back the change that had inadvertently ...": the change is at fault
				}
				add(r.rule, s[loc[0]:loc[1]], r.why)
				break
			}
		}
		if len(s) < 80 && kErrorWords.any(&h) && !hasRule(out, RuleHumanErrorCause, sp.Start) && humanErrorSentence.MatchString(s) {
			add(RuleHumanErrorCause, strings.TrimSpace(s), "gives human error as the root cause; human error is where an investigation starts, not where it ends")
		}
		if !hasRule(out, RulePersonFault, sp.Start) {
			if p, ok := b.personFault(s, low, &h); ok {
				add(RulePersonFault, p, "makes a person the one at fault; describe what the system allowed instead")
			}
		}
		if !hasRule(out, RuleCounterfactual, sp.Start) && kHave.any(&h) {
			if m := personalModal.FindStringIndex(s); m != nil && b.personSubject(s, m[0], names) {
				add(RuleCounterfactual, s[m[0]:m[1]], "counterfactual hindsight about what a person should have done judges people instead of explaining why the system let it happen")
			}
		}
		if p, ok := b.personalCounterfactual(s, low, names); ok {
			add(RuleCounterfactual, p, "counterfactual about a person (if they had acted otherwise, it would not have happened) judges people with hindsight instead of explaining why the system let it happen")
		}
		if p, ok := b.roleAgentCause(s, low, &h, ascii); ok {
			add(RulePersonFault, p, "makes a person the agent of the change that caused the failure; describe what the change did and why the system let it through")
		}
		if p, ok := b.namedCause(s, low, names, &h); ok {
			add(RuleNamedPerson, p, "names a person as the cause; say what happened and why the system allowed it, not who")
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out
}

// modalStart: a counterfactual match that starts with its modal verb.
var modalStart = regexp.MustCompile(`(?i)^(?:should|ought|must|could|would)\b`)

// hasRule reports a finding of rule for the sentence starting at start.
func hasRule(fs []Finding, rule string, start int) bool {
	for _, f := range fs {
		if f.Rule == rule && f.Start == start {
			return true
		}
	}
	return false
}

// negated reports a negation shortly before the match ("not due to human
// error", "rather than blaming human error") or a denial right after it
// ("human error is not a root cause").
func negated(neg *regexp.Regexp, s string, start, end int) bool {
	lo := start - 30
	for lo > 0 && !utf8.RuneStart(s[lo]) {
		lo--
	}
	if lo < 0 {
		lo = 0
	}
	if neg.MatchString(s[lo:start]) {
		return true
	}
	hi := min(end+25, len(s))
	for hi < len(s) && !utf8.RuneStart(s[hi]) {
		hi++
	}
	after := strings.ToLower(s[end:hi])
	return strings.HasPrefix(strings.TrimSpace(after), "is not") || strings.HasPrefix(strings.TrimSpace(after), "isn't") ||
		strings.HasPrefix(strings.TrimSpace(after), "was not") || strings.HasPrefix(strings.TrimSpace(after), "wasn't") ||
		strings.HasPrefix(strings.TrimSpace(after), "is never") || strings.HasPrefix(strings.TrimSpace(after), "is rarely")
}

// knownNames finds known people in a sentence: a word set for a cheap
// check, and a regexp for the match itself.
type knownNames struct {
	words map[string]bool
	re    *regexp.Regexp
	// alts are re's alternatives in its order, by first byte: findAll
	// matches them without the regexp.
	alts [256][]string
}

func (k *knownNames) mentioned(s string) bool {
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && r != '-' && r != '\'' }) {
		if k.words[strings.TrimSuffix(w, "'s")] {
			return true
		}
	}
	return false
}

func newKnownNames(names []string) *knownNames {
	re, alts := namesRegexp(names)
	if re == nil {
		return nil
	}
	k := &knownNames{words: map[string]bool{}, re: re}
	for _, a := range alts {
		k.alts[a[0]] = append(k.alts[a[0]], a)
	}
	for _, n := range names {
		for _, w := range strings.Fields(n) {
			k.words[w] = true
		}
	}
	return k
}

func containsAny(s string, keys []string) bool {
	for _, k := range keys {
		if strings.Contains(s, k) {
			return true
		}
	}
	return false
}

// findAll is k.re.FindAllStringIndex(s, -1): at each position, in order,
// the first alternative (longest first) that is there between word
// boundaries (ASCII word bytes, as Go's \b).
func (k *knownNames) findAll(s string) [][]int {
	var out [][]int
	for p := 0; p < len(s); p++ {
		if !wordBoundary(s, p) {
			continue
		}
		for _, a := range k.alts[s[p]] {
			if strings.HasPrefix(s[p:], a) && wordBoundary(s, p+len(a)) {
				out = append(out, []int{p, p + len(a)})
				p += len(a) - 1
				break
			}
		}
	}
	return out
}

// wordBoundary is \b at byte i of s.
func wordBoundary(s string, i int) bool {
	before := i > 0 && wordre.IsWordByte(s[i-1])
	after := i < len(s) && wordre.IsWordByte(s[i])
	return before != after
}

// namesRegexp matches known names (full names and their first word); alts
// are its alternatives, in order.
func namesRegexp(names []string) (*regexp.Regexp, []string) {
	seen := map[string]bool{}
	unquoted := map[string]string{}
	var alts []string
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		for _, v := range []string{n, strings.Fields(n)[0]} {
			if len(v) < 2 || seen[v] {
				continue
			}
			seen[v] = true
			q := regexp.QuoteMeta(v)
			alts = append(alts, q)
			unquoted[q] = v
		}
	}
	if len(alts) == 0 {
		return nil, nil
	}
	// Longest first so "Alice Smith" wins over "Alice".
	sort.Slice(alts, func(i, j int) bool { return len(alts[i]) > len(alts[j]) })
	re := regexp.MustCompile(`\b(?:` + strings.Join(alts, "|") + `)\b`)
	for i, a := range alts {
		alts[i] = unquoted[a]
	}
	return re, alts
}

// agentCausePattern, right after a person: the person made a change
// ("pushed", "deployed", "ran") and, later in the same sentence, that change
// caused the failure. Group 1 is the text between the two, which must not
// open a subordinate clause ("deployed the fix after the config caused ...").
const agentCausePattern = `(?i)^(?:'s)?\s+(?:[\w-]+ly\s+)?(?:pushed|deployed|merged|ran|applied|executed|shipped|committed|rolled out|changed|modified|edited|deleted|removed|dropped|truncated|restarted|rebooted|configured|approved|typed|entered|updated|migrated|disabled|enabled|turned off|switched off)\b([^.;!?]{0,120}?)\b(?:(?:caused|led to|resulted in|triggered|took down|brought down|broke)\s+(?:the|this|that|an?|our)\s+(?:[\w-]+\s+){0,2}?(?:outage|incident|failure|downtime|degradation|disruption|errors|problem|issue)|(?:took|brought) down\s+(?:the\s+)?[\w.-]+)\b`

// agentKeys prefilter sentences for agentCausePattern.
var agentKeys = []string{"caused", "led to", "resulted in", "triggered", "took down", "brought down", "broke"}

// personalCounterfactual finds an inverted conditional about a person's
// action with a counterfactual consequence: "Had Alice paid attention to the
// alert, the outage would have been shorter", "If the operator had followed
// the runbook, this would not have happened". The subject must be a known
// name, a role or a personal pronoun, and the verb an action (a past
// participle other than "been"): "Had the alert fired earlier" and "If the
// engineer had been paged" are not about what a person did.
func (b *blameChecker) personalCounterfactual(s, low string, names *knownNames) (string, bool) {
	if !strings.Contains(low, "had") || !b.wouldRe.MatchString(s) {
		return "", false
	}
	for _, re := range []*regexp.Regexp{b.ifHad, b.hadIf} {
		for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
			subj, verb := s[m[2]:m[3]], strings.ToLower(s[m[4]:m[5]])
			if !actionParticiple(verb) || !b.isPerson(subj, names) {
				continue
			}
			if !b.wouldRe.MatchString(s[m[1]:]) && (re != b.ifHad || !wouldHaveBefore.MatchString(s[:m[0]])) {
				// The consequence must follow the condition, or come first as
				// a counterfactual perfect ("This would not have happened if
				// the developer had tested it"): "If Alice had left, we paged
				// Bob" is indicative.
				continue
			}
			return strings.TrimLeft(s[m[0]:m[1]], ",;: "), true
		}
	}
	return "", false
}

// wouldHaveBefore: a counterfactual consequence stated before its
// condition ("... would not have happened if ...").
var wouldHaveBefore = regexp.MustCompile(`(?i)\b(?:would|could|might)(?:n't| not| never)?\s+have\b`)

// isPerson: a known name, a role ("the on-call engineer") or a personal
// pronoun. Unknown capitalized words are not enough ("Had Kafka retried").
func (b *blameChecker) isPerson(subj string, names *knownNames) bool {
	switch strings.ToLower(subj) {
	case "he", "she", "someone", "somebody", "you":
		return true
	}
	if names != nil {
		if loc := names.re.FindStringIndex(subj); loc != nil && loc[0] == 0 && loc[1] == len(subj) {
			return true
		}
	}
	return b.roleAt.MatchString(subj)
}

// actionParticiple reports a past participle of an action: "-ed", "-en" or
// a common irregular form, and not "been"/"got" (states, passives) or a
// determiner ("had the permissions" is possession).
func actionParticiple(w string) bool {
	switch w {
	case "been", "gotten", "got", "had", "received", "given", "seen":
		return w == "seen"
	case "paid", "read", "run", "done", "made", "known", "taken", "kept", "left", "put", "set", "sent", "told",
		"thought", "caught", "brought", "found", "understood", "hit", "shut", "let", "built", "cut", "spoken",
		"written", "waited", "asked":
		return true
	}
	return len(w) > 4 && (strings.HasSuffix(w, "ed") || strings.HasSuffix(w, "en"))
}

// roleAgentCause finds a role as the agent of the change that caused the
// failure: "An engineer pushed a config change that caused the outage".
func (b *blameChecker) roleAgentCause(s, low string, h *keyMask, ascii bool) (string, bool) {
	if !kAgent.any(h) || (ascii && !hasRoleLiteral(low, h)) {
		return "", false
	}
	for _, m := range b.roleAgent.FindAllStringSubmatchIndex(s, -1) {
		if m[2] >= 0 && b.subordinate.MatchString(s[m[2]:m[3]]) {
			continue
		}
		if negated(b.negRe, s, m[0], m[1]) || b.reported.MatchString(s[m[0]:m[1]]) {
			continue
		}
		return strings.TrimLeft(s[m[0]:m[1]], ",; "), true
	}
	return "", false
}

// after a known name: a fault verb within a short clause.
const nameFaultPattern = (`(?i)^(?:'s?\s+(?:[\w-]+\s+){0,3}?(?:mistake|error|fault|blunder|typo|change|push|deploy|command|commit)s?\s+(?:caused|broke|triggered|led to|took down|brought down)|'s (?:mistake|error|fault|blunder)|[^.,;:!?()]{0,40}?\b(?:` + faultVerbs + `|` + causeVerbs + `)\b)`)

// before a known name: a causal connective.
const causeBeforePattern = `(?i)(?:\bbecause(?: of)?|\bcaused by|\bdue to|\bthanks to|\bblame(?:d)?(?: on)?|\bfault of|\bresponsible:?)\s+$`

// namedCause finds a named person presented as the cause.
func (b *blameChecker) namedCause(s, low string, names *knownNames, h *keyMask) (string, bool) {
	if !kFault.any(h) && !kAgent.any(h) && !kNamedCue.any(h) {
		return "", false
	}
	if names != nil && names.mentioned(s) {
		for _, loc := range names.findAll(s) {
			after := s[loc[1]:]
			if m := b.nameFault.FindStringIndex(after); m != nil {
				end := loc[1] + m[1]
				// "Alice reverted the change that caused", "Bob found that
				// the push broke": the person fixes or reports the cause.
				if !strings.Contains(strings.ToLower(s[loc[1]:end]), " not ") && !b.subordinate.MatchString(s[loc[1]:end]) && !b.reported.MatchString(s[loc[1]:end]) {
					return s[loc[0]:end], true
				}
			}
			if m := b.agentCause.FindStringSubmatchIndex(after); m != nil && !b.subordinate.MatchString(after[m[2]:m[3]]) {
				// "Alice pushed the change that caused the outage": the person is the agent.
				return s[loc[0] : loc[1]+m[1]], true
			}
			if m := b.causeBefore.FindStringIndex(s[:loc[0]]); m != nil {
				// "because Alice pushed", "caused by Bob": the name opens the
				// cause; the phrase is the connective and the name.
				return s[m[0]:loc[1]], true
			}
		}
	}
	// Unknown names: a capitalized name with an unmistakably personal fault.
	if !kFault.any(h) || !kCapNameLiteral.any(h) {
		return "", false
	}
	if m := b.capName.FindStringSubmatchIndex(s); m != nil {
		name := s[m[2]:m[3]]
		if !notAName(name) {
			return s[m[0]:m[1]], true
		}
	}
	return "", false
}

// notAName filters capitalized words that start sentences but are not people.
func notAName(w string) bool {
	first, _, _ := strings.Cut(w, " ")
	switch strings.ToLower(first) {
	case "we", "they", "it", "this", "that", "the", "team", "nobody", "everyone", "someone", "somebody",
		"he", "she", "i", "you", "our", "their", "engineering", "operations", "support", "management":
		return true
	}
	r, _ := utf8.DecodeRuneInString(first)
	return !unicode.IsUpper(r)
}
