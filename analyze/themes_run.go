package analyze

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aftermath-sre/aftermath/analyze/internal/calc"
	"github.com/aftermath-sre/aftermath/analyze/themes"
	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
)

type themeRun struct {
	res            themes.Result
	state          []store.ThemeState
	assignments    []store.FactorTheme
	incidentThemes map[string][]string // incident id -> themes of its postmortems' factors
	results        []store.Result
	items          []store.AnalysisItem
	texts          textCacheStats // factor texts clustered, of which featurized in this run
}

// FactorID is the id a contributing factor has in clustering and in
// representative fields: "<postmortem key>#<ordinal>".
func FactorID(postmortemKey string, ordinal int) string {
	return postmortemKey + "#" + strconv.Itoa(ordinal)
}

func splitFactorID(id string) (string, int, bool) {
	i := strings.LastIndexByte(id, '#')
	if i < 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(id[i+1:])
	return id[:i], n, err == nil
}

// previousThemes reads the themes and assignments of the latest successful run.
func previousThemes(ctx context.Context, st *store.Store) ([]themes.Theme, map[string]string, error) {
	run, ok, err := st.LatestAnalysisRun(ctx)
	if err != nil || !ok {
		return nil, nil, err
	}
	states, err := st.Themes(ctx, run.ID)
	if err != nil {
		return nil, nil, err
	}
	prev := make([]themes.Theme, len(states))
	for i, s := range states {
		c := make(map[string]float64, len(s.CentroidTerms))
		for j, t := range s.CentroidTerms {
			c[t] = s.CentroidWeights[j]
		}
		prev[i] = themes.Theme{ID: s.ID, Label: s.Label, TopTerms: s.TopTerms, Families: s.Families,
			Representative: s.Representative, RepresentativeText: s.RepresentativeText, Size: s.Size, Centroid: c}
	}
	fts, err := st.FactorThemes(ctx, run.ID)
	if err != nil {
		return nil, nil, err
	}
	assign := make(map[string]string, len(fts))
	for _, a := range fts {
		assign[FactorID(a.PostmortemKey, a.Ordinal)] = a.ThemeID
	}
	return prev, assign, nil
}

// textAnalyzerThemes is the per-text analyzer of the themes: each factor
// text's features (cause class with its evidence, normalized term stream)
// are stored under themes.Version (see perText), so a run featurizes only
// new and changed factor texts and forms the themes over stored features.
const textAnalyzerThemes = "themes-features"

// factorText is what the themes read of a factor: its name as a sentence,
// then its text.
func factorText(f *store.Factor) string {
	text := strings.TrimSpace(f.Name)
	if text != "" && !strings.HasSuffix(text, ".") {
		text += "."
	}
	return strings.TrimSpace(text + " " + f.Text)
}

func clusterThemes(ctx context.Context, log *slog.Logger, st *store.Store, d *dataset, ps calc.Periods, opts themes.Options) (themeRun, error) {
	var out themeRun
	prev, prevAssign, err := previousThemes(ctx, st)
	if err != nil {
		return out, err
	}
	if opts.PrevAssignments == nil {
		opts.PrevAssignments = prevAssign
	}
	t0 := time.Now()
	// Every factor by the hash of its text; the texts themselves are read
	// only for hashes without stored features.
	type factorRef struct{ pm, f int32 }
	var refs []factorRef
	var hashes []string
	byHash := map[string]factorRef{}
	for i := range d.postmortems {
		pm := &d.postmortems[i]
		if pm.CreatedAt.After(ps.Now) {
			continue
		}
		for j := range pm.Factors {
			r := factorRef{int32(i), int32(j)}
			h := store.TextHash(factorText(&pm.Factors[j]))
			refs = append(refs, r)
			hashes = append(hashes, h)
			byHash[h] = r
		}
	}
	textOf := func(r factorRef) string { return factorText(&d.postmortems[r.pm].Factors[r.f]) }
	fz := themes.NewFeaturizer()
	feats, stats, err := perTextOf(ctx, log, st, textAnalyzerThemes, themes.Version, hashes,
		func(h string) (string, bool) {
			r, ok := byHash[h]
			if !ok {
				return "", false
			}
			return textOf(r), true
		}, fz.Featurize, func(themes.Features) bool { return false })
	if err != nil {
		return out, err
	}
	byHash = nil
	out.texts = stats
	log.Debug("themes: factor features", "texts", stats.Texts, "featurized", stats.Analyzed, "took", time.Since(t0))
	if stats.Analyzed > 0 {
		// Features of other versions are never read again.
		if err := st.PruneTextAnalyses(ctx, textAnalyzerThemes, themes.Version); err != nil {
			log.Warn("themes: prune stored features of other versions", "err", err)
		}
	}
	items := make([]themes.FeatureItem, len(refs))
	for i, r := range refs {
		id := FactorID(d.postmortems[r.pm].Key, d.postmortems[r.pm].Factors[r.f].Ordinal)
		f, ok := feats[hashes[i]]
		if !ok {
			return out, fmt.Errorf("themes: no features for factor %s (text %s)", id, hashes[i])
		}
		items[i] = themes.FeatureItem{ID: id, Features: f}
	}
	feats, hashes = nil, nil
	t0 = time.Now()
	res, err := themes.ClusterFeatures(items, prev, opts)
	if err != nil {
		return out, err
	}
	log.Debug("themes: formed", "factors", len(items), "themes", len(res.Themes), "took", time.Since(t0))
	// Only the representatives' texts are shown.
	rep := map[string]int{}
	for _, t := range res.Themes {
		rep[t.Representative] = -1
	}
	for i, it := range items {
		if _, ok := rep[it.ID]; ok {
			rep[it.ID] = i
		}
	}
	items = nil
	for i := range res.Themes {
		if j := rep[res.Themes[i].Representative]; j >= 0 {
			res.Themes[i].RepresentativeText = textOf(refs[j])
		}
	}
	out.res = res

	for _, t := range res.Themes {
		st := store.ThemeState{ID: t.ID, Label: t.Label, TopTerms: t.TopTerms, Families: t.Families,
			Representative: t.Representative, RepresentativeText: t.RepresentativeText, Size: t.Size}
		terms := make([]string, 0, len(t.Centroid))
		for k := range t.Centroid {
			terms = append(terms, k)
		}
		sort.Strings(terms)
		for _, k := range terms {
			st.CentroidTerms = append(st.CentroidTerms, k)
			st.CentroidWeights = append(st.CentroidWeights, t.Centroid[k])
		}
		out.state = append(out.state, st)
	}
	ids := make([]string, 0, len(res.Assignments))
	for id := range res.Assignments {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if key, ord, ok := splitFactorID(id); ok {
			out.assignments = append(out.assignments, store.FactorTheme{PostmortemKey: key, Ordinal: ord, ThemeID: res.Assignments[id]})
		}
	}

	s := calc.Sink{}
	s.Add(metrics.Themes, float64(len(res.Themes)))
	for _, t := range res.Themes {
		s.Add(metrics.ThemeInfo, 1, "theme", t.ID, "label", t.Label, "class", label(t.Class))
	}
	type key struct {
		period       int
		theme, other string
	}
	byTheme, byTeam, bySvc, byClass := map[key]int{}, map[key]int{}, map[key]int{}, map[key]int{}
	out.incidentThemes = map[string][]string{}
	for i := range d.postmortems {
		pm := &d.postmortems[i]
		var pmThemes []string
		for _, f := range pm.Factors {
			id := FactorID(pm.Key, f.Ordinal)
			if c, ok := res.Causes[id]; ok {
				ps.Of(pm.CreatedAt, func(p int) { byClass[key{p, c.Class, ""}]++ })
			}
			th, ok := res.Assignments[id]
			if !ok {
				continue
			}
			if !contains(pmThemes, th) {
				pmThemes = append(pmThemes, th)
			}
			ps.Of(pm.CreatedAt, func(p int) {
				byTheme[key{p, th, ""}]++
				byTeam[key{p, th, label(pm.Team)}]++
				bySvc[key{p, th, label(pm.Service)}]++
			})
		}
		for _, id := range pm.IncidentIDs {
			for _, th := range pmThemes {
				if !contains(out.incidentThemes[id], th) {
					out.incidentThemes[id] = append(out.incidentThemes[id], th)
				}
			}
		}
	}
	for _, m := range []struct {
		f     metrics.Family
		other string
		data  map[key]int
	}{{metrics.ThemeFactors, "", byTheme}, {metrics.ThemeFactorsByTeam, "team", byTeam}, {metrics.ThemeFactorsByService, "service", bySvc}, {metrics.CauseClassFactors, "", byClass}} {
		keys := make([]key, 0, len(m.data))
		for k := range m.data {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			a, b := keys[i], keys[j]
			if a.period != b.period {
				return a.period < b.period
			}
			if a.theme != b.theme {
				return a.theme < b.theme
			}
			return a.other < b.other
		})
		for _, k := range keys {
			kv := []string{"period", ps.All[k.period].Label, "theme", k.theme}
			if m.f == metrics.CauseClassFactors {
				kv[2] = "class"
			}
			if m.other != "" {
				kv = append(kv, m.other, k.other)
			}
			s.Add(m.f, float64(m.data[k]), kv...)
		}
	}
	changes := map[string]int{themes.ChangeNew: 0, themes.ChangeMerge: 0, themes.ChangeSplit: 0, themes.ChangeRetired: 0}
	for _, c := range res.Changes {
		changes[c.Kind]++
	}
	for _, k := range []string{themes.ChangeMerge, themes.ChangeNew, themes.ChangeRetired, themes.ChangeSplit} {
		s.Add(metrics.ThemeChanges, float64(changes[k]), "kind", k)
	}
	out.results = s.Results

	for r, t := range res.Themes {
		out.items = append(out.items, store.AnalysisItem{
			Analysis: AnalysisThemes, Kind: ItemTheme, Key: t.ID, Rank: r, Value: float64(t.Size),
			Fields: []store.Field{
				{Name: "label", Value: t.Label}, {Name: "top_terms", Value: strings.Join(t.TopTerms, ", ")},
				{Name: "families", Value: strings.Join(t.Families, ", ")}, {Name: "class", Value: t.Class},
				{Name: "class_share", Value: strconv.FormatFloat(t.ClassShare, 'f', 3, 64)}, {Name: "representative", Value: t.Representative},
				{Name: "representative_text", Value: t.RepresentativeText}, {Name: "size", Value: strconv.Itoa(t.Size)},
			},
		})
	}
	for r, c := range res.Changes {
		k := c.Into
		if k == "" {
			k = c.From
		}
		if k == "" && len(c.ThemeIDs) > 0 {
			k = c.ThemeIDs[0]
		}
		out.items = append(out.items, store.AnalysisItem{
			Analysis: AnalysisThemes, Kind: ItemThemeChange, Key: k, Rank: r, Value: 1,
			Fields: []store.Field{
				{Name: "change", Value: c.Kind}, {Name: "themes", Value: strings.Join(c.ThemeIDs, ",")},
				{Name: "into", Value: c.Into}, {Name: "from", Value: c.From},
			},
		})
	}
	return out, nil
}

func label(v string) string {
	if v == "" {
		return "unknown"
	}
	return v
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
