package analyze

import (
	"context"
	"errors"
	"fmt"

	"github.com/aftermath-sre/aftermath/analyze/similar"
	"github.com/aftermath-sre/aftermath/store"
)

// SimilarPostmortem is an earlier postmortem like the one asked about, with
// what a reader needs to open it.
type SimilarPostmortem struct {
	similar.Match
	Title   string `json:"title"`
	URL     string `json:"url,omitempty"`
	Service string `json:"service,omitempty"`
	// SharedThemeLabels are the labels of the shared themes, in the order of
	// Match.SharedThemes.
	SharedThemeLabels []string `json:"shared_theme_labels,omitempty"`
}

// ErrNoAnalysis is returned by Similar when no analysis run has stored
// themes yet.
var ErrNoAnalysis = errors.New("no successful analysis run yet: run `aftermath analyze` first")

// Similar lists up to n postmortems created before the one with key, most
// similar first, matched on the themes of the latest analysis, the wording
// of the contributing factors and the service (package analyze/similar).
func Similar(ctx context.Context, st *store.Store, key string, n int) ([]SimilarPostmortem, error) {
	m, err := SimilarMany(ctx, st, []string{key}, n)
	if err != nil {
		return nil, err
	}
	list, ok := m[key]
	if !ok {
		return nil, fmt.Errorf("similar: no postmortem %q in the store", key)
	}
	return list, nil
}

// SimilarMany is Similar for several postmortems at once: the postmortems
// are read and indexed once. A key that is not a stored postmortem (deleted
// since the analysis that quoted it) has no entry in the result.
func SimilarMany(ctx context.Context, st *store.Store, keys []string, n int) (map[string][]SimilarPostmortem, error) {
	run, ok, err := st.LatestAnalysisRun(ctx)
	if err != nil {
		return nil, fmt.Errorf("similar: %w", err)
	}
	if !ok {
		return nil, ErrNoAnalysis
	}
	pms, err := st.SimilarInputs(ctx)
	if err != nil {
		return nil, fmt.Errorf("similar: %w", err)
	}
	byKey := make(map[string]*store.SimilarInput, len(pms))
	for i := range pms {
		byKey[pms[i].Key] = &pms[i]
	}
	fts, err := st.FactorThemes(ctx, run.ID)
	if err != nil {
		return nil, fmt.Errorf("similar: %w", err)
	}
	states, err := st.Themes(ctx, run.ID)
	if err != nil {
		return nil, fmt.Errorf("similar: %w", err)
	}
	labels := make(map[string]string, len(states))
	for _, s := range states {
		labels[s.ID] = s.Label
	}
	ix, err := similarIndex(pms, fts)
	if err != nil {
		return nil, fmt.Errorf("similar: %w", err)
	}
	out := make(map[string][]SimilarPostmortem, len(keys))
	for _, key := range keys {
		if byKey[key] == nil {
			continue
		}
		ms, err := ix.Similar(key, n)
		if err != nil {
			return nil, err
		}
		list := make([]SimilarPostmortem, len(ms))
		for i, m := range ms {
			p := byKey[m.Key]
			list[i] = SimilarPostmortem{Match: m, Title: p.Title, URL: p.URL, Service: p.Service}
			for _, id := range m.SharedThemes {
				list[i].SharedThemeLabels = append(list[i].SharedThemeLabels, labels[id])
			}
		}
		out[key] = list
	}
	return out, nil
}

// similarIndex indexes every stored postmortem for matching, with the
// themes of its factors from assignments.
func similarIndex(pms []store.SimilarInput, assignments []store.FactorTheme) (*similar.Index, error) {
	themesOf := make(map[string][]string)
	for _, a := range assignments {
		themesOf[a.PostmortemKey] = append(themesOf[a.PostmortemKey], a.ThemeID)
	}
	in := make([]similar.Postmortem, len(pms))
	for i := range pms {
		p := &pms[i]
		in[i] = similar.Postmortem{Key: p.Key, Created: p.CreatedAt, Themes: themesOf[p.Key], Factors: p.Factors}
		if p.Service != "" {
			in[i].Services = []string{p.Service}
		}
	}
	return similar.NewIndex(in, similar.Options{})
}
