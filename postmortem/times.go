package postmortem

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// stamp is a date and/or time of day read from the start of a timeline row.
type stamp struct {
	hasDate, hasTime bool
	year, day        int
	month            time.Month
	hour, min, sec   int
	loc              *time.Location // nil when no zone was written
}

var (
	reStampISO = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})(?:(?:T|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?`)
	// "Jan 2, 2024", "January 2nd 2024", "Tue, Jan 2 2024 10:04".
	reStampMonthFirst = regexp.MustCompile(`(?i)^(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?:,?\s+(?:at\s+)?(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([ap])\.?m\.?)?)?`)
	// "2 January 2024", "Tuesday 2 Jan 2024 10:04".
	reStampDayFirst = regexp.MustCompile(`(?i)^(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?(\d{1,2})(?:st|nd|rd|th)?\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s+(\d{4})(?:,?\s+(?:at\s+)?(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([ap])\.?m\.?)?)?`)
	// "3/18/2021 23:00": month first unless the first number cannot be a month.
	reStampSlash = regexp.MustCompile(`(?i)^(\d{1,2})/(\d{1,2})/(\d{4})(?:,?(?:\s+|T)(?:at\s+)?(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([ap])\.?m\.?)?)?`)
	reStampClock = regexp.MustCompile(`(?i)^(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([ap])\.?m\.?)?`)
	reStampZone  = regexp.MustCompile(`^\s*\(?(Z|UTC|GMT|(?:UTC|GMT)?[+-]\d{1,2}(?::?\d{2})?|[A-Z]{2,5})\)?`)
)

var months = map[string]time.Month{
	"jan": time.January, "feb": time.February, "mar": time.March, "apr": time.April,
	"may": time.May, "jun": time.June, "jul": time.July, "aug": time.August,
	"sep": time.September, "oct": time.October, "nov": time.November, "dec": time.December,
}

// zoneOffsets are the zone abbreviations the parser trusts; others are not
// read as zones (an upper-case word after a time is more often the text).
var zoneOffsets = map[string]int{
	"Z": 0, "UTC": 0, "GMT": 0, "WET": 0,
	"BST": 1, "CET": 1, "WEST": 1, "CEST": 2, "EET": 2, "EEST": 3, "MSK": 3,
	"IST": 5*60 + 30, "SGT": 8, "HKT": 8, "JST": 9, "KST": 9,
	"AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13,
	"HST": -10, "AKST": -9, "AKDT": -8, "PST": -8, "PDT": -7, "MST": -7, "MDT": -6,
	"CST": -6, "CDT": -5, "EST": -5, "EDT": -4,
}

// parseStamp reads a date and/or time at the start of s. It returns the
// stamp, the stamp as written and the text after it (separators " - ", ": ",
// "|" removed). ok is false when s does not start with one.
func parseStamp(s string) (st stamp, raw, rest string, ok bool) {
	src := s
	s = strings.TrimLeft(s, " \t")
	lead := len(src) - len(s)
	bracket := byte(0)
	if len(s) > 0 && (s[0] == '[' || s[0] == '(') {
		bracket = ']'
		if s[0] == '(' {
			bracket = ')'
		}
		s = s[1:]
		lead++
	}
	n := 0
	if m := reStampISO.FindStringSubmatch(s); m != nil {
		st.hasDate = true
		st.year, _ = strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		st.month = time.Month(mo)
		st.day, _ = strconv.Atoi(m[3])
		if m[4] != "" {
			st.hasTime = true
			st.hour, _ = strconv.Atoi(m[4])
			st.min, _ = strconv.Atoi(m[5])
			st.sec, _ = strconv.Atoi(m[6])
		}
		n = len(m[0])
	} else if m, dayFirst := monthNameStamp(s); m != nil {
		dayIdx, monIdx := 2, 1
		if dayFirst {
			dayIdx, monIdx = 1, 2
		}
		st.hasDate = true
		st.month = months[strings.ToLower(m[monIdx][:3])]
		st.day, _ = strconv.Atoi(m[dayIdx])
		st.year, _ = strconv.Atoi(m[3])
		if m[4] != "" {
			st.hasTime = true
			st.hour, _ = strconv.Atoi(m[4])
			st.min, _ = strconv.Atoi(m[5])
			st.sec, _ = strconv.Atoi(m[6])
			if !applyMeridiem(&st, m[7]) {
				return stamp{}, "", src, false
			}
		}
		n = len(m[0])
	} else if m := reStampSlash.FindStringSubmatch(s); m != nil {
		a, _ := strconv.Atoi(m[1])
		b, _ := strconv.Atoi(m[2])
		if a > 12 {
			a, b = b, a
		}
		st.hasDate = true
		st.month, st.day = time.Month(a), b
		st.year, _ = strconv.Atoi(m[3])
		if m[4] != "" {
			st.hasTime = true
			st.hour, _ = strconv.Atoi(m[4])
			st.min, _ = strconv.Atoi(m[5])
			st.sec, _ = strconv.Atoi(m[6])
			if !applyMeridiem(&st, m[7]) {
				return stamp{}, "", src, false
			}
		}
		n = len(m[0])
	} else if m := reStampClock.FindStringSubmatch(s); m != nil {
		st.hasTime = true
		st.hour, _ = strconv.Atoi(m[1])
		st.min, _ = strconv.Atoi(m[2])
		st.sec, _ = strconv.Atoi(m[3])
		if !applyMeridiem(&st, m[4]) {
			return stamp{}, "", src, false
		}
		n = len(m[0])
	} else {
		return stamp{}, "", src, false
	}
	if st.hasTime {
		if z := reStampZone.FindStringSubmatch(s[n:]); z != nil {
			if loc, ok := zoneLocation(z[1]); ok {
				st.loc = loc
				n += len(z[0])
			}
		}
	}
	if !st.valid() {
		return stamp{}, "", src, false
	}
	after := s[n:]
	if bracket != 0 {
		if !strings.HasPrefix(strings.TrimLeft(after, " "), string(bracket)) {
			return stamp{}, "", src, false
		}
		after = strings.TrimLeft(after, " ")[1:]
		n = len(s) - len(after)
	}
	// The stamp must end at a word boundary: "10:045" or "10:04pmX" is not one.
	if after != "" && !strings.ContainsAny(after[:1], " \t-–—:|,;.)]") && after[0] < 0x80 {
		return stamp{}, "", src, false
	}
	raw = strings.TrimSpace(src[:lead+n])
	if bracket != 0 {
		raw = strings.TrimSpace(src[lead-1 : lead+n])
	}
	rest = strings.TrimLeft(after, " \t-–—:|,;.")
	return st, raw, strings.TrimSpace(rest), true
}

func monthNameStamp(s string) ([]string, bool) {
	if m := reStampMonthFirst.FindStringSubmatch(s); m != nil {
		return m, false
	}
	if m := reStampDayFirst.FindStringSubmatch(s); m != nil {
		return m, true
	}
	return nil, false
}

func applyMeridiem(st *stamp, ampm string) bool {
	switch strings.ToLower(ampm) {
	case "":
		return true
	case "a":
		if st.hour < 1 || st.hour > 12 {
			return false
		}
		if st.hour == 12 {
			st.hour = 0
		}
	case "p":
		if st.hour < 1 || st.hour > 12 {
			return false
		}
		if st.hour != 12 {
			st.hour += 12
		}
	}
	return true
}

func (st stamp) valid() bool {
	if st.hasTime && (st.hour > 23 || st.min > 59 || st.sec > 59) {
		return false
	}
	if st.hasDate {
		if st.month < 1 || st.month > 12 || st.day < 1 || st.year < 1900 || st.year > 2200 {
			return false
		}
		t := time.Date(st.year, st.month, st.day, 0, 0, 0, 0, time.UTC)
		if t.Day() != st.day { // Feb 31
			return false
		}
	}
	return true
}

func zoneLocation(z string) (*time.Location, bool) {
	if off, ok := zoneOffsets[z]; ok {
		secs := off * 3600
		if z == "IST" {
			secs = off * 60
		}
		return time.FixedZone(z, secs), true
	}
	s := strings.TrimPrefix(strings.TrimPrefix(z, "UTC"), "GMT")
	if s == "" || (s[0] != '+' && s[0] != '-') {
		return nil, false
	}
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	s = strings.ReplaceAll(s[1:], ":", "")
	var h, m int
	switch len(s) {
	case 1, 2:
		h, _ = strconv.Atoi(s)
	case 3, 4:
		h, _ = strconv.Atoi(s[:len(s)-2])
		m, _ = strconv.Atoi(s[len(s)-2:])
	default:
		return nil, false
	}
	if h > 14 || m > 59 {
		return nil, false
	}
	return time.FixedZone(z, sign*(h*3600+m*60)), true
}

// stampClock resolves the stamps of one timeline: a row with only a time of
// day takes the date of the row before it (the next day when the clock went
// backwards), and a row without a zone takes the zone last written, else UTC.
type stampClock struct {
	haveDate bool
	year     int
	month    time.Month
	day      int
	loc      *time.Location
	last     time.Time
}

func (c *stampClock) resolve(st stamp) time.Time {
	if st.loc != nil {
		c.loc = st.loc
	}
	loc := c.loc
	if loc == nil {
		loc = time.UTC
	}
	var at time.Time
	switch {
	case st.hasDate:
		c.haveDate, c.year, c.month, c.day = true, st.year, st.month, st.day
		at = time.Date(st.year, st.month, st.day, st.hour, st.min, st.sec, 0, loc)
	case st.hasTime && c.haveDate:
		at = time.Date(c.year, c.month, c.day, st.hour, st.min, st.sec, 0, loc)
		if !c.last.IsZero() && at.Before(c.last) {
			at = at.AddDate(0, 0, 1)
			c.year, c.month, c.day = at.Date()
		}
	default:
		return time.Time{}
	}
	c.last = at
	return at.UTC()
}

// formatStamp writes a time the way the renderers write timeline rows that
// have no Time as written.
func formatStamp(t time.Time) string {
	t = t.UTC()
	if t.Second() != 0 {
		return t.Format("2006-01-02 15:04:05") + " UTC"
	}
	return t.Format("2006-01-02 15:04") + " UTC"
}

// durationUnits maps unit words to their length, longest spelling first so
// "minutes" is not read as "m".
var durationUnits = []struct {
	word string
	d    time.Duration
}{
	{"minutes", time.Minute}, {"seconds", time.Second}, {"minute", time.Minute}, {"second", time.Second},
	{"hours", time.Hour}, {"hour", time.Hour}, {"days", 24 * time.Hour}, {"mins", time.Minute},
	{"secs", time.Second}, {"hrs", time.Hour}, {"min", time.Minute}, {"sec", time.Second},
	{"day", 24 * time.Hour}, {"hr", time.Hour}, {"h", time.Hour}, {"m", time.Minute},
	{"s", time.Second}, {"d", 24 * time.Hour},
}

var reDurationNumber = regexp.MustCompile(`^(\d{1,6}(?:\.\d{1,3})?|an?|one|two|three|four|five|ten|fifteen|twenty|thirty|forty|fifty|sixty|ninety)`)

var numberWords = map[string]float64{
	"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "ten": 10, "fifteen": 15,
	"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90,
}

// maxStatedDuration bounds the durations parseDurationPrefix accepts.
const maxStatedDuration = 366 * 24 * time.Hour

// parseDurationPrefix reads a duration at the start of lower-case s: "12
// minutes", "1h05m", "1 hour 5 minutes", "1.5 hours", "an hour", "2 hours and
// 10 minutes". It returns 0 when s does not start with one.
func parseDurationPrefix(s string) time.Duration {
	var total time.Duration
	for {
		t := strings.TrimLeft(s, " \t")
		if total > 0 {
			t = strings.TrimLeft(strings.TrimPrefix(strings.TrimLeft(strings.TrimPrefix(t, ","), " "), "and"), " ")
		}
		m := reDurationNumber.FindString(t)
		if m == "" || (m[0] > '9' && len(t) > len(m) && isASCIILetter(t[len(m)])) {
			return total // no number, or a word that merely starts like one ("and")
		}
		var n float64
		if v, ok := numberWords[m]; ok {
			n = v
		} else {
			n, _ = strconv.ParseFloat(m, 64)
		}
		u := strings.TrimLeft(t[len(m):], " ")
		var unit time.Duration
		for _, du := range durationUnits {
			if strings.HasPrefix(u, du.word) && (len(u) == len(du.word) || !isASCIILetter(u[len(du.word)])) {
				unit = du.d
				u = u[len(du.word):]
				break
			}
		}
		if unit == 0 {
			return total
		}
		if n*float64(unit) > float64(maxStatedDuration) {
			return 0 // not a plausible time to detect; and float overflow
		}
		total += time.Duration(n * float64(unit))
		if total > maxStatedDuration {
			return 0
		}
		s = u
	}
}

func isASCIILetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

var (
	reTTDLabel  = regexp.MustCompile(`(?:time[ -]to[ -](?:detect(?:ion)?|discovery|notice)|\bm?ttd\b|\bdetection time\b|\btime until detection\b)\s*(?:\([^)]{0,20}\))?\s*(?:[:=\-–—]|\bwas\b|\bwere\b|\bof\b|\bis\b)?\s*` + durationHedge)
	reTTDPhrase = regexp.MustCompile(`\b(?:detected|noticed|discovered|alerted)\s+(?:only\s+)?(?:after|within|in)\s+` + durationHedge)
	reTTDTook   = regexp.MustCompile(`\btook\s+(?:us\s+|the team\s+|them\s+|on-call\s+)?` + durationHedge)
	reTTDTookTo = regexp.MustCompile(`^\s*(?:for \S+\s+)?to\s+(?:detect|notice|discover)`)
)

// ttdLabelWords are substrings every reTTDLabel match contains.
var ttdLabelWords = []string{"time to ", "time-to-", "ttd", "detection time", "time until detection"}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

const durationHedge = `(?:(?:about|approximately|approx\.?|around|roughly|~|nearly|just|almost|over|under|less than|more than)\s*)?`

// timeToDetect finds a stated time to detect in text: "Time to detect: 12
// minutes", "TTD: 1h05m", "detected after 25 minutes", "it took 40 minutes to
// detect". labelOnly restricts it to the explicit "time to detect"/"TTD" form.
func timeToDetect(text string, labelOnly bool) time.Duration {
	lower := strings.ToLower(text)
	// The substring checks skip the regular expressions for the many texts
	// that cannot match them.
	if containsAny(lower, ttdLabelWords) {
		for _, m := range reTTDLabel.FindAllStringIndex(lower, -1) {
			if d := parseDurationPrefix(lower[m[1]:]); d > 0 {
				return d
			}
		}
	}
	if labelOnly {
		return 0
	}
	for _, m := range reTTDPhrase.FindAllStringIndex(lower, -1) {
		if d := parseDurationPrefix(lower[m[1]:]); d > 0 {
			return d
		}
	}
	if !strings.Contains(lower, "took") {
		return 0
	}
	for _, m := range reTTDTook.FindAllStringIndex(lower, -1) {
		rest := lower[m[1]:]
		d := parseDurationPrefix(rest)
		if d <= 0 {
			continue
		}
		// Find where the duration ended: the first "to detect" after it.
		if k := strings.Index(rest, " to "); k >= 0 && k < 40 && reTTDTookTo.MatchString(rest[k:]) {
			return d
		}
	}
	return 0
}

// formatDuration writes d as the renderers state a time to detect: "12
// minutes", "1 hour 5 minutes", "45 seconds".
func formatDuration(d time.Duration) string {
	d = d.Round(time.Second)
	if d <= 0 {
		return "0 minutes"
	}
	h := int64(d / time.Hour)
	m := int64(d % time.Hour / time.Minute)
	s := int64(d % time.Minute / time.Second)
	var parts []string
	add := func(n int64, unit string) {
		if n == 0 {
			return
		}
		p := strconv.FormatInt(n, 10) + " " + unit
		if n != 1 {
			p += "s"
		}
		parts = append(parts, p)
	}
	add(h, "hour")
	add(m, "minute")
	add(s, "second")
	return strings.Join(parts, " ")
}
