package analyze

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/aftermath-sre/aftermath/analyze/similar"
	"github.com/aftermath-sre/aftermath/store"
)

// SimilarPerHighlight is how many earlier postmortems a run lists for each
// postmortem the digest quotes.
const SimilarPerHighlight = 3

// AnalysisSimilar names the step that finds earlier postmortems like the
// month's quoted ones (its items feed the digest's highlights).
const AnalysisSimilar = "similar"

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

// HighlightsMatched is how many quoted postmortems of each month, section
// and team get similar matches: the first ones in the highlights' order,
// as many as a digest quotes (digest.Options.MaxItems defaults to 5).
const HighlightsMatched = 5

// similarItems lists, for the first HighlightsMatched postmortems quoted in
// each month, section and team (the ones a digest can show), up to n earlier
// postmortems most like it (ItemSimilarPostmortem), matched on the
// run's themes, the factors' wording and the service. It reads the
// postmortems itself: the step needs every postmortem's factor texts, which
// the other steps do not.
func similarItems(ctx context.Context, st *store.Store, th themeRun, highlights []store.AnalysisItem, n int) ([]store.AnalysisItem, error) {
	type quoted struct{ key, period, team, service string }
	var hl []store.AnalysisItem
	for _, it := range highlights {
		if it.Kind == ItemHighlight {
			hl = append(hl, it)
		}
	}
	sort.SliceStable(hl, func(i, j int) bool { return hl[i].Rank < hl[j].Rank })
	seen, shown := map[string]bool{}, map[string]int{}
	var qs []quoted
	for _, it := range hl {
		list := it.Period + "\x00" + it.Field("section") + "\x00" + it.Team
		if shown[list] >= HighlightsMatched {
			continue
		}
		shown[list]++
		if seen[it.Period+"\x00"+it.Key] {
			continue
		}
		seen[it.Period+"\x00"+it.Key] = true
		qs = append(qs, quoted{it.Key, it.Period, it.Team, it.Service})
	}
	if len(qs) == 0 || n <= 0 {
		return nil, nil
	}
	pms, err := st.SimilarInputs(ctx)
	if err != nil {
		return nil, err
	}
	ix, err := similarIndex(pms, th.assignments)
	if err != nil {
		return nil, err
	}
	byKey := make(map[string]*store.SimilarInput, len(pms))
	for i := range pms {
		byKey[pms[i].Key] = &pms[i]
	}
	labels := make(map[string]string, len(th.state))
	for _, s := range th.state {
		labels[s.ID] = s.Label
	}
	sort.Slice(qs, func(i, j int) bool {
		if qs[i].period != qs[j].period {
			return qs[i].period < qs[j].period
		}
		return qs[i].key < qs[j].key
	})
	var out []store.AnalysisItem
	for _, q := range qs {
		if byKey[q.key] == nil {
			continue // a highlight of a postmortem deleted since: nothing to match
		}
		ms, err := ix.Similar(q.key, n)
		if err != nil {
			return nil, fmt.Errorf("similar to %s: %w", q.key, err)
		}
		for r, m := range ms {
			p := byKey[m.Key]
			shared := make([]string, 0, len(m.SharedThemes))
			for _, id := range m.SharedThemes {
				if l := labels[id]; l != "" {
					shared = append(shared, l)
				}
			}
			out = append(out, store.AnalysisItem{
				Analysis: AnalysisSimilar, Kind: ItemSimilarPostmortem, Period: q.period, Key: q.key,
				Team: q.team, Service: q.service, Rank: r, Value: m.Score,
				Fields: []store.Field{
					{Name: "similar", Value: m.Key},
					{Name: "title", Value: p.Title},
					{Name: "url", Value: p.URL},
					{Name: "service", Value: p.Service},
					{Name: "created_at", Value: p.CreatedAt.UTC().Format("2006-01-02T15:04:05Z")},
					{Name: "score", Value: strconv.FormatFloat(m.Score, 'f', 3, 64)},
					{Name: "shared_themes", Value: strings.Join(shared, "; ")},
				},
			})
		}
	}
	return out, nil
}
