package jira_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/domain"
	"github.com/aftermath-sre/aftermath/ingest/jira"
	simjira "github.com/aftermath-sre/aftermath/simulate/jira"
	"github.com/aftermath-sre/aftermath/simulate/org"
	"github.com/aftermath-sre/aftermath/store"
)

// rawIssue is the stored raw document of the issue with the given key.
func rawIssue(t *testing.T, st *store.Store, key string) string {
	t.Helper()
	var body string
	require.NoError(t, st.Conn().QueryRow(context.Background(),
		"SELECT body FROM "+st.Table("raw_documents")+" FINAL WHERE source = ? AND kind = 'issue' AND id = ?",
		jira.Source, key).Scan(&body))
	return body
}

// notIn is jql narrowed to leave out keys.
func notIn(jql string, keys ...string) string {
	return jql + " AND key NOT IN (" + strings.Join(keys, ", ") + ")"
}

// restoreSearches wraps the simulator and records the JQL of each search
// that restores issues (one naming keys with IN, not a key listing), and
// the keys that incremental searches served.
type restoreSearches struct {
	t    *testing.T
	next http.Handler

	mu          sync.Mutex
	jqls        []string
	incremental []string
}

func (r *restoreSearches) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	jql := q.Get("jql")
	if !strings.HasSuffix(req.URL.Path, "/search/jql") || !strings.Contains(jql, "updated >= ") {
		if strings.HasSuffix(req.URL.Path, "/search/jql") && strings.Contains(jql, " AND key IN (") {
			r.mu.Lock()
			r.jqls = append(r.jqls, jql+" expand="+q.Get("expand"))
			r.mu.Unlock()
		}
		r.next.ServeHTTP(w, req)
		return
	}
	rec := httptest.NewRecorder()
	r.next.ServeHTTP(rec, req)
	var page struct {
		Issues []struct {
			Key string `json:"key"`
		} `json:"issues"`
	}
	if rec.Code == http.StatusOK {
		require.NoError(r.t, json.Unmarshal(rec.Body.Bytes(), &page))
	}
	r.mu.Lock()
	for _, is := range page.Issues {
		r.incremental = append(r.incremental, is.Key)
	}
	r.mu.Unlock()
	maps.Copy(w.Header(), rec.Header())
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// take returns and forgets what was recorded.
func (r *restoreSearches) take() (restores, incremental []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	restores, incremental = r.jqls, r.incremental
	r.jqls, r.incremental = nil, nil
	return restores, incremental
}

// TestReconcileRestoresIssuesBackInScope: issues a narrowed JQL had removed
// come back, with their factors, transitions and raw documents, exactly as
// a full sync stored them, once the JQL is restored; an incremental sync
// alone never fetches them (they were not updated).
func TestReconcileRestoresIssuesBackInScope(t *testing.T) {
	t.Parallel()
	o := generated(t, org.ScaleTiny)
	e := newEnv(t, o, simjira.Options{})
	logs := &capturedLogs{}
	logged := logs.into
	e.sync(e.ingester(logged))
	all := groundTruth(t, e, e.options(), o.End)
	requireStoredAsTruth(t, e.st, all)

	pms := []string{o.Postmortems[0].Key, o.Postmortems[1].Key}
	require.NotEmpty(t, o.Postmortems[0].Doc.Factors)
	require.NotEmpty(t, o.Postmortems[0].ActionItemKeys)
	items := []string{overdueItem(t, o), o.ActionItems[len(o.ActionItems)-1].Key}
	require.NotEqual(t, items[0], items[1])
	raws := map[string]string{}
	for _, k := range append(slices.Clone(pms), items...) {
		raws[k] = rawIssue(t, e.st, k)
	}

	// `aftermath ingest --once` with a JQL that leaves them out removes
	// them.
	e.sync(e.ingester(func(op *jira.Options) {
		logged(op)
		op.PostmortemJQL = notIn(domain.DefaultPostmortemJQL, pms...)
		op.ActionItemJQL = notIn(domain.DefaultActionItemJQL, items...)
	}))
	gone := append(slices.Clone(pms), items...)
	requireStoredAsTruth(t, e.st, withoutKeys(all, gone...), items...)

	// The JQL restored, the next run brings them back: the store is what
	// the full sync stored, raw documents included, and the run says so.
	reg := prometheus.NewRegistry()
	e.sync(e.ingester(func(op *jira.Options) { logged(op); op.Registerer = reg }))
	requireStoredAsTruth(t, e.st, all)
	for k, raw := range raws {
		require.JSONEq(t, raw, rawIssue(t, e.st, k), k)
	}
	requireGathered(t, reg, `
# HELP aftermath_jira_restored_issues_total Issues a reconciliation with Jira fetched and stored because Jira lists them in scope and they were not stored (removed earlier, or brought into scope by a JQL or access change), by kind.
# TYPE aftermath_jira_restored_issues_total counter
aftermath_jira_restored_issues_total{kind="action_item"} 2
aftermath_jira_restored_issues_total{kind="postmortem"} 2
`, "aftermath_jira_restored_issues_total")
	out := logs.String()
	for _, l := range []string{
		`level=INFO msg="restored issues Jira lists in scope that were not stored (removed earlier, or brought into scope by a JQL or access change)" source=jira kind=postmortem restored=2 listed_not_stored=2`,
		`level=INFO msg="restored issues Jira lists in scope that were not stored (removed earlier, or brought into scope by a JQL or access change)" source=jira kind=action_item restored=2 listed_not_stored=2`,
		`level=INFO msg="reconciled with Jira" source=jira postmortems_removed=0 action_items_removed=0 postmortems_restored=2 action_items_restored=2`,
	} {
		require.Contains(t, out, l)
	}

	// Nothing left to restore: the next run's reconciliation costs one key
	// listing per kind, as before.
	before := e.sim.Requests()["search"]
	e.sync(e.ingester(logged))
	require.Equal(t, 2+2, e.sim.Requests()["search"]-before, "two incremental searches and one key listing per kind")
	requireStoredAsTruth(t, e.st, all)
}

// TestReconcileBackfillsAWidenedScope: widening a JQL stores the issues it
// brings into scope that no sync has fetched (not updated since the
// checkpoint), in searches of a bounded number of keys, with changelogs.
func TestReconcileBackfillsAWidenedScope(t *testing.T) {
	t.Parallel()
	o := generated(t, org.ScaleTiny)
	e := newEnv(t, o, simjira.Options{})
	rs := &restoreSearches{t: t, next: e.sim}
	srv := httptest.NewServer(rs)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	all := groundTruth(t, e, e.options(), o.End)

	// Synced from the start with the action items of one team only (the
	// one with the most).
	team, _ := busiestTeam(t, o)
	var others []string
	for _, a := range o.ActionItems {
		if a.TeamID != team.ID {
			others = append(others, a.Key)
		}
	}
	require.Greater(t, len(others), 20)
	e.sync(e.ingester(func(op *jira.Options) {
		op.ActionItemJQL = domain.DefaultActionItemJQL + " AND labels = team-" + team.Slug
	}))
	requireStoredAsTruth(t, e.st, withoutKeys(all, others...), others...)
	restores, _ := rs.take()
	require.Empty(t, restores, "nothing to restore")

	// Every team's: the first run of the wider JQL fetches the others, at
	// most 7 keys a search (and 5 issues a page).
	in := e.ingester(func(op *jira.Options) { op.PageSize = 5 })
	in.SetRestoreBatch(7)
	e.sync(in)
	requireStoredAsTruth(t, e.st, all)
	// What the incremental sync served (updated since the checkpoint) is
	// not restored.
	searches, incremental := rs.take()
	others = slices.DeleteFunc(others, func(k string) bool { return slices.Contains(incremental, k) })
	require.Greater(t, len(others), 20)
	pages := 0
	for n := len(others); n > 0; n -= 7 {
		pages += (min(n, 7) + 4) / 5
	}
	require.Len(t, searches, pages, "a search per 7 keys, a page per 5 issues")
	var named []string
	for _, s := range searches {
		require.True(t, strings.HasPrefix(s, "("+domain.DefaultActionItemJQL+") AND key IN ("), s)
		require.True(t, strings.HasSuffix(s, ") ORDER BY key ASC expand=changelog"), s)
		list := strings.TrimSuffix(strings.SplitN(s, " AND key IN (", 2)[1], ") ORDER BY key ASC expand=changelog")
		keys := strings.Split(list, ", ")
		require.LessOrEqual(t, len(keys), 7, s)
		for _, k := range keys {
			if !slices.Contains(named, k) {
				named = append(named, k)
			}
		}
	}
	var quoted []string
	for _, k := range others {
		quoted = append(quoted, `"`+k+`"`)
	}
	require.ElementsMatch(t, quoted, named)
}
