package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// TestStreamSimilarInputs reads each postmortem once with the texts of its
// current factors (a factor dropped by a newer version is not read) and the
// themes of the asked run only, both sorted; a postmortem without factors or
// themes comes with none; the filter bounds the creation time and picks keys.
// StreamFactorTexts reads the same texts and counts every postmortem.
func TestStreamSimilarInputs(t *testing.T) {
	st := chtest.Store(t)
	ctx := context.Background()
	pm := func(key string, created time.Time, service string, texts ...string) store.Postmortem {
		p := store.Postmortem{Key: key, ID: key, Title: "Title " + key, URL: "https://jira/browse/" + key, Service: service, Status: "Draft",
			CreatedAt: created, UpdatedAt: created, Labels: []string{}, IncidentIDs: []string{}, ActionItemKeys: []string{}}
		for i, x := range texts {
			p.Factors = append(p.Factors, store.Factor{Ordinal: i + 1, Name: "n", Text: x})
		}
		return p
	}
	b := pm("PM-B", t0, "checkout", "config pushed without validation", "no canary", "alert too late")
	require.NoError(t, st.UpsertPostmortems(ctx, []store.Postmortem{
		pm("PM-C", t0.Add(2*time.Hour), "search", "disk full"),
		b,
		pm("PM-A", t0.Add(time.Hour), ""),
	}))
	// A newer version of PM-B drops its third factor.
	b.Factors, b.UpdatedAt = b.Factors[:2], t0.Add(24*time.Hour)
	require.NoError(t, st.UpsertPostmortems(ctx, []store.Postmortem{b}))
	require.NoError(t, st.WriteThemes(ctx, "run-1", t0, nil, []store.FactorTheme{
		{PostmortemKey: "PM-B", Ordinal: 1, ThemeID: "T-config"}, {PostmortemKey: "PM-B", Ordinal: 2, ThemeID: "T-deploy"},
		{PostmortemKey: "PM-C", Ordinal: 1, ThemeID: "T-capacity"}, {PostmortemKey: "PM-GONE", Ordinal: 1, ThemeID: "T-x"},
	}))
	require.NoError(t, st.WriteThemes(ctx, "run-2", t0, nil, []store.FactorTheme{{PostmortemKey: "PM-A", Ordinal: 1, ThemeID: "T-other"}}))

	read := func(runID string, f store.SimilarFilter) []store.SimilarInput {
		var out []store.SimilarInput
		require.NoError(t, st.StreamSimilarInputs(ctx, runID, f, func(p store.SimilarInput) error {
			require.True(t, slices.IsSorted(p.Factors), p.Key)
			require.True(t, slices.IsSorted(p.Themes), p.Key)
			out = append(out, p)
			return nil
		}))
		slices.SortFunc(out, func(a, b store.SimilarInput) int { return strings.Compare(a.Key, b.Key) })
		return out
	}
	in := func(key string, created time.Time, service string, factors, themes []string) store.SimilarInput {
		return store.SimilarInput{Key: key, Title: "Title " + key, URL: "https://jira/browse/" + key, Service: service, CreatedAt: created,
			Factors: factors, Themes: themes}
	}
	a := in("PM-A", t0.Add(time.Hour), "", []string{}, []string{})
	b1 := in("PM-B", t0, "checkout", []string{"config pushed without validation", "no canary"}, []string{"T-config", "T-deploy"})
	c := in("PM-C", t0.Add(2*time.Hour), "search", []string{"disk full"}, []string{"T-capacity"})
	require.Equal(t, []store.SimilarInput{a, b1, c}, read("run-1", store.SimilarFilter{}))
	require.Equal(t, []store.SimilarInput{a, c}, read("run-1", store.SimilarFilter{Keys: []string{"PM-C", "PM-A", "PM-GONE"}}))
	require.Empty(t, read("run-1", store.SimilarFilter{Keys: []string{}}), "no keys, no postmortems")
	require.Equal(t, []store.SimilarInput{b1}, read("run-1", store.SimilarFilter{Keys: []string{"PM-B", "PM-C"}, Before: t0.Add(2 * time.Hour)}))

	a.Themes, b1.Themes = []string{"T-other"}, []string{}
	require.Equal(t, []store.SimilarInput{a, b1}, read("run-2", store.SimilarFilter{Before: t0.Add(2 * time.Hour)}),
		"created strictly before the bound, run-2's themes")

	stop := errors.New("stop")
	calls := 0
	err := st.StreamSimilarInputs(ctx, "run-1", store.SimilarFilter{}, func(store.SimilarInput) error { calls++; return stop })
	require.ErrorIs(t, err, stop)
	require.Equal(t, 1, calls, "an error from fn ends the stream")

	// The factor texts alone: the postmortems with factors, and how many
	// there are in all.
	texts := map[string][]string{}
	n, err := st.StreamFactorTexts(ctx, func(key string, x []string) error {
		_, dup := texts[key]
		require.False(t, dup, key)
		texts[key] = x
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, 3, n)
	require.Equal(t, map[string][]string{"PM-B": b1.Factors, "PM-C": c.Factors}, texts)
	_, err = st.StreamFactorTexts(ctx, func(string, []string) error { return stop })
	require.ErrorIs(t, err, stop)
}
