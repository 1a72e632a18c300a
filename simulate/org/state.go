package org

import (
	"slices"
	"strings"
	"time"
)

// Replaying timelines and changelogs "as of" a time. Times are inclusive: an
// entry or history at exactly t has happened at t.

// StateAt returns the incident's status, first acknowledgement and
// resolution as of t (zero times when not reached). Before CreatedAt the
// status is "".
func (i *Incident) StateAt(t time.Time) (status string, ackAt, resolvedAt time.Time) {
	if t.Before(i.CreatedAt) {
		return "", time.Time{}, time.Time{}
	}
	status = StatusTriggered
	for k := range i.LogEntries {
		e := &i.LogEntries[k]
		if e.At.After(t) {
			break
		}
		status = nextStatus(status, e.Type)
		if e.Type == LogAcknowledge && ackAt.IsZero() {
			ackAt = e.At
		}
		if e.Type == LogResolve {
			resolvedAt = e.At
		}
	}
	return status, ackAt, resolvedAt
}

// LogEntriesAt returns the log entries that exist at t (a prefix of
// LogEntries; do not modify).
func (i *Incident) LogEntriesAt(t time.Time) []LogEntry {
	n, _ := slices.BinarySearchFunc(i.LogEntries, t, func(e LogEntry, t time.Time) int {
		if e.At.After(t) {
			return 1
		}
		return -1
	})
	return i.LogEntries[:n]
}

// AssigneesAt returns the ids of the users assigned at t: the on-call at
// trigger, replaced by escalations and reassignments; none once resolved.
func (i *Incident) AssigneesAt(t time.Time) []string {
	var cur []string
	for _, e := range i.LogEntriesAt(t) {
		switch e.Type {
		case LogTrigger, LogEscalate, LogAssign:
			cur = e.AssigneeIDs
		case LogResolve:
			cur = nil
		}
	}
	return slices.Clone(cur)
}

// LastStatusChangeAt returns the time of the last status change at or
// before t (CreatedAt at least), zero before CreatedAt.
func (i *Incident) LastStatusChangeAt(t time.Time) time.Time {
	if t.Before(i.CreatedAt) {
		return time.Time{}
	}
	last := i.CreatedAt
	status := StatusTriggered
	for _, e := range i.LogEntriesAt(t) {
		ns := nextStatus(status, e.Type)
		if ns != status || e.Type == LogAcknowledge {
			last = e.At
		}
		status = ns
	}
	return last
}

// StateAt returns the action item's state as of t by replaying the changelog
// on Initial. Before CreatedAt it returns the zero state.
func (a *ActionItem) StateAt(t time.Time) ActionItemState {
	if t.Before(a.CreatedAt) {
		return ActionItemState{}
	}
	st := a.Initial
	st.Labels = slices.Clone(st.Labels)
	st.StatusCategory = jiraStatus(st.Status).Category
	st.UpdatedAt = a.CreatedAt
	if st.AssigneeID != "" && a.org != nil {
		if u := a.org.UserByID(st.AssigneeID); u != nil {
			st.AssigneeAccountID = u.JiraAccountID
		}
	}
	for _, h := range a.Changelog {
		if h.At.After(t) {
			break
		}
		st.UpdatedAt = h.At
		for _, it := range h.Items {
			switch it.Field {
			case "status":
				wasDone := jiraStatus(it.FromString).Category == CategoryDone
				st.Status = it.ToString
				st.StatusCategory = jiraStatus(it.ToString).Category
				switch {
				case st.StatusCategory == CategoryDone:
					st.ResolvedAt = h.At
				case wasDone:
					st.ResolvedAt = time.Time{}
					st.Reopened++
				}
			case "assignee":
				st.AssigneeAccountID = it.To
				st.AssigneeID = ""
				if it.To != "" && a.org != nil {
					if u := a.org.UserByAccountID(it.To); u != nil {
						st.AssigneeID = u.ID
					}
				}
			case "duedate":
				st.DueDate = time.Time{}
				if it.To != "" {
					if d, err := time.Parse("2006-01-02", it.To); err == nil {
						st.DueDate = d
					}
				}
			case "priority":
				st.Priority = it.ToString
			case "labels":
				st.Labels = splitLabels(it.ToString)
			}
		}
	}
	return st
}

// StateAt returns the postmortem's workflow state as of t by replaying the
// changelog. Before CreatedAt it returns the zero state.
func (p *Postmortem) StateAt(t time.Time) PostmortemState {
	if t.Before(p.CreatedAt) {
		return PostmortemState{}
	}
	st := PostmortemState{Status: PMDraft, StatusCategory: CategoryNew, Labels: slices.Clone(p.InitialLabels), UpdatedAt: p.CreatedAt}
	for _, h := range p.Changelog {
		if h.At.After(t) {
			break
		}
		st.UpdatedAt = h.At
		for _, it := range h.Items {
			switch it.Field {
			case "status":
				st.Status = it.ToString
				st.StatusCategory = jiraStatus(it.ToString).Category
				st.ResolvedAt = time.Time{}
				if st.StatusCategory == CategoryDone {
					st.ResolvedAt = h.At
				}
			case "labels":
				st.Labels = splitLabels(it.ToString)
			}
		}
	}
	return st
}

// ChangelogAt returns the histories that exist at t (a prefix; do not modify).
func ChangelogAt(hs []History, t time.Time) []History {
	n, _ := slices.BinarySearchFunc(hs, t, func(h History, t time.Time) int {
		if h.At.After(t) {
			return 1
		}
		return -1
	})
	return hs[:n]
}

func splitLabels(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Fields(s)
}
