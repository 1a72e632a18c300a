package language

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestActionModelDecide(t *testing.T) {
	const item = "Put further measures in place"
	careful := Finding{Rule: RuleVagueCareful, Sentence: item, End: len(item), Why: "careful"}
	improve := Finding{Rule: RuleVagueImprove, Sentence: item, End: len(item), Why: "improve"}
	m := &actionModel{Bias: -1, Threshold: 0}
	m.Weights[fOpenWords] = 2
	m.Weights[fInquiryWords] = 0.5
	m.Weights[fNumber] = -3

	var open, inquiry, number [nFeatures]float64
	open[fOpenWords] = 1
	inquiry[fInquiryWords] = 1
	number[fOpenWords], number[fNumber] = 1, 1

	tests := []struct {
		name    string
		wording bool
		x       [nFeatures]float64
		rules   []Finding
		want    []string
	}{
		{"vague by the model alone: the top feature names the rule", false, open, nil, []string{RuleVagueOpenEnded}},
		{"vague by the model, the rules' findings are kept", false, open, []Finding{improve}, []string{RuleVagueImprove}},
		{"below the threshold: the rules' findings are dropped", false, inquiry, []Finding{improve, careful}, nil},
		{"below the threshold, wording rules final: only those stay", true, number, []Finding{improve, careful}, []string{RuleVagueCareful}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mm := *m
			mm.Wording = tc.wording
			got := mm.decide(item, tc.rules, objectVerdict{}, &tc.x)
			require.Equal(t, tc.want, rulesOf(got))
			for _, f := range got {
				require.True(t, IsVagueRule(f.Rule))
				require.NotEmpty(t, f.Why)
				require.Equal(t, item[f.Start:f.End], f.Sentence)
			}
		})
	}
	got := m.decide(item, nil, objectVerdict{}, &open)
	require.Contains(t, got[0].Why, "open-ended nouns", "the Why names the feature that decided")
	require.Equal(t, item, got[0].Phrase, "with no parsed object the phrase is the item")
}

// TestFeatureTables keeps the feature tables in step: every feature has a
// name, a generated-file constant, and a sign that only features with a
// known direction carry.
func TestFeatureTables(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < int(nFeatures); i++ {
		require.NotEmpty(t, featureNames[i], "feature %d has no name", i)
		require.NotEmpty(t, featureConst[i], "feature %s has no constant", featureNames[i])
		require.False(t, seen[featureNames[i]], "feature name %s twice", featureNames[i])
		seen[featureNames[i]] = true
		if featureWhy[i] != "" {
			require.Equal(t, 1, featureSign[i], "feature %s explains a vague finding, so it must push toward vague", featureNames[i])
		}
	}
}

// TestLazyParseDecidesAlike: skipping the parse of an item with a number when
// the parse cannot bring it to the threshold gives the same findings as
// always parsing.
func TestLazyParseDecidesAlike(t *testing.T) {
	a := newActionChecker()
	for _, s := range []string{
		"Improve monitoring of the 3 primary replicas",
		"Review the alert thresholds quarterly with the on-call team by 2026-03-01",
		"Investigate further improvements to the 2 regional failover processes",
		"Add safeguards to the v2 deploy pipeline to prevent similar issues",
		"Lower the scale-out threshold of the web tier from 80% to 60% CPU",
		"Evaluate options for reducing the 30 minute failover time",
	} {
		rl, ol, xl := a.itemFeatures(s, true)
		rf, of, xf := a.itemFeatures(s, false)
		require.Equal(t, a.model.decide(s, rf, of, &xf), a.model.decide(s, rl, ol, &xl), s)
	}
}
