package domain

import "time"

// Response is what an incident's timeline says about how it was handled. It
// is computed from the timeline events, never stored: ResponseOf here, or
// the same aggregate in the store's read.
type Response struct {
	FirstAcknowledgedAt time.Time // zero if never acknowledged
	Acknowledgements    uint32
	Escalations         uint32
	Reassignments       uint32
	LastResolvedAt      time.Time // the latest resolve event; zero if none
	LastResolvedBy      string    // its agent type
	LastEventAt         time.Time // the latest event of any type
}

// Add folds one event in; order does not matter.
func (r *Response) Add(e TimelineEvent) {
	if e.CreatedAt.After(r.LastEventAt) {
		r.LastEventAt = e.CreatedAt
	}
	switch e.Type {
	case EventAcknowledge:
		r.Acknowledgements++
		if r.FirstAcknowledgedAt.IsZero() || e.CreatedAt.Before(r.FirstAcknowledgedAt) {
			r.FirstAcknowledgedAt = e.CreatedAt
		}
	case EventEscalate:
		r.Escalations++
	case EventAssign:
		r.Reassignments++
	case EventResolve:
		if r.LastResolvedAt.IsZero() || e.CreatedAt.After(r.LastResolvedAt) {
			r.LastResolvedAt, r.LastResolvedBy = e.CreatedAt, e.AgentType
		}
	}
}

// ResponseOf folds an incident's timeline events.
func ResponseOf(events []TimelineEvent) Response {
	var r Response
	for _, e := range events {
		r.Add(e)
	}
	return r
}

// Apply sets the incident's response fields from its timeline: the first
// acknowledgement and the counts; the resolve time when the document has
// none but says resolved; auto-resolution (resolved by a system, never
// acknowledged); the last update, when an event is newer than the document.
func (r Response) Apply(x *Incident) {
	x.AcknowledgedAt = r.FirstAcknowledgedAt
	x.Acknowledgements, x.Escalations, x.Reassignments = r.Acknowledgements, r.Escalations, r.Reassignments
	x.Assignments = r.Escalations + r.Reassignments
	x.AutoResolved = false
	if x.Status == StatusResolved {
		if x.ResolvedAt.IsZero() {
			x.ResolvedAt = r.LastResolvedAt
		}
		x.AutoResolved = r.Acknowledgements == 0 && !r.LastResolvedAt.IsZero() && SystemAgent(r.LastResolvedBy)
	}
	if r.LastEventAt.After(x.UpdatedAt) {
		x.UpdatedAt = r.LastEventAt
	}
}
