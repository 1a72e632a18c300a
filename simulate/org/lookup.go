package org

import "time"

func (o *Org) initIndexes() {
	o.userIdx = map[string]int{}
	o.accountIdx = map[string]int{}
	o.serviceIdx = map[string]int{}
	o.teamIdx = map[string]int{}
	o.policyIdx = map[string]int{}
	o.priorityIdx = map[string]int{}
}

// indexPeople indexes teams, users, services, policies and priorities.
func (o *Org) indexPeople() {
	for i, t := range o.Teams {
		o.teamIdx[t.ID] = i
	}
	for i, u := range o.Users {
		o.userIdx[u.ID] = i
		o.accountIdx[u.JiraAccountID] = i
	}
	for i, s := range o.Services {
		o.serviceIdx[s.ID] = i
	}
	for i, p := range o.EscalationPolicies {
		o.policyIdx[p.ID] = i
	}
	for i, p := range o.Priorities {
		o.priorityIdx[p.ID] = i
	}
}

// indexRecords indexes incidents, postmortems and action items.
func (o *Org) indexRecords() {
	o.incidentIdx = make(map[string]int, len(o.Incidents))
	for i := range o.Incidents {
		o.incidentIdx[o.Incidents[i].ID] = i
	}
	o.postmortemIdx = make(map[string]int, len(o.Postmortems))
	for i := range o.Postmortems {
		o.postmortemIdx[o.Postmortems[i].Key] = i
	}
	o.actionIdx = make(map[string]int, len(o.ActionItems))
	for i := range o.ActionItems {
		o.actionIdx[o.ActionItems[i].Key] = i
	}
}

func (o *Org) serviceIdxOf(id string) int { return o.serviceIdx[id] }

// IncidentByID returns the incident with the id, or nil.
func (o *Org) IncidentByID(id string) *Incident {
	if i, ok := o.incidentIdx[id]; ok {
		return &o.Incidents[i]
	}
	return nil
}

// PostmortemByKey returns the postmortem with the Jira key, or nil.
func (o *Org) PostmortemByKey(key string) *Postmortem {
	if i, ok := o.postmortemIdx[key]; ok {
		return &o.Postmortems[i]
	}
	return nil
}

// ActionItemByKey returns the action item with the Jira key, or nil.
func (o *Org) ActionItemByKey(key string) *ActionItem {
	if i, ok := o.actionIdx[key]; ok {
		return &o.ActionItems[i]
	}
	return nil
}

// UserByID returns the user with the PagerDuty id, or nil.
func (o *Org) UserByID(id string) *User {
	if i, ok := o.userIdx[id]; ok {
		return &o.Users[i]
	}
	return nil
}

// UserByAccountID returns the user with the Jira account id, or nil. The
// automation account is returned as &o.Automation.
func (o *Org) UserByAccountID(accountID string) *User {
	if i, ok := o.accountIdx[accountID]; ok {
		return &o.Users[i]
	}
	if accountID != "" && accountID == o.Automation.JiraAccountID {
		return &o.Automation
	}
	return nil
}

// TeamByID returns the team with the id, or nil.
func (o *Org) TeamByID(id string) *Team {
	if i, ok := o.teamIdx[id]; ok {
		return &o.Teams[i]
	}
	return nil
}

// ServiceByID returns the service with the id, or nil.
func (o *Org) ServiceByID(id string) *Service {
	if i, ok := o.serviceIdx[id]; ok {
		return &o.Services[i]
	}
	return nil
}

// EscalationPolicyByID returns the escalation policy with the id, or nil.
func (o *Org) EscalationPolicyByID(id string) *EscalationPolicy {
	if i, ok := o.policyIdx[id]; ok {
		return &o.EscalationPolicies[i]
	}
	return nil
}

// PriorityByID returns the priority with the id, or nil.
func (o *Org) PriorityByID(id string) *Priority {
	if i, ok := o.priorityIdx[id]; ok {
		return &o.Priorities[i]
	}
	return nil
}

// ThemeByID returns the theme with the id, or nil.
func (o *Org) ThemeByID(id string) *Theme {
	for i := range o.Themes {
		if o.Themes[i].ID == id {
			return &o.Themes[i]
		}
	}
	return nil
}

// RecurrenceWithin returns the id of the incident that inc repeats within
// window (RecurrenceOf when it was created at most window earlier), or "".
func (o *Org) RecurrenceWithin(inc *Incident, window time.Duration) string {
	if inc.RecurrenceOf == "" {
		return ""
	}
	prev := o.IncidentByID(inc.RecurrenceOf)
	if prev == nil || inc.CreatedAt.Sub(prev.CreatedAt) > window {
		return ""
	}
	return inc.RecurrenceOf
}
