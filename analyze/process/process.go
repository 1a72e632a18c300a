// Package process measures the postmortem process: coverage of the
// incidents that require a postmortem, lag from resolve to draft and to
// publish against targets, overdue postmortems, completeness against the
// template's sections, and action items with an owner and a due date. It
// also picks the highlights the digest quotes.
package process

import (
	"math"
	"sort"
	"strings"
	"time"

	"github.com/aftermath-sre/aftermath/analyze/internal/calc"
	"github.com/aftermath-sre/aftermath/analyze/response"
	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
)

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
		o.OverdueLookback = 90 * 24 * time.Hour
	}
	if o.QuoteChars <= 0 {
		o.QuoteChars = 400
	}
	return o
}

// Input is what Compute reads.
type Input struct {
	Incidents   []store.Incident
	Postmortems []store.Postmortem
	Items       []store.ActionItem
	Periods     calc.Periods
	Options     Options
}

// ResolvedAt is when a postmortem's incidents were all resolved (the latest
// resolve of its non-merged incidents); ok is false for a near miss, when an
// incident is unknown, or while one is open.
func ResolvedAt(pm *store.Postmortem, byID map[string]*store.Incident) (time.Time, bool) {
	var t time.Time
	n := 0
	for _, id := range pm.IncidentIDs {
		inc := byID[id]
		if inc == nil {
			return time.Time{}, false
		}
		if response.Merged(inc) {
			continue
		}
		if !response.Resolved(inc) {
			return time.Time{}, false
		}
		n++
		if inc.ResolvedAt.After(t) {
			t = inc.ResolvedAt
		}
	}
	return t, n > 0
}

// Compute returns the results and digest items of the "process" analysis.
func Compute(in Input) ([]store.Result, []store.AnalysisItem) {
	opts := in.Options.withDefaults()
	s := calc.Sink{}
	ps := in.Periods
	now := ps.Now
	required := map[string]bool{}
	for _, sev := range opts.RequiredSeverities {
		required[sev] = true
	}
	byID := make(map[string]*store.Incident, len(in.Incidents))
	for i := range in.Incidents {
		byID[in.Incidents[i].ID] = &in.Incidents[i]
	}
	// Postmortems of each incident (visible at now).
	pmsOf := map[string][]*store.Postmortem{}
	for i := range in.Postmortems {
		pm := &in.Postmortems[i]
		if pm.CreatedAt.After(now) {
			continue
		}
		for _, id := range pm.IncidentIDs {
			pmsOf[id] = append(pmsOf[id], pm)
		}
	}

	// Coverage and overdue postmortems.
	type ps2 struct {
		period int
		sev    string
	}
	need, have := map[ps2]int{}, map[ps2]int{}
	type overdueRow struct {
		inc   *store.Incident
		stage string
		by    time.Duration
	}
	var overdue []overdueRow
	overdueCount := map[[2]string]int{}
	for i := range in.Incidents {
		inc := &in.Incidents[i]
		if response.Merged(inc) || !required[inc.Severity] || !response.Resolved(inc) || inc.ResolvedAt.After(now) {
			continue
		}
		covered := len(pmsOf[inc.ID]) > 0
		ps.Of(inc.CreatedAt, func(p int) {
			for _, k := range []ps2{{p, ""}, {p, inc.Severity}} {
				need[k]++
				if covered {
					have[k]++
				}
			}
		})
		if now.Sub(inc.ResolvedAt) > opts.OverdueLookback {
			continue
		}
		published := false
		for _, pm := range pmsOf[inc.ID] {
			if !pm.PublishedAt.IsZero() && !pm.PublishedAt.After(now) {
				published = true
			}
		}
		if due := inc.ResolvedAt.Add(opts.DraftWithin); !covered && !now.Before(due) {
			overdue = append(overdue, overdueRow{inc, "draft", now.Sub(due)})
			overdueCount[[2]string{"draft", inc.Severity}]++
		}
		if due := inc.ResolvedAt.Add(opts.PublishWithin); !published && !now.Before(due) {
			overdue = append(overdue, overdueRow{inc, "publish", now.Sub(due)})
			overdueCount[[2]string{"publish", inc.Severity}]++
		}
	}
	for p, per := range ps.All {
		for _, sev := range append([]string{""}, opts.RequiredSeverities...) {
			k := ps2{p, sev}
			s.Add(metrics.PostmortemsRequired, float64(need[k]), "period", per.Label, "severity", sev)
			s.Add(metrics.PostmortemCoverageRatio, calc.Ratio(have[k], need[k]), "period", per.Label, "severity", sev)
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
				"severity", o.inc.Severity, "stage", o.stage, "team", response.TeamOf(o.inc))
		}
	}
	for r, o := range overdue {
		if r >= 200 {
			break
		}
		items = append(items, store.AnalysisItem{
			Analysis: "process", Kind: "overdue_postmortem", Key: o.inc.ID, Team: response.TeamOf(o.inc),
			Service: response.ServiceOf(o.inc), Rank: r, Value: o.by.Truncate(time.Second).Seconds(),
			Fields: []store.Field{
				{Name: "stage", Value: o.stage}, {Name: "title", Value: o.inc.Title}, {Name: "severity", Value: o.inc.Severity},
				{Name: "resolved_at", Value: o.inc.ResolvedAt.UTC().Format(time.RFC3339)}, {Name: "url", Value: o.inc.URL},
			},
		})
	}

	// Lag from resolve to draft and to publish.
	s.Add(metrics.PostmortemLagTargetSeconds, opts.DraftWithin.Seconds(), "stage", "draft")
	s.Add(metrics.PostmortemLagTargetSeconds, opts.PublishWithin.Seconds(), "stage", "publish")
	draftLag := make([][]float64, len(ps.All))
	pubLag := make([][]float64, len(ps.All))
	type cnt struct{ in, known int }
	draftIn := make([]cnt, len(ps.All))
	pubIn := make([]cnt, len(ps.All))
	for i := range in.Postmortems {
		pm := &in.Postmortems[i]
		if pm.CreatedAt.After(now) {
			continue
		}
		res, ok := ResolvedAt(pm, byID)
		if !ok {
			continue
		}
		dl := math.Max(0, pm.CreatedAt.Sub(res).Seconds())
		published := !pm.PublishedAt.IsZero() && !pm.PublishedAt.After(now)
		pl := -1.0
		if published {
			pl = math.Max(0, pm.PublishedAt.Sub(res).Seconds())
		}
		ps.Of(res, func(p int) {
			draftLag[p] = append(draftLag[p], dl)
			draftIn[p].known++
			if dl <= opts.DraftWithin.Seconds() {
				draftIn[p].in++
			}
			if published {
				pubLag[p] = append(pubLag[p], pl)
			}
			switch {
			case published:
				pubIn[p].known++
				if pl <= opts.PublishWithin.Seconds() {
					pubIn[p].in++
				}
			case !now.Before(res.Add(opts.PublishWithin)):
				pubIn[p].known++
			}
		})
	}
	for p, per := range ps.All {
		s.AddStats(metrics.PostmortemLagSeconds, calc.Summarize(draftLag[p]), "period", per.Label, "stage", "draft")
		s.AddStats(metrics.PostmortemLagSeconds, calc.Summarize(pubLag[p]), "period", per.Label, "stage", "publish")
		s.Add(metrics.PostmortemWithinTargetRatio, calc.Ratio(draftIn[p].in, draftIn[p].known), "period", per.Label, "stage", "draft")
		s.Add(metrics.PostmortemWithinTargetRatio, calc.Ratio(pubIn[p].in, pubIn[p].known), "period", per.Label, "stage", "publish")
	}

	// Completeness against the template's sections.
	complete := make([][]float64, len(ps.All))
	missing := make([]map[string]int, len(ps.All))
	for i := range missing {
		missing[i] = map[string]int{}
	}
	for i := range in.Postmortems {
		pm := &in.Postmortems[i]
		total := len(pm.Sections) + len(pm.MissingSections)
		if total == 0 || pm.CreatedAt.After(now) {
			continue
		}
		share := float64(len(pm.Sections)) / float64(total)
		ps.Of(pm.CreatedAt, func(p int) {
			complete[p] = append(complete[p], share)
			for _, sec := range pm.MissingSections {
				missing[p][sec]++
			}
		})
	}
	for p, per := range ps.All {
		s.Add(metrics.PostmortemCompletenessRatio, calc.Mean(complete[p]), "period", per.Label)
		secs := make([]string, 0, len(missing[p]))
		for k := range missing[p] {
			secs = append(secs, k)
		}
		sort.Strings(secs)
		for _, sec := range secs {
			s.Add(metrics.PostmortemSectionsMissing, float64(missing[p][sec]), "period", per.Label, "section", sec)
		}
	}

	// Action items with both an owner and a due date.
	ownedDue := make([]cnt, len(ps.All))
	for i := range in.Items {
		a := &in.Items[i]
		ok := a.AssigneeID != "" && !a.DueDate.IsZero()
		ps.Of(a.CreatedAt, func(p int) {
			ownedDue[p].known++
			if ok {
				ownedDue[p].in++
			}
		})
	}
	for p, per := range ps.All {
		s.Add(metrics.ActionItemsOwnerAndDueRatio, calc.Ratio(ownedDue[p].in, ownedDue[p].known), "period", per.Label)
	}

	items = append(items, highlights(in.Postmortems, ps, opts.QuoteChars)...)
	return s.Results, items
}

// highlights quotes the lessons learned and "where we got lucky" of the
// postmortems published in each month.
func highlights(pms []store.Postmortem, ps calc.Periods, maxChars int) []store.AnalysisItem {
	var out []store.AnalysisItem
	rank := map[string]int{}
	sorted := make([]*store.Postmortem, 0, len(pms))
	for i := range pms {
		if !pms[i].PublishedAt.IsZero() && !pms[i].PublishedAt.After(ps.Now) {
			sorted = append(sorted, &pms[i])
		}
	}
	sort.Slice(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if sa, sb := sevRank(a.Severity), sevRank(b.Severity); sa != sb {
			return sa < sb
		}
		if !a.PublishedAt.Equal(b.PublishedAt) {
			return a.PublishedAt.Before(b.PublishedAt)
		}
		return a.Key < b.Key
	})
	for _, pm := range sorted {
		ps.Of(pm.PublishedAt, func(p int) {
			if p == 0 {
				return // items are listed per month
			}
			label := ps.All[p].Label
			for _, sec := range []struct{ name, text string }{{"lessons", pm.Lessons}, {"lucky", pm.Lucky}} {
				q := Quote(sec.text, maxChars)
				if q == "" {
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
			}
		})
	}
	return out
}

func sevRank(s string) int {
	if len(s) == 4 && strings.HasPrefix(s, "SEV") && s[3] >= '1' && s[3] <= '5' {
		return int(s[3] - '0')
	}
	return 9
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
