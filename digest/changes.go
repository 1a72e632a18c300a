package digest

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/aftermath-sre/aftermath/analyze"
	"github.com/aftermath-sre/aftermath/metrics"
)

// ChangeSection says which of the month's changes from the month before are
// distinguishable from noise (the analysis's "change" results: bootstrap
// intervals for percentiles, an exact rate test for counts, Benjamini–
// Hochberg over all of the month's comparisons).
type ChangeSection struct {
	// Compared is false when the analysis run has no comparison of the
	// month with the one before (no data the month before, a run from
	// before the change analysis, or only comparisons of incident figures
	// in a month without incident data).
	Compared bool
	Previous string // the month compared with, "2026-09"
	// Tests is how many comparisons the run made for the month (every
	// team and severity): the correction for chance findings counts them
	// all.
	Tests int
	// LeftOut counts the comparisons of incident figures left out because
	// the month has no incident data (before a PagerDuty history that
	// starts later, or none synced yet): whatever they found is not known.
	LeftOut int
	// Rows are the organization's comparisons (incidents overall and by
	// severity, MTTA and MTTR p50 and p90), or the team's in a team digest.
	Rows []ChangeRow
	// Clear are the clear changes among the comparisons by team and by
	// severity (organization digest only); Quiet counts the others.
	Clear []ChangeRow
	Quiet int
	// PrevShort and NowShort head the tables: "Sep", "Oct".
	PrevShort, NowShort string
	// Team is the digest's team ("" for the organization): Rows are its
	// comparisons, Tests still counts the organization's.
	Team string

	all []ChangeRow
}

// ChangeTable is a titled list of comparisons.
type ChangeTable struct {
	Title string
	Rows  []ChangeRow
}

// Tables are the section's tables: the main comparisons, then the clear
// changes by team and severity.
func (c ChangeSection) Tables() []ChangeTable {
	out := []ChangeTable{{Rows: c.Rows}}
	if len(c.Clear) > 0 {
		out = append(out, ChangeTable{Title: "Clear changes by team and severity", Rows: c.Clear})
	}
	return out
}

// ChangeRow is one comparison of the month with the month before.
type ChangeRow struct {
	Measure  string // analyze.MeasureIncidents, MeasureMTTA, MeasureMTTR
	Stat     string // p50, p90 or rate
	Severity string // "" = all
	Team     string // "" = all
	Label    string // "MTTR p90", "SEV1 incidents", "billing · MTTR p90"

	Before, After       float64 // the two months' values (counts or seconds)
	HasBefore, HasAfter bool
	// Ratio is the month's value over the month before's (incidents per
	// day for counts), with its 95% interval.
	Ratio, Lower, Upper float64
	// Verdict is 1 when the measure rose beyond chance, -1 when it fell,
	// 0 when there is no clear change.
	Verdict int
	// Tests is how many comparisons the verdict was corrected for (the
	// month's, every team and severity): the interval is not.
	Tests int
}

// Uncorrected reports a comparison whose 95% interval, which is not
// corrected for the month's many comparisons, leaves out no change while
// its verdict, which is (Benjamini–Hochberg), finds no clear change.
func (r ChangeRow) Uncorrected() bool {
	if r.Verdict != 0 || math.IsNaN(r.Lower) || math.IsNaN(r.Upper) || r.Upper <= 0 || r.Lower > r.Upper {
		return false // a clear change, or no interval
	}
	return r.Lower > 1 || r.Upper < 1
}

// together says why an Uncorrected comparison reads "no clear change":
// "once all 104 comparisons are taken together".
func (r ChangeRow) together() string {
	if r.Tests > 1 {
		return "once all " + formatThousands(float64(r.Tests)) + " comparisons are taken together"
	}
	return "once the month's comparisons are taken together"
}

func (b *builder) changes(team string) ChangeSection {
	cs := ChangeSection{Previous: addMonths(b.month, -1), NowShort: shortMonth(b.month)}
	cs.PrevShort = shortMonth(cs.Previous)
	for _, row := range b.res.rows(metrics.ChangeVerdict, L{"period": b.month}) {
		if row.Label("period") != b.month {
			continue
		}
		r := ChangeRow{Measure: row.Label("measure"), Stat: row.Label("stat"), Severity: row.Label("severity"), Team: row.Label("team"), Verdict: int(row.Value)}
		l := func(bound string) L {
			return L{"period": b.month, "measure": r.Measure, "severity": r.Severity, "team": r.Team, "stat": r.Stat, "bound": bound}
		}
		var ok bool
		if r.Ratio, ok = b.res.value(metrics.ChangeRatio, l(analyze.BoundEstimate)); !ok {
			r.Ratio = math.NaN()
		}
		if r.Lower, ok = b.res.value(metrics.ChangeRatio, l(analyze.BoundLower)); !ok {
			r.Lower = math.NaN()
		}
		if r.Upper, ok = b.res.value(metrics.ChangeRatio, l(analyze.BoundUpper)); !ok {
			r.Upper = math.NaN()
		}
		cs.Tests++
		if incidentMeasures[r.Measure] && b.res.noIncidentData(b.month) {
			cs.LeftOut++
			continue
		}
		r.Before, r.HasBefore = b.changeValue(r, cs.Previous)
		r.After, r.HasAfter = b.changeValue(r, b.month)
		r.Label = changeLabel(r, team == "")
		cs.all = append(cs.all, r)
	}
	sortChangeRows(cs.all)
	cs.Compared = len(cs.all) > 0
	cs.Team = team
	for i := range cs.all {
		cs.all[i].Tests = cs.Tests
	}
	for _, r := range cs.all {
		switch {
		case team != "":
			if r.Team == team {
				cs.Rows = append(cs.Rows, r)
			}
		case r.Team == "" && (r.Severity == "" || r.Measure == analyze.MeasureIncidents):
			cs.Rows = append(cs.Rows, r)
		case r.Verdict != 0:
			cs.Clear = append(cs.Clear, r)
		default:
			cs.Quiet++
		}
	}
	return cs
}

// incidentMeasures are the compared measures read from incidents.
var incidentMeasures = map[string]bool{
	analyze.MeasureIncidents: true, analyze.MeasureMajorIncidents: true, analyze.MeasureMTTA: true, analyze.MeasureMTTR: true,
	analyze.MeasureRequired: true, analyze.MeasureCoverage: true, analyze.MeasureRepeats: true, analyze.MeasureMajorRepeats: true,
}

// changeValue is a compared measure's value in month m: the percentile of
// the response analysis, or the incident count.
func (b *builder) changeValue(r ChangeRow, m string) (float64, bool) {
	switch r.Measure {
	case analyze.MeasureMTTA:
		return b.res.value(metrics.MTTASeconds, L{"period": m, "severity": r.Severity, "team": r.Team, "stat": r.Stat})
	case analyze.MeasureMTTR:
		return b.res.value(metrics.MTTRSeconds, L{"period": m, "severity": r.Severity, "team": r.Team, "stat": r.Stat})
	case analyze.MeasureCoverage:
		return b.res.value(metrics.PostmortemCoverageRatio, L{"period": m, "severity": ""})
	case analyze.MeasureRequired:
		return b.res.value(metrics.PostmortemsRequired, L{"period": m, "severity": ""})
	case analyze.MeasureBlame:
		return b.res.value(metrics.PostmortemsWithBlameRatio, L{"period": m})
	case analyze.MeasureVague:
		return b.res.value(metrics.ActionItemsVagueRatio, L{"period": m})
	case analyze.MeasureRepeats:
		if r.Stat == analyze.StatShare {
			return b.res.value(metrics.RepeatIncidentRatio, L{"period": m})
		}
		if !b.incidentsKnown(m) {
			return 0, false
		}
		v, _ := b.res.sum(metrics.RecurringIncidentsBySeverity, L{"period": m})
		return v, true
	case analyze.MeasureMajorRepeats, analyze.MeasureMajorIncidents:
		if !b.incidentsKnown(m) {
			return 0, false
		}
		var rep, all float64
		for _, sev := range []string{"SEV1", "SEV2"} {
			x, _ := b.res.value(metrics.RecurringIncidentsBySeverity, L{"period": m, "severity": sev})
			n, _ := b.res.value(metrics.IncidentsBySeverity, L{"period": m, "severity": sev})
			rep, all = rep+x, all+n
		}
		if r.Measure == analyze.MeasureMajorIncidents {
			return all, true
		}
		if all == 0 {
			return 0, false
		}
		return rep / all, true
	case analyze.MeasureIncidents:
		if !b.incidentsKnown(m) {
			return 0, false
		}
		switch {
		case r.Team != "":
			v, _ := b.res.sum(metrics.Incidents, L{"period": m, "team": r.Team})
			return v, true
		case r.Severity != "":
			v, _ := b.res.sum(metrics.IncidentsBySeverity, L{"period": m, "severity": r.Severity})
			return v, true
		default:
			v, _ := b.res.sum(metrics.IncidentsBySeverity, L{"period": m})
			return v, true
		}
	}
	return 0, false
}

var measureOrder = map[string]int{analyze.MeasureIncidents: 0, analyze.MeasureMajorIncidents: 1, analyze.MeasureMTTA: 2, analyze.MeasureMTTR: 3,
	analyze.MeasureRequired: 4, analyze.MeasureCoverage: 5, analyze.MeasureRepeats: 6, analyze.MeasureMajorRepeats: 7, analyze.MeasureBlame: 8, analyze.MeasureVague: 9}

func sortChangeRows(rs []ChangeRow) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, c := rs[i], rs[j]
		if (a.Team == "") != (c.Team == "") {
			return a.Team == ""
		}
		if a.Team != c.Team {
			return a.Team < c.Team
		}
		if (a.Severity == "") != (c.Severity == "") {
			return a.Severity == ""
		}
		if a.Severity != c.Severity {
			return severityRank(a.Severity) < severityRank(c.Severity)
		}
		if measureOrder[a.Measure] != measureOrder[c.Measure] {
			return measureOrder[a.Measure] < measureOrder[c.Measure]
		}
		return a.Stat < c.Stat
	})
}

func severityRank(s string) int {
	if o := severityOrder[s]; o > 0 {
		return o
	}
	return 99
}

// changeLabel names a comparison: "MTTR p90", "SEV1 incidents", "SEV2 ·
// MTTR p50", "billing · incidents" (the team is left out of a team digest's
// own rows).
func changeLabel(r ChangeRow, orgWide bool) string {
	what := measureName(r)
	switch {
	case r.Team != "" && orgWide:
		return r.Team + " · " + what
	case r.Severity != "" && r.Measure == analyze.MeasureIncidents:
		return r.Severity + " incidents"
	case r.Severity != "":
		return r.Severity + " · " + what
	}
	if r.Measure == analyze.MeasureIncidents {
		return "Incidents"
	}
	return capitalize(what)
}

func measureName(r ChangeRow) string {
	switch r.Measure {
	case analyze.MeasureMTTA:
		return "MTTA " + r.Stat
	case analyze.MeasureMTTR:
		return "MTTR " + r.Stat
	case analyze.MeasureMajorIncidents:
		return "SEV1 + SEV2 incidents"
	case analyze.MeasureCoverage:
		return "postmortem coverage"
	case analyze.MeasureRequired:
		return "incidents needing a postmortem"
	case analyze.MeasureBlame:
		return "postmortems with blaming language"
	case analyze.MeasureVague:
		return "vague action items"
	case analyze.MeasureRepeats:
		if r.Stat == analyze.StatShare {
			return "share of incidents that repeat"
		}
		return "repeat incidents"
	case analyze.MeasureMajorRepeats:
		return "share of SEV1/SEV2 that repeat"
	}
	return "incidents"
}

func (r ChangeRow) unit() Unit {
	switch {
	case r.Stat == analyze.StatShare:
		return UnitRatio
	case r.Stat == analyze.StatRate:
		return UnitCount
	}
	return UnitDuration
}

// PrevText and NowText are the two months' values.
func (r ChangeRow) PrevText() string { return formatOpt(r.Before, r.HasBefore, r.unit()) }

// NowText: see PrevText.
func (r ChangeRow) NowText() string { return formatOpt(r.After, r.HasAfter, r.unit()) }

// ChangeText is the ratio as a change: "+27%", "−40%", "×3.7" (from
// doubling on); counts are compared per day, and say so ("+1% per day":
// 1,723 incidents in November's 30 days are more a day than 1,757 in
// October's 31).
func (r ChangeRow) ChangeText() string {
	t := chgRatioText(r.Ratio)
	if r.Stat == analyze.StatRate && !math.IsInf(r.Ratio, 0) && !math.IsNaN(r.Ratio) {
		t += " per day"
	}
	return t
}

// IntervalText is the ratio's 95% interval: "−12% to +55%"; an upper bound
// of three times or more reads "×8.3" ("−65% to ×8.3", "×2.1 to ×13").
func (r ChangeRow) IntervalText() string {
	if math.IsNaN(r.Lower) || math.IsNaN(r.Upper) {
		return "–"
	}
	if r.Upper >= 3 {
		if r.Lower >= 1 {
			return chgTimesText(r.Lower) + " to " + chgTimesText(r.Upper)
		}
		return chgPctText(r.Lower) + " to " + chgTimesText(r.Upper)
	}
	return chgPctText(r.Lower) + " to " + chgPctText(r.Upper)
}

// Reading is the verdict in words. A comparison whose interval leaves out
// no change reads "no clear change once all 104 comparisons are taken
// together": the interval shown is not corrected for the month's many
// comparisons, the verdict is.
func (r ChangeRow) Reading() string {
	switch {
	case r.Verdict > 0:
		return "real rise"
	case r.Verdict < 0:
		return "real fall"
	case r.Uncorrected():
		return VerdictNoise + " " + r.together()
	}
	return VerdictNoise
}

// PillClass styles a clear change: a rise in incidents or response times is
// worse, a fall better.
func (r ChangeRow) PillClass() string {
	if r.Verdict > 0 {
		return "bad"
	}
	return "good"
}

func chgRatioText(x float64) string {
	switch {
	case math.IsNaN(x):
		return "–"
	case math.IsInf(x, 1):
		return "from none"
	case x >= 2:
		return chgTimesText(x)
	}
	return chgPctText(x)
}

func chgPctText(x float64) string {
	if math.IsInf(x, 1) {
		return "∞"
	}
	p := math.Round((x - 1) * 100)
	switch {
	case p > 0:
		return "+" + formatThousands(p) + "%"
	case p < 0:
		return "−" + formatThousands(-p) + "%"
	}
	return "±0%"
}

func chgTimesText(x float64) string {
	if math.IsInf(x, 1) {
		return "∞"
	}
	if x < 10 {
		return "×" + strconv.FormatFloat(x, 'f', 1, 64)
	}
	return "×" + formatThousands(math.Round(x))
}

// Method is the section's footnote.
func (c ChangeSection) Method() string {
	return fmt.Sprintf("Percentiles are compared by a bootstrap of each month's incidents (%s resamples, the same on every run), "+
		"incident counts by an exact test on incidents per day, shares (postmortem coverage, blaming language, vague action items, repeats) "+
		"by Fisher's exact test on the two months' counts. A change is called clear only when it stays significant after "+
		"correcting for all %s of the month's comparisons (every team and severity; Benjamini–Hochberg, 5%% false discoveries). "+
		"The interval is the 95%% range of the month's value over the month before's (for a share, of the ratio of the two shares), "+
		"for that comparison alone: it is not corrected, so an interval that leaves out no change can still read “no clear change once all the comparisons are taken together”. "+
		"Arrows marked “not tested” (action items, themes, language rules, downtime, time to publish) were not compared against chance; "+
		"only changes beyond chance are drawn in colour.",
		formatThousands(5000), formatThousands(float64(c.Tests)))
}

// Lede is the section's one-line reading.
func (c ChangeSection) Lede() string {
	real := 0
	for _, r := range c.Rows {
		if r.Verdict != 0 {
			real++
		}
	}
	real += len(c.Clear)
	if c.Team != "" {
		// Rows are the team's; Tests counts the organization's.
		of := fmt.Sprintf("Of the team's %s with %s (the organization's %s are corrected for chance together)",
			plural(len(c.Rows), "comparison", "comparisons"), monthName(c.Previous), formatThousands(float64(c.Tests)))
		if real == 0 {
			return "Month-over-month differences are mostly noise. " + of + ", none is a clear change."
		}
		return "Month-over-month differences are mostly noise. " + of + ", " + isAreClear(real) + "."
	}
	lede := "Month-over-month differences are mostly noise. "
	of := fmt.Sprintf("Of the %s with %s", plural(c.Tests, "comparison", "comparisons"), monthName(c.Previous))
	if c.LeftOut > 0 {
		lede += "This month has no incident data: its incident figures are not compared. "
		of = fmt.Sprintf("Of the remaining %s with %s", plural(c.Tests-c.LeftOut, "comparison", "comparisons"), monthName(c.Previous))
	}
	if real == 0 {
		return lede + of + ", none is a clear change."
	}
	return lede + of + ", " + isAreClear(real) + "."
}

// Shown reports whether the section has comparisons to show: none may be
// left once those of incident figures are left out (LeftOut), as in a
// team's digest, whose comparisons are all of incident figures.
func (c ChangeSection) Shown() bool {
	return c.Compared && (c.LeftOut == 0 || len(c.Rows)+len(c.Clear)+c.Quiet > 0)
}

// QuietSentence says how many comparisons by team and severity show no
// clear change.
func (c ChangeSection) QuietSentence() string {
	if c.Quiet == 1 {
		return "The other comparison by team and severity shows no clear change."
	}
	return "The other " + otherComparisons(c.Quiet) + " show no clear change."
}

// otherComparisons is "comparison by team and severity" or "12
// comparisons by team and severity", after "the other".
func otherComparisons(n int) string {
	if n == 1 {
		return "comparison by team and severity"
	}
	return formatThousands(float64(n)) + " comparisons by team and severity"
}

func isAreClear(n int) string {
	if n == 1 {
		return "1 is a clear change"
	}
	return formatThousands(float64(n)) + " are clear changes"
}

// find returns the comparison of a measure, or false when the run made none.
func (c ChangeSection) find(measure, sev, team, stat string) (ChangeRow, bool) {
	for _, r := range c.all {
		if r.Measure == measure && r.Severity == sev && r.Team == team && r.Stat == stat {
			return r, true
		}
	}
	return ChangeRow{}, false
}

// markdown writes the section.
func (w *mdWriter) changes(c ChangeSection) {
	if !c.Shown() {
		return
	}
	w.p("## Is the change real?")
	w.p("")
	w.p("%s", md(c.Lede()))
	w.p("")
	w.changeTable(c.Rows)
	if len(c.Clear) > 0 {
		w.p("### Clear changes by team and severity")
		w.p("")
		w.changeTable(c.Clear)
	}
	if c.Quiet > 0 {
		w.p("%s", c.QuietSentence())
		w.p("")
	}
	w.p("_%s_", md(c.Method()))
	w.p("")
}

func (w *mdWriter) changeTable(rs []ChangeRow) {
	w.p("| Measure | %s | %s | Change | 95%% interval | Reading |", shortMonth(w.d.Previous), shortMonth(w.d.Month))
	w.p("|---|--:|--:|--:|--:|---|")
	for _, r := range rs {
		reading := r.Reading()
		if r.Verdict != 0 {
			reading = "**" + reading + "**"
		}
		w.p("| %s | %s | **%s** | %s | %s | %s |", md(r.Label), r.PrevText(), r.NowText(), r.ChangeText(), r.IntervalText(), reading)
	}
	w.p("")
}

// note is a headline tile's reading of its change from the month before
// ("no clear change", "real rise", "real fall"), joined to sub with " · ";
// sub alone when the run made no such comparison.
func (c ChangeSection) note(team, measure, stat, sub string) string {
	r, ok := c.verdicts(team).get(measure, "", stat)
	switch {
	case !ok:
		return sub
	case sub == "":
		return r.Reading()
	}
	return r.Reading() + " · " + sub
}

// The verdicts a month-over-month arrow carries.
const (
	VerdictNoise    = "no clear change"
	VerdictReal     = "beyond chance"
	VerdictUntested = "not tested"
)

// judged gives a change from the month before the verdict of the change
// analysis's comparison r: "no clear change" (the arrow is drawn grey),
// "beyond chance", or "not tested" when the run made no comparison of the
// measure.
func (c Change) judged(r *ChangeRow) Change {
	if c.Text == "" || (c.Arrow == "=" && (r == nil || r.Verdict == 0)) {
		return c // nothing moved: nothing to judge
	}
	switch {
	case r == nil:
		c.Verdict = VerdictUntested
	case r.Verdict == 0:
		c.Verdict = VerdictNoise
		c.Interval = r.IntervalText()
		if r.Uncorrected() {
			c.why = r.together()
		}
	default:
		c.Verdict = VerdictReal
		c.Interval = r.IntervalText()
	}
	return c
}

// Noise reports whether the change is within chance.
func (c Change) Noise() bool { return c.Verdict == VerdictNoise }

// Untested reports whether the change was not tested against chance.
func (c Change) Untested() bool { return c.Verdict == VerdictUntested }

// Title is the arrow's tooltip: the verdict with the ratio's interval.
func (c Change) Title() string {
	switch {
	case c.Verdict == VerdictUntested:
		return "not tested against chance"
	case c.why != "":
		return c.Verdict + " " + c.why + " (95% interval of the ratio to the month before, for this comparison alone: " + c.Interval + ")"
	case c.Verdict != "" && c.Interval != "":
		return c.Verdict + " (95% interval of the ratio to the month before: " + c.Interval + ")"
	}
	return c.Verdict
}

// attach gives every measure the digest compares with the month before the
// change analysis's comparison of it, so its arrow carries the verdict.
// Measures without one (time to publish, template completeness, action
// items, downtime, themes; a team's severities and shares) read "not
// tested". (The SEV1 + SEV2 tile is built with the page: see newView.)
func (c ChangeSection) attach(d *Digest) {
	v := c.verdicts(d.Team)
	set := func(m *Measure, measure, sev, stat string) {
		if r, ok := v.get(measure, sev, stat); ok {
			m.Cmp = &r
		}
	}
	set(&d.Incidents.Total, analyze.MeasureIncidents, "", analyze.StatRate)
	for i := range d.Incidents.BySeverity {
		set(&d.Incidents.BySeverity[i], analyze.MeasureIncidents, d.Incidents.BySeverity[i].Name, analyze.StatRate)
	}
	set(&d.Response.MTTAP50, analyze.MeasureMTTA, "", analyze.StatP50)
	set(&d.Response.MTTAP90, analyze.MeasureMTTA, "", analyze.StatP90)
	set(&d.Response.MTTRP50, analyze.MeasureMTTR, "", analyze.StatP50)
	set(&d.Response.MTTRP90, analyze.MeasureMTTR, "", analyze.StatP90)
	for i := range d.Response.BySeverity {
		s := &d.Response.BySeverity[i]
		set(&s.Incidents, analyze.MeasureIncidents, s.Severity, analyze.StatRate)
		set(&s.MTTAP90, analyze.MeasureMTTA, s.Severity, analyze.StatP90)
		set(&s.MTTRP50, analyze.MeasureMTTR, s.Severity, analyze.StatP50)
		set(&s.MTTRP90, analyze.MeasureMTTR, s.Severity, analyze.StatP90)
	}
	// The postmortem and language sections show the organization's numbers
	// in a team digest too: they carry the organization's verdicts.
	org := c.verdicts("")
	for _, x := range []struct {
		m             *Measure
		measure, stat string
	}{{&d.Postmortems.Coverage, analyze.MeasureCoverage, analyze.StatShare}, {&d.Postmortems.Required, analyze.MeasureRequired, analyze.StatRate},
		{&d.Language.BlameRatio, analyze.MeasureBlame, analyze.StatShare}, {&d.Language.VagueRatio, analyze.MeasureVague, analyze.StatShare}} {
		if r, ok := org.get(x.measure, "", x.stat); ok {
			x.m.Cmp = &r
		}
	}
	if d.Team == "" {
		// A team digest's repeats are the team's services' (not compared).
		set(&d.Recurrence.Count, analyze.MeasureRepeats, "", analyze.StatRate)
		set(&d.Recurrence.Ratio, analyze.MeasureRepeats, "", analyze.StatShare)
		set(&d.Recurrence.MajorRatio, analyze.MeasureMajorRepeats, "", analyze.StatShare)
	}
	for i := range d.Teams {
		tv := c.verdicts(d.Teams[i].Team)
		if r, ok := tv.get(analyze.MeasureIncidents, "", analyze.StatRate); ok {
			d.Teams[i].Incidents.Total.Cmp = &r
		}
	}
}
