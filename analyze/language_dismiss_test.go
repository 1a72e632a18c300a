package analyze

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze/language"
	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// TestDismissLabel: a postmortem or action item that its team labeled with
// the dismiss label keeps its findings out of every language count and
// list, and they are counted as dismissed by rule instead; an item's
// missing owner is a fact the label does not dismiss. Without a label
// configured, the same data counts every finding.
func TestDismissLabel(t *testing.T) {
	ctx := context.Background()
	st := chtest.Store(t)
	now := time.Date(2026, 10, 20, 12, 0, 0, 0, time.UTC)
	at := time.Date(2026, 10, 5, 9, 0, 0, 0, time.UTC)
	const blaming = "The on-call engineer forgot to drain the node before the upgrade, which caused the outage."
	require.NoError(t, st.UpsertPostmortems(ctx, []store.Postmortem{
		{Key: "PM-1", Title: "Kept", Team: "Payments", CreatedAt: at, UpdatedAt: at, Lessons: blaming},
		{Key: "PM-2", Title: "Dismissed", Team: "Payments", CreatedAt: at, UpdatedAt: at, Lessons: blaming,
			Labels: []string{"sev2", "aftermath-dismissed"}},
	}))
	due := at.AddDate(0, 0, 14)
	require.NoError(t, st.UpsertActionItems(ctx, []store.ActionItem{
		{Key: "A-1", PostmortemKey: "PM-1", Summary: "Improve monitoring", AssigneeID: "u1", AssigneeName: "Ann", DueDate: due, CreatedAt: at, UpdatedAt: at},
		{Key: "A-2", PostmortemKey: "PM-2", Summary: "Improve monitoring", DueDate: due, CreatedAt: at, UpdatedAt: at,
			Labels: []string{"aftermath-dismissed"}},
		{Key: "A-3", PostmortemKey: "PM-2", Summary: "Raise the connection pool of payments-api from 32 to 64", AssigneeID: "u1", AssigneeName: "Ann",
			DueDate: due, CreatedAt: at, UpdatedAt: at},
	}))

	run := func(label string) (results, []store.AnalysisItem) {
		opts := testOptions(now, time.UTC, nil)
		opts.DismissLabel = label
		sum, err := Run(ctx, st, opts)
		require.NoError(t, err)
		rs, err := st.AnalysisResults(ctx, sum.RunID, AnalysisLanguage)
		require.NoError(t, err)
		its, err := st.AnalysisItems(ctx, sum.RunID, store.AnalysisItemFilter{Analysis: AnalysisLanguage})
		require.NoError(t, err)
		return indexResults(t, rs), its
	}
	listed := func(its []store.AnalysisItem) map[string][]string {
		out := map[string][]string{}
		for _, it := range its {
			if it.Period == "2026-10" {
				out[it.Key] = append(out[it.Key], it.Field("rule"))
			}
		}
		for _, rules := range out {
			slices.Sort(rules)
		}
		return out
	}
	find := metrics.LanguageFindings.ResultName()
	dis := metrics.LanguageFindingsDismissed.ResultName()

	r, its := run("aftermath-dismissed")
	require.Equal(t, 0.5, r[rkey(metrics.PostmortemsWithBlameRatio.ResultName(), "period", "2026-10")])
	require.InDelta(t, 1.0/3, r[rkey(metrics.ActionItemsVagueRatio.ResultName(), "period", "2026-10")], 1e-9)
	require.Equal(t, 1.0, r[rkey(find, "period", "2026-10", "rule", language.RulePersonFault)])
	require.Equal(t, 1.0, r[rkey(find, "period", "2026-10", "rule", language.RuleVagueImprove)])
	require.Equal(t, 1.0, r[rkey(find, "period", "2026-10", "rule", language.RuleUnowned)], "A-2's missing owner still counts")
	require.Equal(t, map[string]float64{
		rkey(dis, "period", "30d", "rule", language.RulePersonFault):      1,
		rkey(dis, "period", "30d", "rule", language.RuleVagueImprove):     1,
		rkey(dis, "period", "30d", "rule", language.RuleUnowned):          0, // a rule with findings, none dismissed
		rkey(dis, "period", "2026-10", "rule", language.RulePersonFault):  1,
		rkey(dis, "period", "2026-10", "rule", language.RuleVagueImprove): 1,
		rkey(dis, "period", "2026-10", "rule", language.RuleUnowned):      0,
	}, r.rows(dis))
	require.Equal(t, map[string][]string{
		"PM-1": {language.RulePersonFault},
		"A-1":  {language.RuleVagueImprove},
		"A-2":  {language.RuleUnowned},
	}, listed(its))

	r, its = run("")
	require.Equal(t, 1.0, r[rkey(metrics.PostmortemsWithBlameRatio.ResultName(), "period", "2026-10")])
	require.InDelta(t, 2.0/3, r[rkey(metrics.ActionItemsVagueRatio.ResultName(), "period", "2026-10")], 1e-9)
	require.Equal(t, 2.0, r[rkey(find, "period", "2026-10", "rule", language.RulePersonFault)])
	require.NotEmpty(t, r.rows(dis))
	for k, v := range r.rows(dis) {
		require.Zero(t, v, "no label, nothing dismissed: %s", k)
	}
	require.Equal(t, map[string][]string{
		"PM-1": {language.RulePersonFault},
		"PM-2": {language.RulePersonFault},
		"A-1":  {language.RuleVagueImprove},
		"A-2":  {language.RuleUnowned, language.RuleVagueImprove},
	}, listed(its))
}
