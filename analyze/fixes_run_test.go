package analyze

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze/fixes"
	"github.com/aftermath-sre/aftermath/analyze/followup"
	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/simulate/org"
	"github.com/aftermath-sre/aftermath/store"
)

// TestFixesAndThemeCostMatchGroundTruth runs the whole analysis on the small
// simulated org and recomputes "did the fixes hold" and "what did each
// theme cost" from the org itself (its incidents, postmortems, action-item
// close times and summaries), by brute force, with the run's theme of each
// factor; then checks the planted latent effect: themes whose fixes hold
// have a closed/open repeat-rate interval below 1, the others one that
// contains 1.
func TestFixesAndThemeCostMatchGroundTruth(t *testing.T) {
	r := runOnOrg(t, org.ScaleSmall, time.UTC, func(o *org.Org) time.Time { return o.End })
	o, now := r.o, r.now
	_, runThemesOf := runFactorThemes(t, r)
	t.Run("fixes", func(t *testing.T) {
		want := truthFixes(o, now, runThemesOf)
		got := map[string]float64{}
		for k, v := range r.res {
			for _, m := range []string{"fix_postmortem_themes|", "fix_repeats|", "fix_exposure_seconds|", "fix_repeat_rate_ratio|"} {
				if len(k) > len(m) && k[:len(m)] == m {
					got[k] = v
				}
			}
		}
		require.NotEmpty(t, want)
		require.Len(t, got, len(want), "the same rows")
		for k, w := range want {
			g, ok := got[k]
			require.True(t, ok, "missing %s", k)
			require.InDelta(t, w, g, 1e-6*math.Max(1, math.Abs(w)), k)
		}
		all := func(state string) float64 {
			return r.res[rkey("fix_postmortem_themes", "theme", "", "kind", "", "team", "", "state", state)]
		}
		t.Logf("fixes: %.0f (postmortem, theme) pairs held, %.0f failed, %.0f open; repeats %.0f while open, %.0f after closing; ratio %.3f [%.3f, %.3f]",
			all(FixHeld), all(FixFailed), all(FixOpen),
			r.res[rkey("fix_repeats", "theme", "", "kind", "", "team", "", "phase", PhaseOpen)],
			r.res[rkey("fix_repeats", "theme", "", "kind", "", "team", "", "phase", PhaseClosed)],
			r.res[rkey("fix_repeat_rate_ratio", "theme", "", "kind", "", "team", "", "stat", StatEstimate)],
			r.res[rkey("fix_repeat_rate_ratio", "theme", "", "kind", "", "team", "", "stat", StatLower)],
			r.res[rkey("fix_repeat_rate_ratio", "theme", "", "kind", "", "team", "", "stat", StatUpper)])
	})
	t.Run("pending fixes", func(t *testing.T) {
		truth := map[string]truthPending{}
		truthFixRows(o, now, runThemesOf, truth)
		items, err := r.st.AnalysisItems(context.Background(), r.sum.RunID, store.AnalysisItemFilter{Kind: ItemPendingFix})
		require.NoError(t, err)
		require.NotEmpty(t, items)
		// Each is an open pair with its repeats; a team's are its most
		// repeated, PendingFixesPerTeam at most, in order.
		listed := map[string]bool{}
		byTeam := map[string][]store.AnalysisItem{}
		for _, it := range items {
			k := it.Key + "|" + it.Field("theme")
			w, ok := truth[k]
			require.True(t, ok, "%s is not an open pair with repeats", k)
			require.Equal(t, w.team, it.Team, k)
			require.Equal(t, float64(w.repeats), it.Value, k)
			require.NotEmpty(t, it.Field("title"), k)
			require.NotEmpty(t, it.Field("theme_label"), k)
			listed[k] = true
			byTeam[it.Team] = append(byTeam[it.Team], it)
		}
		for team, its := range byTeam {
			require.LessOrEqual(t, len(its), PendingFixesPerTeam, team)
			sort.Slice(its, func(i, j int) bool { return its[i].Rank < its[j].Rank })
			for i := 1; i < len(its); i++ {
				require.GreaterOrEqual(t, its[i-1].Value, its[i].Value, "%s: most repeats first", team)
			}
			least := its[len(its)-1].Value
			for k, w := range truth {
				if w.team == team && !listed[k] {
					require.Equal(t, PendingFixesPerTeam, len(its), "%s: %s left out of a list that is not full", team, k)
					require.LessOrEqual(t, float64(w.repeats), least, "%s: %s has more repeats than one listed", team, k)
				}
			}
		}
		for k, w := range truth {
			if !listed[k] && len(byTeam[w.team]) == 0 {
				t.Fatalf("team %s has pending fixes (%s) but none is listed", w.team, k)
			}
		}
	})
	t.Run("theme cost", func(t *testing.T) { checkThemeCost(t, r, runThemesOf) })
	// Every family of the two analyses has rows (the golden small org of
	// cmd/aftermath needs a sample of each).
	for _, f := range []metrics.Family{metrics.FixPostmortemThemes, metrics.FixRepeats, metrics.FixExposureSeconds, metrics.FixRepeatRateRatio,
		metrics.ThemeDowntimeSeconds, metrics.ThemeErrorBudgetConsumedRatio, metrics.ThemeDowntimeCost} {
		require.NotEmpty(t, r.res.rows(f.ResultName()), f.Name())
	}
}

// truthPending is a pending fix by brute force: the team of the postmortem
// and the repeats of the theme on its service since its first incident.
type truthPending struct {
	team    string
	repeats int
}

// truthFixRows recomputes the fixes tallies from the org by brute force
// (every incident checked against every pair), themes from themesOf. When
// pending is not nil it gets the open pairs with repeats, by
// "postmortem|theme".
func truthFixRows(o *org.Org, now time.Time, themesOf func(*org.Postmortem) []string, pending ...map[string]truthPending) []fixes.Row {
	covering := map[string][]*org.Postmortem{}
	for i := range o.Postmortems {
		p := &o.Postmortems[i]
		if p.CreatedAt.After(now) {
			continue
		}
		for _, id := range p.IncidentIDs {
			covering[id] = append(covering[id], p)
		}
	}
	themesOfInc := map[string][]string{}
	for id, ps := range covering {
		for _, p := range ps {
			themesOfInc[id] = append(themesOfInc[id], themesOf(p)...)
		}
	}
	incThemes := func(id string) []string { return themesOfInc[id] }
	itemsOf := map[string][]*org.ActionItem{}
	for i := range o.ActionItems {
		a := &o.ActionItems[i]
		if !a.CreatedAt.After(now) {
			itemsOf[a.PostmortemKey] = append(itemsOf[a.PostmortemKey], a)
		}
	}
	rows := map[[3]string]*fixes.Tally{}
	// repeatsOf: the later incidents on svc with a factor of theme.
	repeatsOf := func(start time.Time, svc, theme string, own map[string]bool) []time.Time {
		var out []time.Time
		for j := range o.Incidents {
			y := &o.Incidents[j]
			if y.MergedInto != "" || own[y.ID] || !y.CreatedAt.After(start) || y.CreatedAt.After(now) || serviceName(o, y.ServiceID) != svc || !contains(incThemes(y.ID), theme) {
				continue
			}
			out = append(out, y.CreatedAt)
		}
		return out
	}
	slopes := map[string]float64{}
	add := func(k [3]string, closed time.Time, start time.Time, svc, theme string, own map[string]bool) {
		tl := rows[k]
		if tl == nil {
			tl = &fixes.Tally{}
			rows[k] = tl
		}
		tl.Pairs++
		openEnd := now
		if !closed.IsZero() {
			openEnd = closed
		}
		tl.OpenExposure += openEnd.Sub(start).Seconds()
		if !closed.IsZero() {
			tl.ClosedExposure += now.Sub(closed).Seconds()
		}
		closedReps, openReps := 0, 0
		for _, at := range repeatsOf(start, svc, theme, own) {
			if closed.IsZero() || at.Before(closed) {
				tl.OpenRepeats++
				openReps++
			} else {
				tl.ClosedRepeats++
				closedReps++
			}
		}
		openExp, closedExp := openEnd.Sub(start), time.Duration(0)
		if !closed.IsZero() {
			closedExp = now.Sub(closed)
		}
		if n := openReps + closedReps; n > 0 && openExp > 0 && closedExp > 0 {
			tl.Strata = append(tl.Strata, fixes.Stratum{Closed: closedReps, Open: openReps,
				ClosedExposure: fixes.TrendWeight(slopes[theme], closed, now, now), OpenExposure: fixes.TrendWeight(slopes[theme], start, closed, now)})
		}
		switch {
		case closed.IsZero():
			tl.Open++
		case closedReps > 0:
			tl.Failed++
		default:
			tl.Held++
		}
	}
	var calls []func()
	spans, reps := map[string][]fixes.Span{}, map[string][]time.Time{}
	for i := range o.Postmortems {
		p := &o.Postmortems[i]
		items := itemsOf[p.Key]
		if p.CreatedAt.After(now) || len(items) == 0 {
			continue
		}
		var first *org.Incident
		own := map[string]bool{}
		for _, id := range p.IncidentIDs {
			own[id] = true
			x := o.IncidentByID(id)
			if x == nil || x.MergedInto != "" || x.CreatedAt.After(now) {
				continue
			}
			if first == nil || x.CreatedAt.Before(first.CreatedAt) || (x.CreatedAt.Equal(first.CreatedAt) && x.ID < first.ID) {
				first = x
			}
		}
		if first == nil {
			continue
		}
		closedOf := func(kind string) time.Time {
			var last time.Time
			for _, a := range items {
				if kind != "" && string(followup.Classify(a.Summary).Kind) != kind {
					continue
				}
				if a.StatusCategory != org.CategoryDone || a.ResolvedAt.After(now) {
					return time.Time{}
				}
				if a.ResolvedAt.After(last) {
					last = a.ResolvedAt
				}
			}
			return last
		}
		kinds := map[string]bool{}
		for _, a := range items {
			kinds[string(followup.Classify(a.Summary).Kind)] = true
		}
		team := teamName(o, p.TeamID)
		if team == "" {
			team = "unknown"
		}
		svc := serviceName(o, first.ServiceID)
		for _, th := range themesOf(p) {
			c := closedOf("")
			if n := len(repeatsOf(first.CreatedAt, svc, th, own)); c.IsZero() && n > 0 && len(pending) > 0 {
				pending[0][p.Key+"|"+th] = truthPending{team: team, repeats: n}
			}
			calls = append(calls, func() {
				add([3]string{}, c, first.CreatedAt, svc, th, own)
				add([3]string{th, "", ""}, c, first.CreatedAt, svc, th, own)
				add([3]string{"", "", team}, c, first.CreatedAt, svc, th, own)
				for k := range kinds {
					add([3]string{"", k, ""}, closedOf(k), first.CreatedAt, svc, th, own)
				}
			})
			// The theme's trend, fitted on the open phases.
			openEnd := now
			if !c.IsZero() {
				openEnd = c
			}
			spans[th] = append(spans[th], fixes.Span{From: first.CreatedAt, To: openEnd})
			for _, at := range repeatsOf(first.CreatedAt, svc, th, own) {
				if at.Before(openEnd) {
					reps[th] = append(reps[th], at)
				}
			}
		}
	}
	for th := range spans {
		slopes[th] = fixes.FitTrend(spans[th], reps[th], now)
	}
	for _, f := range calls {
		f()
	}
	var out []fixes.Row
	for k, tl := range rows {
		out = append(out, fixes.Row{Theme: k[0], Kind: k[1], Team: k[2], Tally: *tl,
			Ratio: fixes.StratifiedRateRatio(tl.Strata, fixes.Confidence)})
	}
	sort.Slice(out, func(i, j int) bool {
		return fmt.Sprint(out[i].Theme, out[i].Kind, out[i].Team) < fmt.Sprint(out[j].Theme, out[j].Kind, out[j].Team)
	})
	return out
}

// truthFixes is truthFixRows as the result rows the run should write.
func truthFixes(o *org.Org, now time.Time, themesOf func(*org.Postmortem) []string) map[string]float64 {
	out := map[string]float64{}
	for _, row := range truthFixRows(o, now, themesOf) {
		kv := func(k, v string) []string {
			return []string{"theme", row.Theme, "kind", row.Kind, "team", row.Team, k, v}
		}
		out[rkey("fix_postmortem_themes", kv("state", FixHeld)...)] = float64(row.Held)
		out[rkey("fix_postmortem_themes", kv("state", FixFailed)...)] = float64(row.Failed)
		out[rkey("fix_postmortem_themes", kv("state", FixOpen)...)] = float64(row.Open)
		out[rkey("fix_repeats", kv("phase", PhaseOpen)...)] = float64(row.OpenRepeats)
		out[rkey("fix_repeats", kv("phase", PhaseClosed)...)] = float64(row.ClosedRepeats)
		out[rkey("fix_exposure_seconds", kv("phase", PhaseOpen)...)] = row.OpenExposure
		out[rkey("fix_exposure_seconds", kv("phase", PhaseClosed)...)] = row.ClosedExposure
		if row.Ratio.Defined {
			for stat, v := range map[string]float64{StatEstimate: row.Ratio.Estimate, StatLower: row.Ratio.Lower, StatUpper: row.Ratio.Upper} {
				if !math.IsInf(v, 0) {
					out[rkey("fix_repeat_rate_ratio", kv("stat", stat)...)] = v
				}
			}
		}
	}
	return out
}

// checkThemeCost recomputes each SLO service's downtime per theme from the
// org: every elementary interval between incident boundaries is shared by
// the customer-impacting incidents covering it, an incident's share is split
// over its postmortems' themes.
func checkThemeCost(t *testing.T, r orgRun, themesOf func(*org.Postmortem) []string) {
	o, now := r.o, r.now
	covering := map[string][]*org.Postmortem{}
	for i := range o.Postmortems {
		p := &o.Postmortems[i]
		if p.CreatedAt.After(now) {
			continue
		}
		for _, id := range p.IncidentIDs {
			covering[id] = append(covering[id], p)
		}
	}
	svcs := busiestServices(o, 2)
	type slo struct {
		svc    string
		target float64
		sevs   []string
		cost   float64
	}
	want := map[string]float64{}
	allSecs, allCost := map[[2]string]float64{}, map[[2]string]float64{}
	budgetAll := map[string]float64{}
	for _, s := range []slo{{svcs[0], 0.999, []string{"SEV1", "SEV2"}, 1000}, {svcs[1], 0.99, []string{"SEV1", "SEV2", "SEV3"}, 0}, {"no-such-service", 0.995, []string{"SEV1"}, 0}} {
		type span struct {
			id         string
			start, end time.Time
		}
		var spans []span
		for i := range o.Incidents {
			x := &o.Incidents[i]
			if x.MergedInto != "" || serviceName(o, x.ServiceID) != s.svc || !contains(s.sevs, x.Severity) {
				continue
			}
			end := x.ResolvedAt
			if end.IsZero() || end.After(now) {
				end = now
			}
			if end.After(x.CreatedAt) {
				spans = append(spans, span{x.ID, x.CreatedAt, end})
			}
		}
		for _, p := range allPeriods(now, r.loc) {
			var from, to time.Time
			if p == "30d" {
				from, to = now.Add(-30*24*time.Hour), now
			} else {
				m, err := time.ParseInLocation("2006-01", p, r.loc)
				require.NoError(t, err)
				from, to = m, m.AddDate(0, 1, 0)
			}
			budgetSecs := (1 - s.target) * to.Sub(from).Seconds()
			budgetAll[p] += budgetSecs
			pts := []time.Time{from, to}
			for _, sp := range spans {
				pts = append(pts, sp.start, sp.end)
			}
			sort.Slice(pts, func(i, j int) bool { return pts[i].Before(pts[j]) })
			byTheme := map[string]float64{}
			total := 0.0
			for i := 0; i+1 < len(pts); i++ {
				a, b := pts[i], pts[i+1]
				if !b.After(a) || a.Before(from) || b.After(to) {
					continue
				}
				var on []string
				for _, sp := range spans {
					if !a.Before(sp.start) && !b.After(sp.end) {
						on = append(on, sp.id)
					}
				}
				for _, id := range on {
					share := b.Sub(a).Seconds() / float64(len(on))
					total += share
					var ths []string
					for _, pm := range covering[id] {
						for _, th := range themesOf(pm) {
							if !contains(ths, th) {
								ths = append(ths, th)
							}
						}
					}
					switch {
					case len(ths) > 0:
						for _, th := range ths {
							byTheme[th] += share / float64(len(ths))
						}
					case len(covering[id]) > 0:
						byTheme[ThemeUnthemed] += share
					default:
						byTheme[ThemeNoPostmortem] += share
					}
				}
			}
			require.InDelta(t, r.res[rkey("downtime_seconds", "service", s.svc, "period", p)], total, 1e-6, "%s %s: the shares add up to the SLO analysis' downtime", s.svc, p)
			for th, secs := range byTheme {
				kv := []string{"period", p, "service", s.svc, "theme", th}
				want[rkey("theme_downtime_seconds", kv...)] = secs
				want[rkey("theme_error_budget_consumed_ratio", kv...)] = secs / budgetSecs
				allSecs[[2]string{p, th}] += secs
				if s.cost > 0 {
					want[rkey("theme_downtime_cost", kv...)] = secs / 3600 * s.cost
					allCost[[2]string{p, th}] += secs / 3600 * s.cost
				}
			}
		}
	}
	for k, secs := range allSecs {
		kv := []string{"period", k[0], "service", "", "theme", k[1]}
		want[rkey("theme_downtime_seconds", kv...)] = secs
		want[rkey("theme_error_budget_consumed_ratio", kv...)] = secs / budgetAll[k[0]]
		want[rkey("theme_downtime_cost", kv...)] = allCost[k]
	}
	got := map[string]float64{}
	for _, m := range []string{"theme_downtime_seconds", "theme_error_budget_consumed_ratio", "theme_downtime_cost"} {
		for k, v := range r.res.rows(m) {
			got[k] = v
		}
	}
	require.NotEmpty(t, want)
	require.Len(t, got, len(want), "the same rows")
	for k, w := range want {
		g, ok := got[k]
		require.True(t, ok, "missing %s", k)
		require.InDelta(t, w, g, 1e-6*math.Max(1, math.Abs(w)), k)
	}
	// The last full month's ranking, for the log.
	month := allPeriods(now, r.loc)[12]
	type tc struct {
		theme string
		ratio float64
	}
	var rank []tc
	for k, v := range got {
		if p := "theme_error_budget_consumed_ratio|period=" + month + "|service=|theme="; strings.HasPrefix(k, p) {
			rank = append(rank, tc{k[len(p):], v})
		}
	}
	sort.Slice(rank, func(i, j int) bool { return rank[i].ratio > rank[j].ratio })
	t.Logf("theme cost %s (all SLO services' budget): %+v", month, rank)
}

// TestFixesFindTheLatentEffect runs the analysis on the medium simulated org
// (a year of history: enough closed fixes to tell) and checks the planted
// effect: every latent theme whose fixes hold has a closed/open repeat-rate
// interval below 1 and every other theme one that contains 1, both on the
// latent themes themselves (a recomputation from the org) and on the
// analysis' themes, each read as the latent theme most of its factors have.
func TestFixesFindTheLatentEffect(t *testing.T) {
	if testing.Short() {
		t.Skip("analyses the medium simulated org")
	}
	r := runOnOrg(t, org.ScaleMedium, time.UTC, func(o *org.Org) time.Time { return o.End })
	o, now := r.o, r.now
	t.Logf("medium org: %d incidents, %d postmortems; run steps %s %v, %s %v (whole run %v)", r.sum.Incidents, r.sum.Postmortems,
		stepFixes, r.sum.Durations[stepFixes], stepThemeCost, r.sum.Durations[stepThemeCost], r.sum.FinishedAt.Sub(r.sum.StartedAt))
	fts, runThemesOf := runFactorThemes(t, r)
	latentThemesOf := func(p *org.Postmortem) []string {
		var out []string
		for _, th := range p.FactorThemes {
			if !contains(out, th) {
				out = append(out, th)
			}
		}
		return out
	}
	// The run's rows are the recomputation's.
	want := truthFixes(o, now, runThemesOf)
	for k, w := range want {
		require.InDelta(t, w, r.res[k], 1e-6*math.Max(1, math.Abs(w)), k)
	}
	require.NotEmpty(t, o.Latent.FixHolds)
	checkLatent := func(name string, rows map[string]fixes.Row, holds func(theme string) (bool, bool)) {
		for _, th := range sortedKeys(rows) {
			row := rows[th]
			h, ok := holds(th)
			if !ok {
				continue
			}
			iv := row.Ratio
			t.Logf("%s %s (holds %v): %d pairs, repeats open %d in %.0fd, closed %d in %.0fd: ratio %.3f [%.3f, %.3f]", name, th, h, row.Pairs,
				row.OpenRepeats, row.OpenExposure/86400, row.ClosedRepeats, row.ClosedExposure/86400, iv.Estimate, iv.Lower, iv.Upper)
			require.True(t, iv.Defined, "%s %s: no interval", name, th)
			if h {
				require.Less(t, iv.Upper, 1.0, "%s %s: fixes hold, interval below 1", name, th)
			} else {
				require.LessOrEqual(t, iv.Lower, 1.0, "%s %s: fixes do not hold, interval contains 1", name, th)
				require.GreaterOrEqual(t, iv.Upper, 1.0, "%s %s: fixes do not hold, interval contains 1", name, th)
			}
		}
	}
	// The effect on the latent themes themselves.
	latentRows := map[string]fixes.Row{}
	for _, row := range truthFixRows(o, now, latentThemesOf) {
		if row.Theme != "" {
			latentRows[row.Theme] = row
		}
	}
	checkLatent("latent", latentRows, func(th string) (bool, bool) { h, ok := o.Latent.FixHolds[th]; return h, ok })
	// The analysis' themes, each read as the latent theme most of its
	// factors have (the themes ground truth of checkThemes).
	votes := map[string]map[string]int{}
	for _, a := range fts {
		p := o.PostmortemByKey(a.PostmortemKey)
		if votes[a.ThemeID] == nil {
			votes[a.ThemeID] = map[string]int{}
		}
		votes[a.ThemeID][p.FactorThemes[a.Ordinal-1]]++
	}
	latentOf := map[string]string{}
	for th, v := range votes {
		best, n, total := "", 0, 0
		for l, c := range v {
			total += c
			if c > n || (c == n && l < best) {
				best, n = l, c
			}
		}
		// Only themes that are mostly one latent theme say something
		// about that theme's fixes.
		if float64(n) >= 0.8*float64(total) {
			latentOf[th] = best
		}
	}
	runRows := map[string]fixes.Row{}
	for _, row := range truthFixRows(o, now, runThemesOf) {
		if row.Theme != "" {
			runRows[row.Theme] = row
		}
	}
	checked := 0
	checkLatent("analysis theme", runRows, func(th string) (bool, bool) {
		l, ok := latentOf[th]
		if !ok {
			return false, false
		}
		checked++
		return o.Latent.FixHolds[l], true
	})
	require.Positive(t, checked)
}

// runFactorThemes reads the run's theme of every factor and returns it with
// the distinct run themes of a simulated postmortem's factors.
func runFactorThemes(t *testing.T, r orgRun) ([]store.FactorTheme, func(*org.Postmortem) []string) {
	fts, err := r.st.FactorThemes(context.Background(), r.sum.RunID)
	require.NoError(t, err)
	runTheme := map[string]string{} // factor id -> the run's theme
	for _, a := range fts {
		runTheme[FactorID(a.PostmortemKey, a.Ordinal)] = a.ThemeID
	}
	return fts, func(p *org.Postmortem) []string {
		var out []string
		for _, f := range p.Doc.Factors {
			if th, ok := runTheme[FactorID(p.Key, f.Ordinal)]; ok && !contains(out, th) {
				out = append(out, th)
			}
		}
		return out
	}
}
