package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// TestStreamSimilarInputs reads each postmortem once, ordered by key, with
// the texts of its current factors (a factor dropped by a newer version is
// not read) and the themes of the asked run only, both sorted; a postmortem without
// factors or themes comes with none; before bounds the creation time.
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

	read := func(runID string, before time.Time) []store.SimilarInput {
		var out []store.SimilarInput
		require.NoError(t, st.StreamSimilarInputs(ctx, runID, before, func(p store.SimilarInput) error {
			require.True(t, slices.IsSorted(p.Factors), p.Key)
			require.True(t, slices.IsSorted(p.Themes), p.Key)
			out = append(out, p)
			return nil
		}))
		return out
	}
	in := func(key string, created time.Time, service string, factors, themes []string) store.SimilarInput {
		return store.SimilarInput{Key: key, Title: "Title " + key, URL: "https://jira/browse/" + key, Service: service, CreatedAt: created,
			Factors: factors, Themes: themes}
	}
	a := in("PM-A", t0.Add(time.Hour), "", []string{}, []string{})
	require.Equal(t, []store.SimilarInput{
		a,
		in("PM-B", t0, "checkout", []string{"config pushed without validation", "no canary"}, []string{"T-config", "T-deploy"}),
		in("PM-C", t0.Add(2*time.Hour), "search", []string{"disk full"}, []string{"T-capacity"}),
	}, read("run-1", time.Time{}))

	a.Themes = []string{"T-other"}
	require.Equal(t, []store.SimilarInput{a, in("PM-B", t0, "checkout", []string{"config pushed without validation", "no canary"}, []string{})},
		read("run-2", t0.Add(2*time.Hour)), "created strictly before the bound, run-2's themes")

	stop := errors.New("stop")
	calls := 0
	err := st.StreamSimilarInputs(ctx, "run-1", time.Time{}, func(store.SimilarInput) error { calls++; return stop })
	require.ErrorIs(t, err, stop)
	require.Equal(t, 1, calls, "an error from fn ends the stream")
}
