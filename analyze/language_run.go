package analyze

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aftermath-sre/aftermath/analyze/internal/calc"
	"github.com/aftermath-sre/aftermath/analyze/language"
	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
)

type textFinding struct {
	section string
	f       language.Finding
}

// Per-text analyzers of the language checks: their results are stored by
// text (see perText), so a run checks only new and changed texts.
const (
	textAnalyzerBlame  = "language-blame"
	textAnalyzerAction = "language-action"
)

// analyzeLanguage checks the prose of every postmortem and every action item
// created within the reported periods (older texts count in no period).
// Texts without a stored result are read once each, checked and stored
// first; then the postmortems and action items of the periods stream from
// the store one at a time with the stored results of their texts.
func analyzeLanguage(ctx context.Context, log *slog.Logger, st *store.Store, d *dataset, ps calc.Periods, names []string,
	maxPerMonth int, dismissLabel string) ([]store.Result, []store.AnalysisItem, int, languageCounts, error) {
	checker := language.NewChecker(language.BlameOptions{Names: names})
	start := ps.Start()
	// Which people are known changes what blame finds, so it is part of the
	// version under which blame results are stored.
	blameVersion := language.Version + "+names:" + store.TextHash(strings.Join(names, "\x00"))

	if err := carryBlameResults(ctx, log, st, blameVersion, names); err != nil {
		return nil, nil, 0, languageCounts{}, err
	}

	// New texts: checked on every core and stored, textPutBatch at a time.
	var hashes, texts []string
	newBlame := 0
	flushBlame := func() error {
		if len(hashes) == 0 {
			return nil
		}
		if _, err := analyzeNew(ctx, log, st, textAnalyzerBlame, blameVersion, hashes, texts, checker.CheckBlame); err != nil {
			return err
		}
		newBlame += len(hashes)
		hashes, texts = hashes[:0], texts[:0]
		return nil
	}
	err := st.UnanalyzedProse(ctx, textAnalyzerBlame, blameVersion, start, func(h, text string) error {
		hashes, texts = append(hashes, h), append(texts, text)
		if len(hashes) == textPutBatch {
			return flushBlame()
		}
		return nil
	})
	if err == nil {
		err = flushBlame()
	}
	if err != nil {
		return nil, nil, 0, languageCounts{}, err
	}
	newAction := 0
	actionInput := map[string]store.ActionText{} // of the batch
	checkAction := func(h string) []language.Finding {
		in := actionInput[h]
		return checker.CheckActionItem(in.Summary, in.HasOwner, in.HasDue)
	}
	flushAction := func() error {
		if len(hashes) == 0 {
			return nil
		}
		// The hashes stand for the texts: checkAction looks up the input.
		if _, err := analyzeNew(ctx, log, st, textAnalyzerAction, language.Version, hashes, hashes, checkAction); err != nil {
			return err
		}
		newAction += len(hashes)
		hashes = hashes[:0]
		clear(actionInput)
		return nil
	}
	err = st.UnanalyzedActionTexts(ctx, textAnalyzerAction, language.Version, start, func(a store.ActionText) error {
		hashes = append(hashes, a.Hash)
		actionInput[a.Hash] = a
		if len(hashes) == textPutBatch {
			return flushAction()
		}
		return nil
	})
	if err == nil {
		err = flushAction()
	}
	if err != nil {
		return nil, nil, 0, languageCounts{}, err
	}
	hashes, texts, actionInput = nil, nil, nil
	analyzed := newBlame + newAction

	order := map[string]int{}
	for i, s := range store.ProseSections {
		order[s] = i
	}
	s := calc.Sink{}
	type pr struct {
		period int
		rule   string
	}
	// counts are the findings by period and rule; dismissed the findings a
	// team dismissed with the label (a postmortem's, or an action item's
	// vagueness findings), which count nowhere else.
	counts, dismissed := map[pr]int{}, map[pr]int{}
	pms, blamed := make([]int, len(ps.All)), make([]int, len(ps.All))
	items, vague := make([]int, len(ps.All)), make([]int, len(ps.All))
	listed := map[[3]string]*latest{} // (month, subject, rule)
	add := func(month, subject, rule string, at time.Time, it func() store.AnalysisItem) {
		k := [3]string{month, subject, rule}
		l := listed[k]
		if l == nil {
			l = &latest{max: maxPerMonth}
			listed[k] = l
		}
		l.add(at, it)
	}
	// Each postmortem's findings, its sections in document order, then its
	// factors by ordinal.
	var fs []textFinding
	err = st.StreamPostmortemProse(ctx, textAnalyzerBlame, blameVersion, dismissLabel, start, ps.Now, func(pm *store.PostmortemProse) error {
		sort.Slice(pm.Texts, func(i, j int) bool {
			a, b := &pm.Texts[i], &pm.Texts[j]
			if a.Section != b.Section {
				return sectionRank(order, a.Section) < sectionRank(order, b.Section)
			}
			return a.Ordinal < b.Ordinal
		})
		fs = fs[:0]
		for _, p := range pm.Texts {
			found, err := storedFindings(p.Found, p.Payload, func() []language.Finding { return checker.CheckBlame(p.Text) })
			if err != nil {
				return fmt.Errorf("%s: postmortem %s: %w", textAnalyzerBlame, pm.Key, err)
			}
			sec := p.Section
			if sec == "factor" {
				sec = "factor " + strconv.Itoa(p.Ordinal)
			}
			for _, f := range found {
				fs = append(fs, textFinding{sec, f})
			}
		}
		team := d.team.name(pm.Team)
		if pm.Dismissed {
			ps.Of(pm.CreatedAt, func(p int) {
				pms[p]++
				for _, f := range fs {
					dismissed[pr{p, f.f.Rule}]++
				}
			})
			return nil
		}
		ps.Of(pm.CreatedAt, func(p int) {
			pms[p]++
			if len(fs) > 0 {
				blamed[p]++
			}
			for _, f := range fs {
				counts[pr{p, f.f.Rule}]++
				if p > 0 {
					add(ps.All[p].Label, "postmortem", f.f.Rule, pm.CreatedAt, func() store.AnalysisItem {
						return findingItem(ps.All[p].Label, "postmortem", pm.Key, team, pm.Service, pm.Title, pm.URL, f)
					})
				}
			}
		})
		return nil
	})
	if err != nil {
		return nil, nil, 0, languageCounts{}, err
	}
	var dis []language.Finding
	err = st.StreamActionTextResults(ctx, textAnalyzerAction, language.Version, dismissLabel, start, ps.Now, func(a *store.ActionTextResult) error {
		fs, err := storedFindings(a.Found, a.Payload, func() []language.Finding {
			return checker.CheckActionItem(a.Summary, a.HasOwner, a.HasDue)
		})
		if err != nil {
			return fmt.Errorf("%s: action item %s: %w", textAnalyzerAction, a.Key, err)
		}
		// A dismissed item's vagueness findings are its team's judgment to
		// override; a missing owner or due date is a fact and stays.
		dis = dis[:0]
		if a.Dismissed {
			fs = slices.DeleteFunc(slices.Clone(fs), func(f language.Finding) bool {
				if language.IsVagueRule(f.Rule) {
					dis = append(dis, f)
					return true
				}
				return false
			})
		}
		isVague := false
		for _, f := range fs {
			isVague = isVague || language.IsVagueRule(f.Rule)
		}
		team := ""
		if len(fs) > 0 {
			team = d.team.name(a.Team)
		}
		ps.Of(a.CreatedAt, func(p int) {
			items[p]++
			if isVague {
				vague[p]++
			}
			for _, f := range dis {
				dismissed[pr{p, f.Rule}]++
			}
			for _, f := range fs {
				counts[pr{p, f.Rule}]++
				if p > 0 {
					add(ps.All[p].Label, "action_item", f.Rule, a.CreatedAt, func() store.AnalysisItem {
						return findingItem(ps.All[p].Label, "action_item", a.Key, team, "", a.Summary, a.URL, textFinding{"summary", f})
					})
				}
			}
		})
		return nil
	})
	if err != nil {
		return nil, nil, 0, languageCounts{}, err
	}
	// Each family's rows by period, then rule. Every rule with findings in a
	// period also gets its dismissed count, 0 when the teams dismissed none,
	// so that "none dismissed" is a value and not a missing series.
	for k := range counts {
		if _, ok := dismissed[k]; !ok {
			dismissed[k] = 0
		}
	}
	for _, fam := range []struct {
		f metrics.Family
		n map[pr]int
	}{{metrics.LanguageFindings, counts}, {metrics.LanguageFindingsDismissed, dismissed}} {
		keys := slices.SortedFunc(maps.Keys(fam.n), func(a, b pr) int {
			if a.period != b.period {
				return a.period - b.period
			}
			return strings.Compare(a.rule, b.rule)
		})
		for _, k := range keys {
			s.Add(fam.f, float64(fam.n[k]), "period", ps.All[k.period].Label, "rule", k.rule)
		}
	}
	for p, per := range ps.All {
		s.Add(metrics.PostmortemsWithBlameRatio, calc.Ratio(blamed[p], pms[p]), "period", per.Label)
		s.Add(metrics.ActionItemsVagueRatio, calc.Ratio(vague[p], items[p]), "period", per.Label)
	}

	var out []store.AnalysisItem
	lk := make([][3]string, 0, len(listed))
	for k := range listed {
		lk = append(lk, k)
	}
	sort.Slice(lk, func(i, j int) bool {
		for x := 0; x < 3; x++ {
			if lk[i][x] != lk[j][x] {
				return lk[i][x] < lk[j][x]
			}
		}
		return false
	})
	rank := map[string]int{}
	for _, k := range lk {
		for _, it := range listed[k].items() {
			it.Rank = rank[k[0]]
			rank[k[0]]++
			out = append(out, it)
		}
	}
	return s.Results, out, analyzed, languageCounts{postmortems: pms, blamed: blamed, items: items, vague: vague}, nil
}

// storedFindings decodes a stored check's payload ("" for none found), or
// checks the text now (check) when no result is stored: a text stored after
// the step checked the new ones.
func storedFindings(found bool, payload string, check func() []language.Finding) ([]language.Finding, error) {
	if !found {
		return check(), nil
	}
	if payload == "" {
		return nil, nil
	}
	var fs []language.Finding
	if err := json.Unmarshal([]byte(payload), &fs); err != nil {
		return nil, fmt.Errorf("decode stored findings: %w", err)
	}
	return fs, nil
}

// latest keeps the max most recent of the candidates added (ties: the one
// added first), so a month's listed findings cost max items however many
// there are; an item is built only while it is among them.
type latest struct {
	max  int
	seq  int
	list []candidate
}

type candidate struct {
	at   time.Time
	seq  int
	item store.AnalysisItem
}

// before orders candidates most recent first, ties by the order added.
func (c *candidate) before(o *candidate) bool {
	if !c.at.Equal(o.at) {
		return c.at.After(o.at)
	}
	return c.seq < o.seq
}

func (l *latest) add(at time.Time, item func() store.AnalysisItem) {
	l.seq++
	c := candidate{at: at, seq: l.seq}
	if len(l.list) >= l.max {
		// Full: the new one replaces the last only if it comes before it.
		if l.max == 0 || !c.before(&l.list[len(l.list)-1]) {
			return
		}
		l.list = l.list[:len(l.list)-1]
	}
	c.item = item()
	i := sort.Search(len(l.list), func(i int) bool { return c.before(&l.list[i]) })
	l.list = append(l.list, candidate{})
	copy(l.list[i+1:], l.list[i:])
	l.list[i] = c
}

// items are the kept candidates' items, most recent first.
func (l *latest) items() []store.AnalysisItem {
	out := make([]store.AnalysisItem, len(l.list))
	for i := range l.list {
		out[i] = l.list[i].item
	}
	return out
}

func noFindings(fs []language.Finding) bool { return len(fs) == 0 }

// sectionRank orders prose sections as the template does, factors last.
func sectionRank(order map[string]int, section string) int {
	if r, ok := order[section]; ok {
		return r
	}
	return len(order)
}

func findingItem(month, subject, key, team, service, title, url string, f textFinding) store.AnalysisItem {
	return store.AnalysisItem{
		Analysis: AnalysisLanguage, Kind: ItemLanguageFinding, Period: month, Key: key, Team: team, Service: service,
		Fields: []store.Field{
			{Name: "subject", Value: subject}, {Name: "section", Value: f.section}, {Name: "rule", Value: f.f.Rule},
			{Name: "sentence", Value: f.f.Sentence}, {Name: "phrase", Value: f.f.Phrase}, {Name: "why", Value: f.f.Why},
			{Name: "title", Value: title}, {Name: "url", Value: url},
			{Name: "start", Value: strconv.Itoa(f.f.Start)}, {Name: "end", Value: strconv.Itoa(f.f.End)},
		},
		Value: 1,
	}
}

// textAnalyzerBlameNames stores, under each blame version, the names of the
// people it checks with (one row, hash "names").
const textAnalyzerBlameNames = "blame-names"

// carryBlameResults keeps blame results across a change of the people. A
// text's blame findings depend on the known names only through the names
// it mentions, so when people come or go (a new responder, an assignee
// renamed) the new version takes over the stored results of every text that
// mentions none of their names, and only the others are checked again: not
// every postmortem of the last 13 months. The earlier versions' results
// are then deleted; they are never read again.
func carryBlameResults(ctx context.Context, log *slog.Logger, st *store.Store, version string, names []string) error {
	prev, payload, ok, err := st.LatestTextAnalysisVersion(ctx, textAnalyzerBlameNames, language.Version+"+names:", "names")
	if err != nil {
		return fmt.Errorf("%s: %w", textAnalyzerBlame, err)
	}
	if ok && prev == version {
		return nil
	}
	if ok {
		var old []string
		if err := json.Unmarshal([]byte(payload), &old); err != nil {
			return fmt.Errorf("%s: decode the names stored under version %s: %w", textAnalyzerBlame, prev, err)
		}
		changed := changedNames(old, names)
		if err := st.CarryProseAnalyses(ctx, textAnalyzerBlame, prev, version, namesPattern(changed)); err != nil {
			return fmt.Errorf("%s: %w", textAnalyzerBlame, err)
		}
		log.Info("people changed: blame results kept for the texts that mention none of them", "analysis", AnalysisLanguage,
			"people_changed", len(changed))
	}
	b, err := json.Marshal(names)
	if err != nil {
		return fmt.Errorf("%s: encode names: %w", textAnalyzerBlame, err)
	}
	if err := st.PutTextAnalyses(ctx, textAnalyzerBlameNames, version, []store.TextAnalysis{{Hash: "names", Payload: string(b)}}); err != nil {
		return fmt.Errorf("%s: store names: %w", textAnalyzerBlame, err)
	}
	for _, a := range []string{textAnalyzerBlame, textAnalyzerBlameNames} {
		if err := st.PruneTextAnalyses(ctx, a, version); err != nil {
			log.Warn("delete earlier blame results", "analysis", AnalysisLanguage, "err", err)
		}
	}
	return nil
}

// changedNames are the names in one list and not the other.
func changedNames(old, cur []string) []string {
	in := func(xs []string) map[string]bool {
		m := make(map[string]bool, len(xs))
		for _, x := range xs {
			m[x] = true
		}
		return m
	}
	o, c := in(old), in(cur)
	var out []string
	for _, n := range old {
		if !c[n] {
			out = append(out, n)
		}
	}
	for _, n := range cur {
		if !o[n] {
			out = append(out, n)
		}
	}
	return out
}

// namesPattern matches a text that contains a word of any of the names
// anywhere (RE2, case-sensitive as the blame check reads names): a superset
// of the texts whose findings the names can change. "" for no names.
func namesPattern(names []string) string {
	seen := map[string]bool{}
	var alts []string
	for _, n := range names {
		for _, w := range strings.Fields(n) {
			if !seen[w] {
				seen[w] = true
				alts = append(alts, regexp.QuoteMeta(w))
			}
		}
	}
	sort.Strings(alts)
	return strings.Join(alts, "|")
}
