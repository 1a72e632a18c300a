package org

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Incident generation: arrivals with daily/weekly seasonality, a slow growth
// trend and incident storms, then one full PagerDuty timeline per incident.

// hourWeights is the arrival rate by UTC hour (US/EU business hours peak).
var hourWeights = [24]float64{
	0.55, 0.5, 0.45, 0.45, 0.5, 0.55, 0.65, 0.8, 1.0, 1.15, 1.25, 1.3,
	1.35, 1.4, 1.5, 1.55, 1.5, 1.45, 1.35, 1.2, 1.0, 0.85, 0.7, 0.6,
}

// weekdayWeights is the arrival rate by weekday (Sunday first).
var weekdayWeights = [7]float64{0.55, 1.1, 1.15, 1.15, 1.1, 0.95, 0.6}

const (
	svcPopularityExp = 0.45 // Zipf exponent of the services' alert volume
	templateExp      = 0.5  // Zipf exponent of a service's alert templates
	targetsPerAlert  = 6    // targets (workload, tier) one alert template fires on
	targetExp        = 0.4  // Zipf exponent of the targets
	// majorsPerServiceMonth is the rate of major incidents (P1/P2, SEV1/SEV2)
	// of a service, the same for every service.
	majorsPerServiceMonth = 0.22
	sev1OfMajor           = 0.25 // share of major incidents that are P1

	stormShare     = 0.10 // share of incidents that arrive in storms
	manualShare    = 0.05 // share of regular incidents opened by hand
	regularMergeP  = 0.03 // a regular incident is merged into an open one of its service
	stormMergeP    = 0.75 // a storm follower is merged into the storm head
	reassignP      = 0.07
	manualEscP     = 0.03
	manualUnackP   = 0.01
	timeoutUnackP  = 0.6 // when an ack times out: unacknowledged (else re-acked in time)
	serviceResolve = 0.25
	lingerP        = 0.12 // a low-urgency incident lingers for days
)

// Per-severity parameters, index 1..5 (SEV1..SEV5).
var (
	autoResolveP     = [6]float64{0, 0, 0.02, 0.12, 0.30, 0.40}
	ttaMedianMin     = [6]float64{0, 1.5, 2.5, 4, 12, 30}
	ttrMedianMin     = [6]float64{0, 45, 35, 25, 50, 120}
	customerImpactP  = [6]float64{0, 0.95, 0.7, 0.2, 0.05, 0.02}
	annotationP      = [6]float64{0, 0.9, 0.6, 0.25, 0.08, 0.05}
	priorityNames    = [6]string{"", "P1", "P2", "P3", "P4", "P5"}
	severityNames    = [6]string{"", "SEV1", "SEV2", "SEV3", "SEV4", "SEV5"}
	regularPriorityW = []float64{42, 0, 0, 21, 22, 15} // none, P1..P5; P1/P2 are drawn apart (majorP)
	manualPriorityW  = []float64{20, 0, 0, 60, 20, 0}
	headPriorityW    = []float64{20, 0, 0, 50, 30, 0}
	// majorKindF is the relative rate of major incidents by kind (regular
	// alert, opened by hand, storm head, storm follower): most major
	// incidents are declared by people (support escalations, customer
	// reports), not paged by an alert.
	majorKindF      = [4]float64{1, 25, 1, 0}
	followPriorityW = []float64{70, 0, 0, 0, 20, 10}
	highUrgencyP    = []float64{0.55, 1, 1, 0.85, 0.4, 0.1} // by priority order, 0 = none
)

type arrival struct {
	at       time.Time
	svc      int
	tmpl     int // index in alertTemplates, -1 = opened by hand
	target   int // index in the service's targets of the template
	storm    bool
	head     bool
	stormEnd time.Time
}

type openInc struct {
	idx int
	end time.Time // planned resolve time
}

// incMeta is generation-time data about an incident that postmortems use.
type incMeta struct {
	tmpl   int
	target string // the alert's target label ("" when opened by hand)
}

func (g *gen) arrivals(r *rng) []arrival {
	o := g.org
	p := g.params
	// Service popularity: Zipf-like over a seeded ranking.
	svcW := make([]float64, len(o.Services))
	var wsum float64
	for rank, i := range r.Perm(len(o.Services)) {
		svcW[i] = math.Pow(float64(rank+1), -svcPopularityExp) * (0.7 + 0.6*r.Float64())
		wsum += svcW[i]
	}
	svcPick := newCumulative(svcW)
	g.svcShare = make([]float64, len(o.Services))
	for i, w := range svcW {
		g.svcShare[i] = w / wsum
	}
	// Alert templates per service, the first ones more frequent, and the
	// targets (workload and tier labels) each can fire on.
	g.svcTemplates = make([][]int, len(o.Services))
	g.svcTemplateCum = make([]cumulative, len(o.Services))
	g.svcTargets = make([][][]string, len(o.Services))
	tw := make([]float64, targetsPerAlert)
	for j := range tw {
		tw[j] = math.Pow(float64(j+1), -targetExp)
	}
	g.targetCum = newCumulative(tw)
	for s := range o.Services {
		all := g.templatesFor(g.svcKind[s])
		m := min(len(all), r.between(10, 16))
		perm := r.Perm(len(all))[:m]
		ts := make([]int, m)
		w := make([]float64, m)
		tg := make([][]string, m)
		for k, j := range perm {
			ts[k] = all[j]
			w[k] = math.Pow(float64(k+1), -templateExp)
			pa, pb := r.Perm(len(targetAreas)), r.Perm(len(targetTiers))
			tg[k] = make([]string, targetsPerAlert)
			for t := range tg[k] {
				tg[k][t] = targetAreas[pa[t]] + " " + targetTiers[pb[t]]
			}
		}
		g.svcTemplates[s] = ts
		g.svcTemplateCum[s] = newCumulative(w)
		g.svcTargets[s] = tg
	}
	drawTmpl := func(s int) (int, int) {
		k := g.svcTemplateCum[s].draw(r)
		return k, g.targetCum.draw(r)
	}

	hours := p.days * 24
	weights := make([]float64, hours)
	var sum float64
	for h := range hours {
		t := o.Start.Add(time.Duration(h) * time.Hour)
		w := hourWeights[t.Hour()] * weekdayWeights[t.Weekday()] * (0.85 + 0.3*float64(h)/float64(hours))
		weights[h] = w
		sum += w
	}
	regular := float64(p.incidents) * (1 - stormShare)
	out := make([]arrival, 0, p.incidents+p.incidents/10)
	for h := range hours {
		n := r.poisson(regular * weights[h] / sum)
		base := o.Start.Add(time.Duration(h) * time.Hour)
		for range n {
			a := arrival{at: base.Add(time.Duration(r.IntN(3600)) * time.Second), svc: svcPick.draw(r)}
			if r.chance(manualShare) {
				a.tmpl = -1
			} else {
				a.tmpl, a.target = drawTmpl(a.svc)
			}
			out = append(out, a)
		}
	}
	// Storms: one service fires the same (flapping) alert many times.
	stormBudget := int(float64(p.incidents) * stormShare)
	hourPick := newCumulative(weights)
	for stormBudget > 0 {
		size := min(stormBudget, 3+min(57, int(r.lognormal(6, 0.8))))
		stormBudget -= size
		s := svcPick.draw(r)
		h := hourPick.draw(r)
		start := o.Start.Add(time.Duration(h)*time.Hour + time.Duration(r.IntN(3600))*time.Second)
		dur := r.uniformDur(15*time.Minute, 3*time.Hour)
		tmpl, target := drawTmpl(s)
		end := start.Add(dur)
		out = append(out, arrival{at: start, svc: s, tmpl: tmpl, target: target, storm: true, head: true, stormEnd: end})
		for range size - 1 {
			a := arrival{at: start.Add(time.Second + r.uniformDur(0, dur)), svc: s, tmpl: tmpl, target: target, storm: true, stormEnd: end}
			if r.chance(0.2) {
				a.tmpl, a.target = drawTmpl(s)
			}
			out = append(out, a)
		}
	}
	// Template indexes into alertTemplates.
	for i := range out {
		if out[i].tmpl >= 0 {
			k := out[i].tmpl
			out[i].tmpl = g.svcTemplates[out[i].svc][k]
			out[i].target = k*targetsPerAlert + out[i].target
		}
	}
	// Sort, make creation times unique (so incident numbers follow the
	// sort order) and drop anything at or after End.
	slices.SortStableFunc(out, func(a, b arrival) int { return a.at.Compare(b.at) })
	kept := out[:0]
	for i, a := range out {
		if i > 0 && !a.at.After(out[i-1].at) {
			a.at = out[i-1].at.Add(time.Second)
			out[i].at = a.at
		}
		if a.at.Before(o.End) {
			kept = append(kept, a)
		}
	}
	return kept
}

func (g *gen) buildIncidents() {
	o := g.org
	ra := newRNG(g.opts.Seed, streamArrivals)
	arr := g.arrivals(ra)
	r := newRNG(g.opts.Seed, streamIncidents)
	o.Incidents = make([]Incident, len(arr))
	g.incMeta = make([]incMeta, len(arr))
	g.plannedEnd = make([]time.Time, 0, len(arr))
	open := make([][]openInc, len(o.Services))
	headOf := make([]int, len(o.Services)) // latest storm head per service
	for i := range headOf {
		headOf[i] = -1
	}
	prioPickers := [4]cumulative{newCumulative(regularPriorityW), newCumulative(manualPriorityW), newCumulative(headPriorityW), newCumulative(followPriorityW)}
	for k, a := range arr {
		inc := &o.Incidents[k]
		inc.ID = g.qids.next()
		inc.Number = k + 1
		inc.CreatedAt = a.at
		inc.ServiceID = o.Services[a.svc].ID
		team := g.svcTeam[a.svc]
		inc.TeamID = o.Teams[team].ID
		inc.EscalationPolicyID = o.EscalationPolicies[team].ID
		g.incMeta[k] = incMeta{tmpl: a.tmpl}
		if a.tmpl >= 0 {
			g.incMeta[k].target = g.svcTargets[a.svc][a.target/targetsPerAlert][a.target%targetsPerAlert]
		}

		kind := 0
		switch {
		case a.tmpl < 0:
			kind = 1
		case a.head:
			kind = 2
		case a.storm:
			kind = 3
		}
		prio := prioPickers[kind].draw(r)
		if kind != 3 {
			// Major incidents (P1/P2) arrive at about the same rate on every
			// service, whatever its volume of alerts.
			if r.chance(min(0.5, g.majorP*majorKindF[kind]/(g.svcShare[a.svc]*float64(len(o.Services))))) {
				prio = 2
				if r.chance(sev1OfMajor) {
					prio = 1
				}
			}
		}
		if prio > 0 {
			inc.PriorityID = o.Priorities[prio-1].ID
		}
		inc.Urgency = "low"
		if r.chance(highUrgencyP[prio]) {
			inc.Urgency = "high"
		}
		sev := prio
		if prio == 0 {
			sev = 4
			if inc.Urgency == "high" {
				sev = 3
			}
		}
		inc.Severity = severityNames[sev]
		inc.CustomerImpacting = r.chance(customerImpactP[sev])

		// Title, key and details.
		svcName := o.Services[a.svc].Name
		if a.tmpl < 0 {
			inc.Title = g.fillAlert(r, pick(r, manualTitles), a.svc, -1)
			inc.IncidentKey = hexID(r, 32)
			inc.Details = "Opened by hand from the web UI. " + inc.Title
		} else {
			t := &alertTemplates[a.tmpl]
			inc.Title = g.fillAlert(r, t.title, a.svc, a.target) + " (" + strings.Replace(g.incMeta[k].target, " ", ", ", 1) + ")"
			inc.IncidentKey = t.monitor + ":" + svcName + ":" + t.id + ":" + hexID(r, 8)
			inc.Details = "Alert: " + inc.Title + "\nSource: " + t.monitor + "\nRunbook: https://runbooks.example.com/" + svcName + "/" + t.id
		}

		// Merge decision.
		mergeTarget := -1
		var mergeAt time.Time
		mergeP := regularMergeP
		if a.storm && !a.head {
			mergeP = stormMergeP
		}
		if !a.head && r.chance(mergeP) {
			mergeAt = a.at.Add(r.lognormalDur(4*time.Minute, 0.8, 30*time.Second, 45*time.Minute))
			if a.storm && headOf[a.svc] >= 0 {
				h := headOf[a.svc]
				if g.plannedEnd[h].After(mergeAt.Add(5*time.Minute)) && o.Incidents[h].CreatedAt.Before(a.at) {
					mergeTarget = h
				}
			}
			if mergeTarget < 0 {
				for j := len(open[a.svc]) - 1; j >= 0; j-- {
					c := open[a.svc][j]
					if c.end.After(mergeAt.Add(5*time.Minute)) && o.Incidents[c.idx].CreatedAt.Before(a.at) {
						mergeTarget = c.idx
						break
					}
				}
			}
			if !mergeAt.Before(o.End) {
				mergeTarget = -1
			}
		}

		b := timeline{g: g, r: r, inc: inc, team: team, svc: a.svc, sev: sev, entries: g.scratch[:0]}
		var end time.Time
		switch {
		case mergeTarget >= 0:
			end = b.merged(mergeAt, &o.Incidents[mergeTarget])
		case !a.head && r.chance(autoResolveP[sev]+boolF(a.storm, 0.3)):
			end = b.autoResolved()
		default:
			var minEnd time.Time
			if a.head {
				minEnd = a.stormEnd.Add(r.uniformDur(5*time.Minute, 40*time.Minute))
			}
			end = b.acked(minEnd, a.tmpl < 0)
		}
		b.finish(g.org.End)
		g.scratch = b.entries[:0]
		g.plannedEnd = append(g.plannedEnd, end)

		if mergeTarget < 0 {
			// Keep the open list short: drop incidents planned to end before this one starts.
			lst := open[a.svc][:0]
			for _, c := range open[a.svc] {
				if c.end.After(a.at) {
					lst = append(lst, c)
				}
			}
			open[a.svc] = append(lst, openInc{idx: k, end: end})
			if a.head {
				headOf[a.svc] = k
			}
		}
	}

	// Sort by CreatedAt then ID (numbers were given in arrival order).
	if !slices.IsSortedFunc(o.Incidents, cmpIncident) {
		perm := make([]int, len(o.Incidents))
		for i := range perm {
			perm[i] = i
		}
		slices.SortStableFunc(perm, func(a, b int) int { return cmpIncident(o.Incidents[a], o.Incidents[b]) })
		incs := make([]Incident, len(perm))
		meta := make([]incMeta, len(perm))
		for i, j := range perm {
			incs[i] = o.Incidents[j]
			meta[i] = g.incMeta[j]
		}
		o.Incidents, g.incMeta = incs, meta
	}

	// Ground truth for recurrence: the latest earlier non-merged incident
	// with the same signature.
	last := map[string]string{}
	for i := range o.Incidents {
		inc := &o.Incidents[i]
		m := g.incMeta[i]
		svc := o.serviceIdxOf(inc.ServiceID)
		if m.tmpl < 0 {
			inc.Signature = "manual/" + inc.ID
		} else {
			inc.Signature = o.Services[svc].Name + "/" + alertTemplates[m.tmpl].id + "/" + strings.ReplaceAll(m.target, " ", "-")
		}
		if inc.MergedInto != "" {
			continue
		}
		inc.RecurrenceOf = last[inc.Signature]
		last[inc.Signature] = inc.ID
	}
}

func cmpIncident(a, b Incident) int {
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

func boolF(b bool, v float64) float64 {
	if b {
		return v
	}
	return 0
}

// timeline builds one incident's log entries.
type timeline struct {
	g    *gen
	r    *rng
	inc  *Incident
	team int
	svc  int
	sev  int

	entries []LogEntry
	cur     []int // current assignees (user indexes)
	level   int   // current escalation level (0-based)
}

func (b *timeline) user(i int) *User { return &b.g.org.Users[i] }

func (b *timeline) add(e LogEntry) { b.entries = append(b.entries, e) }

func (b *timeline) ids(us []int) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = b.user(u).ID
	}
	return out
}

func (b *timeline) trigger(manual bool, until time.Time) {
	t0 := b.inc.CreatedAt
	e := LogEntry{Type: LogTrigger, At: t0, AgentType: AgentService, AgentID: b.inc.ServiceID}
	switch {
	case manual:
		u := b.pickTeammate()
		e.AgentType, e.AgentID, e.ChannelType = AgentUser, b.user(u).ID, "web_trigger"
		e.Summary = b.g.intern("Triggered through the website by " + b.user(u).Name + ".")
	case b.r.chance(0.08):
		e.ChannelType, e.Summary = "email", "Triggered through an email integration."
	case b.r.chance(0.03):
		e.ChannelType, e.Summary = "nagios", "Triggered through Nagios."
	default:
		e.ChannelType, e.Summary = "api", "Triggered through the API."
	}
	b.level = 0
	b.cur = b.g.onCall(b.team, 0, t0)
	e.AssigneeIDs = b.ids(b.cur)
	b.add(e)
	b.notify(b.cur, t0, until)
}

var notifyKinds = []struct{ channel, ntype, how string }{
	{"push_notification", "push_notification", "push notification"},
	{"sms", "sms_notification", "SMS"},
	{"phone", "phone_notification", "phone call"},
	{"email", "email_notification", "email"},
}

func (b *timeline) notify(users []int, at, until time.Time) {
	// Notification rules: high urgency pushes at once, then SMS after a
	// minute and a phone call after five if still unacknowledged; low
	// urgency emails, sometimes with a push.
	for _, u := range users {
		type step struct {
			kind  int
			after time.Duration
		}
		var steps []step
		if b.inc.Urgency == "high" {
			steps = []step{{0, 0}}
			if b.r.chance(0.4) {
				steps = append(steps, step{3, 0})
			}
			if b.r.chance(0.85) {
				steps = append(steps, step{1, time.Minute})
			}
			if b.r.chance(0.6) {
				steps = append(steps, step{2, 5 * time.Minute})
			}
		} else {
			steps = []step{{3, 0}}
			if b.r.chance(0.5) {
				steps = append(steps, step{0, 0})
			}
		}
		for j, s := range steps {
			t := at.Add(s.after + time.Duration(2+j+b.r.IntN(4))*time.Second)
			if j > 0 && !until.IsZero() && !t.Before(until) {
				continue
			}
			nk := notifyKinds[s.kind]
			b.add(LogEntry{
				Type: LogNotify, At: t,
				AgentType: AgentUser, AgentID: b.user(u).ID, ChannelType: nk.channel,
				UserID: b.user(u).ID, NotificationType: nk.ntype,
				Summary: b.g.intern("Notified " + b.user(u).Name + " via " + nk.how + "."),
			})
		}
	}
}

// escalateUntil adds timeout escalations (high urgency only) before until.
func (b *timeline) escalateUntil(until time.Time) {
	if b.inc.Urgency != "high" {
		return
	}
	ep := &b.g.org.EscalationPolicies[b.team]
	for lvl := 1; lvl < len(ep.Levels); lvl++ {
		at := b.inc.CreatedAt.Add(time.Duration(lvl) * ep.EscalationDelay)
		if !at.Before(until) {
			return
		}
		b.escalate(at, lvl, -1, until)
	}
}

// escalate moves the incident to level lvl; by < 0 means by timeout.
func (b *timeline) escalate(at time.Time, lvl, by int, until time.Time) {
	b.level = lvl
	b.cur = b.g.onCall(b.team, lvl, at)
	ids := make([]string, len(b.cur))
	names := ""
	for i, u := range b.cur {
		ids[i] = b.user(u).ID
		if i > 0 {
			names += ", "
		}
		names += b.user(u).Name
	}
	e := LogEntry{Type: LogEscalate, At: at, AssigneeIDs: ids, EscalationLevel: lvl + 1}
	if by < 0 {
		e.AgentType, e.AgentID, e.ChannelType = AgentEscalationPolicy, b.inc.EscalationPolicyID, "timeout"
		e.Summary = b.g.intern("Escalated to " + names + " by timeout.")
	} else {
		e.AgentType, e.AgentID, e.ChannelType = AgentUser, b.user(by).ID, "website"
		e.Summary = b.g.intern("Escalated to " + names + " by " + b.user(by).Name + ".")
	}
	b.add(e)
	b.notify(b.cur, at, until)
}

func (b *timeline) ack(at time.Time, u int) {
	e := LogEntry{Type: LogAcknowledge, At: at, AgentType: AgentUser, AgentID: b.user(u).ID,
		ChannelType:            pick(b.r, []string{"website", "website", "website", "sms", "sms", "email"}),
		Summary:                b.g.intern("Acknowledged by " + b.user(u).Name + "."),
		AcknowledgementTimeout: b.g.svcAckTimeout[b.svc]}
	b.add(e)
}

func (b *timeline) annotate(at time.Time, u int) {
	b.add(LogEntry{Type: LogAnnotate, At: at, AgentType: AgentUser, AgentID: b.user(u).ID, ChannelType: "note",
		Summary: b.g.intern("Note added by " + b.user(u).Name + "."),
		Note:    b.g.noteText(b.r, b.svc)})
}

func (b *timeline) pickTeammate() int {
	return pick(b.r, b.g.teamUsers[b.team])
}

func (b *timeline) resolveByUser(at time.Time, u int, summary string) {
	b.add(LogEntry{Type: LogResolve, At: at, AgentType: AgentUser, AgentID: b.user(u).ID,
		ChannelType: pick(b.r, []string{"website", "website", "website", "sms", "email"}), Summary: summary})
}

func (b *timeline) resolveByService(at time.Time) {
	if b.r.chance(0.25) {
		b.add(LogEntry{Type: LogResolve, At: at, AgentType: AgentService, AgentID: b.inc.ServiceID, ChannelType: "timeout", Summary: "Resolved by timeout."})
		return
	}
	b.add(LogEntry{Type: LogResolve, At: at, AgentType: AgentService, AgentID: b.inc.ServiceID, ChannelType: "api", Summary: "Resolved through the API."})
}

// merged: the incident is resolved by merging it into target at mergeAt.
func (b *timeline) merged(mergeAt time.Time, target *Incident) time.Time {
	acked := b.r.chance(0.3)
	var ackAt time.Time
	end := mergeAt
	if acked {
		ackAt = b.inc.CreatedAt.Add(time.Duration(float64(mergeAt.Sub(b.inc.CreatedAt)) * (0.2 + 0.6*b.r.Float64()))).Truncate(time.Second)
		end = ackAt
	}
	b.trigger(false, end)
	b.escalateUntil(end)
	u := b.cur[b.r.IntN(len(b.cur))]
	if acked {
		b.ack(ackAt, u)
	}
	b.resolveByUser(mergeAt, u, b.g.intern("Resolved by "+b.user(u).Name+" (merged into #"+strconv.Itoa(target.Number)+")."))
	b.inc.ResolveReason = ResolveReasonMerge
	b.inc.MergedInto = target.ID
	return mergeAt
}

func (b *timeline) autoResolved() time.Time {
	maxD := 2 * 24 * time.Hour
	at := b.g.shiftResolve(b.team, b.inc.CreatedAt, b.inc.CreatedAt.Add(b.r.lognormalDur(12*time.Minute, 1.3, time.Minute, maxD)))
	b.trigger(false, at)
	b.escalateUntil(at)
	if b.r.chance(annotationP[b.sev] / 2) {
		b.annotate(b.inc.CreatedAt.Add(b.r.uniformDur(0, at.Sub(b.inc.CreatedAt))), b.cur[0])
	}
	b.resolveByService(at)
	return at
}

type midEvent struct {
	at   time.Time
	kind int // 0 reassign, 1 manual escalate, 2 manual unack, 3 annotate
}

// acked: the normal path. minEnd, when set, is the earliest resolve time.
func (b *timeline) acked(minEnd time.Time, manual bool) time.Time {
	r := b.r
	t0 := b.inc.CreatedAt
	tta := r.lognormalDur(time.Duration(ttaMedianMin[b.sev]*float64(time.Minute)), 1.0, 10*time.Second, 3*24*time.Hour)
	if b.inc.Urgency == "low" {
		tta = time.Duration(float64(tta) * 1.8).Truncate(time.Second)
	}
	ackAt := t0.Add(tta)
	maxTTR := 14 * 24 * time.Hour
	if b.sev <= 2 {
		maxTTR = 12 * time.Hour // major incidents get all hands until resolved
	}
	ttr := r.lognormalDur(time.Duration(ttrMedianMin[b.sev]*float64(time.Minute)), 1.1, 2*time.Minute, maxTTR)
	if b.inc.Urgency == "low" && r.chance(lingerP) {
		// Low-urgency incidents that linger for days.
		ttr = r.lognormalDur(30*time.Hour, 1.2, time.Hour, 20*24*time.Hour)
	}
	resolveAt := ackAt.Add(ttr)
	if !minEnd.IsZero() && resolveAt.Before(minEnd) {
		resolveAt = minEnd
	}
	resolveAt = b.g.shiftResolve(b.team, t0, resolveAt)
	b.trigger(manual, ackAt)
	b.escalateUntil(ackAt)
	ackUser := b.cur[r.IntN(len(b.cur))]
	b.ack(ackAt, ackUser)

	// Events between the acknowledgement and the resolution.
	var evs []midEvent
	span := resolveAt.Sub(ackAt)
	at := func() time.Time { return ackAt.Add(time.Second + r.uniformDur(0, span*7/10)) }
	if r.chance(reassignP) {
		evs = append(evs, midEvent{at(), 0})
	}
	ep := &b.g.org.EscalationPolicies[b.team]
	if r.chance(manualEscP) && len(ep.Levels) > 1 {
		evs = append(evs, midEvent{at(), 1})
	}
	if r.chance(manualUnackP) {
		evs = append(evs, midEvent{at(), 2})
	}
	if r.chance(annotationP[b.sev]) {
		for range r.between(1, 3) {
			evs = append(evs, midEvent{ackAt.Add(time.Second + r.uniformDur(0, span)), 3})
		}
	}
	slices.SortStableFunc(evs, func(x, y midEvent) int { return x.at.Compare(y.at) })

	acked := true
	lastAck := ackAt
	var pending time.Time // pending re-ack, zero if none
	var pendingUser int
	timeout := time.Duration(b.g.svcAckTimeout[b.svc]) * time.Second
	// settle emits pending re-acks and ack timeouts up to (not including) t.
	settle := func(t time.Time) {
		for range 4 {
			if !acked && !pending.IsZero() && pending.Before(t) {
				b.ack(pending, pendingUser)
				acked, lastAck, ackUser, pending = true, pending, pendingUser, time.Time{}
				continue
			}
			if acked && timeout > 0 && lastAck.Add(timeout).Before(t) {
				exp := lastAck.Add(timeout)
				if r.chance(timeoutUnackP) {
					b.add(LogEntry{Type: LogUnack, At: exp, AgentType: AgentService, AgentID: b.inc.ServiceID, ChannelType: "timeout", Summary: "Unacknowledged due to timeout."})
					acked = false
					pending = exp.Add(r.lognormalDur(3*time.Minute, 0.8, 20*time.Second, 2*time.Hour))
					pendingUser = ackUser
					b.notify(b.cur, exp, pending)
				} else {
					re := exp.Add(-r.uniformDur(time.Minute, 10*time.Minute))
					b.ack(re, ackUser)
					lastAck = re
				}
				continue
			}
			return
		}
	}
	for _, ev := range evs {
		settle(ev.at)
		switch ev.kind {
		case 0: // reassign to a teammate, sometimes to another team's on-call
			var to int
			if r.chance(0.2) && len(b.g.org.Teams) > 1 {
				other := (b.team + 1 + r.IntN(len(b.g.org.Teams)-1)) % len(b.g.org.Teams)
				to = b.g.onCall(other, 0, ev.at)[0]
			} else {
				to = b.pickTeammate()
			}
			by := ackUser
			b.add(LogEntry{Type: LogAssign, At: ev.at, AgentType: AgentUser, AgentID: b.user(by).ID, ChannelType: "website",
				AssigneeIDs: []string{b.user(to).ID},
				Summary:     b.g.intern("Assigned to " + b.user(to).Name + " by " + b.user(by).Name + ".")})
			b.cur = []int{to}
			acked, pending, pendingUser = false, ev.at.Add(r.lognormalDur(3*time.Minute, 0.9, 20*time.Second, 3*time.Hour)), to
			b.notify(b.cur, ev.at, pending)
		case 1: // manual escalation to the next level
			if b.level+1 >= len(ep.Levels) {
				continue
			}
			pending = ev.at.Add(r.lognormalDur(4*time.Minute, 0.9, 20*time.Second, 3*time.Hour))
			b.escalate(ev.at, b.level+1, ackUser, pending)
			acked, pendingUser = false, b.cur[r.IntN(len(b.cur))]
		case 2: // manual unacknowledge, someone else picks it up
			if !acked {
				continue
			}
			b.add(LogEntry{Type: LogUnack, At: ev.at, AgentType: AgentUser, AgentID: b.user(ackUser).ID, ChannelType: "website",
				Summary: b.g.intern("Unacknowledged by " + b.user(ackUser).Name + ".")})
			acked, pending, pendingUser = false, ev.at.Add(r.lognormalDur(5*time.Minute, 0.9, 20*time.Second, 3*time.Hour)), b.cur[r.IntN(len(b.cur))]
		case 3:
			who := ackUser
			if r.chance(0.3) {
				who = b.pickTeammate()
			}
			b.annotate(ev.at, who)
		}
	}
	settle(resolveAt)
	if r.chance(serviceResolve) && b.sev >= 3 {
		b.resolveByService(resolveAt)
	} else {
		who := ackUser
		if !acked {
			who = b.cur[0]
		}
		b.resolveByUser(resolveAt, who, b.g.intern("Resolved by "+b.user(who).Name+"."))
	}
	return resolveAt
}

// finish orders the entries (strictly increasing times), drops those at or
// after end, assigns ids and derives the incident's fields from the timeline.
func (b *timeline) finish(end time.Time) {
	es := b.entries
	slices.SortStableFunc(es, func(x, y LogEntry) int { return x.At.Compare(y.At) })
	for i := 1; i < len(es); i++ {
		if !es[i].At.After(es[i-1].At) {
			es[i].At = es[i-1].At.Add(time.Second)
		}
	}
	n := len(es)
	for n > 0 && !es[n-1].At.Before(end) {
		n--
	}
	// Nothing happens after the resolution (pending notifications stop).
	for k := range es[:n] {
		if es[k].Type == LogResolve {
			n = k + 1
			break
		}
	}
	es = append(make([]LogEntry, 0, n), es[:n]...) // exact size; b.entries is reused
	inc := b.inc
	if len(es) > 0 && es[len(es)-1].Type == LogResolve {
		// resolved before end: keep merge fields
	} else {
		inc.ResolveReason, inc.MergedInto = "", ""
	}
	for i := range es {
		es[i].ID = b.g.rids.next()
	}
	inc.LogEntries = es
	inc.deriveFromTimeline()
}

// deriveFromTimeline sets Status, AcknowledgedAt, ResolvedAt, AutoResolved
// and the counts from LogEntries.
func (inc *Incident) deriveFromTimeline() {
	inc.AcknowledgedAt, inc.ResolvedAt = time.Time{}, time.Time{}
	inc.Acknowledgements, inc.Escalations, inc.Reassignments, inc.Notifications = 0, 0, 0, 0
	inc.Status = StatusTriggered
	var resolvedByService bool
	for i := range inc.LogEntries {
		e := &inc.LogEntries[i]
		inc.Status = nextStatus(inc.Status, e.Type)
		switch e.Type {
		case LogAcknowledge:
			inc.Acknowledgements++
			if inc.AcknowledgedAt.IsZero() {
				inc.AcknowledgedAt = e.At
			}
		case LogEscalate:
			inc.Escalations++
		case LogAssign:
			inc.Reassignments++
		case LogNotify:
			inc.Notifications++
		case LogResolve:
			inc.ResolvedAt = e.At
			resolvedByService = e.AgentType == AgentService
		}
	}
	inc.AutoResolved = !inc.ResolvedAt.IsZero() && inc.AcknowledgedAt.IsZero() && resolvedByService
}

// nextStatus applies one log entry type to an incident status.
func nextStatus(status, typ string) string {
	switch typ {
	case LogTrigger, LogUnack, LogAssign, LogEscalate:
		if status == StatusResolved {
			return status
		}
		return StatusTriggered
	case LogAcknowledge:
		if status == StatusResolved {
			return status
		}
		return StatusAcknowledged
	case LogResolve:
		return StatusResolved
	}
	return status
}
