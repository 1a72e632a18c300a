package pagerduty

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestNextSpan(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name   string
		width  time.Duration
		n      int
		target int
		want   time.Duration
	}{
		// Issue 10 item 7: 180 days holding one item made width*target/n
		// overflow int64; the next window became one second.
		{"sparse: one item in the widest window", maxSpan, 1, 8000, maxSpan},
		{"sparse: a few items in a month", 30 * day, 3, 8000, 180 * day},
		{"sparse: grows at most 8x", 7 * day, 1, 8000, 56 * day},
		{"empty window grows 8x", 7 * day, 0, 8000, 56 * day},
		{"empty widest window stays at the maximum", maxSpan, 0, 8000, maxSpan},
		{"dense: sized for the target", 10 * day, 16000, 8000, 5 * day},
		{"exact", 7 * day, 8000, 8000, 7 * day},
		{"too big: shrinks", day, 80000, 8000, day / 10},
		{"whole seconds", 10 * time.Second, 3, 1, 3 * time.Second},
		{"never below a second", time.Second, 1_000_000, 8000, time.Second},
		{"zero width treated as a second", 0, 1, 8000, 8 * time.Second},
		{"huge n", maxSpan, math.MaxInt, 8000, time.Second},
		{"zero target", 7 * day, 10, 0, 60480 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := nextSpan(tc.width, tc.n, tc.target)
			require.Equal(t, tc.want, got)
			require.GreaterOrEqual(t, got, minSpan)
			require.LessOrEqual(t, got, maxSpan)
			require.Zero(t, got%time.Second)
		})
	}
}
