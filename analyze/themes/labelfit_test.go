package themes_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze/themes"
	"github.com/aftermath-sre/aftermath/simulate/org"
)

// latentLabels are the labels a lead would accept for the simulator's
// latent themes: the cause mechanism's phrase, or the kind of factor the
// theme is about. A theme's label is read up to its first ':' (the terms
// that tell equal labels apart).
var latentLabels = map[string][]string{
	"capacity":            {"load beyond capacity", "resources ran out"},
	"config-change":       {"configuration changed without validation", "feature flag turned on", "typo in a setting"},
	"database-migration":  {"bad data", "schema change or data migration"},
	"dependency-failure":  {"a third party failed", "a dependency failed"},
	"deploy-process":      {"deploys and rollouts without safeguards", "a change rolled out broke it"},
	"expired-certificate": {"credentials or certificates failed"},
	"missing-tests":       {"gaps in testing"},
	"monitoring-gap":      {"gaps in detection and alerting", "dashboards that hid the problem"},
	"network-partition":   {"network routing or connectivity failure"},
	"retry-storm":         {"retries that amplified the load"},
	"time-pressure":       {"work under deadline pressure"},
	"unclear-runbook":     {"missing or outdated runbooks", "an operational step went wrong"},
}

// labelFit is the share of the factors whose theme's label names their
// latent theme (latentLabels).
func labelFit(res themes.Result, items []themes.Item, truth []string) float64 {
	label := map[string]string{}
	for _, th := range res.Themes {
		head, _, _ := strings.Cut(th.Label, ":")
		label[th.ID] = head
	}
	fit := 0
	for i, it := range items {
		for _, ok := range latentLabels[truth[i]] {
			if label[res.Assignments[it.ID]] == ok {
				fit++
				break
			}
		}
	}
	return float64(fit) / float64(len(items))
}

// TestSimulatedThemeLabelsNameTheirFactors: on the medium orgs, whose themes
// are found in the words, the labels name what most factors under them are
// about: the share of factors whose theme's label is one a lead would
// accept for the factor's latent theme. It was 0.81-0.89 while a theme's
// cause class named it even when most of its members were about one kind
// of factor ("a software bug: tests, case" for untested changes).
func TestSimulatedThemeLabelsNameTheirFactors(t *testing.T) {
	for _, seed := range []int64{1, 2, 3} {
		items, truth, _ := simFactors(t, org.ScaleMedium, seed)
		res, err := themes.Cluster(items, nil, themes.Options{Seed: 1})
		require.NoError(t, err)
		fit := labelFit(res, items, truth)
		t.Logf("medium org %d: %d themes, %.3f of the factors under a label that names their latent theme", seed, len(res.Themes), fit)
		require.GreaterOrEqual(t, fit, 0.95, "medium org %d: %+v", seed, res.Themes)
	}
}
