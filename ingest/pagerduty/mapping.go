package pagerduty

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"

	"github.com/aftermath-sre/aftermath/domain"
)

// This file translates PagerDuty's vocabulary (incidents, log entries) into
// the store's domain (incidents, timeline events). It is the only place that
// does.

const unknown = domain.Unknown

// resolveReasonMerge is the resolve_reason type of an incident merged into
// another.
const resolveReasonMerge = "merge_resolve_reason"

// eventTypes maps PagerDuty log entry types to timeline event types. Known
// types without a domain meaning map to domain.EventOther; types missing here
// are unknown (counted) and also stored as domain.EventOther.
var eventTypes = map[string]string{
	"trigger_log_entry":                   domain.EventTrigger,
	"notify_log_entry":                    domain.EventNotify,
	"acknowledge_log_entry":               domain.EventAcknowledge,
	"acknowledgement_log_entry":           domain.EventAcknowledge, // the spec's spelling
	"unacknowledge_log_entry":             domain.EventUnacknowledge,
	"escalate_log_entry":                  domain.EventEscalate,
	"assign_log_entry":                    domain.EventAssign,
	"annotate_log_entry":                  domain.EventAnnotate,
	"resolve_log_entry":                   domain.EventResolve,
	"delegate_log_entry":                  domain.EventOther,
	"snooze_log_entry":                    domain.EventOther,
	"urgency_change_log_entry":            domain.EventOther,
	"exhaust_escalation_path_log_entry":   domain.EventOther,
	"reach_ack_limit_log_entry":           domain.EventOther,
	"reach_trigger_limit_log_entry":       domain.EventOther,
	"repeat_escalation_path_log_entry":    domain.EventOther,
	"field_value_change_log_entry":        domain.EventOther,
	"custom_field_value_change_log_entry": domain.EventOther,
}

var statuses = map[string]bool{"triggered": true, "acknowledged": true, "resolved": true}

var urgencies = map[string]bool{"high": true, "low": true}

// decode unmarshals one raw item, turning a panic of a third-party
// unmarshaler (go-pagerduty's Channel asserts that "type" is a string) into
// an error.
func decode(raw json.RawMessage, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("decode: %v", r)
		}
	}()
	return json.Unmarshal(raw, v)
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// mapLogEntry translates a log entry. unknownType reports a type this code
// does not know.
func mapLogEntry(raw json.RawMessage) (ev domain.TimelineEvent, serviceID string, unknownType bool, err error) {
	var le pd.LogEntry
	if err := decode(raw, &le); err != nil {
		return ev, "", false, err
	}
	if le.ID == "" {
		return ev, "", false, errors.New("log entry without id")
	}
	if le.Incident.ID == "" {
		return ev, "", false, errors.New("log entry without incident")
	}
	at, err := parseTime(le.CreatedAt)
	if err != nil {
		return ev, "", false, fmt.Errorf("created_at: %w", err)
	}
	typ, ok := eventTypes[le.Type]
	if !ok {
		typ = domain.EventOther
	}
	ev = domain.TimelineEvent{
		Source: Source, IncidentID: le.Incident.ID, ID: le.ID, Type: typ, RawType: le.Type, CreatedAt: at,
		AgentType: le.Agent.Type, AgentID: le.Agent.ID, AgentName: le.Agent.Summary, ChannelType: le.Channel.Type,
		Summary: le.Summary, UserID: le.User.ID,
	}
	for _, a := range le.Assignees {
		if a.ID != "" {
			ev.AssigneeIDs = append(ev.AssigneeIDs, a.ID)
		}
	}
	return ev, le.Service.ID, !ok, nil
}

// SeverityMapping maps an incident's priority name, or else its urgency, to a
// domain severity.
type SeverityMapping struct {
	ByPriority map[string]string // priority name ("P1") -> severity ("SEV1")
	ByUrgency  map[string]string // "high"/"low" -> severity
}

func (m SeverityMapping) severity(priority, urgency string) string {
	if s, ok := m.ByPriority[priority]; ok && priority != "" && s != "" {
		return s
	}
	if s, ok := m.ByUrgency[urgency]; ok && s != "" {
		return s
	}
	return domain.SeverityUnknown
}

// unknownValue is an enum field of one record that held a value this code
// does not know, with the value as sent.
type unknownValue struct {
	Field string // "status", "urgency"
	Value string // the raw value; the stored row says "unknown"
}

// unknowns lists the unknown enum values of one record.
type unknowns []unknownValue

// timeline is what an incident's row takes from its log entries.
type timeline struct {
	acks, escalations, reassignments uint32
	firstAck                         time.Time
	lastResolve                      time.Time
	lastResolveAgent                 string
	complete                         bool // the ingester saw the trigger, hence every entry
}

// add folds one timeline event in; order does not matter.
func (tl *timeline) add(e domain.TimelineEvent) {
	switch e.Type {
	case domain.EventAcknowledge:
		tl.acks++
		if tl.firstAck.IsZero() || e.CreatedAt.Before(tl.firstAck) {
			tl.firstAck = e.CreatedAt
		}
	case domain.EventEscalate:
		tl.escalations++
	case domain.EventAssign:
		tl.reassignments++
	case domain.EventResolve:
		if tl.lastResolve.IsZero() || e.CreatedAt.After(tl.lastResolve) {
			tl.lastResolve, tl.lastResolveAgent = e.CreatedAt, e.AgentType
		}
	}
}

func timelineOf(evs []domain.TimelineEvent) timeline {
	var tl timeline
	for _, e := range evs {
		tl.add(e)
	}
	return tl
}

// mapIncident translates an incident, taking first acknowledgement, resolve
// time and the counts from its timeline.
func mapIncident(raw json.RawMessage, tl timeline, sev SeverityMapping) (domain.Incident, unknowns, error) {
	var pi pd.Incident
	if err := decode(raw, &pi); err != nil {
		return domain.Incident{}, nil, err
	}
	if pi.ID == "" {
		return domain.Incident{}, nil, errors.New("incident without id")
	}
	created, err := parseTime(pi.CreatedAt)
	if err != nil {
		return domain.Incident{}, nil, fmt.Errorf("created_at: %w", err)
	}
	var unk unknowns
	x := domain.Incident{
		Source: Source, ID: pi.ID, Number: uint64(pi.IncidentNumber), Title: pi.Title, URL: pi.HTMLURL,
		IncidentKey: pi.IncidentKey, ServiceID: pi.Service.ID, ServiceName: pi.Service.Summary,
		EscalationPolicyID: pi.EscalationPolicy.ID, CreatedAt: created, UpdatedAt: created,
		Status: pi.Status, Urgency: pi.Urgency,
	}
	if x.Title == "" {
		x.Title = pi.Description
	}
	if len(pi.Teams) > 0 {
		x.TeamID, x.TeamName = pi.Teams[0].ID, pi.Teams[0].Summary
	}
	if pi.Priority != nil {
		x.Priority = pi.Priority.Name
		if x.Priority == "" {
			x.Priority = pi.Priority.Summary
		}
	}
	if !statuses[x.Status] {
		unk = append(unk, unknownValue{"status", x.Status})
		x.Status = unknown
	}
	if !urgencies[x.Urgency] {
		unk = append(unk, unknownValue{"urgency", x.Urgency})
		x.Urgency = unknown
	}
	x.Severity = sev.severity(x.Priority, x.Urgency)
	if t, err := parseTime(pi.UpdatedAt); err == nil {
		x.UpdatedAt = t
	}
	if pi.ResolvedAt != "" {
		if t, err := parseTime(pi.ResolvedAt); err == nil {
			x.ResolvedAt = t
		}
	}
	if pi.ResolveReason.Type != "" {
		x.ResolveReason = pi.ResolveReason.Type
		x.MergedInto = pi.ResolveReason.Incident.ID
		x.Merged = pi.ResolveReason.Type == resolveReasonMerge
	}
	x.Acknowledgements, x.Escalations, x.Reassignments = tl.acks, tl.escalations, tl.reassignments
	x.Assignments = tl.escalations + tl.reassignments
	x.AcknowledgedAt = tl.firstAck
	if x.AcknowledgedAt.IsZero() {
		// No acknowledgement in the stored timeline: fall back on the
		// payload's current acknowledgements.
		for _, a := range pi.Acknowledgements {
			if t, err := parseTime(a.At); err == nil && (x.AcknowledgedAt.IsZero() || t.Before(x.AcknowledgedAt)) {
				x.AcknowledgedAt = t
			}
		}
	}
	if x.Status == "resolved" {
		if x.ResolvedAt.IsZero() {
			x.ResolvedAt = tl.lastResolve
		}
		// Auto-resolved: closed by the system (a service or an integration)
		// without anyone ever acknowledging.
		x.AutoResolved = x.Acknowledgements == 0 && x.AcknowledgedAt.IsZero() && !tl.lastResolve.IsZero() &&
			(tl.lastResolveAgent == "service_reference" || tl.lastResolveAgent == "integration_reference")
	}
	return x, unk, nil
}
