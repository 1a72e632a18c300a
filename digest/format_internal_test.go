package digest

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFormatDuration(t *testing.T) {
	for _, tc := range []struct {
		sec  float64
		want string
	}{
		{0, "0s"}, {45, "45s"}, {59.6, "1m"}, {720, "12m"}, {3599, "1h"}, {3600, "1h"}, {11400, "3h 10m"},
		{86399, "1d"}, {86400, "1d"}, {4*86400 + 7200, "4d 2h"}, {7 * 86400, "7d"}, {-90, "-2m"},
	} {
		require.Equal(t, tc.want, formatDuration(tc.sec), "%v", tc.sec)
	}
	require.Equal(t, "not yet reached", formatValue(math.Inf(1), UnitDuration))
	require.Equal(t, "–", formatValue(math.NaN(), UnitCount))
}

func TestFormatPercentAndCounts(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		u    Unit
		want string
	}{
		{0.714, UnitRatio, "71%"}, {0.004, UnitRatio, "0.4%"}, {0.069, UnitRatio, "6.9%"}, {2, UnitRatio, "200%"},
		{1234567, UnitCount, "1,234,567"}, {2.26, UnitCount, "2.3"}, {14880.4, UnitMoney, "14,880"},
		{99.94, UnitCount, "99.9"}, {99.96, UnitCount, "100"}, {427.2, UnitCount, "427"}, {1639.5, UnitCount, "1,640"}, {-1639.5, UnitCount, "-1,640"},
	} {
		require.Equal(t, tc.want, formatValue(tc.v, tc.u), "%v", tc.v)
	}
}

func TestChange(t *testing.T) {
	for _, tc := range []struct {
		name         string
		cur, ref     float64
		u            Unit
		dir          Direction
		text, class  string
		curOK, refOK bool
	}{
		{"duration rise is worse", 11400, 8770, UnitDuration, LowerIsBetter, "+30%", "worse", true, true},
		{"count fall is better", 2, 4, UnitCount, LowerIsBetter, "−2", "better", true, true},
		{"ratio in points", 0.714, 1, UnitRatio, HigherIsBetter, "−29 pts", "worse", true, true},
		{"same", 7, 7, UnitCount, LowerIsBetter, "no change", "same", true, true},
		{"neutral", 35, 18, UnitCount, Neutral, "+17", "same", true, true},
		{"from zero duration", 60, 0, UnitDuration, LowerIsBetter, "+1m", "worse", true, true},
		{"unknown reference", 3, 0, UnitCount, LowerIsBetter, "", "", true, false},
		{"infinite", math.Inf(1), 3, UnitDuration, LowerIsBetter, "", "", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := change(tc.cur, tc.ref, tc.curOK, tc.refOK, tc.u, tc.dir)
			require.Equal(t, tc.text, c.Text)
			require.Equal(t, tc.class, c.Class)
		})
	}
}

func series(vals ...float64) Series {
	s := newSeries(make([]string, len(vals)))
	for i, v := range vals {
		if !math.IsNaN(v) {
			s.set(i, v)
		}
	}
	return s
}

func TestSeriesAverageSkipsUnknownMonths(t *testing.T) {
	s := series(math.NaN(), 2, 4, math.NaN(), 6, 8, 100)
	avg, ok := s.Average()
	require.True(t, ok)
	require.Equal(t, 5.0, avg, "the six months before the last, unknown ones left out")
	_, ok = series(math.NaN(), 1).Average()
	require.False(t, ok)
}

func sevSection(s1, p1, s2, p2, total, prevTotal float64) IncidentSection {
	months := []string{"2026-09", "2026-10"}
	mk := func(name string, prev, cur float64) Measure {
		s := newSeries(months)
		s.set(0, prev)
		s.set(1, cur)
		return Measure{Name: name, Unit: UnitCount, Series: s}
	}
	return IncidentSection{BySeverity: []Measure{mk("SEV1", p1, s1), mk("SEV2", p2, s2)}, Total: mk("Incidents", prevTotal, total)}
}

func TestIncidentSummary(t *testing.T) {
	// verdictsOf answers for the incident counts compared, none by default.
	verdictsOf := func(rows ...ChangeRow) verdicts {
		return func(measure, sev, stat string) (ChangeRow, bool) {
			for _, r := range rows {
				if r.Measure == measure && r.Severity == sev && r.Stat == stat {
					return r, true
				}
			}
			return ChangeRow{}, false
		}
	}
	count := func(sev string, ratio float64, verdict int) ChangeRow {
		return ChangeRow{Measure: analyzeMeasureIncidents, Stat: analyzeStatRate, Severity: sev, Ratio: ratio, Lower: ratio / 2, Upper: ratio * 2, Verdict: verdict}
	}
	quiet := verdictsOf(count("SEV1", 0.5, 0), count("SEV2", 1.7, 0), count("", 1.1, 0))
	for _, tc := range []struct {
		name string
		sec  IncidentSection
		v    verdicts
		want string
	}{
		{"moves, not compared", sevSection(2, 4, 5, 3, 19, 17), nil, "2 SEV1s, 5 SEV2s and 19 incidents in all, against 4, 3 and 17 the month before."},
		{"moves within noise", sevSection(2, 4, 5, 3, 19, 17), quiet, "2 SEV1s, 5 SEV2s and 19 incidents in all, against 4, 3 and 17 the month before: no clear change."},
		{"a real rise", sevSection(2, 4, 15, 3, 40, 17), verdictsOf(count("SEV1", 0.5, 0), count("SEV2", 5, 1), count("", 2.35, 1)),
			"2 SEV1s, 15 SEV2s and 40 incidents in all, against 4, 3 and 17 the month before: SEV2s rose (×5.0 per day) and all incidents rose (×2.4 per day) beyond chance."},
		{"no major incidents", sevSection(0, 1, 0, 2, 12, 15), quiet, "No SEV1 or SEV2 incidents this month (3 the month before); 12 incidents in all, against 15 the month before: no clear change."},
		{"nothing at all", sevSection(0, 0, 0, 0, 0, 4), nil, "No incidents this month (4 the month before)."},
		{"quiet twice", sevSection(0, 0, 0, 0, 0, 0), nil, "No incidents this month."},
		{"held", sevSection(1, 1, 0, 0, 1, 1), nil, "1 SEV1, 0 SEV2s and 1 incident in all, against 1, 0 and 1 the month before."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, incidentSummary(tc.sec, tc.v))
		})
	}
	require.Equal(t, "No SEV1 or SEV2 incidents this month.", incidentSentence(sevSection(0, 1, 0, 2, 12, 15)))
}

func TestChangeTexts(t *testing.T) {
	r := ChangeRow{Measure: analyzeMeasureMTTR, Stat: "p90", Ratio: 1.3, Lower: 1.12, Upper: 1.55, Verdict: 1, After: 11400, HasAfter: true}
	require.Equal(t, "+30%", r.ChangeText())
	require.Equal(t, "+12% to +55%", r.IntervalText())
	require.Equal(t, "MTTR p90 rose 30% to 3h 10m (95% interval +12% to +55%)", durationMove("MTTR p90", r))
	r = ChangeRow{Measure: analyzeMeasureMTTR, Stat: "p90", Team: "billing", Ratio: 3.68, Lower: 1.74, Upper: 12.86, Verdict: 1, After: 33120, HasAfter: true}
	require.Equal(t, "×3.7", r.ChangeText())
	require.Equal(t, "×1.7 to ×13", r.IntervalText())
	require.Equal(t, "MTTR p90 of billing rose 3.7-fold to 9h 12m (95% interval ×1.7 to ×13)", clearMove(r))
	r = ChangeRow{Ratio: 0.6, Lower: 0.45, Upper: 0.8, Verdict: -1}
	require.Equal(t, "−40%", r.ChangeText())
	require.Equal(t, "−55% to −20%", r.IntervalText())
	require.Equal(t, "real fall", r.Reading())
	require.Equal(t, "no clear change", ChangeRow{Ratio: 1.2}.Reading())
	require.Equal(t, "from none", ChangeRow{Ratio: math.Inf(1)}.ChangeText())
	// Counts are compared per day: fewer incidents in a shorter month can
	// be more a day.
	require.Equal(t, "+1% per day", ChangeRow{Measure: analyzeMeasureIncidents, Stat: analyzeStatRate, Ratio: (1723.0 / 30) / (1757.0 / 31)}.ChangeText())
	require.Equal(t, "from none", ChangeRow{Measure: analyzeMeasureIncidents, Stat: analyzeStatRate, Ratio: math.Inf(1)}.ChangeText())
}

func TestNiceTicks(t *testing.T) {
	require.Equal(t, []float64{0, 5, 10, 15, 20}, niceTicks(19, UnitCount))
	require.Equal(t, []float64{0, 1}, niceTicks(0, UnitCount))
	require.Equal(t, []float64{0, 1}, niceTicks(0.3, UnitCount), "counts step by whole numbers")
	require.Equal(t, []float64{0, 3600, 7200, 10800, 14400}, niceTicks(11400, UnitDuration))
}

func TestSparkText(t *testing.T) {
	require.Equal(t, "·▁▅█", sparkText(series(math.NaN(), 0, 5, 10)))
	require.Equal(t, "▁▁", sparkText(series(0, 0)))
}

func TestClip(t *testing.T) {
	require.Equal(t, "short", clip("  short ", 10))
	require.Equal(t, "a config change…", clip("a config change was deployed", 18))
	require.Equal(t, "ééé…", clip("éééééééééé", 7), "never cuts a rune in half")
}

func TestMarkdownEscaping(t *testing.T) {
	require.Equal(t, `&lt;script&gt; \*a\* \_b\_ \[c\](d) \| e \#f`, md("<script> *a* _b_ [c](d) | e #f"))
	require.Equal(t, "line one line two", md("line one\nline two"))
	require.Equal(t, "text", mdLink("text", "javascript:alert(1)"))
	require.Equal(t, "[x](https://e.example/a%28b%29%20c)", mdLink("x", "https://e.example/a(b) c"))
}

func TestOwnerSentence(t *testing.T) {
	require.Empty(t, ActionSection{}.OwnerSentence())
	require.Equal(t, "Open items with an owner are all held by one person.", ActionSection{HasOwners: true, Owners: 1, BusiestShare: 1}.OwnerSentence())
	require.Equal(t, "Open items with an owner are held by 7 people; the busiest one holds 40%.", ActionSection{HasOwners: true, Owners: 7, BusiestShare: 0.4}.OwnerSentence())
	require.Equal(t, "Open items with an owner are held by 142 people; the busiest tenth of them hold 38%.", ActionSection{HasOwners: true, Owners: 142, BusiestShare: 0.38}.OwnerSentence())
}

func TestFixSentenceQuotesThemeLabels(t *testing.T) {
	held := FixRow{Name: "load beyond capacity: retries, requests", Held: 3, HasRatio: true, Ratio: 0.2, Lower: 0.1, Upper: 0.5}
	unclear := FixRow{Name: "bad data", Held: 1, Failed: 2, HasRatio: true, Ratio: 1, Lower: 0.5, Upper: 2}
	s := FixSection{All: FixRow{Held: 4, Failed: 2, Open: 1}, ByTheme: []FixRow{held, unclear}}
	require.Contains(t, s.Sentence(), "cut the repeat rate beyond chance for “load beyond capacity: retries, requests”, but made no clear difference for “bad data”.")
	s.All = FixRow{Held: 1200, Failed: 34, Open: 5678}
	require.Contains(t, s.Sentence(), "Of 1,234 fixes with every action item closed (a postmortem and one theme of its factors), 1,200 held")
	require.Contains(t, s.Sentence(), "5,678 more still have open items.")
}

// TestFixSentenceNamesThemesThatGotWorse: a theme whose repeat rate rose
// beyond chance after its items closed is named as such, not counted among
// the themes where closing "made no clear difference" (black-box pass 10:
// the summary contradicted the table's "worse").
func TestFixSentenceNamesThemesThatGotWorse(t *testing.T) {
	held := FixRow{Name: "bad deploys", Held: 3, HasRatio: true, Ratio: 0.2, Lower: 0.1, Upper: 0.5}
	unclear := FixRow{Name: "bad data", Held: 1, Failed: 2, HasRatio: true, Ratio: 1, Lower: 0.5, Upper: 2}
	worse := FixRow{Name: "credentials or certificates failed", Held: 1, Failed: 5, HasRatio: true, Ratio: 1.58, Lower: 1.02, Upper: 2.44}
	s := FixSection{All: FixRow{Held: 5, Failed: 7, Open: 1}, ByTheme: []FixRow{held, unclear, worse}}
	require.Contains(t, s.Sentence(), "but made no clear difference for “bad data”.")
	require.Contains(t, s.Sentence(), "For “credentials or certificates failed” the repeat rate rose beyond chance after the items closed")
	sum := heldSummary(s)
	require.Contains(t, sum, "for 1 other (“bad data”) it made no clear difference; for “credentials or certificates failed” repeats rose beyond chance after closing")

	s.ByTheme = []FixRow{unclear, worse}
	require.NotContains(t, s.Sentence(), "for any theme")
	require.Contains(t, s.Sentence(), "Closing the items made no clear difference to the repeat rate for “bad data”.")
	s.ByTheme = []FixRow{unclear}
	require.Contains(t, s.Sentence(), "Closing the items made no clear difference to the repeat rate for any theme.")
}

// TestDurationChangeIsOfTheExactValues: a duration's change in percent is
// taken between the exact values, as the change table's ratio is (black-box
// pass 10: "9m vs 10m ▼ −10%" beside "−4%" for the same MTTA p50).
func TestDurationChangeIsOfTheExactValues(t *testing.T) {
	c := change(562, 587, true, true, UnitDuration, LowerIsBetter)
	require.Equal(t, "−4%", c.Text)
	require.Equal(t, "▼", c.Arrow)
	require.Equal(t, "no change", change(590, 600, true, true, UnitDuration, LowerIsBetter).Text, "both print 10m")
}

// TestThemeSummarySaysTheMonthBeforeOnce: with one month of history, the
// top theme's rise "from 15 the month before" repeats the parenthesis and is
// left out (black-box pass 10).
func TestThemeSummarySaysTheMonthBeforeOnce(t *testing.T) {
	s := newSeries([]string{"2026-01", "2026-02"})
	s.set(0, 15)
	s.set(1, 34)
	th := ThemeSection{Top: []ThemeTrend{{Label: "deploy config", Factors: Measure{Unit: UnitCount, Series: s}}},
		Changes: []string{"“deploy config” rose to 34 factors, from 15 the month before."}}
	require.Equal(t, "The top contributing-factor theme was “deploy config” (34 factors, 15 the month before).", themeSummary(th))
	th.Changes = []string{"“deploy config” rose to 34 factors, from a 2-month average of 12."}
	require.Equal(t, "The top contributing-factor theme was “deploy config” (34 factors, 15 the month before). It rose to 34 factors, from a 2-month average of 12.", themeSummary(th))
}

// TestRuleNamesReadAsWords: the language rules are named in plain words,
// not as their ids turned into words ("Vague no target", black-box pass
// 10); other ids (template sections) still read as words.
func TestRuleNamesReadAsWords(t *testing.T) {
	require.Equal(t, "Aim with no target", ruleName("vague-no-target"))
	require.Equal(t, "A named person as the cause", ruleName("named-person-cause"))
	require.Equal(t, "Where we got lucky", ruleName("where_we_got_lucky"))
	for id, name := range ruleNames {
		if strings.HasPrefix(id, "vague-") {
			require.NotEqual(t, capitalize(strings.ReplaceAll(id, "-", " ")), name, id)
		}
	}
}
