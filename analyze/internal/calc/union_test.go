package calc

import (
	"math/rand"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The streaming forms give exactly what the in-memory ones give.
func TestUnionStreamsLikeUnionWithin(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	for round := 0; round < 50; round++ {
		var ivs []Interval
		for i := 0; i < r.Intn(40); i++ {
			s := r.Intn(5000)
			ivs = append(ivs, Interval{at(s), at(s + r.Intn(300) - 20)}) // some empty or inverted
		}
		windows := []Interval{{at(0), at(5000)}, {at(1000), at(1500)}, {at(4990), at(6000)}, {at(-100), at(10)}}
		sort.SliceStable(ivs, func(i, j int) bool { return ivs[i].Start.Before(ivs[j].Start) })
		u := NewUnion(windows)
		for _, iv := range ivs {
			require.NoError(t, u.Add(iv))
		}
		got := u.Totals()
		for i, w := range windows {
			require.Equal(t, UnionWithin(append([]Interval(nil), ivs...), w.Start, w.End), got[i], "round %d window %d", round, i)
		}
	}
	u := NewUnion(nil)
	require.NoError(t, u.Add(Interval{at(5), at(6)}))
	require.Error(t, u.Add(Interval{at(4), at(6)}), "out of order")
}

func TestKaplanMeierStreamsLikeKaplanMeierQuantile(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	for round := 0; round < 100; round++ {
		var obs []Observation
		for i := 0; i < r.Intn(60); i++ {
			obs = append(obs, Observation{Duration: float64(r.Intn(20)), Event: r.Intn(3) > 0})
		}
		byT := map[float64][2]int{}
		var ts []float64
		for _, o := range obs {
			c, seen := byT[o.Duration]
			if !seen {
				ts = append(ts, o.Duration)
			}
			if o.Event {
				c[0]++
			} else {
				c[1]++
			}
			byT[o.Duration] = c
		}
		sort.Float64s(ts)
		k := NewKaplanMeier(len(obs), 0.5, 0.9)
		for _, x := range ts {
			k.At(x, byT[x][0], byT[x][1])
		}
		got := k.Quantiles()
		for i, q := range []float64{0.5, 0.9} {
			want := KaplanMeierQuantile(obs, q)
			if want != want {
				require.True(t, got[i] != got[i], "NaN for no observations")
				continue
			}
			require.Equal(t, want, got[i], "round %d q %v", round, q)
		}
	}
}
