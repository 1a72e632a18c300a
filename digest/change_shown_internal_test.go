package digest

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The change beside two values reads as the values shown: "no change" only
// between equal values, and a difference that is the difference of the
// values as printed (it read "43% | 42% | = no change" and "64% against
// 53%: +10 pts").
func TestChangeAgreesWithTheValuesShown(t *testing.T) {
	for _, tc := range []struct {
		name      string
		cur, ref  float64
		u         Unit
		text      string
		arrow     string
		shownAs   [2]string
		direction Direction
	}{
		{"ratios shown apart are a change", 0.4251, 0.4249, UnitRatio, "+1 pts", "▲", [2]string{"43%", "42%"}, LowerIsBetter},
		{"points from the shown ratios", 0.6351, 0.5349, UnitRatio, "+11 pts", "▲", [2]string{"64%", "53%"}, HigherIsBetter},
		{"points below 10%", 0.094, 0.086, UnitRatio, "+0.8 pts", "▲", [2]string{"9.4%", "8.6%"}, LowerIsBetter},
		{"points across 10%", 0.12, 0.099, UnitRatio, "+2.1 pts", "▲", [2]string{"12%", "9.9%"}, LowerIsBetter},
		{"equal shown ratios", 0.0994, 0.0986, UnitRatio, "no change", "=", [2]string{"9.9%", "9.9%"}, LowerIsBetter},
		{"count against a rounded average", 101, 100.4, UnitCount, "+1", "▲", [2]string{"101", "100"}, LowerIsBetter},
		{"count against an average", 12, 11.67, UnitCount, "+0.3", "▲", [2]string{"12", "11.7"}, LowerIsBetter},
		{"durations shown apart", 36660, 36600, UnitDuration, "+0.2%", "▲", [2]string{"10h 11m", "10h 10m"}, LowerIsBetter},
		{"durations shown alike", 45.2, 44.8, UnitDuration, "no change", "=", [2]string{"45s", "45s"}, LowerIsBetter},
		{"relative change of shown durations", 11400, 8770, UnitDuration, "+30%", "▲", [2]string{"3h 10m", "2h 26m"}, LowerIsBetter},
		{"money shown apart", 10000.6, 9999.4, UnitMoney, "+<0.1%", "▲", [2]string{"10,001", "9,999"}, LowerIsBetter},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.shownAs, [2]string{formatValue(tc.cur, tc.u), formatValue(tc.ref, tc.u)})
			c := change(tc.cur, tc.ref, true, true, tc.u, tc.direction)
			require.Equal(t, tc.text, c.Text)
			require.Equal(t, tc.arrow, c.Arrow)
		})
	}
}

// Over a grid of ratios: "no change" exactly when the two percentages
// print alike, and otherwise the points are their printed difference.
func TestRatioChangeIsTheDifferenceOfThePercentagesShown(t *testing.T) {
	parse := func(s string) float64 {
		v, err := strconv.ParseFloat(strings.NewReplacer("%", "", " pts", "", "+", "", "−", "-", ",", "").Replace(s), 64)
		require.NoError(t, err, s)
		return v
	}
	for a := 0.0; a <= 1; a += 0.00137 {
		for _, d := range []float64{0, 0.0004, 0.0011, 0.0049, 0.0051, 0.013, 0.1049, 0.1051} {
			b := a - d
			c := change(a, b, true, true, UnitRatio, HigherIsBetter)
			sa, sb := formatPercent(a), formatPercent(b)
			if sa == sb {
				require.Equal(t, "no change", c.Text, "%s against %s", sa, sb)
				continue
			}
			require.NotEqual(t, "no change", c.Text, "%s against %s", sa, sb)
			want := math.Round((parse(sa)-parse(sb))*10) / 10
			require.InDelta(t, want, parse(c.Text), 1e-9, "%s against %s reads %s", sa, sb, c.Text)
			if want > 0 {
				require.Equal(t, "▲", c.Arrow)
			} else {
				require.Equal(t, "▼", c.Arrow)
			}
		}
	}
}

// The summary says "as the month before" only when the shares print alike.
func TestShareMoveAsTheMonthBeforeOnlyWhenShownAlike(t *testing.T) {
	m := Measure{Unit: UnitRatio, Series: series(0.094, 0.086)}
	require.Equal(t, "; 9.4% the month before", shareMove(m))
	m.Series = series(0.0994, 0.0986)
	require.Equal(t, ", as the month before", shareMove(m))
}

func TestDurationShownIsWhatFormatDurationPrints(t *testing.T) {
	for _, sec := range []float64{0, 0.4, 59.4, 59.6, 61, 3569, 3570, 3599.6, 3630, 36629, 36631, 86369, 86370, 86399, 88199, 88200, 90000, 10*86400 + 5399} {
		require.Equal(t, formatDuration(sec), formatDuration(durationShown(sec)), "%v", sec)
	}
	require.Equal(t, "1h", formatDuration(3570))
	require.Equal(t, "23h 59m", formatDuration(86369))
	require.Equal(t, "1d", formatDuration(86370))
	require.Equal(t, "1d 1h", formatDuration(88200))
	require.Equal(t, "10d 1h", formatDuration(10*86400+5399))
}
