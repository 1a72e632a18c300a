package fixes

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func day(n float64) time.Time { return t0.Add(time.Duration(n * 24 * float64(time.Hour))) }

func TestComputeSplitsRepeatsAtTheClose(t *testing.T) {
	in := Input{
		Now: day(40),
		Incidents: []Incident{
			{ID: "I0", Service: "api", At: day(0), Themes: []string{"config"}},
			{ID: "I1", Service: "api", At: day(5), Themes: []string{"config", "deploy"}},  // open phase
			{ID: "I2", Service: "api", At: day(10), Themes: []string{"config"}},           // at the close: closed phase
			{ID: "I3", Service: "api", At: day(20), Themes: []string{"capacity"}},         // other theme
			{ID: "I4", Service: "db", At: day(21), Themes: []string{"config"}},            // other service
			{ID: "I5", Service: "api", At: day(45), Themes: []string{"config"}},           // after now
			{ID: "I6", Service: "api", At: day(30), Themes: []string{"deploy", "deploy"}}, // deploy repeat, counted once
		},
		Postmortems: []Postmortem{
			{Key: "PM-1", Team: "payments", Incidents: []string{"I0"}, Themes: []string{"deploy", "config", "config"},
				Items: []Item{{Kind: "prevent", Closed: day(10)}, {Kind: "investigate", Closed: day(2)}}},
			// still open: every repeat is in the open phase
			{Key: "PM-2", Team: "", Incidents: []string{"I3"}, Themes: []string{"capacity"},
				Items: []Item{{Kind: "detect", Closed: day(25)}, {Kind: "prevent"}}},
			{Key: "PM-3", Incidents: []string{"nope"}, Themes: []string{"config"}, Items: []Item{{Kind: "prevent"}}}, // no known incident
			{Key: "PM-4", Incidents: []string{"I1"}, Themes: []string{"config"}},                                     // no items
			// closed after now: open
			{Key: "PM-5", Team: "core", Incidents: []string{"I4"}, Themes: []string{"config"}, Items: []Item{{Kind: "prevent", Closed: day(41)}}},
		},
	}
	res, err := Compute(in)
	require.NoError(t, err)
	// A postmortem's items are a set: the caller streams them in any
	// order (by summary).
	rev := in
	rev.Postmortems = append([]Postmortem(nil), in.Postmortems...)
	for i := range rev.Postmortems {
		items := append([]Item(nil), rev.Postmortems[i].Items...)
		for l, r := 0, len(items)-1; l < r; l, r = l+1, r-1 {
			items[l], items[r] = items[r], items[l]
		}
		rev.Postmortems[i].Items = items
	}
	again, err := Compute(rev)
	require.NoError(t, err)
	require.Equal(t, res, again, "the items' order does not matter")
	require.Equal(t, 1, res.Skipped)
	require.Len(t, res.Pairs, 4)
	byKey := map[string]Pair{}
	for _, p := range res.Pairs {
		byKey[p.Postmortem+"/"+p.Theme] = p
	}
	c := byKey["PM-1/config"]
	require.Equal(t, []string{"I1"}, c.OpenRepeats)
	require.Equal(t, []string{"I2"}, c.ClosedRepeats)
	require.Equal(t, 10*24*time.Hour, c.OpenExposure)
	require.Equal(t, 30*24*time.Hour, c.ClosedExposure)
	require.Equal(t, StateFailed, c.State)
	require.Equal(t, []string{"investigate", "prevent"}, c.Kinds)
	require.Equal(t, "api", c.Service)
	d := byKey["PM-1/deploy"]
	require.Equal(t, []string{"I1"}, d.OpenRepeats)
	require.Equal(t, []string{"I6"}, d.ClosedRepeats)
	cap := byKey["PM-2/capacity"]
	require.Equal(t, StateOpen, cap.State)
	require.Equal(t, "unknown", cap.Team)
	require.Empty(t, cap.OpenRepeats, "its own incident is not a repeat")
	require.Equal(t, 20*24*time.Hour, cap.OpenExposure)
	require.Zero(t, cap.ClosedExposure)
	p5 := byKey["PM-5/config"]
	require.Equal(t, StateOpen, p5.State, "an item closed after now is open")
	require.True(t, p5.Closed.IsZero())

	rows := map[[3]string]Row{}
	for _, r := range res.Rows {
		rows[[3]string{r.Theme, r.Kind, r.Team}] = r
	}
	all := rows[[3]string{}]
	require.Equal(t, 4, all.Pairs)
	require.Equal(t, 0, all.Held)
	require.Equal(t, 2, all.Failed)
	require.Equal(t, 2, all.Open)
	require.Equal(t, 2, all.OpenRepeats)
	require.Equal(t, 2, all.ClosedRepeats)
	require.Equal(t, res.Rows[0], all, "the overall row first")
	require.Equal(t, 2, rows[[3]string{"config", "", ""}].Pairs)
	require.Equal(t, 2, rows[[3]string{"", "", "payments"}].Pairs)
	// Kind rows use the items of that kind: PM-1's investigate item closed
	// on day 2, so I1 (day 5) is a closed-phase repeat for investigate.
	inv := rows[[3]string{"", "investigate", ""}]
	require.Equal(t, 2, inv.Pairs)
	require.Equal(t, 0, inv.OpenRepeats)
	require.Equal(t, 4, inv.ClosedRepeats)
	require.Equal(t, (2 * 2 * 24 * time.Hour).Seconds(), inv.OpenExposure)
	prev := rows[[3]string{"", "prevent", ""}]
	require.Equal(t, 4, prev.Pairs, "PM-1 twice, PM-2 and PM-5")
	det := rows[[3]string{"", "detect", ""}]
	require.Equal(t, 1, det.Pairs)
	require.Equal(t, 1, det.Held, "PM-2's detect item closed with no capacity repeat after")

	_, err = Compute(Input{})
	require.ErrorContains(t, err, "Now")
	_, err = Compute(Input{Now: day(1), Incidents: []Incident{{Service: "x"}}})
	require.ErrorContains(t, err, "incident 0 has no id")
}

func TestClopperPearson(t *testing.T) {
	for _, tc := range []struct {
		x, n   int
		lo, hi float64
	}{
		// R: binom.test(3, 10)$conf.int
		{3, 10, 0.06673951, 0.65245285},
		// closed forms at the edges: (alpha/2)^(1/n)
		{0, 10, 0, 1 - math.Pow(0.025, 0.1)},
		{10, 10, math.Pow(0.025, 0.1), 1},
		// R: binom.test(50, 100)$conf.int
		{50, 100, 0.3983211, 0.6016789},
	} {
		lo, hi := ClopperPearson(tc.x, tc.n, 0.05)
		require.InDelta(t, tc.lo, lo, 1e-6, "%d/%d", tc.x, tc.n)
		require.InDelta(t, tc.hi, hi, 1e-6, "%d/%d", tc.x, tc.n)
	}
}

func TestRateRatio(t *testing.T) {
	// 3 repeats in 10 days after the close against 7 in 10 days before:
	// p in [0.0667, 0.6525] maps to p/(1-p).
	iv := RateRatio(3, 10, 7, 10, 0.95)
	require.True(t, iv.Defined)
	require.InDelta(t, 3.0/7, iv.Estimate, 1e-12)
	require.InDelta(t, 0.06673951/(1-0.06673951), iv.Lower, 1e-6)
	require.InDelta(t, 0.65245285/(1-0.65245285), iv.Upper, 1e-6)
	require.False(t, iv.Holds(), "1 is inside")
	// Exposure rescales: the same counts over twice the closed time halve the ratio.
	iv2 := RateRatio(3, 20, 7, 10, 0.95)
	require.InDelta(t, iv.Lower/2, iv2.Lower, 1e-9)
	require.InDelta(t, iv.Upper/2, iv2.Upper, 1e-9)
	// Clearly fewer after the close.
	require.True(t, RateRatio(1, 100, 30, 100, 0.95).Holds())
	require.True(t, RateRatio(30, 100, 1, 100, 0.95).Worse())
	// No repeat while open: unbounded above.
	iv = RateRatio(2, 10, 0, 10, 0.95)
	require.True(t, math.IsInf(iv.Estimate, 1))
	require.True(t, math.IsInf(iv.Upper, 1))
	require.Positive(t, iv.Lower)
	// No closed-phase repeats: lower bound 0.
	iv = RateRatio(0, 10, 5, 10, 0.95)
	require.Zero(t, iv.Lower)
	require.Zero(t, iv.Estimate)
	// Nothing to compare.
	require.False(t, RateRatio(0, 10, 0, 10, 0.95).Defined)
	require.False(t, RateRatio(1, 0, 1, 10, 0.95).Defined)
	require.False(t, RateRatio(1, 10, 1, 0, 0.95).Defined)
}

// The exposure of many pairs adds up to more than time.Duration holds (292
// years): an organization with thousands of postmortems open for months
// reaches it. The tally is in seconds and stays exact.
func TestExposureAddsUpPastCenturies(t *testing.T) {
	century := 100 * 365 * 24 * time.Hour
	in := Input{Now: t0.Add(century)}
	for i := range 4 {
		id := string(rune('A' + i))
		in.Incidents = append(in.Incidents, Incident{ID: id, Service: id, At: t0, Themes: []string{"config"}})
		in.Postmortems = append(in.Postmortems, Postmortem{Key: "PM-" + id, Team: "t", Incidents: []string{id},
			Themes: []string{"config"}, Items: []Item{{Kind: "prevent"}}})
	}
	res, err := Compute(in)
	require.NoError(t, err)
	require.Equal(t, 4*century.Seconds(), res.Rows[0].OpenExposure)
}

func TestPendingFixesAreTheOpenPairsThatRepeat(t *testing.T) {
	in := Input{
		Now: day(40), CountsOnly: true, MaxPending: 2,
		Incidents: []Incident{
			{ID: "I0", Service: "api", At: day(0), Themes: []string{"config"}},
			{ID: "I1", Service: "api", At: day(5), Themes: []string{"config"}},
			{ID: "I2", Service: "api", At: day(8), Themes: []string{"config"}},
			{ID: "I3", Service: "api", At: day(12), Themes: []string{"config"}},
			{ID: "I4", Service: "web", At: day(3), Themes: []string{"config"}},
			{ID: "I5", Service: "web", At: day(6), Themes: []string{"config"}},
		},
		Postmortems: []Postmortem{
			// Open (one item of two), repeated three times after its own I0.
			{Key: "PM-A", Team: "payments", Incidents: []string{"I0"}, Themes: []string{"config"},
				Items: []Item{{Kind: "prevent"}, {Kind: "investigate", Closed: day(2)}}},
			// Open, one repeat (I5) on day 6: third of the team's, dropped.
			{Key: "PM-B", Team: "payments", Incidents: []string{"I4"}, Themes: []string{"config"}, Items: []Item{{Kind: "prevent"}}},
			// Closed on day 6: not pending, though it failed again.
			{Key: "PM-C", Team: "search", Incidents: []string{"I1"}, Themes: []string{"config"}, Items: []Item{{Kind: "repair", Closed: day(6)}}},
			// Open, one repeat (I3) on day 12: before PM-B.
			{Key: "PM-D", Team: "payments", Incidents: []string{"I2"}, Themes: []string{"config"}, Items: []Item{{Kind: "detect", Closed: day(50)}}},
			// Its own I3 is its latest incident, not a repeat: one repeat, I2.
			{Key: "PM-F", Team: "search", Incidents: []string{"I1", "I3"}, Themes: []string{"config"}, Items: []Item{{Kind: "prevent"}}},
		},
	}
	res, err := Compute(in)
	require.NoError(t, err)
	require.Equal(t, []Pending{
		{Postmortem: "PM-A", Theme: "config", Team: "payments", Service: "api", Start: day(0), Repeats: 3, Last: "I3", LastAt: day(12), OpenItems: 1, Items: 2},
		{Postmortem: "PM-D", Theme: "config", Team: "payments", Service: "api", Start: day(8), Repeats: 1, Last: "I3", LastAt: day(12), OpenItems: 1, Items: 1},
		{Postmortem: "PM-F", Theme: "config", Team: "search", Service: "api", Start: day(5), Repeats: 1, Last: "I2", LastAt: day(8), OpenItems: 1, Items: 1},
	}, res.Pending)

	in.MaxPending = 0
	res, err = Compute(in)
	require.NoError(t, err)
	require.Empty(t, res.Pending)
}

// TestComparePendingTieBreaks: most repeats first, then the latest repeat
// (the same instant in another zone is a tie), then postmortem, then theme.
func TestComparePendingTieBreaks(t *testing.T) {
	k := func(repeats int, last time.Time, pm, theme string) PendingKey {
		return PendingKey{Repeats: repeats, LastAt: last, Postmortem: pm, Theme: theme}
	}
	for _, tc := range []struct {
		name  string
		first PendingKey
		then  PendingKey
	}{
		{"more repeats first, though older and later by key", k(3, day(1), "PM-Z", "z"), k(2, day(9), "PM-A", "a")},
		{"the latest repeat first", k(2, day(9), "PM-Z", "z"), k(2, day(1), "PM-A", "a")},
		{"then by postmortem", k(2, day(9), "PM-A", "z"), k(2, day(9).In(time.FixedZone("X", 3600)), "PM-B", "a")},
		{"then by theme", k(2, day(9), "PM-A", "a"), k(2, day(9), "PM-A", "b")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Negative(t, ComparePending(tc.first, tc.then))
			require.Positive(t, ComparePending(tc.then, tc.first))
			require.Zero(t, ComparePending(tc.first, tc.first))
		})
	}
}
