package pagerduty_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/ingest/pagerduty"
	"github.com/aftermath-sre/aftermath/simulate/org"
	sim "github.com/aftermath-sre/aftermath/simulate/pagerduty"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// TestHelperSimulator is not a test: BenchmarkBackfill runs the test binary
// again with AFTERMATH_PD_SIM_CHILD=1 to serve the simulator from another
// process, so that the benchmark's memory is the ingester's alone.
func TestHelperSimulator(t *testing.T) {
	if os.Getenv("AFTERMATH_PD_SIM_CHILD") != "1" {
		t.Skip("helper process for BenchmarkBackfill")
	}
	scale, err := org.ParseScale(os.Getenv("AFTERMATH_PD_SIM_SCALE"))
	require.NoError(t, err)
	o, err := org.Generate(org.Options{Seed: 42, Scale: scale})
	require.NoError(t, err)
	so := sim.Options{Org: o, Tokens: []string{token}, RateLimit: -1, Seed: 7}
	if v := os.Getenv("AFTERMATH_PD_SIM_RATE"); v != "" {
		so.RateLimit, err = strconv.Atoi(v)
		require.NoError(t, err)
	}
	if v := os.Getenv("AFTERMATH_PD_SIM_5XX"); v != "" {
		so.Faults.ServerErrorRate, err = strconv.ParseFloat(v, 64)
		require.NoError(t, err)
	}
	s, err := sim.New(so)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	fmt.Printf("SIM %s %d %d %d %d %d\n", ln.Addr(), len(o.Incidents), countEntries(o), minPages(o), perIncident(o), o.Start.Unix())
	// Serve until the parent closes our stdin.
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	_ = srv.Close()
}

// BenchmarkBackfill backfills a generated org with the rate limit off and
// reports wall time, rows/s into ClickHouse, the ingester's peak RSS, the
// requests made against the minimum number of pages and against one call per
// incident, and the backfill time projected at PagerDuty's 960 requests a
// minute, and the ingester's CPU time (user and system) per 1,000 rows stored
// (incidents and timeline events; raw payloads not counted). The simulator
// runs in a child process. Scale from
// AFTERMATH_PD_BENCH_SCALE (default small):
//
//	AFTERMATH_PD_BENCH_SCALE=large go test ./ingest/pagerduty -run '^$' -bench BenchmarkBackfill -benchtime 1x -timeout 60m
//
// AFTERMATH_PD_SIM_5XX=0.2 makes the simulator answer a fifth of the
// requests with a 5xx; AFTERMATH_PD_SIM_RATE sets its rate limit per minute
// (default off; a high one such as 1000000 sends the rate-limit headers with
// plenty of budget left, as PagerDuty does on its 5xx). The log line ends
// with a digest of the stored incidents and timeline events, equal between
// a clean and a faulty run when they stored the same data.
func BenchmarkBackfill(b *testing.B) {
	scale := os.Getenv("AFTERMATH_PD_BENCH_SCALE")
	if scale == "" {
		scale = string(org.ScaleSmall)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSimulator$", "-test.v")
	cmd.Env = append(os.Environ(), "AFTERMATH_PD_SIM_CHILD=1", "AFTERMATH_PD_SIM_SCALE="+scale)
	stdin, err := cmd.StdinPipe()
	require.NoError(b, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(b, err)
	cmd.Stderr = os.Stderr
	require.NoError(b, cmd.Start())
	defer func() {
		stdin.Close()
		_ = cmd.Wait()
	}()
	var addr string
	var incidents, entries, minReq, perInc int
	var startUnix int64
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 7 && f[0] == "SIM" {
			addr = f[1]
			incidents, _ = strconv.Atoi(f[2])
			entries, _ = strconv.Atoi(f[3])
			minReq, _ = strconv.Atoi(f[4])
			perInc, _ = strconv.Atoi(f[5])
			startUnix, _ = strconv.ParseInt(f[6], 10, 64)
			break
		}
	}
	require.NotEmpty(b, addr, "the simulator process did not start")
	go func() {
		for sc.Scan() { // drain
		}
	}()

	for b.Loop() {
		st := chtest.Store(b)
		// Count the transport's waits (retry backoff, rate-limit pauses).
		var waited atomic.Int64
		sleep := func(ctx context.Context, d time.Duration) error {
			waited.Add(int64(d))
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-t.C:
				return nil
			}
		}
		in, err := pagerduty.New(st, pagerduty.Options{
			BaseURL: "http://" + addr, Token: token, SeverityByPriority: sevByPriority, SeverityByUrgency: sevByUrgency,
			BackfillStart: time.Unix(startUnix, 0), Now: func() time.Time { return org.DefaultEnd() }, Sleep: sleep,
		})
		require.NoError(b, err)
		start := time.Now()
		cpu0 := cpuTime()
		stats, err := in.Sync(context.Background())
		require.NoError(b, err)
		cpu := cpuTime() - cpu0
		wall := time.Since(start)
		ctx := context.Background()
		nInc, err := st.Count(ctx, "incidents")
		require.NoError(b, err)
		nEv, err := st.Count(ctx, "timeline_events")
		require.NoError(b, err)
		require.EqualValues(b, incidents, nInc)
		require.EqualValues(b, entries, nEv)
		rss := peakRSS()
		digest := dataDigest(b, st)

		// The next scheduled sync, five minutes later, finds nothing new.
		later := org.DefaultEnd().Add(5 * time.Minute)
		again, err := pagerduty.New(st, pagerduty.Options{
			BaseURL: "http://" + addr, Token: token, SeverityByPriority: sevByPriority, SeverityByUrgency: sevByUrgency,
			BackfillStart: time.Unix(startUnix, 0), Now: func() time.Time { return later },
		})
		require.NoError(b, err)
		open, err := st.Incidents(ctx, store.IncidentFilter{Source: pagerduty.Source, OpenOnly: true})
		require.NoError(b, err)
		noChange, err := again.Sync(ctx)
		require.NoError(b, err)
		b.ReportMetric(float64(noChange.Requests), "nochange_requests")
		b.Logf("no-change sync: %d requests (%d retries) with %d incidents open", noChange.Requests, noChange.Retries, len(open))
		b.ReportMetric(wall.Seconds(), "wall_s")
		b.ReportMetric(float64(cpu.Milliseconds())*1000/float64(incidents+entries), "cpu_ms/1000rows")
		b.Logf("CPU %s for %d rows (incidents and timeline events): %.1f ms per 1,000 rows", cpu.Round(time.Millisecond), incidents+entries, float64(cpu.Milliseconds())*1000/float64(incidents+entries))
		b.ReportMetric(time.Duration(waited.Load()).Seconds(), "waited_s")
		b.ReportMetric(float64(stats.Records)/wall.Seconds(), "rows/s")
		b.ReportMetric(float64(rss)/(1<<20), "peak_rss_MiB")
		b.ReportMetric(float64(stats.Requests), "requests")
		b.ReportMetric(float64(minReq), "min_pages")
		b.ReportMetric(float64(perInc), "per_incident_requests")
		b.ReportMetric(float64(stats.Requests)/960, "projected_min_at_960rpm")
		b.Logf("scale %s: %d incidents, %d log entries; %d rows (raw payloads included) in %s = %.0f rows/s; peak RSS %.0f MiB; "+
			"waited %s; requests %d (retries %d) vs minimum pages %d (%.3fx) vs one call per incident %d; projected at 960 req/min: %.1f min; data digest %s",
			scale, incidents, entries, stats.Records, wall.Round(time.Millisecond), float64(stats.Records)/wall.Seconds(),
			float64(rss)/(1<<20), time.Duration(waited.Load()).Round(time.Millisecond), stats.Requests, stats.Retries, minReq, float64(stats.Requests)/float64(minReq), perInc, float64(stats.Requests)/960, digest)
	}
}

// dataDigest hashes the stored incidents and timeline events (raw payloads
// and checkpoints aside), in the store's order.
func dataDigest(b *testing.B, st *store.Store) string {
	s := snap(b, st)
	h := sha256.New()
	for _, x := range s.incidents {
		fmt.Fprintf(h, "%+v\n", x)
	}
	for _, e := range s.events {
		fmt.Fprintf(h, "%+v\n", e)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// cpuTime is the user and system CPU time this process has used: the
// ingester's, since the simulator runs in another process and ClickHouse in
// its own.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS is this process's peak resident set size in bytes (VmHWM).
func peakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}
