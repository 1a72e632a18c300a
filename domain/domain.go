// Package domain is Aftermath's vocabulary: the facts the sources deliver
// (incidents and their timeline events, postmortems with their contributing
// factors, action items with their transitions), the enums they use, and the
// defaults shared by the configuration and the sources.
//
// It imports nothing of the project. A source translates its vendor's
// documents into these types once, at its package boundary; the store keeps
// them and the analyzers read them. Nothing derived is part of an ingested
// fact: what an incident's timeline says about the response (first
// acknowledgement, escalations, reassignments) is computed on read, from the
// events (see Response).
package domain

import (
	"strings"
	"time"
	"unicode"
)

// RawDocument is a vendor document as fetched, kept so that rows can be
// extracted again without calling the API.
type RawDocument struct {
	Source    string // "pagerduty", "jira"
	Kind      string // the source's document kind: "incident", "log_entry", "issue", ...
	ID        string
	FetchedAt time.Time
	Body      []byte
}

// Incident is an incident as its source's document describes it, plus the
// Response fields, which are filled in on read from its timeline (an
// ingester leaves them zero; the store does not keep them).
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
	Urgency            string // UrgencyHigh, UrgencyLow or Unknown
	Severity           string // "SEV1".."SEV5" or SeverityUnknown
	Status             string // StatusTriggered, StatusAcknowledged, StatusResolved or Unknown
	CreatedAt          time.Time
	ResolvedAt         time.Time // zero while open (read: the last resolve event when the document has none)
	UpdatedAt          time.Time // read: the latest of the document's and its last timeline event's
	ResolveReason      string    // the source's own reason ("merge_resolve_reason")
	MergedInto         string    // the incident it was merged into, if any
	Merged             bool      // merged into another incident: a duplicate

	// Computed on read from the timeline (see Response.Apply).
	AcknowledgedAt   time.Time // first acknowledgement; zero if never
	AutoResolved     bool      // resolved by a system without ever being acknowledged
	Acknowledgements uint32
	Assignments      uint32 // escalations and reassignments
	Escalations      uint32
	Reassignments    uint32
}

// TimelineEvent is one entry of an incident's timeline.
type TimelineEvent struct {
	Source      string
	IncidentID  string
	ID          string
	Type        string // one of the Event* constants
	RawType     string // the source's own type string
	CreatedAt   time.Time
	AgentType   string // who acted: one of the Agent* constants, or the source's own kind
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
	StatusCategory    string // CategoryNew, CategoryInProgress or CategoryDone
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
	StatusCategory string // CategoryNew, CategoryInProgress or CategoryDone
	Priority       string // "P1".."P5" or Unknown
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

// Transition is one field change of an action item.
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

// IngestRun is the record of one sync of a source.
type IngestRun struct {
	Source     string
	RunID      string
	StartedAt  time.Time
	FinishedAt time.Time
	Status     string // IngestRunning, IngestSuccess, IngestFailed or IngestAborted
	Error      string
	Requests   uint64
	Records    uint64
}

// TeamKey is the canonical form of a team name used in every team label:
// lower case, with runs of anything but letters and digits folded to one
// "-". "Data Platform", "data_platform" and "data-platform" are one team.
// The analysis labels teams with it, and config checks that two team
// aliases that fold to the same key map to the same team.
func TeamKey(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(strings.TrimSpace(name)) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	return b.String()
}
