package jira_test

import (
	"context"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/ingest/jira"
	simjira "github.com/aftermath-sre/aftermath/simulate/jira"
	"github.com/aftermath-sre/aftermath/simulate/org"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// cpuTime is the CPU (user+system) this process used so far: the ingester
// and the in-process simulator, not ClickHouse.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkFullSync measures a full sync (backfill) of an org from the
// simulator into a fresh ClickHouse database, with no request budget:
// issues/s is postmortems plus action items stored per second of sync.
//
//	go test ./ingest/jira -run '^$' -bench 'FullSync/large' -benchtime 1x -timeout 60m
func BenchmarkFullSync(b *testing.B) {
	for _, sc := range []org.Scale{org.ScaleSmall, org.ScaleMedium, org.ScaleLarge} {
		b.Run(string(sc), func(b *testing.B) {
			o := generated(b, sc)
			// Rate limit off (it is on by default): this measures the ingester.
			sim, err := simjira.New(simjira.Options{Org: o, Email: email, APIToken: token, RequestsPerMinute: -1})
			require.NoError(b, err)
			srv := httptest.NewServer(sim)
			defer srv.Close()
			issues := len(o.Postmortems) + len(o.ActionItems)
			var elapsed, cpu time.Duration
			var requests, records uint64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				st := chtest.Store(b)
				in, err := jira.New(jira.Options{BaseURL: srv.URL, Email: email, Token: token, Store: st})
				require.NoError(b, err)
				b.StartTimer()
				start, cpu0 := time.Now(), cpuTime()
				stats, err := in.Sync(context.Background())
				elapsed += time.Since(start)
				cpu += cpuTime() - cpu0
				require.NoError(b, err)
				requests += stats.Requests
				records += stats.Records
			}
			b.ReportMetric(float64(issues*b.N)/elapsed.Seconds(), "issues/s")
			b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
			b.ReportMetric(float64(records)/float64(b.N), "rows/op")
			b.ReportMetric(float64(issues), "issues/op")
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}
