package org

// Stats summarizes an Org: counts and the shares that ground-truth tests and
// reports refer to.
type Stats struct {
	Incidents, LogEntries, Postmortems, NearMisses, Factors, ActionItems int

	OpenIncidents, MergedIncidents, AutoResolved, Escalated, Reassigned, Unacknowledged int
	Recurrences                                                                         int // RecurrenceOf != ""
	BySeverity                                                                          map[string]int
	BySeverityWithPostmortem                                                            map[string]int

	PostmortemsByStatus map[string]int
	Blaming             int // postmortems with blaming sentences
	StatedTimeToDetect  int // postmortems whose document states the time to detect

	ActionItemsByStatus                                    map[string]int
	Vague, Unowned, NoDueDate, Overdue, Reopened, BotChurn int // BotChurn: items with more than 100 histories
	MaxHistories                                           int
}

// Stats computes the summary of o as of End.
func (o *Org) Stats() Stats {
	s := Stats{
		Incidents: len(o.Incidents), Postmortems: len(o.Postmortems), ActionItems: len(o.ActionItems),
		BySeverity: map[string]int{}, BySeverityWithPostmortem: map[string]int{},
		PostmortemsByStatus: map[string]int{}, ActionItemsByStatus: map[string]int{},
	}
	withPM := map[string]bool{}
	for i := range o.Postmortems {
		p := &o.Postmortems[i]
		for _, id := range p.IncidentIDs {
			withPM[id] = true
		}
		if p.NearMiss {
			s.NearMisses++
		}
		s.Factors += len(p.Doc.Factors)
		s.PostmortemsByStatus[p.Status]++
		if len(p.BlamingSentences) > 0 {
			s.Blaming++
		}
		if p.Doc.TimeToDetect > 0 {
			s.StatedTimeToDetect++
		}
	}
	for i := range o.Incidents {
		inc := &o.Incidents[i]
		s.LogEntries += len(inc.LogEntries)
		s.BySeverity[inc.Severity]++
		if withPM[inc.ID] {
			s.BySeverityWithPostmortem[inc.Severity]++
		}
		if inc.Status != StatusResolved {
			s.OpenIncidents++
		}
		if inc.MergedInto != "" {
			s.MergedIncidents++
		}
		if inc.AutoResolved {
			s.AutoResolved++
		}
		if inc.Escalations > 0 {
			s.Escalated++
		}
		if inc.Reassignments > 0 {
			s.Reassigned++
		}
		if inc.RecurrenceOf != "" {
			s.Recurrences++
		}
		for _, e := range inc.LogEntries {
			if e.Type == LogUnack {
				s.Unacknowledged++
				break
			}
		}
	}
	for i := range o.ActionItems {
		a := &o.ActionItems[i]
		s.ActionItemsByStatus[a.Status]++
		if a.Vague {
			s.Vague++
		}
		if a.AssigneeID == "" {
			s.Unowned++
		}
		if a.DueDate.IsZero() {
			s.NoDueDate++
		} else if a.StatusCategory != CategoryDone && a.DueDate.Before(o.End) {
			s.Overdue++
		}
		if a.Reopened > 0 {
			s.Reopened++
		}
		if len(a.Changelog) > 100 {
			s.BotChurn++
		}
		s.MaxHistories = max(s.MaxHistories, len(a.Changelog))
	}
	return s
}
