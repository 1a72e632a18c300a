package themes

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// synthThemes are made-up factor vocabularies for tests and benchmarks.
var synthThemes = []struct {
	name  string
	words []string
}{
	{"cert", []string{"certificate", "expired", "TLS", "renewal", "handshake", "cert", "expiry", "issuer", "chain", "ssl"}},
	{"disk", []string{"disk", "full", "volume", "storage", "inode", "logs", "filled", "space", "partition", "retention"}},
	{"config", []string{"configuration", "misconfigured", "flag", "typo", "setting", "yaml", "config", "value", "parameter", "validation"}},
	{"capacity", []string{"capacity", "overloaded", "cpu", "saturated", "exhausted", "pool", "threads", "quota", "limit", "headroom"}},
	{"network", []string{"network", "bgp", "router", "packet", "loss", "link", "routing", "switch", "fiber", "latency"}},
	{"deploy", []string{"deploy", "rollout", "release", "canary", "regression", "version", "rollback", "build", "binary", "pipeline"}},
	{"database", []string{"database", "replica", "replication", "lag", "primary", "failover", "query", "index", "deadlock", "schema"}},
	{"dependency", []string{"vendor", "third-party", "upstream", "provider", "api", "outage", "dependency", "sla", "external", "partner"}},
}

var synthFiller = []string{"the", "service", "was", "during", "peak", "hours", "and", "team", "noticed", "alerts", "in", "production", "after", "change", "on", "cluster", "region", "requests"}

// synthItems makes n factor texts from the first k synthetic themes and
// returns them with their theme as ground truth.
func synthItems(n, k int, seed uint64) ([]Item, []string) {
	rng := rand.New(rand.NewPCG(seed, 7))
	items := make([]Item, n)
	truth := make([]string, n)
	for i := range items {
		th := synthThemes[rng.IntN(k)]
		var words []string
		for j := 0; j < 6+rng.IntN(6); j++ {
			if rng.Float64() < 0.6 {
				words = append(words, th.words[rng.IntN(len(th.words))])
			} else {
				words = append(words, synthFiller[rng.IntN(len(synthFiller))])
			}
		}
		items[i] = Item{ID: fmt.Sprintf("f%06d", i), Text: strings.Join(words, " ") + "."}
		truth[i] = th.name
	}
	return items, truth
}
