package jira_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/ingest/jira"
	"github.com/aftermath-sre/aftermath/postmortem"
	simjira "github.com/aftermath-sre/aftermath/simulate/jira"
	"github.com/aftermath-sre/aftermath/simulate/org"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

const (
	email = "sre@example.com"
	token = "jira-api-token-s3cret"
)

// clock is the simulator's (and the ingester's) adjustable present.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// env is a simulator serving an org, a fresh store and defaults for
// ingesters against them.
type env struct {
	t     *testing.T
	org   *org.Org
	sim   *simjira.Server
	url   string
	st    *store.Store
	clock *clock
	simOp simjira.Options
}

func newEnv(t *testing.T, o *org.Org, opts simjira.Options) *env {
	t.Helper()
	c := &clock{t: o.End}
	opts.Org = o
	opts.Email, opts.APIToken = email, token
	if opts.Now == nil {
		opts.Now = c.Now
	}
	sim, err := simjira.New(opts)
	require.NoError(t, err)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &env{t: t, org: o, sim: sim, url: srv.URL, st: chtest.Store(t), clock: c, simOp: opts}
}

// options are ingester defaults matching the simulator's configuration.
func (e *env) options() jira.Options {
	o := jira.Options{
		BaseURL:          e.url,
		APIVersion:       3,
		Email:            email,
		Token:            token,
		Store:            e.st,
		Now:              e.clock.Now,
		BaseBackoff:      time.Millisecond,
		MaxBackoff:       5 * time.Millisecond,
		MalformedBackoff: time.Millisecond,
		RequestTimeout:   10 * time.Second,
	}
	switch e.simOp.IncidentLink {
	case simjira.LinkField:
		o.Fields.IncidentLink = jira.IncidentLinkField{Mode: jira.LinkByField, Field: simjira.FieldIncident}
	case simjira.LinkDescription:
		o.Fields.IncidentLink = jira.IncidentLinkField{Mode: jira.LinkByDescription}
	}
	return o
}

func (e *env) ingester(mod func(*jira.Options)) *jira.Ingester {
	e.t.Helper()
	o := e.options()
	if mod != nil {
		mod(&o)
	}
	in, err := jira.New(o)
	require.NoError(e.t, err)
	return in
}

func (e *env) sync(in *jira.Ingester) {
	e.t.Helper()
	_, err := in.Sync(context.Background())
	require.NoError(e.t, err)
}

// truth describes what the store should hold for the org as of at, for an
// ingester configured by opts against the simulator.
type truth struct {
	postmortems []store.Postmortem
	actionItems []store.ActionItem
}

func groundTruth(t *testing.T, e *env, opts jira.Options, at time.Time) truth {
	t.Helper()
	o := e.org
	users := map[string]*org.User{}
	accounts := map[string]*org.User{}
	for i := range o.Users {
		users[o.Users[i].ID] = &o.Users[i]
		accounts[o.Users[i].JiraAccountID] = &o.Users[i]
	}
	teams := map[string]*org.Team{}
	for i := range o.Teams {
		teams[o.Teams[i].ID] = &o.Teams[i]
	}
	browse := e.url + "/browse/"
	var tr truth
	visible := map[string]bool{}
	created := map[string]time.Time{}
	for i := range o.ActionItems {
		if !o.ActionItems[i].CreatedAt.After(at) {
			visible[o.ActionItems[i].Key] = true
			created[o.ActionItems[i].Key] = o.ActionItems[i].CreatedAt
		}
	}
	team := func(teamID string, labels []string) string {
		switch opts.Fields.Team.From {
		case jira.TeamFromLabel:
			for _, l := range labels {
				if rest, ok := strings.CutPrefix(l, opts.Fields.Team.LabelPrefix); ok && rest != "" {
					return rest
				}
			}
			return ""
		}
		return teams[teamID].Slug
	}
	format := "adf"
	if opts.APIVersion == 2 {
		format = "wiki"
	}
	for i := range o.Postmortems {
		p := &o.Postmortems[i]
		if p.CreatedAt.After(at) {
			continue
		}
		st := p.StateAt(at)
		labels := append(slices.Clone(st.Labels), e.sim.ExtraLabels(p.Key)...)
		x := store.Postmortem{
			Key: p.Key, ID: p.ID, Project: "PM", Title: p.Title, URL: browse + p.Key,
			Status: st.Status, StatusCategory: st.StatusCategory, Team: team(p.TeamID, labels),
			Author: users[p.AuthorID].JiraAccountID, Labels: labels, IncidentIDs: slices.Clone(p.IncidentIDs),
			CreatedAt: p.CreatedAt, UpdatedAt: st.UpdatedAt, DescriptionFormat: format,
			Summary: p.Doc.Summary, Impact: p.Doc.Impact, Detection: p.Doc.Detection, WentWell: p.Doc.WentWell,
			WentPoorly: p.Doc.WentPoorly, Lucky: p.Doc.Lucky, Lessons: p.Doc.Lessons,
			TimeToDetect: p.Doc.TimeToDetect, ActionItemRows: len(p.Doc.ActionItems),
			MissingSections: p.Doc.Missing(),
		}
		if opts.Fields.Severity != "" {
			x.Severity = p.Severity
		}
		if e.sim.UnknownEnum(p.Key) {
			x.StatusCategory = "unknown"
		}
		for _, k := range p.ActionItemKeys {
			if visible[k] {
				x.ActionItemKeys = append(x.ActionItemKeys, k)
				// Linking an action item is an update of the postmortem.
				if c := created[k]; c.After(x.UpdatedAt) {
					x.UpdatedAt = c
				}
			}
		}
		for _, name := range postmortem.TemplateSections {
			if p.Doc.Has(name) {
				x.Sections = append(x.Sections, name)
			}
		}
		for _, f := range p.Doc.Factors {
			x.Factors = append(x.Factors, store.Factor{PostmortemKey: p.Key, Ordinal: f.Ordinal, Name: f.Name, Text: f.Text})
		}
		for _, h := range org.ChangelogAt(p.Changelog, at) {
			for _, it := range h.Items {
				if it.Field == "status" && it.ToString == org.PMInReview && x.InReviewAt.IsZero() {
					x.InReviewAt = h.At
				}
				if it.Field == "status" && it.ToString == org.PMPublished {
					x.PublishedAt = h.At
				}
			}
		}
		if !at.Before(o.End) {
			require.Equal(t, p.InReviewAt, x.InReviewAt, p.Key)
			require.Equal(t, p.PublishedAt, x.PublishedAt, p.Key)
		}
		tr.postmortems = append(tr.postmortems, x)
	}
	for i := range o.ActionItems {
		a := &o.ActionItems[i]
		if a.CreatedAt.After(at) {
			continue
		}
		st := a.StateAt(at)
		extra := e.sim.ExtraLabels(a.Key)
		labels := append(slices.Clone(st.Labels), extra...)
		x := store.ActionItem{
			Key: a.Key, ID: a.ID, Project: "ACT", PostmortemKey: a.PostmortemKey, Summary: a.Summary,
			Status: st.Status, StatusCategory: st.StatusCategory, Priority: jira.DefaultPriority(st.Priority),
			RawPriority: st.Priority, AssigneeID: st.AssigneeAccountID, Team: team(a.TeamID, labels),
			Labels: labels, Components: []string{teams[a.TeamID].Slug}, DueDate: st.DueDate,
			CreatedAt: a.CreatedAt, UpdatedAt: st.UpdatedAt, ResolvedAt: st.ResolvedAt, LastActivityAt: a.CreatedAt,
			ReopenCount: st.Reopened, URL: browse + a.Key,
		}
		if u := accounts[st.AssigneeAccountID]; u != nil {
			x.AssigneeName = u.Name
		}
		if e.sim.UnknownEnum(a.Key) {
			x.StatusCategory, x.Priority, x.RawPriority = "unknown", "unknown", "Urgent"
		}
		for _, h := range org.ChangelogAt(a.Changelog, at) {
			if h.AuthorAccountID != o.Automation.JiraAccountID && h.At.After(x.LastActivityAt) {
				x.LastActivityAt = h.At
			}
			for j, it := range h.Items {
				from, to := it.FromString, it.ToString
				if it.Field == "labels" {
					from, to = joinLabels(from, extra), joinLabels(to, extra)
				}
				x.Transitions = append(x.Transitions, store.Transition{
					ItemKey: a.Key, HistoryID: h.ID, Seq: j, At: h.At, AuthorID: h.AuthorAccountID, Field: it.Field,
					FromValue: it.From, FromString: from, ToValue: it.To, ToString: to,
				})
			}
		}
		tr.actionItems = append(tr.actionItems, x)
	}
	return tr
}

func joinLabels(s string, extra []string) string {
	ls := strings.Fields(s)
	for _, e := range extra {
		if !slices.Contains(ls, e) {
			ls = append(ls, e)
		}
	}
	return strings.Join(ls, " ")
}

// normalize makes stored and expected rows comparable: second precision,
// UTC, nil slices empty, stable orders.
func normalizePM(p store.Postmortem) store.Postmortem {
	p.CreatedAt, p.UpdatedAt = sec(p.CreatedAt), sec(p.UpdatedAt)
	p.InReviewAt, p.PublishedAt = sec(p.InReviewAt), sec(p.PublishedAt)
	p.Labels, p.IncidentIDs, p.ActionItemKeys = empty(p.Labels), empty(p.IncidentIDs), empty(p.ActionItemKeys)
	p.Sections, p.MissingSections = empty(p.Sections), empty(p.MissingSections)
	p.TimeToDetect = p.TimeToDetect.Truncate(time.Second)
	if p.Factors == nil {
		p.Factors = []store.Factor{}
	}
	return p
}

func normalizeAI(a store.ActionItem) store.ActionItem {
	a.CreatedAt, a.UpdatedAt, a.ResolvedAt, a.LastActivityAt = sec(a.CreatedAt), sec(a.UpdatedAt), sec(a.ResolvedAt), sec(a.LastActivityAt)
	a.Labels, a.Components = empty(a.Labels), empty(a.Components)
	ts := make([]store.Transition, len(a.Transitions))
	for i, t := range a.Transitions {
		t.At = sec(t.At)
		ts[i] = t
	}
	sort.SliceStable(ts, func(i, j int) bool {
		if !ts[i].At.Equal(ts[j].At) {
			return ts[i].At.Before(ts[j].At)
		}
		if ts[i].HistoryID != ts[j].HistoryID {
			return ts[i].HistoryID < ts[j].HistoryID
		}
		return ts[i].Seq < ts[j].Seq
	})
	a.Transitions = ts
	return a
}

func sec(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Second)
}

func empty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// mismatches compares the store with the truth and describes the first few
// differences (empty when equal). Postmortems' links to the unlinked keys
// are left out on both sides (an issue deleted in Jira leaves its
// postmortem's links silently, so a stored postmortem lists it until it is
// synced again).
func mismatches(t *testing.T, st *store.Store, want truth, unlinked ...string) []string {
	t.Helper()
	ctx := context.Background()
	gotPM, err := st.Postmortems(ctx)
	require.NoError(t, err)
	gotAI, err := st.ActionItems(ctx)
	require.NoError(t, err)
	var out []string
	add := func(s string) {
		if len(out) < 10 {
			out = append(out, s)
		}
	}
	unlink := func(p store.Postmortem) store.Postmortem {
		p.ActionItemKeys = slices.DeleteFunc(slices.Clone(p.ActionItemKeys), func(k string) bool { return slices.Contains(unlinked, k) })
		return p
	}
	pms := map[string]store.Postmortem{}
	for _, p := range gotPM {
		pms[p.Key] = normalizePM(unlink(p))
	}
	if len(gotPM) != len(want.postmortems) {
		add("postmortem count: got " + itoa(len(gotPM)) + " want " + itoa(len(want.postmortems)))
	}
	for _, w := range want.postmortems {
		w = normalizePM(unlink(w))
		g, ok := pms[w.Key]
		if !ok {
			add("missing postmortem " + w.Key)
			continue
		}
		if d := diff(w, g); d != "" {
			add("postmortem " + w.Key + ": " + d)
		}
	}
	ais := map[string]store.ActionItem{}
	for _, a := range gotAI {
		ais[a.Key] = normalizeAI(a)
	}
	if len(gotAI) != len(want.actionItems) {
		add("action item count: got " + itoa(len(gotAI)) + " want " + itoa(len(want.actionItems)))
	}
	for _, w := range want.actionItems {
		w = normalizeAI(w)
		g, ok := ais[w.Key]
		if !ok {
			add("missing action item " + w.Key)
			continue
		}
		if d := diff(w, g); d != "" {
			add("action item " + w.Key + ": " + d)
		}
	}
	return out
}

// requireTruth fails the test unless the store equals the truth (postmortems'
// links to unlinked aside, see mismatches).
func requireTruth(t *testing.T, st *store.Store, want truth, unlinked ...string) {
	t.Helper()
	ms := mismatches(t, st, want, unlinked...)
	require.Empty(t, ms, "store differs from ground truth")
	ctx := context.Background()
	nPM, err := st.Count(ctx, "postmortems")
	require.NoError(t, err)
	require.Equal(t, uint64(len(want.postmortems)), nPM)
	nAI, err := st.Count(ctx, "action_items")
	require.NoError(t, err)
	require.Equal(t, uint64(len(want.actionItems)), nAI)
	var transitions int
	for _, a := range want.actionItems {
		transitions += len(a.Transitions)
	}
	nT, err := st.Count(ctx, "action_item_transitions")
	require.NoError(t, err)
	require.Equal(t, uint64(transitions), nT, "no duplicate or stray transitions")
}

func itoa(n int) string { return strconv.Itoa(n) }

// diff names the fields in which two structs differ, with both values.
func diff(want, got any) string {
	wv, gv := reflect.ValueOf(want), reflect.ValueOf(got)
	var parts []string
	for i := 0; i < wv.NumField(); i++ {
		w, g := wv.Field(i).Interface(), gv.Field(i).Interface()
		if !reflect.DeepEqual(w, g) {
			parts = append(parts, fmt.Sprintf("%s: want %s got %s", wv.Type().Field(i).Name, short(w), short(g)))
		}
	}
	return strings.Join(parts, "; ")
}

func short(v any) string {
	s := fmt.Sprintf("%+v", v)
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
