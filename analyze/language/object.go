package language

import (
	"regexp"
	"slices"
	"strings"
)

// This file judges an action item by its object: what the action changes.
// "Add safeguards", "Improve our processes" and "Evaluate other options"
// name no thing that can be checked as done, whatever the verb; "Improve the
// schema of the routing config file" or "Lower the threshold that triggers
// scale-out" do, even with a weak verb. The item is tagged with
// the part-of-speech tagger (tagger.go), the action head (a verb or an
// action noun such as "review of", "improvements to") is found, and the noun
// phrase after it, with its modifiers, is read against word classes.

// verbClass is what an action head does to its object.
type verbClass int

const (
	verbNone     verbClass = iota // no action head: a bare noun phrase ("Additional monitoring ...")
	verbWeak                      // improve, enhance, strengthen: changes the object by an unstated amount
	verbInquire                   // investigate, review, evaluate: looks at the object
	verbCreate                    // add, create, implement: brings the object into being
	verbConcrete                  // fix, remove, disable, reduce: a definite change
	verbAssure                    // ensure, prevent: states an outcome
)

// actionVerbs maps a base form to its class; "-ing", "-s" and "-ed" forms are
// derived when looked up.
var actionVerbs = map[string]verbClass{
	"improve": verbWeak, "enhance": verbWeak, "strengthen": verbWeak, "harden": verbWeak, "augment": verbWeak,
	"refine": verbWeak, "streamline": verbWeak, "optimize": verbWeak, "optimise": verbWeak,
	"tune": verbWeak, "expand": verbWeak, "extend": verbWeak, "update": verbWeak,
	"better": verbWeak, "rework": verbWeak, "revise": verbWeak, "clean": verbWeak, "modify": verbWeak, "adjust": verbWeak,
	"accelerate": verbWeak, "solidify": verbWeak, "reinforce": verbWeak, "increase": verbWeak, "boost": verbWeak,
	"simplify": verbWeak, "tighten": verbWeak, "refactor": verbWeak, "overhaul": verbWeak, "redesign": verbWeak,
	"rearchitect": verbWeak, "re-architect": verbWeak, "re-evaluate": verbInquire, "reevaluate": verbInquire,
	"investigate": verbInquire, "explore": verbInquire, "evaluate": verbInquire, "assess": verbInquire,
	"analyze": verbInquire, "analyse": verbInquire, "study": verbInquire, "determine": verbInquire,
	"understand": verbInquire, "review": verbInquire, "audit": verbInquire, "examine": verbInquire,
	"look": verbInquire, "research": verbInquire, "identify": verbInquire, "revisit": verbInquire,
	"rethink": verbInquire,
	"monitor": verbInquire, "track": verbInquire, "continue": verbInquire, "follow": verbInquire, "work": verbNone,
	"add": verbCreate, "create": verbCreate, "implement": verbCreate, "introduce": verbCreate, "build": verbCreate,
	"develop": verbCreate, "deploy": verbCreate, "enable": verbCreate, "enforce": verbCreate, "apply": verbCreate,
	"establish": verbCreate, "provide": verbCreate, "put": verbCreate, "set": verbCreate, "write": verbCreate,
	"automate": verbCreate, "instrument": verbCreate, "support": verbCreate, "engineer": verbCreate,
	"design": verbCreate, "make": verbCreate, "conduct": verbNone, "perform": verbNone, "keep": verbNone, "drive": verbNone, "undertake": verbNone, "plug": verbCreate, "plug-in": verbCreate, "activate": verbCreate, "release": verbCreate,
	"fix": verbConcrete, "remove": verbConcrete, "disable": verbConcrete, "delete": verbConcrete,
	"replace": verbConcrete, "migrate": verbConcrete, "move": verbConcrete, "shard": verbConcrete,
	"cache": verbConcrete, "limit": verbConcrete, "cap": verbConcrete, "halt": verbConcrete, "block": verbConcrete,
	"reject": verbConcrete, "revert": verbConcrete, "pin": verbConcrete, "rotate": verbConcrete,
	"split": verbConcrete, "repair": verbConcrete, "correct": verbConcrete, "reinstate": verbConcrete,
	"scan": verbConcrete, "verify": verbConcrete, "validate": verbConcrete, "reduce": verbConcrete,
	"lower": verbConcrete, "raise": verbConcrete, "roll": verbConcrete, "separate": verbConcrete,
	"direct": verbConcrete, "route": verbConcrete, "throttle": verbConcrete, "isolate": verbConcrete,
	"change": verbConcrete, "switch": verbConcrete, "convert": verbConcrete, "restrict": verbConcrete,
	"complete": verbConcrete, "remediate": verbConcrete, "re-enable": verbConcrete, "schedule": verbConcrete,
	"run": verbConcrete, "require": verbConcrete, "stop": verbConcrete, "drop": verbConcrete, "alert": verbConcrete,
	"page": verbConcrete, "publish": verbConcrete, "document": verbConcrete, "test": verbConcrete,
	"ensure": verbAssure, "prevent": verbAssure, "avoid": verbAssure, "eliminate": verbAssure,
	"minimize": verbAssure, "minimise": verbAssure, "mitigate": verbAssure, "guarantee": verbAssure,
}

// actionNouns are nominal action heads: "a review of", "improvements to".
var actionNouns = map[string]verbClass{
	"improvement": verbWeak, "improvements": verbWeak, "enhancement": verbWeak, "enhancements": verbWeak,
	"redesign": verbWeak, "adjustments": verbWeak, "adjustment": verbWeak, "changes": verbWeak, "increases": verbWeak,
	"optimizations": verbWeak, "optimisations": verbWeak, "modifications": verbWeak, "update": verbWeak,
	"updates": verbWeak, "hardening": verbWeak, "refinement": verbWeak,
	"review": verbInquire, "reviews": verbInquire, "audit": verbInquire, "evaluation": verbInquire,
	"investigation": verbInquire, "investigations": verbInquire, "analysis": verbInquire, "assessment": verbInquire,
	"study": verbInquire, "exploration": verbInquire,
	"removal": verbConcrete, "elimination": verbConcrete, "fix": verbConcrete, "fixes": verbConcrete,
	"scan": verbConcrete, "migration": verbConcrete, "restriction": verbConcrete,
}

// openEnded heads name a kind of thing, not a thing: an object headed by one
// of them cannot be checked as done.
var openEnded = map[string]bool{
	"safeguard": true, "safeguards": true, "protection": true, "protections": true, "measure": true,
	"measures": true, "mechanism": true, "mechanisms": true, "improvement": true, "improvements": true,
	"enhancement": true, "enhancements": true, "resiliency": true, "resilience": true, "reliability": true,
	"robustness": true, "stability": true, "strategy": true, "strategies": true, "process": true,
	"processes": true, "procedure": true, "procedures": true, "method": true, "methods": true,
	"methodology": true, "methodologies": true, "practice": true, "practices": true, "way": true, "ways": true,
	"option": true, "options": true, "step": true, "steps": true, "tooling": true, "tools": true,
	"capability": true, "capabilities": true, "ability": true, "solution": true, "solutions": true,
	"efficiency": true, "experience": true, "deficiencies": true, "holes": true, "gaps": true,
	"optimizations": true, "modifications": true, "requirements": true, "posture": true, "hygiene": true,
	"readiness": true, "awareness": true, "visibility": true, "insights": true, "response": true,
	"health": true, "quality": true, "redundancy": true, "levers": true, "feasibility": true,
	"areas": true, "things": true, "issues": true, "opportunities": true, "approach": true, "approaches": true,
	"controls": true, "guardrails": true, "defenses": true, "defences": true, "workstreams": true,
	"communication": true, "communications": true, "management": true, "item": true,
}

// namedKinds are open-ended heads that a specific modifier turns into a
// named thing: "the cache warm-up procedure", "the auto-drain mechanism".
var namedKinds = map[string]bool{
	"process": true, "processes": true, "procedure": true, "procedures": true, "mechanism": true,
	"mechanisms": true, "tooling": true, "tools": true, "health": true, "efficiency": true, "strategy": true,
	"step": true, "steps": true, "capability": true, "capabilities": true, "management": true,
	"protection": true, "protections": true,
}

// genericClass heads name an activity that is specific only with a condition:
// "alerts when a shard has no leader", not "improve monitoring".
var genericClass = map[string]bool{
	"monitoring": true, "monitors": true, "alerting": true, "alert": true, "alerts": true, "alarming": true,
	"alarms": true, "telemetry": true, "testing": true, "tests": true, "validation": true, "validations": true,
	"checks": true, "check": true, "detection": true, "automation": true, "observability": true, "logging": true,
	"coverage": true, "documentation": true, "docs": true, "training": true, "diagnostics": true,
	"instrumentation": true, "signals": true, "metrics": true, "dashboards": true, "dashboard": true, "logic": true,
}

// genericModifiers do not name a thing when they modify an open-ended head:
// "our preventive processes", "the review process".
var genericModifiers = map[string]bool{
	"our": true, "the": true, "a": true, "an": true, "existing": true, "additional": true, "current": true,
	"overall": true, "internal": true, "preventative": true, "preventive": true, "review": true,
	"deployment": true, "change": true, "management": true, "operational": true, "communication": true,
	"communications": true, "incident": true, "response": true, "escalation": true, "mitigation": true,
	"detection": true, "monitoring": true, "testing": true, "validation": true, "release": true,
	"engineering": true, "safety": true, "safe": true, "other": true, "further": true, "more": true,
	"new": true, "better": true, "improved": true, "enhanced": true, "automated": true, "automatic": true,
	"related": true, "relevant": true, "appropriate": true, "necessary": true, "possible": true,
	"service": true, "platform": true, "system": true, "systems": true, "architectural": true, "infrastructure": true,
	"recovery": true, "support": true, "operations": true, "emergency": true, "standard": true, "critical": true,
	"and": true, "or": true, "of": true, "its": true, "their": true, "this": true, "these": true, "all": true,
	"customer": true, "network": true, "physical": true, "maintenance": true, "configuration": true,
	"quality": true, "comprehensive": true, "holistic": true, "broader": true, "general": true, "proactive": true,
	"on-call": true, "oncall": true, "tooling": true, "auto-mitigation": true, "route": true, "layer": true,
	"rollout": true, "redundancy": true, "resource": true, "usage": true, "repair": true, "work": true, "tracking": true,
}

// genericOutcome is a purpose that any action could have: it makes no
// inquiry or improvement specific. Preventing or reducing is generic only
// when what is prevented is the incident kind itself ("future occurrences",
// "customer impact"), not a named behavior ("global flag flips without a
// canary").
var genericOutcome = regexp.MustCompile(`(?i)^(?:to |in order to |so (?:that )?|and )?(?:help (?:to )?)?(?:(?:further |better |more )?(?:(?:improve|increase|ensure|establish|understand|determine|assess|address|learn|enable|find|look|explore|evaluate|inform|strengthen|harden|make|keep|achieve|handle|drive|support|reinforce|continue|plan|take|manage|decide|account|maintain|leverage|provide|allow|flight)\b|(?:prevent|avoid|reduce|minimi[sz]e|mitigate|eliminate|guard against|protect against|catch|detect|spot|flag|notice|find|identify|limit)\s+(?:(?:the|any|all|a|an|such|this|these|those|its|our|further|potential|future|similar|customer|service|negative|widespread|overall|extended)\s+)*(?:future|recurrence|reoccurr\w*|occurrences?|similar|impact\w*|issues?|incidents?|outages?|disruptions?|problems?|failures?|errors?|downtime|risks?|likelihood|probability|chances?|time|scenarios?|situations?|events?|class|types?|kinds?|anomal\w*|incorrect configurations?|misconfigurations?|regressions?|degradations?|(?:bad|incorrect|wrong|invalid|faulty|erroneous|unexpected|abnormal|unusual|risky)\s+[\w-]+)\b))`)

// checkCriterion: an inquiry whose purpose is a checkable state ("to
// ensure the replicas are in sync", "and make sure they are accessible to
// ...", "to make sure everyone on it has the permissions to ...").
const checkCriterion = `\b(?:to|and)\s+(?:ensure|make sure|verify|validate|confirm|check)\s+(?:that\s+)?(?:[\w-]+\s+){1,5}?(?:(?:is|are)\s+(?:not\s+)?(?:\w+ly\s+)?(?:consistent|correct|set|valid|enabled|disabled|unmuted|configured|present|absent|identical|up to date|in sync|accessible|available|documented|visible|owned|backed up)|(?:has|have)\s+(?:the\s+)?(?:permissions?|access|rights|credentials|an owner|owners))\b`

// coordinatedAction: a definite action joined to an inquiry or a vague one
// ("Review the runbooks, and add a lint rule that ...").
const coordinatedAction = `(?:,\s*(?:and\s+)?|\band\s+|\bthen\s+)(?:apply|application of|fix|fixes|remov\w*|implement\w*|roll out|deploy\w*|replac\w*|creat\w*|add\w*)\b`

var coordinatedActionRe = regexp.MustCompile(`(?i)` + coordinatedAction)

// specificOutcome words name a definite thing to find or make.
var specificOutcome = regexp.MustCompile(`(?i)(?:` + coordinatedAction + `|` + checkCriterion + `|\b(?:dependenc(?:y|ies) on|whether|as (?:a |an )?(?:replacement|alternative|substitute)|how (?:often|many|much)|what (?:[\w-]+ ){0,2}?(?:caused|triggered|broke)|(?:write|writes|writing) up the findings|add (?:it|them|the findings) to the postmortem|like the one that|and if so|(?:is|are) set|(?:is|are) unmuted|no other|false alarm|escalates|design doc|report|rca|root cause analysis|decision|proposal|plan\b|publish|write-?up|runbook|checklist|fix (?:the|a|for)|and fix (?:the|a|it|this)))\b`)

// deictic refers to the incident itself: "this type of issue", "repeats of
// this issue", "similar problems", which makes a detection specific.
var deictic = regexp.MustCompile(`(?i)\b(?:(?:this|these|that|such|the same)\s+(?:\w+\s+){0,2}?(?:issues?|problems?|class|type|types|kind|sort|nature|scenarios?|situations?|failures?|failure modes?|misconfigurations?|conditions?|incidents?|errors?|bugs?|events?)|repeats? of|similar (?:issues|problems|incidents|failures|events|conditions)|recurrence of this)\b`)

// conditionClause: a detection or check with a stated condition ("when the
// error rate exceeds", "where shards are not rebalancing", "that are stale").
var conditionClause = regexp.MustCompile(`(?i)\b(?:when|whenever|where|if|once|before|until|that|which)\b\s+(?:[\w/-]+\s+){0,6}?(?:is|are|was|were|exceeds?|exceed|reach(?:es)?|fall|falls|drops?|rises?|fails?|stops?|expires?|runs? out|become|becomes|has|have|not|affects?|occurs?|happens?|causes?|takes?|returns?|hits?|can|cannot|could|do|does|did|gets?|loses?|remains?)\b|\bfor cases (?:where|when|in which)\b`)

// restParse is the parse of an inquiry with no noun phrase as its object:
// only what follows the head is known.
func restParse(a *actionChecker, rest string, toks []token, from int) objectParse {
	trimmed := strings.TrimSpace(rest)
	return objectParse{
		restOutcome:  trimmed == "" || genericOutcome.MatchString(trimmed),
		restSpecific: a.specificOutcome(rest, toks, from) || specificCondition(rest) || byMeans.MatchString(rest),
	}
}

// exampleRe: the object is made specific by examples ("such as ...").
var exampleRe = regexp.MustCompile(`(?i)\b(?:such as|including|specifically|e\.g\.|for example|like)\b`)

// byMeans: the change is said by its means ("by adding a queue-depth alert").
var byMeans = regexp.MustCompile(`(?i)\bby [a-z-]+ing\b`)

// itemPreamble is text before the item proper: a list lead-in, a status tag.
var itemPreamble = regexp.MustCompile(`(?i)^(?:.*?(?:includes?|including|following|not limited to|are the following|steps?|actions?)\)?\s*:\s+|\s*(?:\[[^\]]*\]|\([^)]*\))\s*)+`)

// itemStatus is a trailing status: "[in progress]", "(completed)", "- pending".
var itemStatus = regexp.MustCompile(`(?i)\s*(?:[-–—]\s*(?:in progress|pending|complete[d]?|done|in planning|long term|ongoing)\.?|\[[^\]]*\]\.?|\((?:in progress|completed?|done|in planning|pending|ongoing)\)\.?)\s*$`)

// leadAdverbs open an item without being its action.
var leadAdverbs = map[string]bool{
	"finally": true, "furthermore": true, "additionally": true, "also": true, "immediately": true, "then": true,
	"next": true, "first": true, "second": true, "third": true, "longer": true, "short": true, "long": true,
	"term": true, "meantime": true, "in": true, "the": true, "addition": true, "moreover": true, "lastly": true,
	"separately": true, "we": true, "will": true, "are": true, "is": true, "be": true, "have": true, "has": true,
	"been": true, "being": true, "also,": true, "currently": true, "now": true, "shall": true, "must": true,
	"should": true, "would": true, "can": true, "to": true, "planning": true, "plan": true, "going": true,
	"already": true, "actively": true, "then,": true, "engineers": true, "engineering": true, "team": true,
	"teams": true, "microsoft": true, "google": true, "aws": true, "azure": true, "service": true,
	"networking": true, "our": true, "i": true, "they": true, "need": true, "needs": true,
}

// The Whys of an aim with no measure (rule vague-no-target): more of a
// quality, less of an amount, and monitoring, alerting or testing added
// with nothing said about what it must catch.
const (
	whyNoCriterion    = "asks for more of a quality (safer, faster, easier) without a criterion: by how much, and measured how, is not said"
	whyNoTarget       = "reduces an amount (noise, toil, downtime) without a target or a means: how much, and how, is not said"
	whyNothingToCatch = "adds monitoring, alerting or testing without saying what it must catch"
	whyBareKind       = "changes a kind of thing (timeouts, logging, tests) without saying which ones or by how much"
)

const whyOpenEnded = "its object names a kind of thing (safeguards, processes, resiliency), not a thing that can be checked"

// catenative verbs take another verb as their action: "continue to investigate".
var catenative = map[string]bool{
	"continue": true, "continuing": true, "work": true, "working": true, "plan": true, "planning": true,
	"start": true, "begin": true, "need": true, "aim": true, "seek": true, "look": true, "looking": true,
	"follow": true, "strive": true, "keep": true, "keeps": true,
}

// leadClause is a clause before the item's action: "In addition to the new
// lint, we will ...", "Once the analysis is done, ...".
var leadClause = regexp.MustCompile(`(?i)^(?:in addition to|once|if|while|after|as part of|along with|beyond|besides|in the meantime|longer term|short term|as an immediate step)\b[^,]{0,160},\s*`)

// leadPhrases: introductory phrases before the subject ("After the review,
// we are adding ...", "Also, for regions where ..., we are ..."). Group 1
// starts the clause proper.
var leadPhrases = regexp.MustCompile(`(?i)^(?:[^,]{2,120},\s*){1,3}((?:we|engineers?|engineering|the team|teams|microsoft|google|aws|azure)\b)`)

// lightVerbs carry no action of their own: the action noun they take is the
// head ("conducting an internal review").
var lightVerbs = map[string]bool{"drive": true, "driving": true, "conduct": true, "conducting": true, "perform": true, "performing": true,
	"undertake": true, "undertaking": true, "carry": true, "carrying": true, "do": true, "doing": true}

// detectPurpose: a detection with a named target ("to detect expired tokens").
var detectPurpose = regexp.MustCompile(`(?i)^(?:to|that|which)\s+(?:\w+ly\s+)?(?:detect|catch|identify|flag|spot|find|alert on|warn (?:on|about))\s+(.*)$`)

// relativeCondition: the object's own relative clause states a criterion
// ("hosts which may still run the old agent").
var relativeCondition = regexp.MustCompile(`(?i)^,?\s*(?:which|that|where|whose)\s+(?:[\w/-]+\s+){0,4}?(?:is|are|was|were|may|might|can|could|be|been|have|has|still|not|run|runs|hold|holds|use|uses)\b`)

// strictCondition: a stated condition (not a "that" complement).
var strictCondition = regexp.MustCompile(`(?i)\b(?:when|whenever|where|if|before|until|once)\b\s+(?:[\w/-]+\s+){0,6}?(?:is|are|was|were|exceeds?|reach(?:es)?|falls?|drops?|rises?|fails?|stops?|expires?|runs? out|becomes?|reaching|has|have|not)\b`)

// qualityRest: "make the system more robust": a quality, not a change.
var qualityRest = regexp.MustCompile(`(?i)^\s*(?:more|less|better)\b`)

// bareObjects are objects too general to change by themselves ("improvements
// to the platform").
var bareObjects = map[string]bool{"system": true, "systems": true, "platform": true, "service": true,
	"services": true, "infrastructure": true, "environment": true, "product": true, "products": true}

// contentPurpose: a purpose that says what an alert or check carries.
var contentPurpose = regexp.MustCompile(`(?i)^(?:to |so (?:that )?(?:it|they) )(?:include|list|show|display|report|page|notify|route|escalate|fire|trigger)`)

// needsObject is a cheap prefilter: the item has a word that can make it
// vague by its object (a weak, inquiring or assuring head; an open-ended,
// generic or action noun). Items without one are not tagged.
func needsObject(s string) bool {
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z') && r != '-'
	}) {
		if openEnded[w] || genericClass[w] || isActionNoun(w) || bareObjects[w] || comparativeWords[w] || quantityNouns[w] {
			return true
		}
		if c, ok := actionVerb(w); ok && (c == verbWeak || c == verbInquire || c == verbAssure) {
			return true
		}
	}
	return false
}

// objectVerdict is the result of reading an action item's object.
type objectVerdict struct {
	vague  bool
	class  verbClass
	phrase string // the head and object that decided
	why    string
	// rule is the finding's rule when it is not set by the head's class:
	// RuleVagueOpenEnded or RuleVagueNoTarget (a wording finding).
	rule  string
	parse objectParse // what the scoring model reads (model.go)
}

// objectParse is the parsed object of an action item, as features for the
// scoring model: its heads, whether its modifiers name a thing, and what
// follows it.
type objectParse struct {
	hasObject    bool // a noun phrase was found after the head
	openEnded    bool // every head names a kind of thing, none made specific by a modifier
	generic      bool // a head is a generic activity (monitoring, testing)
	bare         bool // a head is the system as a whole (platform, service)
	named        bool // a modifier or the phrase names a component, artifact or number
	restOutcome  bool // what follows is a generic purpose ("to prevent recurrence")
	restSpecific bool // what follows states a condition, a means, a deliverable or an example
}

// lemma returns the base form of an inflected verb ("adding" -> "add") if it
// is a known action verb.
func actionVerb(w string) (verbClass, bool) {
	w = strings.ToLower(strings.Trim(w, ".,;:()[]\"'"))
	if c, ok := actionVerbs[w]; ok {
		return c, true
	}
	for _, suf := range []string{"ing", "es", "s", "ed", "d"} {
		if !strings.HasSuffix(w, suf) || len(w) <= len(suf)+2 {
			continue
		}
		stem := w[:len(w)-len(suf)]
		for _, cand := range []string{stem, stem + "e", strings.TrimSuffix(stem, stem[len(stem)-1:])} {
			if c, ok := actionVerbs[cand]; ok {
				return c, true
			}
		}
		if strings.HasSuffix(stem, "i") {
			if c, ok := actionVerbs[stem[:len(stem)-1]+"y"]; ok {
				return c, true
			}
		}
	}
	return 0, false
}

// readObject analyzes one action item. ok is false when no action head and
// object can be found (the item is left to the other rules).
func (a *actionChecker) readObject(summary string) (objectVerdict, bool) {
	// Each regexp runs only where it can match (mayHavePreamble; a status
	// starts with a dash or a bracket; lead clauses and phrases end in a comma).
	body := summary
	if mayHavePreamble(body) {
		if m := itemPreamble.FindStringIndex(body); m != nil && m[1] < len(body) {
			body = body[m[1]:]
		}
	}
	if strings.ContainsAny(body, "-–—[(") {
		if m := itemStatus.FindStringIndex(body); m != nil && m[0] > 0 {
			body = body[:m[0]]
		}
	}
	if strings.IndexByte(body, ',') >= 0 {
		if m := leadClause.FindStringIndex(body); m != nil && m[1] < len(body) {
			body = body[m[1]:]
		}
		if m := leadPhrases.FindStringSubmatchIndex(body); m != nil && m[2] < len(body) {
			body = body[m[2]:]
		}
	}
	toks := fixTags(a.tagger.tag(body, true))
	if len(toks) == 0 {
		return objectVerdict{}, false
	}
	// The action head: skip lead-in adverbs, subjects and auxiliaries.
	i := 0
	for i < len(toks) && (leadAdverbs[toks[i].low] || toks[i].tag == "," || toks[i].tag == "PRP" || toks[i].tag == "MD" || (toks[i].tag == "RB" && !isActionVerbWord(toks[i].low))) {
		if c, ok := actionVerb(toks[i].low); ok && i > 0 && toks[i].low != "engineering" {
			_ = c
			break
		}
		i++
	}
	if i >= len(toks) {
		return objectVerdict{}, false
	}
	class, headAt := verbNone, -1
	var objStart int
	// "continue to investigate", "work with X to", "follow up to determine"
	if c, ok := actionVerb(toks[i].low); ok && (toks[i].isVerb() || i == 0 || toks[i].tag == "NN" || toks[i].tag == "NNP" || toks[i].tag == "JJ" || toks[i].tag == "RB") && !isDeterminer(toks[i]) {
		class, headAt = c, i
		objStart = i + 1
		if toks[i].low == "look" || toks[i].low == "follow" {
			for objStart < len(toks) && (toks[objStart].tag == "RP" || toks[objStart].low == "into" || toks[objStart].low == "up" || toks[objStart].low == "on" || toks[objStart].low == "with") {
				objStart++
			}
		} else if objStart+1 < len(toks) && toks[objStart].tag == "RP" && (c == verbCreate || c == verbConcrete) {
			objStart++ // a particle of the head: "set up a dashboard", "roll back the change"
		}
		// "Fix and improve the ...": a coordinated second verb joins the head.
		if objStart+1 < len(toks) && toks[objStart].tag == "CC" {
			if c2, ok := actionVerb(toks[objStart+1].low); ok {
				class = weakerOf(class, c2)
				objStart += 2
			}
		}
		// "continue to investigate", "work with X to", "plan to add": after a
		// catenative verb the second verb is the action; a later "to" opens a purpose.
		if catenative[toks[headAt].low] || catenative[strings.TrimSuffix(strings.TrimSuffix(toks[headAt].low, "ing"), "s")] {
			k := objStart
			switch {
			case k < len(toks) && toks[k].low == "with":
				if _, e := nounPhrase(toks, k+1); e > k+1 {
					k = e // "work with the storage team to ..."
				}
			case k+1 < len(toks) && toks[k].low == "on" && toks[k+1].tag == "VBG":
				k++ // "working on completing ...": the gerund is the action
			}
			if k+2 < len(toks) && toks[k].low == "to" && (toks[k+1].low == "not" || toks[k+1].tag == "RB" || strings.HasSuffix(toks[k+1].low, "ly")) && !isActionVerbWord(toks[k+1].low) {
				k++ // "to not retry", "to thoroughly investigate": the verb after is the action
			}
			next := k + 1
			if k < len(toks) && toks[k].tag == "VBG" && toks[k].low != "to" {
				next = k
			}
			if next < len(toks) && (next == k || toks[k].low == "to" || toks[k].low == "not") {
				if c2, ok := actionVerb(toks[next].low); ok {
					class = c2
					headAt = next
					objStart = next + 1
				}
			}
		}
	} else {
		// A nominal head: "(A full) review of", "Improvements to", or a bare noun phrase.
		j := i
		for j < len(toks) && (toks[j].tag == "DT" || toks[j].tag == "JJ" || toks[j].tag == "JJS" || toks[j].tag == "PRP$") && !isActionNoun(toks[j].low) {
			j++
		}
		if j < len(toks) && isActionNoun(toks[j].low) && j+1 < len(toks) && isPrep(toks[j+1].low) {
			class, headAt = actionNouns[toks[j].low], j
			objStart = j + 2
		} else {
			class, headAt = verbNone, -1
			objStart = i
		}
	}
	// Passive: "More alerting will be added", "safeguards have been added".
	np, npEnd := nounPhrase(toks, objStart)
	if headAt >= 0 && toks[headAt].low == "make" && npEnd+1 < len(toks) {
		switch toks[npEnd].low {
		case "more", "less", "better":
			class = verbWeak // "make the system more robust": an unstated amount of a quality
		}
	}
	// "Make deploys safer", "make the pipeline faster": the object is to
	// be more of a quality, by an amount and a measure nobody states.
	comparativeRest, comparative, rest := "", false, ""
	if headAt >= 0 && toks[headAt].low == "make" && len(np) > 1 && isComparative(np[len(np)-1]) && np[len(np)-2].isNoun() {
		np, npEnd = np[:len(np)-1], npEnd-1 // "the pipeline faster" read as one noun phrase
	}
	if headAt >= 0 && toks[headAt].low == "make" && len(np) > 0 && npEnd < len(toks) && isComparative(toks[npEnd]) {
		k := npEnd + 1
		if (toks[npEnd].low == "more" || toks[npEnd].low == "less") && k < len(toks) && (toks[k].tag == "JJ" || toks[k].tag == "VBN") {
			k++ // "more robust", "less error-prone"
		}
		if k < len(toks) {
			comparativeRest = body[toks[k].start:]
		}
		comparative = true
		class = verbWeak
		rest = comparativeRest // what follows the quality, for the model's features
	}
	if headAt >= 0 && lightVerbs[toks[headAt].low] && len(np) > 0 {
		if h := np[len(np)-1]; isActionNoun(h.low) {
			// "conducting a review to ...": the review is the action
			class = actionNouns[h.low]
			if npEnd+1 < len(toks) && isPrep(toks[npEnd].low) {
				np, npEnd = nounPhrase(toks, npEnd+1)
			} else {
				np = np[len(np)-1:]
			}
		}
	}
	if len(np) == 0 {
		if class == verbInquire {
			rest := ""
			if objStart < len(toks) {
				rest = body[toks[objStart].start:]
			}
			return objectVerdict{vague: !a.specificOutcome(rest, toks, objStart), class: class, phrase: body,
				why: "an inquiry (investigate, review, evaluate) with no stated outcome never visibly finishes", parse: restParse(a, rest, toks, objStart)}, true
		}
		return objectVerdict{}, false
	}
	// A bare noun phrase led by an action noun ("Alerting improvements for
	// the queue", "Scheduler changes"): the action noun
	// is the head, its modifiers the object.
	if headAt < 0 {
		if h := np[len(np)-1]; isActionNoun(h.low) && len(np) == 1 {
			// "Investigations are under way to ...": the action noun is the subject.
			class = actionNouns[h.low]
			rest := body[h.end:]
			return objectVerdict{vague: class == verbInquire && !a.specificOutcome(rest, toks, npEnd), class: class, phrase: body[h.start:h.end],
				why: "an inquiry (investigate, review, evaluate) with no stated outcome never visibly finishes", parse: restParse(a, rest, toks, npEnd)}, class == verbInquire
		} else if isActionNoun(h.low) && len(np) > 1 {
			class = actionNouns[h.low]
			np = np[:len(np)-1]
		} else if npEnd < len(toks) && !isAux(toks[npEnd].low) && (toks[npEnd].tag == "VBZ" || toks[npEnd].tag == "VBP" || toks[npEnd].tag == "VBD") {
			// "These guards provide stricter checking ...": a
			// description; its verb and object decide.
			if c, ok := actionVerb(toks[npEnd].low); ok {
				class = c
				headAt = npEnd
				np, npEnd = nounPhrase(toks, npEnd+1)
				if len(np) == 0 {
					return objectVerdict{}, false
				}
			}
		} else if npEnd < len(toks) && isAux(toks[npEnd].low) {
			// passive: the subject is the object; the participle is the head
			for k := npEnd; k < len(toks); k++ {
				if c, ok := actionVerb(toks[k].low); ok && !isAux(toks[k].low) {
					if strings.HasSuffix(toks[k].low, "ing") {
						// progressive, not passive: "The platform team is evaluating X"
						if np2, e := nounPhrase(toks, k+1); len(np2) > 0 {
							class, headAt, np, npEnd = c, k, np2, e
						}
						break
					}
					class = c
					break
				}
				if !isAux(toks[k].low) && toks[k].tag != "RB" {
					break
				}
			}
		}
	}
	if !comparative {
		rest = ""
		if npEnd < len(toks) {
			rest = body[toks[npEnd].start:]
		}
	}
	heads := nounHeads(np)
	phrase := body[np[0].start:np[len(np)-1].end]
	if headAt >= 0 {
		phrase = body[toks[headAt].start:np[len(np)-1].end]
	}
	v := objectVerdict{class: class, phrase: phrase}
	example := exampleRe.MatchString(rest)
	trimmed := strings.TrimSpace(rest)
	v.parse = objectParse{
		hasObject:   true,
		openEnded:   allOpenEnded(heads, np),
		generic:     anyGeneric(heads),
		bare:        bareObject(verbWeak, np, heads),
		named:       namesComponent(np) || genericNamed(np, heads) || namedKindNamed(np, heads),
		restOutcome: trimmed == "" || genericOutcome.MatchString(trimmed),
		restSpecific: example || specificCondition(rest) || byMeans.MatchString(rest) || a.specificOutcome(rest, toks, npEnd) ||
			relativeCondition.MatchString(rest) || namedDetection(rest),
	}
	switch {
	case (allOpenEnded(heads, np) || (bareObject(class, np, heads) && (strings.TrimSpace(rest) == "" || genericOutcome.MatchString(strings.TrimSpace(rest)) ||
		qualityRest.MatchString(rest)))) && !example &&
		!(class == verbInquire && !genericOutcome.MatchString(strings.TrimSpace(rest)) && a.specificOutcome(rest, toks, npEnd)) && !definiteKind(class, np, heads) &&
		!(class == verbInquire && coordinatedActionRe.MatchString(rest)) && !byMeans.MatchString(rest) && !namedPurpose(rest):
		v.vague, v.why, v.rule = true, whyOpenEnded, RuleVagueOpenEnded
	case comparative:
		v.vague = !criterionStated(comparativeRest) && !a.specificOutcome(comparativeRest, toks, npEnd)
		v.why, v.rule = whyNoCriterion, RuleVagueNoTarget
	case reducingHead(class, headAt, toks) && allQuantity(heads) && !namesComponent(np) && !specificModifierOfAny(np, heads):
		v.vague = !criterionStated(rest) && !contentPurpose.MatchString(strings.TrimSpace(rest))
		v.why, v.rule = whyNoTarget, RuleVagueNoTarget
	case bareKind(class, headAt, np, rest, body):
		v.vague, v.why, v.rule = true, whyBareKind, RuleVagueNoTarget
	case class == verbInquire:
		v.vague = !a.specificOutcome(rest, toks, npEnd) && !measurableRe(rest) && !relativeCondition.MatchString(rest)
		v.why = "an inquiry (investigate, review, evaluate) with no stated outcome never visibly finishes"
	case anyGeneric(heads) && (class == verbWeak || class == verbNone || class == verbAssure):
		v.vague = !specificCondition(rest) && !byMeans.MatchString(rest) && !contentPurpose.MatchString(strings.TrimSpace(rest)) &&
			!genericNamed(np, heads) && !namedDetection(rest)
		v.why = "an improvement to monitoring, alerting or testing with no stated condition (what it must catch) cannot be checked"
	case anyGeneric(heads) && class == verbCreate:
		v.vague = strings.TrimSpace(rest) == "" || (!specificCondition(rest) && (genericOutcome.MatchString(strings.TrimSpace(rest)) || bareRest.MatchString(rest)) && !namesComponent(np))
		v.why, v.rule = whyNothingToCatch, RuleVagueNoTarget
	case class == verbWeak && !namesComponent(np) && genericOutcome.MatchString(strings.TrimSpace(rest)) && abstractHead(heads) && !genericNamed(np, heads) && !namedKindNamed(np, heads):
		v.vague, v.why = true, "an improvement with no measurable target or named thing to change cannot be verified as done"
	}
	return v, true
}

// fixTags corrects the tagger where action items trip it: an open-ended noun
// read as a verb ("further measures" as RB VBZ), and "further", "more",
// "additional" before a noun read as adverbs.
func fixTags(toks []token) []token {
	for k := 1; k+1 < len(toks); k++ {
		// "Add more logging": a generic activity read as an adjective.
		if t := &toks[k+1]; k+2 == len(toks) && genericClass[t.low] && (t.tag == "JJ" || t.tag == "VBG") {
			t.tag = "NN"
		}
		// "Create better alerts": a comparative before a noun modifies it.
		if t := &toks[k]; (t.tag == "RBR" || t.tag == "RB") && toks[k+1].isNoun() {
			switch t.low {
			case "better", "more", "fewer", "less":
				t.tag = "JJR"
			}
		}
	}
	for k := 1; k < len(toks); k++ {
		if openEnded[toks[k].low] && strings.HasPrefix(toks[k].tag, "VB") && !isActionVerbWord(toks[k].low) {
			toks[k].tag = "NNS"
			if p := &toks[k-1]; p.tag == "RB" || p.tag == "RBR" {
				switch p.low {
				case "further", "more", "additional", "better", "other":
					p.tag = "JJ"
				}
			}
		}
	}
	return toks
}

func measurableRe(s string) bool { return strings.ContainsAny(s, "0123456789") }

func isActionVerbWord(w string) bool { _, ok := actionVerbs[w]; return ok }

func isDeterminer(t token) bool { return t.tag == "DT" || t.tag == "PRP$" }

func isActionNoun(w string) bool { _, ok := actionNouns[w]; return ok }

func isPrep(w string) bool {
	switch w {
	case "of", "to", "in", "into", "for", "on", "with", "around", "across":
		return true
	}
	return false
}

func isAux(w string) bool {
	switch w {
	case "will", "be", "been", "being", "is", "are", "was", "were", "have", "has", "had", "shall", "would", "also", "now", "immediately":
		return true
	}
	return false
}

// weakerOf: of two coordinated heads ("fix and improve"), the one that
// commits to more decides ("Fix and improve X" fixes X).
func weakerOf(a, b verbClass) verbClass {
	if a == verbConcrete || b == verbConcrete {
		return verbConcrete
	}
	if a == verbCreate || b == verbCreate {
		return verbCreate
	}
	return a
}

// nounPhrase returns the tokens of the noun phrase starting at i (with
// coordinated nouns: "monitoring and alerting") and the index after it.
func nounPhrase(toks []token, i int) ([]token, int) {
	start := i
	for i < len(toks) && (toks[i].tag == "DT" || toks[i].tag == "PRP$" || toks[i].tag == "PDT") {
		i++
	}
	j := i
	lastNoun := -1
	for j < len(toks) {
		t := toks[j]
		switch {
		case t.isNoun() || t.tag == "JJ" || t.tag == "JJR" || t.tag == "JJS" || t.tag == "CD" || t.tag == "VBG" || t.tag == "VBN" || t.tag == "POS" || t.tag == "HYPH" || t.tag == "FW":
			if t.tag == "VBN" && j+1 < len(toks) && !toks[j+1].isNoun() && toks[j+1].tag != "JJ" {
				goto done
			}
			if t.isNoun() || t.tag == "VBG" {
				lastNoun = j
			}
			j++
		case t.tag == "CC" && lastNoun == j-1 && j+1 < len(toks) && !isActionVerbWord(toks[j+1].low) && (toks[j+1].isNoun() || toks[j+1].tag == "JJ" || toks[j+1].tag == "VBG" || toks[j+1].tag == "DT" || toks[j+1].tag == "PRP$"):
			j++
			for j < len(toks) && (toks[j].tag == "DT" || toks[j].tag == "PRP$") {
				j++
			}
		case (t.text == "(" || t.text == ")") && lastNoun >= 0:
			j++
		default:
			goto done
		}
	}
done:
	if lastNoun < 0 {
		return nil, start
	}
	return toks[start : lastNoun+1], lastNoun + 1
}

// nounHeads are the heads of a (possibly coordinated) noun phrase: the noun
// before each "and"/"or" and the last noun.
func nounHeads(np []token) []string {
	var out []string
	for k, t := range np {
		if (t.isNoun() || t.tag == "VBG") && (k == len(np)-1 || np[k+1].tag == "CC") {
			switch {
			case strings.Contains(t.low, "/"): // "monitoring/alerting": each part is a head
				out = append(out, strings.Split(t.low, "/")...)
			case strings.Contains(t.low, "-") && !openEnded[t.low] && !genericClass[t.low]:
				out = append(out, t.low[strings.LastIndex(t.low, "-")+1:]) // "rollout-safeguards" is a kind of safeguard
			default:
				out = append(out, t.low)
			}
		}
	}
	return out
}

// allOpenEnded: every head of the object is open-ended, and none is a named
// kind made specific by its modifiers.
func allOpenEnded(heads []string, np []token) bool {
	if len(heads) == 0 {
		return false
	}
	for _, h := range heads {
		if !openEnded[h] {
			return false
		}
		if namedKinds[h] && specificModifier(np, h) {
			return false
		}
	}
	return true
}

// namedDetection: a detection purpose with a target that is not generic
// ("to detect expired tokens"), or the activity's named object ("testing of
// the Kafka client upgrade").
func namedDetection(rest string) bool {
	r := strings.TrimSpace(rest)
	if m := detectPurpose.FindStringSubmatch(r); m != nil && !genericOutcome.MatchString(r) {
		return true
	}
	if strings.HasPrefix(strings.ToLower(r), "of ") {
		return namedWord(firstWords(r, 6))
	}
	return false
}

func firstWords(s string, n int) string {
	f := strings.Fields(s)
	if len(f) > n {
		f = f[:n]
	}
	return strings.Join(f, " ")
}

// bareObject: a weak change to the system as a whole ("improvements to the platform").
func bareObject(class verbClass, np []token, heads []string) bool {
	if class != verbWeak && class != verbNone || len(heads) == 0 {
		return false
	}
	for _, h := range heads {
		if !bareObjects[h] || specificModifier(np, h) {
			return false
		}
	}
	return true
}

// genericNamed: a generic activity named by its modifiers ("Postgres
// replication monitoring", "disk latency detection").
func genericNamed(np []token, heads []string) bool {
	for _, h := range heads {
		if genericClass[h] && specificModifier(np, h) {
			return true
		}
	}
	return false
}

// definiteKind: a definite change to a known instance of a kind ("Apply
// the recovery steps to every replica set").
func definiteKind(class verbClass, np []token, heads []string) bool {
	if (class != verbConcrete && class != verbCreate) || np[0].low != "the" {
		return false
	}
	for _, h := range heads {
		if !namedKinds[h] {
			return false
		}
	}
	return true
}

// namedKindNamed: a named kind made specific by its modifiers ("the
// backpressure mechanism").
func namedKindNamed(np []token, heads []string) bool {
	for _, h := range heads {
		if namedKinds[h] && specificModifier(np, h) {
			return true
		}
	}
	return false
}

func anyGeneric(heads []string) bool {
	for _, h := range heads {
		if genericClass[h] {
			return true
		}
	}
	return false
}

func abstractHead(heads []string) bool {
	for _, h := range heads {
		if openEnded[h] || genericClass[h] {
			return true
		}
	}
	return false
}

// specificModifier: a modifier of head that names a thing (a proper noun,
// an acronym, or a noun outside the generic modifiers: "cache warm-up
// procedure", "the auto-drain mechanism").
func specificModifier(np []token, head string) bool {
	for _, t := range np {
		if t.low == head || strings.HasSuffix(t.low, "/"+head) || strings.HasPrefix(t.low, head+"/") || strings.HasSuffix(t.low, "-"+head) {
			continue
		}
		if t.isProper() || isAcronym(t.text) {
			return true
		}
		adj := t.tag == "JJ" && strings.ContainsAny(t.low, "-/") // "auto-drain"; plain adjectives name no thing
		if (t.isNoun() || adj || t.tag == "VBG") && !genericModifiers[t.low] && !openEnded[t.low] && !genericClass[t.low] {
			return true
		}
	}
	return false
}

// namesComponent: the object names a component or artifact (a proper noun,
// an acronym, a code-like name, a number).
func namesComponent(np []token) bool {
	for k, t := range np {
		if (t.isProper() && k > 0) || isAcronym(t.text) || t.tag == "CD" || strings.ContainsAny(t.text, "_/.0123456789") {
			return true
		}
		if k > 0 && strings.Contains(t.text, "-") && !genericModifiers[t.low] {
			return true
		}
	}
	return false
}

func isAcronym(w string) bool {
	if len(w) < 2 {
		return false
	}
	upper := 0
	for _, r := range w {
		if r >= 'A' && r <= 'Z' {
			upper++
		} else if !(r >= '0' && r <= '9') && r != 's' {
			return false
		}
	}
	return upper >= 2
}

// specificCondition: what a detection must catch is stated: the incident
// itself ("this type of issue"), a condition clause, or a number.
func specificCondition(rest string) bool {
	if measurableRe(rest) {
		return true
	}
	if !isASCII(rest) {
		return deictic.MatchString(rest) || conditionClause.MatchString(rest)
	}
	// Exact literal prefilters (prefilter.go).
	h := featureKeys.scan(strings.ToLower(rest))
	return (mayBeDeictic(&h) && deictic.MatchString(rest)) || (kClause.any(&h) && conditionClause.MatchString(rest))
}

// mayHavePreamble: what every match of itemPreamble holds: a colon, or a
// bracket after the leading spaces.
func mayHavePreamble(s string) bool {
	if strings.IndexByte(s, ':') >= 0 {
		return true
	}
	t := strings.TrimLeft(s, " \t\n\f\r")
	return t != "" && (t[0] == '[' || t[0] == '(')
}

// specificOutcome: an inquiry states what it must find or produce.
func (a *actionChecker) specificOutcome(rest string, toks []token, from int) bool {
	if mayBeSpecificOutcome(rest) && specificOutcome.MatchString(rest) {
		return true
	}
	// "to find callers of the v1 endpoint": a purpose naming a component.
	r := strings.TrimSpace(rest)
	if strings.HasPrefix(strings.ToLower(r), "to ") && !genericOutcome.MatchString(r) {
		return true
	}
	return false
}

// comparativeWords are comparatives a tagger may read as nouns or verbs
// ("faster" NN, "safer" VB).
var comparativeWords = map[string]bool{
	"more": true, "less": true, "better": true, "safer": true, "faster": true, "easier": true, "simpler": true,
	"quicker": true, "cheaper": true, "clearer": true, "smoother": true, "stronger": true, "tighter": true,
	"smaller": true, "shorter": true, "quieter": true, "sturdier": true, "sooner": true, "fewer": true,
	"leaner": true, "saner": true, "nicer": true,
}

func isComparative(t token) bool {
	return comparativeWords[t.low] || ((t.tag == "JJR" || t.tag == "RBR") && !isActionVerbWord(t.low))
}

// quantityNouns name an amount that an action can lower by some unstated
// measure: "reduce alert noise", "minimize downtime".
var quantityNouns = map[string]bool{
	"noise": true, "toil": true, "downtime": true, "latency": true, "risk": true, "risks": true, "load": true,
	"impact": true, "errors": true, "flakiness": true, "flakes": true, "pages": true, "paging": true,
	"friction": true, "exposure": true, "churn": true, "cost": true, "costs": true, "burden": true,
	"complexity": true, "contention": true, "pressure": true, "interruptions": true, "escalations": true,
	"delays": true, "delay": true, "effort": true, "waste": true, "fatigue": true, "disruption": true,
	"disruptions": true,
}

// reducingHead: the head lowers an amount ("reduce", "minimize", "lower").
func reducingHead(class verbClass, headAt int, toks []token) bool {
	if headAt < 0 || (class != verbConcrete && class != verbAssure) {
		return false
	}
	w := toks[headAt].low
	for _, p := range []string{"reduc", "minimi", "lower"} {
		if strings.HasPrefix(w, p) {
			return true
		}
	}
	return false
}

// allQuantity: every head of the object is an amount (noise, toil).
func allQuantity(heads []string) bool {
	return len(heads) > 0 && !slices.ContainsFunc(heads, func(h string) bool { return !quantityNouns[h] })
}

// specificModifierOfAny: a modifier names a part ("checkout latency"): the
// item is about a named thing, and the model weighs it.
func specificModifierOfAny(np []token, heads []string) bool {
	for _, h := range heads {
		if specificModifier(np, h) {
			return true
		}
	}
	return false
}

// criterionStated: what follows gives a number, a condition, a means, a
// comparison ("than ...") or a target ("to under ...", "below ...").
func criterionStated(rest string) bool {
	return specificCondition(rest) || byMeans.MatchString(rest) || comparisonRe.MatchString(rest)
}

var comparisonRe = regexp.MustCompile(`(?i)\b(?:than|below|under|within|at most|at least|no more)\b`)

// bareRest: what follows names only the system as a whole ("for the
// service", "across our services"), which does not say what is watched.
var bareRest = regexp.MustCompile(`(?i)^\s*(?:for|of|on|across|in)\s+(?:(?:the|our|this|that|all|each|every|any)\s+)?(?:services?|systems?|platforms?|teams?|apps?|applications?|infrastructure|products?|clusters?|components?)\s*\.?\s*$`)

// bareKind: a short imperative whose object is a bare kind of thing, with no
// article, name, number or anything after it ("Increase timeouts", "Add more
// logging", "Fix flaky tests"). A definite object is left to the other
// rules: in a postmortem "Fix the bug" or "Revert the change" means the
// incident's own.
func bareKind(class verbClass, headAt int, np []token, rest, body string) bool {
	if headAt != 0 || (class != verbWeak && class != verbCreate && class != verbConcrete) || len(np) == 0 || len(np) > 3 {
		return false
	}
	if heads := nounHeads(np); (anyGeneric(heads) && class != verbConcrete) || allOpenEnded(heads, np) {
		return false // adding or improving monitoring or testing, processes: their own rules
	}
	if strings.TrimSpace(strings.TrimRight(rest, ".")) != "" || len(strings.Fields(body)) > 4 || namesComponent(np) {
		return false
	}
	// namesComponent covers numbers, acronyms and code-like names; a
	// determiner, a possessive and a first word that is a name remain.
	kind := false
	for _, t := range np {
		if t.tag == "DT" || t.tag == "PRP$" || t.tag == "POS" || t.isProper() || strings.Contains(t.text, "-") {
			return false
		}
		kind = kind || moreOf[t.low]
	}
	// A kind is a plural or a mass noun ("timeouts", "logging"), or more of
	// something; a singular count noun without its article is a thing, the
	// article dropped as Jira summaries do ("Implement staging environment").
	h := np[len(np)-1]
	return kind || h.tag == "NNS" || h.tag == "NNPS" || strings.HasSuffix(h.low, "ing")
}

// moreOf are the words that ask for an unstated amount more of a kind.
var moreOf = map[string]bool{"more": true, "additional": true, "extra": true, "further": true, "better": true}

// forGerund is a purpose after an object: "for identifying the missing
// capability owners".
var forGerund = regexp.MustCompile(`(?i)^\s*for\s+([a-z]+)ing\s+((?:the|all|every|each|any|which|whose)\s+\S+.*)`)

// namedPurpose: a process or mechanism for doing something to a named thing
// ("a process for identifying the missing capability owners") says what it
// is for; one for a generic outcome ("for ensuring resiliency", "for
// preventing similar issues") does not.
func namedPurpose(rest string) bool {
	m := forGerund.FindStringSubmatch(rest)
	if m == nil {
		return false
	}
	for _, stem := range []string{m[1], m[1] + "e"} {
		if genericOutcome.MatchString("to " + stem + " " + m[2]) {
			return false
		}
	}
	return true
}
