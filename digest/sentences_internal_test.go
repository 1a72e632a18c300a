package digest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The top theme's own change does not name it again.
func TestThemeSummaryNamesTheTopThemeOnce(t *testing.T) {
	series := func(months []string) Series {
		s := newSeries(months)
		for i := range months {
			s.set(i, 0)
		}
		s.set(len(months)-1, 3)
		return s
	}
	top := ThemeTrend{Label: "load beyond capacity", Factors: Measure{Series: series([]string{"2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"})}}
	got := themeSummary(ThemeSection{Top: []ThemeTrend{top}, Changes: []string{"New this month: “load beyond capacity” (3 factors), absent in the six months before."}})
	require.Equal(t, "The top contributing-factor theme was “load beyond capacity” (3 factors, 0 the month before). It is new this month, absent in the six months before.", got)
	got = themeSummary(ThemeSection{Top: []ThemeTrend{top}, Changes: []string{"“load beyond capacity” rose to 3 factors, from a six-month average of 1."}})
	require.Equal(t, "The top contributing-factor theme was “load beyond capacity” (3 factors, 0 the month before). It rose to 3 factors, from a six-month average of 1.", got)
	// Only one earlier month of data: not "the six months before".
	young := ThemeTrend{Label: "load beyond capacity", New: true, Factors: Measure{Series: series([]string{"2026-10", "2026-11"})}}
	changes := themeChanges([]ThemeTrend{young}, 5)
	require.Equal(t, []string{"New this month: “load beyond capacity” (3 factors), absent in the month before."}, changes)
	got = themeSummary(ThemeSection{Top: []ThemeTrend{young}, Changes: changes})
	require.Equal(t, "The top contributing-factor theme was “load beyond capacity” (3 factors, 0 the month before). It is new this month, absent in the month before.", got)
}

// Fixes none of which has every item closed read as such, not "Of 0 fixes".
func TestFixSentenceWithNoFixClosed(t *testing.T) {
	s := FixSection{All: FixRow{Open: 87}}
	require.Equal(t, "No fix (a postmortem and one theme of its factors) has every action item closed yet: all 87 still have open items.", s.Sentence())
	s = FixSection{All: FixRow{Open: 1}}
	require.Equal(t, "No fix (a postmortem and one theme of its factors) has every action item closed yet: the one still has open items.", s.Sentence())
}
