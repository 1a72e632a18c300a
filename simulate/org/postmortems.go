package org

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aftermath-sre/aftermath/postmortem"
)

// Postmortem coverage by severity (SEV1..SEV5); a customer-impacting SEV3
// uses coverageSev3Customer instead.
var (
	coverageP            = [6]float64{0, 0.97, 0.80, 0.05, 0.005, 0}
	coverageSev3Customer = 0.55
	// SEV3 postmortems depend on the team's habits: about a third of the
	// teams write them for most customer-impacting SEV3 incidents
	// (x sev3CultureHigh), the others rarely (x sev3CultureLow).
	sev3CultureHighShare = 0.35
	sev3CultureHigh      = 1.6
	sev3CultureLow       = 0.2
	nearMissShare        = 0.04 // near misses per incident postmortem
	blameShare           = 0.15
	groupP               = 0.08 // a postmortem also covers related incidents
	factorCountW         = []float64{0, 25, 35, 25, 15}
	sentenceCountW       = []float64{0, 30, 30, 25, 15}
	actionCountW         = []float64{3, 4, 8, 11, 14, 17, 17, 15, 11}
)

const timelineLayout = "2006-01-02 15:04 UTC"

type pmPlan struct {
	pm      Postmortem
	incs    []int
	sev     int
	team    int
	svc     int
	ttd     time.Duration
	weak    bool  // never published: sections more often missing
	actions []int // indexes into g.aiPlans
	events  []pmEvent
}

type pmEvent struct {
	at     time.Time
	status string // "" for a label change
	label  string
	author string // account id
}

func sevNum(s string) int {
	if len(s) == 4 && strings.HasPrefix(s, "SEV") {
		return int(s[3] - '0')
	}
	return 4
}

func (g *gen) buildPostmortems() {
	o := g.org
	o.themes = g.themes
	r := newRNG(g.opts.Seed, streamPostmortems)
	coverage := coverageP
	if c := g.params.coverage; c != nil {
		coverage = *c
	}
	sev3Culture := make([]float64, len(o.Teams))
	for i := range sev3Culture {
		sev3Culture[i] = sev3CultureLow
		if r.chance(sev3CultureHighShare) || o.Teams[i].ID == o.Latent.InvestigateTeamID || g.params.coverage != nil {
			sev3Culture[i] = sev3CultureHigh
		}
	}
	var plans []*pmPlan
	covered := make([]bool, len(o.Incidents))
	for i := range o.Incidents {
		inc := &o.Incidents[i]
		if inc.ResolvedAt.IsZero() || inc.MergedInto != "" || covered[i] {
			continue
		}
		sev := sevNum(inc.Severity)
		p := coverage[sev]
		if sev == 3 && inc.CustomerImpacting {
			p = max(p, coverageSev3Customer)
		}
		if sev == 3 {
			p = min(0.9, p*sev3Culture[g.svcTeam[o.serviceIdxOf(inc.ServiceID)]])
		}
		if !r.chance(p) {
			continue
		}
		incs := []int{i}
		if r.chance(groupP) {
			for j := i + 1; j < len(o.Incidents) && len(incs) < 3; j++ {
				c := &o.Incidents[j]
				if c.CreatedAt.Sub(inc.CreatedAt) > 6*time.Hour {
					break
				}
				if c.ServiceID == inc.ServiceID && !c.ResolvedAt.IsZero() && c.MergedInto == "" && !covered[j] {
					incs = append(incs, j)
				}
			}
		}
		last := inc.ResolvedAt
		for _, j := range incs {
			if o.Incidents[j].ResolvedAt.After(last) {
				last = o.Incidents[j].ResolvedAt
			}
			if s := sevNum(o.Incidents[j].Severity); s < sev {
				sev = s
			}
		}
		var lag time.Duration
		if r.chance(0.9) {
			lag = r.lognormalDur(18*time.Hour, 0.9, 30*time.Minute, 0)
		} else {
			lag = r.uniformDur(3*24*time.Hour, 20*24*time.Hour)
		}
		created := last.Add(lag)
		if !created.Before(o.End) {
			continue
		}
		for _, j := range incs {
			covered[j] = true
		}
		svc := o.serviceIdxOf(inc.ServiceID)
		plans = append(plans, &pmPlan{incs: incs, sev: sev, team: g.svcTeam[svc], svc: svc, pm: Postmortem{CreatedAt: created, Severity: severityNames[sev]}})
	}
	nNear := int(float64(len(plans))*nearMissShare + 0.5)
	if nNear == 0 && len(plans) > 0 {
		nNear = 1
	}
	for range nNear {
		svc := r.IntN(len(o.Services))
		created := o.Start.Add(r.uniformDur(0, o.End.Sub(o.Start)))
		sev := 3 + r.IntN(2)
		plans = append(plans, &pmPlan{sev: sev, team: g.svcTeam[svc], svc: svc, pm: Postmortem{CreatedAt: created, Severity: severityNames[sev], NearMiss: true}})
	}
	slices.SortStableFunc(plans, func(a, b *pmPlan) int { return a.pm.CreatedAt.Compare(b.pm.CreatedAt) })

	tr := newRNG(g.opts.Seed, streamText)
	ap := g.newActionPlanner(len(plans))
	// fixedAt[svc][theme] is the earliest time all action items of a
	// postmortem of the service with a factor of that theme were closed, for
	// themes whose fixes hold (Latent.FixHolds).
	fixedAt := make([][]time.Time, len(o.Services))
	holds := make([]bool, len(themeCatalog))
	for i, t := range themeCatalog {
		holds[i] = o.Latent.FixHolds[t.id]
	}
	for k, p := range plans {
		p.pm.Key = "PM-" + strconv.Itoa(k+1)
		var fixed func(theme int) bool
		if len(p.incs) > 0 {
			at := o.Incidents[p.incs[0]].CreatedAt
			fx := fixedAt[p.svc]
			fixed = func(theme int) bool { return fx != nil && !fx[theme].IsZero() && !at.Before(fx[theme]) }
		}
		g.planPostmortem(r, tr, p, fixed)
		done := g.planActions(ap, p)
		if done.IsZero() || len(p.incs) == 0 {
			continue
		}
		if fixedAt[p.svc] == nil {
			fixedAt[p.svc] = make([]time.Time, len(themeCatalog))
		}
		for _, th := range p.pm.FactorThemes {
			ti := themeIdx(th)
			if holds[ti] && (fixedAt[p.svc][ti].IsZero() || done.Before(fixedAt[p.svc][ti])) {
				fixedAt[p.svc][ti] = done
			}
		}
	}
	g.finishActionItems(ap, plans)

	o.Postmortems = make([]Postmortem, len(plans))
	for k, p := range plans {
		g.finishPostmortem(p)
		o.Postmortems[k] = p.pm
	}
	g.assignJiraIDs()
}

// planPostmortem decides everything about a postmortem except its action
// items: people, workflow, time to detect, factors, document prose.
// fixed, when not nil, reports whether a theme's fix holds on the
// postmortem's service and time (see Latent): such factors are kept only
// with probability fixHoldsKeep.
func (g *gen) planPostmortem(r, tr *rng, p *pmPlan, fixed func(theme int) bool) {
	o := g.org
	pm := &p.pm
	pm.TeamID = o.Teams[p.team].ID
	pm.ServiceID = o.Services[p.svc].ID
	for _, j := range p.incs {
		pm.IncidentIDs = append(pm.IncidentIDs, o.Incidents[j].ID)
	}
	members := g.teamUsers[p.team]
	author := members[r.IntN(len(members))]
	if len(p.incs) > 0 {
		// The responder who acknowledged usually writes it up.
		for _, e := range o.Incidents[p.incs[0]].LogEntries {
			if e.Type == LogAcknowledge {
				if u := o.userIdx[e.AgentID]; g.userTeam(u) == p.team && r.chance(0.7) {
					author = u
				}
				break
			}
		}
	}
	pm.AuthorID = o.Users[author].ID
	reviewer := members[r.IntN(len(members))]
	if reviewer == author {
		reviewer = members[(indexOf(members, author)+1)%len(members)]
	}
	authorAcct, reviewerAcct := o.Users[author].JiraAccountID, o.Users[reviewer].JiraAccountID

	// Workflow events (truncated at End when finished).
	c := pm.CreatedAt
	neverReview := r.chance(0.06)
	neverPublish := r.chance(0.04)
	p.weak = neverReview || neverPublish
	if !neverReview {
		rev := c.Add(r.lognormalDur(36*time.Hour, 0.8, time.Hour, 0))
		p.events = append(p.events, pmEvent{at: rev, status: PMInReview, author: authorAcct})
		if r.chance(0.10) {
			back := rev.Add(r.lognormalDur(24*time.Hour, 0.7, 30*time.Minute, 0))
			rev = back.Add(r.lognormalDur(24*time.Hour, 0.7, 30*time.Minute, 0))
			p.events = append(p.events, pmEvent{at: back, status: PMDraft, author: reviewerAcct}, pmEvent{at: rev, status: PMInReview, author: authorAcct})
		}
		if !neverPublish {
			pub := rev.Add(r.lognormalDur(36*time.Hour, 0.8, time.Hour, 0))
			if r.chance(0.08) {
				pub = pub.Add(r.uniformDur(7*24*time.Hour, 40*24*time.Hour))
			}
			p.events = append(p.events, pmEvent{at: pub, status: PMPublished, author: reviewerAcct})
		}
	}
	if r.chance(0.15) {
		p.events = append(p.events, pmEvent{at: c.Add(time.Minute + r.uniformDur(0, 10*24*time.Hour)), label: "follow-up-required", author: authorAcct})
	}

	// Labels at creation.
	pm.Labels = []string{"postmortem", strings.ToLower(pm.Severity), o.Teams[p.team].Slug}
	if pm.NearMiss {
		pm.Labels = append(pm.Labels, "near-miss")
	} else if g.anyCustomerImpact(p.incs) {
		pm.Labels = append(pm.Labels, "customer-impact")
	}
	pm.InitialLabels = slices.Clone(pm.Labels)

	// Factors.
	frac := float64(c.Sub(o.Start)) / float64(o.End.Sub(o.Start))
	w := g.themes.weights(p.team, frac, nil)
	nf := r.weighted(factorCountW)
	var dropped []int
	for range nf {
		ti := r.weighted(w)
		w[ti] = 0
		if fixed != nil && fixed(ti) && !r.chance(fixHoldsKeep) {
			dropped = append(dropped, ti)
			continue
		}
		pm.FactorThemes = append(pm.FactorThemes, themeCatalog[ti].id)
	}
	if len(pm.FactorThemes) == 0 {
		// Every drawn theme was fixed: the factor is another, unfixed one.
		for ti := range w {
			if fixed(ti) {
				w[ti] = 0
			}
		}
		ti := dropped[0]
		if sumOf(w) > 0 {
			ti = r.weighted(w)
		}
		pm.FactorThemes = append(pm.FactorThemes, themeCatalog[ti].id)
	}

	// Time to detect (ground truth), longer with a monitoring gap.
	ttd := r.lognormalDur(6*time.Minute, 1.0, time.Minute, 12*time.Hour)
	if slices.Contains(pm.FactorThemes, "monitoring-gap") {
		ttd = min(ttd*5, 24*time.Hour)
	}
	pm.TimeToDetect = ttd.Round(time.Minute)
	if pm.TimeToDetect < time.Minute {
		pm.TimeToDetect = time.Minute
	}
	p.ttd = pm.TimeToDetect

	g.writeDoc(tr, p)
}

func (g *gen) userTeam(u int) int { return g.org.teamIdx[g.org.Users[u].TeamID] }

func (g *gen) anyCustomerImpact(incs []int) bool {
	for _, j := range incs {
		if g.org.Incidents[j].CustomerImpacting {
			return true
		}
	}
	return false
}

func indexOf(xs []int, v int) int {
	for i, x := range xs {
		if x == v {
			return i
		}
	}
	return -1
}

// slotsFor returns a fresh slot context for one postmortem.
func (g *gen) slotsFor(r *rng, p *pmPlan) slotCtx {
	o := g.org
	svc2 := r.IntN(len(o.Services))
	if svc2 == p.svc {
		svc2 = (svc2 + 1) % len(o.Services)
	}
	db := o.Services[p.svc].Name + "-db"
	for _, k := range r.Perm(len(o.Services))[:min(6, len(o.Services))] {
		if g.svcKind[k] == "db" {
			db = o.Services[k].Name
			break
		}
	}
	ri := r.IntN(len(regions))
	return slotCtx{
		svc: o.Services[p.svc].Name, svc2: o.Services[svc2].Name, dep: pick(r, externalDeps), db: db,
		region: regions[ri], region2: regions[(ri+1+r.IntN(len(regions)-1))%len(regions)],
		domain: pick(r, certDomains), comp: pick(r, components), flag: pick(r, featureFlags),
		team: o.Teams[r.IntN(len(o.Teams))].Name, month: p.pm.CreatedAt.AddDate(0, 2, 0).Format("January 2006"),
	}
}

func renumber(r *rng, c slotCtx) slotCtx {
	c.n = 2 + r.IntN(300)
	c.n2 = 2 + r.IntN(8)
	c.pct = 10 + r.IntN(86)
	c.mins = 5 + r.IntN(116)
	return c
}

// sentence expands and capitalizes one template.
func sentence(r *rng, tmpl string, c slotCtx) string {
	return capitalize(expand(r, tmpl, renumber(r, c)))
}

// writeDoc writes the postmortem document (all but the action-item rows).
func (g *gen) writeDoc(r *rng, p *pmPlan) {
	o := g.org
	pm := &p.pm
	ctx := g.slotsFor(r, p)
	svcName := o.Services[p.svc].Name
	var primary *Incident
	symptom := "customer-facing errors"
	monitor := "PagerDuty"
	if len(p.incs) > 0 {
		primary = &o.Incidents[p.incs[0]]
		if t := g.incMeta[p.incs[0]].tmpl; t >= 0 {
			symptom, monitor = alertTemplates[t].symptom, alertTemplates[t].monitor
		}
	} else {
		t := alertTemplates[g.svcTemplates[p.svc][0]]
		symptom = t.symptom
	}
	mainTheme := themeIdx(pm.FactorThemes[0])
	mit := sentence(r, pick(r, themeCatalog[mainTheme].mitigations), ctx)
	mit = strings.ToLower(mit[:1]) + mit[1:]

	// Title.
	if pm.NearMiss {
		pm.Title = "Near miss: " + symptom + " in " + svcName
	} else {
		date := primary.CreatedAt.Format("2006-01-02")
		switch r.IntN(4) {
		case 0:
			pm.Title = svcName + " " + symptom
		case 1:
			pm.Title = capitalize(symptom) + " in " + svcName
		case 2:
			pm.Title = svcName + ": " + symptom + " on " + date
		default:
			pm.Title = "Postmortem: " + svcName + " " + symptom
		}
	}
	d := &pm.Doc
	d.Title = pm.Title

	// Prose fields.
	var dur int
	if primary != nil {
		dur = int((primary.ResolvedAt.Sub(primary.CreatedAt) + p.ttd).Minutes())
		start := primary.CreatedAt.Add(-p.ttd)
		d.Summary = "On " + start.Format("2006-01-02") + ", " + svcName + " experienced " + symptom + " for " + strconv.Itoa(dur) +
			" minutes, between " + start.Format("15:04") + " and " + primary.ResolvedAt.Format("15:04") + " UTC. The incident was mitigated by " + mit + "."
		if len(p.incs) > 1 {
			d.Summary += " " + strconv.Itoa(len(p.incs)) + " related PagerDuty incidents are covered by this review."
		}
	} else {
		d.Summary = sentence(r, pick(r, nearMissSummaries), ctx)
	}
	if g.anyCustomerImpact(p.incs) {
		c := renumber(r, ctx)
		d.Impact = "For " + strconv.Itoa(max(dur, 1)) + " minutes, about " + strconv.Itoa(c.pct) + "% of requests to " + svcName + " failed or were slow. Roughly " +
			strconv.Itoa(c.n*10) + " customers were affected and " + strconv.Itoa(c.n2*3) + " support tickets were opened."
	} else if pm.NearMiss {
		d.Impact = "No customer impact."
	} else {
		d.Impact = "No customer impact. Internal processing was delayed by up to " + strconv.Itoa(max(dur, 1)) + " minutes."
	}
	human := slices.Contains(pm.FactorThemes, "monitoring-gap") && r.chance(0.7)
	var det string
	if human || pm.NearMiss {
		det = pick(r, detectionHuman)
	} else {
		det = pick(r, detectionAlert)
	}
	title := svcName
	if primary != nil {
		title = primary.Title
	}
	det = strings.NewReplacer("{monitor}", monitor, "{title}", title, "{symptom}", symptom).Replace(det)
	det = sentence(r, det, ctx)
	stated := r.chance(0.85)
	if stated {
		d.Detection = "Time to detect: " + strconv.Itoa(int(p.ttd/time.Minute)) + "m\n" + det
		d.TimeToDetect = p.ttd
	} else {
		d.Detection = det
	}
	d.WentWell = g.pickSentences(r, wentWellPool, 1+r.IntN(3), ctx)
	poorly := []string{}
	for _, th := range pm.FactorThemes {
		if r.chance(0.5) {
			poorly = append(poorly, sentence(r, pick(r, themeCatalog[themeIdx(th)].poorly), ctx))
		}
	}
	d.WentPoorly = strings.TrimSpace(strings.Join(poorly, " ") + " " + g.pickSentences(r, wentPoorlyPool, 1+r.IntN(2), ctx))
	d.Lucky = g.pickSentences(r, luckyPool, 1+r.IntN(2), ctx)
	var lessons []string
	for _, th := range pm.FactorThemes[:min(2, len(pm.FactorThemes))] {
		lessons = append(lessons, pick(r, themeCatalog[themeIdx(th)].lessons))
	}
	if r.chance(0.3) {
		lessons = append(lessons, pick(r, genericLessons))
	}
	d.Lessons = strings.Join(lessons, " ")

	// Factors.
	for i, th := range pm.FactorThemes {
		ts := &themeCatalog[themeIdx(th)]
		n := r.weighted(sentenceCountW)
		parts := []string{sentence(r, pick(r, ts.leads), ctx)}
		used := map[string]bool{}
		for len(parts) < n {
			var tmpl string
			switch u := r.Float64(); {
			case u < 0.55:
				tmpl = pick(r, ts.details)
			case u < 0.8:
				tmpl = pick(r, fillerSentences)
			default:
				tmpl = pick(r, themeCatalog[themeIdx(pick(r, ts.neighbors))].details)
			}
			if used[tmpl] {
				continue
			}
			used[tmpl] = true
			parts = append(parts, sentence(r, tmpl, ctx))
		}
		name := pick(r, ts.names)
		if r.chance(0.12) {
			name = pick(r, genericFactorNames)
		}
		d.Factors = append(d.Factors, postmortem.Factor{Ordinal: i + 1, Name: sentence(r, name, ctx), Text: strings.Join(parts, " ")})
	}

	// Timeline.
	d.Timeline = g.timelineRows(r, p, primary)

	g.layoutSections(r, p)

	// Blame (ground truth), placed in prose sections that are present.
	if r.chance(blameShare) {
		nb := 1
		if r.chance(0.3) {
			nb = 2
		}
		who := &o.Users[pick(r, g.teamUsers[p.team])]
		if primary != nil && r.chance(0.6) {
			for _, e := range primary.LogEntries {
				if e.Type == LogAcknowledge {
					who = o.UserByID(e.AgentID)
					break
				}
			}
		}
		bctx := ctx
		bctx.name = who.Name
		bctx.first = who.Name[:strings.IndexByte(who.Name, ' ')]
		for _, k := range r.Perm(len(blameTemplates))[:nb] {
			s := sentence(r, blameTemplates[k], bctx)
			pm.BlamingSentences = append(pm.BlamingSentences, s)
			switch where := r.IntN(4); {
			case where == 0 && d.Has(postmortem.SectionSummary):
				d.Summary += " " + s
			case where == 1 && d.Has(postmortem.SectionWentPoorly):
				d.WentPoorly = strings.TrimSpace(s + " " + d.WentPoorly)
			case where == 3 && d.Has(postmortem.SectionLessons):
				d.Lessons = strings.TrimSpace(d.Lessons + " " + s)
			default:
				f := &d.Factors[r.IntN(len(d.Factors))]
				f.Text += " " + s
			}
		}
	}
	fillSectionTexts(d)
}

func themeIdx(id string) int {
	for i := range themeCatalog {
		if themeCatalog[i].id == id {
			return i
		}
	}
	return 0
}

func (g *gen) pickSentences(r *rng, pool []string, n int, ctx slotCtx) string {
	var out []string
	for _, k := range r.Perm(len(pool))[:min(n, len(pool))] {
		out = append(out, sentence(r, pool[k], ctx))
	}
	return strings.Join(out, " ")
}

func (g *gen) timelineRows(r *rng, p *pmPlan, primary *Incident) []postmortem.TimelineRow {
	o := g.org
	row := func(at time.Time, text string) postmortem.TimelineRow {
		at = at.UTC().Truncate(time.Minute)
		return postmortem.TimelineRow{At: at, Time: at.Format(timelineLayout), Text: text}
	}
	var rows []postmortem.TimelineRow
	if primary == nil {
		t := p.pm.CreatedAt.Add(-r.uniformDur(2*time.Hour, 48*time.Hour))
		rows = append(rows,
			row(t, "An engineer noticed "+pick(r, alertTemplates).symptom+" on "+o.Services[p.svc].Name+" during routine work."),
			row(t.Add(r.uniformDur(10*time.Minute, 2*time.Hour)), "The risk was confirmed and a fix was prepared."),
			row(t.Add(r.uniformDur(3*time.Hour, 20*time.Hour)), "The fix was deployed; no customer impact occurred."))
		return rows
	}
	rows = append(rows, row(primary.CreatedAt.Add(-p.ttd), "Impact began."))
	acked := false
	for _, e := range primary.LogEntries {
		switch e.Type {
		case LogTrigger:
			rows = append(rows, row(e.At, "PagerDuty incident #"+strconv.Itoa(primary.Number)+" triggered: "+primary.Title))
		case LogAcknowledge:
			if !acked {
				rows = append(rows, row(e.At, o.UserByID(e.AgentID).Name+" acknowledged the page."))
				acked = true
			}
		case LogEscalate:
			rows = append(rows, row(e.At, "Escalated to level "+strconv.Itoa(e.EscalationLevel)+"."))
		case LogAssign:
			rows = append(rows, row(e.At, "Reassigned to "+o.UserByID(e.AssigneeIDs[0]).Name+"."))
		case LogAnnotate:
			rows = append(rows, row(e.At, e.Note))
		case LogResolve:
			rows = append(rows, row(e.At, "Incident resolved."))
		}
	}
	for _, j := range p.incs[1:] {
		rows = append(rows, row(o.Incidents[j].CreatedAt, "Related incident #"+strconv.Itoa(o.Incidents[j].Number)+" triggered: "+o.Incidents[j].Title))
	}
	slices.SortStableFunc(rows, func(a, b postmortem.TimelineRow) int { return a.At.Compare(b.At) })
	return rows
}

// layoutSections decides headings, omissions, order and extra sections, and
// clears the fields of omitted sections.
func (g *gen) layoutSections(r *rng, p *pmPlan) {
	d := &p.pm.Doc
	type sec struct {
		pos int
		s   postmortem.Section
	}
	var secs []sec
	mult := 1.0
	if p.weak {
		mult = 2.5
	}
	for pos, name := range postmortem.TemplateSections {
		om := omitP[pos] * mult
		if pos == 2 && p.pm.NearMiss {
			om = 0.4
		}
		if r.chance(om) {
			g.clearSection(d, name)
			continue
		}
		h := sectionHeadings[pos][0]
		if r.chance(0.08) {
			h = sectionHeadings[pos][1+r.IntN(len(sectionHeadings[pos])-1)]
		}
		secs = append(secs, sec{pos, postmortem.Section{Name: name, Heading: h}})
	}
	if r.chance(0.04) && len(secs) > 3 {
		// Swap two adjacent prose sections.
		i := 1 + r.IntN(len(secs)-2)
		secs[i], secs[i+1] = secs[i+1], secs[i]
	}
	if r.chance(0.06) {
		x := pick(r, extraSections)
		secs = append(secs, sec{-1, postmortem.Section{Heading: x.heading, Text: x.text}})
	}
	for _, x := range secs {
		d.Sections = append(d.Sections, x.s)
	}
}

// fillSectionTexts sets the Text of prose sections from the Document's
// fields; structured sections (timeline, factors, action items) are held by
// the fields alone.
func fillSectionTexts(d *postmortem.Document) {
	for i := range d.Sections {
		s := &d.Sections[i]
		switch s.Name {
		case postmortem.SectionSummary:
			s.Text = d.Summary
		case postmortem.SectionImpact:
			s.Text = d.Impact
		case postmortem.SectionDetection:
			s.Text = d.Detection
		case postmortem.SectionWentWell:
			s.Text = d.WentWell
		case postmortem.SectionWentPoorly:
			s.Text = d.WentPoorly
		case postmortem.SectionLucky:
			s.Text = d.Lucky
		case postmortem.SectionLessons:
			s.Text = d.Lessons
		}
	}
}

func (g *gen) clearSection(d *postmortem.Document, name string) {
	switch name {
	case postmortem.SectionSummary:
		d.Summary = ""
	case postmortem.SectionImpact:
		d.Impact = ""
	case postmortem.SectionTimeline:
		d.Timeline = nil
	case postmortem.SectionDetection:
		d.Detection, d.TimeToDetect = "", 0
	case postmortem.SectionWentWell:
		d.WentWell = ""
	case postmortem.SectionWentPoorly:
		d.WentPoorly = ""
	case postmortem.SectionLucky:
		d.Lucky = ""
	case postmortem.SectionLessons:
		d.Lessons = ""
	}
}

// finishPostmortem fills the action-item rows and replays the workflow.
func (g *gen) finishPostmortem(p *pmPlan) {
	o := g.org
	pm := &p.pm
	d := &pm.Doc
	for _, ai := range p.actions {
		a := &g.aiPlans[ai].ai
		pm.ActionItemKeys = append(pm.ActionItemKeys, a.Key)
		owner := ""
		if a.Initial.AssigneeID != "" {
			owner = o.UserByID(a.Initial.AssigneeID).Name
		}
		due := ""
		if !a.Initial.DueDate.IsZero() {
			due = a.Initial.DueDate.Format("2006-01-02")
		}
		d.ActionItems = append(d.ActionItems, postmortem.ActionItemRow{Key: a.Key, Summary: a.Summary, Owner: owner, Priority: a.Initial.Priority, Due: due})
	}
	if len(pm.BlamingSentences) > 0 {
		if at, ok := dismissedAt(pm.Title+"\x00"+strings.Join(pm.BlamingSentences, "\x00"), pm.CreatedAt, o.End); ok {
			p.events = append(p.events, pmEvent{at: at, label: LabelDismissed, author: o.Users[o.userIdx[pm.AuthorID]].JiraAccountID})
		}
	}
	// Changelog: status transitions and label changes before End.
	slices.SortStableFunc(p.events, func(a, b pmEvent) int { return a.at.Compare(b.at) })
	status := PMDraft
	labels := slices.Clone(pm.InitialLabels)
	last := pm.CreatedAt
	for _, ev := range p.events {
		at := ev.at.Truncate(time.Second)
		if !at.After(last) {
			at = last.Add(time.Second)
		}
		if !at.Before(o.End) {
			break
		}
		var item ChangeItem
		if ev.status != "" {
			if ev.status == status {
				continue
			}
			item = statusItem(status, ev.status)
			status = ev.status
		} else {
			if slices.Contains(labels, ev.label) {
				continue
			}
			nl := append(slices.Clone(labels), ev.label)
			item = labelsItem(labels, nl)
			labels = nl
		}
		pm.Changelog = append(pm.Changelog, History{At: at, AuthorAccountID: ev.author, Items: []ChangeItem{item}})
		last = at
	}
	st := pm.StateAt(o.End)
	pm.Status, pm.Labels, pm.UpdatedAt = st.Status, st.Labels, st.UpdatedAt
	pm.InReviewAt, pm.PublishedAt = time.Time{}, time.Time{}
	for _, h := range pm.Changelog {
		for _, it := range h.Items {
			if it.Field == "status" && it.ToString == PMInReview && pm.InReviewAt.IsZero() {
				pm.InReviewAt = h.At
			}
			if it.Field == "status" && it.ToString == PMPublished {
				pm.PublishedAt = h.At
			}
		}
	}
}

// assignJiraIDs numbers Jira issues and changelog histories in creation
// order, as Jira does.
func (g *gen) assignJiraIDs() {
	o := g.org
	type ref struct {
		at time.Time
		pm bool
		i  int
	}
	refs := make([]ref, 0, len(o.Postmortems)+len(o.ActionItems))
	for i := range o.Postmortems {
		refs = append(refs, ref{o.Postmortems[i].CreatedAt, true, i})
	}
	for i := range o.ActionItems {
		refs = append(refs, ref{o.ActionItems[i].CreatedAt, false, i})
	}
	slices.SortStableFunc(refs, func(a, b ref) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		if a.pm != b.pm {
			if a.pm {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.i, b.i)
	})
	type href struct {
		at time.Time
		h  *History
	}
	nh := 0
	for i := range o.Postmortems {
		nh += len(o.Postmortems[i].Changelog)
	}
	for i := range o.ActionItems {
		nh += len(o.ActionItems[i].Changelog)
	}
	hs := make([]href, 0, nh)
	for k, x := range refs {
		id := strconv.Itoa(10001 + k)
		if x.pm {
			pm := &o.Postmortems[x.i]
			pm.ID = id
			for j := range pm.Changelog {
				hs = append(hs, href{pm.Changelog[j].At, &pm.Changelog[j]})
			}
		} else {
			a := &o.ActionItems[x.i]
			a.ID = id
			for j := range a.Changelog {
				hs = append(hs, href{a.Changelog[j].At, &a.Changelog[j]})
			}
		}
	}
	slices.SortStableFunc(hs, func(a, b href) int { return a.at.Compare(b.at) })
	for k, h := range hs {
		h.h.ID = strconv.Itoa(20001 + k)
	}
}

func sumOf(w []float64) float64 {
	var s float64
	for _, x := range w {
		s += x
	}
	return s
}
