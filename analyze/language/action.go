package language

import (
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/aftermath-sre/aftermath/analyze/internal/wordre"
)

// Action-item rules.
const (
	RuleVagueCareful     = "vague-be-careful"
	RuleVagueImprove     = "vague-improve"
	RuleVagueDocument    = "vague-document"
	RuleVagueInvestigate = "vague-investigate"
	RuleVagueHedge       = "vague-hedge"
	RuleVagueAssure      = "vague-make-sure"
	RuleVagueOpenEnded   = "vague-open-ended"
	RuleVagueNoTarget    = "vague-no-target"
	RuleUnowned          = "unowned"
	RuleNoDueDate        = "no-due-date"
)

// IsVagueRule reports whether rule is about an action item's wording (as
// opposed to its owner and due date).
func IsVagueRule(rule string) bool {
	switch rule {
	case RuleVagueCareful, RuleVagueImprove, RuleVagueDocument, RuleVagueInvestigate, RuleVagueHedge, RuleVagueAssure, RuleVagueOpenEnded, RuleVagueNoTarget:
		return true
	}
	return false
}

// actionChecker holds compiled action-item rules; immutable once built.
type actionChecker struct {
	careful, improve, document, investigate, hedge, assure *regexp.Regexp
	wished, outcomeOnly                                    *regexp.Regexp
	measurable, concrete, deliverable, causeObject         *regexp.Regexp
	concreteWord                                           *wordre.Regexp // concrete, faster
	tagger                                                 *tagger
	model                                                  *actionModel
	// verdicts caches an item's vague findings by its text. Bounded.
	verdicts  sync.Map // string -> []Finding
	verdictsN atomic.Int64
}

// maxCachedVerdicts bounds the verdict cache (a few hundred bytes an entry).
const maxCachedVerdicts = 1 << 16

func newActionChecker() *actionChecker {
	a := &actionChecker{
		tagger:  newTagger(),
		model:   &fittedModel,
		careful: regexp.MustCompile(`(?i)\b(?:be (?:more |extra )?(?:careful|vigilant|cautious|diligent|mindful|aware|proactive|thorough|rigorous|disciplined)|pay (?:more |closer )?attention|double[- ]check|take (?:more |extra )?care|remind (?:the |all )?(?:team|engineers|everyone|people|developers)|raise awareness|educate (?:the )?(?:team|engineers))\b`),
		// Clean-ups name no end state; other improvements are judged by their object (object.go).
		improve:     regexp.MustCompile(`(?i)\b(?:make (?:\w+ )?(?:more )?(?:robust|resilient|reliable)|clean[- ]?up|tidy(?: up)?|refactor|rework|simplify|overhaul)\b`),
		document:    regexp.MustCompile(`(?i)\b(?:document(?:ation)? (?:better|more|things|this|it)|better (?:documentation|docs)|(?:improve|update|more|add) (?:the |our )?(?:documentation|docs)|document (?:the )?(?:process|learnings|lessons)|write (?:better |more )?(?:docs|documentation))\b`),
		investigate: regexp.MustCompile(`(?i)^\s*(?:\[[^\]]*\]\s*)?(?:we (?:should|need to|will|must) |need to |let'?s )?(?:investigate|look into|looking into|explore|research|analy[sz]e|dig into|understand|evaluate|assess|figure out|study|think about|discuss|follow[- ]up (?:on|with)|reach out to|check in with|touch base with|sync with|talk (?:to|with)|circle back (?:on|with)|check (?:on|whether|if|why)|find out|determine)\b`),
		// Assurance and awareness: "make sure", "ensure", "everyone knows",
		// "more training", "communicate better" state a wish, not a change.
		assure: regexp.MustCompile(`(?i)\b(?:make sure|ensure|ensuring|(?:everyone|everybody|people|all engineers|the team) (?:knows?|is aware|are aware|understands?|remembers?)|(?:more|additional|extra|further|better) (?:training|education|awareness|communication)|train (?:the |all )?(?:team|engineers|people|staff|everyone|on-?call)|communicate (?:better|more)|over-?communicate)\b`),
		// "investigate the root cause": the cause is what is investigated, not a deliverable.
		causeObject: regexp.MustCompile(`(?i)^\s+(?:the |its |this |their |a )?(?:root |underlying )?causes?\b`),
		// A subject's wish with no measure: more of a quality ("needs to
		// be more resilient", group 1) or a change ("should be improved",
		// "should be given a higher priority", group 2).
		wished:      regexp.MustCompile(`(?i)\b(?:(?:needs?|has|have|ought) to\s+((?:be\s+)?(?:much\s+|far\s+)?(?:more|less|better)\b(?:\s+\w+ly)?(?:\s+[a-z-]+)?)|((?:should|must|needs? to|has to|have to|will|would)\s+(?:also\s+)?be\s+(?:be\s+)?(?:further\s+|more\s+|better\s+|significantly\s+)?(?:improved|enhanced|strengthened|revisited|clear|clearer|addressed|considered|prioriti[sz]ed|given (?:a )?higher priority)\b))`),
		outcomeOnly: regexp.MustCompile(`(?i)\b(?:prevent|avoid)\s+(?:such|similar|this|these|future|further|any|it|that)\b[^.]{0,40}?\b(?:incidents?|issues?|occurrences?|outages?|problems?|events?|recurrences?|failures?|happening)\b`),
		// A hedge that governs the whole item ("Consider adding ...", "We
		// should try to ..."): on other organizations' items 5 of 6 were
		// labeled vague; a hedge inside an item ("ideally", "(if possible)",
		// "maybe ten minutes") was 4 of 17, so it decides nothing by itself.
		hedge: regexp.MustCompile(`(?i)^\s*(?:\[[^\]]*\]\s*)?(?:(?:we|i|the team|teams?)\s+(?:should|will|could|may|might|can|must|need to)\s+)?(?:consider(?:ing)?|try(?:ing)? to|attempt(?:ing)? to|maybe|perhaps|possibly|hopefully)\b`),
		// A number (threshold, percentage, count, duration, date) makes a target measurable.
		measurable: regexp.MustCompile(`(?i)\d|\b(?:p50|p90|p95|p99|zero|daily|weekly|monthly|quarterly|yearly|annually|less than|fewer than|more than|at least|at most|no more than|by (?:end of|q[1-4]|the end))\b`),
		// A concrete change names what gets built, changed or removed.
		concrete:    regexp.MustCompile(`(?i)\b(?:add|adds|adding|create|creating|implement|implementing|automate|automating|enforce|enforcing|block|blocking|alert (?:on|when|if)|page (?:on|when)|write (?:a|an)|migrate|remove|removing|replace|replacing|set|setting|configure|enable|enabling|disable|disabling|deploy|build|rate[- ]limit|fix|fixing|test that|require|requiring|reject|validate|validating|limit|cap|pin|rotate|upgrade|roll out|run (?:a|an)|schedule|switch|move|split|delete|deprecate|introduce|instrument|shard|cache|retry|backoff|canary|gate|lint|check that|fail (?:the|closed)|timeout)\b`),
		deliverable: regexp.MustCompile(`(?i)\b(?:report|design doc|design|rfc|proposal|decision|decide|recommendation|write-?up|ticket|plan|root cause|rca|post-?mortem|commitment|conclusion|summary|findings|and (?:then )?(?:fix|add|implement|remove|file|propose|decide))\b`),
	}
	a.concreteWord = wordre.MustCompile(a.concrete.String())
	return a
}

// CheckActionItem returns the findings for one action item: vague wording
// (no measurable outcome), and a missing owner or due date.
func CheckActionItem(summary string, hasOwner, hasDue bool) []Finding {
	c := newActionChecker()
	c.tagger = packageTagger
	return c.check(summary, hasOwner, hasDue)
}

// CheckActionItem is CheckActionItem with the checker's compiled rules.
func (c *Checker) CheckActionItem(summary string, hasOwner, hasDue bool) []Finding {
	return c.action.check(summary, hasOwner, hasDue)
}

func (a *actionChecker) check(summary string, hasOwner, hasDue bool) []Finding {
	out := append([]Finding(nil), a.vague(summary)...)
	whole := Span{0, len(summary)}
	if !hasOwner {
		out = append(out, Finding{Rule: RuleUnowned, Sentence: summary, Start: whole.Start, End: whole.End, Why: "no owner: an action item nobody owns is rarely done"})
	}
	if !hasDue {
		out = append(out, Finding{Rule: RuleNoDueDate, Sentence: summary, Start: whole.Start, End: whole.End, Why: "no due date: nothing says when it is late"})
	}
	return out
}

// vague returns an item's vague-wording findings: the word rules' findings
// and the parse of the item's object are the features of the scoring model
// (model.go), which decides. Cached by text (bounded): tagging is the costly
// step, and action items repeat (templates, copied boilerplate). The result
// is shared: callers copy it.
func (a *actionChecker) vague(summary string) []Finding {
	if c, ok := a.verdicts.Load(summary); ok {
		return c.([]Finding)
	}
	rules, obj, x := a.itemFeatures(summary, true)
	out := a.model.decide(summary, rules, obj, &x)
	if a.verdictsN.Load() < maxCachedVerdicts {
		if _, loaded := a.verdicts.LoadOrStore(summary, out); !loaded {
			a.verdictsN.Add(1)
		}
	}
	return out
}

// itemFeatures runs the word rules and builds the model's features. The
// rules do not read the object of an item that gives a number; the model
// does, but with lazy set only when the parse could lift the score to the
// threshold (the decision is the same, and tagging, the costly step, is
// skipped for most items with a number).
//
// A lead-in that only points to the action ("Steps specific to this incident
// include: Evaluate ...", "we are implementing the following actions: ...")
// is skipped: the action after it is judged, and the findings' offsets stay
// those of summary.
func (a *actionChecker) itemFeatures(summary string, lazy bool) ([]Finding, objectVerdict, [nFeatures]float64) {
	off := 0
	if strings.Contains(summary, ":") {
		if m := listLeadIn.FindStringSubmatchIndex(summary); m != nil {
			off = m[3]
		} else if m := topicHeading.FindStringSubmatchIndex(summary); m != nil && !hasActionVerb(summary[m[2]:m[3]]) {
			off = m[4] // "Observability improvements: Add ...": the action follows its topic
		}
	}
	s := summary[off:]
	blanked := false
	if strings.Contains(s, "#") || strings.Contains(s, "://") {
		// An issue reference or a link ("(#11953)", "https://...") is not a
		// number the item is measured by, nor a name it gives: blanked out,
		// with the same length so the findings' offsets stay those of
		// summary (their sentences are taken from summary below).
		s = issueRef.ReplaceAllStringFunc(s, func(m string) string { blanked = true; return strings.Repeat(" ", len(m)) })
	}
	if strings.ContainsAny(s, "-–—[(") {
		if m := statusSuffix.FindStringIndex(s); m != nil && m[0] > 0 {
			s = s[:m[0]]
		}
	}
	rules, obj, objOK, deferred := a.ruleFindings(s)
	x := features(s, rules, obj, objOK)
	if deferred && (!lazy || a.model.parseCanFlag(&x)) {
		obj, objOK = a.readObject(s)
		x = features(s, rules, obj, objOK)
	}
	for i := range rules {
		rules[i].Start += off
		rules[i].End += off
		if blanked {
			rules[i].Sentence = summary[rules[i].Start:rules[i].End]
		}
	}
	return rules, obj, x
}

// topicHeading is a short topic before a colon, then at least two words:
// "Deployment strategy evolution: Re-evaluate ...".
var topicHeading = regexp.MustCompile(`^\s*([A-Z][\w/&'-]*(?:\s+[\w/&'-]+){0,3})\s*:\s+(\S+\s+\S)`)

// hasActionVerb reports whether s has a word of the action-verb lexicon.
func hasActionVerb(s string) bool {
	for _, w := range strings.Fields(strings.ToLower(s)) {
		if isActionVerbWord(w) {
			return true
		}
	}
	return false
}

// statusSuffix is a status written after the item ("- in progress",
// "[Complete]"): not part of the action.
var statusSuffix = regexp.MustCompile(`(?i)\s*(?:[-–—]\s*|[\[(]\s*)(?:in[- ]progress|complete|completed|done|ongoing|planned|pending|scheduled)\s*[\])]?\s*\.?\s*$`)

// listLeadIn is a lead-in ending in a colon that points to the action after
// it, with at least three words after the colon.
var listLeadIn = regexp.MustCompile(`(?i)^(.{0,200}?\b(?:includ(?:e|es|ing)|the following(?: \w+){0,3})\s*(?:\(but (?:is|are) not limited to\)|,? but (?:is|are) not limited to)?\s*:\s*)(?:\S+\s+){2}\S`)

// ruleFindings runs the word rules: their vague findings, and the parse of
// the item's object (objOK false when none was read). deferred reports an
// item whose object the rules did not read because it gives a number, though
// it has a word that can make it vague.
func (a *actionChecker) ruleFindings(summary string) (rules []Finding, obj objectVerdict, objOK, deferred bool) {
	var out []Finding
	whole := Span{0, len(summary)}
	add := func(rule string, sp Span, phrase, why string) {
		out = append(out, Finding{Rule: rule, Sentence: summary[sp.Start:sp.End], Start: sp.Start, End: sp.End, Phrase: phrase, Why: why})
	}
	low := strings.ToLower(summary)
	// Each regexp runs only behind a substring prefilter of its words: the
	// analyzer checks about 100k items a run.
	measurable := strings.ContainsAny(summary, "0123456789") || (containsAny(low, measurableKeys) && a.measurable.MatchString(summary))
	var concreteAt [][]int
	concreteDone := false
	outside := func(m []int) bool { // a concrete change outside the vague phrase m
		if !concreteDone {
			concreteAt = concreteWords(summary, findWords(a.concreteWord, summary, low))
			concreteDone = true
		}
		return hasConcreteOutside(concreteAt, m)
	}
	if m := findIf(a.careful, summary, low, carefulKeys); m != nil {
		add(RuleVagueCareful, whole, summary[m[0]:m[1]], "asks people to be more careful; that changes nothing the next person will meet, so it cannot be verified as done")
	}
	if needsObject(summary) {
		if measurable {
			deferred = true
		} else {
			obj, objOK = a.readObject(summary)
		}
	}
	if objOK && obj.class == verbInquire && !openEndedVerdict(obj) {
		if obj.vague {
			add(RuleVagueInvestigate, whole, obj.phrase, "an investigation, review or evaluation with no stated outcome (a decision, a fix, a report, a date) never visibly finishes")
		}
	} else if m := a.investigate.FindStringIndex(summary); m != nil && !measurable && !a.deliverable.MatchString(a.afterObject(summary[m[1]:])) && !outside(m) {
		add(RuleVagueInvestigate, whole, summary[m[0]:m[1]], "an investigation with no stated outcome (a decision, a fix, a report, a date) never visibly finishes")
	}
	if m := findIf(a.document, summary, low, documentKeys); m != nil && !measurable && !outside(m) && !codeLikeAt(summary, m) && !docTopic.MatchString(summary[m[1]:]) {
		add(RuleVagueDocument, whole, summary[m[0]:m[1]], "documentation 'better' without saying which document and what it must cover cannot be checked")
	} else if objOK && obj.vague && noTargetVerdict(obj) {
		add(RuleVagueNoTarget, whole, obj.phrase, obj.why)
	} else if objOK && obj.vague && obj.class != verbInquire && !openEndedVerdict(obj) {
		add(RuleVagueImprove, whole, obj.phrase, obj.why)
	} else if m := findIf(a.improve, summary, low, improveKeys); m != nil && !measurable && (!objOK || obj.class == verbNone) && !outside(m) {
		add(RuleVagueImprove, whole, summary[m[0]:m[1]], "an improvement with no measurable target or concrete change (what, by how much) cannot be verified as done")
	}
	if objOK && obj.vague && openEndedVerdict(obj) {
		add(RuleVagueOpenEnded, whole, obj.phrase, obj.why)
	}
	if m := a.assureAt(summary); m != nil && !measurable && !outside(m) && !assuredObject(summary, m, obj, objOK) {
		add(RuleVagueAssure, whole, summary[m[0]:m[1]], "'make sure', awareness and training state a wish, not a change; say what is built or changed and how it is checked")
	}
	if m := findIf(a.hedge, summary, low, hedgeKeys); m != nil {
		add(RuleVagueHedge, whole, summary[m[0]:m[1]], "hedged wording ('consider', 'try to') commits to nothing")
	}
	if len(out) == 0 && !measurable && (strings.Contains(low, " to ") || strings.Contains(low, " be ")) {
		// "X needs to be more resilient", "Monitoring and error handling
		// should be improved": wished on a subject, with no criterion after
		// it (on other organizations' items every one was labeled vague).
		if m := a.wished.FindStringSubmatchIndex(summary); m != nil && !criterionStated(firstSentence(summary[m[1]:])) {
			ph := m[2:4]
			if ph[0] < 0 {
				ph = m[4:6]
			}
			add(RuleVagueNoTarget, whole, summary[ph[0]:ph[1]], whyNoCriterion)
		}
	}
	if len(out) == 0 && !measurable && containsAny(low, outcomeKeys) {
		// "... and will prevent such incidents in the future": the outcome
		// alone, with no change that brings it.
		if m := a.outcomeOnly.FindStringIndex(summary); m != nil && !outside(m) {
			add(RuleVagueNoTarget, whole, summary[m[0]:m[1]], whyOutcomeOnly)
		}
	}
	if len(out) == 0 && !measurable && areaFragment(summary) {
		add(RuleVagueNoTarget, whole, strings.TrimSpace(summary), whyAreaOnly)
	}
	return out, obj, objOK, deferred
}

const whyAreaOnly = "names an area (caching, more logging), not a change: say what is built or changed, and where"

// areaWords are the words of an item that names only an area of work:
// the kinds of thing and activity of object.go (openEnded, genericClass),
// their generic modifiers, and the areas teams write as a whole item
// ("Caching", "Optimizing performance").
var areaWords = map[string]bool{
	"caching": true, "cache": true, "performance": true, "scaling": true, "scalability": true, "capacity": true,
	"optimizing": true, "optimising": true, "optimization": true, "optimisation": true, "improving": true,
	"increasing": true, "enhancing": true, "increased": true, "and": true, "of": true, "for": true, "&": true,
	"logs": true, "alarm": true, "runbooks": true, "playbooks": true, "resiliency": true,
}

// areaFragment reports a short item that names only an area of work, not a
// thing: without an action verb, every word a kind of work ("Caching",
// "More logging", "Optimizing performance", "Better monitoring and
// alerting"); or an adding or bettering verb whose object is only such a
// kind ("Add capacity", "Add tests"), or "scale" with no object ("Scale
// up", "scale out (more hardware)"). A named component, an artifact or a
// number ("Postgres upgrade", "Runbook for the billing failover", "Revert
// the change") is not such a fragment.
func areaFragment(s string) bool {
	s = strings.TrimSpace(parenthetical.ReplaceAllString(s, " "))
	ws := strings.Fields(strings.ToLower(strings.Trim(s, ".!;:")))
	if len(ws) == 0 || len(ws) > 4 {
		return false
	}
	if !hasActionVerb(s) && ws[0] != "scale" {
		for _, w := range ws {
			if !areaWords[w] && !openEnded[w] && !genericClass[w] && !genericModifiers[w] {
				return false
			}
		}
		return true
	}
	if len(ws) > 3 {
		return false
	}
	rest := ws[1:]
	if ws[0] == "scale" {
		rest = slices.DeleteFunc(slices.Clone(rest), func(w string) bool { return w == "up" || w == "out" || w == "down" })
		if len(rest) == 0 {
			return true
		}
	}
	if c, ok := actionVerb(ws[0]); !ok && ws[0] != "scale" || ok && c != verbWeak && c != verbCreate || len(rest) == 0 {
		return false
	}
	for _, w := range rest {
		if !areaWords[w] && !openEnded[w] && !genericClass[w] && !areaModifiers[w] {
			return false
		}
	}
	return true
}

// areaModifiers are the modifiers of an area that name no thing.
var areaModifiers = map[string]bool{"more": true, "additional": true, "better": true, "extra": true, "further": true, "and": true}

// parenthetical is a remark in parentheses: "scale out (more nodes)".
var parenthetical = regexp.MustCompile(`\([^()]*\)`)

// issueRef is a link or an issue reference: "https://...", "#123",
// "[#123]". ("GH-123" is a name, and stays.)
var issueRef = regexp.MustCompile(`\S*://[^\s)\]]*|\[?#\d+\]?`)

// firstSentence is s up to its first sentence end (Sentences' split).
func firstSentence(s string) string {
	if sp := Sentences(s); len(sp) > 0 {
		return s[:sp[0].End]
	}
	return s
}

// outcomeKeys prefilter outcomeOnly.
var outcomeKeys = []string{"prevent", "avoid"}

const whyOutcomeOnly = "states only the outcome (no recurrence), not the change that brings it: say what is built or changed"

// docTopic: documentation with its topic stated ("Add documentation on how
// infra can triage these issues through audit logs"). On other
// organizations' items, 17 of 18 items about documentation were labeled
// specific.
var docTopic = regexp.MustCompile(`(?i)^\s+(?:on|about|describing|explaining|covering|that (?:describes|explains|covers)|(?:for|of) (?:how|what|when|which|why))\s+\S`)

// codeLikeAt reports whether the match m is part of a code-like name:
// "docs.rs", "docs/" or "api-docs" name a thing, not documentation.
func codeLikeAt(s string, m []int) bool {
	if m[1]+1 < len(s) && (s[m[1]] == '.' || s[m[1]] == '/' || s[m[1]] == '_') && s[m[1]+1] != ' ' {
		return true
	}
	return m[0] > 0 && (s[m[0]-1] == '.' || s[m[0]-1] == '/' || s[m[0]-1] == '-' || s[m[0]-1] == '_')
}

// Prefilter keys (lowercase substrings) of the action-item regexps.
var (
	measurableKeys = []string{"p50", "p90", "p95", "p99", "zero", "daily", "weekly", "monthly", "quarterly", "yearly",
		"annually", "than", "at least", "at most", "by end", "by q", "by the end"}
	carefulKeys = []string{"careful", "vigilan", "cautious", "diligen", "mindful", "aware", "attention", "double",
		"care", "remind", "educat", "proactive", "thorough", "rigorous", "disciplined"}
	documentKeys = []string{"doc"}
	improveKeys  = []string{"robust", "resilien", "reliab", "clean", "tidy", "refactor", "rework", "simplif", "overhaul"}
	hedgeKeys    = []string{"consider", "try", "attempt", "maybe", "perhaps", "possib", "hope"}
)

// findIf runs re on s only when low (s in lowercase) contains one of keys.
func findIf(re *regexp.Regexp, s, low string, keys []string) []int {
	if !containsAny(low, keys) {
		return nil
	}
	return re.FindStringIndex(s)
}

// noTargetVerdict: the aim is more of a quality or less of an amount, with
// no measure ("make deploys safer", "reduce alert noise"), or a monitor,
// alert or test is added with nothing said about what it must catch ("add
// monitoring", "set up a dashboard").
func noTargetVerdict(v objectVerdict) bool { return v.rule == RuleVagueNoTarget }

// openEndedVerdict: the object itself is a kind of thing (safeguards,
// processes), as opposed to a weak change of a generic activity.
func openEndedVerdict(v objectVerdict) bool { return v.rule == RuleVagueOpenEnded }

// assureKeys prefilter the assure regexp (lowercase substrings of its words).
var assureKeys = []string{"sure", "ensur", "know", "aware", "understand", "rememb", "train", "educat", "communicat"}

func (a *actionChecker) assureAt(s string) []int {
	if !containsAny(strings.ToLower(s), assureKeys) {
		return nil
	}
	for _, m := range a.assure.FindAllStringIndex(s, -1) {
		// "to ensure ...", "help ensure ...": a purpose, not the action itself
		before := strings.ToLower(strings.TrimRight(s[:m[0]], " "))
		if strings.HasSuffix(before, " to") || strings.HasSuffix(before, "help") || strings.HasSuffix(before, " and") {
			continue
		}
		// "Ensure all Envoy sidecar deployments pass the readiness probe
		// before taking traffic": a named component
		// and a stated condition make it a check, not a wish.
		if rest := s[m[1]:]; strictCondition.MatchString(rest) || deictic.MatchString(rest) || (namedWord(rest) && len(strings.Fields(rest)) > 4) {
			continue
		}
		return m
	}
	return nil
}

// assuredObject: "ensure the same fix in the other regions": the item's
// head is "ensure" or "make sure" and its object is specific (and not about
// what people know).
func assuredObject(s string, m []int, obj objectVerdict, ok bool) bool {
	w := strings.ToLower(s[m[0]:m[1]])
	if !ok || obj.class != verbAssure || obj.vague || (w != "ensure" && w != "make sure") {
		return false
	}
	return !containsAny(strings.ToLower(s), []string{"know", "aware", "understand", "rememb", "train", "educat", "communicat"})
}

// namedWord reports an acronym or a capitalized word inside s (a
// component name such as "Envoy").
func namedWord(s string) bool {
	for _, w := range strings.Fields(s) {
		w = strings.Trim(w, ".,;:()[]\"'")
		if isAcronym(w) {
			return true
		}
		if r, _ := utf8.DecodeRuneInString(w); unicode.IsUpper(r) {
			return true
		}
	}
	return false
}

// afterObject drops the cause as the investigation's object ("look into
// the root cause further"), so that it is not taken for a deliverable.
func (a *actionChecker) afterObject(rest string) string {
	if m := a.causeObject.FindStringIndex(rest); m != nil {
		return rest[m[1]:]
	}
	return rest
}

// concreteWords drops concrete-verb matches that are part of a compound
// name ("deploy-pipeline", "build_agent", "cache/"): a service name is not
// a change.
func concreteWords(s string, locs [][]int) [][]int {
	out := locs[:0]
	for _, l := range locs {
		if l[1] < len(s) && (s[l[1]] == '-' || s[l[1]] == '_' || s[l[1]] == '/') {
			continue
		}
		if l[0] > 0 && (s[l[0]-1] == '_' || s[l[0]-1] == '/') {
			continue
		}
		out = append(out, l)
	}
	return out
}

// hasConcreteOutside reports a concrete-change verb that is not part of the
// vague phrase itself.
func hasConcreteOutside(concrete [][]int, vague []int) bool {
	for _, c := range concrete {
		if c[1] <= vague[0] || c[0] >= vague[1] {
			return true
		}
	}
	return false
}
