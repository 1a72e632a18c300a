package jira_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/domain"
	"github.com/aftermath-sre/aftermath/ingest/jira"
	simjira "github.com/aftermath-sre/aftermath/simulate/jira"
	"github.com/aftermath-sre/aftermath/simulate/org"
	"github.com/aftermath-sre/aftermath/store"
)

// withoutKeys is the truth with the given issues removed.
func withoutKeys(tr truth, keys ...string) truth {
	var out truth
	for _, p := range tr.postmortems {
		if !slices.Contains(keys, p.Key) {
			out.postmortems = append(out.postmortems, p)
		}
	}
	for _, a := range tr.actionItems {
		if !slices.Contains(keys, a.Key) {
			out.actionItems = append(out.actionItems, a)
		}
	}
	return out
}

// storedRows counts every row (all versions) of table whose column is value.
func storedRows(t *testing.T, st *store.Store, table, column, value string) uint64 {
	t.Helper()
	var n uint64
	require.NoError(t, st.Conn().QueryRow(context.Background(),
		"SELECT count() FROM "+st.Table(table)+" WHERE "+column+" = ?", value).Scan(&n))
	return n
}

// requireStoredAsTruth is requireTruth (postmortems' links to the unlinked
// keys aside) plus the tables requireTruth does not count: every factor of
// the truth and no other, and raw documents for exactly the truth's issues.
func requireStoredAsTruth(t *testing.T, st *store.Store, want truth, unlinked ...string) {
	t.Helper()
	requireTruth(t, st, want, unlinked...)
	ctx := context.Background()
	factors := 0
	for _, p := range want.postmortems {
		factors += len(p.Factors)
	}
	n, err := st.Count(ctx, "contributing_factors")
	require.NoError(t, err)
	require.Equal(t, uint64(factors), n, "contributing factors")
	var ids []string
	require.NoError(t, st.RawDocuments(ctx, jira.Source, "issue", func(docs []store.RawDocument) error {
		for _, d := range docs {
			ids = append(ids, d.ID)
		}
		return nil
	}))
	var keys []string
	for _, p := range want.postmortems {
		keys = append(keys, p.Key)
	}
	for _, a := range want.actionItems {
		keys = append(keys, a.Key)
	}
	require.ElementsMatch(t, keys, ids, "raw issues")
}

// deleteOverHTTP deletes an issue as a Jira client does.
func deleteOverHTTP(t *testing.T, e *env, key string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodDelete, e.url+"/rest/api/3/issue/"+key, nil)
	require.NoError(t, err)
	req.SetBasicAuth(email, token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
}

// overdueItem is the key of an action item still open and past its due
// date at the end of the org.
// busiestTeam is the team with the most action items, and their count.
func busiestTeam(t *testing.T, o *org.Org) (org.Team, int) {
	t.Helper()
	perTeam := map[string]int{}
	for _, a := range o.ActionItems {
		perTeam[a.TeamID]++
	}
	team := o.Teams[0]
	for _, tm := range o.Teams {
		if perTeam[tm.ID] > perTeam[team.ID] {
			team = tm
		}
	}
	require.Positive(t, perTeam[team.ID])
	return team, perTeam[team.ID]
}

func overdueItem(t *testing.T, o *org.Org) string {
	t.Helper()
	for _, a := range o.ActionItems {
		st := a.StateAt(o.End)
		if st.StatusCategory != org.CategoryDone && !st.DueDate.IsZero() && st.DueDate.Before(o.End) {
			return a.Key
		}
	}
	t.Fatal("the org has no overdue action item")
	return ""
}

func TestReconcileRemovesIssuesDeletedOrMovedInJira(t *testing.T) {
	t.Parallel()
	o := generated(t, org.ScaleTiny)
	e := newEnv(t, o, simjira.Options{})
	logs := &capturedLogs{}
	logged := logs.into
	in := e.ingester(logged)
	e.sync(in)
	all := groundTruth(t, e, e.options(), o.End)
	requireStoredAsTruth(t, e.st, all)

	// An open, overdue action item is deleted, a postmortem with factors
	// and action items is deleted, and another item is moved to another
	// issue type (out of "issuetype = Task").
	overdue := overdueItem(t, o)
	pm := o.Postmortems[0]
	require.NotEmpty(t, pm.Doc.Factors)
	require.NotEmpty(t, pm.ActionItemKeys)
	moved := o.ActionItems[len(o.ActionItems)-1].Key
	require.NotEqual(t, overdue, moved)
	deleteOverHTTP(t, e, overdue)
	require.NoError(t, e.sim.DeleteIssue(pm.Key))
	e.clock.Set(o.End.Add(time.Minute))
	require.NoError(t, e.sim.MoveIssue(moved, simjira.TypeStory))
	require.Positive(t, storedRows(t, e.st, "contributing_factors", "postmortem_key", pm.Key))

	// The same ingester within its interval syncs incrementally, which
	// cannot see a deletion: nothing changes (but for the links to the
	// deleted item of a postmortem the sync's overlap reads again).
	e.clock.Set(o.End.Add(2 * time.Minute))
	e.sync(in)
	requireStoredAsTruth(t, e.st, all, overdue)

	// A new ingester (a new `aftermath ingest --once`) reconciles at its
	// first sync: the three are gone, with their factors, transitions and
	// raw documents, and nothing else is; its metrics count them.
	reg := prometheus.NewRegistry()
	e.sync(e.ingester(func(op *jira.Options) { logged(op); op.Registerer = reg }))
	requireGathered(t, reg, `
# HELP aftermath_jira_reconcile_refused 1 when the last reconciliation with Jira removed nothing because it would have removed more than a safe share of the stored issues (check the JQL and the account's access), else 0.
# TYPE aftermath_jira_reconcile_refused gauge
aftermath_jira_reconcile_refused 0
# HELP aftermath_jira_removed_issues_total Issues removed from the store because Jira no longer lists them in scope (deleted, or moved out of the JQL; each is logged by key), by kind.
# TYPE aftermath_jira_removed_issues_total counter
aftermath_jira_removed_issues_total{kind="action_item"} 2
aftermath_jira_removed_issues_total{kind="postmortem"} 1
`, "aftermath_jira_reconcile_refused", "aftermath_jira_removed_issues_total")
	requireStoredAsTruth(t, e.st, withoutKeys(all, overdue, pm.Key, moved), overdue)
	for _, k := range []string{overdue, pm.Key, moved} {
		require.Zero(t, storedRows(t, e.st, "raw_documents", "id", k), k)
	}
	require.Zero(t, storedRows(t, e.st, "contributing_factors", "postmortem_key", pm.Key))
	require.Zero(t, storedRows(t, e.st, "action_item_transitions", "item_key", overdue))
	require.Zero(t, storedRows(t, e.st, "action_items", "key", overdue))
	out := logs.String()
	for _, l := range []string{
		`level=INFO msg="removing an issue Jira no longer lists in scope (deleted, or moved out of the JQL)" source=jira kind=action_item key=` + overdue,
		`level=INFO msg="removing an issue Jira no longer lists in scope (deleted, or moved out of the JQL)" source=jira kind=action_item key=` + moved,
		`level=INFO msg="removing an issue Jira no longer lists in scope (deleted, or moved out of the JQL)" source=jira kind=postmortem key=` + pm.Key,
		`level=INFO msg="reconciled with Jira" source=jira postmortems_removed=1 action_items_removed=2`,
	} {
		require.Contains(t, out, l)
	}
	require.NotContains(t, out, token)

	// A reconciliation that finds nothing to remove costs one key listing
	// per kind (the simulator serves 100 keys a page).
	before := e.sim.Requests()["search"]
	e.sync(e.ingester(logged))
	require.Equal(t, 2+2, e.sim.Requests()["search"]-before, "two incremental searches and one key listing per kind")

	// The first ingester reconciles again once its interval has passed.
	next := o.ActionItems[len(o.ActionItems)-2].Key
	require.NotContains(t, []string{overdue, moved}, next)
	deleteOverHTTP(t, e, next)
	e.clock.Set(o.End.Add(jira.DefaultReconcileInterval - time.Minute))
	e.sync(in)
	require.Positive(t, storedRows(t, e.st, "action_items", "key", next), "within a day of its first sync, the first ingester does not reconcile")
	e.clock.Set(o.End.Add(jira.DefaultReconcileInterval))
	e.sync(in)
	requireStoredAsTruth(t, e.st, withoutKeys(all, overdue, pm.Key, moved, next), overdue, next)
}

func TestReconcileRemovesNothingWhenJiraListsTooFewIssues(t *testing.T) {
	t.Parallel()
	o := generated(t, org.ScaleTiny)
	e := newEnv(t, o, simjira.Options{})
	logs := &capturedLogs{}
	logged := logs.into
	e.sync(e.ingester(logged))
	all := groundTruth(t, e, e.options(), o.End)
	requireStoredAsTruth(t, e.st, all)
	refusal := func(kind string, stored, missing int) string {
		return fmt.Sprintf(`level=ERROR msg="Jira no longer lists more than a safe share of the stored issues; removing none of them: check the JQL and the account's access (a permission change or a JQL edit looks like a mass deletion)" source=jira kind=%s stored=%d missing=%d limit_keys=20 limit_share=0.1`, kind, stored, missing)
	}

	// An edit of the JQL that narrows it to one team: the other teams'
	// history must not be wiped.
	team, mine := busiestTeam(t, o)
	others := len(o.ActionItems) - mine
	require.Greater(t, others, 20)
	reg := prometheus.NewRegistry()
	e.sync(e.ingester(func(op *jira.Options) {
		logged(op)
		op.Registerer = reg
		op.ActionItemJQL = domain.DefaultActionItemJQL + " AND labels = team-" + team.Slug
	}))
	requireStoredAsTruth(t, e.st, all)
	requireGathered(t, reg, `
# HELP aftermath_jira_reconcile_refused 1 when the last reconciliation with Jira removed nothing because it would have removed more than a safe share of the stored issues (check the JQL and the account's access), else 0.
# TYPE aftermath_jira_reconcile_refused gauge
aftermath_jira_reconcile_refused 1
`, "aftermath_jira_reconcile_refused")
	require.Contains(t, logs.String(), refusal("action_item", len(o.ActionItems), others))

	// 21 action items deleted in Jira, more than 20 and more than a tenth
	// of the 56 stored, and a postmortem: nothing is removed, not even the
	// postmortem, which alone would be within bounds.
	require.Len(t, o.ActionItems, 56)
	for _, a := range o.ActionItems[:21] {
		require.NoError(t, e.sim.DeleteIssue(a.Key))
	}
	require.NoError(t, e.sim.DeleteIssue(o.Postmortems[len(o.Postmortems)-1].Key))
	e.sync(e.ingester(logged))
	requireStoredAsTruth(t, e.st, all)
	require.Contains(t, logs.String(), refusal("action_item", 56, 21))
	require.NotContains(t, logs.String(), "removing an issue")

	// The removal was intended (jira.reconcile_max_share: 1 for one run):
	// the 21 items and the postmortem go.
	var deleted []string
	for _, a := range o.ActionItems[:21] {
		deleted = append(deleted, a.Key)
	}
	deleted = append(deleted, o.Postmortems[len(o.Postmortems)-1].Key)
	e.sync(e.ingester(func(op *jira.Options) { logged(op); op.ReconcileMaxShare = 1 }))
	for _, k := range deleted {
		require.Zero(t, storedRows(t, e.st, "raw_documents", "id", k), k)
	}
	require.Zero(t, storedRows(t, e.st, "action_items", "key", deleted[0]))
	require.Zero(t, storedRows(t, e.st, "postmortems", "key", deleted[len(deleted)-1]))

	// 20 items are within bounds (not more than 20, though more than a
	// tenth): on another site and store, they go.
	e2 := newEnv(t, o, simjira.Options{})
	e2.sync(e2.ingester(nil))
	var gone []string
	for _, a := range o.ActionItems[:20] {
		require.NoError(t, e2.sim.DeleteIssue(a.Key))
		gone = append(gone, a.Key)
	}
	e2.sync(e2.ingester(nil))
	requireStoredAsTruth(t, e2.st, withoutKeys(groundTruth(t, e2, e2.options(), o.End), gone...))
}

// listedEnv is a tiny org's env whose ingesters reach the simulator through
// a keyListings (e.url is its address: the ingesters' base URL, and the
// browse links of the truth).
func listedEnv(t *testing.T) (*org.Org, *env, *keyListings) {
	t.Helper()
	o := generated(t, org.ScaleTiny)
	e := newEnv(t, o, simjira.Options{})
	kl := &keyListings{t: t, next: e.sim}
	srv := httptest.NewServer(kl)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return o, e, kl
}

// keyListings wraps the simulator and watches the key listings (searches
// asking for the key field only); fail, when set, answers the n-th.
type keyListings struct {
	t    *testing.T
	next http.Handler
	n    atomic.Int64
	fail atomic.Pointer[func(n int64, w http.ResponseWriter, r *http.Request) bool]
}

func (k *keyListings) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if strings.HasSuffix(r.URL.Path, "/search/jql") && q.Get("fields") == "key" {
		n := k.n.Add(1)
		if !strings.HasSuffix(q.Get("jql"), " ORDER BY key ASC") || q.Get("expand") != "" {
			k.t.Errorf("key listing %d: jql %q expand %q", n, q.Get("jql"), q.Get("expand"))
		}
		if f := k.fail.Load(); f != nil && (*f)(n, w, r) {
			return
		}
	}
	k.next.ServeHTTP(w, r)
}

func TestReconcileThatFailsOrIsCancelledRemovesNothing(t *testing.T) {
	t.Parallel()
	o, e, kl := listedEnv(t)
	viaWrapper := func(op *jira.Options) { op.MaxAttempts = 2 }
	e.sync(e.ingester(viaWrapper))
	all := groundTruth(t, e, e.options(), o.End)
	item := overdueItem(t, o)
	require.NoError(t, e.sim.DeleteIssue(item))
	pm := o.Postmortems[1].Key
	require.NoError(t, e.sim.DeleteIssue(pm))

	// The listing fails: the sync fails, naming the reconciliation, and
	// nothing is removed.
	fail := func(_ int64, w http.ResponseWriter, _ *http.Request) bool {
		http.Error(w, `{"errorMessages":["Internal server error"]}`, http.StatusInternalServerError)
		return true
	}
	kl.fail.Store(&fail)
	in := e.ingester(viaWrapper)
	_, err := in.Sync(context.Background())
	require.ErrorContains(t, err, "jira: reconcile: search postmortem keys page 1: ")
	requireStoredAsTruth(t, e.st, all)

	// Cancelled at the second look at the action items (the fourth key
	// listing, after the postmortems' second look): nothing is removed,
	// the postmortem neither.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	kl.n.Store(0)
	cancelAt := func(n int64, _ http.ResponseWriter, r *http.Request) bool {
		if n != 4 { // postmortems twice, then action items twice
			return false
		}
		cancel()
		<-r.Context().Done()
		return true
	}
	kl.fail.Store(&cancelAt)
	_, err = e.ingester(viaWrapper).Sync(ctx)
	require.ErrorIs(t, err, context.Canceled)
	require.EqualValues(t, 4, kl.n.Load(), "the sync listed the keys")
	requireStoredAsTruth(t, e.st, all)

	// Once the listing works again, the ingester whose reconciliation
	// failed tries again at its next sync, within the interval.
	kl.fail.Store(nil)
	e.clock.Set(o.End.Add(time.Minute))
	e.sync(in)
	requireStoredAsTruth(t, e.st, withoutKeys(all, item, pm), item)
}

// TestReconcileKeepsAnIssueOnlyOneListingMissed: a listing that skips a key
// (an issue shifting between pages while it runs) removes nothing; a key
// goes only when the second look lacks it too.
func TestReconcileKeepsAnIssueOnlyOneListingMissed(t *testing.T) {
	t.Parallel()
	o, e, kl := listedEnv(t)
	e.sync(e.ingester(nil))
	all := groundTruth(t, e, e.options(), o.End)
	skipped := o.ActionItems[10].Key
	deleted := o.ActionItems[20].Key
	require.NoError(t, e.sim.DeleteIssue(deleted))

	// The first listing of the action items (the second key listing) lacks
	// one more key than Jira has lost.
	skip := func(n int64, w http.ResponseWriter, r *http.Request) bool {
		if n != 2 {
			return false
		}
		rec := httptest.NewRecorder()
		e.sim.ServeHTTP(rec, r)
		var page map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &page))
		var issues []struct {
			Key string `json:"key"`
		}
		require.NoError(t, json.Unmarshal(page["issues"], &issues))
		issues = slices.DeleteFunc(issues, func(is struct {
			Key string `json:"key"`
		}) bool {
			return is.Key == skipped
		})
		page["issues"], _ = json.Marshal(issues)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(page)
		return true
	}
	kl.fail.Store(&skip)
	e.sync(e.ingester(nil))
	require.EqualValues(t, 3, kl.n.Load(), "postmortems once, action items twice")
	requireStoredAsTruth(t, e.st, withoutKeys(all, deleted), deleted)
}

// requireGathered compares the named families gathered from reg with want
// (text exposition format).
func requireGathered(t *testing.T, reg *prometheus.Registry, want string, names ...string) {
	t.Helper()
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(want), names...))
}

// capturedLogs collects the logs of the ingesters it is given to (into),
// safe to read while they write.
type capturedLogs struct {
	mu sync.Mutex
	b  strings.Builder
}

func (c *capturedLogs) into(op *jira.Options) { op.Logger = slogTo(&c.b, &c.mu) }

func (c *capturedLogs) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.b.String()
}

// TestReconcileRefusalClearsOnceAccessIsBack: a revoked permission makes
// the key listing of a kind come back empty, and the removal of every
// stored issue of it is refused. The refusal used to hold its gauge (and
// alert) until the next interval, a day later, however soon access came
// back; now every sync reconciles while the last one refused, so the first
// sync with access back clears it.
func TestReconcileRefusalClearsOnceAccessIsBack(t *testing.T) {
	t.Parallel()
	o, e, kl := listedEnv(t)
	reg := prometheus.NewRegistry()
	in := e.ingester(func(op *jira.Options) { op.Registerer = reg })
	e.sync(in)
	all := groundTruth(t, e, e.options(), o.End)
	requireStoredAsTruth(t, e.st, all)
	refused := func(v int) {
		t.Helper()
		requireGathered(t, reg, fmt.Sprintf(`
# HELP aftermath_jira_reconcile_refused 1 when the last reconciliation with Jira removed nothing because it would have removed more than a safe share of the stored issues (check the JQL and the account's access), else 0.
# TYPE aftermath_jira_reconcile_refused gauge
aftermath_jira_reconcile_refused %d
`, v), "aftermath_jira_reconcile_refused")
	}
	refused(0)

	// Access to the action items' project revoked: their listing is empty.
	hide := func(_ int64, w http.ResponseWriter, r *http.Request) bool {
		if !strings.Contains(r.URL.Query().Get("jql"), "Task") {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"issues":[],"isLast":true}`))
		return true
	}
	kl.fail.Store(&hide)
	e.clock.Set(o.End.Add(jira.DefaultReconcileInterval))
	e.sync(in)
	requireStoredAsTruth(t, e.st, all)
	refused(1)

	// Access is back a minute later, well within the interval: the next
	// sync reconciles again and the refusal clears.
	kl.fail.Store(nil)
	e.clock.Set(o.End.Add(jira.DefaultReconcileInterval + time.Minute))
	before := kl.n.Load()
	e.sync(in)
	require.Greater(t, kl.n.Load(), before, "the sync listed the keys again")
	requireStoredAsTruth(t, e.st, all)
	refused(0)

	// Cleared, the interval holds again: the next sync lists nothing.
	e.clock.Set(o.End.Add(jira.DefaultReconcileInterval + 2*time.Minute))
	before = kl.n.Load()
	e.sync(in)
	require.Equal(t, before, kl.n.Load(), "no listing within the interval")
}
