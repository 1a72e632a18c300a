package pagerduty

import (
	"strconv"
	"time"

	"github.com/aftermath-sre/aftermath/simulate/org"
)

// JSON shapes of the PagerDuty REST API v2 (see the official OpenAPI spec).

type refJSON struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Summary string `json:"summary"`
	Self    string `json:"self"`
	HTMLURL string `json:"html_url"`
}

type assignmentJSON struct {
	At       string `json:"at"`
	Assignee any    `json:"assignee"`
}

type ackJSON struct {
	At           string `json:"at"`
	Acknowledger any    `json:"acknowledger"`
}

type alertCountsJSON struct {
	All       int `json:"all"`
	Triggered int `json:"triggered"`
	Resolved  int `json:"resolved"`
}

type incidentTypeJSON struct {
	Name string `json:"name"`
}

type resolveReasonJSON struct {
	Type     string  `json:"type"`
	Incident refJSON `json:"incident"`
}

type bodyJSON struct {
	Type    string         `json:"type"`
	Details map[string]any `json:"details"`
}

type conferenceJSON struct {
	ConferenceNumber string `json:"conference_number"`
	ConferenceURL    string `json:"conference_url"`
}

type incidentJSON struct {
	ID                   string             `json:"id"`
	Type                 string             `json:"type"`
	Summary              string             `json:"summary"`
	Self                 string             `json:"self"`
	HTMLURL              string             `json:"html_url"`
	IncidentNumber       int                `json:"incident_number"`
	Title                string             `json:"title"`
	Description          string             `json:"description"`
	CreatedAt            string             `json:"created_at"`
	UpdatedAt            string             `json:"updated_at"`
	Status               string             `json:"status"`
	IncidentKey          string             `json:"incident_key"`
	Service              any                `json:"service"`
	Assignments          []assignmentJSON   `json:"assignments"`
	AssignedVia          string             `json:"assigned_via"`
	LastStatusChangeAt   string             `json:"last_status_change_at"`
	LastStatusChangeBy   any                `json:"last_status_change_by"`
	ResolvedAt           *string            `json:"resolved_at"`
	FirstTriggerLogEntry any                `json:"first_trigger_log_entry"`
	AlertCounts          alertCountsJSON    `json:"alert_counts"`
	IsMergeable          bool               `json:"is_mergeable"`
	IncidentType         incidentTypeJSON   `json:"incident_type"`
	EscalationPolicy     any                `json:"escalation_policy"`
	Teams                []any              `json:"teams"`
	PendingActions       []any              `json:"pending_actions"`
	Acknowledgements     []ackJSON          `json:"acknowledgements"`
	AlertGrouping        any                `json:"alert_grouping"`
	Priority             any                `json:"priority"`
	ResolveReason        *resolveReasonJSON `json:"resolve_reason"`
	ConferenceBridge     *conferenceJSON    `json:"conference_bridge,omitempty"`
	IncidentsResponders  []any              `json:"incidents_responders"`
	ResponderRequests    []any              `json:"responder_requests"`
	Urgency              string             `json:"urgency"`
	Body                 *bodyJSON          `json:"body,omitempty"`
}

type channelJSON struct {
	Type         string            `json:"type"`
	Summary      string            `json:"summary,omitempty"`
	Notification *notificationJSON `json:"notification,omitempty"`
}

type notificationJSON struct {
	Type      string  `json:"type"`
	StartedAt string  `json:"started_at"`
	Address   string  `json:"address,omitempty"`
	User      refJSON `json:"user"`
}

type eventDetailsJSON struct {
	Description string `json:"description"`
}

type logEntryJSON struct {
	ID                     string            `json:"id"`
	Type                   string            `json:"type"`
	Summary                string            `json:"summary"`
	Self                   string            `json:"self"`
	HTMLURL                string            `json:"html_url"`
	CreatedAt              string            `json:"created_at"`
	Agent                  *refJSON          `json:"agent,omitempty"`
	Channel                channelJSON       `json:"channel"`
	Service                any               `json:"service"`
	Incident               any               `json:"incident"`
	Teams                  []any             `json:"teams"`
	Contexts               []any             `json:"contexts"`
	EventDetails           *eventDetailsJSON `json:"event_details,omitempty"`
	Note                   string            `json:"note,omitempty"`
	AcknowledgementTimeout *int              `json:"acknowledgement_timeout,omitempty"`
	Assignees              []refJSON         `json:"assignees,omitempty"`
	User                   *refJSON          `json:"user,omitempty"`
}

type serviceJSON struct {
	ID                    string  `json:"id"`
	Type                  string  `json:"type"`
	Summary               string  `json:"summary"`
	Self                  string  `json:"self"`
	HTMLURL               string  `json:"html_url"`
	Name                  string  `json:"name"`
	Description           string  `json:"description"`
	AutoResolveTimeout    *int    `json:"auto_resolve_timeout"`
	AcknowledgementTimout *int    `json:"acknowledgement_timeout"`
	CreatedAt             string  `json:"created_at"`
	Status                string  `json:"status"`
	EscalationPolicy      refJSON `json:"escalation_policy"`
	Teams                 []any   `json:"teams"`
	Integrations          []any   `json:"integrations"`
	AlertCreation         string  `json:"alert_creation"`
}

type teamJSON struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	Summary     string `json:"summary"`
	Self        string `json:"self"`
	HTMLURL     string `json:"html_url"`
	Name        string `json:"name"`
	Description string `json:"description"`
	DefaultRole string `json:"default_role"`
}

type userJSON struct {
	ID       string    `json:"id"`
	Type     string    `json:"type"`
	Summary  string    `json:"summary"`
	Self     string    `json:"self"`
	HTMLURL  string    `json:"html_url"`
	Name     string    `json:"name"`
	Email    string    `json:"email"`
	TimeZone string    `json:"time_zone"`
	Color    string    `json:"color"`
	Role     string    `json:"role"`
	Teams    []refJSON `json:"teams"`
}

type priorityJSON struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	Summary     string `json:"summary"`
	Self        string `json:"self"`
	HTMLURL     any    `json:"html_url"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

type escalationPolicyJSON struct {
	ID              string           `json:"id"`
	Type            string           `json:"type"`
	Summary         string           `json:"summary"`
	Self            string           `json:"self"`
	HTMLURL         string           `json:"html_url"`
	Name            string           `json:"name"`
	EscalationRules []escalationRule `json:"escalation_rules"`
	Teams           []refJSON        `json:"teams"`
}

type escalationRule struct {
	ID                       string    `json:"id"`
	EscalationDelayInMinutes int       `json:"escalation_delay_in_minutes"`
	Targets                  []refJSON `json:"targets"`
}

func ts(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// renderer renders objects for one request.
type renderer struct {
	s        *Server
	ix       *index
	now      int64
	includes map[string]bool
}

func (r *renderer) ref(kind, id, summary string) refJSON {
	path := map[string]string{
		"service": "/services/", "team": "/teams/", "user": "/users/", "escalation_policy": "/escalation_policies/",
		"incident": "/incidents/", "priority": "/priorities/",
	}[kind]
	html := r.s.htmlURL + path + id
	if kind == "service" {
		html = r.s.htmlURL + "/service-directory/" + id
	}
	return refJSON{ID: id, Type: kind + "_reference", Summary: summary, Self: r.s.baseURL + path + id, HTMLURL: html}
}

func (r *renderer) serviceRef(id string) refJSON {
	name := ""
	if s := r.ix.services[id]; s != nil {
		name = s.Name
	}
	return r.ref("service", id, name)
}

func (r *renderer) teamRef(id string) refJSON {
	name := ""
	if t := r.ix.teams[id]; t != nil {
		name = t.Name
	}
	return r.ref("team", id, name)
}

func (r *renderer) userRef(id string) refJSON {
	name := ""
	if u := r.ix.users[id]; u != nil {
		name = u.Name
	}
	return r.ref("user", id, name)
}

func (r *renderer) policyRef(id string) refJSON {
	name := ""
	if p := r.ix.policies[id]; p != nil {
		name = p.Name
	}
	return r.ref("escalation_policy", id, name)
}

func (r *renderer) incidentRef(inc *org.Incident) refJSON {
	return r.ref("incident", inc.ID, "[#"+strconv.Itoa(inc.Number)+"] "+inc.Title)
}

func (r *renderer) service(s *org.Service) serviceJSON {
	var ackTimeout *int
	return serviceJSON{
		ID: s.ID, Type: "service", Summary: s.Name, Self: r.s.baseURL + "/services/" + s.ID,
		HTMLURL: r.s.htmlURL + "/service-directory/" + s.ID, Name: s.Name, Description: s.Description,
		AcknowledgementTimout: ackTimeout, CreatedAt: ts(s.CreatedAt), Status: "active",
		EscalationPolicy: r.policyRef(s.EscalationPolicyID), Teams: []any{r.teamRef(s.TeamID)}, Integrations: []any{},
		AlertCreation: "create_alerts_and_incidents",
	}
}

func (r *renderer) team(t *org.Team) teamJSON {
	return teamJSON{ID: t.ID, Type: "team", Summary: t.Name, Self: r.s.baseURL + "/teams/" + t.ID,
		HTMLURL: r.s.htmlURL + "/teams/" + t.ID, Name: t.Name, Description: t.Description, DefaultRole: "manager"}
}

func (r *renderer) user(u *org.User) userJSON {
	teams := []refJSON{}
	if u.TeamID != "" {
		teams = append(teams, r.teamRef(u.TeamID))
	}
	role := u.Role
	if role == "" {
		role = "user"
	}
	return userJSON{ID: u.ID, Type: "user", Summary: u.Name, Self: r.s.baseURL + "/users/" + u.ID,
		HTMLURL: r.s.htmlURL + "/users/" + u.ID, Name: u.Name, Email: u.Email, TimeZone: u.TimeZone,
		Color: "purple", Role: role, Teams: teams}
}

func (r *renderer) priority(p *org.Priority, full bool) priorityJSON {
	out := priorityJSON{ID: p.ID, Type: "priority_reference", Summary: p.Name, Self: r.s.baseURL + "/priorities/" + p.ID}
	if full {
		out.Type = "priority"
		out.Name = p.Name
		out.Description = p.Description
	}
	return out
}

func (r *renderer) policy(p *org.EscalationPolicy) escalationPolicyJSON {
	out := escalationPolicyJSON{ID: p.ID, Type: "escalation_policy", Summary: p.Name,
		Self: r.s.baseURL + "/escalation_policies/" + p.ID, HTMLURL: r.s.htmlURL + "/escalation_policies/" + p.ID,
		Name: p.Name, EscalationRules: []escalationRule{}, Teams: []refJSON{}}
	if p.TeamID != "" {
		out.Teams = append(out.Teams, r.teamRef(p.TeamID))
	}
	for i, lvl := range p.Levels {
		rule := escalationRule{ID: p.ID + "R" + strconv.Itoa(i), EscalationDelayInMinutes: int(p.EscalationDelay / time.Minute), Targets: []refJSON{}}
		for _, u := range lvl {
			rule.Targets = append(rule.Targets, r.userRef(u))
		}
		out.EscalationRules = append(out.EscalationRules, rule)
	}
	return out
}

// AgentOf is the agent the simulator serves for a log entry of inc, as a
// reference type and id. The spec's AgentReference knows only user, service
// and integration agents: an entry the generated org attributes to the
// escalation policy (an escalation on timeout) is served as made by the
// incident's service, the agent that owns the policy's clock. Tests use it
// as ground truth.
func AgentOf(inc *org.Incident, e *org.LogEntry) (typ, id string) {
	if e == nil || e.AgentID == "" {
		return "", ""
	}
	if e.AgentType == org.AgentEscalationPolicy {
		return org.AgentService, inc.ServiceID
	}
	return e.AgentType, e.AgentID
}

func (r *renderer) agent(inc *org.Incident, e *org.LogEntry) *refJSON {
	typ, id := AgentOf(inc, e)
	if id == "" {
		return nil
	}
	var ref refJSON
	switch typ {
	case org.AgentUser:
		ref = r.userRef(id)
	case org.AgentService:
		ref = r.serviceRef(id)
	default:
		ref = refJSON{ID: id, Type: typ}
	}
	return &ref
}

func (r *renderer) userOrRef(id string) any {
	if r.includes["users"] || r.includes["assignees"] || r.includes["acknowledgers"] {
		if u := r.ix.users[id]; u != nil {
			return r.user(u)
		}
	}
	return r.userRef(id)
}

func (r *renderer) incident(inc *org.Incident) incidentJSON {
	st := r.ix.stateAt(inc, r.now)
	out := incidentJSON{
		ID: inc.ID, Type: "incident", Summary: "[#" + strconv.Itoa(inc.Number) + "] " + inc.Title,
		Self: r.s.baseURL + "/incidents/" + inc.ID, HTMLURL: r.s.htmlURL + "/incidents/" + inc.ID,
		IncidentNumber: inc.Number, Title: inc.Title, Description: inc.Title,
		CreatedAt: ts(inc.CreatedAt), UpdatedAt: ts(st.updatedAt), Status: st.status, IncidentKey: inc.IncidentKey,
		Assignments: []assignmentJSON{}, AssignedVia: "escalation_policy",
		LastStatusChangeAt: ts(st.lastChangeAt),
		AlertCounts:        alertCountsJSON{All: 1, Triggered: 1},
		IsMergeable:        true, IncidentType: incidentTypeJSON{Name: "incident_default"},
		Teams: []any{}, PendingActions: []any{}, Acknowledgements: []ackJSON{},
		IncidentsResponders: []any{}, ResponderRequests: []any{}, Urgency: inc.Urgency,
	}
	if s := r.ix.services[inc.ServiceID]; s != nil && r.includes["services"] {
		out.Service = r.service(s)
	} else {
		out.Service = r.serviceRef(inc.ServiceID)
	}
	if p := r.ix.policies[inc.EscalationPolicyID]; p != nil && r.includes["escalation_policies"] {
		out.EscalationPolicy = r.policy(p)
	} else {
		out.EscalationPolicy = r.policyRef(inc.EscalationPolicyID)
	}
	if inc.TeamID != "" {
		if t := r.ix.teams[inc.TeamID]; t != nil && r.includes["teams"] {
			out.Teams = append(out.Teams, r.team(t))
		} else {
			out.Teams = append(out.Teams, r.teamRef(inc.TeamID))
		}
	}
	if p := r.ix.prios[inc.PriorityID]; p != nil {
		out.Priority = r.priority(p, r.includes["priorities"])
	}
	if st.status == org.StatusResolved {
		at := ts(st.resolvedAt)
		out.ResolvedAt = &at
		out.AlertCounts = alertCountsJSON{All: 1, Resolved: 1}
		if st.merged && inc.MergedInto != "" {
			if target := r.s.incidentByID(inc.MergedInto); target != nil {
				out.ResolveReason = &resolveReasonJSON{Type: org.ResolveReasonMerge, Incident: r.incidentRef(target)}
			}
		}
	} else {
		for _, u := range st.assignees {
			out.Assignments = append(out.Assignments, assignmentJSON{At: ts(st.assignedAt), Assignee: r.userOrRef(u)})
		}
	}
	for _, a := range st.acks {
		var who any = r.agent(inc, a)
		if a.AgentType == org.AgentUser {
			who = r.userOrRef(a.AgentID)
		}
		out.Acknowledgements = append(out.Acknowledgements, ackJSON{At: ts(a.At), Acknowledger: who})
	}
	if ag := r.agent(inc, st.lastChangeBy); ag != nil {
		out.LastStatusChangeBy = ag
	}
	if st.firstTrigger != nil {
		if r.includes["first_trigger_log_entries"] {
			// The nested entry keeps references: includes apply to the incident.
			plain := &renderer{s: r.s, ix: r.ix, now: r.now}
			out.FirstTriggerLogEntry = plain.logEntry(inc, st.firstTrigger)
		} else {
			out.FirstTriggerLogEntry = refJSON{ID: st.firstTrigger.ID, Type: "trigger_log_entry_reference",
				Summary: st.firstTrigger.Summary, Self: r.s.baseURL + "/log_entries/" + st.firstTrigger.ID + "?incident_id=" + inc.ID,
				HTMLURL: r.s.htmlURL + "/incidents/" + inc.ID + "/log_entries/" + st.firstTrigger.ID}
		}
	}
	if r.includes["conference_bridge"] {
		out.ConferenceBridge = &conferenceJSON{ConferenceNumber: "+1-415-555-0100,,,," + strconv.Itoa(inc.Number) + "#",
			ConferenceURL: "https://meet.example.com/incident-" + strconv.Itoa(inc.Number)}
	}
	if r.includes["body"] {
		// The spec types details as an object.
		out.Body = &bodyJSON{Type: "incident_body", Details: map[string]any{"description": inc.Details}}
	}
	if r.s.unknownEnum("incident", inc.ID) {
		out.Status = "investigating"
		out.Urgency = "critical"
	}
	return out
}

func (r *renderer) logEntry(inc *org.Incident, e *org.LogEntry) logEntryJSON {
	out := logEntryJSON{
		ID: e.ID, Type: e.Type, Summary: e.Summary,
		Self:      r.s.baseURL + "/log_entries/" + e.ID + "?incident_id=" + inc.ID,
		HTMLURL:   r.s.htmlURL + "/incidents/" + inc.ID + "/log_entries/" + e.ID,
		CreatedAt: ts(e.At), Agent: r.agent(inc, e), Channel: channelJSON{Type: e.ChannelType},
		Teams: []any{}, Contexts: []any{},
	}
	if out.Channel.Type == "" {
		out.Channel.Type = "auto"
	}
	if s := r.ix.services[inc.ServiceID]; s != nil && r.includes["services"] {
		out.Service = r.service(s)
	} else {
		out.Service = r.serviceRef(inc.ServiceID)
	}
	if r.includes["incidents"] {
		out.Incident = r.incident(inc)
	} else {
		out.Incident = r.incidentRef(inc)
	}
	if inc.TeamID != "" {
		if t := r.ix.teams[inc.TeamID]; t != nil && r.includes["teams"] {
			out.Teams = append(out.Teams, r.team(t))
		} else {
			out.Teams = append(out.Teams, r.teamRef(inc.TeamID))
		}
	}
	switch e.Type {
	case org.LogTrigger:
		out.EventDetails = &eventDetailsJSON{Description: inc.Title}
	case org.LogAcknowledge:
		if e.AcknowledgementTimeout > 0 {
			v := e.AcknowledgementTimeout
			out.AcknowledgementTimeout = &v
		}
	case org.LogNotify:
		if e.UserID != "" {
			u := r.userRef(e.UserID)
			out.User = &u
			nt := e.NotificationType
			if nt == "" {
				nt = "push_notification"
			}
			out.Channel.Notification = &notificationJSON{Type: nt, StartedAt: ts(e.At), User: u}
			if usr := r.ix.users[e.UserID]; usr != nil && nt == "email_notification" {
				out.Channel.Notification.Address = usr.Email
			}
		}
	case org.LogAnnotate:
		out.Note = e.Note
		out.Channel.Summary = e.Note
	}
	// assign and escalate entries list the users assigned; the generated
	// trigger entries also name the first on-call assignees.
	if len(e.AssigneeIDs) > 0 || e.Type == org.LogAssign || e.Type == org.LogEscalate {
		out.Assignees = []refJSON{}
		for _, u := range e.AssigneeIDs {
			out.Assignees = append(out.Assignees, r.userRef(u))
		}
	}
	if r.s.unknownEnum("log_entry", e.ID) {
		out.Type = "status_update_log_entry"
		out.Channel.Type = "carrier_pigeon"
	}
	return out
}
