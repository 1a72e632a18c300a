package exporter

import (
	"bytes"
	"compress/gzip"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/aftermath-sre/aftermath/exporter/exportertest"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

var update = flag.Bool("update", false, "rewrite testdata/metrics.golden.prom from the current output")

const goldenPath = "testdata/metrics.golden.prom"

// tool returns the path of a command-line tool the test needs, skipping when
// it is missing unless AFTERMATH_REQUIRE_TOOLS=1.
func tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("AFTERMATH_REQUIRE_TOOLS") == "1" {
			t.Fatalf("%s is required (AFTERMATH_REQUIRE_TOOLS=1) but not found: %v (Debian: apt-get install prometheus)", name, err)
		}
		t.Skipf("%s not found: %v", name, err)
	}
	return p
}

// The whole /metrics for the fixture results, served through the handler,
// kept as a golden file and linted by the real promtool.
func TestGoldenMetrics(t *testing.T) {
	st := chtest.Store(t)
	end := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	writeRun(t, st, "golden", end, exportertest.Results(end))
	fixed := func() time.Time { return end } // durations are 0: the output is stable
	e, err := New(Options{Store: st, Sources: []string{"jira", "pagerduty"}, MaxItemSeries: 200, Clock: fixed})
	require.NoError(t, err)
	h, err := NewHandler(HandlerOptions{Exporter: e})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	code, body := get(t, srv.URL+"/metrics")
	require.Equal(t, 200, code)

	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(goldenPath), 0o755))
		require.NoError(t, os.WriteFile(goldenPath, []byte(body), 0o644))
	}
	want, err := os.ReadFile(goldenPath)
	require.NoError(t, err, "run `go test ./exporter -run TestGoldenMetrics -update` to create it")
	if d := lineDiff(string(want), body, 20); d != "" {
		t.Fatalf("/metrics differs from %s (if intended, e.g. after a catalogue change, rerun with -update):\n%s", goldenPath, d)
	}

	// Every catalogued family is served, with its HELP.
	for _, m := range Served() {
		require.Contains(t, body, "# HELP "+m.Name()+" "+m.Help()+"\n", m.Name())
	}
	require.Contains(t, body, "aftermath_up 1\n")

	promtool := tool(t, "promtool")
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Run(), "promtool check metrics:\n%s", out.String())
}

// promtool must be able to reject: a counter without _total is a lint error.
func TestPromtoolCheckMetricsCanFail(t *testing.T) {
	promtool := tool(t, "promtool")
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader("# HELP aftermath_bad A counter.\n# TYPE aftermath_bad counter\naftermath_bad 1\n")
	out, err := cmd.CombinedOutput()
	require.Error(t, err, "%s", out)
	require.Contains(t, string(out), "_total")
}

// The cached, pre-rendered /metrics must say exactly what client_golang's own
// handler says for the same Exporter, gzipped or not, and keep the other
// registry's families.
func TestMetricsHandlerMatchesClientGolang(t *testing.T) {
	st := chtest.Store(t)
	end := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	writeRun(t, st, "golden", end, exportertest.Results(end))
	fixed := func() time.Time { return end }
	e, err := New(Options{Store: st, Sources: []string{"pagerduty"}, MaxItemSeries: 2, Clock: fixed})
	require.NoError(t, err)

	other := prometheus.NewRegistry()
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "aftermath_job_last_success_timestamp_seconds", Help: "Other."})
	g.Set(42)
	other.MustRegister(g)
	reference := httptest.NewServer(promhttp.HandlerFor(prometheus.Gatherers{other, newRegistry(t, e)}, promhttp.HandlerOpts{}))
	defer reference.Close()
	// The Exporter registered in the other registry too: its families must
	// not be served twice.
	both := newRegistry(t, e)
	both.MustRegister(g)
	fast := httptest.NewServer(e.MetricsHandler(both))
	defer fast.Close()

	parse := func(body string) map[string]*dto.MetricFamily {
		p := expfmt.NewTextParser(model.LegacyValidation)
		mfs, err := p.TextToMetricFamilies(strings.NewReader(body))
		require.NoError(t, err)
		return mfs
	}
	_, want := get(t, reference.URL)
	wantMFs := parse(want)
	require.Contains(t, wantMFs, "aftermath_job_last_success_timestamp_seconds")
	require.Contains(t, wantMFs, "aftermath_action_item_overdue_seconds")

	for _, gz := range []bool{true, false} {
		req, _ := http.NewRequest(http.MethodGet, fast.URL, nil)
		if gz {
			req.Header.Set("Accept-Encoding", "gzip")
		} else {
			req.Header.Set("Accept-Encoding", "identity")
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		require.NoError(t, err)
		var body io.Reader = resp.Body
		if gz {
			require.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
			zr, err := gzip.NewReader(resp.Body)
			require.NoError(t, err)
			body = zr
		} else {
			require.Empty(t, resp.Header.Get("Content-Encoding"))
		}
		raw, err := io.ReadAll(body)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, "text/plain; version=0.0.4; charset=utf-8", resp.Header.Get("Content-Type"))
		got := parse(string(raw))
		require.Equal(t, len(wantMFs), len(got), "gzip=%v", gz)
		for name, mf := range wantMFs {
			require.Contains(t, got, name)
			require.True(t, proto.Equal(mf, got[name]), "gzip=%v family %s:\nwant %v\ngot  %v", gz, name, mf, got[name])
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"":                    false,
		"gzip":                true,
		"identity":            false,
		"deflate, gzip;q=0.5": true,
		"gzip;q=0":            false,
		"br, gzip ; q=0.8, *": true,
		"x-gzip":              false,
	} {
		require.Equal(t, want, acceptsGzip(header), header)
	}
}

// lineDiff lists up to max lines only in want (-) or only in got (+).
func lineDiff(want, got string, max int) string {
	count := func(s string) map[string]int {
		m := map[string]int{}
		for _, l := range strings.Split(s, "\n") {
			m[l]++
		}
		return m
	}
	w, g := count(want), count(got)
	var out []string
	for _, l := range strings.Split(want, "\n") {
		if g[l] < w[l] && len(out) < max {
			out = append(out, "- "+l)
			g[l]++
		}
	}
	w = count(want)
	for _, l := range strings.Split(got, "\n") {
		if w[l] == 0 && len(out) < max {
			out = append(out, "+ "+l)
		} else {
			w[l]--
		}
	}
	if len(out) == 0 && want != got {
		return "(same lines, different order)"
	}
	return strings.Join(out, "\n")
}
