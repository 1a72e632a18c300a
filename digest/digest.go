// Package digest builds the monthly learning-culture digest for leadership
// from the latest successful analysis run, and renders it as one
// self-contained HTML page (inline CSS and SVG, nothing loaded from
// elsewhere) and as Markdown.
//
// Build reads only analysis results and analysis items, never the raw
// incident tables. Every measure is shown against the previous month and the
// six months before the digest's month. Write stores the files atomically and
// keeps an index page; Deliver optionally posts a summary to a
// Slack-compatible webhook and emails the page. Due tells a scheduler when the
// previous month's digest should be written.
package digest

import (
	"time"
)

// TrendMonths is how many months a digest's trend shows: the digest's month
// and the six before it.
const TrendMonths = 7

// Digest is one month's digest for the organization or one team. Renderers
// read only this.
type Digest struct {
	Month       string   // "2026-10"
	MonthName   string   // "October 2026"
	Previous    string   // "2026-09"
	Months      []string // the trend months, oldest first, ending with Month
	Team        string   // "" for the whole organization
	Title       string
	Scope       string    // "the whole organization" or "team Payments"
	From, To    time.Time // the month's bounds in the digest's time zone
	TimeZone    string
	Partial     bool // the analysis run finished before the month ended
	GeneratedAt time.Time
	RunID       string
	RunStarted  time.Time // when the analysis run started (UTC): it read the data stored by then
	RunAt       time.Time // when the analysis run finished (UTC)
	Links       Links

	// Summary is a few plain-language sentences for a reader with two minutes.
	Summary []string

	Incidents   IncidentSection
	Response    ResponseSection
	Changes     ChangeSection // which changes from the month before are beyond chance
	ErrorBudget BudgetSection
	Postmortems PostmortemSection
	Actions     ActionSection
	Themes      ThemeSection
	Recurrence  RecurrenceSection
	ThemeCost   ThemeCostSection // organization-wide digest only
	Fixes       FixSection       // organization-wide digest only
	Language    LanguageSection
	Highlights  HighlightSection
	Teams       []TeamSection

	// Notes are caveats about the data (a partial month, a month the run
	// covers only in part).
	Notes []string
	// IncidentsFrom is the first month with incident data when it is later
	// than the other sources' (a PagerDuty history shorter than Jira's);
	// incident figures before it are unknown. "" otherwise.
	IncidentsFrom string
	// AsOf is the analysis run's date when it ran LateAnalysisDays or more
	// after the month ended (a digest written for an earlier month): the
	// figures of the run's time (open, overdue, unowned) are then dated.
	// "" otherwise.
	AsOf string
	// NoIncidentSource: the incident source had never completed a sync when
	// the digest was written (Options.NoIncidentData). The run's snapshot
	// of incidents (open now, postmortems overdue now) is then unknown too,
	// not zero.
	NoIncidentSource bool
}

// LateAnalysisDays is how many days after its month ended an analysis run
// makes a digest of that month say that its "now" figures are of the run's
// date.
const LateAnalysisDays = 7

// noIncidentData reports whether the digest's month has no incident data:
// it comes before IncidentsFrom (a PagerDuty history that starts later, or
// none synced yet). Its incident-derived figures are unknown, not zero.
func (d *Digest) noIncidentData() bool { return d.IncidentsFrom != "" && d.Month < d.IncidentsFrom }

// Links are where the digest is published; empty when no base URL is known.
type Links struct {
	HTML     string
	Markdown string
	Index    string
}

// Measure is one number over the trend months with how to read it.
type Measure struct {
	Name      string
	Unit      Unit
	Direction Direction
	Series    Series
	// Cmp is the change analysis's comparison of the month with the month
	// before (nil: the run made none); VsPrevious carries its verdict.
	Cmp *ChangeRow
}

// Now formats the digest month's value.
func (m Measure) Now() string { v, ok := m.Series.Current(); return formatOpt(v, ok, m.Unit) }

// Prev formats the previous month's value.
func (m Measure) Prev() string { v, ok := m.Series.Previous(); return formatOpt(v, ok, m.Unit) }

// Avg formats the six-month average.
func (m Measure) Avg() string { v, ok := m.Series.Average(); return formatOpt(v, ok, m.Unit) }

// VsPrevious compares the month with the previous month.
func (m Measure) VsPrevious() Change {
	c, cok := m.Series.Current()
	p, pok := m.Series.Previous()
	return change(c, p, cok, pok, m.Unit, m.Direction).judged(m.Cmp)
}

// VsAverage compares the month with the six-month average.
func (m Measure) VsAverage() Change {
	c, cok := m.Series.Current()
	a, aok := m.Series.Average()
	return change(c, a, cok, aok, m.Unit, m.Direction)
}

// Known reports whether the month's value is known.
func (m Measure) Known() bool { _, ok := m.Series.Current(); return ok }

// Value returns the month's value (0 when unknown).
func (m Measure) Value() float64 { v, _ := m.Series.Current(); return v }

// IncidentSection counts incidents by severity.
type IncidentSection struct {
	Total      Measure
	BySeverity []Measure // Name is the severity: SEV1 first
	OpenNow    int       // not resolved when the analysis ran (unknown with Digest.NoIncidentSource)
	Sentence   string    // e.g. "No SEV1 or SEV2 incidents this month."
}

// ResponseSection holds time to acknowledge and to resolve.
type ResponseSection struct {
	MTTAP50, MTTAP90, MTTRP50, MTTRP90 Measure
	BySeverity                         []SeverityResponse
}

// SeverityResponse is the month's response times of one severity.
type SeverityResponse struct {
	Severity                  string
	Incidents                 Measure
	MTTAP90, MTTRP50, MTTRP90 Measure
}

// BudgetSection is the error budget of each service with an SLO.
type BudgetSection struct {
	Services []ServiceBudget
	Breached int // services whose month downtime exceeded the month's budget
}

// ServiceBudget is one service's month against its SLO.
type ServiceBudget struct {
	Service   string
	Window    string  // the SLO's configured window
	Objective float64 // e.g. 0.999; 0 when the service has no SLO
	Downtime  Measure
	// Consumed is the share of a month's error budget that the month's
	// downtime used: downtime / ((1 - objective) × month length).
	Consumed Measure
	Breached bool
	Cost     float64
	HasCost  bool
	// RemainingNow is the share of the current SLO window's budget left when
	// the analysis ran.
	RemainingNow    float64
	HasRemainingNow bool
	// NoIncidents: the service has an SLO but no incident on record under
	// its name in any period of the run, and no downtime: its downtime is
	// not known (most likely the SLO names the service differently from
	// PagerDuty; the analysis warns of it), so the summary asks to check
	// the name instead of saying "no downtime".
	NoIncidents bool
}

// PostmortemSection covers postmortem coverage and timeliness.
type PostmortemSection struct {
	OrgWide       bool // a team digest shows the organization's numbers
	Required      Measure
	Coverage      Measure
	Written       int // postmortems among the required, this month
	PublishP50    Measure
	PublishP90    Measure
	DraftP50      Measure
	WithinTarget  Measure // share published within target
	PublishTarget float64 // seconds; 0 when unknown
	Completeness  Measure
	OwnerAndDue   Measure // share of action items with an owner and a due date
	// OverdueDraft and OverduePub are the organization's incidents whose
	// postmortem draft, and whose publication, is overdue now
	// (aftermath_postmortems_overdue{stage}): an incident never drafted is
	// in both, so they do not add up.
	OverdueDraft, OverduePub int
	// Late counts the incidents whose postmortem is overdue now, each
	// once, split by its earliest missing stage: LateUndrafted have no
	// draft past the draft target, LateUnpublished a draft not published
	// past the publication target. They are the team's own in a team
	// digest. LateKnown is false when the run's items do not name every
	// late incident (see lateCounts): then only OverdueDraft and OverduePub
	// are known.
	Late, LateUndrafted, LateUnpublished int
	// LookbackDays bounds the overdue postmortems to incidents resolved
	// this many days before the run (analyze.Options'
	// PostmortemOverdueLookback, 90 days); 0 when the run did not record it.
	LookbackDays int
	LateKnown    bool
	Missing      []NameCount // organization-wide
	Overdue      []OverduePostmortem
}

// OverduePostmortem is an incident whose postmortem is late.
type OverduePostmortem struct {
	Incident, Title, Severity, Stage, Team, URL string
	Late                                        float64 // seconds past target
}

// NameCount is a name with a count.
type NameCount struct {
	Name  string
	Count int
}

// ActionSection covers action-item follow-through.
type ActionSection struct {
	Created, Completed Measure
	// Declined are the items closed without being done (Won't Do,
	// Cancelled, Duplicate...); Name is "" when the run did not count them.
	Declined                      Measure
	Open, Overdue, Stale, Unowned Count
	NoDueDate                     Count
	ClosedWithinSLO               float64
	HasClosedWithinSLO            bool
	// Owners are the people with open items assigned, BusiestShare the
	// share of those items the busiest tenth of them hold (HasOwners false
	// without any).
	Owners                             int
	BusiestShare                       float64
	HasOwners                          bool
	TimeToCloseP50, TimeToCloseP90     float64 // Kaplan–Meier, seconds; +Inf when not reached
	HasTimeToClose                     bool
	Oldest                             []ActionItem
	MostOverdue                        []ActionItem
	AsOf                               time.Time // snapshot counts are as of the analysis run
	TimeToCloseOrgWide, SLOOrgWideOnly bool
	// Kinds are the action items created in the month by kind (investigate,
	// mitigate, repair, detect, prevent), most first, with the share of each
	// kind's items closed by the run (organization-wide: the closure is not
	// kept per team).
	Kinds []KindCount
	// MostlyInvestigate are the teams (a team's digest: the team itself) whose
	// action items of the month and the two before are mostly
	// "investigate": at least MinKindItems items, more than half of them
	// investigate. Most investigate-heavy first.
	MostlyInvestigate []TeamKindShare
}

// MinKindItems is the fewest action items over three months for a team's
// mix of kinds to be judged.
const MinKindItems = 10

// TeamKindShare is one team's investigate items among all its action items
// created in a span of months.
type TeamKindShare struct {
	Team               string
	Investigate, Total int
	From, To           string // months, "YYYY-MM"
}

// KindCount is the action items of one kind created in the month.
type KindCount struct {
	Kind      string
	Count     int
	Closed    float64 // share closed by the run, organization-wide
	HasClosed bool
}

// Count is a snapshot count with its breakdown by priority.
type Count struct {
	Total      int
	ByPriority []NameCount // P1 first, zero priorities left out
}

// Priority returns the count of one priority.
func (c Count) Priority(p string) int {
	for _, nc := range c.ByPriority {
		if nc.Name == p {
			return nc.Count
		}
	}
	return 0
}

// ActionItem is one listed action item.
type ActionItem struct {
	Key, Title, Priority, Team, Assignee, URL string
	Postmortem                                string
	Created, Due                              time.Time
	Age                                       float64 // seconds open, or seconds overdue for MostOverdue
}

// ThemeSection covers contributing-factor themes.
type ThemeSection struct {
	Factors Measure // all factors of the month's postmortems
	Top     []ThemeTrend
	Changes []string // plain-language: rising, new, fading themes, merges and splits
	// Causes are the month's contributing factors by cause class, most
	// first (organization-wide; empty in a team's digest).
	Causes []ClassCount
}

// ThemeTrend is one theme's factor count over the trend.
type ThemeTrend struct {
	ID, Label      string
	Representative string // a representative factor, quoted
	// ExampleFrom is the postmortem Representative comes from when it is
	// the team's own example (a team's digest); "" for the organization's
	// representative.
	ExampleFrom string
	Factors     Measure
	New         bool // no factors in the six months before
}

// RecurrenceSection covers incidents that repeat earlier ones.
type RecurrenceSection struct {
	Ratio Measure
	// MajorRatio is the share of SEV1 and SEV2 incidents that repeat an
	// earlier one (organization-wide; unknown in team digests).
	MajorRatio Measure
	Count      Measure
	// OnServices is set in a team's digest: the results count repeats by
	// service, not by team, so Count and Services are the repeats on the
	// services the team had incidents of in the trend, whoever's
	// incidents they were.
	OnServices bool
	Services   []NameCount // the month's repeats by service
	Groups     []RecurringGroup
}

// RecurringGroup is a set of incidents that repeat one another.
type RecurringGroup struct {
	Key, Title, Service, Team string
	Reason                    string // title, theme or title+theme
	Incidents                 int    // the group's incidents in the month
	Repeats                   int
	First, Last               time.Time
	Examples                  []Link
}

// Link is a titled URL.
type Link struct{ Title, URL string }

// LanguageSection covers blame and vague action items.
type LanguageSection struct {
	OrgWide    bool
	BlameRatio Measure // share of postmortems with blaming language
	VagueRatio Measure // share of action items that are vague
	Rules      []Measure
	Examples   []Finding
	// Dismissed is how many findings of the month the teams dismissed
	// with the dismiss label (counted in no measure above).
	Dismissed int
}

// Finding is one language finding with its sentence.
type Finding struct {
	Rule, Sentence, Why string
	Subject             string // postmortem or action_item
	Key, Title, URL     string
	// Source names where the sentence is: the postmortem's title or the
	// action item's key.
	Source string
}

// HighlightSection quotes the month's published postmortems.
type HighlightSection struct {
	Lessons []Highlight
	Lucky   []Highlight
}

// Highlight is a quote from a published postmortem.
type Highlight struct {
	Quote, Title, URL, Key, Team, Service string
	// Similar are earlier postmortems most like this one (matched on
	// themes, the factors' wording and the service), most similar first.
	Similar []SimilarPostmortem
	// Also are the month's other postmortems that wrote the same words (the
	// same lesson learned twice is worth a leader's attention), quoted once.
	Also []QuoteSource
}

// alsoShown is how many of Also the digest links; the rest are counted.
const alsoShown = 3

// AlsoShown are the first of Also, which the digest links.
func (h Highlight) AlsoShown() []QuoteSource { return h.Also[:min(len(h.Also), alsoShown)] }

// AlsoMore is how many of Also the digest counts without linking.
func (h Highlight) AlsoMore() int { return max(0, len(h.Also)-alsoShown) }

// QuoteSource is a postmortem that wrote a quote again.
type QuoteSource struct {
	Key, Title, URL, Team string
}

// Name is the title, or the key when the postmortem has none.
func (q QuoteSource) Name() string {
	if q.Title != "" {
		return q.Title
	}
	return q.Key
}

// SimilarPostmortem is an earlier postmortem like a quoted one.
type SimilarPostmortem struct {
	Key, Title, URL string
	// SharedThemes are the labels of the themes both postmortems have.
	SharedThemes []string
}

// Name is the title, or the key when the postmortem has none.
func (s SimilarPostmortem) Name() string {
	if s.Title != "" {
		return s.Title
	}
	return s.Key
}

// TeamSection is one team's part of an organization digest.
type TeamSection struct {
	Team        string
	Incidents   IncidentSection
	MTTAP90     Measure
	MTTRP90     Measure
	Completed   Measure
	Overdue     Count
	Unowned     Count
	Stale       Count
	TopThemes   []ThemeTrend
	Recurring   int
	Highlights  int
	Sentences   []string
	NoIncidents bool
	// NoIncidentData: the month has no incident data (before a PagerDuty
	// history that starts later than the other sources').
	NoIncidentData bool
}

// ClassCount is the contributing factors of one cause class in the month.
type ClassCount struct {
	Class string
	Count int
	Share float64 // of all factors of the month with a class row
}
