package analyze

import (
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCatalogNamesArePrometheusStyleAndUnique(t *testing.T) {
	name := regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	seen := map[string]bool{}
	for _, m := range Catalog() {
		require.Regexp(t, name, m.Name)
		require.False(t, seen[m.Name], "duplicate %s", m.Name)
		seen[m.Name] = true
		require.NotEmpty(t, m.Help, m.Name)
		require.NotEmpty(t, m.Analysis, m.Name)
		require.Contains(t, []Kind{Gauge, Histogram}, m.Kind, m.Name)
		for _, bad := range []string{"_total", "_count", "_sum", "_bucket", "_days", "_minutes", "_hours"} {
			require.False(t, strings.HasSuffix(m.Name, bad), "%s ends with %s", m.Name, bad)
		}
		labels := map[string]bool{}
		for _, l := range m.Labels {
			require.Regexp(t, name, l)
			require.NotEqual(t, "le", l, m.Name)
			require.False(t, labels[l], "%s: duplicate label %s", m.Name, l)
			labels[l] = true
		}
	}
}

func TestLookupResolvesHistogramRows(t *testing.T) {
	for _, n := range []string{"incident_ack_duration_seconds_bucket", "incident_ack_duration_seconds_sum", "incident_ack_duration_seconds_count"} {
		m, ok := Lookup(n)
		require.True(t, ok, n)
		require.Equal(t, "incident_ack_duration_seconds", m.Name)
	}
	_, ok := Lookup("mtta_seconds_bucket")
	require.False(t, ok, "a gauge has no bucket rows")
}

func TestFormatLe(t *testing.T) {
	require.Equal(t, "+Inf", FormatLe(math.Inf(1)))
	require.Equal(t, "60", FormatLe(60))
	require.Equal(t, "604800", FormatLe(604800))
	require.Equal(t, "0.5", FormatLe(0.5))
}
