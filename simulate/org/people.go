package org

import (
	"strings"
	"time"
)

// extraServiceSuffixes extend a team's catalog when a scale needs more
// services than the catalog lists.
var extraServiceSuffixes = []struct{ suffix, desc, kind string }{
	{"-webhooks", "Outbound webhook delivery.", "worker"},
	{"-admin", "Internal admin tool.", "frontend"},
	{"-events-consumer", "Consumes domain events from the event bus.", "data"},
	{"-reporting", "Reporting and exports.", "worker"},
	{"-scheduler", "Scheduled maintenance jobs.", "worker"},
}

// buildPeople creates teams, users, services, escalation policies and
// priorities.
func (g *gen) buildPeople() {
	r := newRNG(g.opts.Seed, streamPeople)
	p := g.params
	o := g.org

	// Teams: a seeded choice of p.teams teams from the catalog, in catalog order.
	chosen := r.Perm(len(teamCatalog))[:p.teams]
	sortInts(chosen)
	specs := make([]teamSpec, 0, p.teams)
	for _, i := range chosen {
		specs = append(specs, teamCatalog[i])
	}
	for _, s := range specs {
		o.Teams = append(o.Teams, Team{ID: g.pids.next(), Name: s.name, Slug: s.slug, Description: s.desc})
	}

	// Users: unique names, spread over teams (at least 4 each).
	pairs := r.Perm(len(firstNames) * len(lastNames))
	tzW := make([]float64, len(timeZones))
	for i, z := range timeZones {
		tzW[i] = z.weight
	}
	tzPick := newCumulative(tzW)
	accounts := map[string]bool{}
	for i := 0; i < p.users; i++ {
		team := i % p.teams
		if i >= 4*p.teams {
			team = r.IntN(p.teams)
		}
		first := firstNames[pairs[i]%len(firstNames)]
		last := lastNames[pairs[i]/len(firstNames)]
		acct := hexID(r, 24)
		for accounts[acct] {
			acct = hexID(r, 24)
		}
		accounts[acct] = true
		role := "user"
		switch {
		case i == 0:
			role = "owner"
		case r.chance(0.05):
			role = "admin"
		case r.chance(0.05):
			role = "limited_user"
		}
		o.Users = append(o.Users, User{
			ID:            g.pids.next(),
			Name:          first + " " + last,
			Email:         strings.ToLower(first+"."+last) + "@example.com",
			TeamID:        o.Teams[team].ID,
			JiraAccountID: acct,
			TimeZone:      timeZones[tzPick.draw(r)].name,
			Role:          role,
		})
		g.teamUsers[team] = append(g.teamUsers[team], i)
	}
	o.Automation = User{Name: "Automation for Jira", JiraAccountID: "557058:" + hexID(r, 8) + "-" + hexID(r, 4) + "-" + hexID(r, 4) + "-" + hexID(r, 4) + "-" + hexID(r, 12), TimeZone: "UTC", Role: "bot"}

	// Escalation policies: one per team. Level 1 is a weekly rotation of up
	// to four engineers, level 2 a secondary pair, level 3 (most teams) the
	// team lead.
	for ti, t := range o.Teams {
		members := g.teamUsers[ti]
		perm := r.Perm(len(members))
		pm := make([]string, len(members))
		for j, k := range perm {
			pm[j] = o.Users[members[k]].ID
		}
		n1 := min(4, len(pm)-1)
		levels := [][]string{append([]string(nil), pm[:n1]...)}
		rest := pm[n1:]
		if len(rest) > 1 && r.chance(0.75) {
			levels = append(levels, append([]string(nil), rest[:len(rest)-1]...)[:min(2, len(rest)-1)])
		}
		levels = append(levels, []string{rest[len(rest)-1]})
		delay := 15 * time.Minute
		if r.chance(0.4) {
			delay = 30 * time.Minute
		}
		o.EscalationPolicies = append(o.EscalationPolicies, EscalationPolicy{
			ID: g.pids.next(), Name: t.Name + " On-Call", TeamID: t.ID, Levels: levels, EscalationDelay: delay,
		})
	}

	// Services: the chosen teams' catalogs, extended or cut to p.services.
	type svcDraft struct {
		team int
		spec serviceSpec
	}
	var drafts []svcDraft
	for ti, s := range specs {
		for _, sv := range s.services {
			drafts = append(drafts, svcDraft{ti, sv})
		}
	}
	for k := 0; len(drafts) < p.services; k++ {
		ti := k % len(specs)
		ex := extraServiceSuffixes[(k/len(specs))%len(extraServiceSuffixes)]
		drafts = append(drafts, svcDraft{ti, serviceSpec{name: specs[ti].slug + ex.suffix, desc: ex.desc, kind: ex.kind}})
	}
	if len(drafts) > p.services {
		// Keep every team's first service, drop others at random.
		keep := make([]bool, len(drafts))
		seen := map[int]bool{}
		n := 0
		for i, d := range drafts {
			if !seen[d.team] {
				seen[d.team] = true
				keep[i] = true
				n++
			}
		}
		for _, i := range r.Perm(len(drafts)) {
			if n >= p.services {
				break
			}
			if !keep[i] {
				keep[i] = true
				n++
			}
		}
		var kept []svcDraft
		for i, d := range drafts {
			if keep[i] {
				kept = append(kept, d)
			}
		}
		drafts = kept
	}
	for _, d := range drafts {
		s := Service{
			ID:                 g.pids.next(),
			Name:               d.spec.name,
			TeamID:             o.Teams[d.team].ID,
			EscalationPolicyID: o.EscalationPolicies[d.team].ID,
			Description:        d.spec.desc,
			CreatedAt:          o.Start.Add(-time.Duration(r.between(30, 900)) * 24 * time.Hour),
		}
		o.Services = append(o.Services, s)
		g.svcTeam = append(g.svcTeam, d.team)
		g.svcKind = append(g.svcKind, d.spec.kind)
		var ackTimeout int
		if r.chance(0.2) {
			ackTimeout = pick(r, []int{3600, 7200})
		}
		g.svcAckTimeout = append(g.svcAckTimeout, ackTimeout)
	}

	prioDesc := []string{
		"Critical: major customer-facing outage.",
		"High: significant degradation for many customers.",
		"Moderate: partial degradation or risk of one.",
		"Low: minor issue, no immediate customer impact.",
		"Informational.",
	}
	for i := 1; i <= 5; i++ {
		o.Priorities = append(o.Priorities, Priority{ID: g.pids.next(), Name: "P" + itoa(i), Description: prioDesc[i-1], Order: i})
	}
}

// onCall returns the user indexes targeted at the level of the team's policy
// at t: level 1 rotates weekly, other levels are notified together.
func (g *gen) onCall(team, level int, t time.Time) []int {
	ep := &g.org.EscalationPolicies[team]
	if level >= len(ep.Levels) {
		level = len(ep.Levels) - 1
	}
	ids := ep.Levels[level]
	if level == 0 {
		week := int(t.Unix() / (7 * 24 * 3600))
		return []int{g.userIdx(ids[(week+team)%len(ids)])}
	}
	out := make([]int, len(ids))
	for i, id := range ids {
		out[i] = g.userIdx(id)
	}
	return out
}

func (g *gen) userIdx(id string) int { return g.org.userIdx[id] }

func sortInts(xs []int) {
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0 && xs[j] < xs[j-1]; j-- {
			xs[j], xs[j-1] = xs[j-1], xs[j]
		}
	}
}
