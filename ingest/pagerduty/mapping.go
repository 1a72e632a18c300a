package pagerduty

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aftermath-sre/aftermath/domain"
)

// This file translates PagerDuty's vocabulary (incidents, log entries) into
// package domain's facts (incidents, timeline events). It is the only place
// that does.

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

var statuses = map[string]bool{domain.StatusTriggered: true, domain.StatusAcknowledged: true, domain.StatusResolved: true}

var urgencies = map[string]bool{domain.UrgencyHigh: true, domain.UrgencyLow: true}

// ref is a reference to another PagerDuty object.
type ref struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Summary string `json:"summary"`
}

// logEntryDoc is the part of a log entry this package reads.
type logEntryDoc struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	Summary   string `json:"summary"`
	CreatedAt string `json:"created_at"`
	Agent     ref    `json:"agent"`
	Channel   struct {
		Type string `json:"type"`
	} `json:"channel"`
	Incident  ref   `json:"incident"`
	Service   ref   `json:"service"`
	User      ref   `json:"user"`
	Assignees []ref `json:"assignees"`
}

// incidentDoc is the part of an incident this package reads.
type incidentDoc struct {
	ID               string `json:"id"`
	HTMLURL          string `json:"html_url"`
	IncidentNumber   uint64 `json:"incident_number"`
	Title            string `json:"title"`
	Description      string `json:"description"`
	CreatedAt        string `json:"created_at"`
	UpdatedAt        string `json:"updated_at"`
	ResolvedAt       string `json:"resolved_at"`
	IncidentKey      string `json:"incident_key"`
	Service          ref    `json:"service"`
	EscalationPolicy ref    `json:"escalation_policy"`
	Teams            []ref  `json:"teams"`
	Priority         *struct {
		Name    string `json:"name"`
		Summary string `json:"summary"`
	} `json:"priority"`
	Urgency       string `json:"urgency"`
	Status        string `json:"status"`
	ResolveReason struct {
		Type     string `json:"type"`
		Incident ref    `json:"incident"`
	} `json:"resolve_reason"`
}

// doc is one item of a listing: the JSON as served (kept as the raw
// document) and its fields, decoded once, when the item is fetched.
type doc struct {
	raw json.RawMessage
	id  string       // "" when the item has none or does not decode
	le  *logEntryDoc // kindLogEntry
	inc *incidentDoc // kindIncident
	err error        // the item does not decode
}

// decodeDoc decodes one item of kind.
func decodeDoc(kind string, raw json.RawMessage) doc {
	d := doc{raw: raw}
	switch kind {
	case kindLogEntry:
		d.le = &logEntryDoc{}
		d.err = decode(raw, d.le)
		d.id = d.le.ID
	default:
		d.inc = &incidentDoc{}
		d.err = decode(raw, d.inc)
		d.id = d.inc.ID
	}
	return d
}

func decode(raw json.RawMessage, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return nil
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// mapLogEntry decodes and translates a log entry (see eventOf).
func mapLogEntry(raw json.RawMessage) (ev domain.TimelineEvent, serviceID string, unknownType bool, err error) {
	d := decodeDoc(kindLogEntry, raw)
	if d.err != nil {
		return ev, "", false, d.err
	}
	return eventOf(d.le)
}

// eventOf translates a decoded log entry. unknownType reports a type this
// code does not know.
func eventOf(le *logEntryDoc) (ev domain.TimelineEvent, serviceID string, unknownType bool, err error) {
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

// mapIncident decodes and translates an incident (see incidentOf).
func mapIncident(raw json.RawMessage, sev SeverityMapping) (domain.Incident, unknowns, error) {
	d := decodeDoc(kindIncident, raw)
	if d.err != nil {
		return domain.Incident{}, nil, d.err
	}
	return incidentOf(d.inc, sev)
}

// incidentOf translates a decoded incident: what the document says, nothing
// derived. What its timeline says (first acknowledgement, escalations,
// reassignments, auto-resolution) is computed on read (domain.Response).
func incidentOf(pi *incidentDoc, sev SeverityMapping) (domain.Incident, unknowns, error) {
	if pi.ID == "" {
		return domain.Incident{}, nil, errors.New("incident without id")
	}
	created, err := parseTime(pi.CreatedAt)
	if err != nil {
		return domain.Incident{}, nil, fmt.Errorf("created_at: %w", err)
	}
	var unk unknowns
	x := domain.Incident{
		Source: Source, ID: pi.ID, Number: pi.IncidentNumber, Title: pi.Title, URL: pi.HTMLURL,
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
	return x, unk, nil
}
