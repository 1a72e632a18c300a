package analyze

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze/themes"
)

// TestNameComponentThemes: a theme of the words named by a bag of its top
// terms that spell a service gathers what went wrong around that
// component; it is named so. Other labels stay.
func TestNameComponentThemes(t *testing.T) {
	ths := []themes.Theme{
		{Label: "factors about blob and store", TopTerms: []string{"blob", "store", "deploy", "dependency"}},
		{Label: "factors about cluster and k8s", TopTerms: []string{"cluster", "k8s", "prod", "deploy"}},
		{Label: "factors about systemic and weakness", TopTerms: []string{"systemic", "weakness", "store"}},
		{Label: "gaps in detection and alerting", TopTerms: []string{"blob", "store"}},
	}
	nameComponentThemes(ths, []string{"store", "blob-store", "k8s-prod-cluster", "ledger"})
	require.Equal(t, "factors around blob-store, mixed causes", ths[0].Label, "the longest name wins")
	require.Equal(t, "factors around k8s-prod-cluster, mixed causes", ths[1].Label)
	require.Equal(t, "factors about systemic and weakness", ths[2].Label, "store is only the third term")
	require.Equal(t, "gaps in detection and alerting", ths[3].Label)
}
