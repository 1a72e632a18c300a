package org

import (
	"slices"
	"time"
)

// Latent effects planted in the generated history (ground truth for the
// "did the fixes hold", "follow-ups by kind" and "is the change real"
// analyses). They are drawn from the seed (their own random stream), so the
// same Options always plant the same effects.
//
// Definitions the generator follows and tests can rely on:
//
//   - A postmortem P "is fixed" (its action items are closed) from
//     Org.ItemsClosedAt(P): the latest ResolvedAt of its action items, when P
//     has at least one action item and every one of them is in a done status
//     category (Done or Won't Do) at End. A postmortem without action items,
//     or with one still open at End, is never fixed.
//   - A "repeat" of a postmortem P that covers incidents (not a near miss),
//     with service S = P.ServiceID (the service of its incidents) and themes
//     T = P.FactorThemes, is a later incident on S (created after P's first
//     incident, not merged) covered by a postmortem with a factor of a theme
//     in T.
//   - For a theme with FixHolds true, a factor of that theme is planted on an
//     incident of service S created at or after the fix time of any earlier
//     postmortem of S with that theme only with probability fixHoldsKeep
//     (0.05; the factor is otherwise left out, so other themes keep their
//     rate; when every drawn factor is left out, one unfixed theme is drawn
//     instead): such repeats are about 20 times rarer after the items are
//     closed than while they are open. The generator decides from planned
//     item events, which can move by a few seconds when the changelogs are
//     written, so ItemsClosedAt can differ from its fix time by seconds. For
//     a theme with FixHolds false, closing the items changes nothing. Near
//     misses neither fix nor are suppressed.
//   - The investigate team's specific (not vague) action items are written
//     as investigations ("Investigate why ...", "Find the root cause of
//     ...") with probability investigateShare (0.75); every other team's
//     items come from the same template mix (a few of their vague items are
//     investigations). The investigate team writes SEV3 postmortems often
//     (it has enough items for a monthly mix).
//   - MTTRShift: for every non-merged incident of MTTRShift.TeamID created at
//     or after MTTRShift.From, the time from trigger to resolve is
//     MTTRShift.Factor times what it would have been (acknowledged and
//     auto-resolved incidents alike; the acknowledgement time is not
//     changed). No other team or service has a planted change: month to
//     month differences elsewhere are noise (plus the slow 35% growth of the
//     arrival rate over the whole history).
type Latent struct {
	// FixHolds has one entry per Theme.ID (every theme): true if closing a
	// postmortem's action items stops (strongly reduces, to about 0.05x)
	// repeats of that service and theme, false if it does not change them.
	// About half of the themes hold.
	FixHolds map[string]bool
	// InvestigateTeamID is the Team.ID of the one team whose action items
	// are mostly (about 75%) "investigate" follow-ups.
	InvestigateTeamID string
	// MTTRShift is the one planted change of time to resolve.
	MTTRShift MTTRShift
}

// MTTRShift is a planted change of one team's time to resolve.
type MTTRShift struct {
	// TeamID is the Team.ID whose incidents resolve more slowly.
	TeamID string
	// From is the first day (00:00 UTC) of the last full calendar month of
	// the history: the UTC month before the one End falls in. Incidents
	// created at or after From are shifted.
	From time.Time
	// Factor multiplies the time from trigger to resolve (between 2 and 3).
	Factor float64
}

const (
	fixHoldsKeep     = 0.05 // a fixed (service, theme) keeps a drawn factor of that theme with this probability
	investigateShare = 0.8  // share of the investigate team's items written as investigations
)

// lastFullMonth returns the first day of the last full UTC calendar month
// before end.
func lastFullMonth(end time.Time) time.Time {
	e := end.UTC()
	first := time.Date(e.Year(), e.Month(), 1, 0, 0, 0, 0, time.UTC)
	return first.AddDate(0, -1, 0)
}

// planLatent draws the latent effects. It runs after the people are built
// and before the incidents: the shift team and the investigate team are
// drawn among the teams owning the most services, so that both effects
// have enough incidents and action items to be seen.
func (g *gen) planLatent() {
	o := g.org
	r := newRNG(g.opts.Seed, streamLatent)
	l := Latent{FixHolds: make(map[string]bool, len(themeCatalog))}
	perm := r.Perm(len(themeCatalog))
	for k, i := range perm {
		l.FixHolds[themeCatalog[i].id] = k%2 == 0
	}
	// Teams ranked by the number of services they own (then by index).
	owned := make([]int, len(o.Teams))
	for _, t := range g.svcTeam {
		owned[t]++
	}
	rank := make([]int, len(o.Teams))
	for i := range rank {
		rank[i] = i
	}
	slices.SortStableFunc(rank, func(a, b int) int { return owned[b] - owned[a] })
	top := rank[:max(2, len(rank)/2)]
	pickTwo := r.Perm(len(top))
	l.InvestigateTeamID = o.Teams[top[pickTwo[0]]].ID
	shiftTeam := top[pickTwo[1]]
	l.MTTRShift = MTTRShift{TeamID: o.Teams[shiftTeam].ID, From: lastFullMonth(o.End), Factor: 2 + r.Float64()}
	o.Latent = l
	g.shiftTeam = shiftTeam
}

// shiftResolve applies the planted MTTR shift to a planned resolve time of
// an incident of team created at created.
func (g *gen) shiftResolve(team int, created, resolveAt time.Time) time.Time {
	s := g.org.Latent.MTTRShift
	if team != g.shiftTeam || created.Before(s.From) {
		return resolveAt
	}
	return created.Add(time.Duration(float64(resolveAt.Sub(created)) * s.Factor)).Truncate(time.Second)
}

// ItemsClosedAt returns when all of the postmortem's action items were
// closed: the latest ResolvedAt of its items when it has at least one and
// every one is in a done status category at End; zero otherwise.
func (o *Org) ItemsClosedAt(p *Postmortem) time.Time {
	if p == nil || len(p.ActionItemKeys) == 0 {
		return time.Time{}
	}
	var last time.Time
	for _, k := range p.ActionItemKeys {
		a := o.ActionItemByKey(k)
		if a == nil || a.ResolvedAt.IsZero() {
			return time.Time{}
		}
		if a.ResolvedAt.After(last) {
			last = a.ResolvedAt
		}
	}
	return last
}
