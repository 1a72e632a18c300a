package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/config"
	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/simulate"
	simjira "github.com/aftermath-sre/aftermath/simulate/jira"
	"github.com/aftermath-sre/aftermath/simulate/org"
	simpd "github.com/aftermath-sre/aftermath/simulate/pagerduty"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// TestIngestFamiliesProducedBySimulatedOrg: every catalogued ingest family
// (metrics.ByIngest) has a sample, of the catalogued type, after both sources
// synced the tiny simulated org through the same wiring as `aftermath serve`,
// and every ingest source Aftermath wires is a catalogued one. The families
// count what goes wrong, so the vendors misbehave: unknown enum values, one
// PagerDuty log entry and one Jira issue that cannot be mapped, and one
// PagerDuty page asked at an offset that skips items (as when items move
// between pages). A catalogued family that no source produces is dead or
// broken, and fails here.
func TestIngestFamiliesProducedBySimulatedOrg(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests the tiny org")
	}
	end := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { return end }
	o, err := org.Generate(org.Options{Seed: 1, Scale: org.ScaleTiny, End: end})
	require.NoError(t, err)
	sim, err := simulate.New(simulate.Options{Org: o, Now: now,
		PagerDutyToken: "pd", PagerDutyRateLimit: -1, PagerDutyFaults: simpd.Faults{UnknownEnumRate: 0.2},
		JiraEmail: "me@example.com", JiraToken: "jt", JiraTimeZone: "UTC", JiraRateLimit: -1,
		JiraFaults: simjira.Faults{Seed: 1, UnknownEnumRate: 0.2}})
	require.NoError(t, err)
	hostile := &misbehaving{next: sim, badIssue: o.ActionItems[3].Key}
	srv := httptest.NewServer(hostile)
	defer srv.Close()

	st := chtest.Store(t)
	cfg := config.Default()
	cfg.PagerDuty.Enabled, cfg.PagerDuty.APIURL, cfg.PagerDuty.Token = true, srv.URL, config.NewSecret("pd")
	cfg.PagerDuty.RequestsPerMinute, cfg.PagerDuty.BackfillStart = 0, config.StartTime{Time: o.Start}
	cfg.Jira.Enabled, cfg.Jira.BaseURL, cfg.Jira.RequestsPerMinute = true, srv.URL, 0
	cfg.Jira.Auth.Email, cfg.Jira.Auth.Token = "me@example.com", config.NewSecret("jt")
	a := &app{stdout: io.Discard, stderr: io.Discard, logger: slog.New(slog.NewTextHandler(io.Discard, nil)), cfg: cfg}

	reg := prometheus.NewRegistry()
	srcs, err := a.sourcesAt(st, reg, "all", now)
	require.NoError(t, err)
	var wired []metrics.Source
	for _, src := range srcs {
		_, err := syncOnce(context.Background(), src, a)
		require.NoError(t, err, src.Name())
		s := metrics.Source(src.Name())
		require.True(t, s.Valid(), "source %s is not in the metrics catalogue", src.Name())
		wired = append(wired, s)
	}
	require.ElementsMatch(t, metrics.Sources(), wired, "every catalogued source is wired, and only those")
	hostile.mu.Lock()
	require.True(t, hostile.shifted && hostile.brokeLogEntry && hostile.brokeIssue, "every misbehaviour happened: %+v", hostile)
	hostile.mu.Unlock()

	mfs, err := reg.Gather()
	require.NoError(t, err)
	got := map[string]string{} // name -> type, of families with a sample
	for _, mf := range mfs {
		if len(mf.GetMetric()) > 0 {
			got[mf.GetName()] = strings.ToLower(mf.GetType().String())
		}
	}
	require.Empty(t, unproducedIngestFamilies(got))
}

// unproducedIngestFamilies says which catalogued ingest families are not in
// got (name -> Prometheus type of the families with a sample) or not with
// their catalogued type.
func unproducedIngestFamilies(got map[string]string) []string {
	var out []string
	for _, f := range metrics.By(metrics.ByIngest) {
		switch typ, ok := got[f.Name()]; {
		case !ok:
			out = append(out, f.Name()+" has no sample")
		case typ != f.Type().String():
			out = append(out, f.Name()+" is a "+typ+", catalogued as a "+f.Type().String())
		}
	}
	return out
}

func TestUnproducedIngestFamilies(t *testing.T) {
	got := map[string]string{}
	for _, f := range metrics.By(metrics.ByIngest) {
		got[f.Name()] = f.Type().String()
	}
	require.NotEmpty(t, got)
	require.Empty(t, unproducedIngestFamilies(got))

	delete(got, metrics.JiraSkippedIssuesTotal.Name())
	got[metrics.SyncDurationSeconds.For(metrics.SourcePagerDuty).Name()] = "counter"
	require.Equal(t, []string{
		"aftermath_jira_skipped_issues_total has no sample",
		"aftermath_pagerduty_sync_duration_seconds is a counter, catalogued as a gauge",
	}, unproducedIngestFamilies(got))
}

// misbehaving serves the simulators with three faults they do not have, each
// once: the first PagerDuty log-entry page asked beyond the first is served
// from two items further (items skipped, as when they move between pages);
// the first log entry of the first log-entry page has a created_at that is no
// time; and Jira issue badIssue has a date that is no date.
type misbehaving struct {
	next     http.Handler
	badIssue string

	mu                                 sync.Mutex
	shifted, brokeLogEntry, brokeIssue bool
}

var (
	createdAt   = regexp.MustCompile(`"created_at":"[^"]*"`)
	jiraCreated = regexp.MustCompile(`"created":"[^"]*"`)
)

func (m *misbehaving) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	isLogEntries := r.URL.Path == "/log_entries"
	if off, err := strconv.Atoi(r.URL.Query().Get("offset")); isLogEntries && err == nil && off > 0 && !m.shifted {
		q := r.URL.Query()
		q.Set("offset", strconv.Itoa(off+2))
		r.URL.RawQuery = q.Encode()
		m.shifted = true
	}
	rec := httptest.NewRecorder()
	m.next.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	if rec.Code == http.StatusOK {
		switch {
		case isLogEntries && !m.brokeLogEntry:
			if loc := createdAt.FindIndex(body); loc != nil {
				body = append(append(body[:loc[0]:loc[0]], `"created_at":"yesterday"`...), body[loc[1]:]...)
				m.brokeLogEntry = true
			}
		case strings.HasSuffix(r.URL.Path, "/search/jql") && !m.brokeIssue:
			if i := strings.Index(string(body), `"key":"`+m.badIssue+`"`); i >= 0 {
				if loc := jiraCreated.FindIndex(body[i:]); loc != nil {
					at, to := i+loc[0], i+loc[1]
					body = append(append(body[:at:at], `"created":"not a date"`...), body[to:]...)
					m.brokeIssue = true
				}
			}
		}
	}
	for k, v := range rec.Header() {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
}
