package domain

// Unknown is the value of an enum field whose source value is not known.
const Unknown = "unknown"

// Severities: "SEV1" is the most severe. Unknown or unmapped severities are
// SeverityUnknown.
const SeverityUnknown = Unknown

var severities = []string{"SEV1", "SEV2", "SEV3", "SEV4", "SEV5"}

// Severities returns the known severities, most severe first.
func Severities() []string { return append([]string(nil), severities...) }

// Severity returns s when it is a known severity, else SeverityUnknown.
func Severity(s string) string {
	for _, k := range severities {
		if s == k {
			return s
		}
	}
	return SeverityUnknown
}

// Priorities: "P1" is the most urgent. Unmapped priorities are Unknown.
var priorities = []string{"P1", "P2", "P3", "P4", "P5"}

// Priorities returns the known priorities, most urgent first.
func Priorities() []string { return append([]string(nil), priorities...) }

// Priority returns p when it is a known priority, else Unknown.
func Priority(p string) string {
	for _, k := range priorities {
		if p == k {
			return p
		}
	}
	return Unknown
}

// Incident statuses.
const (
	StatusTriggered    = "triggered"
	StatusAcknowledged = "acknowledged"
	StatusResolved     = "resolved"
)

// Incident urgencies.
const (
	UrgencyHigh = "high"
	UrgencyLow  = "low"
)

// Timeline event types.
const (
	EventTrigger       = "trigger"
	EventNotify        = "notify"
	EventAcknowledge   = "acknowledge"
	EventUnacknowledge = "unacknowledge"
	EventEscalate      = "escalate"
	EventAssign        = "assign"
	EventAnnotate      = "annotate"
	EventResolve       = "resolve"
	EventOther         = "other"
)

// Agent types of timeline events: who acted. A person, or a system (a
// monitored service or an integration sending events on its behalf).
const (
	AgentUser        = "user_reference"
	AgentService     = "service_reference"
	AgentIntegration = "integration_reference"
)

// SystemAgent reports whether an agent type is a system, not a person.
func SystemAgent(agentType string) bool {
	return agentType == AgentService || agentType == AgentIntegration
}

// Status categories of postmortems and action items.
const (
	CategoryNew        = "new"
	CategoryInProgress = "indeterminate"
	CategoryDone       = "done"
)

// Ingest run statuses. A run is recorded as running when it starts and as
// success or failed when it ends; a run that never ended (the process was
// killed, or its final record was lost) is closed as aborted.
const (
	IngestRunning = "running"
	IngestSuccess = "success"
	IngestFailed  = "failed"
	IngestAborted = "aborted"
)
