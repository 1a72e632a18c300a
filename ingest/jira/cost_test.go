package jira_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/ingest/jira"
	simjira "github.com/aftermath-sre/aftermath/simulate/jira"
	"github.com/aftermath-sre/aftermath/simulate/org"
)

// minimum is what a backfill of the org as of now must cost at 100 issues
// per page: every issue listed once, every history search did not embed
// read once at 100 per page, and the three metadata reads (/myself,
// /field, /status).
type minimum struct {
	issues, truncated       int
	search, changelog, meta int
}

func (m minimum) total() int { return m.search + m.changelog + m.meta }

func minimumRequests(e *env, at time.Time) minimum {
	pages := func(n int) int { return max(1, (n+99)/100) }
	var m minimum
	var pms, ais int
	emb := e.sim.ChangelogMax()
	count := func(key string) {
		if h := e.sim.Histories(key); h > emb {
			m.truncated++
			m.changelog += (h - emb + 99) / 100
		}
	}
	for i := range e.org.Postmortems {
		if p := &e.org.Postmortems[i]; !p.CreatedAt.After(at) {
			pms++
			count(p.Key)
		}
	}
	for i := range e.org.ActionItems {
		if a := &e.org.ActionItems[i]; !a.CreatedAt.After(at) {
			ais++
			count(a.Key)
		}
	}
	m.issues = pms + ais
	m.search = pages(pms) + pages(ais)
	m.meta = 3
	return m
}

// TestBackfillCostsTheMinimumAndANoChangeSyncAtMostThree: the backfill
// reads only what search did not embed; then, with the site metadata
// cached (in memory and in the store), a sync that finds nothing new costs
// the two searches, plus at most one metadata refresh once the cache is
// older than the refresh interval, for a long-running ingester and for a
// new one (a one-shot `aftermath ingest`) alike.
func TestBackfillCostsTheMinimumAndANoChangeSyncAtMostThree(t *testing.T) {
	t.Parallel()
	o := generated(t, org.ScaleTiny)
	e := newEnv(t, o, simjira.Options{ChangelogMax: 20})
	end := o.End
	want := minimumRequests(e, end)
	require.Positive(t, want.truncated, "some changelogs are truncated at 20")

	in := e.ingester(nil)
	stats, err := in.Sync(context.Background())
	require.NoError(t, err)
	require.Equal(t, uint64(want.total()), stats.Requests, "backfill at the minimum: %+v, served %v", want, e.sim.Requests())
	requireTruth(t, e.st, groundTruth(t, e, e.options(), end))

	meta := func() int { r := e.sim.Requests(); return r["myself"] + r["field"] + r["status"] }
	sync := func(in *jira.Ingester) uint64 {
		t.Helper()
		m0 := meta()
		stats, err := in.Sync(context.Background())
		require.NoError(t, err)
		require.LessOrEqual(t, stats.Requests, uint64(3))
		require.LessOrEqual(t, meta()-m0, 1, "at most one metadata refresh per sync")
		return stats.Requests
	}
	require.Equal(t, uint64(2), sync(in), "metadata cached in memory")
	// A new ingester also reconciles at its first sync (a key listing
	// per kind, measured in reconcile_test.go); here only the metadata
	// counts.
	noReconcile := func(op *jira.Options) { op.ReconcileInterval = -1 }
	require.Equal(t, uint64(2), sync(e.ingester(noReconcile)), "a new ingester finds the metadata cached in the store")

	// Past the refresh interval the three entries are refreshed one per
	// sync, the stalest first; then the cache is fresh again.
	e.clock.Set(end.Add(61 * time.Minute))
	before := e.sim.Requests()
	for range 3 {
		require.Equal(t, uint64(3), sync(in))
	}
	after := e.sim.Requests()
	for _, ep := range []string{"myself", "field", "status"} {
		require.Equal(t, 1, after[ep]-before[ep], "%s refreshed once", ep)
	}
	require.Equal(t, uint64(2), sync(in))
	requireTruth(t, e.st, groundTruth(t, e, e.options(), end))

	// A configured time zone needs no /myself; a newly configured field is
	// checked at once.
	m0 := e.sim.Requests()
	in2 := e.ingester(func(op *jira.Options) {
		noReconcile(op)
		op.TimeZone = "UTC"
		op.Fields.Severity = simjira.FieldSeverity
	})
	require.Equal(t, uint64(3), sync(in2))
	require.Equal(t, m0["field"]+1, e.sim.Requests()["field"])
	require.Equal(t, m0["myself"], e.sim.Requests()["myself"])
}

// TestMetadataRefreshIsConfigurable: the cache is used within
// Options.MetadataRefresh and refreshed (one endpoint) after it.
func TestMetadataRefreshIsConfigurable(t *testing.T) {
	t.Parallel()
	o := generated(t, org.ScaleTiny)
	e := newEnv(t, o, simjira.Options{})
	in := e.ingester(func(op *jira.Options) { op.MetadataRefresh = 5 * time.Minute })
	e.sync(in)
	before := e.sim.Requests()
	e.clock.Set(o.End.Add(4 * time.Minute))
	e.sync(in)
	require.Equal(t, before["status"]+before["field"]+before["myself"],
		e.sim.Requests()["status"]+e.sim.Requests()["field"]+e.sim.Requests()["myself"], "fresh within 5 minutes")
	e.clock.Set(o.End.Add(6 * time.Minute))
	e.sync(in)
	require.Equal(t, before["status"]+before["field"]+before["myself"]+1,
		e.sim.Requests()["status"]+e.sim.Requests()["field"]+e.sim.Requests()["myself"], "one refresh after 5 minutes")
}

// TestRequestCostByScale measures, per org scale, the backfill's requests
// against the minimum and the cost of syncs that find nothing new (for
// BENCHMARKS.md):
//
//	AFTERMATH_JIRA_COST_SCALES=tiny,small,medium,large go test ./ingest/jira -run TestRequestCostByScale -v -timeout 60m
func TestRequestCostByScale(t *testing.T) {
	scales := os.Getenv("AFTERMATH_JIRA_COST_SCALES")
	if scales == "" {
		t.Skip("set AFTERMATH_JIRA_COST_SCALES (e.g. tiny,small,medium,large) to measure")
	}
	for _, sc := range strings.Split(scales, ",") {
		t.Run(sc, func(t *testing.T) {
			o, err := org.Generate(org.Options{Seed: 1, Scale: org.Scale(sc)})
			require.NoError(t, err)
			e := newEnv(t, o, simjira.Options{})
			want := minimumRequests(e, o.End)
			in := e.ingester(nil)
			start := time.Now()
			stats, err := in.Sync(context.Background())
			require.NoError(t, err)
			took := time.Since(start)
			var noChange []string
			for _, d := range []time.Duration{time.Minute, 61 * time.Minute, 62 * time.Minute, 63 * time.Minute, 64 * time.Minute} {
				e.clock.Set(o.End.Add(d))
				s, err := in.Sync(context.Background())
				require.NoError(t, err)
				require.LessOrEqual(t, s.Requests, uint64(3))
				noChange = append(noChange, fmt.Sprint(s.Requests))
			}
			s, err := e.ingester(nil).Sync(context.Background())
			require.NoError(t, err)
			row := fmt.Sprintf("| %s | %d | %d | %d | %d | %d (%d search + %d changelog + 3 metadata) | %.3fx | %s | %d | %s |",
				sc, want.issues, want.truncated, stats.Requests, stats.Retries, want.total(), want.search, want.changelog,
				float64(stats.Requests)/float64(want.total()), strings.Join(noChange, ", "), s.Requests, took.Round(100*time.Millisecond))
			t.Log(row)
			t.Logf("simulator (rate limit at its default, on): %v", e.sim.Requests())
			require.Equal(t, uint64(want.total()), stats.Requests-stats.Retries, "first attempts at the minimum")
		})
	}
}

// metaBreaker wraps the simulator: in mode "fail" the metadata endpoints
// answer 503; in mode "nofields" /field lists no fields.
type metaBreaker struct {
	next http.Handler
	mode atomic.Value // string
}

func (m *metaBreaker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	mode, _ := m.mode.Load().(string)
	p := r.URL.Path
	meta := strings.HasSuffix(p, "/myself") || strings.HasSuffix(p, "/field") || strings.HasSuffix(p, "/status")
	switch {
	case mode == "fail" && meta:
		http.Error(w, `{"errorMessages":["Service Unavailable"]}`, http.StatusServiceUnavailable)
	case mode == "nofields" && strings.HasSuffix(p, "/field"):
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`[]`))
	default:
		m.next.ServeHTTP(w, r)
	}
}

func TestAStaleMetadataRefreshThatFailsKeepsTheCacheButAMissingFieldFails(t *testing.T) {
	t.Parallel()
	o := generated(t, org.ScaleTiny)
	e := newEnv(t, o, simjira.Options{})
	mb := &metaBreaker{next: e.sim}
	srv := httptest.NewServer(mb)
	t.Cleanup(srv.Close)
	var logs strings.Builder
	var mu sync.Mutex
	in := e.ingester(func(op *jira.Options) {
		op.BaseURL = srv.URL
		op.MaxAttempts = 2
		op.Logger = slogTo(&logs, &mu)
	})
	e.sync(in)

	// Stale, and the refresh fails: the cached values serve, with a WARN.
	e.clock.Set(o.End.Add(2 * time.Hour))
	mb.mode.Store("fail")
	e.sync(in)
	mu.Lock()
	require.Contains(t, logs.String(), `level=WARN msg="could not refresh jira metadata; using the cached value"`)
	mu.Unlock()
	ais, err := e.st.ActionItems(context.Background())
	require.NoError(t, err)
	require.Len(t, ais, len(o.ActionItems))

	// A refresh that finds a configured field gone fails the sync, naming it.
	mb.mode.Store("nofields")
	for range 3 { // one entry per sync: /field comes within three
		if _, err = in.Sync(context.Background()); err != nil {
			break
		}
	}
	require.Error(t, err)
	require.Contains(t, err.Error(), `"duedate" does not exist`)
}
