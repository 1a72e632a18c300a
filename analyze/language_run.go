package analyze

import (
	"errors"
	"log/slog"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/aftermath-sre/aftermath/analyze/internal/calc"
	"github.com/aftermath-sre/aftermath/analyze/language"
	"github.com/aftermath-sre/aftermath/store"
)

type textFinding struct {
	section string
	f       language.Finding
}

// analyzeLanguage checks every postmortem's prose and every action item.
func analyzeLanguage(log *slog.Logger, d *dataset, ps calc.Periods, names []string, maxPerMonth int) ([]store.Result, []store.AnalysisItem, error) {
	checker := language.NewChecker(language.BlameOptions{Names: names})
	pmFindings := make([][]textFinding, len(d.postmortems))
	itemFindings := make([][]language.Finding, len(d.items))
	// Only texts created within the reported periods count; checking
	// older ones would be wasted work.
	start := ps.Start()
	workers := max(1, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			errs[w] = protect(log, AnalysisLanguage, func() error {
				for i := w; i < len(d.postmortems); i += workers {
					if pm := &d.postmortems[i]; !pm.CreatedAt.Before(start) {
						pmFindings[i] = checkPostmortem(checker, pm)
					}
				}
				for i := w; i < len(d.items); i += workers {
					if a := &d.items[i]; !a.CreatedAt.Before(start) {
						itemFindings[i] = checker.CheckActionItem(a.Summary, a.AssigneeID != "", !a.DueDate.IsZero())
					}
				}
				return nil
			})
		}(w)
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}

	s := calc.Sink{Analysis: AnalysisLanguage}
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
		s.Add("language_findings", float64(counts[k]), "period", ps.All[k.period].Label, "rule", k.rule)
	}
	for p, per := range ps.All {
		s.Add("postmortems_with_blame_ratio", calc.Ratio(blamed[p], pms[p]), "period", per.Label)
		s.Add("action_items_vague_ratio", calc.Ratio(vague[p], items[p]), "period", per.Label)
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
	return s.Results, out, nil
}

func checkPostmortem(c *language.Checker, pm *store.Postmortem) []textFinding {
	var out []textFinding
	for _, sec := range []struct{ name, text string }{
		{"summary", pm.Summary}, {"impact", pm.Impact}, {"detection", pm.Detection}, {"went_well", pm.WentWell},
		{"went_poorly", pm.WentPoorly}, {"lucky", pm.Lucky}, {"lessons", pm.Lessons},
	} {
		for _, f := range c.CheckBlame(sec.text) {
			out = append(out, textFinding{sec.name, f})
		}
	}
	for _, f := range pm.Factors {
		sec := "factor " + strconv.Itoa(f.Ordinal)
		for _, x := range c.CheckBlame(f.Text) {
			out = append(out, textFinding{sec, x})
		}
	}
	return out
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
