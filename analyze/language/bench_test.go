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

var benchItems = []string{
	"Improve monitoring",
	"Add an alert on 5xx rate above 1% for 5 minutes",
	"Investigate the database slowness",
	"Roll out gateway config changes through the canary stage first",
}

// BenchmarkCheckActionItem checks a few items over and over (repeated
// texts are served from the checker's verdict cache).
func BenchmarkCheckActionItem(b *testing.B) {
	c := NewChecker(BlameOptions{})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = c.CheckActionItem(benchItems[i%len(benchItems)], i%3 != 0, i%5 != 0)
	}
}

// BenchmarkCheckActionItemDistinct checks texts that never repeat, so every
// item that needs its object read is tagged.
func BenchmarkCheckActionItemDistinct(b *testing.B) {
	c := NewChecker(BlameOptions{})
	name := func(i int) string {
		const letters = "abcdefghijklmnopqrstuvwxyz"
		var sb strings.Builder
		for ; i > 0 || sb.Len() < 3; i /= 26 {
			sb.WriteByte(letters[i%26])
		}
		return sb.String()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		svc := name(i) + "-api"
		item := strings.ReplaceAll(benchItems[i%len(benchItems)], "database", svc)
		item = strings.ReplaceAll(item, "gateway", svc)
		if i%len(benchItems) == 0 {
			item += " for " + svc
		}
		_ = c.CheckActionItem(item, i%3 != 0, i%5 != 0)
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
