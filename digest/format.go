package digest

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Series is one measure over the digest's trend months, oldest first; the
// last point is the digest's month. A point is unknown when the analysis run
// wrote no value for it (a ratio with no denominator, a month the run does
// not cover).
type Series struct {
	Months []string
	Values []float64
	Known  []bool
}

func newSeries(months []string) Series {
	return Series{Months: months, Values: make([]float64, len(months)), Known: make([]bool, len(months))}
}

func (s *Series) set(i int, v float64) {
	s.Values[i] = v
	s.Known[i] = true
}

// at returns the value i months before the last one.
func (s Series) at(back int) (float64, bool) {
	i := len(s.Values) - 1 - back
	if i < 0 || i >= len(s.Values) || !s.Known[i] {
		return 0, false
	}
	return s.Values[i], true
}

// Current is the digest month's value.
func (s Series) Current() (float64, bool) { return s.at(0) }

// Previous is the previous month's value.
func (s Series) Previous() (float64, bool) { return s.at(1) }

// Average is the mean of the known values of the months before the digest's
// month (up to six); ok is false when none is known.
func (s Series) Average() (float64, bool) {
	sum, n := 0.0, 0
	for back := 1; back < len(s.Values); back++ {
		if v, ok := s.at(back); ok && !math.IsInf(v, 0) && !math.IsNaN(v) {
			sum += v
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	return sum / float64(n), true
}

// knownBefore is how many months before the digest's month are known (up
// to six): what Average averages.
func (s Series) knownBefore() int {
	n := 0
	for back := 1; back < len(s.Values); back++ {
		if v, ok := s.at(back); ok && !math.IsInf(v, 0) && !math.IsNaN(v) {
			n++
		}
	}
	return n
}

// monthsPhrase names the span Average covers: "the six months before", "the
// 2 months before", "the month before".
func (s Series) monthsPhrase() string {
	switch n := s.knownBefore(); {
	case n >= 6:
		return "the six months before"
	case n == 1:
		return "the month before"
	default:
		return fmt.Sprintf("the %d months before", n)
	}
}

// AnyKnown reports whether any point is known.
func (s Series) AnyKnown() bool {
	for _, k := range s.Known {
		if k {
			return true
		}
	}
	return false
}

// Max is the largest known finite value (0 when none).
func (s Series) Max() float64 {
	m := 0.0
	for i, v := range s.Values {
		if s.Known[i] && !math.IsInf(v, 0) && v > m {
			m = v
		}
	}
	return m
}

// Unit says how a value is formatted.
type Unit int

// Units.
const (
	UnitCount    Unit = iota // 12
	UnitDuration             // seconds: 3h 10m
	UnitRatio                // 0.8 = 80%
	UnitMoney                // 1,234
)

// formatValue formats a value in its unit.
func formatValue(v float64, u Unit) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case math.IsInf(v, 1):
		if u == UnitDuration {
			return "not yet reached"
		}
		return "∞"
	}
	switch u {
	case UnitDuration:
		return formatDuration(v)
	case UnitRatio:
		return formatPercent(v)
	case UnitMoney:
		return formatThousands(math.Round(v))
	default:
		// A count's average keeps a decimal while it is small ("11.7");
		// from 100 on the decimal is noise and the digits are grouped
		// like the counts beside it ("1,640", not "1639.5").
		if v == math.Trunc(v) || math.Abs(v) >= 99.95 {
			return formatThousands(math.Round(v))
		}
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
}

func formatOpt(v float64, ok bool, u Unit) string {
	if !ok {
		return "–"
	}
	return formatValue(v, u)
}

// formatDuration prints seconds with the two largest units: 45s, 12m, 3h 10m,
// 2d 4h.
func formatDuration(sec float64) string {
	if sec < 0 {
		return "-" + formatDuration(-sec)
	}
	s := int64(durationShown(sec))
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm", s/60)
	case s < 86400:
		if m := s % 3600 / 60; m != 0 {
			return fmt.Sprintf("%dh %dm", s/3600, m)
		}
		return fmt.Sprintf("%dh", s/3600)
	}
	if h := s % 86400 / 3600; h != 0 {
		return fmt.Sprintf("%dd %dh", s/86400, h)
	}
	return fmt.Sprintf("%dd", s/86400)
}

// durationShown is a duration in seconds rounded as formatDuration prints
// it: to the second under a minute, to the minute under a day, to the hour
// from a day on.
func durationShown(sec float64) float64 {
	if sec < 0 {
		return -durationShown(-sec)
	}
	s := math.Round(sec)
	switch {
	case s < 60:
		return s
	case s < 86400:
		return math.Round(s/60) * 60
	}
	return math.Round(s/3600) * 3600
}

// formatPercent prints a ratio as a percentage: whole numbers from 10%, one
// decimal below (0.4%).
func formatPercent(r float64) string {
	p := percentShown(r)
	if p != math.Trunc(p) {
		return strconv.FormatFloat(p, 'f', 1, 64) + "%"
	}
	return formatThousands(p) + "%"
}

// percentShown is a ratio in percent as formatPercent prints it.
func percentShown(r float64) float64 {
	p := r * 100
	if math.Abs(p) < 10 && p != math.Trunc(p) {
		return tenths(p)
	}
	return math.Round(p)
}

func formatThousands(v float64) string {
	neg := v < 0
	s := strconv.FormatFloat(math.Abs(v), 'f', 0, 64)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Direction says whether a rise is good, bad or neither.
type Direction int

// Directions.
const (
	Neutral        Direction = iota
	LowerIsBetter            // incidents, MTTR, overdue items
	HigherIsBetter           // coverage, completed items
)

// Change describes a value against a reference (the previous month or the
// six-month average).
type Change struct {
	Text  string // "+30%", "−2", "+5 pts", "no change", "" when unknown
	Class string // "better", "worse", "same" or "" (for styling)
	Arrow string // "▲", "▼" or "="
	// Verdict says whether a change from the month before is beyond
	// chance (see Change.judged): "no clear change", "beyond chance" or
	// "not tested"; "" for other comparisons.
	Verdict string
	// Interval is the tested ratio's 95% interval ("−12% to +55%").
	Interval string
	// why says why a change whose interval leaves out no change has no
	// clear change: "once all 104 comparisons are taken together".
	why string
}

// change compares cur against ref in the unit: ratios in percentage points,
// counts as differences, durations and money as relative changes. The
// difference is taken between the values as the digest prints them
// (shown), so that "no change" stands only between equal values and 64%
// against 53% reads +11 pts.
func change(cur, ref float64, curOK, refOK bool, u Unit, dir Direction) Change {
	if !curOK || !refOK || math.IsInf(cur, 0) || math.IsInf(ref, 0) || math.IsNaN(cur) || math.IsNaN(ref) {
		return Change{}
	}
	if formatValue(cur, u) == formatValue(ref, u) {
		return Change{Text: "no change", Class: "same", Arrow: "="}
	}
	c, r := shown(cur, u), shown(ref, u)
	diff := c - r
	var text string
	switch u {
	case UnitRatio:
		text = signedTenths(diff) + " pts"
	case UnitDuration, UnitMoney:
		// The percentage of the exact values, as "Is the change real?"
		// gives it: of the rounded ones, 562 s against 587 s ("9m" and
		// "10m") read −10% beside its −4%.
		if r == 0 || ref == 0 {
			text = "+" + formatValue(cur, u)
		} else {
			text = signedPercent((cur - ref) / math.Abs(ref) * 100)
		}
	default:
		text = signedTenths(diff)
	}
	ch := Change{Text: text, Arrow: "▲"}
	if diff < 0 {
		ch.Arrow = "▼"
	}
	switch {
	case dir == LowerIsBetter && diff < 0, dir == HigherIsBetter && diff > 0:
		ch.Class = "better"
	case dir == Neutral:
		ch.Class = "same"
	default:
		ch.Class = "worse"
	}
	return ch
}

// shown is a finite value as formatValue prints it: a ratio in percent
// (71, 6.9), a duration in seconds rounded to its two largest units, a
// count or an amount of money rounded as printed.
func shown(v float64, u Unit) float64 {
	switch u {
	case UnitRatio:
		return percentShown(v)
	case UnitDuration:
		return durationShown(v)
	case UnitMoney:
		return math.Round(v)
	default:
		if v == math.Trunc(v) || math.Abs(v) >= 99.95 {
			return math.Round(v)
		}
		return tenths(v)
	}
}

// tenths rounds v to one decimal as strconv prints it.
func tenths(v float64) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 1, 64), 64)
	if err != nil {
		return math.Round(v*10) / 10
	}
	return r
}

// signedTenths prints a difference of shown values: whole, or with one
// decimal ("+2", "−0.3").
func signedTenths(v float64) string {
	v = tenths(v)
	if v == math.Trunc(v) {
		return signed(v)
	}
	return signedFloat(v)
}

// signedPercent prints a relative change, whole from 1% ("+30%"), with one
// decimal below ("+0.4%"), and as "+<0.1%" when smaller still (the values
// shown differ all the same).
func signedPercent(p float64) string {
	switch a := math.Abs(p); {
	case math.Round(a) >= 1:
		return signed(math.Round(p)) + "%"
	case tenths(a) >= 0.1:
		return signedFloat(tenths(p)) + "%"
	case p < 0:
		return "−<0.1%"
	}
	return "+<0.1%"
}

func signed(v float64) string {
	if v > 0 {
		return "+" + formatThousands(v)
	}
	if v < 0 {
		return "−" + formatThousands(-v)
	}
	return "0"
}

func signedFloat(v float64) string {
	s := strconv.FormatFloat(math.Abs(v), 'f', 1, 64)
	if v < 0 {
		return "−" + s
	}
	return "+" + s
}

// monthName renders "2026-10" as "October 2026".
func monthName(m string) string {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return m
	}
	return t.Format("January 2006")
}

// shortMonth renders "2026-10" as "Oct".
func shortMonth(m string) string {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return m
	}
	return t.Format("Jan")
}

// addMonths shifts a "YYYY-MM" month.
func addMonths(m string, n int) string {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return ""
	}
	return t.AddDate(0, n, 0).Format("2006-01")
}

// quoted puts a label or a quotation in curly double quotes, once (see
// unquote).
func quoted(s string) string { return "“" + unquote(s) + "”" }

// unquote drops the one pair of double quotes that wraps a whole text ("…"
// or “…”, as a postmortem author may quote a lesson), so that the digest's
// own quotes are not doubled. A text clipped before its closing quote (it
// ends in "…") loses its opening one. Quotes inside the text stay.
func unquote(s string) string {
	s = strings.TrimSpace(s)
	for _, q := range [][2]string{{"“", "”"}, {`"`, `"`}} {
		inner, ok := strings.CutPrefix(s, q[0])
		if !ok {
			continue
		}
		if in, ok := strings.CutSuffix(inner, q[1]); ok {
			inner = in
		} else if !strings.HasSuffix(inner, "…") {
			return s
		}
		if strings.ContainsAny(inner, "“”\"") {
			return s
		}
		return strings.TrimSpace(inner)
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return formatThousands(float64(n)) + " " + many
}

// dismissedLine says how many of the month's language findings the teams
// dismissed.
func dismissedLine(n int) string {
	if n == 1 {
		return "1 finding this month was dismissed by the team that reviewed it (the dismiss label on its Jira issue) and is not counted above."
	}
	return plural(n, "finding", "findings") + " this month were dismissed by the teams that reviewed them (the dismiss label on their Jira issues) and are not counted above."
}
