package labeled

import (
	"fmt"
	"os"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze/internal/devdata"
	"github.com/aftermath-sre/aftermath/analyze/themes"
)

func devFile(t testing.TB) string { return devdata.Path(t, "postmortems-dev.jsonl") }

// TestCauseClassAccuracyOnISSRE prints the confusion of the cause classes
// against the mapped ISSRE labels (AFTERMATH_EVAL=1 prints every miss's id).
func TestCauseClassAccuracyOnISSRE(t *testing.T) {
	f, err := os.Open(devFile(t))
	require.NoError(t, err)
	defer f.Close()
	recs, _, err := Read(f, "dev", ReadOptions{Scheme: "issre22_root_cause"})
	require.NoError(t, err)
	acc := ClassAccuracy(recs)
	fmt.Printf("cause class accuracy %d/%d = %.3f\n", acc.Correct, acc.N, acc.Accuracy())
	keys := make([]string, 0, len(acc.Confusion))
	for k := range acc.Confusion {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Printf("  %-60s %d\n", k, acc.Confusion[k])
	}
	if os.Getenv("AFTERMATH_EVAL") == "1" {
		cl := themes.NewClassifier()
		for _, r := range recs {
			want, _ := ISSREClass(r.Labels["category"], r.Labels["category_fine"])
			got := cl.Classify(r.Text)
			if got.Class != want {
				fmt.Printf("MISS %s want %s got %s (%s)\n", r.ID, want, got.Class, got.Cue)
			}
		}
	}
}
