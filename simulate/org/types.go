package org

import (
	"time"

	"github.com/aftermath-sre/aftermath/postmortem"
)

// Scale selects the size of the generated organization.
type Scale string

// Scales. Incident counts are approximate; the history spans Days() before End.
const (
	ScaleTiny   Scale = "tiny"   // ~200 incidents over 30 days, for unit tests
	ScaleSmall  Scale = "small"  // ~2,000 incidents over 90 days
	ScaleMedium Scale = "medium" // ~20,000 incidents over 365 days
	ScaleLarge  Scale = "large"  // ~100,000 incidents over 730 days
	// ScaleXLarge (~1,000,000 incidents over 1,095 days, 20 teams: the
	// whole team catalog, 120 services) is for the analysis benchmark,
	// written straight into the store rather than served by the HTTP
	// simulators. Its organization writes postmortems for most incidents
	// (all SEV1/SEV2, most SEV3: about 200k postmortems and 1M action
	// items), so the benchmark carries the postmortem side at the size
	// issue 12 asks for; the other scales keep the realistic coverage of
	// REALISM.md.
	ScaleXLarge Scale = "xlarge"
)

// Options configure Generate.
type Options struct {
	Seed  int64
	Scale Scale
	// End is the exclusive end of the history (converted to UTC and
	// truncated to the second). The history spans the scale's days before
	// End. A zero End means DefaultEnd() (2026-01-01T00:00:00Z).
	End time.Time
}

// Org is a generated organization with its ground truth.
type Org struct {
	Options    Options
	Start, End time.Time

	Teams              []Team
	Users              []User
	Services           []Service
	EscalationPolicies []EscalationPolicy
	Priorities         []Priority

	Incidents   []Incident   // sorted by CreatedAt (unique); Incidents[i].Number == i+1
	Postmortems []Postmortem // sorted by CreatedAt; Postmortems[i].Key == "PM-<i+1>"
	ActionItems []ActionItem // sorted by CreatedAt; ActionItems[i].Key == "ACT-<i+1>"

	Themes []Theme // latent contributing-factor themes (ground truth)

	// Latent holds the effects planted in the history (ground truth): which
	// themes' fixes hold, the team whose follow-ups are mostly
	// investigations, and the one real change of time to resolve. See Latent.
	Latent Latent

	// Automation is the Jira automation account that authors bot churn in
	// changelogs. It is not a PagerDuty user (ID is empty).
	Automation User

	themes *themeModel

	// lookup indexes, built by Generate
	incidentIdx   map[string]int
	postmortemIdx map[string]int
	actionIdx     map[string]int
	userIdx       map[string]int
	accountIdx    map[string]int
	serviceIdx    map[string]int
	teamIdx       map[string]int
	policyIdx     map[string]int
	priorityIdx   map[string]int
}

// Team is a PagerDuty team (and the Jira component of its action items).
type Team struct {
	ID          string
	Name        string // e.g. "Payments"
	Slug        string // e.g. "payments", used as a Jira label and component
	Description string
}

// User is both a PagerDuty user and a Jira account.
type User struct {
	ID            string // PagerDuty id, e.g. "PXPGF42"
	Name          string
	Email         string
	TeamID        string
	JiraAccountID string // e.g. "5b10ac8d82e05b22cc7d4ef5"
	TimeZone      string // IANA name, e.g. "Europe/Berlin"
	Role          string // PagerDuty role: "user", "admin", "limited_user", "owner"
}

// Service is a PagerDuty service owned by one team.
type Service struct {
	ID                 string
	Name               string // e.g. "checkout-api"
	TeamID             string
	EscalationPolicyID string
	Description        string
	CreatedAt          time.Time
}

// EscalationPolicy is a team's escalation policy. Levels[i] lists the user ids
// targeted at level i (level 0 first).
type EscalationPolicy struct {
	ID              string
	Name            string
	TeamID          string
	Levels          [][]string
	EscalationDelay time.Duration // delay before escalating to the next level
}

// Priority is a PagerDuty priority, P1 (Order 1, most urgent) .. P5.
type Priority struct {
	ID          string
	Name        string // "P1" .. "P5"
	Description string
	Order       int // 1 .. 5
}

// Incident statuses (PagerDuty).
const (
	StatusTriggered    = "triggered"
	StatusAcknowledged = "acknowledged"
	StatusResolved     = "resolved"
)

// Log entry types (exact PagerDuty type strings).
const (
	LogTrigger     = "trigger_log_entry"
	LogNotify      = "notify_log_entry"
	LogAcknowledge = "acknowledge_log_entry"
	LogEscalate    = "escalate_log_entry"
	LogAssign      = "assign_log_entry"
	LogAnnotate    = "annotate_log_entry"
	LogUnack       = "unacknowledge_log_entry"
	LogResolve     = "resolve_log_entry"
)

// Agent types of log entries.
const (
	AgentUser             = "user_reference"
	AgentService          = "service_reference"
	AgentEscalationPolicy = "escalation_policy_reference"
)

// ResolveReasonMerge is the resolve_reason of an incident merged into another.
const ResolveReasonMerge = "merge_resolve_reason"

// Incident is a PagerDuty incident with its full timeline. Field values
// describe the incident as of Org.End; StateAt gives earlier states.
type Incident struct {
	ID                 string
	Number             int // incident_number, 1.. in CreatedAt order
	Title              string
	IncidentKey        string // de-duplication key
	Details            string // body.details / description
	ServiceID          string
	TeamID             string
	EscalationPolicyID string
	PriorityID         string // "" = no priority
	Urgency            string // "high" or "low"

	Status         string    // at End
	CreatedAt      time.Time // trigger time
	AcknowledgedAt time.Time // first acknowledgement, zero if never
	ResolvedAt     time.Time // zero if still open at End
	ResolveReason  string    // "" or ResolveReasonMerge
	MergedInto     string    // id of the incident it was merged into, or ""
	AutoResolved   bool      // resolved without ever being acknowledged

	Acknowledgements int // acknowledge_log_entry count
	Escalations      int // escalate_log_entry count
	Reassignments    int // assign_log_entry count (manual reassignments)
	Notifications    int // notify_log_entry count

	Severity          string // "SEV1".."SEV5" under the default mapping
	CustomerImpacting bool

	// Signature is ground truth: the service, the alert that fired and its
	// target, e.g. "checkout-api/high-error-rate/orders-canary"; incidents
	// opened by hand have a unique "manual/<id>". Incidents with one
	// signature have near-duplicate titles.
	Signature string
	// RecurrenceOf is ground truth: the id of the latest earlier incident
	// with the same Signature that was not merged, or "". Merged incidents
	// never recur and are never recurred. Use Org.RecurrenceWithin for a
	// windowed definition.
	RecurrenceOf string

	LogEntries []LogEntry // sorted by At (then ID order of creation)
}

// LogEntry is one PagerDuty log entry of an incident.
type LogEntry struct {
	ID          string
	Type        string // one of the Log* constants
	At          time.Time
	AgentType   string // AgentUser, AgentService or AgentEscalationPolicy
	AgentID     string
	ChannelType string // "api", "email", "web_trigger", "auto", "timeout", "note", "sms", "phone", "push_notification", "website", "mobile"
	Summary     string

	AssigneeIDs            []string // assign / escalate: user ids assigned; trigger: the initial assignees (PagerDuty shows those only in the incident's assignments)
	EscalationLevel        int      // escalate: the level escalated to (1-based), 0 otherwise
	UserID                 string   // notify: the user notified
	NotificationType       string   // notify: "sms_notification", "email_notification", "phone_notification", "push_notification"
	Note                   string   // annotate: the note text
	AcknowledgementTimeout int      // acknowledge: seconds, 0 if none
}

// Postmortem workflow statuses (Jira).
const (
	PMDraft     = "Draft"
	PMInReview  = "In Review"
	PMPublished = "Published"
)

// Postmortem is a Jira issue of type "Postmortem".
type Postmortem struct {
	Key         string   // "PM-1", ...
	ID          string   // Jira issue id, e.g. "10001"
	IncidentIDs []string // empty for a near miss
	NearMiss    bool
	Title       string
	Severity    string // "SEV1".."SEV5"
	TeamID      string
	ServiceID   string
	AuthorID    string // user id (see User.JiraAccountID)

	Status      string    // at End
	CreatedAt   time.Time // draft created
	InReviewAt  time.Time // zero if not reached by End
	PublishedAt time.Time // zero if not reached by End
	UpdatedAt   time.Time // last activity by End

	Doc postmortem.Document

	// FactorThemes[i] is the Theme.ID of Doc.Factors[i] (ground truth).
	FactorThemes []string
	// BlamingSentences are the exact sentences of Doc written with blame
	// (ground truth); empty for a blameless document.
	BlamingSentences []string

	ActionItemKeys []string
	TimeToDetect   time.Duration // ground truth, also stated in most Doc.Detection texts
	Labels         []string      // at End
	InitialLabels  []string      // at CreatedAt (the status at CreatedAt is always Draft)
	Changelog      []History     // sorted by At
}

// Action item statuses (Jira).
const (
	AIToDo       = "To Do"
	AIInProgress = "In Progress"
	AIInReview   = "In Review"
	AIDone       = "Done"
	AIWontDo     = "Won't Do"
)

// Jira status categories.
const (
	CategoryNew           = "new"
	CategoryIndeterminate = "indeterminate"
	CategoryDone          = "done"
)

// ActionItem is a Jira Task linked to a postmortem.
type ActionItem struct {
	Key           string // "ACT-1", ...
	ID            string // Jira issue id
	PostmortemKey string
	Summary       string
	Description   string
	TeamID        string
	Component     string // team slug

	// Theme is ground truth: the Theme.ID of the contributing factor the
	// item addresses.
	Theme string

	// Final state at End.
	AssigneeID        string    // user id, "" = unowned
	AssigneeAccountID string    // the assignee's Jira account id, "" = unowned
	Priority          string    // "Highest", "High", "Medium", "Low", "Lowest"
	DueDate           time.Time // zero = none; otherwise UTC midnight
	Status            string
	StatusCategory    string
	Labels            []string

	CreatedAt  time.Time
	ResolvedAt time.Time // zero if open at End
	UpdatedAt  time.Time // last activity by End

	// Initial is the state at CreatedAt; replaying Changelog on it gives the
	// state at any later time (see StateAt).
	Initial ActionItemState

	Vague     bool      // ground truth: no measurable outcome
	Reopened  int       // times moved from a done status back to an open one (by End)
	Changelog []History // sorted by At, all after CreatedAt and before End

	org *Org // resolves account ids while replaying
}

// ActionItemState is an action item's state at some time.
type ActionItemState struct {
	Status            string
	StatusCategory    string
	AssigneeID        string // user id, "" = unowned
	AssigneeAccountID string
	Priority          string
	DueDate           time.Time
	Labels            []string
	ResolvedAt        time.Time // when it last entered a done status, zero while open
	UpdatedAt         time.Time // CreatedAt or the last history's time
	Reopened          int       // done -> open transitions so far
}

// PostmortemState is a postmortem's state at some time.
type PostmortemState struct {
	Status         string
	StatusCategory string
	Labels         []string
	ResolvedAt     time.Time // PublishedAt once published
	UpdatedAt      time.Time
}

// History is one Jira changelog history (one edit, one or more field changes).
type History struct {
	ID              string
	At              time.Time
	AuthorAccountID string
	Items           []ChangeItem
}

// ChangeItem is one field change of a History, as Jira reports it.
type ChangeItem struct {
	Field      string // "status", "assignee", "duedate", "priority", "labels"
	FieldType  string // "jira"
	FieldID    string // "status", "assignee", "duedate", "priority", "labels"
	From       string
	FromString string
	To         string
	ToString   string
}

// Theme is a latent contributing-factor theme.
type Theme struct {
	ID          string // e.g. "config-change"
	Name        string
	Description string
	// Trend is the drift of the theme's popularity: the natural log of its
	// weight at End over its weight at Start (0 = no drift). See ThemeWeight.
	Trend float64
}

// JiraStatus describes a Jira workflow status the generator uses.
type JiraStatus struct {
	ID       string
	Name     string
	Category string // CategoryNew, CategoryIndeterminate, CategoryDone
}

// JiraPriority describes a Jira priority.
type JiraPriority struct {
	ID   string
	Name string
}

// JiraStatuses lists every Jira workflow status the generator uses, with the
// ids changelog items refer to. "In Review" is one status shared by both
// workflows.
func JiraStatuses() []JiraStatus {
	return []JiraStatus{
		{ID: "10000", Name: AIToDo, Category: CategoryNew},
		{ID: "3", Name: AIInProgress, Category: CategoryIndeterminate},
		{ID: "10001", Name: AIInReview, Category: CategoryIndeterminate},
		{ID: "10002", Name: AIDone, Category: CategoryDone},
		{ID: "10003", Name: AIWontDo, Category: CategoryDone},
		{ID: "10010", Name: PMDraft, Category: CategoryNew},
		{ID: "10012", Name: PMPublished, Category: CategoryDone},
	}
}

// JiraPriorities lists Jira priorities, most urgent first (P1..P5).
func JiraPriorities() []JiraPriority {
	return []JiraPriority{
		{ID: "1", Name: "Highest"},
		{ID: "2", Name: "High"},
		{ID: "3", Name: "Medium"},
		{ID: "4", Name: "Low"},
		{ID: "5", Name: "Lowest"},
	}
}
