package postmortem

import (
	"regexp"
	"strings"
)

// defaultHeadings are the headings the renderers write for each template
// section.
var defaultHeadings = map[string]string{
	SectionSummary:             "Summary",
	SectionImpact:              "Impact",
	SectionTimeline:            "Timeline",
	SectionDetection:           "Detection",
	SectionContributingFactors: "Contributing Factors",
	SectionWentWell:            "What Went Well",
	SectionWentPoorly:          "What Went Poorly",
	SectionLucky:               "Where We Got Lucky",
	SectionActionItems:         "Action Items",
	SectionLessons:             "Lessons Learned",
}

// DefaultHeading returns the template heading for a canonical section name
// ("contributing_factors" -> "Contributing Factors"), or "" for an unknown name.
func DefaultHeading(name string) string {
	return defaultHeadings[name]
}

// sectionPatterns match a normalized heading (see normalizeHeading) as a
// whole. They are tried in order; the first match wins.
var sectionPatterns = []struct {
	name string
	re   *regexp.Regexp
}{
	{SectionSummary, regexp.MustCompile(`^(?:(?:executive|incident|issue|event|brief|overall) )?(?:summary|overview|tl ?dr|tldr|synopsis|abstract)(?: of (?:the )?(?:incident|issue|event|outage))?$`)},
	{SectionImpact, regexp.MustCompile(`^(?:(?:customer|customers|user|users|business|service|incident) )?impacts?(?: (?:summary|assessment|analysis|details|and scope))?$|^(?:summary|description|detailed description|scope) of impact$|^who was (?:affected|impacted)$|^(?:affected|impacted) (?:services|customers|users|systems)$`)},
	{SectionTimeline, regexp.MustCompile(`^(?:(?:incident|event|detailed) )?(?:timeline|chronology)(?: of events)?$|^sequence of events$`)},
	{SectionDetection, regexp.MustCompile(`^(?:incident )?(?:detection|discovery)(?: and (?:alerting|response|escalation))?$|^alerting and detection$|^how (?:was|were|did) (?:it|we|the incident|the issue|the outage|this|the problem) (?:get )?(?:detected|discovered|noticed|found|alerted|notified)$|^how (?:we|did we) (?:detect(?:ed)?|discover(?:ed)?|notice(?:d)?|f(?:i|ou)nd out)(?: (?:it|the incident|the issue|the problem))?$`)},
	{SectionContributingFactors, regexp.MustCompile(`^(?:(?:preliminary|primary|underlying|technical|detailed|final) )?(?:root causes?|causes?|contributing factors?|causal factors?|triggers?|root cause analysis|rca)(?: and (?:contributing factors?|triggers?|mitigation|resolution|remediation))?$|^what went wrong$|^why (?:did )?(?:it|this) happen(?:ed)?$|^(?:factors|contributors)$`)},
	{SectionWentWell, regexp.MustCompile(`^(?:what|things that|where we|what we did) (?:went|did|got) (?:well|right)$|^what went right$|^went well$|^successes$`)},
	{SectionWentPoorly, regexp.MustCompile(`^(?:what|things that) (?:went (?:poorly|badly|less well)|didn ?t go (?:so |as )?well|could (?:have gone|be done) better)$|^what could be improved$|^where we (?:were|got) unlucky$|^went poorly$|^(?:areas|opportunities) for improvement$`)},
	{SectionLucky, regexp.MustCompile(`^where (?:we|i) (?:got|were|was) lucky$|^(?:we got |got )?lucky$|^luck$|^what was lucky$|^lucky breaks$`)},
	{SectionActionItems, regexp.MustCompile(`^(?:follow ?ups?|follow ?up (?:actions|action items|items|tasks|work)|action items?|actions(?: taken)?|remediations?(?: (?:items|actions|and prevention|steps))?|(?:next|remediation) steps|corrective (?:actions|measures)|prevent(?:ion|ative|ive) (?:actions|measures)|prevention|repair items|improvements|tasks|todos?|how we will prevent (?:this|it|recurrence)|preventing recurrence)$`)},
	{SectionLessons, regexp.MustCompile(`^(?:(?:key|main) )?(?:lessons?(?: learn(?:ed|t))?|learnings?|takeaways?|key learnings)$`)},
}

var (
	reHeadingNumber = regexp.MustCompile(`^(?:(?:section|part|step)\s+)?(?:\d+(?:\.\d+)*|[ivx]+|[a-h])[.):]?\s+`)
	reNonWord       = regexp.MustCompile(`[^\p{L}\p{N}]+`)
	reParenthetical = regexp.MustCompile(`\([^()]*\)`)
)

var headingReplacer = strings.NewReplacer("(s)", "s", "&", " and ", "’", "", "'", "", "`", "")

// normalizeHeading folds a heading for matching: lower case, numbering
// ("3.", "2.1", "IV.") and punctuation removed, "(s)" and "&" spelled out.
func normalizeHeading(h string) string {
	if n, ok := normalizeSimpleHeading(h); ok {
		return n
	}
	s := strings.ToLower(strings.TrimSpace(h))
	s = headingReplacer.Replace(s)
	// Numbering: "3. timeline", "3) timeline", "iv. timeline", "section 2: impact".
	// A bare single letter is only numbering when followed by a dot or bracket.
	if m := reHeadingNumber.FindString(s); m != "" {
		rest := s[len(m):]
		word := strings.TrimSpace(strings.TrimRight(m, ".):\t "))
		isLetter := len(word) == 1 && word[0] >= 'a' && word[0] <= 'h'
		if rest != "" && (!isLetter || strings.ContainsAny(m, ".)")) {
			s = rest
		}
	}
	s = reParenthetical.ReplaceAllString(s, " ") // "Timeline (UTC)", "Root Cause (updated 27 Apr)"
	s = reNonWord.ReplaceAllString(s, " ")
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, " section")
	s = strings.TrimPrefix(s, "the ")
	return s
}

// normalizeSimpleHeading is the fast path of normalizeHeading for the common
// heading of ASCII letters and spaces that does not start like numbering;
// ok is false for anything else.
func normalizeSimpleHeading(h string) (string, bool) {
	buf := make([]byte, 0, len(h))
	space := false
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c >= 'a' && c <= 'z':
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c == ' ' || c == '\t':
			space = len(buf) > 0
			continue
		default:
			return "", false
		}
		if space {
			buf = append(buf, ' ')
			space = false
		}
		buf = append(buf, c)
	}
	s := string(buf)
	first, _, _ := strings.Cut(s, " ")
	if strings.Trim(first, "ivx") == "" || first == "section" || first == "part" || first == "step" {
		return "", false // roman numbering or a "Section 2" prefix: the full rules apply
	}
	s = strings.TrimSuffix(s, " section")
	s = strings.TrimPrefix(s, "the ")
	return s, true
}

// CanonicalSection maps a heading as written ("3. Root Cause(s)",
// "Follow-ups", "TL;DR") to its canonical template section name, or "" when
// the heading is not one of the template's sections.
func CanonicalSection(heading string) string {
	if len(heading) > 120 {
		return ""
	}
	return canonicalNormalized(normalizeHeading(heading))
}

// canonicalNormalized is CanonicalSection for a heading already normalized.
func canonicalNormalized(n string) string {
	if n == "" || len(n) > 80 {
		return ""
	}
	if name, ok := exactSections[n]; ok {
		return name
	}
	if !containsAny(n, sectionStems) {
		return ""
	}
	return matchSectionPatterns(n)
}

func matchSectionPatterns(n string) string {
	for _, p := range sectionPatterns {
		if p.re.MatchString(n) {
			return p.name
		}
	}
	return ""
}

// exactSections short-cuts sectionPatterns for the most common headings
// (normalized); TestExactSectionsAgreeWithPatterns keeps the two in step.
var exactSections = func() map[string]string {
	m := map[string]string{}
	for name, h := range defaultHeadings {
		m[normalizeHeading(h)] = name
	}
	for name, hs := range map[string][]string{
		SectionSummary:             {"overview", "executive summary", "tl dr", "tldr", "incident summary", "issue summary"},
		SectionImpact:              {"customer impact", "summary of impact", "user impact"},
		SectionTimeline:            {"chronology", "incident timeline"},
		SectionContributingFactors: {"root cause", "root causes", "causes", "contributing factor", "root cause and mitigation", "preliminary root cause", "what went wrong"},
		SectionWentWell:            {"went well", "what went right"},
		SectionWentPoorly:          {"what didnt go well", "what went badly"},
		SectionLucky:               {"luck", "lucky"},
		SectionActionItems:         {"follow ups", "follow up", "next steps", "remediation", "remediation and prevention", "action item"},
		SectionLessons:             {"lessons", "learnings", "takeaways", "lesson learned"},
	} {
		for _, h := range hs {
			m[h] = name
		}
	}
	return m
}()

// sectionStems are substrings of which every heading that one of
// sectionPatterns matches contains at least one; most other headings are
// rejected without running the expressions.
var sectionStems = []string{
	"summary", "overview", "tl", "synopsis", "abstract", "impact", "affected", "timeline", "chronology",
	"sequence", "detect", "discover", "notic", "found", "alert", "notif", "find", "cause", "factor", "trigger",
	"rca", "wrong", "happen", "contributor", "well", "right", "success", "poorly", "badly", "better", "improve",
	"luck", "follow", "action", "remediation", "steps", "corrective", "prevent", "repair", "task", "todo",
	"lesson", "learn", "takeaway",
}

// knownOtherHeadings are headings outside the template that plain-text
// postmortems commonly write as "Heading: text" (normalized). They end a
// section in the plain-text fallback but map to Name "".
var knownOtherHeadings = map[string]bool{
	"mitigation": true, "recovery": true, "resolution": true, "workaround": true, "background": true,
	"context": true, "conclusion": true, "in closing": true, "closing": true, "provide feedback": true,
	"appendix": true, "references": true, "status": true, "current status": true, "update": true,
	"services affected": true, "affected region": true, "affected regions": true,
}

// isKnownLabel reports whether a "Label:" names a section: a template section
// or a commonly used other heading.
func isKnownLabel(label string) bool {
	if len(label) > 120 {
		return false
	}
	n := normalizeHeading(label)
	return knownOtherHeadings[n] || canonicalNormalized(n) != ""
}

// sectionNames memoizes CanonicalSection for the headings of one document.
type sectionNames map[string]string

func (c sectionNames) of(heading string) string {
	if n, ok := c[heading]; ok {
		return n
	}
	n := CanonicalSection(heading)
	c[heading] = n
	return n
}
