package digest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze"
	"github.com/aftermath-sre/aftermath/store"
)

func TestHighlightsQuoteTheSameWordsOnce(t *testing.T) {
	hl := func(rank int, key, team, quote string) store.AnalysisItem {
		return store.AnalysisItem{Analysis: "process", Kind: analyze.ItemHighlight, Period: "2026-11", Key: key, Team: team, Rank: rank,
			Fields: []store.Field{{Name: "section", Value: "lessons"}, {Name: "quote", Value: quote}, {Name: "title", Value: "Outage " + key},
				{Name: "url", Value: "https://jira.example.com/browse/" + key}}}
	}
	ix := indexItems([]store.AnalysisItem{
		hl(0, "PM-1", "search", "A rollback that takes half an hour is not a safety net."),
		hl(1, "PM-2", "billing", "Absent data is a signal too."),
		hl(2, "PM-3", "search", "a rollback that takes  half an hour is not a safety net"), // the same words
		hl(3, "PM-4", "ads", "A rollback that takes half an hour is not a safety net. Autoscaling only helps on the bottleneck."),
		hl(4, "PM-5", "ads", "Small changes are easier to reason about."),
		hl(5, "PM-6", "ads", "Absent data is a signal too!"), // past max, still listed under its first
	})
	got := ix.highlights("lessons", "2026-11", "", 3)
	require.Len(t, got, 3)
	require.Equal(t, []string{"PM-1", "PM-2", "PM-4"}, []string{got[0].Key, got[1].Key, got[2].Key})
	require.Equal(t, []QuoteSource{{Key: "PM-3", Title: "Outage PM-3", URL: "https://jira.example.com/browse/PM-3", Team: "search"}}, got[0].Also)
	require.Equal(t, "PM-6", got[1].Also[0].Key)
	require.Empty(t, got[2].Also)

	d := &Digest{Month: "2026-11", MonthName: "November 2026", Highlights: HighlightSection{Lessons: got}}
	md, err := RenderMarkdown(d)
	require.NoError(t, err)
	require.Contains(t, string(md), "> Also written this month in [Outage PM-3](https://jira.example.com/browse/PM-3) · search")
	html, err := RenderHTML(d)
	require.NoError(t, err)
	require.Contains(t, string(html), `Also written this month in <a href="https://jira.example.com/browse/PM-3">Outage PM-3</a> · search</p>`)

	// Past three, the others are counted, not linked.
	for _, k := range []string{"PM-7", "PM-8", "PM-9", "PM-10"} {
		got[0].Also = append(got[0].Also, QuoteSource{Key: k, URL: "https://jira.example.com/browse/" + k})
	}
	d.Highlights.Lessons = got
	md, err = RenderMarkdown(d)
	require.NoError(t, err)
	require.Contains(t, string(md), "[PM-8](https://jira.example.com/browse/PM-8); and 2 more\n")
	require.NotContains(t, string(md), "PM-9")
	html, err = RenderHTML(d)
	require.NoError(t, err)
	require.Contains(t, string(html), `<a href="https://jira.example.com/browse/PM-8">PM-8</a>; and 2 more</p>`)
	require.NotContains(t, string(html), "PM-9")
}
