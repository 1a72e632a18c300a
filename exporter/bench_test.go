package exporter

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/exporter/exportertest"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// BenchmarkScrape measures whole /metrics scrapes over HTTP (gzip, as
// Prometheus asks) of a large-org-shaped analysis run held in a real
// ClickHouse: the ClickHouse queries of a scrape, the self metrics and the
// result series. "served" is the handler `aftermath serve` uses (result
// series rendered once per run); "client_golang" registers the same Exporter
// with promhttp, which encodes every series on every scrape. "handler" is the
// served handler's own time (no network, no client-side gunzip).
//
//	go test ./exporter -run '^$' -bench 'Scrape/(served|handler)' -benchtime 300x
//	go test ./exporter -run '^$' -bench 'Scrape/client_golang' -benchtime 20x
func BenchmarkScrape(b *testing.B) {
	for _, mode := range []string{"served", "handler", "client_golang"} {
		b.Run(mode, func(b *testing.B) { benchScrape(b, mode) })
	}
}

func benchScrape(b *testing.B, mode string) {
	served := mode != "client_golang"
	st := chtest.Store(b)
	end := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	results := exportertest.ResultsOf(exportertest.LargeOrg, end)
	writeRun(b, st, "large", end, results)
	e, err := New(Options{Store: st, Sources: []string{"jira", "pagerduty"}, MaxItemSeries: 200})
	require.NoError(b, err)
	opts := HandlerOptions{Exporter: e}
	if !served {
		reg := prometheus.NewRegistry()
		reg.MustRegister(e)
		opts = HandlerOptions{Gatherer: reg}
	}
	h, err := NewHandler(opts)
	require.NoError(b, err)
	srv := httptest.NewServer(h)
	defer srv.Close()

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cold := time.Now()
	require.NoError(b, e.Refresh(context.Background()))
	coldTook := time.Since(cold)
	runtime.GC()
	runtime.ReadMemStats(&after)
	series := testutil.CollectAndCount(e)

	scrape := func() int {
		if mode == "handler" {
			req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
			req.Header.Set("Accept-Encoding", "gzip")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatalf("status %d", rec.Code)
			}
			return rec.Body.Len()
		}
		resp, err := http.Get(srv.URL + "/metrics")
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
		return int(n)
	}
	size := scrape()
	took := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		scrape()
		took = append(took, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(took)
	q := func(p float64) float64 { return float64(took[int(p*float64(len(took)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(series), "series")
	b.ReportMetric(float64(len(results)), "result-rows")
	b.ReportMetric(float64(coldTook.Milliseconds()), "cold-load-ms")
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20), "cache-MiB")
	b.ReportMetric(float64(size)/1e6, "body-MB") // gzipped for "handler"
}
