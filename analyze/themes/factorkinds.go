package themes

import "strings"

// factorKinds name the themes formed from the words whose factors share no
// cause class. In postmortems those are mostly factors of the response and
// the organization around the failure rather than its mechanism: how it was
// (not) detected, how changes reach production, clients whose retries
// multiplied the load, the pressure people worked under, what the
// dashboards showed, what the responders knew, what was
// tested, the on-call load, who owned what. These are the contributing-factor
// families of incident-analysis practice (for example the contributing
// factors of Google's SRE postmortem template and the Learning from
// Incidents community's categories); the cues were written from that domain
// knowledge, not from a labeled data set. Each cue matches a top term that
// starts with it ("alert" matches "alerts" and "alerting").
var factorKinds = []struct {
	phrase string
	cues   []string
}{
	{"gaps in detection and alerting", []string{"alert", "alarm", "detect", "monitor", "paged", "notic", "symptom", "angry", "customer report"}},
	{"deploys and rollouts without safeguards", []string{"deploy", "pipeline", "rollout", "roll out", "canary", "rollback", "release", "health check", "health gate"}},
	{"retries that amplified the load", []string{"retr", "client", "backoff", "jitter", "thundering", "reconnect", "storm", "amplif", "loop"}},
	{"work under deadline pressure", []string{"deadline", "pressure", "rush", "hurr", "launch", "crunch", "skipped", "shortcut"}},
	{"dashboards that hid the problem", []string{"graph", "dashboard", "looked normal", "visibility", "blind", "wrong thing", "metric"}},
	{"missing or outdated runbooks", []string{"runbook", "playbook", "documentation", "outdated", "knowledge", "tribal"}},
	{"gaps in testing", []string{"test", "coverage", "staging", "untested"}},
	{"on-call load and handoffs", []string{"on-call", "oncall", "fatigue", "handoff", "handover", "shift", "tired", "overnight"}},
	{"unclear ownership", []string{"owner", "ownership", "unowned", "nobody"}},
}

// factorKindMinScore is how much of a theme's top terms a kind must cover:
// each matching term counts 1/(rank+1), so the first term with a third,
// or the second, third and fourth together with the fifth just under it.
const factorKindMinScore = 1.3

// factorKindPhrase names a theme from its top terms (most characteristic
// first) when they are mostly the cues of one factor kind; "" otherwise.
func factorKindPhrase(top []string) string {
	best, bestScore := "", 0.0
	for _, k := range factorKinds {
		score := 0.0
		for r, term := range top {
			term = strings.ToLower(term)
			for _, c := range k.cues {
				if strings.HasPrefix(term, c) {
					score += 1 / float64(r+1)
					break
				}
			}
		}
		if score > bestScore {
			best, bestScore = k.phrase, score
		}
	}
	if bestScore < factorKindMinScore {
		return ""
	}
	return best
}
