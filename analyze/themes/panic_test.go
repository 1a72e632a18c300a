package themes

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// Issue 10 item 3: more than about 2,000 nearly identical factors made
// k-means++ return fewer centroids than asked, and the stability loop
// indexed the merge path past its end.
func TestClusterNearlyIdenticalFactorsDoesNotPanic(t *testing.T) {
	for _, tc := range []struct {
		n       int
		outlier bool
	}{{2100, true}, {2600, true}, {2600, false}} {
		n := tc.n
		t.Run(fmt.Sprintf("%d outlier=%v", n, tc.outlier), func(t *testing.T) {
			items := make([]Item, n)
			for i := range items {
				// Numbers are dropped as ids, so the vectors coincide.
				items[i] = Item{ID: fmt.Sprintf("pm-%05d#0", i), Text: fmt.Sprintf("Disk full on host %d after log rotation failed.", i)}
			}
			if tc.outlier {
				items[7].Text = "Certificate expired on the edge proxy."
			}
			res, err := Cluster(items, nil, Options{Seed: 1})
			require.NoError(t, err)
			require.Len(t, res.Assignments, n)
			require.NotEmpty(t, res.Themes)
		})
	}
}
