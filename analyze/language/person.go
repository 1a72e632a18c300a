package language

import (
	"regexp"
	"strings"
)

// This file links a person to the failure a sentence says they caused, with
// the part-of-speech tagger's help where word order alone is ambiguous:
//
//   - a role is a person whether or not an article comes first ("Technician
//     unplugged the wrong cable");
//   - the fault may come long after the role, in the role's own clause ("The
//     engineer, who had been paged twice that night, forgot to re-enable the
//     alerts"), but not in a clause of its own ("engineers rolled back the
//     change that had inadvertently disabled ...": the people mitigate, the
//     change is at fault);
//   - doing something to the wrong target is a fault ("ran the script on the
//     production unit instead of the standby");
//   - a counterfactual ("would have prevented", "should have caught") blames
//     only when its subject is a person: "Validation in the pipeline would have
//     prevented this" describes a remediation.

// roleWords name people by role (singular and plural forms are matched).
const roleWords = `engineer|developer|operator|admin|administrator|sre|on-?call(?:\s+engineer)?|oncall|team member|` +
	`employee|technician|contractor|intern|staff member|staffer|dba|sysadmin|designer|reviewer|approver|` +
	`release manager|deployer|maintainer|person`

// roleRe finds a role, with or without an article or modifiers.
var roleRe = regexp.MustCompile(`(?i)\b(?:(?:the|an?|one|our|their|this|that|another)\s+)?(?:[\w-]+\s+){0,2}?(?:` + roleWords + `)s?\b|\b(?:he|she|someone|somebody)\b`)

// personHead: a subject head that is a person.
var personHead = regexp.MustCompile(`(?i)^(?:(?:` + roleWords + `)s?|he|she|someone|somebody|you|qa|reviewers?|they)$`)

// groupPostmodifier is a subject's trailing "on/in/from (the) X team" (or
// group, org, vendor): group 1 is the subject without it.
var groupPostmodifier = regexp.MustCompile(`(?i)^(.*\S)\s+(?:on|in|from|at)\s+(?:the\s+|our\s+|their\s+)?(?:[\w-]+\s+){0,2}?(?:teams?|group|org|organization|vendor|side|rotation)$`)

// thingSubject: subject heads of remediation or system counterfactuals.
var thingSubject = regexp.MustCompile(`(?i)^(?:it|this|that|these|those|which|we|us|what|there|one|each|all|both|either|any|none|nothing|something|anything|everything)$`)

// humanActs are nouns for a person's act: "a second look would have caught it".
var humanActs = map[string]bool{"look": true, "glance": true, "eye": true, "eyes": true, "attention": true, "care": true,
	"diligence": true, "vigilance": true, "pair": true}

// mitigationVerbs are what people do to end an incident, not to cause one.
var mitigationVerbs = regexp.MustCompile(`(?i)^(?:rolled back|roll(?:ed|ing)? back|revert(?:ed|ing)?|restor(?:ed|ing)|mitigat(?:ed|ing)|fail(?:ed)? over|failed away|recover(?:ed|ing)|isolat(?:ed|ing)|identif(?:ied|ying)|found|noticed|detected|discovered|determined|investigat(?:ed|ing)|began|started|worked|were able|was able|applied (?:a|the) (?:fix|mitigation|workaround)|deployed (?:a|the) (?:fix|mitigation|workaround|rollback)|drained|throttled|disabled (?:the|a) (?:offending|faulty|bad|problematic)|paged|escalated|engaged|responded|confirmed|removed (?:the|a) (?:offending|faulty|bad|problematic)|stopped (?:the|a) (?:offending|faulty|bad|problematic)|were alerted|was alerted|were paged|was paged|manually (?:recovered|restored|rebooted|restarted|failed))\b`)

// personalFault is a fault of the person whose clause it is in.
var personalFault = regexp.MustCompile(`(?i)\b(?:` + faultVerbs + `|instead of (?:the |a |an )?(?:[\w-]+\s+){0,3}?(?:test|testing|staging|standby|intended|correct|right|secondary|other|backup|canary|dev|development|non-production|target)\b|rather than (?:the |a |an )?(?:[\w-]+\s+){0,3}?(?:test|testing|staging|standby|intended|correct|right|secondary|other|backup|canary|dev|development|non-production|target)\b|(?:on|to|against|in|from) (?:the|a|an) (?:wrong|incorrect|unintended)\b|\b[a-z]+ed (?:the|a|an) (?:wrong|unintended)\b)`)

// clauseBreak ends the clause of a role: a new sentence part, a relative
// clause about a thing, a subordinate clause, or a new subject after "and".
var clauseBreak = regexp.MustCompile(`(?i)[;:]|,?\s+\b(?:which|that|because|after|when|whenever|while|since|although|though|so that|until|once|but|whereas|as a result)\b|,\s+(?:and\s+)?(?:the|a|an|this|its|their)\s+[\w-]+\s+(?:was|were|had|has|is|are|then|also|[a-z]+ed)\b`)

// innerArticle: an article inside a role match, after its first word.
var innerArticle = regexp.MustCompile(`(?i)\s(?:the|an?|one|our|their|this|that|another)\s`)

// clauseBreakAgent ends the clause of a role that acts (not mitigates): a
// relative clause about what the person did is still theirs ("was running a
// job that deleted the wrong volumes").
var clauseBreakAgent = regexp.MustCompile(`(?i)[;:]|,?\s+\b(?:because|after|when|whenever|while|since|although|though|so that|until|once|but|whereas|as a result)\b|,\s+(?:and\s+)?(?:the|a|an|this|its|their)\s+[\w-]+\s+(?:was|were|had|has|is|are|then|also|[a-z]+ed)\b`)

// whoClause opens a relative clause about the person.
var whoClause = regexp.MustCompile(`(?i)^,?\s+who\b`)

// clauseBreakWho ends a role's clause that starts with a who-clause: only
// strong breaks, since the who-clause may hold subordinate clauses.
var clauseBreakWho = regexp.MustCompile(`(?i)[;:]|,?\s+\b(?:which|because|so that|whereas|as a result)\b|,\s+(?:and\s+)?(?:the|a|an|this|its|their)\s+[\w-]+\s+(?:was|were|had|has|is|are)\b`)

// subjectPrefix: the words before a role make it an object or a complement,
// not the subject ("paged the on-call engineer", "notified engineers").
var objectBefore = regexp.MustCompile(`(?i)\b(?:paged|alerted|notified|woke|called|told|asked|allowed|let|required|forced|helped|enabled|gave|give|sent|informed|trained|for|to|with|of|from|about|at|on|among|between|than|like|without|whom|let)\s*$`)

// personFault finds a role as the subject of a clause that states their
// fault, and returns the phrase from the role to the fault.
func (b *blameChecker) personFault(s, low string, h *keyMask) (string, bool) {
	if !kPersonalFault.any(h) || !mentionsRole(low, h) {
		return "", false
	}
	for _, m := range roleRe.FindAllStringIndex(s, -1) {
		if a := innerArticle.FindStringIndex(s[m[0]:m[1]]); a != nil {
			m[0] += a[0] + 1 // "paged the engineer": the role starts at its article
		}
		before := s[:m[0]]
		if objectBefore.MatchString(before) || strings.HasSuffix(before, "-") || strings.HasSuffix(before, "_") ||
			(m[1] < len(s) && (s[m[1]] == '-' || s[m[1]] == '_')) {
			continue // an object, or part of a name ("order-placement-worker")
		}
		rest := s[m[1]:]
		// The role's clause: up to a break, skipping one "who ..." relative clause about the person.
		end := len(rest)
		brk := clauseBreak
		if whoClause.MatchString(rest) {
			brk = clauseBreakWho // "The engineer who ... after ... forgot to": the who-clause is about the person
		} else if !mitigationVerbs.MatchString(verbHead(rest)) {
			brk = clauseBreakAgent // "an operator was running a job that deleted the wrong volumes"
		}
		if loc := brk.FindStringIndex(rest); loc != nil {
			end = loc[0]
		}
		clause := rest[:end]
		f := personalFault.FindStringIndex(clause)
		if f == nil {
			// "an engineer proceeds to wipe the directory, errantly thinking
			// ...": a mistaken belief set off by a comma is the role's own.
			if b := mistakenBelief.FindStringIndex(rest[end:]); b != nil && !mitigationVerbs.MatchString(verbHead(clause)) {
				return strings.TrimLeft(s[m[0]:m[1]+end+b[1]], ",; "), true
			}
			continue
		}
		if passiveBefore(clause, f[1]) {
			continue // a faulty act done to the person ("was accidentally scheduled")
		}
		// The person's own first verb: people who mitigate are not the cause,
		// unless the fault is attached to that very verb ("mistakenly rolled back").
		if mitigationVerbs.MatchString(verbHead(clause)) && !mannerFault.MatchString(clause[:f[1]]) {
			continue // people mitigating; only a fault in how they did it counts ("mistakenly rolled back")
		}
		if b.reported.MatchString(clause[:f[0]]) {
			continue // "engineers found that X was removed in error"
		}
		if (negated(b.negRe, s, m[1]+f[0], m[1]+f[1]) || negatedFault.MatchString(clause[:f[1]])) && !insteadOf(clause[f[0]:f[1]]) {
			continue
		}
		return strings.TrimLeft(s[m[0]:m[1]+f[1]], ",; "), true
	}
	return "", false
}

// mistakenBelief: a participle clause after the role's clause that says it
// acted on a wrong belief.
var mistakenBelief = regexp.MustCompile(`(?i)^\s*[,;]\s*(?:mistakenly|errantly|wrongly|erroneously|incorrectly)\s+(?:thinking|believing|assuming)\b`)

// mannerFault: a fault in how a mitigating person acted ("mistakenly
// rolled back", "restarted the wrong cluster").
var mannerFault = regexp.MustCompile(`(?i)\b(?:mistakenly|accidentally|inadvertently|erroneously|carelessly|by accident|by mistake|in error|(?:the|a|an) wrong)\b`)

// negatedFault: a fault verb negated inside the match ("Had the operator not
// skipped the drain step" is a counterfactual, not a statement of the fault).
var negatedFault = regexp.MustCompile(`(?i)\b(?:not|never|n't)\s+(?:\w+ly\s+)?(?:skipped|bypassed|circumvented|disregarded|mis\w+|\w+ed\s+(?:the|a|an)\s+(?:wrong|incorrect)|pushed|deployed|shipped|merged)\b`)

// personalFaultKeys prefilter sentences for personalFault (lowercase
// substrings of its words).
var personalFaultKeys = []string{"forg", "failed to", "fails to", "fail to", "neglect", "ignore", "overlook", "bother",
	"did not", "didn't", "mistake", "erroneous", "accident", "inadvertent", "careless", "in error", "made a", "made an",
	"made the", "messed", "screwed", "fat", "introduced", "wrong", "incorrect", "unintended", "responsible", "mis",
	"skipped", "bypassed", "circumvented", "disregarded", "untested", "unreviewed", "unapproved",
	"to blame", "instead of", "rather than", "errant"}

// roleKeys prefilter sentences for roleRe (lowercase substrings).
var roleKeys = []string{"engineer", "developer", "operator", "admin", "sre", "on-call", "oncall", "team member", "employee",
	"technician", "contractor", "intern", "staff", "dba", "sysadmin", "designer", "reviewer", "approver", "manager",
	"deployer", "maintainer", "person", "someone", "somebody"}

// mentionsRole is a cheap test for a role word (h holds low's keys) or
// "he"/"she" in low.
func mentionsRole(low string, h *keyMask) bool {
	if kRole.any(h) {
		return true
	}
	for _, p := range []string{"he ", "she "} {
		if strings.HasPrefix(low, p) || strings.Contains(low, " "+p) {
			return true
		}
	}
	return false
}

// verbHead is the text after a role, from its first verb on.
func verbHead(rest string) string {
	head := strings.TrimLeft(rest, " ,")
	head = strings.TrimPrefix(strings.TrimPrefix(head, "'s"), "s'")
	head = strings.TrimLeft(head, " ")
	for _, aux := range []string{"then ", "later ", "quickly ", "immediately ", "subsequently ", "also "} {
		head = strings.TrimPrefix(head, aux)
	}
	return head
}

// mitigatingRole: a match that starts with a role whose own verb mitigates
// ("Engineers rolled back the change that had inadvertently ...").
func mitigatingRole(match string) bool {
	m := roleRe.FindStringIndex(match)
	if m == nil || m[0] != 0 {
		m = teamRe.FindStringIndex(match) // the rules' roles include a team ("the R2 engineering team")
	}
	return m != nil && m[0] == 0 && mitigationVerbs.MatchString(verbHead(match[m[1]:]))
}

// teamRe is a team as the subject: "the networking team", "our teams".
var teamRe = regexp.MustCompile(`(?i)^(?:(?:the|our|their|a|an|one)\s+)?(?:[\w-]+\s+){0,2}?teams?\b`)

func insteadOf(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "instead of") || strings.HasPrefix(l, "rather than")
}

// humanErrorSentence is a sentence that is nothing but the verdict: "Human
// error.", "Root cause: operator error".
var humanErrorSentence = regexp.MustCompile(`(?i)^\W*(?:(?:root[- ]?cause|cause|reason)\s*[:\-–]\s*)?(?:an?\s+|the\s+)?(?:simple\s+|plain\s+|pure\s+)?(?:human|operator|operational|manual|personnel|user|engineer|pilot)\s+(?:error|mistake|failure|slip)s?\W*$`)

// personalModal is "should have <participle>" with any verb: it counts only
// when its subject is clearly a person ("The on-call engineer should have
// escalated sooner"), unlike the listed hindsight verbs, which count unless
// the subject is a thing.
var personalModal = regexp.MustCompile(`(?i)\b(?:should|ought to)(?: not)?\s+have\s+(?:been\s+)?[a-z]+(?:ed|en|wn|ght|ne)\b`)

// personSubject: the clause before start has a person as its subject head
// (a role, he or she, or a known name); "we" and things do not count.
func (b *blameChecker) personSubject(s string, start int, names *knownNames) bool {
	before := strings.TrimSpace(clauseBefore(s, start))
	if before == "" {
		return false
	}
	words := strings.Fields(strings.ToLower(before))
	last := strings.Trim(words[len(words)-1], ".,;:'\"()")
	if last == "we" || last == "they" || last == "you" || last == "it" {
		return false
	}
	if personHead.MatchString(last) && last != "qa" {
		return true
	}
	if names != nil {
		if loc := names.re.FindStringIndex(before); loc != nil && loc[1] == len(before) {
			return true
		}
	}
	return false
}

// clauseBefore is the text of start's clause before it.
func clauseBefore(s string, start int) string {
	before := s[:start]
	if i := strings.LastIndexAny(before, ",;:(—"); i >= 0 {
		before = before[i+1:]
	}
	for _, w := range []string{" that ", " which ", " because ", " if ", " and ", " but ", " so ", " when "} {
		if i := strings.LastIndex(strings.ToLower(before), w); i >= 0 {
			cand := before[i+len(w)-1:]
			if strings.TrimSpace(cand) != "" {
				before = cand
			}
		}
	}
	return before
}

// counterfactualSubject judges the subject of a counterfactual modal match
// at [start, end) of s: ok is false when the subject is a thing or "we"
// (a remediation or a system statement, not hindsight about a person).
func (b *blameChecker) counterfactualSubject(s string, start int) bool {
	before := strings.TrimSpace(clauseBefore(s, start))
	if before == "" {
		return true // "Should have been caught in review": no subject, about the people involved
	}
	// "Someone on the platform team", "an engineer from the vendor": the
	// head comes before its team or group.
	if m := groupPostmodifier.FindStringSubmatch(before); m != nil {
		before = m[1]
	}
	low := strings.ToLower(before)
	words := strings.Fields(low)
	last := strings.Trim(words[len(words)-1], ".,;:'\"()")
	last = strings.TrimSuffix(last, "'s")
	if thingSubject.MatchString(last) {
		return false
	}
	if personHead.MatchString(last) || humanActs[last] || b.roleAt.MatchString(before) {
		return true
	}
	// Tag the subject to find its head noun: a proper noun alone may be a
	// person ("Alice should have known"); other nouns are things.
	toks := b.tagger.tag(before, false)
	for k := len(toks) - 1; k >= 0; k-- {
		t := toks[k]
		if t.tag == "RB" || t.tag == "MD" || t.tag == "," {
			continue
		}
		if t.tag == "PRP" {
			return t.low == "he" || t.low == "she" || t.low == "you" || t.low == "they"
		}
		if t.isProper() && len(toks) <= 3 {
			return true
		}
		if t.isNoun() {
			return personHead.MatchString(t.low) || humanActs[t.low]
		}
		break
	}
	return true
}
