package themes

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// term normalization: lowercase word tokens, stopwords dropped, failure
// vocabulary folded onto one canonical term (config/configuration/
// misconfigured -> config), the rest reduced by a light suffix stemmer.

// stopwords are English function words plus words that every postmortem
// uses whatever went wrong (outage, customers, impact, times and dates).
const stopwordList = `a about above after again against all also am an and any are aren't as at be because been
before being below between both but by can cannot could couldn't did didn't do does doesn't doing don't down during
each few for from further had hadn't has hasn't have haven't having he her here hers herself him himself his how i
if in into is isn't it it's its itself just let's me more most mustn't my myself no nor not now of off on once only
or other ought our ours ourselves out over own same shan't she should shouldn't so some such than that that's the
their theirs them themselves then there there's these they this those through to too under until up upon very was
wasn't we were weren't what when where which while who whom why will with won't would wouldn't you your yours
yourself yourselves however therefore thus although though within without via per may might must shall also
across along among around since whether yet either neither one two three four five six seven eight nine ten
first second third new several many much another due result resulted resulting cause caused causing causes led
lead leading outage outages incident incidents issue issues problem problems impact impacted impacting affected
affecting customer customers user users service services event events time times minute minutes hour hours day
days week weeks month months year years utc pst pdt est edt gmt am pm approximately around including include
includes included experienced experience experiencing began begin started start occurred occur subsequently
following later earlier during able unable some number small large set part portion total within already still
us customers' i.e e.g etc mon tue wed thu fri sat sun monday tuesday wednesday thursday friday saturday sunday
january february march april may june july august september october november december jan feb mar apr jun jul
aug sep sept oct nov dec today yesterday`

func toSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// buildSynonyms returns the folding table. Each line is "canonical: forms".
func buildSynonyms() map[string]string {
	const table = `
config: config configs configuration configurations configured configuring configure misconfiguration misconfigurations misconfigured misconfig cfg setting settings
deploy: deploy deploys deployed deploying deployment deployments rollout rollouts release releases released releasing redeploy redeployed
upgrade: upgrade upgrades upgraded upgrading update updates updated updating patch patches patched patching
cert: cert certs certificate certificates tls ssl x509
expire: expire expires expired expiry expiration expiring
overload: overload overloaded overloading overwhelmed saturated saturation saturate exhausted exhaustion exhaust starvation starved contention
capacity: capacity headroom
oom: oom out-of-memory
surge: surge surges spike spikes spiked burst bursts influx
ddos: ddos dos
database: database databases db dbs mysql postgres postgresql sql rds
dns: dns resolver resolvers nameserver nameservers
network: network networks networking connectivity
power: power ups generator generators electrical utility
cooling: cooling chiller chillers hvac overheating overheated thermal temperature temperatures
fiber: fiber fibre fibers fibres cable cables
bug: bug bugs defect defects regression regressions flaw flaws
delete: delete deletes deleted deleting deletion deletions removal removed remove removing decommission decommissioned decommissioning purge purged
vendor: vendor vendors provider providers supplier suppliers isp isps third-party 3rd-party
fail: fail fails failed failing failure failures
crash: crash crashes crashed crashing panic panics panicked segfault
leak: leak leaks leaked leaking
latency: latency latencies slowness slow slowdown
throttle: throttle throttled throttling ratelimit ratelimited rate-limited
disk: disk disks drive drives ssd ssds hdd
host: host hosts server servers machine machines node nodes instance instances vm vms
router: router routers switch switches
lb: lb lbs loadbalancer loadbalancers
replica: replica replicas replication replicated replicating
failover: failover failovers
operator: operator operators engineer engineers technician technicians
typo: typo typos
manual: manual manually
`
	m := map[string]string{}
	for _, line := range strings.Split(table, "\n") {
		canon, forms, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		canon = strings.TrimSpace(canon)
		for _, f := range strings.Fields(forms) {
			m[f] = canon
		}
	}
	return m
}

// normalizer turns text into canonical terms. It is built once per Cluster
// call and is read-only afterwards, so it is safe for concurrent use.
type normalizer struct {
	syn  map[string]string
	stop map[string]bool
}

func newNormalizer() *normalizer {
	return &normalizer{syn: buildSynonyms(), stop: toSet(stopwordList)}
}

// rawWords splits text into lowercase word tokens. Hyphenated words are
// kept whole when the whole form is known (rate-limited), else split.
func rawWords(text string) []string {
	var out []string
	start := -1
	lower := strings.ToLower(text)
	for i, r := range lower {
		ok := unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '-'
		if ok && start < 0 {
			start = i
		}
		if !ok && start >= 0 {
			out = append(out, lower[start:i])
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, lower[start:])
	}
	return out
}

// token is one normalized term and whether a stopword or punctuation gap
// preceded it (bigrams never span a gap).
type token struct {
	term    string
	surface string
	gap     bool
}

// tokens returns the normalized content terms of text in order.
func (nz *normalizer) tokens(text string) []token {
	var out []token
	gap := true
	for _, w := range rawWords(text) {
		w = strings.Trim(w, "'-")
		if w == "" {
			continue
		}
		if c, ok := nz.syn[w]; ok {
			out = append(out, token{c, c, gap})
			gap = false
			continue
		}
		if strings.Contains(w, "-") {
			for _, p := range strings.Split(w, "-") {
				if t, ok := nz.word(p); ok {
					out = append(out, token{t, p, gap})
					gap = false
				} else {
					gap = true
				}
			}
			continue
		}
		if t, ok := nz.word(w); ok {
			out = append(out, token{t, w, gap})
			gap = false
		} else {
			gap = true
		}
	}
	return out
}

func (nz *normalizer) word(w string) (string, bool) {
	w = strings.TrimSuffix(strings.Trim(w, "'"), "'s")
	if utf8.RuneCountInString(w) < 2 || nz.stop[w] || isNumberish(w) {
		return "", false
	}
	if c, ok := nz.syn[w]; ok {
		return c, true
	}
	s := stem(w)
	if c, ok := nz.syn[s]; ok {
		return c, true
	}
	return s, true
}

// isNumberish reports tokens that carry no theme: numbers, versions, ids.
func isNumberish(w string) bool {
	digits := 0
	for _, r := range w {
		if unicode.IsDigit(r) {
			digits++
		}
	}
	return digits*2 >= len(w)
}

// stem is a light English suffix stripper (a subset of Porter's rules). It
// only has to map the inflections of one word onto one stem; stems need not
// be words.
func stem(w string) string {
	if len(w) <= 4 {
		return w
	}
	for _, s := range []struct{ suf, rep string }{
		{"ational", "ate"}, {"ations", ""}, {"ation", ""}, {"ments", ""}, {"ment", ""},
		{"nesses", ""}, {"ness", ""}, {"ities", ""}, {"ity", ""}, {"ingly", ""}, {"edly", ""},
		{"ings", ""}, {"ing", ""}, {"ies", "y"}, {"ied", "y"}, {"sses", "ss"}, {"ed", ""},
		{"ly", ""}, {"es", "e"}, {"s", ""},
	} {
		if !strings.HasSuffix(w, s.suf) {
			continue
		}
		base := w[:len(w)-len(s.suf)] + s.rep
		if len(base) < 3 {
			continue
		}
		if s.suf == "s" && (strings.HasSuffix(w, "ss") || strings.HasSuffix(w, "us") || strings.HasSuffix(w, "is")) {
			return trimE(w)
		}
		if (s.suf == "ed" || s.suf == "ing" || s.suf == "ings" || s.suf == "edly" || s.suf == "ingly") && !hasVowel(base) {
			return trimE(w)
		}
		w = base
		// dropped -> drop, running -> run
		if n := len(w); n >= 4 && w[n-1] == w[n-2] && !strings.ContainsRune("aeiouslz", rune(w[n-1])) {
			w = w[:n-1]
		}
		break
	}
	return trimE(w)
}

func trimE(w string) string {
	if len(w) > 4 && strings.HasSuffix(w, "e") {
		return w[:len(w)-1]
	}
	return w
}

func hasVowel(s string) bool { return strings.ContainsAny(s, "aeiouy") }
