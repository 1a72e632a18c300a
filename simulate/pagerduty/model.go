package pagerduty

import (
	"sort"
	"time"

	"github.com/aftermath-sre/aftermath/simulate/org"
)

// index is the read-only view of the org the handlers serve. Times are
// compared in whole seconds, as the API renders them.
type index struct {
	org      *org.Org
	created  []int64          // org.Incidents[i].CreatedAt in Unix seconds (sorted)
	incByID  map[string]int   // incident id -> index in org.Incidents
	entries  []entryRef       // every log entry, sorted by (at, incident, position)
	entryPos map[string]int32 // log entry id -> index in entries
	services map[string]*org.Service
	teams    map[string]*org.Team
	users    map[string]*org.User
	policies map[string]*org.EscalationPolicy
	prios    map[string]*org.Priority
}

type entryRef struct {
	at  int64 // Unix seconds
	inc int32 // index in org.Incidents
	pos int32 // index in the incident's LogEntries
}

func newIndex(o *org.Org) *index {
	ix := &index{
		org:      o,
		created:  make([]int64, len(o.Incidents)),
		incByID:  make(map[string]int, len(o.Incidents)),
		services: map[string]*org.Service{},
		teams:    map[string]*org.Team{},
		users:    map[string]*org.User{},
		policies: map[string]*org.EscalationPolicy{},
		prios:    map[string]*org.Priority{},
	}
	n := 0
	for i := range o.Incidents {
		inc := &o.Incidents[i]
		ix.created[i] = inc.CreatedAt.Unix()
		ix.incByID[inc.ID] = i
		n += len(inc.LogEntries)
	}
	ix.entries = make([]entryRef, 0, n)
	for i := range o.Incidents {
		for j := range o.Incidents[i].LogEntries {
			ix.entries = append(ix.entries, entryRef{at: o.Incidents[i].LogEntries[j].At.Unix(), inc: int32(i), pos: int32(j)})
		}
	}
	sort.SliceStable(ix.entries, func(a, b int) bool { return ix.entries[a].at < ix.entries[b].at })
	ix.entryPos = make(map[string]int32, len(ix.entries))
	for k, e := range ix.entries {
		ix.entryPos[o.Incidents[e.inc].LogEntries[e.pos].ID] = int32(k)
	}
	for i := range o.Services {
		ix.services[o.Services[i].ID] = &o.Services[i]
	}
	for i := range o.Teams {
		ix.teams[o.Teams[i].ID] = &o.Teams[i]
	}
	for i := range o.Users {
		ix.users[o.Users[i].ID] = &o.Users[i]
	}
	for i := range o.EscalationPolicies {
		ix.policies[o.EscalationPolicies[i].ID] = &o.EscalationPolicies[i]
	}
	for i := range o.Priorities {
		ix.prios[o.Priorities[i].ID] = &o.Priorities[i]
	}
	return ix
}

func (ix *index) entry(e entryRef) *org.LogEntry {
	return &ix.org.Incidents[e.inc].LogEntries[e.pos]
}

// incidentsCreated returns the index range of incidents created in
// [since, until) (Unix seconds).
func (ix *index) incidentsCreated(since, until int64) (int, int) {
	lo := sort.Search(len(ix.created), func(i int) bool { return ix.created[i] >= since })
	hi := sort.Search(len(ix.created), func(i int) bool { return ix.created[i] >= until })
	return lo, hi
}

// entriesAt returns the index range of log entries created in [since, until).
func (ix *index) entriesAt(since, until int64) (int, int) {
	lo := sort.Search(len(ix.entries), func(i int) bool { return ix.entries[i].at >= since })
	hi := sort.Search(len(ix.entries), func(i int) bool { return ix.entries[i].at >= until })
	return lo, hi
}

// state is an incident as of some time.
type state struct {
	visible      int // log entries visible (a prefix of LogEntries)
	status       string
	resolvedAt   time.Time
	lastChangeAt time.Time
	lastChangeBy *org.LogEntry
	updatedAt    time.Time
	acks         []*org.LogEntry // current acknowledgements
	assignees    []string
	assignedAt   time.Time
	merged       bool
	firstTrigger *org.LogEntry
}

// stateAt replays the incident's timeline up to now (inclusive, in seconds).
// The status rules are PagerDuty's: acknowledge moves a triggered incident
// to acknowledged; unacknowledge, reassignment and escalation move it back to
// triggered; resolve is final.
func (ix *index) stateAt(inc *org.Incident, now int64) state {
	st := state{status: org.StatusTriggered, lastChangeAt: inc.CreatedAt, updatedAt: inc.CreatedAt}
	if p := ix.policies[inc.EscalationPolicyID]; p != nil && len(p.Levels) > 0 {
		st.assignees = p.Levels[0]
		st.assignedAt = inc.CreatedAt
	}
	for i := range inc.LogEntries {
		e := &inc.LogEntries[i]
		if e.At.Unix() > now {
			break
		}
		st.visible = i + 1
		st.updatedAt = e.At
		prev := st.status
		switch e.Type {
		case org.LogTrigger:
			if st.firstTrigger == nil {
				st.firstTrigger = e
			}
			if len(e.AssigneeIDs) > 0 {
				st.assignees = e.AssigneeIDs
				st.assignedAt = e.At
			}
			if st.status != org.StatusResolved {
				st.status = org.StatusTriggered
			}
		case org.LogUnack, org.LogAssign, org.LogEscalate:
			if st.status != org.StatusResolved {
				st.status = org.StatusTriggered
				st.acks = nil
				if len(e.AssigneeIDs) > 0 {
					st.assignees = e.AssigneeIDs
					st.assignedAt = e.At
				}
			}
		case org.LogAcknowledge:
			if st.status != org.StatusResolved {
				st.status = org.StatusAcknowledged
				st.acks = append(st.acks, e)
			}
		case org.LogResolve:
			st.status = org.StatusResolved
			st.resolvedAt = e.At
			st.acks = nil
			st.assignees = nil
			st.merged = inc.ResolveReason == org.ResolveReasonMerge
		}
		if st.status != prev || e.Type == org.LogAcknowledge || e.Type == org.LogResolve {
			st.lastChangeAt = e.At
			st.lastChangeBy = e
		}
	}
	if st.lastChangeBy == nil {
		st.lastChangeBy = st.firstTrigger
	}
	return st
}
