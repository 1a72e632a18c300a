package analyze

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze/language"
	"github.com/aftermath-sre/aftermath/simulate/org"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// TestHighlightsQuoteNoBlame: the digest quotes postmortems' lessons and
// luck, and promises to quote no blame. A team's digest quoted "... Yara
// should have been more careful with the deploy." (black-box pass 8): the
// highlights took lessons as written. A quote the blame check flags is now
// not kept, and the postmortem's other section still is.
func TestHighlightsQuoteNoBlame(t *testing.T) {
	ctx := context.Background()
	o := testOrg(t, org.ScaleSmall)
	st := chtest.Store(t)
	storeOrg(ctx, t, st, o)

	// The most severe published postmortem of the last month (the first
	// highlight of its team), with a lesson that blames its author.
	now := o.End
	var pm store.Postmortem
	for _, p := range orgPostmortems(o) {
		if p.PublishedAt.IsZero() || p.Author == "" || p.Lucky == "" || now.Sub(p.PublishedAt) > 25*24*3600e9 {
			continue
		}
		if pm.Key == "" || p.Severity < pm.Severity {
			pm = p
		}
	}
	require.NotEmpty(t, pm.Key, "a published postmortem with an author and a lucky section in the last month")
	blame := pm.Author + " should have been more careful with the deploy."
	require.NotEmpty(t, language.CheckBlame(blame, language.BlameOptions{Names: []string{pm.Author}}), "the check flags the lesson")
	pm.Lessons = blame
	require.NoError(t, st.UpsertPostmortems(ctx, []store.Postmortem{pm}))

	_, err := Run(ctx, st, testOptions(now, nil, nil))
	require.NoError(t, err)
	run, ok, err := st.LatestAnalysisRun(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	items, err := st.AnalysisItems(ctx, run.ID, store.AnalysisItemFilter{Analysis: "process", Kind: "highlight"})
	require.NoError(t, err)
	var sections []string
	for _, it := range items {
		if it.Kind != "highlight" {
			continue
		}
		require.NotContains(t, it.Field("quote"), "should have been more careful", "%s %s", it.Key, it.Field("section"))
		if it.Key == pm.Key {
			sections = append(sections, it.Field("section"))
		}
	}
	require.True(t, slices.Contains(sections, "lucky"), "the postmortem's luck is still quoted: %v", sections)
	require.False(t, slices.Contains(sections, "lessons"), "its blaming lesson is not")
}
