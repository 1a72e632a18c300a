package themes

import "strings"

// The cause lexicon: families of contributing factors that site reliability
// practice recognises (the categories of incident-analysis guides and
// public outage taxonomies), each with phrases that signal it. It was
// written from that domain knowledge, not from any labeled data set. A text
// gets one extra feature per family it mentions, so two factors that
// describe the same kind of cause in different words end up close.
const causeLexicon = `
config-change: config; typo; feature flag; flag; toggle; parameter; yaml; acl; allowlist; whitelist; blocklist; manifest; invalid config; wrong value; incorrect value
code-change: deploy; upgrade; code change; rollback; canary; migration; new version; bad push
software-bug: bug; race condition; deadlock; null pointer; exception; crash; infinite loop; edge case; corner case; leak; unhandled; error handling; incompatible; incompatibility; retry logic
capacity: capacity; overload; oom; memory; cpu; disk space; disk full; quota; throttle; thread pool; connection pool; file descriptor; autoscal; insufficient; shortage; contention
traffic-surge: surge; demand; flood; retry storm; thundering herd; ddos; attack; request volume; abuse; flash crowd; unexpected traffic; heavy load; high load; traffic surge
hardware: hardware; firmware; rack; memory module; nic; hardware failure; power supply; disk failure; drive failure; failed disk; faulty hardware
facility: power; cooling; facility; fire; weather; lightning; grid; breaker; battery; fiber; fiber cut; power outage
network: network; router; bgp; routing; packet loss; backbone; peering; dns; load balancer; lb; partition; bandwidth; transit; interconnect
dependency: vendor; third party; upstream; dependency; partner; cdn; saas
cert-time: cert; expire; leap second; clock; clock skew; time zone; daylight saving; ntp
data-store: database; replica; failover; schema; query; corruption; backup; restore; consistency
removal: delete; wipe; cleanup; clean up; deprecat; retire
human-process: operator; manual; human error; runbook; playbook; procedure; maintenance; mistake
security: security; credential; secret; auth; authentication; authorization; permission; vulnerability; certificate authority; api key; access token
`

// lexicon maps normalized term sequences to cause families.
type lexicon struct {
	families []string
	// byFirst indexes triggers by their first term.
	byFirst map[string][]trigger
}

type trigger struct {
	terms  []string
	family int
}

func newLexicon(nz *normalizer) *lexicon {
	lx := &lexicon{byFirst: map[string][]trigger{}}
	for _, line := range strings.Split(causeLexicon, "\n") {
		name, phrases, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		fam := len(lx.families)
		lx.families = append(lx.families, strings.TrimSpace(name))
		for _, p := range strings.Split(phrases, ";") {
			var terms []string
			for _, t := range nz.tokens(p) {
				terms = append(terms, t.term)
			}
			if len(terms) == 0 {
				continue
			}
			lx.byFirst[terms[0]] = append(lx.byFirst[terms[0]], trigger{terms, fam})
		}
	}
	return lx
}

// match counts, per family, the triggers found in a normalized term
// sequence. A family counts each position at most once.
func (lx *lexicon) match(toks []token, counts []float64) {
	for i := range toks {
		seen := uint64(0)
		for _, tr := range lx.byFirst[toks[i].term] {
			if i+len(tr.terms) > len(toks) {
				continue
			}
			ok := true
			for j := 1; j < len(tr.terms); j++ {
				if toks[i+j].term != tr.terms[j] {
					ok = false
					break
				}
			}
			if ok && seen&(1<<uint(tr.family)) == 0 {
				seen |= 1 << uint(tr.family)
				counts[tr.family]++
			}
		}
	}
}
