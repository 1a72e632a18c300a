package themes

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/simulate/org"
)

// simSmallFactors returns the contributing factors of the simulated small
// org (seed 1) as the analysis runner passes them ("Name. Text") with their
// latent themes.
func simSmallFactors(t testing.TB) ([]Item, []string) {
	t.Helper()
	o, err := org.Generate(org.Options{Seed: 1, Scale: org.ScaleSmall, End: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	var items []Item
	var truth []string
	for _, p := range o.Postmortems {
		for i, f := range p.Doc.Factors {
			items = append(items, Item{ID: fmt.Sprintf("%s#%d", p.Key, i), Text: f.Name + ". " + f.Text})
			truth = append(truth, p.FactorThemes[i])
		}
	}
	return items, truth
}

// TestWarmStartFromClasses: when the previous themes were formed from the
// cause classes (their centroids carry fromClassesTerm), a warm start forms
// them from the classes again rather than running k-means from them.
func TestWarmStartFromClasses(t *testing.T) {
	items, _ := simSmallFactors(t)
	first, err := Cluster(items, nil, Options{Seed: 1, NoCauseClasses: true})
	require.NoError(t, err)
	require.False(t, first.FromClasses)
	prev := append([]Theme(nil), first.Themes...)
	for i := range prev {
		c := map[string]float64{fromClassesTerm: 0}
		for k, v := range prev[i].Centroid {
			c[k] = v
		}
		prev[i].Centroid = c
	}
	res, err := Cluster(items, prev, Options{Seed: 1, WarmStart: true, PrevAssignments: first.Assignments})
	require.NoError(t, err)
	require.True(t, res.Warm)
	require.True(t, res.FromClasses)
	for _, th := range res.Themes {
		_, ok := th.Centroid[fromClassesTerm]
		require.Equal(t, th.Centroid[unknownTerm] == 0, ok, "theme %s %q marks its origin", th.ID, th.Label)
	}
}

func TestClusterStreamNeedsAscendingIDs(t *testing.T) {
	f := NewFeaturizer().Featurize("The config change was not validated.")
	_, err := ClusterStream(func(add func(string, Features) error) error {
		if err := add("b", f); err != nil {
			return err
		}
		return add("a", f)
	}, nil, Options{})
	require.ErrorContains(t, err, `item "a" after "b"`)
	_, err = ClusterStream(func(add func(string, Features) error) error {
		if err := add("a", f); err != nil {
			return err
		}
		return add("a", f)
	}, nil, Options{})
	require.ErrorContains(t, err, `duplicate item id "a"`)
}
