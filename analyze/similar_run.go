package analyze

import (
	"context"
	"errors"
	"fmt"
	"time"

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

// SimilarMany is Similar for several postmortems at once. A key that is not
// a stored postmortem (deleted since the analysis that quoted it) has no
// entry in the result.
//
// It holds the vocabulary and the queries, not the postmortems: the factor
// texts of every stored postmortem are streamed to count how many
// postmortems use each term (the TF-IDF weights are over all of them), then
// the postmortems created before the newest query are streamed and each is
// scored against the queries, keeping the best n of each (similar.Search:
// the same matches, scores and order as a similar.Index of them). A
// postmortem stored between the two passes is scored with the counts of the
// first.
func SimilarMany(ctx context.Context, st *store.Store, keys []string, n int) (map[string][]SimilarPostmortem, error) {
	run, ok, err := st.LatestAnalysisRun(ctx)
	if err != nil {
		return nil, fmt.Errorf("similar: %w", err)
	}
	if !ok {
		return nil, ErrNoAnalysis
	}
	var queries []similar.Postmortem
	var latest time.Time
	if err := st.StreamSimilarInputs(ctx, run.ID, store.SimilarFilter{Keys: append([]string{}, keys...)}, func(p store.SimilarInput) error {
		queries = append(queries, similarPostmortem(p))
		if p.CreatedAt.After(latest) {
			latest = p.CreatedAt
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("similar: %w", err)
	}
	out := make(map[string][]SimilarPostmortem, len(queries))
	if len(queries) == 0 {
		return out, nil
	}
	// Pass 1: the document frequencies. A postmortem without factors counts
	// in the number of postmortems only.
	corpus := similar.NewCorpus()
	total, err := st.StreamFactorTexts(ctx, func(_ string, texts []string) error {
		corpus.Add(texts)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("similar: %w", err)
	}
	for range total - corpus.Len() {
		corpus.Add(nil)
	}
	search, err := corpus.Search(queries, n, similar.Options{})
	if err != nil {
		return nil, fmt.Errorf("similar: %w", err)
	}
	// Pass 2: the candidates. kept is what a reader needs of each
	// postmortem a query kept (at most the few that ever entered a top n).
	type about struct{ title, url, service string }
	kept := map[string]about{}
	if err := st.StreamSimilarInputs(ctx, run.ID, store.SimilarFilter{Before: latest}, func(p store.SimilarInput) error {
		if search.Offer(similarPostmortem(p)) {
			kept[p.Key] = about{p.Title, p.URL, p.Service}
		}
		return nil
	}); err != nil {
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
	for _, q := range queries {
		ms, err := search.Similar(q.Key)
		if err != nil {
			return nil, err
		}
		list := make([]SimilarPostmortem, len(ms))
		for i, m := range ms {
			p := kept[m.Key]
			list[i] = SimilarPostmortem{Match: m, Title: p.title, URL: p.url, Service: p.service}
			for _, id := range m.SharedThemes {
				list[i].SharedThemeLabels = append(list[i].SharedThemeLabels, labels[id])
			}
		}
		out[q.Key] = list
	}
	return out, nil
}

// similarPostmortem is what matching needs of a stored postmortem: its
// factors, the themes of their assignments and its service.
func similarPostmortem(p store.SimilarInput) similar.Postmortem {
	out := similar.Postmortem{Key: p.Key, Created: p.CreatedAt, Themes: p.Themes, Factors: p.Factors}
	if p.Service != "" {
		out.Services = []string{p.Service}
	}
	return out
}
