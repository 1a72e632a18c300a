package jira

import (
	"strings"
	"time"
)

// jqlTimeLayout is the minute-precision layout of JQL date values.
const jqlTimeLayout = "2006-01-02 15:04"

// jqlTime formats the instant t as a JQL date value for a user in loc.
//
// Jira reads `updated >= "yyyy-MM-dd HH:mm"` as a wall-clock time in the
// searching user's time zone, not in UTC: a bound formatted in UTC for a user
// at UTC−8 lands eight hours late and silently skips every issue updated in
// between. The value is the wall time of t in loc, floored to the minute, so
// it never lies after t. Around a daylight-saving change a wall time can
// denote two instants; whichever one Jira picks, the value returned here
// denotes none later than t.
func jqlTime(t time.Time, loc *time.Location) string {
	for i := 0; i < 4; i++ {
		s := t.In(loc).Format(jqlTimeLayout)
		latest := latestReading(s, loc)
		if !latest.After(t) {
			return s
		}
		t = t.Add(-latest.Sub(t))
	}
	// Unreachable for real zones; step back a day to be safe.
	return t.Add(-24 * time.Hour).In(loc).Format(jqlTimeLayout)
}

// latestReading is the latest instant the wall time s can denote in loc.
func latestReading(s string, loc *time.Location) time.Time {
	wall, err := time.ParseInLocation(jqlTimeLayout, s, time.UTC)
	if err != nil {
		return time.Time{}
	}
	var latest time.Time
	for _, probe := range []time.Duration{-36 * time.Hour, -12 * time.Hour, 0, 12 * time.Hour, 36 * time.Hour} {
		_, off := wall.Add(probe).In(loc).Zone()
		cand := wall.Add(-time.Duration(off) * time.Second)
		if _, o := cand.In(loc).Zone(); o == off && cand.After(latest) {
			latest = cand
		}
	}
	return latest
}

// searchJQL is the query of one sync: the configured JQL (its own ORDER BY
// removed) restricted to issues updated at or after since when since is not
// zero, ordered by updated so that a sync can advance its checkpoint page by
// page.
func searchJQL(base string, since time.Time, loc *time.Location) string {
	q := strings.TrimSpace(stripOrderBy(base))
	if !since.IsZero() {
		bound := `updated >= "` + jqlTime(since, loc) + `"`
		if q == "" {
			q = bound
		} else {
			q = "(" + q + ") AND " + bound
		}
	}
	return q + " ORDER BY updated ASC, key ASC"
}

// stripOrderBy removes a trailing ORDER BY clause outside quoted strings.
func stripOrderBy(q string) string {
	inQuote := byte(0)
	cut := -1
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case inQuote != 0:
			if c == '\\' {
				i++
			} else if c == inQuote {
				inQuote = 0
			}
		case c == '"' || c == '\'':
			inQuote = c
		case (c == 'o' || c == 'O') && (i == 0 || isSpace(q[i-1]) || q[i-1] == ')') && hasOrderBy(q[i:]):
			cut = i
		}
	}
	if cut < 0 {
		return q
	}
	return q[:cut]
}

func hasOrderBy(s string) bool {
	if len(s) < 5 || !strings.EqualFold(s[:5], "order") {
		return false
	}
	rest := s[5:]
	if len(rest) == 0 || !isSpace(rest[0]) {
		return false
	}
	rest = strings.TrimLeft(rest, " \t\r\n")
	return len(rest) >= 2 && strings.EqualFold(rest[:2], "by") && (len(rest) == 2 || isSpace(rest[2]))
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
