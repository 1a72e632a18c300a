// Package process measures the postmortem process: coverage of the
// incidents that require a postmortem, lag from resolve to draft and to
// publish against targets, overdue postmortems, completeness against the
// template's sections, and action items with an owner and a due date. It
// also picks the highlights the digest quotes.
package process

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/aftermath-sre/aftermath/analyze/internal/calc"
	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
)

// DefaultOverdueLookback is Options.OverdueLookback's default.
const DefaultOverdueLookback = 90 * 24 * time.Hour

// Options are the process targets.
type Options struct {
	RequiredSeverities []string      // default SEV1, SEV2
	DraftWithin        time.Duration // default 2 days
	PublishWithin      time.Duration // default 7 days
	// OverdueLookback bounds postmortems_overdue to incidents resolved this
	// recently, so that old gaps do not alert forever; default 90 days.
	OverdueLookback time.Duration
	MaxItemSeries   int // cap of postmortem_overdue_seconds rows; 0 writes none
	// QuoteChars caps a highlight's quote; default 400.
	QuoteChars int
	// MaxHighlights caps the highlights kept per month, section (lessons,
	// lucky) and team, in the stream's order (most severe first); default
	// 25. The digest lists the first few of a month, organization-wide or
	// for one team, and those are always among each team's first ones.
	MaxHighlights int
	// Quotable reports whether a highlight's quote may be shown; nil
	// quotes every one. The analysis passes one that refuses a quote with
	// a blame finding: the digest quotes lessons, never blame.
	Quotable func(quote string) bool
}

func (o Options) withDefaults() Options {
	if len(o.RequiredSeverities) == 0 {
		o.RequiredSeverities = []string{"SEV1", "SEV2"}
	}
	if o.DraftWithin <= 0 {
		o.DraftWithin = 48 * time.Hour
	}
	if o.PublishWithin <= 0 {
		o.PublishWithin = 7 * 24 * time.Hour
	}
	if o.OverdueLookback <= 0 {
		o.OverdueLookback = DefaultOverdueLookback
	}
	if o.QuoteChars <= 0 {
		o.QuoteChars = 400
	}
	if o.MaxHighlights <= 0 {
		o.MaxHighlights = 25
	}
	return o
}

// Input is what Compute reads.
type Input struct {
	Periods calc.Periods
	// Teams maps stored team names onto their labels (see store.Scope).
	Teams   map[string]string
	Options Options
}

// Compute returns the results and digest items of the "process" analysis.
// ClickHouse computes coverage, lags, completeness and the items' owners
// and due dates; the overdue postmortems (bounded by the lookback) and the
// month's highlights stream from it.
func Compute(ctx context.Context, st *store.Store, in Input) ([]store.Result, []store.AnalysisItem, error) {
	opts := in.Options.withDefaults()
	s := calc.Sink{}
	ps := in.Periods
	now := ps.Now
	sc := ps.Scope(in.Teams)
	rules := store.ProcessRules{RequiredSeverities: opts.RequiredSeverities, DraftWithin: int64(opts.DraftWithin / time.Second),
		PublishWithin: int64(opts.PublishWithin / time.Second), OverdueLookback: int64(opts.OverdueLookback / time.Second)}
	// Coverage and overdue postmortems.
	type ps2 struct {
		period int
		sev    string
	}
	need, have := map[ps2]int{}, map[ps2]int{}
	cov, err := st.PostmortemCoverage(ctx, sc, rules)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range cov {
		need[ps2{c.Period, c.Severity}], have[ps2{c.Period, c.Severity}] = c.Required, c.Have
	}
	for p, per := range ps.All {
		for _, sev := range append([]string{""}, opts.RequiredSeverities...) {
			k := ps2{p, sev}
			s.Add(metrics.PostmortemsRequired, float64(need[k]), "period", per.Label, "severity", sev)
			s.Add(metrics.PostmortemCoverageRatio, calc.Ratio(have[k], need[k]), "period", per.Label, "severity", sev)
		}
	}
	type overdueRow struct {
		inc   *store.OverdueIncident
		stage string
		by    time.Duration
	}
	late, err := st.OverduePostmortems(ctx, sc, rules)
	if err != nil {
		return nil, nil, err
	}
	var overdue []overdueRow
	overdueCount := map[[2]string]int{}
	// Each stage's count has every incident late for it (one never drafted
	// is late for both); an incident's own row and item name only its
	// earliest missing stage, so that one missing postmortem is one thing
	// to chase (and one alert), not two.
	for i := range late {
		inc := &late[i]
		drafted := true
		if due := inc.ResolvedAt.Add(opts.DraftWithin); !inc.Covered && !now.Before(due) {
			overdue = append(overdue, overdueRow{inc, "draft", now.Sub(due)})
			overdueCount[[2]string{"draft", inc.Severity}]++
			drafted = false
		}
		if due := inc.ResolvedAt.Add(opts.PublishWithin); !inc.Published && !now.Before(due) {
			if drafted {
				overdue = append(overdue, overdueRow{inc, "publish", now.Sub(due)})
			}
			overdueCount[[2]string{"publish", inc.Severity}]++
		}
	}
	for _, stage := range []string{"draft", "publish"} {
		for _, sev := range opts.RequiredSeverities {
			s.Add(metrics.PostmortemsOverdue, float64(overdueCount[[2]string{stage, sev}]), "stage", stage, "severity", sev)
		}
	}
	sort.Slice(overdue, func(i, j int) bool {
		if overdue[i].by != overdue[j].by {
			return overdue[i].by > overdue[j].by
		}
		if overdue[i].inc.ID != overdue[j].inc.ID {
			return overdue[i].inc.ID < overdue[j].inc.ID
		}
		return overdue[i].stage < overdue[j].stage
	})
	var items []store.AnalysisItem
	for i, o := range overdue {
		if i < opts.MaxItemSeries {
			s.Add(metrics.PostmortemOverdueSeconds, o.by.Truncate(time.Second).Seconds(), "incident", o.inc.ID,
				"severity", o.inc.Severity, "stage", o.stage, "team", o.inc.Team)
		}
	}
	for r, o := range overdue {
		if r >= OverdueItemsKept {
			break
		}
		items = append(items, store.AnalysisItem{
			Analysis: "process", Kind: "overdue_postmortem", Key: o.inc.ID, Team: o.inc.Team,
			Service: o.inc.Service, Rank: r, Value: o.by.Truncate(time.Second).Seconds(),
			Fields: []store.Field{
				{Name: "stage", Value: o.stage}, {Name: "title", Value: o.inc.Title}, {Name: "severity", Value: o.inc.Severity},
				{Name: "resolved_at", Value: o.inc.ResolvedAt.UTC().Format(time.RFC3339)}, {Name: "url", Value: o.inc.URL},
			},
		})
	}
	// Lag from resolve to draft and to publish.
	s.Add(metrics.PostmortemLagTargetSeconds, opts.DraftWithin.Seconds(), "stage", "draft")
	s.Add(metrics.PostmortemLagTargetSeconds, opts.PublishWithin.Seconds(), "stage", "publish")
	lags, err := st.PostmortemLags(ctx, sc, rules)
	if err != nil {
		return nil, nil, err
	}
	byPeriod := map[int]store.Lag{}
	for _, l := range lags {
		byPeriod[l.Period] = l
	}
	for p, per := range ps.All {
		l := byPeriod[p]
		s.AddStats(metrics.PostmortemLagSeconds, calc.StatsOf(l.Draft), "period", per.Label, "stage", "draft")
		s.AddStats(metrics.PostmortemLagSeconds, calc.StatsOf(l.Publish), "period", per.Label, "stage", "publish")
		s.Add(metrics.PostmortemWithinTargetRatio, calc.Ratio(l.DraftIn, l.DraftKnown), "period", per.Label, "stage", "draft")
		s.Add(metrics.PostmortemWithinTargetRatio, calc.Ratio(l.PublishIn, l.PublishKnown), "period", per.Label, "stage", "publish")
	}
	// Completeness against the template's sections.
	comp, err := st.PostmortemCompleteness(ctx, sc)
	if err != nil {
		return nil, nil, err
	}
	byP := map[int]store.Completeness{}
	for _, c := range comp {
		byP[c.Period] = c
	}
	for p, per := range ps.All {
		c, ok := byP[p]
		if !ok {
			continue // no postmortem: the mean is undefined
		}
		s.Add(metrics.PostmortemCompletenessRatio, c.Mean, "period", per.Label)
		secs := make([]string, 0, len(c.Missing))
		for k := range c.Missing {
			secs = append(secs, k)
		}
		sort.Strings(secs)
		for _, sec := range secs {
			s.Add(metrics.PostmortemSectionsMissing, float64(c.Missing[sec]), "period", per.Label, "section", sec)
		}
	}
	// Action items with both an owner and a due date.
	all, ownedDue, err := st.OwnedAndDue(ctx, sc)
	if err != nil {
		return nil, nil, err
	}
	for p, per := range ps.All {
		s.Add(metrics.ActionItemsOwnerAndDueRatio, calc.Ratio(ownedDue[p], all[p]), "period", per.Label)
	}
	hl, err := highlights(ctx, st, sc, ps, opts.QuoteChars, opts.MaxHighlights, opts.Quotable)
	if err != nil {
		return nil, nil, err
	}
	return s.Results, append(items, hl...), nil
}

// highlights quotes the lessons learned and "where we got lucky" of the
// postmortems published in each month, as the store streams them (most
// severe first, then by publication and key), the first perTeam of each
// month, section and team.
func highlights(ctx context.Context, st *store.Store, sc store.Scope, ps calc.Periods, maxChars, perTeam int, quotable func(string) bool) ([]store.AnalysisItem, error) {
	var out []store.AnalysisItem
	rank := map[string]int{}
	type group struct{ period, section, team string }
	kept := map[group]int{}
	months := ps.Months()
	if len(months) == 0 {
		return nil, nil
	}
	err := st.Highlights(ctx, sc, months[0].From, func(pm store.Highlight) error {
		ps.Of(pm.PublishedAt, func(p int) {
			if p == 0 {
				return // items are listed per month
			}
			label := ps.All[p].Label
			for _, sec := range []struct{ name, text string }{{"lessons", pm.Lessons}, {"lucky", pm.Lucky}} {
				g := group{label, sec.name, pm.Team}
				if kept[g] >= perTeam {
					continue
				}
				q := Quote(sec.text, maxChars)
				if q == "" || quotable != nil && !quotable(q) {
					continue
				}
				out = append(out, store.AnalysisItem{
					Analysis: "process", Kind: "highlight", Period: label, Key: pm.Key, Team: pm.Team, Service: pm.Service,
					Rank: rank[label], Fields: []store.Field{
						{Name: "section", Value: sec.name}, {Name: "quote", Value: q}, {Name: "title", Value: pm.Title},
						{Name: "url", Value: pm.URL}, {Name: "severity", Value: pm.Severity},
						{Name: "published_at", Value: pm.PublishedAt.UTC().Format(time.RFC3339)},
					},
				})
				rank[label]++
				kept[g]++
			}
		})
		return nil
	})
	return out, err
}

// Quote returns a section's text as a quote: whitespace collapsed, cut at a
// word boundary to at most maxChars bytes with an ellipsis.
func Quote(text string, maxChars int) string {
	q := strings.Join(strings.Fields(text), " ")
	if len(q) <= maxChars {
		return q
	}
	cut := strings.LastIndexByte(q[:maxChars], ' ')
	if cut <= 0 {
		cut = maxChars
		for cut > 0 && !isRuneStart(q[cut]) {
			cut--
		}
	}
	return strings.TrimRight(q[:cut], " ,;:") + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// OverdueItemsKept is how many overdue-postmortem items a run keeps, the
// most overdue first: each late incident once, at its earliest missing
// stage.
const OverdueItemsKept = 200
