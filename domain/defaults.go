package domain

import "time"

// Defaults shared by the configuration and the sources: one place, so that a
// source built without a configuration behaves as a default configuration.
const (
	// DefaultPostmortemJQL selects the postmortems in Jira.
	DefaultPostmortemJQL = "project = PM AND issuetype = Postmortem"
	// DefaultActionItemJQL selects the action items in Jira.
	DefaultActionItemJQL = "project = ACT AND issuetype = Task"
	// DefaultIncidentLabelPrefix is the prefix of the postmortem labels that
	// name an incident ("pd-P1234").
	DefaultIncidentLabelPrefix = "pd-"
)

// Month is the calendar month containing t in loc (nil: UTC), as the
// half-open interval [from, to) in UTC. Its boundaries are local midnight of
// the 1st, so a month in a DST zone may be an hour longer or shorter than
// its days suggest.
func Month(t time.Time, loc *time.Location) (from, to time.Time) {
	return MonthAt(t, 0, loc)
}

// MonthAt is the calendar month offset months after (negative: before) the
// one containing t in loc, as Month.
func MonthAt(t time.Time, offset int, loc *time.Location) (from, to time.Time) {
	if loc == nil {
		loc = time.UTC
	}
	l := t.In(loc)
	f := time.Date(l.Year(), l.Month()+time.Month(offset), 1, 0, 0, 0, 0, loc)
	return f.UTC(), time.Date(f.Year(), f.Month()+1, 1, 0, 0, 0, 0, loc).UTC()
}
