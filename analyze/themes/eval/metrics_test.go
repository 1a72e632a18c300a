package eval

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func labels(xs ...int) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(rune('a' + x))
	}
	return out
}

// Reference values are the ones scikit-learn documents for
// adjusted_rand_score and normalized_mutual_info_score (arithmetic
// normalization), and hand computations from the contingency table.
func TestMetricsKnownValues(t *testing.T) {
	tests := []struct {
		name             string
		truth, pred      []string
		ari, nmi, purity float64
	}{
		{"identical", labels(0, 0, 1, 1), labels(0, 0, 1, 1), 1, 1, 1},
		{"renamed clusters are identical", labels(0, 0, 1, 1), labels(1, 1, 0, 0), 1, 1, 1},
		{"refinement", labels(0, 0, 1, 1), labels(0, 0, 1, 2), 0.5714285714285715, 0.8, 1},
		{"anti-correlated pairs", labels(0, 0, 1, 1), labels(0, 1, 0, 1), -0.5, 0, 0.5},
		{"all singletons vs one cluster", labels(0, 0, 0, 0), labels(0, 1, 2, 3), 0, 0, 1},
		// Hand computed: contingency [[2,1],[0,3]]; sum C(nij,2)=1+0+0+3=4,
		// rows C(3,2)+C(3,2)=6, cols C(2,2)+C(4,2)=7, C(6,2)=15,
		// expected=6*7/15=2.8, max=6.5, ARI=(4-2.8)/(6.5-2.8)=0.324324...
		{"hand computed 6 items", labels(0, 0, 0, 1, 1, 1), labels(0, 0, 1, 1, 1, 1), 1.2 / 3.7, 0.47870397138567994, 5.0 / 6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Score(tc.truth, tc.pred)
			require.NoError(t, err)
			require.InDelta(t, tc.ari, s.ARI, 1e-9, "ARI")
			require.InDelta(t, tc.nmi, s.NMI, 1e-9, "NMI")
			require.InDelta(t, tc.purity, s.Purity, 1e-9, "purity")
		})
	}
}

func TestMetricsLengthMismatch(t *testing.T) {
	_, err := ARI(labels(0, 1), labels(0))
	require.ErrorContains(t, err, "2 reference labels but 1 cluster labels")
}

func TestBaselineSeparatesObviousGroups(t *testing.T) {
	texts := []string{
		"disk failure on storage node", "storage node disk failure again", "failure of a storage disk",
		"certificate expired on gateway", "gateway certificate expired", "expired certificate gateway",
	}
	truth := labels(0, 0, 0, 1, 1, 1)
	pred := BaselineTFIDFKMeans(texts, 2, 1)
	ps := make([]string, len(pred))
	for i, p := range pred {
		ps[i] = string(rune('a' + p))
	}
	ari, err := ARI(truth, ps)
	require.NoError(t, err)
	require.Equal(t, 1.0, ari)
	require.Equal(t, pred, BaselineTFIDFKMeans(texts, 2, 1), "same seed, same clustering")
}
