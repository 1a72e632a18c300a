package budget

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func m(n int) time.Time { return t0.Add(time.Duration(n) * time.Minute) }

func TestAttributeSplitsOverlapsEvenly(t *testing.T) {
	spans := []Span{
		{"A", m(0), m(10)},
		{"B", m(5), m(15)},
		{"C", m(6), m(7)},
		{"D", m(30), m(40)},
		{"E", m(50), m(50)}, // empty
		{"F", m(90), m(200)},
	}
	got := Attribute(spans, m(0), m(100))
	want := map[string]float64{
		// [0,5) A; [5,6) A,B; [6,7) A,B,C; [7,10) A,B; [10,15) B
		"A": 300 + 30 + 20 + 90,
		"B": 30 + 20 + 90 + 300,
		"C": 20,
		"D": 600,
		"F": 600, // clipped at the window's end
	}
	require.Len(t, got, len(want))
	sum := 0.0
	for k, v := range want {
		require.InDelta(t, v, got[k], 1e-9, k)
		sum += got[k]
	}
	require.InDelta(t, (15+10+10)*60.0, sum, 1e-9, "the shares add up to the union")
	require.Empty(t, Attribute(spans, m(16), m(29)))
}

func TestByTheme(t *testing.T) {
	per := map[string]float64{"A": 90, "B": 30, "C": 10, "D": 5}
	themes := map[string][]string{"A": {"config", "deploy", "config"}, "B": {"config"}, "C": nil}
	got := ByTheme(per, themes, func(id string) bool { return id == "C" })
	require.Equal(t, map[string]float64{"config": 75, "deploy": 45, Unthemed: 10, NoPostmortem: 5}, got)
}
