package themes

import (
	"regexp"
	"sort"
	"strings"

	"github.com/aftermath-sre/aftermath/analyze/internal/wordre"
)

// Cause classes. The taxonomy follows the root-cause categories of two
// published studies of production incidents in large cloud services: Li et
// al., "Going through the Life Cycle of Faults in Clouds" (ISSRE 2022: software
// bugs with config, code-change, incompatibility, ... sub-kinds; hardware
// failures; insufficient resource; excessive flow; third-party failures;
// component removal) and Ghosh et al., "How to Fight Production Incidents?"
// (SoCC 2022: code bugs, configuration, deployment, dependency, infrastructure,
// data, auth/certificates). A class names the cause mechanism, not the
// component where it showed: a router's software bug is a code bug, a router
// misconfiguration is configuration, a router's failed line card is hardware.
// EVALUATION.md documents the classes and the mapping from the ISSRE labels.
const (
	ClassCodeBug      = "code bug"                    // a defect in the software's logic
	ClassConfig       = "configuration"               // a setting, flag or rule with a wrong value
	ClassDeployment   = "deployment"                  // a change rolled out (release, update, upgrade) broke it
	ClassCapacity     = "capacity and load"           // demand beyond capacity, exhausted resources
	ClassDependency   = "dependency or third party"   // a vendor, provider or upstream service failed
	ClassHardware     = "hardware and infrastructure" // physical equipment, power, cooling, facility
	ClassNetwork      = "network"                     // routing, DNS, connectivity, partitions
	ClassData         = "data"                        // corrupt, inconsistent or malformed data, schema
	ClassSecurity     = "security"                    // credentials, certificates, permissions, attacks
	ClassProcess      = "process"                     // human or operational procedure: manual step, removal
	ClassUnclassified = "unclassified"                // no cause mechanism found, or not yet known
)

// Classes lists the cause classes in a fixed order (unclassified last).
var Classes = []string{ClassCodeBug, ClassConfig, ClassDeployment, ClassCapacity, ClassDependency,
	ClassHardware, ClassNetwork, ClassData, ClassSecurity, ClassProcess, ClassUnclassified}

// Cause is the cause class of one factor text and the sentence that decided it.
type Cause struct {
	Class string `json:"class"`
	// Evidence is the sentence that weighed most for the class; Start and
	// End are its byte offsets in the text. Empty for unclassified without
	// an unknown-cause statement.
	Evidence string `json:"evidence,omitempty"`
	Start    int    `json:"start,omitempty"`
	End      int    `json:"end,omitempty"`
	// Unknown is set when the text says the cause is not yet known (under
	// investigation) and names no mechanism; Class is then unclassified.
	Unknown bool `json:"unknown,omitempty"`
	// Cue is the mechanism phrase of the decisive match, for labels.
	Cue string `json:"cue,omitempty"`
}

// cue is one pattern of a class. weight 3 is a cause mechanism ("misconfigured",
// "fiber cut", "surge in traffic"), 1 a component or context noun that only
// hints ("router", "database"); phrase is how a lead would name the mechanism.
type cue struct {
	re     *wordre.Regexp
	class  string
	index  int // of class in Classes
	weight float64
	phrase string
}

// causeCues are written from SRE practice (incident-analysis guides, the
// categories of the two studies), not fitted to a labeled set. Each line:
// class | weight | phrase | regular expression over lowercase text.
const causeCueTable = `
configuration|3|configuration changed without validation|\b(misconfigur\w*|mis-configur\w*|configuration (change|update|error|push|issue|mistake|drift)s?|config (change|push|update|error)s?|(incorrect|invalid|wrong|bad|erroneous|faulty|malformed|improper|inconsistent|incorrectly configured|misconfigured) (\w+ ){0,2}(configuration|config|setting|value|parameter|rule|limit|threshold|flag)s?|(improperly|incorrectly|wrongly|badly|erroneously) (configured|set)|configured (higher|lower|incorrectly|wrongly)|(configuration|config|setting)s? (was|were|had been) (changed|set|updated|modified|applied|pushed))\b
configuration|3|configuration changed without validation|\b((dns records?|routes?|routing (polic\w+|rules?)|acls?|firewall rules?|access control lists?|quotas?|timeouts?|network) (change|update|modification)s?|(updated|changed|modified|incorrect|wrong|removed|deleted) (the |a |an )?(dns records?|routes?|routing (polic\w+|rules?)|acls?|firewall rules?|access control lists?|quotas?|timeout values?))\b
configuration|3|configuration changed without validation|\b((was|wasn't|were|weren't|was not|were not|never|not) (properly |correctly )?(configured|set up)( (properly|correctly))?|(hard-coded|hardcoded)|wildcard (record|dns|entr\w+)?|(reduc|increas|lower|rais|chang)\w+ (the |a |an |our )?(\w+ ){0,2}(limit|timeout|threshold|size|setting|value)s? (to|from))\b
configuration|4|configuration changed without validation|\b((deploy\w*|rollout|roll-out|rolled out|release|update|maintenance|change|task|tool)s? (\w+ ){0,3}(introduced|contained|pushed|applied|deployed|rolled out|carried|included) (\w+ ){0,4}(configuration|config|setting|dns record|record|parameter|flag|rule)s?|(configuration|config|setting|parameter)s?( files?| changes?| updates?)? (was|were|had been|being) (deployed|rolled out|released|propagated|pushed out)|(deploy\w*|roll\w* out|push\w*|propagat\w*) (of )?(a |an |the |new |updated |incorrect |invalid |bad )*(configuration|config|setting)s?( files?| changes?| updates?)?)\b
configuration|3|feature flag turned on|\b(feature flags?|flag (was|were) (flipped|enabled|turned on|changed))\b
configuration|3|typo in a setting|\b(typos?|typographical error)\b
configuration|1|configuration|\b(configuration|config|settings?|parameters?)\b
deployment|3|a change rolled out broke it|\b((recent|new|faulty|bad|problematic) (deployment|release|rollout|roll-out|build|version|update|code change|change)s?|(deployment|rollout|release|update|upgrade) (of|to) (a |the )?(new|updated)|(was|were|had been) (deployed|rolled out|released)|code (change|push|deployment)s?|software (update|upgrade|release|rollout|deployment)s?|platform (update|upgrade)s?)\b
deployment|3|a change rolled out broke it|\b((introduced|added|landed) (in|by|during|with) (a |the )?(recent |new )?(refactor\w*|commit|change|pull request|pr|release|version|upgrade)|(recent |new )?refactor(ing)? of|version bump|newer (image|version)|(after|when) (\w+ ){1,3}(was|were) (updated|upgraded|deployed|released))\b
deployment|2|a change rolled out broke it|\b(deployments?|rollouts?|roll-outs?|upgrades?|canary|hotfix|release)\b
code-bug|3|a software bug|\b(bugs?|regressions?|software (issue|error|defect|flaw|fault|problem)s?|code (defect|issue|error|flaw|bug)s?|race conditions?|deadlocks?|null pointer|unhandled|uncaught|exceptions?|edge cases?|corner cases?|memory leaks?|infinite loop|logic (error|flaw|issue)s?|latent (issue|defect|bug)|incompatib\w+|not (backward|backwards) compatible|error handling|retry logic|programming error|defective code|software (failure|crash)|crash(ed|es)? (due to|because of) a (bug|defect))\b
code-bug|3|a software bug|\b(misbehav\w+ (code|process|service|container|pod|client)s?|version mismatch(es)?|dropped support|no longer (supported|compatible)|(was|were|became|got) (hung|stuck|deadlocked|unresponsive)|(daemon|process|service|server)s? (was |were )?hung)\b
code-bug|1|a software fault|\b(crash(ed|es|ing)?|panic(ked|s)?|segfault|assertion|stack overflow)\b
capacity-load|3|load beyond capacity|\b((increase|surge|spike|jump|rise|growth|burst|influx) (in|of) (traffic|load|requests?|demand|usage|connections|calls|volume|utilization)|(high|higher|heavy|heavier|excessive|elevated|unexpected|unprecedented|unusual|increased|significant) (cpu|memory|load|traffic|utilization|usage|request rate|demand|volume|resource (usage|utilization|consumption))|(resource|capacity|memory|cpu|disk|thread|connection|port)s? (exhaustion|exhausted|starvation|pressure|limits?)|exhaust(ed|ion)|overload\w*|over-load\w*|out of (memory|capacity|disk space)|insufficient (capacity|resources?|memory|headroom)|lack of (capacity|resources)|capacity (limit|constraint|issue|shortage)s?|(reached|exceeded|hit) (an? |the |its |their )?(operational |capacity |resource )?(threshold|limit|capacity|quota)s?|throttl\w+|thundering herd|retry storms?|load imbalance|hot ?spot|contention|saturat\w+|(connection|thread) pools?|larger than normal|heavier than normal|more quickly than normal|denial of service|ddos)\b
capacity-load|3|resources ran out|\b((ran|run|runs|running) out of|no space left|(disk|volume|partition|filesystem)s? (was |is |became |were )?full|oom[- ]?kill(ed|s|er)?|out-of-memory|oom|evict(ed|ions?)|too much (memory|ram|cpu|disk)|(memory|ram|cpu|disk|iops|file descriptor|inode)s? (limit|usage|consumption|pressure)s?|resource (limitation|constraint)s?)\b
capacity-load|3|load beyond capacity|\b((load|traffic|request|demand|usage|query|cpu|memory) (spikes?|surges?|bursts?|increases?)|(large|huge|massive|high|unusual|unexpected|significant) (amount|volume|number|rate)s? of (traffic|requests|load|queries|calls|connections|writes|reads)|additional load|without (sufficient|enough|adequate) (\w+ ){0,2}capacity|(lost|losing|loss of) (a |some |a subset of |part of |much of )?(the )?capacity|consum(ed|ing|es) (\w+ ){0,2}(cpu|memory|disk|bandwidth|resources|capacity))\b
capacity-load|1|load beyond capacity|\b(capacity|utilization|load|cpu|memory|quota)\b
dependency|3|a third party failed|\b(third[- ]party|3rd[- ]party|vendors?|(upstream|external|internet|network|cloud|dns|cdn) (service |transit )?providers?|isps?|suppliers?|partner (service|network)s?|external dependenc\w+|upstream dependenc\w+|provider'?s)\b
dependency|3|a third party failed|\b((outage|incident|disruption|degradation|failure|issue|problem)s? (in|of|at|with|on) (the )?(aws|amazon|gcp|google cloud|azure|cloudflare|github|fastly|akamai|heroku|digitalocean|quay\.io|docker hub|npm|pypi)( \w+){0,2}|(aws|amazon|gcp|google cloud|azure|cloudflare|github|fastly|akamai|heroku|digitalocean)('s)? (outage|incident|disruption|degradation|failure|issue)s?|recalled|upstream (bug|change|release|issue|regression|outage)s?|(vendor|provider)[- ]specific)\b
dependency|1|a dependency failed|\b(dependenc\w+|upstream)\b
hardware-infra|3|hardware or facility failure|\b(hardware (failure|fault|error|issue|problem|malfunction)s?|(network |hardware |physical )?(component|device|equipment) (failure|fault|malfunction)s?|(power|utility|electrical) (outage|failure|loss|disruption|event|fault|interruption|supply)s?|utility power|lost power|loss of power|power (was )?lost|generators?|transformers?|ups|uninterruptible power|voltage|lightning|storms?|severe weather|flood\w*|hurricane|earthquake|fire|cooling|chillers?|overheat\w*|temperatures?|humidity|thermal|(fiber|fibre)( optic)?( cable)?s? (cut|damage|break)|(fiber|fibre) (cut|damage|break)s?|cable (cut|damage)|(line card|power supply|disk|drive|nic|network card|memory module|hard drive|ssd|optic|transceiver)s? (failure|failed|fault|malfunction)s?|fail(ed|ure of) (a |an |the )?(line card|power supply|disk|drive|optic|transceiver|memory module|hard drive|ssd|physical)|faulty (hardware|device|component|cable|optic)s?|physical (network |infrastructure |hardware )?(damage|failure|issue|links?|infrastructure)|datacenter control system)\b
hardware-infra|3|hardware or facility failure|\b((breakers?|circuit breakers?) (\w+ )?(trip\w*|fail\w*)|(failure|loss) of (a |an |the )?(\w+ )?(line card|power supply|router|switch|device|optic|transceiver|host|server)s?|(device|router|switch|host|server|line card)s? (\w+ ){0,4}(experienced|suffered|had) (a |an )?(hardware |physical )?(fault|failure|malfunction)|(scheduled|routine|planned) (power|electrical|fiber) maintenance)\b
hardware-infra|1|hardware or facility failure|\b(hardware|data ?cent(er|re)s?|facility|facilities|rack|racks|firmware|fiber|fibre|physical|host nodes?)\b
network|3|network routing or connectivity failure|\b(bgp (sessions?|routes?|peers?|peering) (dropped|were dropped|was dropped|withdrawn|were withdrawn|flapped|lost|were lost|reset|went down|deleted|were deleted)|route (leak|withdraw\w*|advertis\w*|table)s?|routing (change|issue|error|problem|table|loop|calculation)s?|(network|connectivity) (partition|congestion|loss|issue|problem|failure|disruption|change|event|instability|flap\w*)s?|packet (loss|drop)s?|dropped packets|dns (resolution|failure|issue|error|misconfiguration)s?|name resolution|peering|partitioned|split brain|network (device|link)s? (became|was|were) (congested|unreachable))\b
network|1|network|\b(bgp|network\w*|routers?|switch(es)?|dns|load balancers?|firewalls?|links?|connectivity|latency|tcp|vpn|gateway)\b
data|3|bad data|\b(data (corruption|loss|inconsistenc\w+)|corrupt\w*|inconsistent (data|state|metadata)|malformed (data|input|payload|record|request)s?|invalid (data|input|record|payload)s?|schema (change|migration|mismatch)s?|data migration|bad data|stale (data|metadata|cache)|replication (lag|delay|inconsistenc\w+|error)s?|metadata (corruption|inconsistenc\w+))\b
data|1|data|\b(schema|metadata|replication|database|storage|records?|tables?|query|queries)\b
security|3|credentials or certificates failed|\b((certificate|cert|credential|key|token|secret|password)s?\b[^.;]{0,40}?\b(expir\w+|rotation|revoked|leak\w*)|expired (certificate|cert|credential|key|token|secret|password)s?|(authentication|authorization|auth) (failure|error|issue)s?|permissions? (change|issue|error)s?|access (control|denied|revoked)|vulnerabilit\w+|malicious|attack\w*|security (update|patch|incident|issue)s?)\b
security|1|security|\b(certificates?|credentials?|secrets?|permissions?|authentication|security)\b
process|3|an operational step went wrong|\b(human error|operator error|manual (error|step|change|intervention|operation|process)s?|manually|(inadvertently|accidentally|mistakenly|unintentionally|erroneously) (removed|deleted|disabled|shut|stopped|changed|applied|executed|ran|run|took|taken|decommissioned)|removed in error|by mistake|(maintenance|operational) (activity|activities|procedure|operation|error|task|event|workflow)s?|method of procedure|runbooks?|playbooks?|standard operating procedure|(was|were) (not followed|skipped)|decommission\w*|removal of|(script|command|tool)s? (ran|was run|was executed|removed|deleted))\b
process|1|an operational step went wrong|\b(maintenance|procedure|operator|engineer (ran|executed|removed|deleted))\b
`

// unknownCue marks statements that the cause is not yet known.
var unknownCue = wordre.MustCompile(`\b(investigating (the )?(full |underlying |exact |preliminary )?(root )?cause|(root )?cause (is|was|remains|has) (not yet|yet to be|still being|currently being|being|not been) (known|understood|determined|identified|investigated|confirmed)|(root )?cause (is |remains )?(unknown|under investigation|not yet known)|under investigation|not yet (known|understood|determined|clear)|continu\w+ to investigate|investigation is ongoing|investigation (is )?(still )?in progress|preliminary root cause|yet to be determined|no root cause)\b`)

// boilerplate are the stock openings of cloud-provider postmortems: they
// say who found the cause, not what it was, and are stripped before
// classifying and clustering.
var boilerplate = wordre.MustCompile(`\b((summary )?root cause( analysis)?( and mitigation)?\s*:|(after|upon|following|during) (a |an |the |our |further |initial |preliminary |an initial |a preliminary |thorough )*(investigation|analysis|review)s?,?|(our |the )?engineers? (have |had )?(quickly |subsequently |later |then |initially )?(identified|determined|found|discovered|observed|established|confirmed|detected|noticed|investigated|were (able to )?(identify|determine))( that)?|we (have |had )?(identified|determined|found|discovered|observed|established|confirmed|detected|noticed|believe)( that)?|(was|has been|have been|were) (identified|determined|found) (as|to be) (the|a) (potential|possible|likely|probable|preliminary|underlying)?\s*(root |underlying )?cause|as (the|a) (potential|possible|likely|probable|preliminary|underlying)\s*(root |underlying )?cause|it was (determined|identified|found|discovered) that)`)

// causalAfter marks a connective after which the cause is named ("... due
// to X"); causalBefore a verb before which it is ("X caused ...").
var (
	causalAfter  = wordre.MustCompile(`\b(due to|caused by|because( of)?|triggered by|as a result of|resulted from|resulting from|attributed to|stemm(ed|ing) from|originated (from|in)|root cause (was|is)|traced (back )?to|the result of|the cause (was|is))\b`)
	causalBefore = wordre.MustCompile(`\b(caus(ed|es|ing)|led to|lead to|leads to|resulted in|results in|triggered|broke|prevented|made|forced|stopped)\b`)
	// sentenceEnd is where a sentence ends; sentenceEnds finds its matches
	// without running it (it was a quarter of the classifier's time).
	sentenceEnd = regexp.MustCompile(`[.!?;]+(\s+|$)|\n+`)
)

// classKeys maps the table's class keys to the class names.
var classKeys = map[string]string{
	"configuration": ClassConfig, "deployment": ClassDeployment, "code-bug": ClassCodeBug,
	"capacity-load": ClassCapacity, "dependency": ClassDependency, "hardware-infra": ClassHardware,
	"network": ClassNetwork, "data": ClassData, "security": ClassSecurity, "process": ClassProcess,
}

// Classifier assigns cause classes. It is read-only once built and safe for
// concurrent use.
type Classifier struct {
	cues []cue
	// set runs the cues and then causalAfter, causalBefore and unknownCue
	// in one pass over a text.
	set *wordre.Set
}

// NewClassifier compiles the cue table.
func NewClassifier() *Classifier {
	c := &Classifier{}
	for _, line := range strings.Split(causeCueTable, "\n") {
		parts := strings.SplitN(strings.TrimSpace(line), "|", 4)
		if len(parts) != 4 {
			continue
		}
		w := 1.0
		switch parts[1] {
		case "2":
			w = 2
		case "3":
			w = 3
		case "4":
			w = 4 // a mechanism more specific than a weight-3 one it contains
		}
		cu := cue{re: wordre.MustCompile(parts[3]), class: classKeys[parts[0]], weight: w, phrase: parts[2]}
		cu.index = classOrder(cu.class)
		c.cues = append(c.cues, cu)
	}
	var res []*wordre.Regexp
	for _, cu := range c.cues {
		res = append(res, cu.re)
	}
	c.set = wordre.NewSet(append(res, causalAfter, causalBefore, unknownCue)...)
	return c
}

// hintShare is the weight of a component or context hint (a weight-1 or
// weight-2 cue) next to a mechanism: the cause mechanism is weighed above the
// component where it showed.
const hintShare = 0.3

// minClassScore is the least total weight that names a class: one
// mechanism cue, or component hints in several sentences.
const minClassScore = 1

// StripBoilerplate removes the stock investigation phrases of provider
// postmortems ("engineers identified ...", "... as the potential root
// cause"), keeping the offsets of the rest aligned by blanking them out.
func StripBoilerplate(text string) string {
	ms := boilerplate.FindAllStringIndex(asciiLower(text), -1)
	if len(ms) == 0 {
		return text
	}
	b := []byte(text)
	for _, m := range ms {
		for i := m[0]; i < m[1]; i++ {
			b[i] = ' '
		}
	}
	return string(b)
}

type span struct{ start, end int }

// sentenceEnds is sentenceEnd.FindAllStringIndex(s, -1): a run of . ! ? ;
// followed by whitespace (taken with it) or the end, or a run of newlines.
// A run of punctuation followed by anything else ends nothing, wherever in
// the run the pattern starts.
func sentenceEnds(s string) [][]int {
	var out [][]int
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == '.' || c == '!' || c == '?' || c == ';':
			j := i
			for j < len(s) && (s[j] == '.' || s[j] == '!' || s[j] == '?' || s[j] == ';') {
				j++
			}
			k := j
			for k < len(s) && isRESpace(s[k]) {
				k++
			}
			if j == len(s) || k > j {
				out = append(out, []int{i, k})
				i = k
				continue
			}
			i = j
		case c == '\n':
			k := i
			for k < len(s) && s[k] == '\n' {
				k++
			}
			out = append(out, []int{i, k})
			i = k
		default:
			i++
		}
	}
	return out
}

// isRESpace is Go regexp's \s: tab, newline, form feed, carriage return,
// space.
func isRESpace(c byte) bool {
	return c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func sentences(text string) []span {
	var out []span
	start := 0
	for _, m := range sentenceEnds(text) {
		if m[0] > start {
			out = append(out, span{start, m[0]})
		}
		start = m[1]
	}
	if start < len(text) {
		out = append(out, span{start, len(text)})
	}
	return out
}

// Classify returns the cause class of a factor text. Each sentence is
// scanned for the cues of every class; a cue on the cause side of a causal
// connective ("due to X", "X caused") counts double and one on the effect
// side counts 0.6, so the mechanism outweighs the symptom and the component
// it hit. The class with the highest total wins if it reaches
// minClassScore; its evidence is the sentence that gave it the most. A
// text that says its cause is not yet known and names no mechanism cue is
// unclassified and marked Unknown.
func (c *Classifier) Classify(text string) Cause {
	return c.classify(text, StripBoilerplate(text))
}

// classify is Classify given StripBoilerplate(text) as stripped.
func (c *Classifier) classify(text, stripped string) Cause {
	// ASCII lowercasing keeps byte offsets aligned with text.
	lower := asciiLower(stripped)
	sents := sentences(lower)
	if len(sents) == 0 {
		return Cause{Class: ClassUnclassified}
	}
	sentenceOf := func(pos int) int {
		return max(sort.Search(len(sents), func(i int) bool { return sents[i].end > pos }), 0)
	}
	// The first causal connective of each sentence.
	after := make([]int, len(sents))
	before := make([]int, len(sents))
	for i := range sents {
		after[i], before[i] = -1, -1
	}
	prepared := wordre.NewText(lower)
	all := c.set.FindAllIn(&prepared)
	n := len(c.cues)
	for _, m := range all[n] { // causalAfter
		if si := sentenceOf(m[0]); si < len(sents) && after[si] < 0 {
			after[si] = m[1]
		}
	}
	for _, m := range all[n+1] { // causalBefore
		if si := sentenceOf(m[0]); si < len(sents) && before[si] < 0 {
			before[si] = m[0]
		}
	}
	unknownAt := -1
	if ms := all[n+2]; len(ms) > 0 { // unknownCue: its first match
		unknownAt = min(sentenceOf(ms[0][0]), len(sents)-1)
	}
	// Per sentence and class: the strongest mechanism match, plus a little
	// for each further match, so a long text that names a component many
	// times does not outweigh one mechanism.
	type acc struct {
		mech, hint, extra float64
		cue               string
		seen              bool
	}
	nc := len(Classes)
	per := make([]acc, len(sents)*nc)
	mechanism := false
	for ci, cu := range c.cues {
		for _, m := range all[ci] {
			si := sentenceOf(m[0])
			if si >= len(sents) {
				continue
			}
			w := cu.weight
			a, b := after[si], before[si]
			if a >= 0 {
				b = -1 // "X due to Y": the cause follows the connective
			}
			switch {
			case a >= 0 && m[0] >= a, b >= 0 && m[1] <= b:
				w *= 2
			case a >= 0 || b >= 0:
				w *= 0.6
			}
			x := &per[si*nc+cu.index]
			x.seen = true
			if cu.weight < 3 {
				if w > x.hint {
					x.extra += x.hint * 0.1
					x.hint = w
					if x.mech == 0 {
						x.cue = cu.phrase
					}
				}
				continue
			}
			mechanism = true
			if w > x.mech {
				x.extra += x.mech * 0.25
				x.mech = w
				x.cue = cu.phrase
			} else {
				x.extra += w * 0.25
			}
		}
	}
	type best struct {
		w   float64
		si  int
		cue string
	}
	score := make([]float64, nc)
	top := make([]best, nc)
	for si := range sents {
		for ci := 0; ci < nc; ci++ {
			x := per[si*nc+ci]
			if !x.seen {
				continue
			}
			w := x.mech + x.extra + hintShare*x.hint
			score[ci] += w
			if top[ci].cue == "" || w > top[ci].w {
				top[ci] = best{w: w, si: si, cue: x.cue}
			}
		}
	}
	win := -1
	for ci := range score {
		if score[ci] > 0 && (win < 0 || score[ci] > score[win]) {
			win = ci
		}
	}
	if unknownAt >= 0 && !mechanism {
		return evidence(text, sents[unknownAt], Cause{Class: ClassUnclassified, Unknown: true, Cue: "cause not yet known"})
	}
	if win < 0 || score[win] < minClassScore {
		return Cause{Class: ClassUnclassified}
	}
	return evidence(text, sents[top[win].si], Cause{Class: Classes[win], Cue: top[win].cue})
}

// evidence sets c's evidence to the sentence sp of text, trimmed.
func evidence(text string, sp span, c Cause) Cause {
	ev := text[sp.start:sp.end]
	lead := len(ev) - len(strings.TrimLeft(ev, " \t\r\n"))
	ev = strings.TrimSpace(ev)
	c.Evidence, c.Start, c.End = ev, sp.start+lead, sp.start+lead+len(ev)
	return c
}

// asciiLower lowercases ASCII letters only, so every byte offset of the
// result is the same as in s.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func classOrder(cl string) int {
	for i, c := range Classes {
		if c == cl {
			return i
		}
	}
	return len(Classes)
}
