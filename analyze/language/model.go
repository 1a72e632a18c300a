package language

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aftermath-sre/aftermath/analyze/internal/wordre"
)

// This file holds the final decision on an action item's wording: a
// logistic-regression model over interpretable features of the item (what
// its head does, whether its object names a thing or a kind of thing,
// whether a component, number, condition or means is given, hedges and
// unbounded scope, and what the word rules of action.go and object.go
// found). Its weights are fitted on the first three batches of labeled real
// action items, by k-fold cross-validation, with the decision threshold
// chosen so that at most 5% of specific items are flagged out of fold
// (model_fit_test.go, which also writes model_weights.go); EVALUATION.md
// reports it on the fourth batch, labeled for that and never fitted on.

// Feature indexes. featureNames holds their names, in this order, as
// model_weights.go does.
const (
	fRuleObject    = iota // an object rule (vague-improve, -investigate, -open-ended) fired
	fRuleWording          // a wording rule (vague-be-careful, -document, -make-sure, -hedge, -no-target, or a contact such as "reach out to") fired
	fParsed               // an action head and object were read
	fClassWeak            // head improves, enhances, updates
	fClassInquire         // head investigates, reviews, evaluates
	fClassCreate          // head adds, implements, builds
	fClassConcrete        // head fixes, removes, disables, reduces
	fClassAssure          // head ensures, prevents
	fObjOpenEnded         // the object names a kind of thing (safeguards, processes)
	fObjGeneric           // the object is a generic activity (monitoring, testing)
	fObjBare              // the object is the system as a whole
	fObjNamed             // the object's modifiers name a component or artifact
	fRestOutcome          // only a generic purpose follows the object (or nothing)
	fRestSpecific         // a condition, means, deliverable or example follows
	fOpenWords            // open-ended nouns anywhere (0, 1, 2 or more)
	fScopeWords           // unbounded scope: further, additional, other, ways, where possible (0, 1, 2+)
	fOutcomeWords         // an outcome instead of a change: prevent, recurrence, future, resilience (0, 1, 2+)
	fInquiryWords         // inquiry words anywhere: investigate, review, evaluate (0, 1, 2+)
	fCodeLike             // CamelCase, snake_case, paths, dotted names, acronyms (0, 1, 2+)
	fProperNames          // capitalized words inside the item that are not company names (0, 1, 2+)
	fNumber               // a number, threshold, duration or date
	fCondition            // a stated condition: "when X exceeds", "before ... is"
	fDeictic              // refers to the incident itself: "this type of issue"
	fByMeans              // "by adding ...": the change given by its means
	fConcreteVerb         // a concrete change verb anywhere (add, remove, disable, fix)
	fSpecificWords        // log(1 + content words outside the generic vocabulary)
	fGenericShare         // share of content words in the generic vocabulary
	fQualityWords         // a quality of the whole instead of a part: availability, performance, operations (0, 1, 2+)
	fCommitFrame          // a subject's commitment in progress or future ("we will", "engineers are"), not an imperative
	fEffortWords          // effort without a deliverable: working on, taking steps, a number of, everything we can (0, 1, 2+)
	nFeatures
)

var featureNames = [nFeatures]string{
	"rule_object", "rule_wording", "parsed", "class_weak", "class_inquire", "class_create", "class_concrete",
	"class_assure", "obj_open_ended", "obj_generic", "obj_bare", "obj_named", "rest_outcome", "rest_specific",
	"open_words", "scope_words", "outcome_words", "inquiry_words", "code_like", "proper_names", "number",
	"condition", "deictic", "by_means", "concrete_verb", "specific_words", "generic_share", "quality_words",
	"commit_frame", "effort_words",
}

// featureSign is the direction a feature may push an item, fixed before
// fitting from what it means (+1 toward vague, -1 toward specific, 0
// either): the fit keeps a weight of the wrong sign at zero, so that a
// quirk of the few labeled items (a source that writes long sentences, or
// names its services in capitals) cannot turn "names a component" into a
// sign of vagueness.
var featureSign = [nFeatures]int{
	fRuleObject: 1, fRuleWording: 1, fClassWeak: 1, fClassInquire: 1, fClassConcrete: -1, fClassAssure: 1,
	fObjOpenEnded: 1, fObjGeneric: 1, fObjBare: 1, fObjNamed: -1, fRestOutcome: 1, fRestSpecific: -1,
	fOpenWords: 1, fScopeWords: 1, fOutcomeWords: 1, fInquiryWords: 1, fCodeLike: -1, fProperNames: -1,
	fNumber: -1, fCondition: -1, fDeictic: -1, fByMeans: -1, fConcreteVerb: -1, fSpecificWords: -1,
	fGenericShare: 1, fQualityWords: 1, fCommitFrame: 1, fEffortWords: 1,
}

// featureWhy says, for a finding's Why, what a feature means when it pushes
// an item toward vague.
var featureWhy = [nFeatures]string{
	"the word rules flag its object", "the word rules flag its wording", "", "a weak verb (improve, enhance)",
	"an inquiry (investigate, review)", "", "", "an outcome verb (ensure, prevent)", "an open-ended object (safeguards, processes)",
	"a generic activity (monitoring, testing) as the object", "the system as a whole as the object", "",
	"only a generic purpose after the object", "", "open-ended nouns", "unbounded scope (further, additional, where possible)",
	"an outcome instead of a change (prevent, recurrence, resilience)", "inquiry words", "", "", "", "", "", "", "", "", "mostly generic words",
	"a quality of the whole (availability, performance) as the aim", "a commitment rather than a change",
	"effort without a deliverable (working on, taking steps)",
}

// actionModel is a fitted logistic regression: an item is vague when
// Bias + Σ Weights·x ≥ Threshold (a log-odds).
type actionModel struct {
	Weights   [nFeatures]float64
	Bias      float64
	Threshold float64
	// Wording: when true, a wording rule (careful, document, make-sure,
	// hedge) flags an item whatever the score.
	Wording bool
	// Rules: when true, every vague finding of the word rules (the object
	// rules too) flags an item whatever the score, so the model only adds
	// items. A variant the fit may choose; the fitted model does not use it.
	Rules bool
	// Variant and Penalty record the fit's choice (feature set, L2 penalty),
	// so that a test can refit and compare.
	Variant string
	Penalty float64
}

func (m *actionModel) score(x *[nFeatures]float64) float64 {
	z := m.Bias
	for i, v := range x {
		z += m.Weights[i] * v
	}
	return z
}

// parseCanFlag reports whether reading the object could bring an item with
// features x (read without its object) to the threshold: an upper bound of
// what the parse features can add.
func (m *actionModel) parseCanFlag(x *[nFeatures]float64) bool {
	lift, class := m.Weights[fParsed], 0.0
	for _, i := range []int{fClassWeak, fClassInquire, fClassCreate, fClassConcrete, fClassAssure} {
		class = max(class, m.Weights[i]) // one class at most
	}
	lift += class
	for _, i := range []int{fObjOpenEnded, fObjGeneric, fObjBare, fObjNamed, fRestOutcome, fRestSpecific} {
		lift += max(0, m.Weights[i])
	}
	return m.score(x)+max(0, lift) >= m.Threshold
}

// Word classes for the lexical features (lowercase).
var (
	scopeWords = map[string]bool{"further": true, "additional": true, "other": true, "various": true, "multiple": true,
		"several": true, "continue": true, "continuing": true, "ongoing": true, "ways": true, "options": true,
		"explore": true, "exploring": true, "broader": true, "overall": true, "general": true, "holistic": true,
		"comprehensive": true, "any": true, "more": true, "new": true, "potential": true, "possible": true}
	outcomeWords = map[string]bool{"prevent": true, "preventing": true, "recurrence": true, "reoccurrence": true,
		"future": true, "similar": true, "again": true, "likelihood": true, "resilience": true, "resiliency": true,
		"resilient": true, "reliability": true, "reliable": true, "robust": true, "robustness": true, "minimize": true,
		"reduce": true, "reducing": true, "avoid": true, "mitigate": true, "impact": true, "stability": true}
	inquiryWords = map[string]bool{"investigate": true, "investigating": true, "investigation": true, "review": true,
		"reviewing": true, "evaluate": true, "evaluating": true, "evaluation": true, "assess": true, "assessing": true,
		"assessment": true, "analyze": true, "analysis": true, "understand": true, "examine": true, "audit": true,
		"study": true, "explore": true, "exploring": true, "identify": true, "identifying": true, "determine": true}
	qualityWords = map[string]bool{"availability": true, "performance": true, "reliability": true, "resiliency": true,
		"resilience": true, "stability": true, "scalability": true, "efficiency": true, "robustness": true,
		"durability": true, "operations": true, "technology": true, "understanding": true, "learning": true,
		"learnings": true, "experience": true, "posture": true, "quality": true, "capabilities": true, "health": true,
		"hygiene": true, "readiness": true, "visibility": true, "observability": true, "excellence": true}
	// companyWords are capitalized words that name the writer, not a component.
	companyWords = map[string]bool{"we": true, "our": true, "i": true, "microsoft": true, "azure": true, "google": true,
		"amazon": true, "aws": true, "gcp": true, "cloud": true, "engineers": true, "engineering": true, "team": true}
	codeLike = regexp.MustCompile(`\b(?:[a-z]+[A-Z][A-Za-z0-9]*|[A-Z][a-z]+[A-Z][A-Za-z0-9]*|\w+_\w+|[\w-]+/[\w/-]+|[a-z]\w*\.[a-z]\w+)\b`)
)

// commitFrame: the item is a subject's commitment in progress or to come
// ("we will ...", "Engineers are continuing ...", "The API Gateway team is
// working ..."), not an imperative or a noun phrase.
var commitFrame = regexp.MustCompile(`(?i)^(?:[^,.;:]{0,60},\s*)?(?:we|engineers|engineering|teams?|google|microsoft|aws|amazon|azure(?: ad)?|the [\w -]{1,40} teams?)\s+(?:will|are|is|'re|’re|continue|remain|intend|plan|want)\b`)

// effortWords: an effort named instead of its deliverable.
var effortWords = regexp.MustCompile(`(?i)\b(?:work(?:ing)? (?:on|hard|to)|(?:take|taking|taken) (?:\w+ )?(?:steps|actions|measures)|steps (?:are|were) being|efforts?\b|everything we can|(?:committed|commit) to|a (?:number|set|series|range) of|several|multi-phase|in the process of|continu(?:e|es|ing) to|further invest\w*|invest(?:ing)? in|drive improvement|apply the learning)`)

// wordFeatures are the lexical features of an item; low is s in lowercase
// and h its keys in featureKeys (prefilter.go), which skip the regexps that
// cannot match.
func wordFeatures(s, low string, h *keyMask, x *[nFeatures]float64) {
	ascii := isASCII(s)
	words := strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(",;:()[]\"", r) })
	var open, scope, outcome, inquiry, proper, acronyms, quality int
	for i, w := range words {
		w = strings.Trim(w, ".!?'")
		low := strings.ToLower(w)
		if openEnded[low] {
			open++
		}
		if scopeWords[low] {
			scope++
		}
		if outcomeWords[low] {
			outcome++
		}
		if inquiryWords[low] {
			inquiry++
		}
		if qualityWords[low] {
			quality++
		}
		if isAcronym(w) && !companyWords[low] {
			acronyms++
			continue
		}
		if r, _ := utf8.DecodeRuneInString(w); i > 0 && unicode.IsUpper(r) && !companyWords[low] {
			proper++
		}
	}
	if strings.Contains(low, "where possible") || strings.Contains(low, "as needed") || strings.Contains(low, "as appropriate") ||
		strings.Contains(low, "look at ways") || strings.Contains(low, "investigate ways") {
		scope++
	}
	x[fOpenWords] = capCount(open)
	x[fScopeWords] = capCount(scope)
	x[fOutcomeWords] = capCount(outcome)
	x[fInquiryWords] = capCount(inquiry)
	x[fQualityWords] = capCount(quality)
	if !ascii || kEffort.any(h) {
		x[fEffortWords] = capCount(len(effortWords.FindAllStringIndex(s, 3)))
	}
	if commitFrame.MatchString(s) {
		x[fCommitFrame] = 1
	}
	code := 0
	if mayBeCodeLike(s) {
		code = len(codeLike.FindAllStringIndex(s, 3))
	}
	x[fCodeLike] = capCount(code + acronyms)
	x[fProperNames] = capCount(proper)
	if strings.ContainsAny(s, "0123456789") || (containsAny(low, measurableKeys) && measurableWords.MatchString(s)) ||
		((!ascii || (kNumberWord.any(h) && kNumberUnit.any(h))) && numberWords.MatchString(s)) {
		x[fNumber] = 1
	}
	if (!ascii || kCondition.any(h)) && strictCondition.MatchString(s) {
		x[fCondition] = 1
	}
	if (!ascii || mayBeDeictic(h)) && deictic.MatchString(s) {
		x[fDeictic] = 1
	}
	if (!ascii || (kBy.any(h) && kIng.any(h))) && byMeans.MatchString(s) {
		x[fByMeans] = 1
	}
	content, specific := 0, 0
	for _, w := range words {
		w = strings.Trim(w, ".!?'")
		low := strings.ToLower(w)
		if len(low) < 3 || strings.IndexFunc(low, func(r rune) bool { return !unicode.IsLetter(r) && r != '-' }) >= 0 {
			if strings.ContainsAny(w, "0123456789_/") {
				specific++ // an identifier, a path, a number
				content++
			}
			continue
		}
		if stopWords[low] {
			continue
		}
		content++
		if !genericWord(low) {
			specific++
		}
	}
	x[fSpecificWords] = math.Log1p(float64(specific))
	if content > 0 {
		x[fGenericShare] = float64(content-specific) / float64(content)
	}
}

// genericWord: a word of the generic vocabulary of commitments (open-ended
// nouns, generic activities and modifiers, scope, outcome and inquiry words,
// action verbs, and the words every remediation uses).
func genericWord(low string) bool {
	if openEnded[low] || genericModifiers[low] || genericClass[low] || scopeWords[low] || outcomeWords[low] ||
		inquiryWords[low] || bareObjects[low] || companyWords[low] || commitmentWords[low] || isActionNoun(low) {
		return true
	}
	_, ok := actionVerb(low)
	return ok
}

// stopWords are function words, not counted as content.
var stopWords = map[string]bool{"the": true, "and": true, "for": true, "with": true, "that": true, "this": true,
	"these": true, "those": true, "from": true, "into": true, "onto": true, "will": true, "are": true, "was": true,
	"were": true, "been": true, "being": true, "have": true, "has": true, "had": true, "our": true, "their": true,
	"its": true, "which": true, "when": true, "where": true, "while": true, "also": true, "can": true, "not": true,
	"all": true, "any": true, "such": true, "there": true, "they": true, "them": true, "then": true, "than": true,
	"both": true, "each": true, "every": true, "some": true, "who": true, "what": true, "how": true, "why": true,
	"should": true, "would": true, "could": true, "may": true, "might": true, "must": true, "shall": true,
	"over": true, "under": true, "about": true, "across": true, "through": true, "during": true, "after": true,
	"before": true, "because": true, "well": true, "more": true, "most": true, "very": true, "only": true}

// commitmentWords are nouns and verbs every remediation uses, naming no
// thing: "we will work on our services to address issues".
var commitmentWords = map[string]bool{"customers": true, "customer": true, "services": true, "event": true,
	"events": true, "incident": true, "incidents": true, "issue": true, "issues": true, "problem": true,
	"problems": true, "future": true, "occurrence": true, "recurrence": true, "working": true, "work": true,
	"taking": true, "take": true, "help": true, "making": true, "make": true, "ensure": true, "better": true,
	"quickly": true, "faster": true, "sooner": true, "earlier": true, "efforts": true, "effort": true,
	"learn": true, "learnings": true, "lessons": true, "understanding": true, "everything": true, "program": true,
	"situation": true, "impact": true, "outage": true, "outages": true, "failure": true, "failures": true,
	"operational": true, "operations": true, "performance": true, "number": true, "set": true, "part": true,
	"engineers": true, "team": true, "teams": true, "going": true, "forward": true, "continuously": true,
	"investing": true, "invest": true, "additionally": true, "addition": true, "committed": true, "order": true}

// concreteAnywhere: a definite change verb anywhere in the item.
var concreteAnywhere = regexp.MustCompile(`(?i)\b(?:add|adds|added|adding|remov(?:e|es|ed|ing)|disabl(?:e|es|ed|ing)|fix(?:es|ed|ing)?|correct(?:ed|ing)?|replac(?:e|es|ed|ing)|roll(?:ed|ing)? (?:back|out)|deploy(?:ed|ing)?|migrat(?:e|es|ed|ing)|block(?:ed|ing)?|enforc(?:e|es|ed|ing)|reject(?:s|ed|ing)?|requir(?:e|es|ed|ing)|limit(?:s|ed|ing)?|cap|rotat(?:e|ed|ing)|pin|split|delet(?:e|ed|ing)|increas(?:e|ed|ing)|lower(?:ed|ing)?|rais(?:e|ed|ing)|chang(?:e|ed|ing)|set|setting|configur(?:e|ed|ing)|enabl(?:e|ed|ing)|alarm if|alert (?:on|when|if))\b`)

var concreteAnywhereWord = wordre.MustCompile(concreteAnywhere.String())

// measurableWords: a threshold, cadence or date in words.
var measurableWords = regexp.MustCompile(`(?i)\b(?:p50|p90|p95|p99|zero|daily|weekly|monthly|quarterly|yearly|annually|less than|fewer than|more than|at least|at most|no more than|by (?:end of|q[1-4]|the end))\b`)

// numberWords: a count or duration in words ("five seconds", "two approvals").
var numberWords = regexp.MustCompile(`(?i)\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|sixty|hundred)\s+(?:[a-z-]+\s+)?(?:seconds?|minutes?|hours?|days?|weeks?|months?|times|approvals?|replicas?|retries|attempts|percent|nodes|zones|regions)\b`)

func capCount(n int) float64 { return float64(min(n, 2)) }

// features builds the model's input from an item, the vague findings of the
// word rules and the parse of its object.
func features(summary string, rules []Finding, obj objectVerdict, objOK bool) [nFeatures]float64 {
	var x [nFeatures]float64
	for _, f := range rules {
		if wordingFinding(f) {
			x[fRuleWording] = 1
		} else {
			x[fRuleObject] = 1
		}
	}
	if objOK {
		x[fParsed] = 1
		switch obj.class {
		case verbWeak:
			x[fClassWeak] = 1
		case verbInquire:
			x[fClassInquire] = 1
		case verbCreate:
			x[fClassCreate] = 1
		case verbConcrete:
			x[fClassConcrete] = 1
		case verbAssure:
			x[fClassAssure] = 1
		}
		p := obj.parse
		x[fObjOpenEnded] = b2f(p.openEnded)
		x[fObjGeneric] = b2f(p.generic)
		x[fObjBare] = b2f(p.bare)
		x[fObjNamed] = b2f(p.named)
		x[fRestOutcome] = b2f(p.restOutcome)
		x[fRestSpecific] = b2f(p.restSpecific)
	}
	low := strings.ToLower(summary)
	h := featureKeys.scan(low)
	wordFeatures(summary, low, &h, &x)
	if (!isASCII(summary) || kConcrete.any(&h)) && len(concreteWords(summary, findWords(concreteAnywhereWord, summary, low))) > 0 {
		x[fConcreteVerb] = 1
	}
	return x
}

// wordingFinding: a finding about the wording itself, which no object can
// make specific: be careful, document better, make sure, hedges, and a
// contact in place of a change ("reach out to", "sync with", "discuss"),
// and an aim with no measure ("make deploys safer", "reduce alert noise",
// "add monitoring").
// The others (improve, investigate, open-ended) judge the object.
func wordingFinding(f Finding) bool {
	switch f.Rule {
	case RuleVagueCareful, RuleVagueDocument, RuleVagueAssure, RuleVagueHedge, RuleVagueNoTarget:
		return true
	case RuleVagueInvestigate:
		return contactVerb.MatchString(f.Phrase)
	}
	return false
}

// contactVerb: talking to someone is the action, not a change.
var contactVerb = regexp.MustCompile(`(?i)\b(?:think about|discuss|follow[- ]up (?:on|with)|reach out to|check in with|touch base with|sync with|talk (?:to|with)|circle back (?:on|with))$`)

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// decide turns the word rules' findings and the model's score into the
// item's vague findings. Vague by the model: the rules' findings are kept
// (they say which phrase), or, when no rule fired, one finding whose rule
// and Why follow the features that pushed the score most. Not vague: none,
// except the wording rules when the model keeps them (actionModel.Wording).
func (m *actionModel) decide(summary string, rules []Finding, obj objectVerdict, x *[nFeatures]float64) []Finding {
	if m.score(x) < m.Threshold {
		if m.Rules {
			return rules
		}
		if !m.Wording {
			return nil
		}
		var kept []Finding
		for _, f := range rules {
			if wordingFinding(f) {
				kept = append(kept, f)
			}
		}
		return kept
	}
	if len(rules) > 0 {
		return rules
	}
	type contrib struct {
		i int
		c float64
	}
	var cs []contrib
	for i, v := range x {
		if c := m.Weights[i] * v; c > 0 && featureWhy[i] != "" {
			cs = append(cs, contrib{i, c})
		}
	}
	sort.SliceStable(cs, func(a, b int) bool { return cs[a].c > cs[b].c })
	var reasons []string
	rule := RuleVagueImprove
	for k, c := range cs {
		if k == 3 {
			break
		}
		reasons = append(reasons, featureWhy[c.i])
		if k == 0 {
			switch c.i {
			case fClassInquire, fInquiryWords:
				rule = RuleVagueInvestigate
			case fObjOpenEnded, fOpenWords, fScopeWords, fOutcomeWords, fRestOutcome, fObjBare:
				rule = RuleVagueOpenEnded
			}
		}
	}
	phrase := obj.phrase
	if phrase == "" {
		phrase = summary
	}
	why := "nothing names what is changed or how it is checked as done"
	if len(reasons) > 0 {
		why = fmt.Sprintf("nothing names what is changed or how it is checked as done (%s)", strings.Join(reasons, "; "))
	}
	return []Finding{{Rule: rule, Sentence: summary, Start: 0, End: len(summary), Phrase: phrase, Why: why}}
}
