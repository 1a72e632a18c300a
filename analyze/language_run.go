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
func analyzeLanguage(ctx context.Context, log *slog.Logger, st *store.Store, d *dataset, ps calc.Periods, names []string,
	maxPerMonth int) ([]store.Result, []store.AnalysisItem, textCacheStats, languageCounts, error) {
	var stats textCacheStats
	checker := language.NewChecker(language.BlameOptions{Names: names})
	start := ps.Start()
	// Which people are known changes what blame finds, so it is part of the
	// version under which blame results are stored.
	blameVersion := language.Version + "+names:" + store.TextHash(strings.Join(names, "\x00"))
	prose, err := st.ProseTexts(ctx, textAnalyzerBlame, blameVersion, start)
	if err != nil {
		return nil, nil, stats, languageCounts{}, err
	}
	hashes := make([]string, len(prose))
	texts := map[string]string{}
	for i, p := range prose {
		hashes[i] = p.Hash
		if p.Text != "" {
			texts[p.Hash] = p.Text
		}
	}
	blame, bs, err := perText(ctx, log, st, textAnalyzerBlame, blameVersion, hashes, texts, checker.CheckBlame, noFindings)
	if err != nil {
		return nil, nil, stats, languageCounts{}, err
	}
	texts, hashes = nil, nil

	type actionText struct {
		Summary          string
		HasOwner, HasDue bool
	}
	itemHash := make([]string, len(d.items))
	actionTexts := map[string]string{}
	actionInput := map[string]actionText{}
	for i := range d.items {
		if a := &d.items[i]; !a.CreatedAt.Before(start) {
			in := actionText{a.Summary, a.AssigneeID != "", !a.DueDate.IsZero()}
			h := store.TextHash(fmt.Sprintf("%s\x00owner=%t\x00due=%t", in.Summary, in.HasOwner, in.HasDue))
			itemHash[i] = h
			actionTexts[h] = h
			actionInput[h] = in
		}
	}
	var itemHashes []string
	for _, h := range itemHash {
		if h != "" {
			itemHashes = append(itemHashes, h)
		}
	}
	actionFindings, as, err := perText(ctx, log, st, textAnalyzerAction, language.Version, itemHashes, actionTexts,
		func(h string) []language.Finding {
			in := actionInput[h]
			return checker.CheckActionItem(in.Summary, in.HasOwner, in.HasDue)
		}, noFindings)
	if err != nil {
		return nil, nil, stats, languageCounts{}, err
	}
	stats = textCacheStats{Texts: bs.Texts + as.Texts, Analyzed: bs.Analyzed + as.Analyzed}

	// Each postmortem's findings, its sections in document order, then its
	// factors by ordinal.
	order := map[string]int{}
	for i, s := range store.ProseSections {
		order[s] = i
	}
	sort.Slice(prose, func(i, j int) bool {
		a, b := prose[i], prose[j]
		if a.PostmortemKey != b.PostmortemKey {
			return a.PostmortemKey < b.PostmortemKey
		}
		if a.Section != b.Section {
			return sectionRank(order, a.Section) < sectionRank(order, b.Section)
		}
		return a.Ordinal < b.Ordinal
	})
	byKey := map[string][]textFinding{}
	for _, p := range prose {
		for _, f := range blame[p.Hash] {
			sec := p.Section
			if sec == "factor" {
				sec = "factor " + strconv.Itoa(p.Ordinal)
			}
			byKey[p.PostmortemKey] = append(byKey[p.PostmortemKey], textFinding{sec, f})
		}
	}
	pmFindings := make([][]textFinding, len(d.postmortems))
	for i := range d.postmortems {
		if pm := &d.postmortems[i]; !pm.CreatedAt.Before(start) {
			pmFindings[i] = byKey[pm.Key]
		}
	}
	itemFindings := make([][]language.Finding, len(d.items))
	for i, h := range itemHash {
		if h != "" {
			itemFindings[i] = actionFindings[h]
		}
	}

	s := calc.Sink{}
	type pr struct {
		period int
		rule   string
	}
	counts := map[pr]int{}
	pms, blamed := make([]int, len(ps.All)), make([]int, len(ps.All))
	items, vague := make([]int, len(ps.All)), make([]int, len(ps.All))
	type candidate struct {
		at   time.Time
		item store.AnalysisItem
	}
	listed := map[[3]string][]candidate{} // (month, subject, rule)
	add := func(month, subject, rule string, at time.Time, it store.AnalysisItem) {
		k := [3]string{month, subject, rule}
		listed[k] = append(listed[k], candidate{at, it})
	}
	for i := range d.postmortems {
		pm := &d.postmortems[i]
		if pm.CreatedAt.After(ps.Now) {
			continue
		}
		fs := pmFindings[i]
		ps.Of(pm.CreatedAt, func(p int) {
			pms[p]++
			if len(fs) > 0 {
				blamed[p]++
			}
			for _, f := range fs {
				counts[pr{p, f.f.Rule}]++
				if p > 0 {
					add(ps.All[p].Label, "postmortem", f.f.Rule, pm.CreatedAt, findingItem(ps.All[p].Label, "postmortem", pm.Key, pm.Team, pm.Service, pm.Title, pm.URL, f))
				}
			}
		})
	}
	for i := range d.items {
		a := &d.items[i]
		if a.CreatedAt.After(ps.Now) {
			continue
		}
		fs := itemFindings[i]
		isVague := false
		for _, f := range fs {
			isVague = isVague || language.IsVagueRule(f.Rule)
		}
		ps.Of(a.CreatedAt, func(p int) {
			items[p]++
			if isVague {
				vague[p]++
			}
			for _, f := range fs {
				counts[pr{p, f.Rule}]++
				if p > 0 {
					add(ps.All[p].Label, "action_item", f.Rule, a.CreatedAt, findingItem(ps.All[p].Label, "action_item", a.Key, a.Team, "", a.Summary, a.URL, textFinding{"summary", f}))
				}
			}
		})
	}
	keys := make([]pr, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].period != keys[j].period {
			return keys[i].period < keys[j].period
		}
		return keys[i].rule < keys[j].rule
	})
	for _, k := range keys {
		s.Add(metrics.LanguageFindings, float64(counts[k]), "period", ps.All[k.period].Label, "rule", k.rule)
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
		cs := listed[k]
		sort.SliceStable(cs, func(i, j int) bool { return cs[i].at.After(cs[j].at) }) // most recent first
		for _, c := range cs[:min(len(cs), maxPerMonth)] {
			c.item.Rank = rank[k[0]]
			rank[k[0]]++
			out = append(out, c.item)
		}
	}
	return s.Results, out, stats, languageCounts{postmortems: pms, blamed: blamed, items: items, vague: vague}, nil
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
