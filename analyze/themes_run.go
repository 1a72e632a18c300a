package analyze

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

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
	// postmortemThemes are the distinct themes of each themed postmortem's
	// factors, in factor id order.
	postmortemThemes map[string][]string
	results          []store.Result
	items            []store.AnalysisItem
	texts            textCacheStats // factors clustered, and texts featurized in this run
	factors          []string       // ids of the factors clustered, in id order
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
	// Streamed into the map: one string per factor (its id), theme ids
	// shared.
	assign := map[string]string{}
	ids := map[string]string{}
	err = st.StreamFactorThemes(ctx, run.ID, func(factorID, themeID string) error {
		th, ok := ids[themeID]
		if !ok {
			th = themeID
			ids[th] = th
		}
		assign[factorID] = th
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return prev, assign, nil
}

// textAnalyzerThemes is the per-text analyzer of the themes: each factor's
// features (cause class with its evidence, normalized term stream) are
// stored under themes.Version, keyed by store.FactorHash of its name and
// text, so a run featurizes only new and changed factors and forms the
// themes over stored features.
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

// featurizeNewFactors featurizes and stores the factors of the postmortems
// created by until that have no stored features, textPutBatch distinct
// texts at a time, so only they are read and no more of them are held.
func featurizeNewFactors(ctx context.Context, log *slog.Logger, st *store.Store, until time.Time, memo *Memo) (int, error) {
	var fz *themes.Featurizer // taken only when a text needs it
	seen := map[string]bool{}
	var hashes, texts []string
	n := 0
	flush := func() error {
		if len(hashes) == 0 {
			return nil
		}
		if fz == nil {
			fz = memo.Featurizer()
		}
		if _, err := analyzeNew(ctx, log, st, textAnalyzerThemes, themes.Version, hashes, texts, fz.Featurize); err != nil {
			return err
		}
		n += len(hashes)
		hashes, texts = hashes[:0], texts[:0]
		return nil
	}
	err := st.UnanalyzedFactors(ctx, textAnalyzerThemes, themes.Version, until, func(f store.FactorText) error {
		if seen[f.Hash] {
			return nil
		}
		seen[f.Hash] = true
		hashes = append(hashes, f.Hash)
		texts = append(texts, factorText(&store.Factor{Name: f.Name, Text: f.Text}))
		if len(hashes) == textPutBatch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	return n, flush()
}

// decodeBatch is how many stored features are decoded together (on every
// core) before they are passed on in order.
const decodeBatch = 4096

// streamFeatures passes every current factor's stored features to add in
// id order, decoding them a batch at a time on every core. Only the cause
// class and cue of a feature's cause are kept (the evidence sentence is
// not needed to form themes).
func streamFeatures(ctx context.Context, log *slog.Logger, st *store.Store, until time.Time, add func(id string, f themes.Features) error) error {
	type row struct{ id, payload string }
	batch := make([]row, 0, decodeBatch)
	feats := make([]themes.Features, decodeBatch)
	cues := map[string]string{} // interned class and cue strings
	intern := func(s string) string {
		if v, ok := cues[s]; ok {
			return v
		}
		cues[s] = s
		return s
	}
	flush := func() error {
		err := eachInParallel(log, textAnalyzerThemes, len(batch), 512, func(i int) error {
			feats[i] = themes.Features{}
			if err := json.Unmarshal([]byte(batch[i].payload), &feats[i]); err != nil {
				return fmt.Errorf("themes: decode stored features of factor %s: %w", batch[i].id, err)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for i := range batch {
			c := feats[i].Cause
			f := themes.Features{Terms: feats[i].Terms, Cause: themes.Cause{Class: intern(c.Class), Cue: intern(c.Cue), Unknown: c.Unknown}}
			if err := add(batch[i].id, f); err != nil {
				return err
			}
		}
		batch = batch[:0]
		return nil
	}
	err := st.FactorAnalyses(ctx, textAnalyzerThemes, themes.Version, until, func(key string, ordinal int, payload string) error {
		id := FactorID(key, ordinal)
		if payload == "" {
			// Featurized at the step's start; gone only if pruned since.
			return fmt.Errorf("themes: no stored features for factor %s at version %s", id, themes.Version)
		}
		batch = append(batch, row{id, payload})
		if len(batch) == decodeBatch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

func clusterThemes(ctx context.Context, log *slog.Logger, st *store.Store, d *dataset, ps calc.Periods, opts themes.Options, memo *Memo) (themeRun, error) {
	var out themeRun
	prev, prevAssign, err := previousThemes(ctx, st)
	if err != nil {
		return out, err
	}
	if opts.PrevAssignments == nil {
		opts.PrevAssignments = prevAssign
	}
	// Re-form the themes from the previous run's while few factors are new
	// (themes.WarmStartHolds); k is chosen again when they are not.
	opts.WarmStart = true
	t0 := time.Now()
	analyzed, err := featurizeNewFactors(ctx, log, st, ps.Now, memo)
	if err != nil {
		return out, err
	}
	log.Debug("themes: new factor texts featurized", "texts", analyzed, "took", time.Since(t0))
	if analyzed > 0 {
		// Features of other versions are never read again.
		if err := st.PruneTextAnalyses(ctx, textAnalyzerThemes, themes.Version); err != nil {
			log.Warn("themes: prune stored features of other versions", "err", err)
		}
	}
	t0 = time.Now()
	var ids []string // every factor clustered, in id order
	res, err := themes.ClusterStream(func(add func(id string, f themes.Features) error) error {
		return streamFeatures(ctx, log, st, ps.Now, func(id string, f themes.Features) error {
			ids = append(ids, id)
			return add(id, f)
		})
	}, prev, opts)
	if err != nil {
		return out, err
	}
	out.factors = ids
	out.texts = textCacheStats{Texts: len(ids), Analyzed: analyzed}
	log.Debug("themes: formed", "factors", len(ids), "themes", len(res.Themes), "warm", res.Warm, "took", time.Since(t0))
	// Only the representatives' texts are read, and shown.
	var reps []store.FactorText
	for _, t := range res.Themes {
		if key, ord, ok := splitFactorID(t.Representative); ok {
			reps = append(reps, store.FactorText{PostmortemKey: key, Ordinal: ord})
		}
	}
	texts, err := st.FactorTexts(ctx, reps)
	if err != nil {
		return out, err
	}
	repText := map[string]string{}
	for _, f := range texts {
		repText[FactorID(f.PostmortemKey, f.Ordinal)] = factorText(&store.Factor{Name: f.Name, Text: f.Text})
	}
	for i := range res.Themes {
		res.Themes[i].RepresentativeText = repText[res.Themes[i].Representative]
	}
	services, err := st.ServiceNames(ctx)
	if err != nil {
		return out, err
	}
	nameComponentThemes(res.Themes, services)
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
	out.assignments = make([]store.FactorTheme, 0, len(res.Assignments))
	for _, id := range ids { // in id order
		th, ok := res.Assignments[id]
		if !ok {
			continue
		}
		if key, ord, ok := splitFactorID(id); ok {
			out.assignments = append(out.assignments, store.FactorTheme{PostmortemKey: key, Ordinal: ord, ThemeID: th})
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
	// Per team, theme and month, the factor of the team's latest
	// postmortem in it: a team digest's example of the theme from the
	// team's own postmortems (the theme's representative is the
	// organization's).
	type example struct {
		id string
		at time.Time
	}
	examples := map[key]example{}
	sortKeys := func(keys []key) {
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
	}
	out.incidentThemes = map[string][]string{}
	out.postmortemThemes = map[string][]string{}
	sets := themeSets{}
	// ids are in id order, so the factors of one postmortem are adjacent,
	// and the postmortems stream in the same order (store.ByFactorID): one
	// postmortem is held at a time.
	next := 0 // the first id not yet passed
	err = st.StreamPostmortemHeads(ctx, ps.Now, store.ByFactorID, func(pm *store.PostmortemHead) error {
		// Factors of postmortems before this one are of none read (stored
		// after the run read the factors): passed.
		for next < len(ids) && factorGroupBefore(ids[next], pm.Key) {
			next++
		}
		var pmThemes []string
		team, svc := label(d.team.name(pm.Team)), label(pm.Service)
		for ; next < len(ids); next++ {
			id := ids[next]
			pmKey, _, _ := splitFactorID(id)
			if pmKey != pm.Key {
				break
			}
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
				byTeam[key{p, th, team}]++
				bySvc[key{p, th, svc}]++
				// Later postmortems win; of one postmortem, its first
				// factor of the theme (ids stream in order).
				if k := (key{p, th, team}); p > 0 { // months only (All[0] is the rolling 30 days)
					if e, ok := examples[k]; !ok || pm.CreatedAt.After(e.at) {
						examples[k] = example{id, pm.CreatedAt}
					}
				}
			})
		}
		if len(pmThemes) == 0 {
			return nil
		}
		out.postmortemThemes[pm.Key] = sets.of(pmThemes)
		for _, id := range pm.IncidentIDs {
			ts := out.incidentThemes[id]
			grown := ts
			for _, th := range pmThemes {
				if !contains(grown, th) {
					grown = append(grown[:len(grown):len(grown)], th)
				}
			}
			if len(grown) != len(ts) {
				out.incidentThemes[id] = sets.of(grown)
			}
		}
		return nil
	})
	if err != nil {
		return out, err
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
		sortKeys(keys)
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
	// The team examples' texts, read together.
	exKeys := make([]key, 0, len(examples))
	var exFactors []store.FactorText
	for k, e := range examples {
		exKeys = append(exKeys, k)
		if pmKey, ord, ok := splitFactorID(e.id); ok {
			exFactors = append(exFactors, store.FactorText{PostmortemKey: pmKey, Ordinal: ord})
		}
	}
	sortKeys(exKeys)
	exTexts, err := st.FactorTexts(ctx, exFactors)
	if err != nil {
		return out, err
	}
	exText := map[string]string{}
	for _, f := range exTexts {
		exText[FactorID(f.PostmortemKey, f.Ordinal)] = factorText(&store.Factor{Name: f.Name, Text: f.Text})
	}
	for r, k := range exKeys {
		e := examples[k]
		text := exText[e.id]
		if text == "" {
			continue // changed since the factors were read
		}
		pmKey, _, _ := splitFactorID(e.id)
		out.items = append(out.items, store.AnalysisItem{
			Analysis: AnalysisThemes, Kind: ItemThemeTeamExample, Key: k.theme, Period: ps.All[k.period].Label, Team: k.other,
			Rank: r, Value: float64(byTeam[k]),
			Fields: []store.Field{{Name: "factor", Value: e.id}, {Name: "postmortem", Value: pmKey}, {Name: "text", Value: text}},
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

// factorGroupBefore reports whether the factor id comes before every factor
// of postmortem key in id order ("<key>#" as bytes).
func factorGroupBefore(id, key string) bool {
	pmKey, _, _ := splitFactorID(id)
	return pmKey+"#" < key+"#"
}

// themeSets interns theme lists: the many incidents and postmortems with the
// same themes share one slice (never appended to in place).
type themeSets map[string][]string

func (t themeSets) of(ts []string) []string {
	k := strings.Join(ts, "\x00")
	if s, ok := t[k]; ok {
		return s
	}
	s := append([]string(nil), ts...)
	t[k] = s
	return s
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

// nameComponentThemes renames the themes of the words named by their top
// terms ("factors about blob and store") when those terms spell one of the
// organization's services: such a theme gathers what went wrong around one
// component, whatever the cause, and says so ("factors around blob-store,
// mixed causes"). The longest name whose every part is among a theme's
// first three top terms, its first among them, wins.
func nameComponentThemes(ths []themes.Theme, services []string) {
	split := func(s string) []string {
		return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	}
	names := slices.Clone(services)
	sort.SliceStable(names, func(i, j int) bool { return len(split(names[i])) > len(split(names[j])) })
	for i := range ths {
		th := &ths[i]
		if !strings.HasPrefix(th.Label, "factors about ") {
			continue
		}
		words := map[string]bool{}
		for _, t := range th.TopTerms[:min(3, len(th.TopTerms))] {
			for _, w := range split(t) {
				words[w] = true
			}
		}
		for _, name := range names {
			parts := split(name)
			if len(parts) == 0 {
				continue
			}
			all := true
			for _, p := range parts {
				all = all && words[p]
			}
			// The theme's most characteristic term is part of the name.
			if all && len(th.TopTerms) > 0 && slices.Contains(parts, strings.ToLower(th.TopTerms[0])) {
				th.Label = "factors around " + name + ", mixed causes"
				break
			}
		}
	}
}
