package store

import "github.com/aftermath-sre/aftermath/domain"

// The store keeps the domain's facts: its rows are package domain's types,
// named here as well so that callers of the store's methods need not import
// both packages.
type (
	RawDocument   = domain.RawDocument
	Incident      = domain.Incident
	TimelineEvent = domain.TimelineEvent
	Postmortem    = domain.Postmortem
	Factor        = domain.Factor
	ActionItem    = domain.ActionItem
	Transition    = domain.Transition
	IngestRun     = domain.IngestRun
)

// The domain's enums, as stored.
const (
	SeverityUnknown = domain.SeverityUnknown

	EventTrigger       = domain.EventTrigger
	EventNotify        = domain.EventNotify
	EventAcknowledge   = domain.EventAcknowledge
	EventUnacknowledge = domain.EventUnacknowledge
	EventEscalate      = domain.EventEscalate
	EventAssign        = domain.EventAssign
	EventAnnotate      = domain.EventAnnotate
	EventResolve       = domain.EventResolve
	EventOther         = domain.EventOther

	CategoryNew        = domain.CategoryNew
	CategoryInProgress = domain.CategoryInProgress
	CategoryDone       = domain.CategoryDone

	IngestRunning = domain.IngestRunning
	IngestSuccess = domain.IngestSuccess
	IngestFailed  = domain.IngestFailed
	IngestAborted = domain.IngestAborted
)
