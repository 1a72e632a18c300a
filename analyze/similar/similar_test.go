package similar

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func day(d int) time.Time { return time.Date(2025, 1, d, 0, 0, 0, 0, time.UTC) }

func testIndex(t *testing.T, opts Options) *Index {
	t.Helper()
	ix, err := NewIndex([]Postmortem{
		{Key: "PM-1", Created: day(1), Services: []string{"checkout"}, Themes: []string{"config"}, Factors: []string{"A bad feature flag in the checkout config disabled payments"}},
		{Key: "PM-2", Created: day(2), Services: []string{"search"}, Themes: []string{"capacity"}, Factors: []string{"The search cluster ran out of memory under a traffic spike"}},
		{Key: "PM-3", Created: day(3), Services: []string{"checkout"}, Themes: []string{"deploy"}, Factors: []string{"A release of the cart library broke serialization"}},
		{Key: "PM-4", Created: day(4), Services: []string{"billing"}, Themes: []string{"config", "deploy"}, Factors: []string{"A config flag rollout disabled payments in billing"}},
		{Key: "PM-5", Created: day(5), Services: []string{"search"}, Themes: []string{"capacity"}, Factors: []string{"Memory exhaustion on the search cluster during a traffic spike"}},
		{Key: "PM-6", Created: day(4), Services: []string{"billing"}, Themes: []string{"config"}, Factors: []string{"A config flag disabled payments"}},
	}, opts)
	require.NoError(t, err)
	return ix
}

func keys(ms []Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Key)
	}
	return out
}

func TestSimilarEarlierOnlyAndOrder(t *testing.T) {
	ix := testIndex(t, Options{})
	ms, err := ix.Similar("PM-5", -1)
	require.NoError(t, err)
	// PM-2 shares theme, service and wording; nothing later than PM-5 or
	// PM-5 itself is a candidate; PM-1 and PM-3 share nothing with PM-5 and
	// are left out.
	require.Equal(t, "PM-2", ms[0].Key)
	require.Equal(t, []string{"capacity"}, ms[0].SharedThemes)
	require.Equal(t, []string{"search"}, ms[0].SharedServices)
	require.Equal(t, 1.0, ms[0].ThemeScore)
	require.Greater(t, ms[0].FactorScore, 0.3)
	for _, m := range ms {
		require.True(t, m.Created.Before(day(5)), m.Key)
		require.NotContains(t, []string{"PM-1", "PM-3", "PM-4", "PM-6"}, m.Key, "shares nothing with PM-5")
	}

	ms, err = ix.Similar("PM-1", -1)
	require.NoError(t, err)
	require.Empty(t, ms, "the first postmortem has no earlier one")

	// PM-4 (config+deploy, billing): PM-1 shares config and wording, PM-3
	// deploy only; PM-6 was created the same day, so it is not earlier.
	ms, err = ix.Similar("PM-4", 2)
	require.NoError(t, err)
	require.Equal(t, []string{"PM-1", "PM-3"}, keys(ms))
	require.InDelta(t, 0.5, ms[0].ThemeScore, 1e-9)
}

func TestNeighborsIgnoreTime(t *testing.T) {
	ix := testIndex(t, Options{})
	ms, err := ix.Neighbors("PM-1", 2)
	require.NoError(t, err)
	require.Equal(t, []string{"PM-6", "PM-4"}, keys(ms), "same theme and closest wording first")
}

func TestWeights(t *testing.T) {
	// Services only: PM-3 (checkout) is the only match of PM-1's service.
	ix := testIndex(t, Options{ThemeWeight: -1, FactorWeight: -1, ServiceWeight: 1})
	ms, err := ix.Neighbors("PM-1", -1)
	require.NoError(t, err)
	require.Equal(t, []string{"PM-3"}, keys(ms))
	require.Equal(t, 1.0, ms[0].Score)

	// Factors only: the wording decides; a tie on score goes to the more
	// recent postmortem.
	ix = testIndex(t, Options{ThemeWeight: -1, FactorWeight: 1, ServiceWeight: -1})
	ms, err = ix.Neighbors("PM-2", 1)
	require.NoError(t, err)
	require.Equal(t, []string{"PM-5"}, keys(ms))
	require.Equal(t, ms[0].FactorScore, ms[0].Score)
}

func TestTieBreak(t *testing.T) {
	ix, err := NewIndex([]Postmortem{
		{Key: "B", Created: day(1), Themes: []string{"x"}},
		{Key: "A", Created: day(1), Themes: []string{"x"}},
		{Key: "C", Created: day(2), Themes: []string{"x"}},
		{Key: "Q", Created: day(3), Themes: []string{"x"}},
	}, Options{})
	require.NoError(t, err)
	ms, err := ix.Similar("Q", -1)
	require.NoError(t, err)
	require.Equal(t, []string{"C", "A", "B"}, keys(ms), "equal scores: more recent first, then by key")
}

func TestIndexErrors(t *testing.T) {
	_, err := NewIndex([]Postmortem{{Key: "A"}, {Key: "A"}}, Options{})
	require.ErrorContains(t, err, "postmortem A given twice")
	_, err = NewIndex([]Postmortem{{Key: "A"}, {}}, Options{})
	require.ErrorContains(t, err, "postmortem 1 has no key")
	ix := testIndex(t, Options{})
	_, err = ix.Similar("PM-9", 3)
	require.ErrorContains(t, err, "no postmortem PM-9")
}

func TestTerms(t *testing.T) {
	require.Equal(t, []string{"config", "flag", "disabled", "payment", "2x", "traffic", "spike", "process"},
		Terms("The config flag disabled payments in a 2x traffic spike; process."))
}
