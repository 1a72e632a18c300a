package digest

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aftermath-sre/aftermath/analyze/language"
)

//go:embed style.css
var styleCSS string

//go:embed digest.html.tmpl
var digestTmpl string

//go:embed index.html.tmpl
var indexTmpl string

// templates are parsed per render (cheap) so the package holds no mutable
// state.
func parse(name, text string) (*template.Template, error) {
	t, err := template.New(name).Funcs(template.FuncMap{
		"css":          func() template.CSS { return template.CSS(styleCSS) },
		"sevClass":     sevClass,
		"monthNameOf":  monthName,
		"reason":       reasonText,
		"rule":         ruleName,
		"join":         strings.Join,
		"plural":       plural,
		"quoted":       quoted,
		"dismissed":    dismissedLine,
		"fixesCost":    fixesAndCostHTML,
		"onServices":   func() string { return onServicesNote },
		"responseLede": func() string { return responseLede },
		"declinedNote": func() string { return declinedNote },
		// nbsp keeps "per day" on one line when a narrow cell wraps.
		"nbsp": func(s string) string { return strings.ReplaceAll(s, " per day", " per\u00a0day") },
		"table": func(v *htmlView, rows []metricRow, first string) tableArgs {
			return tableArgs{V: v, Rows: rows, First: first}
		},
		"items": func(rows []itemRow, age string) itemArgs { return itemArgs{Rows: rows, Age: age} },
	}).Parse(text)
	if err != nil {
		return nil, fmt.Errorf("digest: parse %s template: %w", name, err)
	}
	return t, nil
}

type tableArgs struct {
	V     *htmlView
	Rows  []metricRow
	First string
}

type itemArgs struct {
	Rows []itemRow
	Age  string
}

// metricRow is a measure formatted for a table row.
type metricRow struct {
	Name, Now, Prev, Avg string
	VsPrev, VsAvg        Change
	Spark                Spark
}

func rowOf(m Measure) metricRow {
	return metricRow{Name: m.Name, Now: m.Now(), Prev: m.Prev(), Avg: m.Avg(), VsPrev: m.VsPrevious(), VsAvg: m.VsAverage(), Spark: sparkOf(m.Series, m.Unit)}
}

func rowsOf(ms ...Measure) []metricRow {
	out := make([]metricRow, 0, len(ms))
	for _, m := range ms {
		out = append(out, rowOf(m))
	}
	return out
}

// kpi is a headline tile.
type kpi struct {
	Label, Value, Sub string
	VsPrev            Change
	Spark             Spark
	Series            Series
	Trend             bool // compared with last month
}

func kpiOf(label string, m Measure, sub string) kpi {
	return kpi{Label: label, Value: m.Now(), Sub: sub, VsPrev: m.VsPrevious(), Spark: sparkOf(m.Series, m.Unit), Series: m.Series, Trend: true}
}

type sevRespRow struct {
	Severity, Incidents, MTTA90, MTTR50, MTTR90 string
	VsPrev                                      Change
}

type budgetRow struct {
	Service, Objective, Downtime, Used, PrevUsed, Remaining, Cost string
	Breached                                                      bool
	Bar                                                           HBar
	Over                                                          bool
	Spark                                                         Spark
}

type countRow struct {
	Name, Total, P1, Rest string
}

type themeRow struct {
	Label, Representative, ExampleLead, Now, Prev, Avg string
	New                                                bool
	VsPrev                                             Change
	Bar                                                HBar
	Spark                                              Spark
}

type itemRow struct {
	Key, Title, URL, Priority, Team, Owner, Age, Due string
}

type teamCard struct {
	Team                                                string
	Sentences                                           []string
	Incidents, SevMajor, MTTR, MTTA, Completed, Overdue string
	Unowned, Themes, Recurring                          string
	VsPrev                                              Change
	NoIncidents                                         bool
}

type htmlView struct {
	D          *Digest
	MonthShort string
	PrevShort  string
	Period     string
	Generated  string
	RunAt      string
	KPIs       []kpi

	SevChart Chart
	SevRows  []metricRow
	// OpenNow is the sentence on the incidents still open at the run.
	OpenNow string

	RespChart Chart
	RespRows  []metricRow
	SevResp   []sevRespRow

	Budget      []budgetRow
	BudgetScale string
	// BudgetEmpty is said when no service is listed.
	BudgetEmpty   string
	PMRows        []metricRow
	PMWritten     string
	PMTarget      string
	PMOverdue     string
	PMMissing     []NameCount
	PMOverdueList []itemRow

	ActionRows  []metricRow
	Snapshot    []countRow
	AsOf        string
	SLOShare    string
	OwnerLoad   string
	TimeToClose string
	Kinds       string
	// MostlyInvestigate are sentences naming investigate-heavy teams.
	MostlyInvestigate []string
	Causes            string
	Oldest            []itemRow
	MostOverdue       []itemRow
	ActionsEmpty      bool

	Themes       []themeRow
	ThemeFactors metricRow
	// FactorsNow counts the month's factors with the noun ("1 factor").
	FactorsNow string

	RecRows     []metricRow
	RecServices []NameCount
	RecGroups   []RecurringGroup

	LangRows []metricRow
	RuleRows []metricRow

	Teams []teamCard
}

func sevClass(sev string) string {
	switch strings.ToUpper(sev) {
	case "SEV1":
		return "s-sev1"
	case "SEV2":
		return "s-sev2"
	case "SEV3":
		return "s-sev3"
	case "SEV4":
		return "s-sev4"
	case "SEV5":
		return "s-sev5"
	}
	return "s-other"
}

func dateIn(t time.Time, loc *time.Location, layout string) string {
	if t.IsZero() {
		return ""
	}
	if loc != nil {
		t = t.In(loc)
	}
	return t.Format(layout)
}

func (d *Digest) location() *time.Location {
	if loc, err := time.LoadLocation(d.TimeZone); err == nil && d.TimeZone != "" {
		return loc
	}
	return time.UTC
}

func newView(d *Digest) *htmlView {
	loc := d.location()
	v := &htmlView{
		D: d, MonthShort: shortMonth(d.Month), PrevShort: shortMonth(d.Previous),
		Generated: dateIn(d.GeneratedAt, loc, "2 Jan 2006 15:04 MST"),
		RunAt:     dateIn(d.RunAt, loc, "2 Jan 2006 15:04 MST"),
	}
	if !d.From.IsZero() {
		last := d.To.Add(-time.Nanosecond)
		v.Period = fmt.Sprintf("%s – %s", d.From.Format("2 Jan"), last.Format("2 Jan 2006"))
	}

	// headline tiles
	var major Measure
	major.Name, major.Unit, major.Direction = "SEV1 + SEV2", UnitCount, LowerIsBetter
	major.Series = newSeries(d.Months)
	for _, m := range d.Incidents.BySeverity {
		if m.Name != "SEV1" && m.Name != "SEV2" {
			continue
		}
		for i := range m.Series.Values {
			if m.Series.Known[i] {
				major.Series.set(i, major.Series.Values[i]+m.Series.Values[i])
			}
		}
	}
	if r, ok := d.Changes.verdicts(d.Team).get(analyzeMeasureMajorIncidents, "", analyzeStatRate); ok {
		major.Cmp = &r
	}
	// Each tile's arrow carries its verdict (Change.judged).
	v.KPIs = append(v.KPIs, kpiOf("Incidents", d.Incidents.Total, ""), kpiOf("SEV1 + SEV2", major, ""))
	v.KPIs = append(v.KPIs, kpiOf("MTTR p90", d.Response.MTTRP90, "median "+d.Response.MTTRP50.Now()))
	v.KPIs = append(v.KPIs, kpiOf("MTTA p90", d.Response.MTTAP90, "median "+d.Response.MTTAP50.Now()))
	// The results break postmortems down by severity only: a team's digest
	// shows the organization's, and says so.
	pmLabel := "Postmortem coverage"
	if d.Postmortems.OrgWide {
		pmLabel += " (organization-wide)"
	}
	v.KPIs = append(v.KPIs, kpiOf(pmLabel, d.Postmortems.Coverage, postmortemSub(d.Postmortems)))
	v.KPIs = append(v.KPIs, kpi{Label: "Overdue action items", Value: formatThousands(float64(d.Actions.Overdue.Total)),
		Sub: fmt.Sprintf("%d P1 · as of the run", d.Actions.Overdue.Priority("P1"))})
	v.KPIs = append(v.KPIs, kpiOf("Action items completed", d.Actions.Completed, ""))
	repLabel := "Repeat incidents"
	if d.Recurrence.OnServices {
		repLabel += " (the team's services)"
	}
	v.KPIs = append(v.KPIs, kpiOf(repLabel, d.Recurrence.Count, ratioSub(d.Recurrence.Ratio)))

	// incidents
	var parts []stackPart
	for i := len(d.Incidents.BySeverity) - 1; i >= 0; i-- {
		m := d.Incidents.BySeverity[i]
		parts = append(parts, stackPart{Class: sevClass(m.Name), Name: m.Name, Series: m.Series})
	}
	// the legend reads SEV1 first
	v.SevChart = stackedBars("Incidents per month by severity", d.Months, parts)
	for i, j := 0, len(v.SevChart.Legend)-1; i < j; i, j = i+1, j-1 {
		v.SevChart.Legend[i], v.SevChart.Legend[j] = v.SevChart.Legend[j], v.SevChart.Legend[i]
	}
	v.SevRows = rowsOf(d.Incidents.BySeverity...)
	v.SevRows = append(v.SevRows, rowOf(d.Incidents.Total))
	v.SevRows[len(v.SevRows)-1].Name = "All"
	v.OpenNow = plural(d.Incidents.OpenNow, "incident", "incidents") + " still open when the analysis ran."
	if d.AsOf != "" {
		v.OpenNow = plural(d.Incidents.OpenNow, "incident", "incidents") + " still open when the analysis ran, on " + d.AsOf + "."
	}
	if d.NoIncidentSource {
		v.OpenNow = "Incidents still open when the analysis ran: not known, " + noIncidentSource + "."
	}

	// response
	v.RespChart = lineChart("Time to resolve per month", d.Months, UnitDuration, []lineSpec{
		{Class: "l-p90", Name: "MTTR p90", Series: d.Response.MTTRP90.Series},
		{Class: "l-p50", Name: "MTTR p50", Series: d.Response.MTTRP50.Series},
	})
	v.RespRows = rowsOf(d.Response.MTTAP50, d.Response.MTTAP90, d.Response.MTTRP50, d.Response.MTTRP90)
	for _, s := range d.Response.BySeverity {
		v.SevResp = append(v.SevResp, sevRespRow{Severity: s.Severity, Incidents: s.Incidents.Now(), MTTA90: s.MTTAP90.Now(),
			MTTR50: s.MTTRP50.Now(), MTTR90: s.MTTRP90.Now(), VsPrev: s.MTTRP90.VsPrevious()})
	}

	// error budget
	scale := 1.0
	for _, s := range d.ErrorBudget.Services {
		scale = math.Max(scale, math.Min(s.Consumed.Value(), 3))
	}
	v.BudgetScale = formatPercent(scale)
	v.BudgetEmpty = "No service has an SLO or downtime in these months."
	if d.noIncidentData() {
		// A team's services are those it had incidents of, and downtime
		// comes from incidents: neither is known.
		v.BudgetEmpty = "No incident data for this month: the services' downtime is not known."
	}
	for _, s := range d.ErrorBudget.Services {
		r := budgetRow{Service: s.Service, Downtime: s.Downtime.Now(), Breached: s.Breached, Spark: sparkOf(s.Consumed.Series, UnitRatio)}
		if s.Objective > 0 {
			r.Objective = formatObjective(s.Objective)
			r.Used, r.PrevUsed = s.Consumed.Now(), s.Consumed.Prev()
			r.Over = s.Consumed.Value() > 1
			r.Bar = hbar(s.Consumed.Value(), 1, scale, true, "fill")
			if r.Over {
				r.Bar.Class = "fill over"
			}
		} else {
			r.Objective, r.Used, r.PrevUsed = "no SLO", "–", "–"
			r.Bar = HBar{Width: "0"}
		}
		if s.NoIncidents {
			// No incident on record under the SLO's service name: its
			// downtime is not known, not zero.
			r.Service += " (no incidents on record under this name)"
			r.Downtime, r.Used, r.PrevUsed = "not known", "not known", "–"
			r.Bar = HBar{Width: "0"}
			r.Spark = sparkOf(newSeries(nil), UnitRatio)
		}
		if s.HasRemainingNow {
			r.Remaining = formatPercent(s.RemainingNow)
		}
		if s.HasCost && s.Cost > 0 {
			r.Cost = formatValue(s.Cost, UnitMoney)
		}
		v.Budget = append(v.Budget, r)
	}

	// postmortems
	p := d.Postmortems
	v.PMRows = rowsOf(p.Required, p.Coverage, p.DraftP50, p.PublishP50, p.PublishP90, p.WithinTarget, p.Completeness, p.OwnerAndDue)
	if req, ok := p.Required.Series.Current(); ok {
		v.PMWritten = fmt.Sprintf("%s of %s", formatThousands(float64(p.Written)), plural(int(math.Round(req)), "incident", "incidents"))
	}
	if p.PublishTarget > 0 {
		v.PMTarget = formatDuration(p.PublishTarget)
	}
	v.PMOverdue = overdueSentence(p, d.Team)
	if d.NoIncidentSource {
		// Postmortems are owed for incidents.
		v.PMOverdue = "Postmortems overdue now: not known, " + noIncidentSource + "."
		if d.Team != "" {
			v.PMOverdue = "Postmortems overdue now for team " + d.Team + ": not known, " + noIncidentSource + "."
		}
	}
	for _, m := range p.Missing {
		v.PMMissing = append(v.PMMissing, NameCount{Name: ruleName(m.Name), Count: m.Count})
	}
	for _, o := range p.Overdue {
		v.PMOverdueList = append(v.PMOverdueList, itemRow{Key: o.Incident, Title: o.Title, URL: o.URL, Priority: o.Severity, Team: o.Team, Age: formatDuration(o.Late), Due: o.Stage})
	}

	// action items
	a := d.Actions
	v.ActionRows = rowsOf(a.Created, a.Completed)
	if a.Declined.Name != "" {
		v.ActionRows = append(v.ActionRows, rowsOf(a.Declined)...)
	}
	v.AsOf = dateIn(a.AsOf, loc, "2 Jan 2006")
	for _, c := range []struct {
		name string
		c    Count
	}{{"Open", a.Open}, {"Overdue", a.Overdue}, {"Stale", a.Stale}, {"Unowned", a.Unowned}, {"No due date", a.NoDueDate}} {
		r := countRow{Name: c.name, Total: formatThousands(float64(c.c.Total)), P1: formatThousands(float64(c.c.Priority("P1")))}
		var rest []string
		for _, nc := range c.c.ByPriority {
			if nc.Name != "P1" {
				rest = append(rest, fmt.Sprintf("%s %d", nc.Name, nc.Count))
			}
		}
		r.Rest = strings.Join(rest, " · ")
		v.Snapshot = append(v.Snapshot, r)
	}
	if a.HasClosedWithinSLO {
		v.SLOShare = formatPercent(a.ClosedWithinSLO)
	}
	v.OwnerLoad = a.OwnerSentence()
	v.Kinds = kindsLine(a.Kinds)
	for _, t := range a.MostlyInvestigate {
		v.MostlyInvestigate = append(v.MostlyInvestigate, t.Sentence())
	}
	if a.HasTimeToClose {
		v.TimeToClose = fmt.Sprintf("median %s, p90 %s", formatValue(a.TimeToCloseP50, UnitDuration), formatValue(a.TimeToCloseP90, UnitDuration))
	}
	for _, it := range a.Oldest {
		v.Oldest = append(v.Oldest, itemView(it, loc))
	}
	for _, it := range a.MostOverdue {
		v.MostOverdue = append(v.MostOverdue, itemView(it, loc))
	}
	v.ActionsEmpty = a.Open.Total == 0 && !a.Created.Series.AnyKnown()

	// themes
	tmax := 0.0
	for _, t := range d.Themes.Top {
		tmax = math.Max(tmax, math.Max(t.Factors.Value(), func() float64 { p, _ := t.Factors.Series.Previous(); return p }()))
	}
	for _, t := range d.Themes.Top {
		prev, pok := t.Factors.Series.Previous()
		v.Themes = append(v.Themes, themeRow{
			Label: t.Label, Representative: clip(unquote(t.Representative), 160), ExampleLead: exampleLead(d.Team, t.ExampleFrom), Now: t.Factors.Now(), Prev: t.Factors.Prev(), Avg: t.Factors.Avg(),
			New: t.New, VsPrev: t.Factors.VsPrevious(), Bar: hbar(t.Factors.Value(), prev, tmax, pok, "fill"), Spark: sparkOf(t.Factors.Series, UnitCount),
		})
	}
	v.ThemeFactors = rowOf(d.Themes.Factors)
	v.FactorsNow = v.ThemeFactors.Now + " factors"
	if d.Themes.Factors.Known() {
		v.FactorsNow = plural(int(math.Round(d.Themes.Factors.Value())), "factor", "factors")
	}
	v.Causes = causesLine(d.Themes.Causes)

	// recurrence
	v.RecRows = rowsOf(d.Recurrence.Count)
	if d.Recurrence.Ratio.Series.AnyKnown() {
		v.RecRows = append(v.RecRows, rowOf(Measure{Name: "Share of all incidents", Unit: UnitRatio, Direction: LowerIsBetter, Series: d.Recurrence.Ratio.Series, Cmp: d.Recurrence.Ratio.Cmp}))
	}
	if d.Recurrence.MajorRatio.Series.AnyKnown() {
		v.RecRows = append(v.RecRows, rowOf(d.Recurrence.MajorRatio))
	}
	v.RecServices = d.Recurrence.Services
	v.RecGroups = d.Recurrence.Groups

	// language
	v.LangRows = rowsOf(d.Language.BlameRatio, d.Language.VagueRatio)
	v.RuleRows = rowsOf(d.Language.Rules...)
	for i := range v.RuleRows {
		v.RuleRows[i].Name = ruleName(v.RuleRows[i].Name)
	}

	// teams
	for _, t := range d.Teams {
		s1, _, _ := sevCounts(t.Incidents, "SEV1")
		s2, _, _ := sevCounts(t.Incidents, "SEV2")
		c := teamCard{
			Team: t.Team, Sentences: t.Sentences, Incidents: t.Incidents.Total.Now(), VsPrev: t.Incidents.Total.VsPrevious(),
			SevMajor: fmt.Sprintf("%s / %s", formatThousands(s1), formatThousands(s2)),
			MTTR:     t.MTTRP90.Now(), MTTA: t.MTTAP90.Now(), Completed: t.Completed.Now(),
			Overdue: fmt.Sprintf("%d (%d P1)", t.Overdue.Total, t.Overdue.Priority("P1")),
			Unowned: formatThousands(float64(t.Unowned.Total)), Recurring: formatThousands(float64(t.Recurring)),
			NoIncidents: t.NoIncidents,
		}
		if t.NoIncidentData {
			// Unknown, not zero (the incident history starts later).
			c.SevMajor, c.Recurring = "–", "–"
		}
		var labels []string
		for _, th := range t.TopThemes {
			labels = append(labels, th.Label)
		}
		c.Themes = strings.Join(labels, "; ")
		v.Teams = append(v.Teams, c)
	}
	return v
}

func itemView(it ActionItem, loc *time.Location) itemRow {
	r := itemRow{Key: it.Key, Title: it.Title, URL: it.URL, Priority: it.Priority, Team: it.Team, Owner: it.Assignee}
	if it.Age > 0 {
		r.Age = formatDuration(it.Age)
	}
	if !it.Due.IsZero() {
		r.Due = dateIn(it.Due, loc, "2 Jan 2006")
	}
	if r.Owner == "" {
		r.Owner = "unowned"
	}
	return r
}

// clip shortens text to at most n bytes at a word boundary, with an
// ellipsis.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	cut := strings.LastIndexByte(s[:n], ' ')
	if cut < n/2 {
		cut = n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
	}
	return strings.TrimRight(s[:cut], " ,.;:") + "…"
}

// declinedNote says what the action items' "Declined" row counts.
const declinedNote = "Declined: closed without being done (a status such as Won't Do, Cancelled or Duplicate); not counted as completed."

// responseLede explains the response section's measures, on the page and
// in Markdown.
const responseLede = "MTTA is the time to acknowledge, MTTR the time to resolve: percentiles of the incidents created in the month " +
	"(merged incidents excluded; MTTA of those acknowledged). p50 is the median, p90 the slowest tenth: averages hide the tail."

// ruleName names a language rule for a reader: the known rules in plain
// words, another id (a template section, a rule of a later version) turned
// into words ("human_error" -> "Human error").
func ruleName(id string) string {
	if n, ok := ruleNames[strings.TrimSpace(id)]; ok {
		return n
	}
	return capitalize(strings.NewReplacer("_", " ", "-", " ").Replace(strings.TrimSpace(id)))
}

var ruleNames = map[string]string{
	language.RuleVagueCareful:     "“Be more careful”",
	language.RuleVagueImprove:     "Improve with nothing to check",
	language.RuleVagueDocument:    "Document with no subject",
	language.RuleVagueInvestigate: "Investigate with no outcome",
	language.RuleVagueHedge:       "Hedged commitment",
	language.RuleVagueAssure:      "“Make sure” with no check",
	language.RuleVagueOpenEnded:   "Open-ended object",
	language.RuleVagueNoTarget:    "Aim with no target",
	language.RuleUnowned:          "No owner",
	language.RuleNoDueDate:        "No due date",
	language.RuleNamedPerson:      "A named person as the cause",
	language.RulePersonFault:      "A person at fault",
	language.RuleCharacter:        "Judging a person",
	language.RuleHumanErrorCause:  "Human error as the cause",
	language.RuleCounterfactual:   "Hindsight (“should have”)",
}

// reasonText says why incidents were grouped as repeats.
func reasonText(r string) string {
	switch r {
	case "title":
		return "near-duplicate titles"
	case "theme":
		return "same service and theme"
	case "title+theme":
		return "near-duplicate titles, same theme"
	}
	return ""
}

func formatObjective(o float64) string {
	p := o * 100
	s := fmt.Sprintf("%.3f", p)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + "%"
}

// noIncidentSource says why the run's snapshot of incidents is not known.
const noIncidentSource = "as PagerDuty has not completed a sync yet"

func postmortemSub(p PostmortemSection) string {
	if req, ok := p.Required.Series.Current(); ok {
		return fmt.Sprintf("%d of %s needed", p.Written, formatThousands(req))
	}
	return ""
}

// overdueSentence says how many incidents' postmortems are late now, each
// incident once: "Postmortems overdue now: 11 incidents, 7 without a draft
// and 4 drafted but not published." (for team T in a team's digest). When
// the run's items do not name every late incident, it gives the two
// stages' counts and says that they overlap, organization-wide.
func overdueSentence(p PostmortemSection, team string) string {
	s := lateSentence(p, team)
	if p.LookbackDays > 0 {
		s += fmt.Sprintf(" An incident without a draft counts for %d days after it was resolved; a draft counts until it is published.", p.LookbackDays)
	}
	return s
}

// lateSentence is overdueSentence without the lookback.
func lateSentence(p PostmortemSection, team string) string {
	if !p.LateKnown {
		scope := ""
		if team != "" {
			scope = ", organization-wide"
		}
		return fmt.Sprintf("Postmortems overdue now%s: %s past the draft target without a draft, %s past the publication target unpublished; an incident never drafted can be in both.",
			scope, isAre(p.OverdueDraft, "incident"), formatThousands(float64(p.OverduePub)))
	}
	s := "Postmortems overdue now"
	if team != "" {
		s += " for team " + team
	}
	if p.Late == 0 {
		return "No postmortem is overdue now" + strings.TrimPrefix(s, "Postmortems overdue now") + "."
	}
	s += ": " + plural(p.Late, "incident", "incidents")
	const undrafted, unpublished = "without a draft", "drafted but not published"
	switch {
	case p.Late == 1 && p.LateUndrafted == 1:
		s += ", " + undrafted
	case p.Late == 1:
		s += ", " + unpublished
	case p.LateUnpublished == 0:
		s += ", all " + undrafted
	case p.LateUndrafted == 0:
		s += ", all " + unpublished
	default:
		s += fmt.Sprintf(", %s %s and %s %s", formatThousands(float64(p.LateUndrafted)), undrafted, formatThousands(float64(p.LateUnpublished)), unpublished)
	}
	return s + "."
}

// onServicesNote says what a team digest's repeat counts are.
const onServicesNote = "The results count repeats by service, not by team: these are the repeats on the services the team had incidents of in these months, whoever's incidents they were."

func ratioSub(m Measure) string {
	if v, ok := m.Series.Current(); ok {
		return formatPercent(v) + " of incidents"
	}
	return ""
}

// RenderHTML renders the digest as one self-contained HTML page: inline CSS
// and SVG, no scripts, nothing loaded from elsewhere. All text from
// postmortems is escaped by html/template.
func RenderHTML(d *Digest) ([]byte, error) {
	if d == nil {
		return nil, fmt.Errorf("digest: render html: nil digest")
	}
	t, err := parse("digest", digestTmpl)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, newView(d)); err != nil {
		return nil, fmt.Errorf("digest: render html: %w", err)
	}
	return buf.Bytes(), nil
}

// kindsLine is "prevent 12 (58% closed) · mitigate 5 (40% closed) · ...".
// causesLine reads "configuration 80 (21%) · code bug 47 (12%) · ...".
func causesLine(cs []ClassCount) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, fmt.Sprintf("%s %s (%s)", c.Class, formatThousands(float64(c.Count)), formatPercent(c.Share)))
	}
	return strings.Join(parts, " · ")
}

func kindsLine(ks []KindCount) string {
	var parts []string
	for _, k := range ks {
		p := fmt.Sprintf("%s %s", k.Kind, formatThousands(float64(k.Count)))
		if k.HasClosed {
			p += " (" + formatPercent(k.Closed) + " closed)"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " · ")
}

// OwnerSentence says how the open, assigned items are spread over their
// owners, e.g. "Open items with an owner are held by 142 people; the
// busiest tenth of them hold 38%." ("" without owners).
func (a ActionSection) OwnerSentence() string {
	switch {
	case !a.HasOwners:
		return ""
	case a.Owners == 1:
		return "Open items with an owner are all held by one person."
	case a.Owners <= 10:
		return fmt.Sprintf("Open items with an owner are held by %d people; the busiest one holds %s.", a.Owners, formatPercent(a.BusiestShare))
	}
	return fmt.Sprintf("Open items with an owner are held by %d people; the busiest tenth of them hold %s.", a.Owners, formatPercent(a.BusiestShare))
}

// exampleLead introduces a theme's example: in a team's digest, the
// postmortem of the team's own example, or that the example is the
// organization's (possibly another team's).
func exampleLead(team, from string) string {
	switch {
	case team == "":
		return "e.g."
	case from != "":
		return "e.g., in " + from + ","
	default:
		return "e.g., across the organization,"
	}
}
