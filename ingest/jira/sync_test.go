package jira_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/ingest/jira"
	simjira "github.com/aftermath-sre/aftermath/simulate/jira"
	"github.com/aftermath-sre/aftermath/simulate/jira/jiratest"
	"github.com/aftermath-sre/aftermath/simulate/org"
)

var (
	orgMu   sync.Mutex
	orgByID = map[org.Scale]*org.Org{}
)

// generated returns the org of a scale with seed 1, generated once per
// test binary (tests must not modify it).
func generated(t testing.TB, sc org.Scale) *org.Org {
	t.Helper()
	orgMu.Lock()
	defer orgMu.Unlock()
	if o, ok := orgByID[sc]; ok {
		return o
	}
	o, err := org.Generate(org.Options{Seed: 1, Scale: sc})
	require.NoError(t, err)
	orgByID[sc] = o
	return o
}

func TestFullSyncOfSmallOrgEqualsGroundTruth(t *testing.T) {
	t.Parallel()
	o := generated(t, org.ScaleSmall)
	e := newEnv(t, o, simjira.Options{})
	reg := prometheus.NewRegistry()
	in := e.ingester(func(op *jira.Options) { op.Registerer = reg })
	stats, err := in.Sync(context.Background())
	require.NoError(t, err)
	want := groundTruth(t, e, e.options(), o.End)
	requireTruth(t, e.st, want)
	require.Zero(t, stats.Unmapped)

	var transitions, factors int
	for _, a := range want.actionItems {
		transitions += len(a.Transitions)
	}
	for _, p := range want.postmortems {
		factors += len(p.Factors)
	}
	require.Greater(t, factors, len(want.postmortems), "postmortems have factors")
	require.Equal(t, float64(len(want.postmortems)), testutil.ToFloat64(metricVec(t, reg, "aftermath_jira_records_stored_total", "postmortem")))
	require.Equal(t, float64(transitions), testutil.ToFloat64(metricVec(t, reg, "aftermath_jira_records_stored_total", "transition")))
	require.Positive(t, testutil.ToFloat64(metricVec(t, reg, "aftermath_jira_last_success_timestamp_seconds", "")))
	require.Equal(t, float64(o.Stats().BotChurn), testutil.ToFloat64(metricVec(t, reg, "aftermath_jira_changelogs_completed_total", "")),
		"every item with more than 100 histories was completed from the changelog endpoint")

	// A second sync finds nothing new but re-reads the overlap only.
	before := e.sim.Requests()["search"]
	stats, err = in.Sync(context.Background())
	require.NoError(t, err)
	require.LessOrEqual(t, e.sim.Requests()["search"]-before, 2, "incremental sync does not re-list everything")
	require.Less(t, stats.Records, uint64(50))
	requireTruth(t, e.st, want)
	last, err := e.st.LastIngestSuccess(context.Background())
	require.NoError(t, err)
	require.Contains(t, last, "jira")
}

// metricVec finds one series of a gathered metric (label value "" for
// metrics without labels).
func metricVec(t *testing.T, reg *prometheus.Registry, name, label string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if label == "" || (len(m.GetLabel()) > 0 && m.GetLabel()[0].GetValue() == label) {
				v := 0.0
				switch {
				case m.GetCounter() != nil:
					v = m.GetCounter().GetValue()
				case m.GetGauge() != nil:
					v = m.GetGauge().GetValue()
				}
				g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "x"})
				g.Set(v)
				return g
			}
		}
	}
	t.Fatalf("metric %s{%s} not found", name, label)
	return nil
}

func TestFullSyncOfMediumOrgEqualsGroundTruth(t *testing.T) {
	t.Parallel()
	if os.Getenv("AFTERMATH_JIRA_MEDIUM") != "1" {
		t.Skip("set AFTERMATH_JIRA_MEDIUM=1 to sync the medium org (about a minute)")
	}
	o := generated(t, org.ScaleMedium)
	e := newEnv(t, o, simjira.Options{})
	in := e.ingester(nil)
	e.sync(in)
	requireTruth(t, e.st, groundTruth(t, e, e.options(), o.End))
}

func TestConfigurationsEqualGroundTruth(t *testing.T) {
	t.Parallel()
	o := generated(t, org.ScaleTiny)
	for _, tc := range []struct {
		name string
		sim  simjira.Options
		mod  func(*jira.Options)
	}{
		{"v2 wiki, incident labels, team components", simjira.Options{}, func(op *jira.Options) { op.APIVersion = 2 }},
		{"v3 adf, incident field, team labels, severity", simjira.Options{IncidentLink: simjira.LinkField}, func(op *jira.Options) {
			op.Fields.Team = jira.TeamField{From: jira.TeamFromLabel, LabelPrefix: "team-"}
			op.Fields.Severity = simjira.FieldSeverity
		}},
		{"v2 wiki, incident urls in descriptions, team field, custom due date", simjira.Options{IncidentLink: simjira.LinkDescription}, func(op *jira.Options) {
			op.APIVersion = 2
			op.Fields.Team = jira.TeamField{From: jira.TeamFromField, Field: simjira.FieldTeam}
			op.Fields.DueDate = simjira.FieldTargetDate
		}},
		{"bearer token, small pages", simjira.Options{BearerToken: "pat-1"}, func(op *jira.Options) {
			op.Bearer, op.Email, op.Token = true, "", "pat-1"
			op.PageSize = 25
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, o, tc.sim)
			e.sync(e.ingester(tc.mod))
			opts := e.options()
			tc.mod(&opts)
			requireTruth(t, e.st, groundTruth(t, e, opts, o.End))
		})
	}
}

func TestTruncatedChangelogsComeBackComplete(t *testing.T) {
	t.Parallel()
	end := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	b := jiratest.New(end, [2]string{"Ada Lovelace", "UTC"}, [2]string{"Grace Hopper", "UTC"})
	b.Postmortem(end.Add(-40 * 24 * time.Hour))
	b.ActionItem("PM-1", end.Add(-39*24*time.Hour))
	b.ActionItem("PM-1", end.Add(-39*24*time.Hour+time.Minute))
	b.Assign("ACT-1", end.Add(-38*24*time.Hour), 1, 0)
	b.Churn("ACT-1", end.Add(-37*24*time.Hour), 340) // 341 histories: 4 changelog pages
	b.Transition("ACT-1", end.Add(-24*time.Hour), "Done", 1)
	b.Churn("ACT-2", end.Add(-30*24*time.Hour), 99) // exactly 100 with the transition: not truncated
	b.Transition("ACT-2", end.Add(-2*time.Hour), "In Progress", 0)
	e := newEnv(t, b.Org, simjira.Options{})
	e.sync(e.ingester(nil))
	want := groundTruth(t, e, e.options(), end)
	requireTruth(t, e.st, want)
	require.Len(t, want.actionItems[0].Transitions, 342)
	require.Equal(t, 3, e.sim.Requests()["changelog"], "only what search did not embed is paged: 341 histories, 100 embedded, 241 at 100 per page")

	got, err := e.st.ActionItems(context.Background())
	require.NoError(t, err)
	require.Equal(t, "Done", got[0].Status)
	require.Equal(t, "assignee", got[0].Transitions[0].Field, "the oldest history, which search does not embed, is there")
	require.Equal(t, b.Org.Users[1].JiraAccountID, got[0].AssigneeID)
	require.True(t, got[0].LastActivityAt.Equal(end.Add(-24*time.Hour)), "automation churn is not activity")
}

func TestUnknownEnumValuesAreStoredAsUnknownAndCounted(t *testing.T) {
	t.Parallel()
	o := generated(t, org.ScaleTiny)
	e := newEnv(t, o, simjira.Options{Faults: simjira.Faults{Seed: 3, UnknownEnumRate: 0.3}})
	reg := prometheus.NewRegistry()
	var logs strings.Builder
	var mu sync.Mutex
	stats, err := e.ingester(func(op *jira.Options) { op.Registerer = reg; op.Logger = slogTo(&logs, &mu) }).Sync(context.Background())
	require.NoError(t, err)
	require.Zero(t, stats.Unmapped, "unknown values do not drop records")
	// Each distinct unknown value is logged once at WARN with the raw
	// value, and the sync ends with a WARN summary.
	mu.Lock()
	warned := map[string]int{}
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "level=WARN") && strings.Contains(l, `msg="unknown enum value, stored as unknown"`) {
			warned[l[strings.Index(l, "field="):]]++
		}
	}
	summary := strings.Contains(logs.String(), `level=WARN msg="unknown enum values in this sync"`)
	mu.Unlock()
	require.Equal(t, map[string]int{"field=status_category value=undefined": 1, "field=priority value=Urgent": 1}, warned)
	require.True(t, summary)
	want := groundTruth(t, e, e.options(), o.End)
	requireTruth(t, e.st, want)
	unknown := 0
	for _, a := range want.actionItems {
		if a.StatusCategory == "unknown" {
			unknown++
		}
	}
	require.Positive(t, unknown)
	require.GreaterOrEqual(t, testutil.ToFloat64(metricVec(t, reg, "aftermath_jira_unknown_enum_values_total", "priority")), float64(unknown))
}

// corrupting wraps a handler and breaks the created date of one issue in
// every search page that carries it.
type corrupting struct {
	next http.Handler
	key  string
}

func (c corrupting) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, "/search/jql") {
		c.next.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	c.next.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	var page map[string]any
	if rec.Code == http.StatusOK && json.Unmarshal(body, &page) == nil {
		issues, _ := page["issues"].([]any)
		for _, is := range issues {
			m, _ := is.(map[string]any)
			if m["key"] == c.key {
				m["fields"].(map[string]any)["created"] = "yesterday-ish"
			}
		}
		body, _ = json.Marshal(page)
	}
	for k, v := range rec.Header() {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
}

func TestUnmappableIssuesAreCountedLoggedAndSkipped(t *testing.T) {
	t.Parallel()
	o := generated(t, org.ScaleTiny)
	e := newEnv(t, o, simjira.Options{})
	bad := o.ActionItems[5].Key
	srv := httptest.NewServer(corrupting{next: e.sim, key: bad})
	t.Cleanup(srv.Close)
	var logs strings.Builder
	var mu sync.Mutex
	in := e.ingester(func(op *jira.Options) {
		op.BaseURL = srv.URL
		op.Logger = slogTo(&logs, &mu)
	})
	stats, err := in.Sync(context.Background())
	require.NoError(t, err, "the run goes on")
	require.Equal(t, uint64(1), stats.Unmapped)
	mu.Lock()
	require.Contains(t, logs.String(), bad)
	mu.Unlock()
	got, err := e.st.ActionItems(context.Background())
	require.NoError(t, err)
	require.Len(t, got, len(o.ActionItems)-1)
	for _, a := range got {
		require.NotEqual(t, bad, a.Key)
	}
}

func TestErrorsSayWhatFailedWithoutLeakingTheToken(t *testing.T) {
	t.Parallel()
	o := generated(t, org.ScaleTiny)
	e := newEnv(t, o, simjira.Options{})
	for _, tc := range []struct {
		name string
		mod  func(*jira.Options)
		want string
	}{
		{"wrong token", func(op *jira.Options) { op.Token = "wrong-" + token }, "401"},
		{"unsupported jql", func(op *jira.Options) { op.PostmortemJQL = `summary ~ "outage"` }, "not supported"},
		{"missing field", func(op *jira.Options) { op.Fields.Severity = "customfield_99999" }, "customfield_99999"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.ingester(tc.mod).Sync(context.Background())
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
			require.NotContains(t, err.Error(), token)
			require.True(t, strings.HasPrefix(err.Error(), "jira: "), err.Error())
		})
	}
}

func TestCancellationStopsTheSyncPromptly(t *testing.T) {
	t.Parallel()
	o := generated(t, org.ScaleTiny)
	e := newEnv(t, o, simjira.Options{Faults: simjira.Faults{SlowRate: 1, SlowDelay: time.Hour}})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := e.ingester(func(op *jira.Options) { op.RequestTimeout = time.Hour }).Sync(ctx)
	require.Error(t, err)
	require.True(t, errors.Is(err, context.DeadlineExceeded), "got %v", err)
	require.Less(t, time.Since(start), 5*time.Second)
}

func TestRequestBudgetAndServer429s(t *testing.T) {
	t.Parallel()
	o := generated(t, org.ScaleTiny)
	t.Run("our budget keeps us under the server's", func(t *testing.T) {
		e := newEnv(t, o, simjira.Options{RequestsPerMinute: 6000, Burst: 5})
		stats, err := e.ingester(func(op *jira.Options) { op.RequestsPerMinute = 3000; op.PageSize = 20 }).Sync(context.Background())
		require.NoError(t, err)
		require.Zero(t, e.sim.Requests()["rate_limited"])
		require.Positive(t, stats.RateWaits)
	})
	t.Run("429 with Retry-After is waited out", func(t *testing.T) {
		e := newEnv(t, o, simjira.Options{Faults: simjira.Faults{Seed: 5, RateLimitRate: 0.15}})
		stats, err := e.ingester(func(op *jira.Options) { op.PageSize = 50 }).Sync(context.Background())
		require.NoError(t, err)
		require.Positive(t, e.sim.Requests()["rate_limited"])
		require.Positive(t, stats.RateWaits)
		requireTruth(t, e.st, groundTruth(t, e, e.options(), o.End))
	})
}

func TestFaultsLeaveTheSameFinalState(t *testing.T) {
	t.Parallel()
	o := generated(t, org.ScaleTiny)
	e := newEnv(t, o, simjira.Options{Faults: simjira.Faults{
		Seed: 11, ServerErrorRate: 0.15, TruncateRate: 0.1, MalformedRate: 0.1, ShiftRate: 0.3, ShortPageRate: 0.3,
		SlowRate: 0.05, SlowDelay: 400 * time.Millisecond,
	}})
	stats, err := e.ingester(func(op *jira.Options) {
		op.PageSize = 10
		op.RequestTimeout = 100 * time.Millisecond
		op.MaxAttempts = 12
	}).Sync(context.Background())
	require.NoError(t, err)
	require.Positive(t, stats.Retries)
	require.Positive(t, e.sim.Requests()["fault"])
	requireTruth(t, e.st, groundTruth(t, e, e.options(), o.End))
}

// slogTo logs to w, serialised by mu.
func slogTo(w io.Writer, mu *sync.Mutex) *slog.Logger {
	return slog.New(slog.NewTextHandler(lockedWriter{w, mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
