package pagerduty_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/ingest/pagerduty"
	"github.com/aftermath-sre/aftermath/simulate/org"
	sim "github.com/aftermath-sre/aftermath/simulate/pagerduty"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

const token = "pd-test-token-s3cr3t"

var (
	orgMu sync.Mutex
	orgs  = map[org.Scale]*org.Org{}
)

func genOrg(t testing.TB, scale org.Scale) *org.Org {
	t.Helper()
	orgMu.Lock()
	defer orgMu.Unlock()
	if o := orgs[scale]; o != nil {
		return o
	}
	o, err := org.Generate(org.Options{Seed: 42, Scale: scale})
	require.NoError(t, err)
	orgs[scale] = o
	return o
}

// severity is the default mapping the generated org uses.
var (
	sevByPriority = map[string]string{"P1": "SEV1", "P2": "SEV2", "P3": "SEV3", "P4": "SEV4", "P5": "SEV5"}
	sevByUrgency  = map[string]string{"high": "SEV3", "low": "SEV4"}
)

// env is a simulator and an ingester over one fresh database.
// killedSync runs one Sync of a new ingester with e's options whose store
// writes and HTTP requests count towards a kill: the at-th cancels the
// sync's context (a process killed at that moment). It returns the Sync's
// error (nil when it finished first).
func (e *env) killedSync(t *testing.T, at int64) error {
	t.Helper()
	k := &killer{at: at}
	opt := e.opts
	opt.HTTPClient = &http.Client{Transport: &killTransport{k: k, base: http.DefaultTransport}}
	opt.Logger = slog.New(slog.DiscardHandler)
	in, err := pagerduty.New(killStore{e.st, k}, opt)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	k.cancel = cancel
	_, err = in.Sync(ctx)
	return err
}

type env struct {
	o     *org.Org
	sim   *sim.Server
	srv   *httptest.Server
	st    *store.Store
	reg   *prometheus.Registry
	logs  *bytes.Buffer
	opts  pagerduty.Options
	clock *fakeClock
}

// fakeClock is the wall clock of the simulator's rate limiter and of the
// transport's waits: a wait advances it at once.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return nil
}

func newEnv(t testing.TB, o *org.Org, simMod func(*sim.Options), ingMod func(*pagerduty.Options)) *env {
	t.Helper()
	e := &env{o: o, clock: &fakeClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}, logs: &bytes.Buffer{}}
	so := sim.Options{Org: o, Tokens: []string{token}, RateLimit: -1, Clock: e.clock.Now, Seed: 1}
	if simMod != nil {
		simMod(&so)
	}
	s, err := sim.New(so)
	require.NoError(t, err)
	e.sim = s
	e.srv = httptest.NewServer(s)
	t.Cleanup(e.srv.Close)
	e.st = chtest.Store(t)
	e.opts = pagerduty.Options{
		BaseURL: e.srv.URL, Token: token, SeverityByPriority: sevByPriority, SeverityByUrgency: sevByUrgency,
		BackfillStart: o.Start, Now: func() time.Time { return o.End },
		Clock: e.clock.Now, Sleep: e.clock.Sleep, BaseBackoff: 10 * time.Millisecond,
	}
	if ingMod != nil {
		ingMod(&e.opts)
	}
	return e
}

// ingester builds a fresh ingester (as a new process would) with its own
// registry and log buffer.
func (e *env) ingester(t testing.TB, mod func(*pagerduty.Options)) *pagerduty.Ingester {
	t.Helper()
	o := e.opts
	e.reg = prometheus.NewRegistry()
	o.Registerer = e.reg
	o.Logger = slog.New(slog.NewTextHandler(&syncWriter{w: e.logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if mod != nil {
		mod(&o)
	}
	in, err := pagerduty.New(e.st, o)
	require.NoError(t, err)
	return in
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func totalRequests(s *sim.Server) int {
	n := 0
	for _, v := range s.Requests() {
		n += v
	}
	return n
}

// diffRequests is what the simulator served between two Requests() calls.
func diffRequests(before, after map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

func countEntries(o *org.Org) int {
	n := 0
	for i := range o.Incidents {
		n += len(o.Incidents[i].LogEntries)
	}
	return n
}

// minPages is the fewest requests a backfill can make: every incident and
// every log entry fetched once, 100 to a page.
func minPages(o *org.Org) int {
	return (len(o.Incidents)+99)/100 + (countEntries(o)+99)/100
}

// perIncident is what fetching timelines one incident at a time costs: the
// incident pages plus one /incidents/{id}/log_entries call per incident.
func perIncident(o *org.Org) int {
	return (len(o.Incidents)+99)/100 + len(o.Incidents)
}

// snapshot is the stored state that must not depend on how a sync was run.
type snapshot struct {
	incidents []store.Incident
	events    []store.TimelineEvent
	raw       uint64
	cps       map[string]string
}

func snap(t testing.TB, st *store.Store) snapshot {
	t.Helper()
	ctx := context.Background()
	incs, err := st.Incidents(ctx, store.IncidentFilter{Source: pagerduty.Source})
	require.NoError(t, err)
	evs, err := st.TimelineEvents(ctx, nil)
	require.NoError(t, err)
	raw, err := st.Count(ctx, "raw_documents")
	require.NoError(t, err)
	cps := map[string]string{}
	for _, name := range []string{"incidents", "log_entries"} {
		v, _, err := st.Checkpoint(ctx, pagerduty.Source, name)
		require.NoError(t, err)
		cps[name] = v
	}
	return snapshot{incs, evs, raw, cps}
}

func sec(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Second)
}

// mtt returns MTTA and MTTR in seconds over incidents that were not merged.
func mtt(created, acked, resolved []time.Time, merged []bool) (mtta, mttr float64) {
	var na, nr int
	for i := range created {
		if merged[i] {
			continue
		}
		if !acked[i].IsZero() {
			mtta += acked[i].Sub(created[i]).Seconds()
			na++
		}
		if !resolved[i].IsZero() {
			mttr += resolved[i].Sub(created[i]).Seconds()
			nr++
		}
	}
	return mtta / float64(na), mttr / float64(nr)
}

// requireGroundTruth compares the store with the org as of its End. Items the
// simulator served with unknown enum values (skip) are checked separately.
func requireGroundTruth(t testing.TB, o *org.Org, s snapshot, skip func(kind, id string) bool) {
	t.Helper()
	require.Len(t, s.incidents, len(o.Incidents), "incident count")
	require.Len(t, s.events, countEntries(o), "log entry count")
	byID := map[string]store.Incident{}
	for _, x := range s.incidents {
		byID[x.ID] = x
	}
	evByID := map[string]store.TimelineEvent{}
	for _, e := range s.events {
		evByID[e.ID] = e
	}
	var gc, ga, gr, sc, sa, sr []time.Time
	var gm, sm []bool
	checked := 0
	for i := range o.Incidents {
		w := &o.Incidents[i]
		x, ok := byID[w.ID]
		require.True(t, ok, "incident %s missing", w.ID)
		gc, ga, gr, gm = append(gc, sec(w.CreatedAt)), append(ga, sec(w.AcknowledgedAt)), append(gr, sec(w.ResolvedAt)), append(gm, w.MergedInto != "")
		sc, sa, sr, sm = append(sc, x.CreatedAt), append(sa, x.AcknowledgedAt), append(sr, x.ResolvedAt), append(sm, x.Merged)
		affected := skip != nil && skip("incident", w.ID)
		for _, le := range w.LogEntries {
			if skip != nil && skip("log_entry", le.ID) {
				affected = true
			}
		}
		if affected {
			continue
		}
		checked++
		want := store.Incident{
			Source: pagerduty.Source, ID: w.ID, Number: uint64(w.Number), Title: w.Title, IncidentKey: w.IncidentKey,
			ServiceID: w.ServiceID, ServiceName: o.ServiceByID(w.ServiceID).Name, TeamID: w.TeamID,
			TeamName: o.TeamByID(w.TeamID).Name, EscalationPolicyID: w.EscalationPolicyID, Urgency: w.Urgency,
			Severity: w.Severity, Status: w.Status, CreatedAt: sec(w.CreatedAt), AcknowledgedAt: sec(w.AcknowledgedAt),
			ResolvedAt: sec(w.ResolvedAt), ResolveReason: w.ResolveReason, MergedInto: w.MergedInto,
			Merged: w.MergedInto != "", AutoResolved: w.AutoResolved, Acknowledgements: uint32(w.Acknowledgements),
			Escalations: uint32(w.Escalations), Reassignments: uint32(w.Reassignments),
			Assignments: uint32(w.Escalations + w.Reassignments),
		}
		if p := o.PriorityByID(w.PriorityID); p != nil {
			want.Priority = p.Name
		}
		if n := len(w.LogEntries); n > 0 {
			want.UpdatedAt = sec(w.LogEntries[n-1].At)
		}
		got := x
		got.URL = ""
		require.Equal(t, want, got, "incident %s", w.ID)
		require.Contains(t, x.URL, w.ID)
		for _, le := range w.LogEntries {
			ev, ok := evByID[le.ID]
			require.True(t, ok, "log entry %s missing", le.ID)
			require.Equal(t, w.ID, ev.IncidentID)
			require.Equal(t, le.Type, ev.RawType)
			require.Equal(t, strings.TrimSuffix(le.Type, "_log_entry"), ev.Type)
			require.Equal(t, sec(le.At), ev.CreatedAt)
			agentType, agentID := sim.AgentOf(w, &le)
			require.Equal(t, agentID, ev.AgentID)
			require.Equal(t, agentType, ev.AgentType)
			require.Equal(t, le.ChannelType, ev.ChannelType)
			require.Equal(t, le.Summary, ev.Summary)
			require.Equal(t, le.UserID, ev.UserID)
			if len(le.AssigneeIDs) > 0 {
				require.Equal(t, le.AssigneeIDs, ev.AssigneeIDs)
			}
		}
	}
	require.Greater(t, checked, len(o.Incidents)/2, "too few incidents checked field by field")
	if skip == nil {
		gA, gR := mtt(gc, ga, gr, gm)
		sA, sR := mtt(sc, sa, sr, sm)
		require.Equal(t, gA, sA, "MTTA")
		require.Equal(t, gR, sR, "MTTR")
		require.False(t, math.IsNaN(sA))
	}
}

func TestBackfillMatchesGroundTruth(t *testing.T) {
	o := genOrg(t, org.ScaleSmall)
	e := newEnv(t, o, nil, nil)
	in := e.ingester(t, nil)
	stats, err := in.Sync(context.Background())
	require.NoError(t, err)
	s := snap(t, e.st)
	requireGroundTruth(t, o, s, nil)
	require.Equal(t, o.End.Format(time.RFC3339), s.cps["incidents"])
	require.Equal(t, o.End.Format(time.RFC3339), s.cps["log_entries"])

	// Requests: close to the minimum pages, and nowhere near one call per incident.
	reqs := totalRequests(e.sim)
	min := minPages(o)
	t.Logf("requests %d, minimum pages %d, one call per incident %d", reqs, min, perIncident(o))
	require.LessOrEqual(t, float64(reqs), 1.1*float64(min))
	require.EqualValues(t, reqs, stats.Requests)
	require.Zero(t, stats.Unmapped)
	require.Equal(t, uint64(len(s.incidents)+len(s.events))*2, stats.Records, "rows and their raw payloads")
	require.Equal(t, uint64(len(s.incidents)+len(s.events)), s.raw)
	require.Zero(t, e.sim.Requests()["/incidents/{id}"], "no per-incident calls in a backfill")

	// Metrics.
	require.Equal(t, float64(e.sim.Requests()["/log_entries"]), testutil.ToFloat64(counter(t, e.reg, "aftermath_http_requests_total", "endpoint", "/log_entries", "status", "200")))
	require.Equal(t, float64(len(s.events)), testutil.ToFloat64(counter(t, e.reg, "aftermath_pagerduty_records_stored_total", "table", "timeline_event")))
	require.Equal(t, float64(o.End.Unix()), testutil.ToFloat64(counter(t, e.reg, "aftermath_pagerduty_last_success_timestamp_seconds")), "by the injected clock")
	require.NotContains(t, e.logs.String(), token)
	require.Contains(t, e.logs.String(), "sync done")

	// A second sync finds nothing new: it re-checks the incidents still open
	// in bulk, three requests in all (issue 10 item 8: it was one per open
	// incident).
	open := 0
	for _, inc := range o.Incidents {
		if inc.Status != org.StatusResolved {
			open++
		}
	}
	require.Greater(t, open, 3, "the org must have open incidents for this to prove anything")
	before := e.sim.Requests()
	later := o.End.Add(5 * time.Minute) // the next scheduled sync; nothing happened since
	stats, err = e.ingester(t, func(opt *pagerduty.Options) { opt.Now = func() time.Time { return later } }).Sync(context.Background())
	require.NoError(t, err)
	after := e.sim.Requests()
	// One page of log entries, one of new incidents, one of open incidents.
	require.Equal(t, map[string]int{"/log_entries": 1, "/incidents": 2}, diffRequests(before, after), "a no-change sync")
	require.EqualValues(t, 3, stats.Requests)
	s.cps = map[string]string{"incidents": later.Format(time.RFC3339), "log_entries": later.Format(time.RFC3339)}
	require.Equal(t, s, snap(t, e.st))
	runs, err := e.st.LastIngestSuccess(context.Background())
	require.NoError(t, err)
	require.Contains(t, runs, pagerduty.Source)
}

// TestBackfillMedium runs the medium-scale backfill. It takes about
// a minute: set AFTERMATH_PD_MEDIUM=1 to run it.
func TestBackfillMedium(t *testing.T) {
	if os.Getenv("AFTERMATH_PD_MEDIUM") != "1" {
		t.Skip("set AFTERMATH_PD_MEDIUM=1 to run the medium-scale backfill")
	}
	o := genOrg(t, org.ScaleMedium)
	e := newEnv(t, o, nil, nil)
	_, err := e.ingester(t, nil).Sync(context.Background())
	require.NoError(t, err)
	requireGroundTruth(t, o, snap(t, e.st), nil)
	reqs, min := totalRequests(e.sim), minPages(o)
	t.Logf("medium: %d incidents, %d log entries, requests %d, minimum pages %d", len(o.Incidents), countEntries(o), reqs, min)
	require.LessOrEqual(t, float64(reqs), 1.1*float64(min))
}

func TestWindowTooBigIsSplit(t *testing.T) {
	o := genOrg(t, org.ScaleTiny)
	// The tiny org with a cap of 300 behaves like a big org under 10,000.
	e := newEnv(t, o, func(so *sim.Options) { so.OffsetCap = 300 }, func(opt *pagerduty.Options) {
		opt.OffsetCap = 300
		opt.PageSize = 50
		opt.InitialSpan = 180 * 24 * time.Hour
	})
	require.Greater(t, countEntries(o), 300, "the first window must be too big for this test")
	_, err := e.ingester(t, nil).Sync(context.Background())
	require.NoError(t, err)
	requireGroundTruth(t, o, snap(t, e.st), nil)
	require.Contains(t, e.logs.String(), "window too big, splitting")
}

// killer cancels the sync's context when the n-th operation (HTTP request or
// store write) begins.
type killer struct {
	ops    atomic.Int64
	at     int64
	cancel context.CancelFunc
}

func (k *killer) tick() {
	if k.ops.Add(1) == k.at && k.cancel != nil {
		k.cancel()
	}
}

type killTransport struct {
	k    *killer
	base http.RoundTripper
}

func (kt *killTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	kt.k.tick()
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	return kt.base.RoundTrip(r)
}

type killStore struct {
	*store.Store
	k *killer
}

func (ks killStore) UpsertRaw(ctx context.Context, d []store.RawDocument) error {
	ks.k.tick()
	return ks.Store.UpsertRaw(ctx, d)
}

func (ks killStore) UpsertIncidents(ctx context.Context, x []store.Incident) error {
	ks.k.tick()
	return ks.Store.UpsertIncidents(ctx, x)
}

func (ks killStore) UpsertTimelineEvents(ctx context.Context, x []store.TimelineEvent) error {
	ks.k.tick()
	return ks.Store.UpsertTimelineEvents(ctx, x)
}

func (ks killStore) SetCheckpoint(ctx context.Context, s, n, v string) error {
	ks.k.tick()
	return ks.Store.SetCheckpoint(ctx, s, n, v)
}

func TestKilledAtRandomPointsAndResumed(t *testing.T) {
	o := genOrg(t, org.ScaleTiny)
	small := func(opt *pagerduty.Options) {
		opt.PageSize = 25
		opt.WindowTarget = 120
		opt.InitialSpan = 2 * 24 * time.Hour
	}
	// The reference: one uninterrupted run.
	ref := newEnv(t, o, nil, small)
	_, err := ref.ingester(t, nil).Sync(context.Background())
	require.NoError(t, err)
	want := snap(t, ref.st)
	requireGroundTruth(t, o, want, nil)

	rng := rand.New(rand.NewPCG(3, 4))
	kills := 0
	for chain := 0; kills < 22; chain++ {
		require.Less(t, chain, 10, "too many chains")
		e := newEnv(t, o, nil, small)
		for attempt := 0; ; attempt++ {
			require.Less(t, attempt, 200, "the chain does not make progress")
			err := e.killedSync(t, 1+rng.Int64N(30))
			if err == nil {
				break
			}
			require.ErrorIs(t, err, context.Canceled, "killed runs fail with the cancellation, nothing else")
			kills++
		}
		got := snap(t, e.st)
		require.Equal(t, want.incidents, got.incidents, "chain %d", chain)
		require.Equal(t, want.events, got.events, "chain %d", chain)
		require.Equal(t, want.raw, got.raw, "chain %d", chain)
		require.Equal(t, want.cps, got.cps, "chain %d", chain)
	}
	t.Logf("%d kills", kills)
}

func TestSurvivesFaults(t *testing.T) {
	o := genOrg(t, org.ScaleTiny)
	e := newEnv(t, o, func(so *sim.Options) {
		so.RateLimit = 12 // most minutes run out of budget
		so.Faults = sim.Faults{TooManyRequestsRate: 0.15, ServerErrorRate: 0.1, TruncateRate: 0.05, MalformedRate: 0.05, ShiftRate: 0.1, UnknownEnumRate: 0.03}
	}, func(opt *pagerduty.Options) {
		opt.PageSize = 25
		opt.MaxAttempts = 12
		opt.WindowPasses = 10
	})
	in := e.ingester(t, nil)
	stats, err := in.Sync(context.Background())
	require.NoError(t, err)
	s := snap(t, e.st)
	requireGroundTruth(t, o, s, e.sim.UnknownEnumItem)
	require.NotZero(t, stats.Retries)
	require.NotZero(t, stats.RateWaits)
	require.Zero(t, stats.Unmapped, "unknown enums are mapped to unknown, not skipped")
	require.Greater(t, testutil.ToFloat64(counter(t, e.reg, "aftermath_http_retries_total", "endpoint", "/log_entries", "reason", "429")), 0.0)
	require.Greater(t, testutil.ToFloat64(counter(t, e.reg, "aftermath_pagerduty_decode_retries_total")), 0.0)

	// Items with unknown enums are stored, marked unknown or other.
	unknownInc, unknownEv := 0, 0
	for _, x := range s.incidents {
		if e.sim.UnknownEnumItem("incident", x.ID) {
			unknownInc++
			require.Equal(t, "unknown", x.Status)
			require.Equal(t, "unknown", x.Urgency)
		}
	}
	for _, ev := range s.events {
		if e.sim.UnknownEnumItem("log_entry", ev.ID) {
			unknownEv++
			require.Equal(t, store.EventOther, ev.Type)
			require.NotEmpty(t, ev.RawType)
		}
	}
	require.NotZero(t, unknownInc)
	require.NotZero(t, unknownEv)
	require.Equal(t, float64(unknownInc), testutil.ToFloat64(counter(t, e.reg, "aftermath_pagerduty_unknown_enum_values_total", "field", "incident.status")))
	require.NotContains(t, e.logs.String(), token)

	// Each unknown value is logged at WARN once, with its raw value (issue 10
	// item 10: only DEBUG before); the raw incident payload keeps it too.
	warned := map[string]int{}
	for _, line := range strings.Split(e.logs.String(), "\n") {
		if strings.Contains(line, "level=WARN") && strings.Contains(line, "unknown enum value") {
			for _, f := range []string{"field=incident.status value=investigating", "field=incident.urgency value=critical", "field=log_entry.type value=status_update_log_entry"} {
				if strings.Contains(line, f) {
					warned[f]++
				}
			}
		}
	}
	require.Equal(t, map[string]int{"field=incident.status value=investigating": 1, "field=incident.urgency value=critical": 1,
		"field=log_entry.type value=status_update_log_entry": 1}, warned)
	require.Greater(t, unknownInc, 1, "more unknown incidents than WARN lines, or the test proves nothing")
	for _, x := range s.incidents {
		if e.sim.UnknownEnumItem("incident", x.ID) {
			var body string
			require.NoError(t, e.st.Conn().QueryRow(context.Background(), "SELECT body FROM "+e.st.Table("raw_documents")+" FINAL WHERE source = ? AND kind = 'incident' AND id = ?", pagerduty.Source, x.ID).Scan(&body))
			require.Contains(t, body, `"status":"investigating"`, "the raw status is kept in the raw document")
			break
		}
	}
}

func TestFailsClearlyAndKeepsWhatWasStored(t *testing.T) {
	o := genOrg(t, org.ScaleTiny)
	mid := o.Start.Add(o.End.Sub(o.Start) / 2).Truncate(time.Second)
	var now atomic.Pointer[time.Time]
	now.Store(&mid)
	clock := func() time.Time { return *now.Load() }
	e := newEnv(t, o, func(so *sim.Options) { so.Now = clock }, func(opt *pagerduty.Options) {
		opt.Now = clock
		opt.MaxAttempts = 3
	})
	_, err := e.ingester(t, nil).Sync(context.Background())
	require.NoError(t, err)
	before := snap(t, e.st)
	require.NotEmpty(t, before.incidents)

	tests := []struct {
		name   string
		faults sim.Faults
		want   string
	}{
		{"always 5xx", sim.Faults{ServerErrorRate: 1}, "pagerduty: GET /log_entries: HTTP response failed with status code 50"},
		{"always truncated", sim.Faults{TruncateRate: 1}, "pagerduty: GET /log_entries: httpx: GET /log_entries: giving up after 3 attempts: read response body: unexpected EOF"},
		{"always malformed", sim.Faults{MalformedRate: 1}, "pagerduty: GET /log_entries: giving up after 4 attempts: decode response"},
	}
	end := o.End
	now.Store(&end)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bad, err := sim.New(sim.Options{Org: o, Tokens: []string{token}, RateLimit: -1, Now: clock, Faults: tc.faults})
			require.NoError(t, err)
			srv := httptest.NewServer(bad)
			defer srv.Close()
			_, err = e.ingester(t, func(opt *pagerduty.Options) { opt.BaseURL = srv.URL }).Sync(context.Background())
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
			require.NotContains(t, err.Error(), token)
			require.Equal(t, before, snap(t, e.st), "nothing stored is lost or changed")
		})
	}
	_, err = e.ingester(t, func(opt *pagerduty.Options) { opt.Token = "wrong" }).Sync(context.Background())
	require.ErrorContains(t, err, "status code 401")

	// With the faults gone, the next sync completes the picture.
	_, err = e.ingester(t, nil).Sync(context.Background())
	require.NoError(t, err)
	requireGroundTruth(t, o, snap(t, e.st), nil)
}

func TestIncrementalSyncFollowsTheClock(t *testing.T) {
	o := genOrg(t, org.ScaleTiny)
	var now atomic.Pointer[time.Time]
	clock := func() time.Time { return *now.Load() }
	// t0: two thirds into the history, inside the long incident created
	// nearest to that point (so that one incident is open at t0).
	twoThirds := o.Start.Add(o.End.Sub(o.Start) * 2 / 3).Truncate(time.Second)
	t0, best := twoThirds, time.Duration(math.MaxInt64)
	for i := range o.Incidents {
		inc := &o.Incidents[i]
		d := inc.CreatedAt.Sub(twoThirds).Abs()
		if inc.ResolvedAt.Sub(inc.CreatedAt) > time.Hour && d < best {
			t0, best = inc.CreatedAt.Add(30*time.Minute), d
		}
	}
	t.Logf("t0 %s, %s from two thirds of the history", t0, t0.Sub(twoThirds))
	now.Store(&t0)
	e := newEnv(t, o, func(so *sim.Options) { so.Now = clock }, func(opt *pagerduty.Options) { opt.Now = clock })
	in := e.ingester(t, nil)
	_, err := in.Sync(context.Background())
	require.NoError(t, err)

	// As of t0: no incident from the future; one open then is stored open.
	s := snap(t, e.st)
	var openAtT0 *org.Incident
	created := 0
	for i := range o.Incidents {
		inc := &o.Incidents[i]
		if inc.CreatedAt.Before(t0) {
			created++
			if openAtT0 == nil && inc.ResolvedAt.After(t0) {
				openAtT0 = inc
			}
		}
	}
	require.Len(t, s.incidents, created)
	require.NotNil(t, openAtT0)
	var stored store.Incident
	for _, x := range s.incidents {
		if x.ID == openAtT0.ID {
			stored = x
		}
	}
	require.NotEqual(t, "resolved", stored.Status)
	require.True(t, stored.ResolvedAt.IsZero())

	// The clock advances in steps; each sync is incremental.
	backfill := totalRequests(e.sim)
	t.Logf("backfill: %v", e.sim.Requests())
	for step := 1; step <= 4; step++ {
		tn := t0.Add(o.End.Sub(t0) * time.Duration(step) / 4)
		if step == 4 {
			tn = o.End
		}
		now.Store(&tn)
		before := totalRequests(e.sim)
		rb := e.sim.Requests()
		_, err := in.Sync(context.Background())
		require.NoError(t, err)
		t.Logf("step %d: %v", step, diffRequests(rb, e.sim.Requests()))
		require.Less(t, totalRequests(e.sim)-before, backfill, "an incremental sync is cheaper than the backfill")
	}
	s = snap(t, e.st)
	requireGroundTruth(t, o, s, nil)
	for _, x := range s.incidents {
		if x.ID == openAtT0.ID {
			require.Equal(t, "resolved", x.Status, "status changes are picked up")
			require.Equal(t, sec(openAtT0.ResolvedAt), x.ResolvedAt)
		}
	}
}

func counter(t *testing.T, reg *prometheus.Registry, name string, labels ...string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metric:
		for _, m := range mf.GetMetric() {
			got := map[string]string{}
			for _, lp := range m.GetLabel() {
				got[lp.GetName()] = lp.GetValue()
			}
			for i := 0; i+1 < len(labels); i += 2 {
				if got[labels[i]] != labels[i+1] {
					continue metric
				}
			}
			v := m.GetCounter().GetValue() + m.GetGauge().GetValue()
			return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "x"}, func() float64 { return v })
		}
	}
	t.Fatalf("no %s%v", name, labels)
	return nil
}

// An incident stored as open that PagerDuty no longer returns (deleted, or
// its service moved out of the token's reach) must not stop the sync: it is
// counted, logged with its id, and keeps its last stored state.
func TestOpenIncidentThatIsGoneDoesNotStopTheSync(t *testing.T) {
	o := genOrg(t, org.ScaleTiny)
	e := newEnv(t, o, nil, nil)
	in := e.ingester(t, nil)
	_, err := in.Sync(context.Background())
	require.NoError(t, err)

	ghost := store.Incident{Source: pagerduty.Source, ID: "PGHOST01", Title: "gone", Status: "triggered", Severity: "SEV2",
		CreatedAt: o.End.Add(-time.Hour), UpdatedAt: o.End.Add(-time.Hour)}
	require.NoError(t, e.st.UpsertIncidents(context.Background(), []store.Incident{ghost}))

	stats, err := in.Sync(context.Background())
	require.NoError(t, err)
	require.EqualValues(t, 1, stats.Unmapped)
	require.Contains(t, e.logs.String(), "PGHOST01")
	got, err := e.st.Incidents(context.Background(), store.IncidentFilter{OpenOnly: true})
	require.NoError(t, err)
	var found bool
	for _, x := range got {
		found = found || x.ID == "PGHOST01"
	}
	require.True(t, found, "the last stored state is kept")
}

// A response larger than MaxResponseBytes fails the sync with an error that
// names the endpoint template (never the URL or the token), reading no more
// than the limit (issue 10 item 4: a 1 GiB response took 9.3 GB of RSS).
func TestHugeResponseFailsClearlyWithBoundedMemory(t *testing.T) {
	o := genOrg(t, org.ScaleTiny)
	e := newEnv(t, o, nil, nil)
	const size = 512 << 20
	var written atomic.Int64
	huge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/log_entries" {
			e.sim.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		_, _ = io.WriteString(w, `{"log_entries":[`)
		chunk := []byte(strings.Repeat(`{"id":"PXXXXXX","type":"annotate_log_entry"},`, 1000))
		for written.Load() < size {
			n, err := w.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	defer huge.Close()
	in := e.ingester(t, func(opt *pagerduty.Options) {
		opt.BaseURL = huge.URL
		opt.MaxResponseBytes = 1 << 20
	})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := in.Sync(context.Background())
	runtime.ReadMemStats(&after)
	require.Error(t, err)
	require.Contains(t, err.Error(), "pagerduty: GET /log_entries: httpx: GET /log_entries: response body exceeds the limit of 1 MiB")
	require.NotContains(t, err.Error(), token)
	require.NotContains(t, err.Error(), huge.URL)
	require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20), "memory is bounded by the limit, not by the response")
	huge.CloseClientConnections()
	require.Less(t, written.Load(), int64(size), "the download is abandoned")
	require.EqualValues(t, 1, testutil.ToFloat64(counter(t, e.reg, "aftermath_http_requests_total", "endpoint", "/log_entries")), "a body too large is not retried")
}

// With one response in five a 5xx that carries PagerDuty's rate-limit
// headers (plenty of budget left, a reset up to a minute away), the backfill
// waits backoffs of a fraction of a second, not the rate-limit window (issue
// 10 item 2: every 5xx waited for ratelimit-reset, and a medium backfill had
// not finished after 20 minutes), and stores the same data.
func TestServerErrorsDoNotWaitForTheRateLimitWindow(t *testing.T) {
	o := genOrg(t, org.ScaleTiny)
	e := newEnv(t, o, func(so *sim.Options) {
		so.RateLimit = 1_000_000 // headers on every response, budget never spent
		so.Faults = sim.Faults{ServerErrorRate: 0.2}
	}, func(opt *pagerduty.Options) { opt.PageSize = 25 })
	start := e.clock.Now()
	stats, err := e.ingester(t, func(opt *pagerduty.Options) { opt.BaseBackoff = 0 }).Sync(context.Background()) // the default backoff
	require.NoError(t, err)
	requireGroundTruth(t, o, snap(t, e.st), nil)
	require.GreaterOrEqual(t, stats.Retries, uint64(5), "the test must see retries to prove anything")
	waited := e.clock.Now().Sub(start)
	t.Logf("%d requests, %d retries, waited %s", stats.Requests, stats.Retries, waited)
	require.Less(t, waited, time.Duration(stats.Retries)*time.Second, "a 5xx waits a short backoff, not the reset of the rate-limit window")
	require.Zero(t, stats.RateWaits)
	require.Contains(t, e.logs.String(), `level=INFO msg="retrying request"`)
}

// sparseOrg is the tiny org cut down to two incidents, at its start and at its
// end, with their timelines.
func sparseOrg(t testing.TB) *org.Org {
	t.Helper()
	o := genOrg(t, org.ScaleTiny)
	sp := *o
	sp.Incidents = nil
	for _, i := range []int{0, len(o.Incidents) - 1} {
		for j := i; j >= 0 && j < len(o.Incidents); j += map[bool]int{true: 1, false: -1}[i == 0] {
			if o.Incidents[j].MergedInto == "" {
				sp.Incidents = append(sp.Incidents, o.Incidents[j])
				break
			}
		}
	}
	require.Len(t, sp.Incidents, 2)
	return &sp
}

// A sparse history (two incidents in a year) is walked in a few windows: the
// window after a sparse one grows (at most 8x, at most 180 days) instead of
// collapsing to one second, as it did when width*target/n overflowed int64
// (issue 10 item 7: one incident took 58 requests).
func TestSparseHistoryTakesFewRequests(t *testing.T) {
	o := sparseOrg(t)
	// A year before the first incident and a year after the last.
	later := o.End.AddDate(1, 0, 0)
	e := newEnv(t, o, nil, func(opt *pagerduty.Options) {
		opt.BackfillStart = o.Start.AddDate(-1, 0, 0)
		opt.Now = func() time.Time { return later }
	})
	stats, err := e.ingester(t, nil).Sync(context.Background())
	require.NoError(t, err)
	s := snap(t, e.st)
	require.Len(t, s.incidents, 2)
	require.Len(t, s.events, countEntries(o))
	t.Logf("%d requests for 2 incidents and %d log entries over 25 months", stats.Requests, countEntries(o))
	// Each kind: 7d, 56d, then 180-day windows to the end: 7 windows.
	require.LessOrEqual(t, stats.Requests, uint64(14)) // 20 before the fix
}

// An error answer too large to read is not fetched again either.
func TestHugeErrorResponseIsNotFetchedAgain(t *testing.T) {
	o := genOrg(t, org.ScaleTiny)
	e := newEnv(t, o, nil, nil)
	var calls atomic.Int64
	huge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write(bytes.Repeat([]byte("x"), 3<<20))
	}))
	defer huge.Close()
	_, err := e.ingester(t, func(opt *pagerduty.Options) {
		opt.BaseURL = huge.URL
		opt.MaxResponseBytes = 1 << 20
	}).Sync(context.Background())
	require.ErrorContains(t, err, "pagerduty: GET /log_entries: httpx: GET /log_entries: response body exceeds the limit of 1 MiB")
	require.EqualValues(t, 1, calls.Load())
}

// TestReextractFromRawDocumentsWithoutTheAPI converts the stored raw
// documents again: with a changed severity mapping every row follows it,
// and with the mapping as it was the rows are the backfill's again, without
// a request (the API address is unreachable).
func TestReextractFromRawDocumentsWithoutTheAPI(t *testing.T) {
	ctx := context.Background()
	o := genOrg(t, org.ScaleTiny)
	e := newEnv(t, o, nil, nil)
	_, err := e.ingester(t, nil).Sync(ctx)
	require.NoError(t, err)
	want := snap(t, e.st)
	requireGroundTruth(t, o, want, nil)
	served := totalRequests(e.sim)
	offline := func(opt *pagerduty.Options) { opt.BaseURL = "http://127.0.0.1:1" }

	allSEV1 := func(opt *pagerduty.Options) {
		offline(opt)
		opt.SeverityByPriority, opt.SeverityByUrgency = nil, map[string]string{"high": "SEV1", "low": "SEV1"}
	}
	stats, err := e.ingester(t, allSEV1).Reextract(ctx)
	require.NoError(t, err)
	require.EqualValues(t, len(want.incidents)+len(want.events), stats.Records, "every row once, no raw document again")
	require.Zero(t, stats.Requests)
	got := snap(t, e.st)
	changed := 0
	for i, x := range got.incidents {
		require.Equal(t, "SEV1", x.Severity, x.ID)
		if want.incidents[i].Severity != "SEV1" {
			changed++
		}
	}
	require.Positive(t, changed, "the new mapping must change some rows for this to prove anything")
	require.Equal(t, want.events, got.events)
	require.Equal(t, want.raw, got.raw)
	require.Equal(t, want.cps, got.cps, "re-extraction leaves the checkpoints alone")

	_, err = e.ingester(t, offline).Reextract(ctx)
	require.NoError(t, err)
	require.Equal(t, want, snap(t, e.st))
	requireGroundTruth(t, o, snap(t, e.st), nil)
	require.Equal(t, served, totalRequests(e.sim), "no request reached the API")
	runs, err := e.st.IngestRuns(ctx, pagerduty.Source)
	require.NoError(t, err)
	require.Len(t, runs, 1, "a re-extraction is not an ingest run")
}
