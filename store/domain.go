package store

import "time"

// Severity values. Unknown or unmapped severities are SeverityUnknown.
const (
	SeverityUnknown = "unknown"
)

// Normalized timeline event types.
const (
	EventTrigger        = "trigger"
	EventNotify         = "notify"
	EventAcknowledge    = "acknowledge"
	EventUnacknowledge  = "unacknowledge"
	EventEscalate       = "escalate"
	EventAssign         = "assign"
	EventAnnotate       = "annotate"
	EventResolve        = "resolve"
	EventOther          = "other"
	ResolveReasonMerged = "merge_resolve_reason"
)

// Status categories of Jira issues (postmortems and action items).
const (
	CategoryNew        = "new"
	CategoryInProgress = "indeterminate"
	CategoryDone       = "done"
)

// RawDocument is an API payload as fetched, kept so that rows can be
// re-extracted without calling the API again.
type RawDocument struct {
	Source    string // "pagerduty", "jira"
	Kind      string // "incident", "log_entry", "issue", "changelog", ...
	ID        string
	FetchedAt time.Time
	Body      []byte
}

// Incident is an incident in the domain's vocabulary.
type Incident struct {
	Source             string
	ID                 string
	Number             uint64
	Title              string
	URL                string
	IncidentKey        string
	ServiceID          string
	ServiceName        string
	TeamID             string
	TeamName           string
	EscalationPolicyID string
	Priority           string // "P1".."P5" or "" when none
	Urgency            string // "high", "low", "unknown"
	Severity           string // "SEV1".."SEV5" or "unknown"
	Status             string // "triggered", "acknowledged", "resolved", "unknown"
	CreatedAt          time.Time
	AcknowledgedAt     time.Time // first acknowledgement; zero if never
	ResolvedAt         time.Time // zero while open
	UpdatedAt          time.Time
	ResolveReason      string
	MergedInto         string
	Merged             bool
	AutoResolved       bool // resolved without ever being acknowledged
	Acknowledgements   uint32
	Assignments        uint32
	Escalations        uint32
	Reassignments      uint32
}

// TimelineEvent is one entry of an incident's timeline (a PagerDuty log entry).
type TimelineEvent struct {
	Source      string
	IncidentID  string
	ID          string
	Type        string // one of the Event* constants
	RawType     string // the source's own type string
	CreatedAt   time.Time
	AgentType   string
	AgentID     string
	AgentName   string
	ChannelType string
	Summary     string
	AssigneeIDs []string
	UserID      string
}

// Postmortem is a postmortem document with its workflow state.
type Postmortem struct {
	Key               string
	ID                string
	Project           string
	Title             string
	URL               string
	Status            string
	StatusCategory    string
	Severity          string
	Team              string
	Service           string
	Author            string
	Labels            []string
	IncidentIDs       []string
	ActionItemKeys    []string
	CreatedAt         time.Time // the draft
	UpdatedAt         time.Time
	InReviewAt        time.Time // zero if never
	PublishedAt       time.Time // zero if not published
	DescriptionFormat string    // "markdown", "wiki", "adf"
	Sections          []string  // canonical template sections present
	MissingSections   []string  // template sections absent
	Summary           string
	Impact            string
	Detection         string
	WentWell          string
	WentPoorly        string
	Lucky             string
	Lessons           string
	TimeToDetect      time.Duration // zero when not stated
	ActionItemRows    int           // rows of the Action Items section
	Factors           []Factor
}

// Factor is one contributing factor of a postmortem.
type Factor struct {
	PostmortemKey string
	Ordinal       int
	Name          string
	Text          string
}

// ActionItem is a postmortem follow-up.
type ActionItem struct {
	Key            string
	ID             string
	Project        string
	PostmortemKey  string
	Summary        string
	Status         string
	StatusCategory string // "new", "indeterminate", "done"
	Priority       string // "P1".."P5" or "unknown"
	RawPriority    string // the source's own name, e.g. "Highest"
	AssigneeID     string // "" when unowned
	AssigneeName   string
	Team           string
	Labels         []string
	Components     []string
	DueDate        time.Time // UTC midnight; zero when none
	CreatedAt      time.Time
	UpdatedAt      time.Time
	ResolvedAt     time.Time // zero while open
	LastActivityAt time.Time
	ReopenCount    int
	URL            string
	Transitions    []Transition
}

// Transition is one field change of an action item, from its changelog.
type Transition struct {
	ItemKey    string
	HistoryID  string
	Seq        int // index of the change within its history entry
	At         time.Time
	AuthorID   string
	Field      string
	FromValue  string
	FromString string
	ToValue    string
	ToString   string
}

// PriorityFromJira maps Jira's default priority names to P1..P5; names that
// already look like P1..P5 pass through, anything else is "unknown".
func PriorityFromJira(name string) string {
	switch name {
	case "Highest", "Blocker", "Critical", "P1":
		return "P1"
	case "High", "Major", "P2":
		return "P2"
	case "Medium", "P3":
		return "P3"
	case "Low", "Minor", "P4":
		return "P4"
	case "Lowest", "Trivial", "P5":
		return "P5"
	}
	return "unknown"
}
