// Package jiratest builds small, hand-made organizations with exact timings
// for tests of the Jira simulator and ingester: postmortems and action items
// whose edits land where a test needs them (at a sync window's edge, across a
// daylight-saving change), which a generated org cannot promise.
package jiratest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aftermath-sre/aftermath/postmortem"
	"github.com/aftermath-sre/aftermath/simulate/org"
)

// Builder assembles an org.Org. Its methods append to Org; times are UTC.
type Builder struct {
	Org     *org.Org
	nextID  int
	nextHID int
	pms     int
	ais     int
}

// New starts an org whose history ends at end with one team ("payments")
// and the given users (name and IANA time zone pairs).
func New(end time.Time, users ...[2]string) *Builder {
	o := &org.Org{Start: end.AddDate(0, 0, -90), End: end.UTC(), Options: org.Options{Scale: org.ScaleTiny, End: end}}
	o.Teams = []org.Team{{ID: "PTEAM01", Name: "Payments", Slug: "payments"}}
	for i, u := range users {
		first := strings.Fields(u[0])[0]
		o.Users = append(o.Users, org.User{
			ID:            fmt.Sprintf("PUSER%02d", i),
			Name:          u[0],
			Email:         strings.ToLower(first) + "@example.com",
			TeamID:        "PTEAM01",
			JiraAccountID: fmt.Sprintf("5b10ac8d82e05b22cc7d%04d", i),
			TimeZone:      u[1],
			Role:          "user",
		})
	}
	o.Automation = org.User{Name: "Automation for Jira", JiraAccountID: "557058:automation", TimeZone: "UTC", Role: "bot"}
	return &Builder{Org: o, nextID: 10001, nextHID: 20001}
}

func (b *Builder) id() string {
	b.nextID++
	return strconv.Itoa(b.nextID - 1)
}

func (b *Builder) historyID() string {
	b.nextHID++
	return strconv.Itoa(b.nextHID - 1)
}

// Doc is a complete template document with the given factor names.
func Doc(title string, factors ...string) postmortem.Document {
	d := postmortem.Document{
		Title:        title,
		Summary:      "Checkout returned errors for some customers.",
		Impact:       "About 3% of checkouts failed for 40 minutes.",
		Detection:    "An alert on the error rate paged the on-call engineer. Time to detect: 7m",
		WentWell:     "The rollback was quick.",
		WentPoorly:   "The runbook was out of date.",
		Lucky:        "The incident happened outside peak hours.",
		Lessons:      "Validate configuration before it ships.",
		TimeToDetect: 7 * time.Minute,
		Timeline: []postmortem.TimelineRow{
			{Time: "10:02", Text: "Error rate alert fires."},
			{Time: "10:09", Text: "On-call acknowledges."},
		},
	}
	for i, f := range factors {
		d.Factors = append(d.Factors, postmortem.Factor{Ordinal: i + 1, Name: f, Text: "Details of " + strings.ToLower(f) + "."})
	}
	for _, name := range postmortem.TemplateSections {
		d.Sections = append(d.Sections, postmortem.Section{Name: name, Heading: postmortem.DefaultHeading(name)})
	}
	return d
}

// Postmortem adds a Draft postmortem created at created by the first user.
func (b *Builder) Postmortem(created time.Time, incidentIDs ...string) *org.Postmortem {
	b.pms++
	o := b.Org
	key := "PM-" + strconv.Itoa(b.pms)
	p := org.Postmortem{
		Key:          key,
		ID:           b.id(),
		IncidentIDs:  incidentIDs,
		NearMiss:     len(incidentIDs) == 0,
		Title:        "Postmortem " + key + ": checkout errors",
		Severity:     "SEV2",
		TeamID:       o.Teams[0].ID,
		AuthorID:     o.Users[0].ID,
		Status:       org.PMDraft,
		CreatedAt:    created.UTC(),
		UpdatedAt:    created.UTC(),
		Doc:          Doc(key+": checkout errors", "Config change without validation", "Missing alert"),
		FactorThemes: []string{"config-change", "monitoring-gap"},
		Labels:       []string{"postmortem", "sev2", "payments"},
		TimeToDetect: 7 * time.Minute,
	}
	o.Postmortems = append(o.Postmortems, p)
	return &o.Postmortems[len(o.Postmortems)-1]
}

// ActionItem adds an open, unassigned "Medium" Task for the postmortem.
// Returned pointers are valid until the next ActionItem or Postmortem call;
// edit issues by key. Add edits in time order.
func (b *Builder) ActionItem(pmKey string, created time.Time) *org.ActionItem {
	b.ais++
	o := b.Org
	key := "ACT-" + strconv.Itoa(b.ais)
	a := org.ActionItem{
		Key:            key,
		ID:             b.id(),
		PostmortemKey:  pmKey,
		Summary:        "Add validation to " + key,
		Description:    "Make sure this cannot happen again.",
		TeamID:         o.Teams[0].ID,
		Component:      o.Teams[0].Slug,
		Priority:       "Medium",
		Status:         org.AIToDo,
		StatusCategory: org.CategoryNew,
		Labels:         []string{"action-item"},
		CreatedAt:      created.UTC(),
		UpdatedAt:      created.UTC(),
	}
	a.Initial = org.ActionItemState{Status: a.Status, StatusCategory: a.StatusCategory, Priority: a.Priority,
		Labels: slices.Clone(a.Labels), UpdatedAt: a.UpdatedAt}
	o.ActionItems = append(o.ActionItems, a)
	for i := range o.Postmortems {
		if o.Postmortems[i].Key == pmKey {
			o.Postmortems[i].ActionItemKeys = append(o.Postmortems[i].ActionItemKeys, key)
		}
	}
	return &o.ActionItems[len(o.ActionItems)-1]
}

func statusOf(name string) org.JiraStatus {
	for _, s := range org.JiraStatuses() {
		if s.Name == name {
			return s
		}
	}
	panic("jiratest: unknown status " + name) // programmer error in a test
}

// Transition moves an issue (postmortem or action item, by key) to status at
// at, authored by the user with index by (-1: the automation account).
func (b *Builder) Transition(key string, at time.Time, to string, by int) {
	b.edit(key, at, by, func(cur *current) []org.ChangeItem {
		from, next := statusOf(cur.status), statusOf(to)
		cur.status = to
		return []org.ChangeItem{{Field: "status", FieldType: "jira", FieldID: "status", From: from.ID, FromString: from.Name, To: next.ID, ToString: next.Name}}
	})
}

// Assign sets an action item's assignee (user index, -1 = unassign).
func (b *Builder) Assign(key string, at time.Time, user, by int) {
	b.edit(key, at, by, func(cur *current) []org.ChangeItem {
		to, toName := "", ""
		if user >= 0 {
			to, toName = b.Org.Users[user].JiraAccountID, b.Org.Users[user].Name
		}
		it := org.ChangeItem{Field: "assignee", FieldType: "jira", FieldID: "assignee", From: cur.assignee, FromString: b.nameOf(cur.assignee), To: to, ToString: toName}
		cur.assignee = to
		return []org.ChangeItem{it}
	})
}

// Label adds a label to an issue.
func (b *Builder) Label(key string, at time.Time, label string, by int) {
	b.edit(key, at, by, func(cur *current) []org.ChangeItem {
		from := strings.Join(cur.labels, " ")
		cur.labels = append(slices.Clone(cur.labels), label)
		return []org.ChangeItem{{Field: "labels", FieldType: "jira", FieldID: "labels", FromString: from, ToString: strings.Join(cur.labels, " ")}}
	})
}

// Due sets an action item's due date (zero clears it).
func (b *Builder) Due(key string, at, due time.Time, by int) {
	b.edit(key, at, by, func(cur *current) []org.ChangeItem {
		it := org.ChangeItem{Field: "duedate", FieldType: "jira", FieldID: "duedate", From: dateString(cur.due), FromString: dateString(cur.due)}
		cur.due = due
		it.To, it.ToString = dateString(due), dateString(due)
		return []org.ChangeItem{it}
	})
}

// Churn adds n automation edits (label toggles) one minute apart from at.
func (b *Builder) Churn(key string, at time.Time, n int) {
	for i := 0; i < n; i++ {
		b.Label(key, at.Add(time.Duration(i)*time.Minute), fmt.Sprintf("sync-%d", i), -1)
	}
}

func dateString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

func (b *Builder) nameOf(accountID string) string {
	for _, u := range b.Org.Users {
		if u.JiraAccountID == accountID {
			return u.Name
		}
	}
	return ""
}

type current struct {
	status   string
	assignee string
	labels   []string
	due      time.Time
}

// edit appends one history to the issue and updates its final state.
func (b *Builder) edit(key string, at time.Time, by int, change func(*current) []org.ChangeItem) {
	at = at.UTC()
	author := b.Org.Automation.JiraAccountID
	if by >= 0 {
		author = b.Org.Users[by].JiraAccountID
	}
	for i := range b.Org.Postmortems {
		p := &b.Org.Postmortems[i]
		if p.Key != key {
			continue
		}
		cur := &current{status: p.Status, labels: p.Labels}
		items := change(cur)
		p.Changelog = append(p.Changelog, org.History{ID: b.historyID(), At: at, AuthorAccountID: author, Items: items})
		p.Status, p.Labels = cur.status, cur.labels
		if at.After(p.UpdatedAt) {
			p.UpdatedAt = at
		}
		if cur.status == org.PMInReview && p.InReviewAt.IsZero() {
			p.InReviewAt = at
		}
		if cur.status == org.PMPublished {
			p.PublishedAt = at
		}
		return
	}
	for i := range b.Org.ActionItems {
		a := &b.Org.ActionItems[i]
		if a.Key != key {
			continue
		}
		acct := ""
		for _, u := range b.Org.Users {
			if u.ID == a.AssigneeID {
				acct = u.JiraAccountID
			}
		}
		cur := &current{status: a.Status, assignee: acct, labels: a.Labels, due: a.DueDate}
		wasDone := a.StatusCategory == org.CategoryDone
		items := change(cur)
		a.Changelog = append(a.Changelog, org.History{ID: b.historyID(), At: at, AuthorAccountID: author, Items: items})
		st := statusOf(cur.status)
		a.Status, a.StatusCategory, a.Labels, a.DueDate = st.Name, st.Category, cur.labels, cur.due
		a.AssigneeID, a.AssigneeAccountID = "", cur.assignee
		for _, u := range b.Org.Users {
			if u.JiraAccountID == cur.assignee {
				a.AssigneeID = u.ID
			}
		}
		isDone := st.Category == org.CategoryDone
		switch {
		case isDone && items[0].Field == "status":
			a.ResolvedAt = at
		case !isDone && wasDone:
			a.ResolvedAt = time.Time{}
			a.Reopened++
		}
		if at.After(a.UpdatedAt) {
			a.UpdatedAt = at
		}
		return
	}
	panic("jiratest: no issue " + key) // programmer error in a test
}
