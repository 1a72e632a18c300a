package org

import (
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Action-item workflow parameters, by Jira priority index (0 Highest .. 4 Lowest).
var (
	aiPriorityBySev = [6][]float64{
		{}, {30, 45, 20, 5, 0}, {10, 40, 35, 15, 0}, {0, 15, 45, 30, 10}, {0, 15, 45, 30, 10}, {0, 15, 45, 30, 10},
	}
	closeMedianDays = []float64{6, 14, 30, 55, 80}
	neverCloseP     = []float64{0.03, 0.08, 0.15, 0.25, 0.35}
	dueMedianDays   = []float64{14, 21, 30, 60, 90}
)

const (
	vagueShare        = 0.17
	initialAssigneeP  = 0.75
	laterAssigneeP    = 0.6
	initialDueP       = 0.6
	laterDueP         = 0.5
	wontDoP           = 0.08
	groomP            = 0.9 // an item that would never close is closed Won't Do in a backlog review
	reopenP           = 0.06
	botChurnShare     = 0.005
	labelActionItem   = "postmortem-action"
	labelBotChurn     = "sla-warning"
	labelBlocked      = "blocked"
	aiKeyPrefix       = "ACT-"
	automationAccount = "automation"
)

type aiPlan struct {
	ai     ActionItem
	team   int
	events []aiEvent
}

type aiEvent struct {
	at     time.Time
	field  string // "status", "assignee", "duedate", "priority", "labels+", "labels-"
	value  string // status name, user id, priority name, label
	due    time.Time
	author string // account id; automationAccount for the bot
}

// actionPlanner draws the action items of one postmortem at a time, in
// postmortem order, so that later postmortems can depend on when earlier
// ones' items were closed (Latent.FixHolds).
type actionPlanner struct {
	r, tr       *rng
	investigate int // team index of Latent.InvestigateTeamID
}

func (g *gen) newActionPlanner(nPlans int) *actionPlanner {
	g.aiPlans = make([]aiPlan, 0, nPlans*5)
	return &actionPlanner{r: newRNG(g.opts.Seed, streamActions), tr: newRNG(g.opts.Seed, streamText+100),
		investigate: g.org.teamIdx[g.org.Latent.InvestigateTeamID]}
}

// planActions draws the action items of one postmortem and returns when all
// of them are closed by End (zero if one stays open or there are none).
func (g *gen) planActions(ap *actionPlanner, p *pmPlan) time.Time {
	o := g.org
	r, tr := ap.r, ap.tr
	prios := JiraPriorities()
	{
		n := r.weighted(actionCountW)
		late := r.chance(0.3)
		base := p.pm.CreatedAt
		if late {
			base = base.Add(r.lognormalDur(20*time.Hour, 0.6, time.Hour, 0))
		}
		ctx := g.slotsFor(tr, p)
		usedAct := map[string]bool{}
		at := base
		for j := range n {
			at = at.Add(r.uniformDur(time.Minute, 15*time.Minute))
			theme := p.pm.FactorThemes[j%len(p.pm.FactorThemes)]
			ts := &themeCatalog[themeIdx(theme)]
			vague := r.chance(vagueShare)
			var summary, desc string
			switch {
			case p.team == ap.investigate && !vague && r.chance(investigateShare):
				summary = sentence(tr, pick(tr, investigateActions), ctx)
				desc = "Follow-up from " + p.pm.Key + " (" + p.pm.Title + ").\n\nDone when: the findings are written up and linked from the postmortem."
			case vague:
				summary = sentence(tr, pick(tr, vagueActions), ctx)
				desc = "Follow-up from " + p.pm.Key + "."
			default:
				k := tr.IntN(len(ts.actions))
				for tries := 0; usedAct[ts.actions[k]] && tries < 4; tries++ {
					k = (k + 1) % len(ts.actions)
				}
				usedAct[ts.actions[k]] = true
				summary = sentence(tr, ts.actions[k], ctx)
				desc = "Follow-up from " + p.pm.Key + " (" + p.pm.Title + ").\n\nDone when: " + strings.ToLower(summary[:1]) + summary[1:] + " is in place and verified in production."
			}
			if !at.Before(o.End) {
				continue
			}
			pi := r.weighted(aiPriorityBySev[p.sev])
			if vague && pi < 4 && r.chance(0.5) {
				pi++
			}
			a := ActionItem{
				PostmortemKey: p.pm.Key, Summary: summary, Description: desc, Theme: theme,
				TeamID: o.Teams[p.team].ID, Component: o.Teams[p.team].Slug,
				CreatedAt: at, Vague: vague,
			}
			a.Initial = ActionItemState{Status: AIToDo, StatusCategory: CategoryNew, Priority: prios[pi].Name, Labels: []string{labelActionItem}, UpdatedAt: at}
			plan := aiPlan{ai: a, team: p.team}
			g.planActionWorkflow(r, &plan, p, pi)
			p.actions = append(p.actions, len(g.aiPlans))
			g.aiPlans = append(g.aiPlans, plan)
		}
	}
	return g.closedAt(p)
}

// closedAt is when every planned item of p is in a done status at End (the
// last entry into a done status), zero if one is open or p has none. Event
// times can still move by a few seconds when the changelog is written.
func (g *gen) closedAt(p *pmPlan) time.Time {
	if len(p.actions) == 0 {
		return time.Time{}
	}
	var last time.Time
	for _, k := range p.actions {
		pl := &g.aiPlans[k]
		status, doneAt := pl.ai.Initial.Status, time.Time{}
		evs := make([]aiEvent, 0, 4)
		for _, ev := range pl.events {
			if ev.field == "status" && ev.at.Before(g.org.End) {
				evs = append(evs, ev)
			}
		}
		slices.SortStableFunc(evs, func(x, y aiEvent) int { return x.at.Compare(y.at) })
		for _, ev := range evs {
			if isDone(ev.value) && !isDone(status) {
				doneAt = ev.at
			}
			status = ev.value
		}
		if !isDone(status) {
			return time.Time{}
		}
		if doneAt.After(last) {
			last = doneAt
		}
	}
	return last
}

func isDone(status string) bool { return status == AIDone || status == AIWontDo }

// finishActionItems adds the bot churn, gives the items their keys in
// creation order and writes their changelogs.
func (g *gen) finishActionItems(ap *actionPlanner, plans []*pmPlan) {
	o := g.org
	r := ap.r

	// Bot churn on a few old items: the automation toggles a label >100 times.
	var cands []int
	for i := range g.aiPlans {
		if o.End.Sub(g.aiPlans[i].ai.CreatedAt) >= 21*24*time.Hour {
			cands = append(cands, i)
		}
	}
	nBot := max(2, int(float64(len(g.aiPlans))*botChurnShare+0.5))
	for _, k := range r.Perm(len(cands))[:min(nBot, len(cands))] {
		pl := &g.aiPlans[cands[k]]
		t := pl.ai.CreatedAt.Add(time.Hour)
		on := false
		for range r.between(110, 160) {
			t = t.Add(r.uniformDur(30*time.Minute, 3*time.Hour))
			f := "labels+"
			if on {
				f = "labels-"
			}
			on = !on
			pl.events = append(pl.events, aiEvent{at: t, field: f, value: labelBotChurn, author: automationAccount})
		}
	}

	// Keys in creation order, then replay each changelog.
	order := make([]int, len(g.aiPlans))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return g.aiPlans[a].ai.CreatedAt.Compare(g.aiPlans[b].ai.CreatedAt) })
	o.ActionItems = make([]ActionItem, len(order))
	for k, i := range order {
		pl := &g.aiPlans[i]
		pl.ai.Key = aiKeyPrefix + strconv.Itoa(k+1)
		g.finishActionItem(pl)
		o.ActionItems[k] = pl.ai
	}
	// The postmortems list their items in key order.
	for _, p := range plans {
		slices.SortStableFunc(p.actions, func(a, b int) int {
			return g.aiPlans[a].ai.CreatedAt.Compare(g.aiPlans[b].ai.CreatedAt)
		})
	}
}

// planActionWorkflow draws an item's life: owner, due date, progress,
// closure, reopening and edits. Events after End are dropped later.
func (g *gen) planActionWorkflow(r *rng, pl *aiPlan, p *pmPlan, pi int) {
	o := g.org
	a := &pl.ai
	c := a.CreatedAt
	members := g.teamUsers[pl.team]
	pmAuthor := o.Users[o.userIdx[p.pm.AuthorID]].JiraAccountID
	pickOwner := func() string {
		if r.chance(0.3) {
			return p.pm.AuthorID
		}
		return o.Users[pick(r, members)].ID
	}
	add := func(ev aiEvent) {
		ev.at = ev.at.Truncate(time.Second)
		if !ev.at.After(c) {
			ev.at = c.Add(time.Second)
		}
		pl.events = append(pl.events, ev)
	}
	ownerAcct := func(uid string) string {
		if uid == "" {
			return pmAuthor
		}
		return o.Users[o.userIdx[uid]].JiraAccountID
	}

	owner := ""
	if r.chance(initialAssigneeP) {
		owner = pickOwner()
		a.Initial.AssigneeID = owner
	} else if r.chance(laterAssigneeP) {
		owner = pickOwner()
		add(aiEvent{at: c.Add(r.lognormalDur(48*time.Hour, 1.0, 10*time.Minute, 0)), field: "assignee", value: owner, author: pmAuthor})
	}

	// Closure plan.
	vagueBoost := 0.0
	if a.Vague {
		vagueBoost = 0.25
	}
	closes := !r.chance(neverCloseP[pi] + vagueBoost)
	closeDur := r.lognormalDur(time.Duration(closeMedianDays[pi]*24*float64(time.Hour)), 0.9, 2*time.Hour, 0)
	closeAt := c.Add(closeDur)

	dueOffset := r.lognormalDur(time.Duration(dueMedianDays[pi]*24*float64(time.Hour)), 0.4, 3*24*time.Hour, 0)
	due := midnight(c.Add(dueOffset))
	hasDue := false
	if r.chance(initialDueP) {
		a.Initial.DueDate, hasDue = due, true
	} else if r.chance(laterDueP) {
		add(aiEvent{at: c.Add(r.lognormalDur(72*time.Hour, 0.8, 10*time.Minute, 0)), field: "duedate", due: due, author: pmAuthor})
		hasDue = true
	}
	if hasDue && (!closes || closeAt.After(due)) && r.chance(0.35) {
		pushAt := due.Add(r.uniformDur(24*time.Hour, 5*24*time.Hour))
		if !closes || pushAt.Before(closeAt) {
			add(aiEvent{at: pushAt, field: "duedate", due: due.Add(time.Duration(r.between(14, 45)) * 24 * time.Hour), author: ownerAcct(owner)})
		}
	}
	if r.chance(0.08) && len(members) > 1 {
		end := c.Add(60 * 24 * time.Hour)
		if closes && closeAt.Before(end) {
			end = closeAt
		}
		add(aiEvent{at: c.Add(r.uniformDur(time.Hour, end.Sub(c))), field: "assignee", value: o.Users[pick(r, members)].ID, author: pmAuthor})
	}
	if r.chance(0.08) {
		np := pi + 1
		if pi == 4 || (pi > 0 && r.chance(0.5)) {
			np = pi - 1
		}
		add(aiEvent{at: c.Add(r.uniformDur(time.Hour, 30*24*time.Hour)), field: "priority", value: JiraPriorities()[np].Name, author: pmAuthor})
	}
	if r.chance(0.05) {
		bt := c.Add(r.uniformDur(time.Hour, 20*24*time.Hour))
		add(aiEvent{at: bt, field: "labels+", value: labelBlocked, author: ownerAcct(owner)})
		if r.chance(0.5) {
			add(aiEvent{at: bt.Add(r.lognormalDur(7*24*time.Hour, 0.7, time.Hour, 0)), field: "labels-", value: labelBlocked, author: ownerAcct(owner)})
		}
	}

	// Backlog reviews close most forgotten items as Won't Do, a few months
	// after they were created.
	groomed := false
	if !closes && r.chance(groomP) {
		closes, groomed = true, true
		closeAt = c.Add(r.lognormalDur(100*24*time.Hour, 0.45, 40*24*time.Hour, 0))
	}

	worker := ownerAcct(owner)
	switch {
	case groomed:
		if r.chance(0.3) {
			add(aiEvent{at: c.Add(r.lognormalDur(7*24*time.Hour, 1.0, time.Hour, 0)), field: "status", value: AIInProgress, author: worker})
		}
		add(aiEvent{at: closeAt, field: "status", value: AIWontDo, author: pmAuthor})
	case closes && r.chance(wontDoP+vagueBoost):
		if r.chance(0.3) {
			add(aiEvent{at: c.Add(closeDur / 3), field: "status", value: AIInProgress, author: worker})
		}
		add(aiEvent{at: closeAt, field: "status", value: AIWontDo, author: pmAuthor})
	case closes:
		add(aiEvent{at: c.Add(time.Duration(float64(closeDur) * (0.05 + 0.45*r.Float64()))), field: "status", value: AIInProgress, author: worker})
		if r.chance(0.4) {
			add(aiEvent{at: c.Add(time.Duration(float64(closeDur) * (0.7 + 0.25*r.Float64()))), field: "status", value: AIInReview, author: worker})
		}
		add(aiEvent{at: closeAt, field: "status", value: AIDone, author: worker})
		if r.chance(reopenP) {
			ro := closeAt.Add(r.lognormalDur(10*24*time.Hour, 0.8, time.Hour, 0))
			to := AIInProgress
			if r.chance(0.3) {
				to = AIToDo
			}
			add(aiEvent{at: ro, field: "status", value: to, author: pmAuthor})
			if r.chance(0.75) {
				add(aiEvent{at: ro.Add(r.lognormalDur(7*24*time.Hour, 0.8, time.Hour, 0)), field: "status", value: AIDone, author: worker})
			}
		}
	default:
		if r.chance(0.45) {
			add(aiEvent{at: c.Add(r.lognormalDur(7*24*time.Hour, 1.0, time.Hour, 0)), field: "status", value: AIInProgress, author: worker})
		}
	}
	// A team that reviewed the findings dismisses a few of them (the
	// dismiss label), 1-10 days after the item was written.
	if a.Vague {
		if at, ok := dismissedAt(a.Summary, c, o.End); ok {
			add(aiEvent{at: at, field: "labels+", value: LabelDismissed, author: pmAuthor})
		}
	}
}

// LabelDismissed is the label with which a simulated team dismisses the
// language findings on a postmortem or action item (Aftermath's default
// analysis.dismiss_label).
const LabelDismissed = "aftermath-dismissed"

// dismissPercent is the share of vague items and of blaming postmortems
// whose team dismisses the findings.
const dismissPercent = 10

// dismissedAt decides from the text and its creation relative to the end of
// the history alone, not from the generator's streams (which would change
// every draw after it), whether a team dismisses the findings on an issue,
// and when. Relative to end: the same seed gives the same org whatever day
// the history ends on.
func dismissedAt(text string, created, end time.Time) (time.Time, bool) {
	h := fnv.New64a()
	h.Write([]byte(text))
	x := splitmix64(h.Sum64() ^ uint64(end.Sub(created)))
	if x%100 >= dismissPercent {
		return time.Time{}, false
	}
	return created.Add(24*time.Hour + time.Duration((x/100)%(9*24*3600))*time.Second), true
}

func midnight(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// finishActionItem turns planned events into a changelog (dropping those at
// or after End and those that would not change anything) and sets the final
// state by replaying it.
func (g *gen) finishActionItem(pl *aiPlan) {
	o := g.org
	a := &pl.ai
	a.org = o
	slices.SortStableFunc(pl.events, func(x, y aiEvent) int { return x.at.Compare(y.at) })
	st := a.Initial
	st.Labels = slices.Clone(st.Labels)
	last := a.CreatedAt
	for _, ev := range pl.events {
		at := ev.at
		if !at.After(last) {
			at = last.Add(time.Second)
		}
		if !at.Before(o.End) {
			break
		}
		var item ChangeItem
		switch ev.field {
		case "status":
			if ev.value == st.Status {
				continue
			}
			item = statusItem(st.Status, ev.value)
			st.Status = ev.value
		case "assignee":
			if ev.value == st.AssigneeID {
				continue
			}
			item = ChangeItem{Field: "assignee", FieldType: "jira", FieldID: "assignee"}
			if st.AssigneeID != "" {
				u := o.UserByID(st.AssigneeID)
				item.From, item.FromString = u.JiraAccountID, u.Name
			}
			u := o.UserByID(ev.value)
			item.To, item.ToString = u.JiraAccountID, u.Name
			st.AssigneeID = ev.value
		case "duedate":
			if ev.due.Equal(st.DueDate) {
				continue
			}
			item = ChangeItem{Field: "duedate", FieldType: "jira", FieldID: "duedate"}
			item.From, item.FromString = dueStrings(st.DueDate)
			item.To, item.ToString = dueStrings(ev.due)
			st.DueDate = ev.due
		case "priority":
			if ev.value == st.Priority {
				continue
			}
			item = ChangeItem{Field: "priority", FieldType: "jira", FieldID: "priority",
				From: jiraPriorityID(st.Priority), FromString: st.Priority, To: jiraPriorityID(ev.value), ToString: ev.value}
			st.Priority = ev.value
		case "labels+", "labels-":
			has := slices.Contains(st.Labels, ev.value)
			var nl []string
			if ev.field == "labels+" {
				if has {
					continue
				}
				nl = append(slices.Clone(st.Labels), ev.value)
			} else {
				if !has {
					continue
				}
				nl = slices.DeleteFunc(slices.Clone(st.Labels), func(s string) bool { return s == ev.value })
			}
			item = labelsItem(st.Labels, nl)
			st.Labels = nl
		}
		author := ev.author
		if author == automationAccount {
			author = o.Automation.JiraAccountID
		}
		a.Changelog = append(a.Changelog, History{At: at, AuthorAccountID: author, Items: []ChangeItem{item}})
		last = at
	}
	fin := a.StateAt(o.End)
	a.Status, a.StatusCategory, a.AssigneeID, a.Priority, a.DueDate, a.Labels = fin.Status, fin.StatusCategory, fin.AssigneeID, fin.Priority, fin.DueDate, fin.Labels
	a.AssigneeAccountID = fin.AssigneeAccountID
	a.ResolvedAt, a.UpdatedAt, a.Reopened = fin.ResolvedAt, fin.UpdatedAt, fin.Reopened
}

func dueStrings(d time.Time) (string, string) {
	if d.IsZero() {
		return "", ""
	}
	s := d.Format("2006-01-02")
	return s, s + " 00:00:00.0"
}

func jiraPriorityID(name string) string {
	for _, p := range JiraPriorities() {
		if p.Name == name {
			return p.ID
		}
	}
	return ""
}

func jiraStatus(name string) JiraStatus {
	for _, s := range JiraStatuses() {
		if s.Name == name {
			return s
		}
	}
	return JiraStatus{Name: name, Category: CategoryNew}
}

func statusItem(from, to string) ChangeItem {
	f, t := jiraStatus(from), jiraStatus(to)
	return ChangeItem{Field: "status", FieldType: "jira", FieldID: "status", From: f.ID, FromString: f.Name, To: t.ID, ToString: t.Name}
}

func labelsItem(from, to []string) ChangeItem {
	return ChangeItem{Field: "labels", FieldType: "jira", FieldID: "labels", FromString: strings.Join(from, " "), ToString: strings.Join(to, " ")}
}
