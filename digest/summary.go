package digest

import (
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxSummary caps the sentences at the top: a two-minute read.
const maxSummary = 7

// summarize writes the plain-language summary from the numbers.
func summarize(d *Digest) []string {
	var out []string
	add := func(s string) {
		if s != "" && len(out) < maxSummary {
			out = append(out, s)
		}
	}
	add(incidentSummary(d.Incidents))
	add(responseSummary(d.Response))
	add(budgetSummary(d.ErrorBudget))
	add(themeCostSummary(d))
	add(actionSummary(d.Actions))
	add(postmortemSummary(d.Postmortems))
	add(themeSummary(d.Themes))
	add(recurrenceSummary(d.Recurrence))
	add(languageSummary(d.Language))
	return out
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
	switch {
	case total == 0:
		return "No incidents this month."
	case s1 == 0 && s2 == 0:
		return "No SEV1 or SEV2 incidents this month."
	}
	return ""
}

func plainCount(n float64) string { return formatThousands(math.Round(n)) }

// moveSentence says how a count moved: "SEV1s fell from 4 to 2".
func moveSentence(plural string, cur, prev float64, prevOK bool) string {
	switch {
	case !prevOK:
		return fmt.Sprintf("%s %s", plainCount(cur), plural)
	case cur > prev:
		return fmt.Sprintf("%s rose from %s to %s", plural, plainCount(prev), plainCount(cur))
	case cur < prev:
		return fmt.Sprintf("%s fell from %s to %s", plural, plainCount(prev), plainCount(cur))
	default:
		return fmt.Sprintf("%s held at %s", plural, plainCount(cur))
	}
}

func incidentSummary(sec IncidentSection) string {
	total := sec.Total.Value()
	prevTotal, prevOK := sec.Total.Series.Previous()
	s1, p1, ok1 := sevCounts(sec, "SEV1")
	s2, p2, ok2 := sevCounts(sec, "SEV2")
	if total == 0 {
		if prevOK && prevTotal > 0 {
			return fmt.Sprintf("No incidents this month (%s the month before).", plainCount(prevTotal))
		}
		return "No incidents this month."
	}
	var parts []string
	if s1 == 0 && s2 == 0 {
		major := "No SEV1 or SEV2 incidents this month"
		if prev := p1 + p2; ok1 && ok2 && prev > 0 {
			major += fmt.Sprintf(" (%s the month before)", plainCount(prev))
		}
		parts = append(parts, major)
	} else {
		parts = append(parts, capitalize(moveSentence("SEV1s", s1, p1, ok1)))
		parts = append(parts, moveSentence("SEV2s", s2, p2, ok2))
	}
	all := fmt.Sprintf("%s in all", plural(int(total), "incident", "incidents"))
	if prevOK {
		switch {
		case total > prevTotal:
			all += fmt.Sprintf(", up from %s", plainCount(prevTotal))
		case total < prevTotal:
			all += fmt.Sprintf(", down from %s", plainCount(prevTotal))
		default:
			all += ", the same as the month before"
		}
	}
	if len(parts) == 2 {
		return parts[0] + " and " + parts[1] + "; " + all + "."
	}
	return parts[0] + "; " + all + "."
}

// relMove says how a duration moved: "MTTR p90 rose 30% to 3h 10m".
func relMove(m Measure, threshold float64) (string, bool) {
	cur, ok := m.Series.Current()
	if !ok || math.IsInf(cur, 0) {
		return "", false
	}
	prev, pok := m.Series.Previous()
	if !pok || prev <= 0 || math.IsInf(prev, 0) {
		return fmt.Sprintf("%s was %s", m.Name, formatDuration(cur)), false
	}
	pct := (cur - prev) / prev * 100
	switch {
	case pct >= threshold:
		return fmt.Sprintf("%s rose %.0f%% to %s", m.Name, pct, formatDuration(cur)), true
	case pct <= -threshold:
		return fmt.Sprintf("%s fell %.0f%% to %s", m.Name, -pct, formatDuration(cur)), true
	default:
		return fmt.Sprintf("%s held steady at %s", m.Name, formatDuration(cur)), false
	}
}

func responseSummary(r ResponseSection) string {
	mttr, _ := relMove(r.MTTRP90, 10)
	if mttr == "" {
		return ""
	}
	s := mttr
	if p50, ok := r.MTTRP50.Series.Current(); ok && !math.IsInf(p50, 0) {
		s += fmt.Sprintf(" (median %s)", formatDuration(p50))
	}
	if mtta, moved := relMove(r.MTTAP90, 20); moved {
		s += "; " + mtta
	}
	return s + "."
}

func budgetSummary(b BudgetSection) string {
	var withSLO []ServiceBudget
	for _, s := range b.Services {
		if s.Objective > 0 {
			withSLO = append(withSLO, s)
		}
	}
	if len(withSLO) == 0 {
		return ""
	}
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
	if top.Consumed.Value() == 0 {
		return fmt.Sprintf("All %s with an SLO had no customer-impacting downtime.", plural(len(withSLO), "service", "services"))
	}
	if len(withSLO) == 1 {
		return fmt.Sprintf("%s stayed within its error budget, using %s of it.", top.Service, formatPercent(top.Consumed.Value()))
	}
	return fmt.Sprintf("All %d services with an SLO stayed within their error budget; %s used the most (%s).",
		len(withSLO), top.Service, formatPercent(top.Consumed.Value()))
}

func actionSummary(a ActionSection) string {
	var parts []string
	if a.Overdue.Total > 0 {
		s := fmt.Sprintf("%s overdue", isAre(a.Overdue.Total, "action item"))
		if p1 := a.Overdue.Priority("P1"); p1 > 0 {
			s += fmt.Sprintf(", %s of them P1", plainCount(float64(p1)))
		}
		parts = append(parts, s)
	} else if a.Open.Total > 0 {
		parts = append(parts, "No open action item is overdue")
	}
	if c, ok := a.Completed.Series.Current(); ok {
		p, pok := a.Completed.Series.Previous()
		if c > 0 || (pok && p > 0) {
			s := fmt.Sprintf("%s completed this month", plainCount(c))
			if pok {
				s += fmt.Sprintf(" (%s the month before)", plainCount(p))
			}
			parts = append(parts, s)
		}
	}
	if a.Unowned.Total > 0 {
		parts = append(parts, fmt.Sprintf("%s no owner", hasHave(a.Unowned.Total, "open item")))
	}
	if len(parts) == 0 {
		return ""
	}
	return capitalize(strings.Join(parts, "; ")) + "."
}

func postmortemSummary(p PostmortemSection) string {
	req, ok := p.Required.Series.Current()
	if !ok {
		return ""
	}
	if req == 0 {
		return "No incident this month needed a postmortem."
	}
	cov, _ := p.Coverage.Series.Current()
	s := fmt.Sprintf("Postmortems were written for %s of %s incidents that needed one (%s", plainCount(float64(p.Written)), plainCount(req), formatPercent(cov))
	if prev, ok := p.Coverage.Series.Previous(); ok {
		switch d := math.Round((cov - prev) * 100); {
		case d > 0:
			s += fmt.Sprintf(", up from %s", formatPercent(prev))
		case d < 0:
			s += fmt.Sprintf(", down from %s", formatPercent(prev))
		}
	}
	s += ")"
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
	s := fmt.Sprintf("The top contributing-factor theme was “%s” (%s", top.Label, plural(int(top.Factors.Value()), "factor", "factors"))
	if prev, ok := top.Factors.Series.Previous(); ok {
		s += fmt.Sprintf(", %s the month before", plainCount(prev))
	}
	s += ")."
	if len(t.Changes) > 0 {
		s += " " + t.Changes[0]
	}
	return s
}

func recurrenceSummary(r RecurrenceSection) string {
	n := r.Count.Value()
	if n == 0 {
		return ""
	}
	s := fmt.Sprintf("%s repeated an earlier incident", capitalize(plural(int(n), "incident", "incidents")))
	if ratio, ok := r.Ratio.Series.Current(); ok {
		s += fmt.Sprintf(" (%s of all incidents", formatPercent(ratio))
		if major, ok := r.MajorRatio.Series.Current(); ok {
			s += fmt.Sprintf(", %s of SEV1/SEV2", formatPercent(major))
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
	s := fmt.Sprintf("%s of postmortems used blaming language", formatPercent(cur))
	if pok {
		switch d := math.Round((cur - prev) * 100); {
		case d > 0:
			s += fmt.Sprintf(", up from %s", formatPercent(prev))
		case d < 0:
			s += fmt.Sprintf(", down from %s", formatPercent(prev))
		}
	}
	return s + "."
}

// teamSentences are a team card's one or two lines.
func teamSentences(t TeamSection) []string {
	var out []string
	if t.NoIncidents {
		s := "No incidents this month"
		if p, ok := t.Incidents.Total.Series.Previous(); ok && p > 0 {
			s += fmt.Sprintf(" (%s the month before)", plainCount(p))
		}
		out = append(out, s+".")
	} else {
		out = append(out, incidentSummary(t.Incidents))
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
