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
	d := time.Duration(math.Round(sec)) * time.Second
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		m := int(math.Round(float64(d) / float64(time.Minute)))
		if m == 60 {
			return "1h"
		}
		return fmt.Sprintf("%dm", m)
	case d < 24*time.Hour:
		h, m := int(d/time.Hour), int(math.Round(float64(d%time.Hour)/float64(time.Minute)))
		if m == 60 {
			h, m = h+1, 0
		}
		if h == 24 {
			return "1d"
		}
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh %dm", h, m)
	default:
		days, h := int(d/(24*time.Hour)), int(math.Round(float64(d%(24*time.Hour))/float64(time.Hour)))
		if h == 24 {
			days, h = days+1, 0
		}
		if h == 0 {
			return fmt.Sprintf("%dd", days)
		}
		return fmt.Sprintf("%dd %dh", days, h)
	}
}

// formatPercent prints a ratio as a percentage: whole numbers from 10%, one
// decimal below (0.4%).
func formatPercent(r float64) string {
	p := r * 100
	if math.Abs(p) < 10 && p != math.Trunc(p) {
		s := strconv.FormatFloat(p, 'f', 1, 64)
		s = strings.TrimSuffix(s, ".0")
		return s + "%"
	}
	return formatThousands(math.Round(p)) + "%"
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
}

// change compares cur against ref in the unit: ratios in percentage points,
// counts as differences, durations as relative changes.
func change(cur, ref float64, curOK, refOK bool, u Unit, dir Direction) Change {
	if !curOK || !refOK || math.IsInf(cur, 0) || math.IsInf(ref, 0) || math.IsNaN(cur) || math.IsNaN(ref) {
		return Change{}
	}
	diff := cur - ref
	var text string
	var same bool
	switch u {
	case UnitRatio:
		pts := math.Round(diff * 100)
		same = pts == 0
		text = signed(pts) + " pts"
	case UnitDuration, UnitMoney:
		if ref == 0 {
			same = cur == 0
			text = "+" + formatValue(cur, u)
		} else {
			pct := math.Round(diff / ref * 100)
			same = pct == 0
			text = signed(pct) + "%"
		}
	default:
		r := math.Round(diff*10) / 10
		same = r == 0
		if r == math.Trunc(r) {
			text = signed(r)
		} else {
			text = signedFloat(r)
		}
	}
	if same {
		return Change{Text: "no change", Class: "same", Arrow: "="}
	}
	c := Change{Text: text, Arrow: "▲"}
	if diff < 0 {
		c.Arrow = "▼"
	}
	switch {
	case dir == LowerIsBetter && diff < 0, dir == HigherIsBetter && diff > 0:
		c.Class = "better"
	case dir == Neutral:
		c.Class = "same"
	default:
		c.Class = "worse"
	}
	return c
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
