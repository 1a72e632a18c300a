// Package orgstore writes a generated organization (simulate/org) into the
// store the way the ingesters would (domain vocabulary, UTC), without HTTP:
// the fixture of the analysis tests, the cluster tests and the benchmarks.
package orgstore

import (
	"context"
	"fmt"
	"time"

	"github.com/aftermath-sre/aftermath/domain"
	jiraingest "github.com/aftermath-sre/aftermath/ingest/jira"
	"github.com/aftermath-sre/aftermath/simulate/org"
	"github.com/aftermath-sre/aftermath/store"
)

// Store writes every incident, timeline event, postmortem and action item
// of o, in batches.
func Store(ctx context.Context, st *store.Store, o *org.Org) error {
	incs, evs := Incidents(o)
	const chunk = 20000
	for i := 0; i < len(incs); i += chunk {
		if err := st.UpsertIncidents(ctx, incs[i:min(i+chunk, len(incs))]); err != nil {
			return fmt.Errorf("orgstore: incidents: %w", err)
		}
	}
	for i := 0; i < len(evs); i += 200000 {
		if err := st.UpsertTimelineEvents(ctx, evs[i:min(i+200000, len(evs))]); err != nil {
			return fmt.Errorf("orgstore: timeline: %w", err)
		}
	}
	pms := Postmortems(o)
	for i := 0; i < len(pms); i += 5000 {
		if err := st.UpsertPostmortems(ctx, pms[i:min(i+5000, len(pms))]); err != nil {
			return fmt.Errorf("orgstore: postmortems: %w", err)
		}
	}
	items := ActionItems(o)
	for i := 0; i < len(items); i += chunk {
		if err := st.UpsertActionItems(ctx, items[i:min(i+chunk, len(items))]); err != nil {
			return fmt.Errorf("orgstore: action items: %w", err)
		}
	}
	return nil
}

var eventTypes = map[string]string{
	org.LogTrigger: store.EventTrigger, org.LogNotify: store.EventNotify, org.LogAcknowledge: store.EventAcknowledge,
	org.LogEscalate: store.EventEscalate, org.LogAssign: store.EventAssign, org.LogAnnotate: store.EventAnnotate,
	org.LogUnack: store.EventUnacknowledge, org.LogResolve: store.EventResolve,
}

// Incidents maps the incidents and their log entries as the PagerDuty ingester does.
func Incidents(o *org.Org) ([]store.Incident, []store.TimelineEvent) {
	incs := make([]store.Incident, 0, len(o.Incidents))
	var evs []store.TimelineEvent
	for i := range o.Incidents {
		x := &o.Incidents[i]
		svc, team := o.ServiceByID(x.ServiceID), o.TeamByID(x.TeamID)
		prio := ""
		if p := o.PriorityByID(x.PriorityID); p != nil {
			prio = p.Name
		}
		updated := x.CreatedAt
		if n := len(x.LogEntries); n > 0 {
			updated = x.LogEntries[n-1].At
		}
		incs = append(incs, store.Incident{
			Source: "pagerduty", ID: x.ID, Number: uint64(x.Number), Title: x.Title,
			URL: "https://example.pagerduty.com/incidents/" + x.ID, IncidentKey: x.IncidentKey,
			ServiceID: x.ServiceID, ServiceName: svc.Name, TeamID: x.TeamID, TeamName: team.Name,
			EscalationPolicyID: x.EscalationPolicyID, Priority: prio, Urgency: x.Urgency, Severity: x.Severity,
			Status: x.Status, CreatedAt: x.CreatedAt, AcknowledgedAt: x.AcknowledgedAt, ResolvedAt: x.ResolvedAt,
			UpdatedAt: updated, ResolveReason: x.ResolveReason, MergedInto: x.MergedInto, Merged: x.MergedInto != "",
			AutoResolved: x.AutoResolved, Acknowledgements: uint32(x.Acknowledgements), Escalations: uint32(x.Escalations),
			Reassignments: uint32(x.Reassignments),
		})
		for _, e := range x.LogEntries {
			ev := store.TimelineEvent{Source: "pagerduty", IncidentID: x.ID, ID: e.ID, Type: eventTypes[e.Type], RawType: e.Type,
				CreatedAt: e.At, AgentType: e.AgentType, AgentID: e.AgentID, ChannelType: e.ChannelType, Summary: e.Summary,
				AssigneeIDs: e.AssigneeIDs, UserID: e.UserID}
			if e.AgentType == org.AgentUser {
				if u := o.UserByID(e.AgentID); u != nil {
					ev.AgentName = u.Name
				}
			}
			evs = append(evs, ev)
		}
	}
	return incs, evs
}

// TeamName is the label the analyzers give the team of id ("" when none).
func TeamName(o *org.Org, id string) string {
	if t := o.TeamByID(id); t != nil {
		return domain.TeamKey(t.Name) // as the analyzers label teams
	}
	return ""
}

// ServiceName is the name of the service of id ("" when none).
func ServiceName(o *org.Org, id string) string {
	if s := o.ServiceByID(id); s != nil {
		return s.Name
	}
	return ""
}

func statusCategory(name string) string {
	for _, s := range org.JiraStatuses() {
		if s.Name == name {
			return s.Category
		}
	}
	return "unknown"
}

// Postmortems maps the postmortems as the Jira ingester does (markdown bodies,
// sections as the template names them).
func Postmortems(o *org.Org) []store.Postmortem {
	out := make([]store.Postmortem, 0, len(o.Postmortems))
	for i := range o.Postmortems {
		p := &o.Postmortems[i]
		d := &p.Doc
		var sections []string
		seen := map[string]bool{}
		for _, s := range d.Sections {
			if s.Name != "" && !seen[s.Name] {
				seen[s.Name] = true
				sections = append(sections, s.Name)
			}
		}
		author := ""
		if u := o.UserByID(p.AuthorID); u != nil {
			author = u.Name
		}
		pm := store.Postmortem{
			Key: p.Key, ID: p.ID, Project: "PM", Title: p.Title, URL: "https://example.atlassian.net/browse/" + p.Key,
			Status: p.Status, StatusCategory: statusCategory(p.Status), Severity: p.Severity,
			Team: TeamName(o, p.TeamID), Service: ServiceName(o, p.ServiceID), Author: author, Labels: p.Labels,
			IncidentIDs: p.IncidentIDs, ActionItemKeys: p.ActionItemKeys, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
			InReviewAt: p.InReviewAt, PublishedAt: p.PublishedAt, DescriptionFormat: "markdown",
			Sections: sections, MissingSections: d.Missing(), Summary: d.Summary, Impact: d.Impact, Detection: d.Detection,
			WentWell: d.WentWell, WentPoorly: d.WentPoorly, Lucky: d.Lucky, Lessons: d.Lessons,
			TimeToDetect: d.TimeToDetect, ActionItemRows: len(d.ActionItems),
		}
		for _, f := range d.Factors {
			pm.Factors = append(pm.Factors, store.Factor{PostmortemKey: p.Key, Ordinal: f.Ordinal, Name: f.Name, Text: f.Text})
		}
		out = append(out, pm)
	}
	return out
}

// LastHumanActivity is an action item's last change by a person (the
// automation's label churn is not activity), or its creation.
func LastHumanActivity(o *org.Org, a *org.ActionItem, at time.Time) time.Time {
	last := a.CreatedAt
	for _, h := range a.Changelog {
		if h.At.After(at) {
			break
		}
		if h.AuthorAccountID != "" && h.AuthorAccountID == o.Automation.JiraAccountID {
			continue
		}
		last = h.At
	}
	return last
}

// ActionItems maps action items as the Jira ingester does with its
// default team mapping (the first component, the team's slug), and last
// activity as the last change by a person.
func ActionItems(o *org.Org) []store.ActionItem {
	out := make([]store.ActionItem, 0, len(o.ActionItems))
	for i := range o.ActionItems {
		a := &o.ActionItems[i]
		var assignee, name string
		if u := o.UserByID(a.AssigneeID); u != nil {
			assignee, name = u.JiraAccountID, u.Name
		}
		item := store.ActionItem{
			Key: a.Key, ID: a.ID, Project: "ACT", PostmortemKey: a.PostmortemKey, Summary: a.Summary, Status: a.Status,
			StatusCategory: a.StatusCategory, Priority: jiraingest.DefaultPriority(a.Priority), RawPriority: a.Priority,
			AssigneeID: assignee, AssigneeName: name, Team: a.Component, Labels: a.Labels,
			Components: []string{a.Component}, DueDate: a.DueDate, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
			ResolvedAt: a.ResolvedAt, LastActivityAt: LastHumanActivity(o, a, o.End), ReopenCount: a.Reopened,
			URL: "https://example.atlassian.net/browse/" + a.Key,
		}
		for _, h := range a.Changelog {
			for j, c := range h.Items {
				item.Transitions = append(item.Transitions, store.Transition{ItemKey: a.Key, HistoryID: h.ID, Seq: j, At: h.At,
					AuthorID: h.AuthorAccountID, Field: c.Field, FromValue: c.From, FromString: c.FromString, ToValue: c.To, ToString: c.ToString})
			}
		}
		out = append(out, item)
	}
	return out
}
