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
