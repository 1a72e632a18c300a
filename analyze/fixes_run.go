package analyze

import (
	"context"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/aftermath-sre/aftermath/analyze/actions"
	"github.com/aftermath-sre/aftermath/analyze/budget"
	"github.com/aftermath-sre/aftermath/analyze/fixes"
	"github.com/aftermath-sre/aftermath/analyze/followup"
	"github.com/aftermath-sre/aftermath/analyze/internal/calc"
	"github.com/aftermath-sre/aftermath/analyze/response"
	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
)

// Steps of the run that write under other analyses' names: "did the fixes
// hold" writes recurrence families, "what did each theme cost" slo ones.
const (
	stepFixes     = "fixes"
	stepThemeCost = "theme_cost"
)

// Label values of the fixes and theme cost families.
const (
	FixHeld      = fixes.StateHeld
	FixFailed    = fixes.StateFailed
	FixOpen      = fixes.StateOpen
	PhaseOpen    = fixes.PhaseOpen
	PhaseClosed  = fixes.PhaseClosed
	StatEstimate = "estimate"
	StatLower    = "lower"
	StatUpper    = "upper"
	// ThemeNoPostmortem and ThemeUnthemed are the theme label values of
	// downtime that no theme explains.
	ThemeNoPostmortem = budget.NoPostmortem
	ThemeUnthemed     = budget.Unthemed
)

// fixesInput reads the fixes analysis' input: the postmortems with themes
// and with items, each with its items' kinds and close times as of the run,
// and the incidents (merged left out) with the themes of their postmortems
// that a pair can count (themed) or start from (a postmortem's). Incidents
// and action items are streamed from the store; only these are kept.
func fixesInput(ctx context.Context, st *store.Store, d *dataset, th themeRun, ps calc.Periods, teams map[string]string) (fixes.Input, error) {
	now := ps.Now
	in := fixes.Input{Now: now, CountsOnly: true, MaxPending: PendingFixesPerTeam}
	pmThemes := th.postmortemThemes
	items := map[string][]fixes.Item{}
	// fixes.Compute skips a postmortem without themes: its items are not
	// kept. Items come by summary: each text is classified once (a
	// postmortem's items are a set to fixes.Compute, their order is not
	// read).
	last, kind, first := "", "", true
	err := st.StreamPostmortemItems(ctx, now, func(a *store.ActionItem) error {
		if len(pmThemes[a.PostmortemKey]) == 0 {
			return nil
		}
		if first || a.Summary != last {
			last, kind, first = a.Summary, string(followup.Classify(a.Summary).Kind), false
		}
		it := fixes.Item{Kind: kind}
		if !actions.Open(a) {
			it.Closed = actions.ClosedAt(a) // after now: open (fixes.Compute)
		}
		items[a.PostmortemKey] = append(items[a.PostmortemKey], it)
		return nil
	})
	if err != nil {
		return in, err
	}
	// The incidents of the postmortems kept that have no themes: none,
	// unless a postmortem's incidents changed since the themes step read
	// them (its incidents have its themes).
	linked := map[string]bool{}
	err = st.StreamPostmortemHeads(ctx, now, store.ByCreation, func(pm *store.PostmortemHead) error {
		if len(items[pm.Key]) == 0 {
			return nil
		}
		in.Postmortems = append(in.Postmortems, fixes.Postmortem{Key: pm.Key, Team: label(d.team.name(pm.Team)), Incidents: pm.IncidentIDs,
			Themes: pmThemes[pm.Key], Items: items[pm.Key]})
		for _, id := range pm.IncidentIDs {
			if len(th.incidentThemes[id]) == 0 {
				linked[id] = true
			}
		}
		return nil
	})
	if err != nil {
		return in, err
	}
	// An incident neither themed nor linked to a kept postmortem plays no
	// part (fixes.Compute); one without an id is kept for its error.
	err = st.StreamIncidentStarts(ctx, ps.Scope(teams), func(id, service string, created time.Time) error {
		if ts := th.incidentThemes[id]; len(ts) > 0 || linked[id] || id == "" {
			in.Incidents = append(in.Incidents, fixes.Incident{ID: id, Service: service, At: created, Themes: ts})
		}
		return nil
	})
	return in, err
}

// computeFixes returns the results of "did the fixes hold" (recurrence
// families; see package fixes) and the fixes still owed while their failure
// repeats (ItemPendingFix).
func computeFixes(ctx context.Context, st *store.Store, d *dataset, th themeRun, ps calc.Periods, teams map[string]string) ([]store.Result, []store.AnalysisItem, error) {
	in, err := fixesInput(ctx, st, d, th, ps, teams)
	if err != nil {
		return nil, nil, err
	}
	res, err := fixes.Compute(in)
	if err != nil {
		return nil, nil, err
	}
	items, err := pendingFixItems(ctx, st, th, res.Pending)
	if err != nil {
		return nil, nil, err
	}
	s := calc.Sink{}
	for _, r := range res.Rows {
		kv := []string{"theme", r.Theme, "kind", r.Kind, "team", r.Team}
		with := func(k, v string) []string { return append(append([]string(nil), kv...), k, v) }
		s.Add(metrics.FixPostmortemThemes, float64(r.Held), with("state", FixHeld)...)
		s.Add(metrics.FixPostmortemThemes, float64(r.Failed), with("state", FixFailed)...)
		s.Add(metrics.FixPostmortemThemes, float64(r.Open), with("state", FixOpen)...)
		s.Add(metrics.FixRepeats, float64(r.OpenRepeats), with("phase", PhaseOpen)...)
		s.Add(metrics.FixRepeats, float64(r.ClosedRepeats), with("phase", PhaseClosed)...)
		s.Add(metrics.FixExposureSeconds, r.OpenExposure, with("phase", PhaseOpen)...)
		s.Add(metrics.FixExposureSeconds, r.ClosedExposure, with("phase", PhaseClosed)...)
		if !r.Ratio.Defined {
			continue
		}
		for _, st := range []struct {
			stat string
			v    float64
		}{{StatEstimate, r.Ratio.Estimate}, {StatLower, r.Ratio.Lower}, {StatUpper, r.Ratio.Upper}} {
			if finite(st.v) {
				s.Add(metrics.FixRepeatRateRatio, st.v, with("stat", st.stat)...)
			}
		}
	}
	for _, p := range res.Pending {
		s.Add(metrics.FixPendingRepeats, float64(p.Repeats), "key", p.Postmortem, "team", p.Team, "service", p.Service, "theme", p.Theme)
		if !p.LastAt.IsZero() {
			s.Add(metrics.FixPendingLastRepeat, float64(p.LastAt.Unix()), "key", p.Postmortem, "team", p.Team, "service", p.Service, "theme", p.Theme)
		}
	}
	return s.Results, items, nil
}

// pendingFixItems turns the pending fixes into items, with their
// postmortem's title and url and their theme's label.
func pendingFixItems(ctx context.Context, st *store.Store, th themeRun, pending []fixes.Pending) ([]store.AnalysisItem, error) {
	if len(pending) == 0 {
		return nil, nil
	}
	keys := make([]string, 0, len(pending))
	for _, p := range pending {
		keys = append(keys, p.Postmortem)
	}
	links, err := st.PostmortemLinks(ctx, keys)
	if err != nil {
		return nil, err
	}
	labels := map[string]string{}
	for _, t := range th.res.Themes {
		labels[t.ID] = t.Label
	}
	out := make([]store.AnalysisItem, 0, len(pending))
	rank, team := 0, ""
	for _, p := range pending {
		if p.Team != team {
			rank, team = 0, p.Team
		}
		l := links[p.Postmortem]
		out = append(out, store.AnalysisItem{
			Analysis: AnalysisRecurrence, Kind: ItemPendingFix, Key: p.Postmortem, Team: p.Team, Service: p.Service,
			Rank: rank, Value: float64(p.Repeats),
			Fields: []store.Field{
				{Name: "theme", Value: p.Theme}, {Name: "theme_label", Value: labels[p.Theme]},
				{Name: "title", Value: l.Title}, {Name: "url", Value: l.URL},
				{Name: "since", Value: p.Start.UTC().Format(time.RFC3339)},
				{Name: "last_incident", Value: p.Last}, {Name: "last_at", Value: p.LastAt.UTC().Format(time.RFC3339)},
				{Name: "open_items", Value: strconv.Itoa(p.OpenItems)}, {Name: "items", Value: strconv.Itoa(p.Items)},
			},
		})
		rank++
	}
	return out, nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// computeThemeCost returns the results of "what did each theme cost" (slo
// families; see package budget): every SLO service's downtime in each
// period, as the SLO analysis defines it (response.StreamDowntime), attributed to
// incidents and their themes.
func computeThemeCost(ctx context.Context, st *store.Store, th themeRun, slos []SLO, ps calc.Periods) ([]store.Result, error) {
	now := ps.Now
	type agg struct{ secs, budget, cost float64 }
	all := make([]map[string]*agg, len(ps.All)) // by period, theme
	budgetAll := make([]float64, len(ps.All))
	for i := range all {
		all[i] = map[string]*agg{}
	}
	s := calc.Sink{}
	for _, slo := range slos {
		// The SLO analysis' own intervals, one per incident (not merged),
		// those that reach into the periods.
		var spans []budget.Span
		err := response.StreamDowntime(ctx, st, slo, ps.Start(), now, func(id string, iv calc.Interval) error {
			spans = append(spans, budget.Span{ID: id, Start: iv.Start, End: iv.End})
			return nil
		})
		if err != nil {
			return nil, err
		}
		// Which of them have a postmortem (created by now).
		ids := make([]string, len(spans))
		for i := range spans {
			ids[i] = spans[i].ID
		}
		hasPM, err := st.IncidentsWithPostmortem(ctx, now, ids)
		if err != nil {
			return nil, err
		}
		hasPostmortem := func(id string) bool { return hasPM[id] }
		frac := 1 - slo.Target
		for p, per := range ps.All {
			budgetSecs := frac * per.To.Sub(per.From).Seconds()
			budgetAll[p] += budgetSecs
			byTheme := budget.ByTheme(budget.Attribute(spans, per.From, per.To), th.incidentThemes, hasPostmortem)
			for _, t := range sortedKeys(byTheme) {
				secs := byTheme[t]
				kv := []string{"period", per.Label, "service", slo.Service, "theme", t}
				s.Add(metrics.ThemeDowntimeSeconds, secs, kv...)
				s.Add(metrics.ThemeErrorBudgetConsumedRatio, secs/budgetSecs, kv...)
				a := all[p][t]
				if a == nil {
					a = &agg{}
					all[p][t] = a
				}
				a.secs += secs
				if slo.HourlyCost > 0 {
					s.Add(metrics.ThemeDowntimeCost, secs/3600*slo.HourlyCost, kv...)
					a.cost += secs / 3600 * slo.HourlyCost
				}
			}
		}
	}
	hasCost := false
	for _, slo := range slos {
		hasCost = hasCost || slo.HourlyCost > 0
	}
	for p, per := range ps.All {
		for _, t := range sortedKeys(all[p]) {
			a := all[p][t]
			kv := []string{"period", per.Label, "service", "", "theme", t}
			s.Add(metrics.ThemeDowntimeSeconds, a.secs, kv...)
			s.Add(metrics.ThemeErrorBudgetConsumedRatio, a.secs/budgetAll[p], kv...)
			if hasCost {
				s.Add(metrics.ThemeDowntimeCost, a.cost, kv...)
			}
		}
	}
	return s.Results, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
