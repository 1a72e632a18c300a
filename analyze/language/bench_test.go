package language

import (
	"strings"
	"testing"
)

// benchText is made-up postmortem prose (about 1 KiB).
const benchText = `At 10:02 UTC the checkout API began returning 503s after a configuration change to the
payments gateway. The on-call engineer was paged at 10:04 and acknowledged at 10:06. The change set the
connection pool size to 0 on every host at once, e.g. in us-east-1 and eu-west-1. Version 2.4.1 of the
gateway treats 0 as unlimited in one code path and as disabled in another. Alice rolled the change back
at 10:31 and error rates fell to 0.2% by 10:40. Human error is not a root cause: the deploy tool allowed a
global change without a canary. We should add validation for pool sizes. The reviewer could not have
known that the two code paths differed. See https://wiki.example.com/pm/123 for the timeline.`

// BenchmarkCheckBlame measures blame checking throughput on prose:
//
//	go test ./analyze/language -run '^$' -bench . -benchmem
func BenchmarkCheckBlame(b *testing.B) {
	c := NewChecker(BlameOptions{Names: []string{"Alice Nguyen", "Bob Stone", "Priya Raman"}})
	text := strings.Repeat(benchText+"\n\n", 4)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = c.CheckBlame(text)
	}
}

func BenchmarkCheckActionItem(b *testing.B) {
	c := NewChecker(BlameOptions{})
	items := []string{
		"Improve monitoring",
		"Add an alert on 5xx rate above 1% for 5 minutes",
		"Investigate the database slowness",
		"Roll out gateway config changes through the canary stage first",
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = c.CheckActionItem(items[i%len(items)], i%3 != 0, i%5 != 0)
	}
}

func BenchmarkSentences(b *testing.B) {
	text := strings.Repeat(benchText+"\n\n", 4)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = Sentences(text)
	}
}
