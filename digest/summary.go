package digest

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aftermath-sre/aftermath/analyze"
)

const (
	analyzeMeasureIncidents = analyze.MeasureIncidents
	analyzeMeasureMTTA      = analyze.MeasureMTTA
	analyzeMeasureMTTR      = analyze.MeasureMTTR
	analyzeStatRate         = analyze.StatRate
	// analyzeMeasureMajorIncidents compares SEV1 and SEV2 incidents together.
	analyzeMeasureMajorIncidents = analyze.MeasureMajorIncidents
)

// maxSummary caps the sentences at the top: a two-minute read.
const maxSummary = 8

// summarize writes the plain-language summary from the numbers. A change
// from the month before is named only when the change analysis found it
// beyond chance; otherwise the sentence says "no clear change" (or, for a
// run without comparisons, only states the numbers).
func summarize(d *Digest) []string {
	var out []string
	add := func(s string) {
		if s != "" && len(out) < maxSummary {
			out = append(out, s)
		}
	}
	v := d.Changes.verdicts(d.Team)
	noIncidents := d.noIncidentData()
	switch {
	case noIncidents && d.NoIncidentSource:
		add("No incident data for " + d.MonthName + ": PagerDuty has not completed a sync yet.")
	case noIncidents:
		add("No incident data for " + d.MonthName + ": it starts in " + monthName(d.IncidentsFrom) + ".")
	default:
		add(incidentSummary(d.Incidents, v))
		add(responseSummary(d.Response, v, d.Previous))
	}
	if d.Team == "" {
		add(changeSummary(d.Changes))
	}
	if !noIncidents {
		add(budgetSummary(d.ErrorBudget))
	}
	add(themeCostSummary(d))
	add(actionSummary(d.Actions, d.AsOf))
	add(fixesSummary(d.Fixes, d.location()))
	if !noIncidents {
		add(postmortemSummary(d.Postmortems))
	}
	add(themeSummary(d.Themes))
	add(recurrenceSummary(d.Recurrence))
	add(languageSummary(d.Language))
	for i := range d.Teams {
		d.Teams[i].Sentences = teamSentencesWith(d.Teams[i], d.Changes.verdicts(d.Teams[i].Team))
	}
	return out
}

// verdicts looks up the month's comparison of a measure (severity "" = all)
// in a scope: the organization (team "") or one team. Nil means the run
// made no comparisons.
type verdicts func(measure, sev, stat string) (ChangeRow, bool)

func (c ChangeSection) verdicts(team string) verdicts {
	if !c.Compared {
		return nil
	}
	return func(measure, sev, stat string) (ChangeRow, bool) {
		if team != "" && sev != "" {
			return ChangeRow{}, false // by team, only all severities are compared
		}
		return c.find(measure, sev, team, stat)
	}
}

func (v verdicts) get(measure, sev, stat string) (ChangeRow, bool) {
	if v == nil {
		return ChangeRow{}, false
	}
	return v(measure, sev, stat)
}

func sevCounts(sec IncidentSection, sev string) (cur, prev float64, prevOK bool) {
	for _, m := range sec.BySeverity {
		if m.Name == sev {
			cur = m.Value()
			prev, prevOK = m.Series.Previous()
			return
		}
	}
	return 0, 0, false
}

// incidentSentence is the section's one-line reading.
func incidentSentence(sec IncidentSection) string {
	total := sec.Total.Value()
	s1, _, _ := sevCounts(sec, "SEV1")
	s2, _, _ := sevCounts(sec, "SEV2")
	if _, known := sec.Total.Series.Current(); !known {
		return "No incident data for this month."
	}
	switch {
	case total == 0:
		return "No incidents this month."
	case s1 == 0 && s2 == 0:
		return "No SEV1 or SEV2 incidents this month."
	}
	return ""
}

func plainCount(n float64) string { return formatThousands(math.Round(n)) }

// countVerdict says which of the counts (SEV1s, SEV2s, all) moved beyond
// chance: ": no clear change", ": SEV2s rose beyond chance (×2.4 per day)",
// or "" when none was compared.
func countVerdict(v verdicts) string {
	tested := 0
	var real []string
	for _, c := range []struct{ name, sev string }{{"SEV1s", "SEV1"}, {"SEV2s", "SEV2"}, {"all incidents", ""}} {
		r, ok := v.get(analyzeMeasureIncidents, c.sev, analyzeStatRate)
		if !ok {
			continue
		}
		tested++
		if r.Verdict != 0 {
			real = append(real, fmt.Sprintf("%s %s (%s per day)", c.name, roseFell(r), chgRatioText(r.Ratio)))
		}
	}
	switch {
	case tested == 0:
		return ""
	case len(real) == 0:
		return ": no clear change"
	}
	return ": " + joinAnd(real) + " beyond chance"
}

func roseFell(r ChangeRow) string {
	if r.Verdict > 0 || (r.Verdict == 0 && r.Ratio > 1) {
		return "rose"
	}
	return "fell"
}

func incidentSummary(sec IncidentSection, v verdicts) string {
	total := sec.Total.Value()
	prevTotal, prevOK := sec.Total.Series.Previous()
	s1, p1, ok1 := sevCounts(sec, "SEV1")
	s2, p2, ok2 := sevCounts(sec, "SEV2")
	if total == 0 {
		if prevOK && prevTotal > 0 {
			return fmt.Sprintf("No incidents this month (%s the month before)%s.", plainCount(prevTotal), countVerdict(v))
		}
		return "No incidents this month."
	}
	all := plural(int(total), "incident", "incidents") + " in all"
	if s1 == 0 && s2 == 0 {
		s := "No SEV1 or SEV2 incidents this month"
		if prev := p1 + p2; ok1 && ok2 && prev > 0 {
			s += fmt.Sprintf(" (%s the month before)", plainCount(prev))
		}
		s += "; " + all
		if prevOK {
			s += fmt.Sprintf(", against %s the month before", plainCount(prevTotal))
		}
		return s + countVerdict(v) + "."
	}
	s := fmt.Sprintf("%s, %s and %s", plural(int(s1), "SEV1", "SEV1s"), plural(int(s2), "SEV2", "SEV2s"), all)
	if prevOK && ok1 && ok2 {
		s += fmt.Sprintf(", against %s, %s and %s the month before", plainCount(p1), plainCount(p2), plainCount(prevTotal))
	}
	return capitalize(s) + countVerdict(v) + "."
}

// durationMove says how a compared percentile moved: "MTTR p90 rose 30% to
// 3h 10m (95% interval +12% to +55%)".
func durationMove(name string, r ChangeRow) string {
	by := chgRatioText(r.Ratio)
	if r.Ratio >= 2 {
		by = strings.TrimPrefix(by, "×") + "-fold"
	} else {
		by = strings.TrimLeft(by, "+−")
	}
	return fmt.Sprintf("%s %s %s to %s (95%% interval %s)", name, roseFell(r), by, formatDuration(r.After), r.IntervalText())
}

func responseSummary(r ResponseSection, v verdicts, prevMonth string) string {
	p90, ok := r.MTTRP90.Series.Current()
	if !ok || math.IsInf(p90, 0) {
		return ""
	}
	measures := []struct {
		name, measure, stat string
	}{{"MTTR p90", analyzeMeasureMTTR, "p90"}, {"MTTR p50", analyzeMeasureMTTR, "p50"}, {"MTTA p90", analyzeMeasureMTTA, "p90"}, {"MTTA p50", analyzeMeasureMTTA, "p50"}}
	var real, quiet []string
	tested := 0
	for _, m := range measures {
		c, ok := v.get(m.measure, "", m.stat)
		if !ok || !c.HasAfter {
			continue
		}
		tested++
		if c.Verdict != 0 {
			real = append(real, durationMove(m.name, c))
		} else {
			quiet = append(quiet, m.name)
		}
	}
	median := ""
	if p50, ok := r.MTTRP50.Series.Current(); ok && !math.IsInf(p50, 0) {
		median = fmt.Sprintf(" (median %s)", formatDuration(p50))
	}
	switch {
	case tested == 0:
		s := fmt.Sprintf("MTTR p90 was %s", formatDuration(p90))
		if prev, ok := r.MTTRP90.Series.Previous(); ok && prev > 0 && !math.IsInf(prev, 0) {
			s += fmt.Sprintf(", %s the month before", formatDuration(prev))
		}
		return s + median + "."
	case len(real) == 0:
		s := fmt.Sprintf("MTTR p90 was %s%s", formatDuration(p90), median)
		if a, ok := r.MTTAP90.Series.Current(); ok && !math.IsInf(a, 0) {
			s += fmt.Sprintf(", MTTA p90 %s", formatDuration(a))
		}
		return s + fmt.Sprintf(": no clear change in MTTA or MTTR from %s.", monthOnly(prevMonth))
	}
	s := joinAnd(real) + ", beyond chance"
	if len(quiet) > 0 {
		s += "; no clear change in " + joinOr(quietNames(quiet))
	}
	return s + "."
}

// quietNames folds "MTTA p90" and "MTTA p50" into "MTTA".
func quietNames(q []string) []string {
	has := map[string]bool{}
	for _, n := range q {
		has[n] = true
	}
	var out []string
	for _, m := range []string{"MTTR", "MTTA"} {
		switch {
		case has[m+" p90"] && has[m+" p50"]:
			out = append(out, m)
		case has[m+" p90"]:
			out = append(out, m+" p90")
		case has[m+" p50"]:
			out = append(out, m+" p50")
		}
	}
	return out
}

// changeSummary names the clear changes by team and severity, and says
// "no clear change" for the rest.
func changeSummary(c ChangeSection) string {
	if !c.Compared || len(c.Clear)+c.Quiet == 0 {
		return ""
	}
	others := c.Quiet
	if len(c.Clear) == 0 {
		return fmt.Sprintf("No team or severity shows a clear change in incidents, MTTA or MTTR from %s (%s).",
			monthOnly(c.Previous), plural(others, "comparison", "comparisons"))
	}
	var named []string
	for i, r := range c.Clear {
		if i == 3 {
			named = append(named, fmt.Sprintf("%d more", len(c.Clear)-3))
			break
		}
		named = append(named, clearMove(r))
	}
	s := "Beyond chance by team or severity: " + joinAnd(named)
	if others > 0 {
		s += "; no clear change in the other " + otherComparisons(others)
	}
	return s + "."
}

// clearMove describes a clear change by team or severity: "MTTR p90 of
// billing rose 3.7-fold to 9h 12m (95% interval ×1.7 to ×12.9)", "SEV2
// incidents rose from 3 to 12 (...)".
func clearMove(r ChangeRow) string {
	if r.Measure == analyzeMeasureIncidents {
		what := r.Severity + " incidents"
		if r.Team != "" {
			what = "incidents of " + r.Team
		}
		return fmt.Sprintf("%s %s from %s to %s (%s per day, 95%% interval %s)", what, roseFell(r), plainCount(r.Before), plainCount(r.After), chgRatioText(r.Ratio), r.IntervalText())
	}
	what := measureName(r)
	if r.Team != "" {
		what += " of " + r.Team
	} else {
		what = r.Severity + " " + what
	}
	return durationMove(what, r)
}

func monthOnly(m string) string {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return "the month before"
	}
	return t.Format("January")
}

func joinOr(parts []string) string {
	if len(parts) < 2 {
		return joinAnd(parts)
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}

// budgetSummary is the month's error budget of the services with an SLO;
// for those with no incidents on record under their name
// (ServiceBudget.NoIncidents) their downtime is not known, so it asks to
// check their SLO's service name instead of saying they had none.
func budgetSummary(b BudgetSection) string {
	var withSLO []ServiceBudget
	var unknown []string
	for _, s := range b.Services {
		switch {
		case s.Objective <= 0:
		case s.NoIncidents:
			unknown = append(unknown, s.Service)
		default:
			withSLO = append(withSLO, s)
		}
	}
	if len(withSLO) == 0 && len(unknown) == 0 {
		return ""
	}
	check := unrecordedSentence(unknown, len(withSLO) == 0)
	if len(withSLO) == 0 {
		return check
	}
	return joinSentences(check, measuredBudgetSentence(withSLO, len(unknown) > 0))
}

// unrecordedSentence names the services with an SLO but no incidents on
// record under that name; only says they are all there are.
func unrecordedSentence(services []string, only bool) string {
	switch {
	case len(services) == 0:
		return ""
	case len(services) == 1 && only:
		return fmt.Sprintf("%s, the one service with an SLO, has no incidents on record under that name, so its downtime is not known: check the SLO's service name.", services[0])
	case len(services) == 1:
		return fmt.Sprintf("%s has no incidents on record under that name, so its downtime is not known: check its SLO's service name.", services[0])
	case only:
		return fmt.Sprintf("None of the %d services with an SLO (%s) has incidents on record under that name, so their downtime is not known: check the SLOs' service names.", len(services), joinAnd(services))
	}
	return fmt.Sprintf("%s have no incidents on record under those names, so their downtime is not known: check their SLOs' service names.", joinAnd(services))
}

// measuredBudgetSentence is the month's error budget of the services with
// an SLO and incidents on record; others says there are services with an
// SLO besides them.
func measuredBudgetSentence(withSLO []ServiceBudget, others bool) string {
	var over []string
	for _, s := range withSLO {
		if s.Breached || s.Consumed.Value() > 1 {
			over = append(over, fmt.Sprintf("%s (%s)", s.Service, formatPercent(s.Consumed.Value())))
		}
	}
	if len(over) > 0 {
		if len(over) > 3 {
			over = append(over[:3], fmt.Sprintf("%d more", len(over)-3))
		}
		return fmt.Sprintf("%s overspent the month's error budget: %s.",
			capitalize(plural(len(over), "service", "services")), joinAnd(over))
	}
	top := withSLO[0]
	one := ", the one service with an SLO,"
	all := fmt.Sprintf("All %d services with an SLO", len(withSLO))
	if others {
		one = ", the other service with an SLO,"
		all = fmt.Sprintf("The other %d services with an SLO", len(withSLO))
	}
	if top.Consumed.Value() == 0 {
		if len(withSLO) == 1 {
			return fmt.Sprintf("%s%s had no customer-impacting downtime.", top.Service, one)
		}
		return all + " had no customer-impacting downtime."
	}
	if len(withSLO) == 1 {
		if others {
			return fmt.Sprintf("%s%s stayed within its error budget, using %s of it.", top.Service, one, formatPercent(top.Consumed.Value()))
		}
		return fmt.Sprintf("%s stayed within its error budget, using %s of it.", top.Service, formatPercent(top.Consumed.Value()))
	}
	return fmt.Sprintf("%s stayed within their error budget; %s used the most (%s).",
		all, top.Service, formatPercent(top.Consumed.Value()))
}

// joinSentences joins the non-empty sentences with a space.
func joinSentences(sentences ...string) string {
	var out []string
	for _, s := range sentences {
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, " ")
}

// actionSummary: asOf, when set, dates the counts of the run's time
// (overdue, unowned).
func actionSummary(a ActionSection, asOf string) string {
	var parts []string
	now := ""
	if asOf != "" {
		now = " on " + asOf
	}
	if a.Overdue.Total > 0 {
		s := fmt.Sprintf("%s overdue%s", isAre(a.Overdue.Total, "action item"), now)
		if p1 := a.Overdue.Priority("P1"); p1 > 0 {
			s += fmt.Sprintf(", %s of them P1", plainCount(float64(p1)))
		}
		parts = append(parts, s)
	} else if a.Open.Total > 0 {
		parts = append(parts, "No open action item is overdue"+now)
	}
	if c, ok := a.Completed.Series.Current(); ok {
		p, pok := a.Completed.Series.Previous()
		if c > 0 || (pok && p > 0) {
			s := fmt.Sprintf("%s completed this month", plainCount(c))
			if pok {
				s += fmt.Sprintf(" (%s the month before)", plainCount(p))
			}
			if d, ok := a.Declined.Series.Current(); ok && d > 0 && a.Declined.Name != "" {
				s += fmt.Sprintf(", %s closed without being done (won't do, cancelled, duplicate)", plainCount(d))
			}
			parts = append(parts, s)
		}
	}
	if a.Unowned.Total > 0 {
		parts = append(parts, fmt.Sprintf("%s no owner%s", hasHave(a.Unowned.Total, "open item"), now))
	}
	switch mi := a.MostlyInvestigate; len(mi) {
	case 0:
	case 1:
		parts = append(parts, fmt.Sprintf("%d of %s’s %d follow-ups over three months were “investigate”", mi[0].Investigate, mi[0].Team, mi[0].Total))
	default:
		var teams []string
		for _, t := range mi {
			teams = append(teams, fmt.Sprintf("%s (%d of %d)", t.Team, t.Investigate, t.Total))
		}
		parts = append(parts, fmt.Sprintf("follow-ups over three months were mostly “investigate” for %s", joinAnd(teams)))
	}
	if len(parts) == 0 {
		return ""
	}
	return capitalize(strings.Join(parts, "; ")) + "."
}

// postmortemSummary states the postmortem numbers; in a team's digest they
// are the organization's (the results have no team breakdown) and the
// sentence says so.
func postmortemSummary(p PostmortemSection) string {
	req, ok := p.Required.Series.Current()
	if !ok {
		return ""
	}
	scope := ""
	if p.OrgWide {
		scope = "Organization-wide, "
	}
	if req == 0 {
		if scope != "" {
			return scope + "no incident this month needed a postmortem."
		}
		return "No incident this month needed a postmortem."
	}
	cov, _ := p.Coverage.Series.Current()
	what := "Postmortems were"
	if scope != "" {
		what = scope + "postmortems were"
	}
	s := fmt.Sprintf("%s written for %s of %s that needed one (%s%s)", what, plainCount(float64(p.Written)), plural(int(req), "incident", "incidents"), formatPercent(cov), shareMove(p.Coverage))
	if pub, ok := p.PublishP50.Series.Current(); ok && !math.IsInf(pub, 0) {
		s += fmt.Sprintf("; the median took %s to publish", formatDuration(pub))
		if p.PublishTarget > 0 {
			s += fmt.Sprintf(" against a %s target", formatDuration(p.PublishTarget))
		}
	}
	return s + "."
}

func themeSummary(t ThemeSection) string {
	if len(t.Top) == 0 {
		return ""
	}
	top := t.Top[0]
	s := fmt.Sprintf("The top contributing-factor theme was %s (%s", quoted(top.Label), plural(int(top.Factors.Value()), "factor", "factors"))
	if prev, ok := top.Factors.Series.Previous(); ok {
		s += fmt.Sprintf(", %s the month before", plainCount(prev))
	}
	s += ")."
	if len(t.Changes) > 0 {
		// The top theme's own change reads "It rose ...", not its name again.
		c := t.Changes[0]
		if rest, ok := strings.CutPrefix(c, quoted(top.Label)+" "); ok {
			c = "It " + rest
			if prev, ok := top.Factors.Series.Previous(); ok && strings.HasSuffix(c, fmt.Sprintf(", from %s the month before.", plainCount(prev))) {
				c = "" // the parenthesis said it (a history of one month before)
			}
		} else if strings.HasPrefix(c, "New this month: "+quoted(top.Label)+" ") {
			c = "It is new this month, absent in " + top.Factors.Series.monthsPhrase() + "."
		}
		if c != "" {
			s += " " + c
		}
	}
	return s
}

func recurrenceSummary(r RecurrenceSection) string {
	n := r.Count.Value()
	if n == 0 {
		return ""
	}
	s := fmt.Sprintf("%s repeated an earlier incident", capitalize(plural(int(n), "incident", "incidents")))
	if r.OnServices {
		s = fmt.Sprintf("%s on the team's services repeated an earlier incident", capitalize(plural(int(n), "incident", "incidents")))
	}
	if ratio, ok := r.Ratio.Series.Current(); ok {
		shares, names := []Measure{r.Ratio}, []string{"the share of all incidents"}
		s += fmt.Sprintf(" (%s of all incidents", formatPercent(ratio))
		if major, ok := r.MajorRatio.Series.Current(); ok {
			shares, names = append(shares, r.MajorRatio), append(names, "the share of SEV1/SEV2")
			s += fmt.Sprintf(", %s of SEV1/SEV2", formatPercent(major))
		}
		// Both within chance: one clause; otherwise each share's move.
		var prevs []string
		for _, m := range shares {
			p, ok := m.Series.Previous()
			if !ok || m.Cmp == nil || m.Cmp.Verdict != 0 {
				prevs = nil
				break
			}
			prevs = append(prevs, formatPercent(p))
		}
		switch {
		case len(prevs) > 0:
			s += ": no clear change from " + joinAnd(prevs) + " the month before"
		default:
			for i, m := range shares {
				if mv := shareMove(m); mv != "" && m.Cmp != nil && m.Cmp.Verdict != 0 {
					s += "; " + names[i] + " " + strings.TrimPrefix(mv, ", ")
				}
			}
		}
		s += ")"
	}
	if len(r.Services) > 0 {
		s += fmt.Sprintf(", most often on %s", r.Services[0].Name)
	}
	return s + "."
}

func languageSummary(l LanguageSection) string {
	cur, ok := l.BlameRatio.Series.Current()
	if !ok {
		return ""
	}
	prev, pok := l.BlameRatio.Series.Previous()
	if cur == 0 && (!pok || prev == 0) {
		return ""
	}
	s := fmt.Sprintf("%s of postmortems used blaming language%s.", formatPercent(cur), shareMove(l.BlameRatio))
	if l.OrgWide {
		// a team's digest: the results have no team breakdown
		return "Organization-wide, " + s
	}
	return s
}

// shareMove says how a share moved from the month before as far as the
// change analysis lets it: ", up from 10% beyond chance (95% interval of
// the ratio +12% to +55%)" for a real change, ", against 10% the month
// before: no clear change" for one within chance, "; 10% the month before"
// when the run did not test it (no direction is claimed), "" when the month
// before is unknown or the share did not move.
func shareMove(m Measure) string {
	cur, ok := m.Series.Current()
	prev, pok := m.Series.Previous()
	if !ok || !pok {
		return ""
	}
	r := m.Cmp
	if r != nil && r.Verdict != 0 {
		dir := "up"
		if r.Verdict < 0 {
			dir = "down"
		}
		return fmt.Sprintf(", %s from %s beyond chance (95%% interval of the ratio %s)", dir, formatPercent(prev), r.IntervalText())
	}
	if formatPercent(cur) == formatPercent(prev) {
		return ", as the month before"
	}
	if r == nil {
		return fmt.Sprintf("; %s the month before", formatPercent(prev))
	}
	return fmt.Sprintf(", against %s the month before: no clear change", formatPercent(prev))
}

// teamSentences are a team card's one or two lines, without comparisons.
func teamSentences(t TeamSection) []string { return teamSentencesWith(t, nil) }

// teamSentencesWith writes a team card's lines with the team's comparisons:
// its incidents, its clear MTTA/MTTR changes, its overdue items.
func teamSentencesWith(t TeamSection, v verdicts) []string {
	var out []string
	if t.NoIncidentData {
		out = append(out, "No incident data for this month.")
	} else if t.NoIncidents {
		s := "No incidents this month"
		if p, ok := t.Incidents.Total.Series.Previous(); ok && p > 0 {
			s += fmt.Sprintf(" (%s the month before)", plainCount(p))
		}
		out = append(out, s+countVerdict(v)+".")
	} else {
		out = append(out, incidentSummary(t.Incidents, v))
	}
	var real []string
	for _, m := range []struct{ name, measure, stat string }{{"MTTR p90", analyzeMeasureMTTR, "p90"}, {"MTTR p50", analyzeMeasureMTTR, "p50"}, {"MTTA p90", analyzeMeasureMTTA, "p90"}, {"MTTA p50", analyzeMeasureMTTA, "p50"}} {
		if c, ok := v.get(m.measure, "", m.stat); ok && c.Verdict != 0 && c.HasAfter {
			real = append(real, durationMove(m.name, c))
		}
	}
	if len(real) > 0 {
		out = append(out, capitalize(joinAnd(real))+", beyond chance.")
	}
	if t.Overdue.Total > 0 {
		s := fmt.Sprintf("%s overdue", isAre(t.Overdue.Total, "action item"))
		if p1 := t.Overdue.Priority("P1"); p1 > 0 {
			s += fmt.Sprintf(", %d of them P1", p1)
		}
		out = append(out, capitalize(s)+".")
	}
	return out
}

func isAre(n int, noun string) string {
	if n == 1 {
		return "1 " + noun + " is"
	}
	return plainCount(float64(n)) + " " + noun + "s are"
}

func hasHave(n int, noun string) string {
	if n == 1 {
		return "1 " + noun + " has"
	}
	return plainCount(float64(n)) + " " + noun + "s have"
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// joinAnd joins "a", "b" and "c" as "a, b and c".
func joinAnd(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}
