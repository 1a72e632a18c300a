package jira

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aftermath-sre/aftermath/postmortem"
	"github.com/aftermath-sre/aftermath/simulate/org"
)

// Jira's date-time layout: milliseconds and an offset without a colon.
const jiraTime = "2006-01-02T15:04:05.000-0700"

const (
	issueTypePostmortemID = "10100"
	issueTypeTaskID       = "10002"
	projectPMID           = "10000"
	projectACTID          = "10001"
	linkTypeID            = "10200"
)

type category struct {
	ID    int
	Key   string
	Name  string
	Color string
}

var categories = map[string]category{
	org.CategoryNew:           {2, "new", "To Do", "blue-gray"},
	org.CategoryIndeterminate: {4, "indeterminate", "In Progress", "yellow"},
	org.CategoryDone:          {3, "done", "Done", "green"},
}

// undefinedCategory is the category Jira reports for a status without one;
// the UnknownEnumRate fault serves it.
var undefinedCategory = category{1, "undefined", "No Category", "medium-gray"}

// unknownPriority is a priority outside Jira's defaults (UnknownEnumRate).
const unknownPriority = "Urgent"

// issue is one simulated Jira issue: a postmortem or an action item.
type issue struct {
	key, id, project string
	num              int
	pm               *org.Postmortem
	ai               *org.ActionItem
	team             *org.Team
	created          time.Time
	final            time.Time               // last activity by Org.End
	histories        []org.History           // sorted by At; labels items include extraLabels
	extraLabels      []string                // labels the simulator adds (team, incident links)
	changes          atomic.Pointer[changes] // what clients changed (changes.go); nil: nothing
}

func (s *Server) buildIssues() error {
	o := s.org
	for i := range o.Postmortems {
		p := &o.Postmortems[i]
		is := &issue{key: p.Key, id: p.ID, project: ProjectPostmortems, pm: p, team: s.teams[p.TeamID],
			created: p.CreatedAt.UTC(), final: p.UpdatedAt.UTC()}
		if s.opts.IncidentLink == LinkLabel {
			for _, id := range p.IncidentIDs {
				is.extraLabels = append(is.extraLabels, s.opts.IncidentLabelPrefix+id)
			}
		}
		if err := s.addIssue(is, p.Labels, p.Changelog); err != nil {
			return err
		}
	}
	for i := range o.ActionItems {
		a := &o.ActionItems[i]
		is := &issue{key: a.Key, id: a.ID, project: ProjectActions, ai: a, team: s.teams[a.TeamID],
			created: a.CreatedAt.UTC(), final: a.UpdatedAt.UTC()}
		if err := s.addIssue(is, a.Labels, a.Changelog); err != nil {
			return err
		}
	}
	s.addLinkHistories()
	return nil
}

// addLinkHistories records, as Jira does, the creation of each action
// item's link in its postmortem's changelog ("Link" field). This moves the
// postmortem's updated time, so an incremental sync sees its new links.
func (s *Server) addLinkHistories() {
	next := int64(0)
	for _, is := range s.issues {
		for _, h := range is.histories {
			if n, err := strconv.ParseInt(h.ID, 10, 64); err == nil && n >= next {
				next = n + 1
			}
		}
	}
	if next < 100000 {
		next = 100000
	}
	var ais []*issue
	for _, is := range s.issues {
		if is.ai != nil {
			ais = append(ais, is)
		}
	}
	sort.SliceStable(ais, func(i, j int) bool { return ais[i].created.Before(ais[j].created) })
	for _, a := range ais {
		p := s.byKey[a.ai.PostmortemKey]
		if p == nil || p.pm == nil {
			continue
		}
		at := a.created
		if at.Before(p.created) {
			at = p.created
		}
		author := ""
		if r := s.userByID[p.pm.AuthorID]; r != nil {
			author = r.JiraAccountID
		}
		p.histories = append(p.histories, org.History{
			ID: strconv.FormatInt(next, 10), At: at, AuthorAccountID: author,
			Items: []org.ChangeItem{{Field: "Link", FieldType: "jira", To: a.key, ToString: "This issue " + LinkTypeOutward + " " + a.key}},
		})
		next++
		if at.After(p.final) {
			p.final = at
		}
	}
	for _, is := range s.issues {
		if is.pm != nil {
			sort.SliceStable(is.histories, func(i, j int) bool { return is.histories[i].At.Before(is.histories[j].At) })
		}
	}
}

func (s *Server) addIssue(is *issue, labels []string, changelog []org.History) error {
	n, err := keyNumber(is.key)
	if err != nil {
		return fmt.Errorf("jira simulator: %w", err)
	}
	is.num = n
	if is.team != nil {
		is.extraLabels = append(is.extraLabels, s.opts.TeamLabelPrefix+is.team.Slug)
	}
	is.extraLabels = slices.DeleteFunc(is.extraLabels, func(l string) bool { return slices.Contains(labels, l) })
	is.histories = make([]org.History, len(changelog))
	for i, h := range changelog {
		h.At = h.At.UTC()
		if len(is.extraLabels) > 0 {
			items := make([]org.ChangeItem, len(h.Items))
			for j, it := range h.Items {
				if it.Field == "labels" {
					it.FromString = joinLabels(strings.Fields(it.FromString), is.extraLabels)
					it.ToString = joinLabels(strings.Fields(it.ToString), is.extraLabels)
				}
				items[j] = it
			}
			h.Items = items
		}
		is.histories[i] = h
	}
	sort.SliceStable(is.histories, func(i, j int) bool { return is.histories[i].At.Before(is.histories[j].At) })
	if _, dup := s.byKey[is.key]; dup {
		return fmt.Errorf("jira simulator: duplicate issue key %s", is.key)
	}
	s.issues = append(s.issues, is)
	s.byKey[is.key] = is
	s.byID[is.id] = is
	return nil
}

func joinLabels(a, extra []string) string {
	out := slices.Clone(a)
	for _, e := range extra {
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return strings.Join(out, " ")
}

func keyNumber(key string) (int, error) {
	i := strings.LastIndexByte(key, '-')
	if i < 0 {
		return 0, fmt.Errorf("issue key %q has no number", key)
	}
	n, err := strconv.Atoi(key[i+1:])
	if err != nil {
		return 0, fmt.Errorf("issue key %q: %w", key, err)
	}
	return n, nil
}

// applied is how many histories happened by t.
func (is *issue) applied(t time.Time) int {
	return sort.Search(len(is.histories), func(i int) bool { return is.histories[i].At.After(t) })
}

// historiesAt is the issue's changelog as of t, the moves made by t
// included.
func (is *issue) historiesAt(t time.Time) []org.History {
	return is.withMoves(is.histories[:is.applied(t)], t)
}

// updatedAt is the issue's "updated" field as of t.
func (is *issue) updatedAt(t time.Time) time.Time {
	u := is.created
	switch {
	case !t.Before(is.final):
		u = is.final
	default:
		if n := is.applied(t); n > 0 && is.histories[n-1].At.After(u) {
			u = is.histories[n-1].At
		}
	}
	if m := is.lastMove(t); m.After(u) {
		u = m
	}
	return u
}

// state is an issue's workflow and field state at some instant.
type state struct {
	status   org.JiraStatus
	assignee string // Jira account id, "" when unassigned
	priority string
	due      time.Time
	labels   []string
	resolved time.Time
}

// stateAt is the issue's state as of t: the org's own replay of the
// changelog, plus the labels the simulator adds.
func (s *Server) stateAt(is *issue, t time.Time) state {
	var st state
	if is.pm != nil {
		ps := is.pm.StateAt(t)
		st.status = s.statusBy[strings.ToLower(ps.Status)]
		st.labels = append(slices.Clone(ps.Labels), is.extraLabels...)
		st.assignee = s.accountOf(is.pm.AuthorID)
		st.resolved = ps.ResolvedAt
		return st
	}
	as := is.ai.StateAt(t)
	st.status = s.statusBy[strings.ToLower(as.Status)]
	st.labels = append(slices.Clone(as.Labels), is.extraLabels...)
	st.assignee = as.AssigneeAccountID
	st.priority = as.Priority
	st.due = as.DueDate
	st.resolved = as.ResolvedAt
	return st
}

func (s *Server) accountOf(userID string) string {
	if u := s.userByID[userID]; u != nil {
		return u.JiraAccountID
	}
	return ""
}

func (d *dispatch) time(t time.Time) string { return t.In(d.s.loc).Format(jiraTime) }

func (d *dispatch) nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return d.time(t)
}

// render serialises an issue as of d.now with the selected fields.
func (d *dispatch) render(is *issue, sel fieldSelection, expand map[string]bool) map[string]any {
	out := map[string]any{
		"expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
		"id":     is.id,
		"self":   d.api() + "/issue/" + is.id,
		"key":    is.key,
	}
	if !sel.all && len(sel.include) == 1 && sel.include["id"] && !expand["changelog"] {
		return map[string]any{"id": is.id}
	}
	st := d.s.stateAt(is, d.now)
	unknown := d.s.UnknownEnum(is.key)
	f := map[string]any{}
	set := func(name string, v func() any) {
		if sel.wants(name) {
			f[name] = v()
		}
	}
	set("summary", func() any { return is.summary() })
	set("issuetype", func() any { return d.issueType(is) })
	set("project", func() any { return d.project(is) })
	set("status", func() any { return d.status(st.status, unknown) })
	set("priority", func() any {
		if is.pm != nil {
			return nil
		}
		return d.priority(st.priority, unknown)
	})
	set("assignee", func() any { return d.userOrNil(st.assignee) })
	reporter := func() any {
		if is.pm != nil {
			return d.userOrNil(d.s.accountOf(is.pm.AuthorID))
		}
		if p := d.s.byKey[is.ai.PostmortemKey]; p != nil && p.pm != nil {
			return d.userOrNil(d.s.accountOf(p.pm.AuthorID))
		}
		return nil
	}
	set("reporter", reporter)
	set("creator", reporter)
	set("created", func() any { return d.time(is.created) })
	set("updated", func() any { return d.time(is.updatedAt(d.now)) })
	set("resolutiondate", func() any { return d.nullTime(st.resolved) })
	set("resolution", func() any { return d.resolution(st) })
	set("duedate", func() any { return nullDate(st.due) })
	set(FieldTargetDate, func() any { return nullDate(st.due) })
	set("labels", func() any {
		if st.labels == nil {
			return []string{}
		}
		return st.labels
	})
	set("components", func() any {
		if is.team == nil {
			return []any{}
		}
		return []any{map[string]any{"self": d.api() + "/component/" + is.team.ID, "id": componentID(is.team.ID), "name": is.team.Slug}}
	})
	set("issuelinks", func() any { return d.links(is) })
	set("description", func() any { return d.description(is) })
	set(FieldSeverity, func() any {
		if is.pm == nil || is.pm.Severity == "" {
			return nil
		}
		return map[string]any{"self": d.api() + "/customFieldOption/" + optionID(is.pm.Severity), "value": is.pm.Severity, "id": optionID(is.pm.Severity)}
	})
	set(FieldTeam, func() any {
		if is.team == nil {
			return nil
		}
		return map[string]any{"self": d.api() + "/customFieldOption/" + optionID(is.team.Slug), "value": is.team.Slug, "id": optionID(is.team.Slug)}
	})
	set(FieldIncident, func() any {
		if is.pm == nil || d.s.opts.IncidentLink != LinkField || len(is.pm.IncidentIDs) == 0 {
			return nil
		}
		return strings.Join(is.pm.IncidentIDs, ", ")
	})
	out["fields"] = f
	if expand["changelog"] {
		hs := is.historiesAt(d.now)
		keep := min(len(hs), d.s.opts.ChangelogMax)
		// Most recent first, as Jira embeds them.
		list := make([]map[string]any, 0, keep)
		for i := len(hs) - 1; i >= len(hs)-keep; i-- {
			list = append(list, d.history(hs[i]))
		}
		out["changelog"] = map[string]any{"startAt": 0, "maxResults": keep, "total": len(hs), "histories": list}
	}
	return out
}

func (is *issue) summary() string {
	if is.pm != nil {
		return is.pm.Title
	}
	return is.ai.Summary
}

func nullDate(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02")
}

func componentID(teamID string) string { return strconv.FormatUint(10000+hashString(teamID)%90000, 10) }
func optionID(v string) string         { return strconv.FormatUint(10100+hashString(v)%90000, 10) }

func (d *dispatch) issueType(is *issue) map[string]any {
	id, name := is.issueType(d.now)
	desc := issueTypes[name].desc
	return map[string]any{
		"self": d.api() + "/issuetype/" + id, "id": id, "description": desc,
		"iconUrl": d.base + "/images/icons/issuetypes/" + strings.ToLower(name) + ".svg",
		"name":    name, "subtask": false, "avatarId": 10318, "hierarchyLevel": 0,
	}
}

func (d *dispatch) project(is *issue) map[string]any {
	id, name := projectACTID, "Action Items"
	if is.pm != nil {
		id, name = projectPMID, "Postmortems"
	}
	return map[string]any{
		"self": d.api() + "/project/" + id, "id": id, "key": is.project, "name": name,
		"projectTypeKey": "software", "simplified": false, "avatarUrls": d.avatars("project", id),
	}
}

func (d *dispatch) avatars(kind, id string) map[string]string {
	out := map[string]string{}
	for _, sz := range []string{"16x16", "24x24", "32x32", "48x48"} {
		out[sz] = d.base + "/secure/" + kind + "avatar?size=" + sz + "&id=" + id
	}
	return out
}

func (d *dispatch) status(st org.JiraStatus, unknown bool) map[string]any {
	cat, ok := categories[st.Category]
	if !ok || unknown {
		cat = undefinedCategory
	}
	return map[string]any{
		"self": d.api() + "/status/" + st.ID, "description": "", "iconUrl": d.base + "/images/icons/statuses/generic.png",
		"name": st.Name, "id": st.ID,
		"statusCategory": map[string]any{
			"self": d.api() + "/statuscategory/" + strconv.Itoa(cat.ID), "id": cat.ID, "key": cat.Key,
			"colorName": cat.Color, "name": cat.Name,
		},
	}
}

func (d *dispatch) priority(name string, unknown bool) any {
	if name == "" {
		return nil
	}
	id := ""
	for _, p := range org.JiraPriorities() {
		if p.Name == name {
			id = p.ID
		}
	}
	if unknown || id == "" {
		name, id = unknownPriority, "10000"
	}
	return map[string]any{
		"self": d.api() + "/priority/" + id, "iconUrl": d.base + "/images/icons/priorities/" + strings.ToLower(name) + ".svg",
		"name": name, "id": id,
	}
}

func (d *dispatch) resolution(st state) any {
	if st.status.Category != org.CategoryDone {
		return nil
	}
	id, name, desc := "10000", "Done", "Work has been completed on this issue."
	if st.status.Name == org.AIWontDo {
		id, name, desc = "10001", "Won't Do", "This issue won't be actioned."
	}
	return map[string]any{"self": d.api() + "/resolution/" + id, "id": id, "description": desc, "name": name}
}

func (d *dispatch) userOrNil(accountID string) any {
	if accountID == "" {
		return nil
	}
	u := d.s.users[accountID]
	if u == nil {
		return nil
	}
	return d.user(u, false)
}

// user is a UserDetails, or a User for /myself.
func (d *dispatch) user(u *org.User, myself bool) map[string]any {
	out := map[string]any{
		"self":        d.api() + "/user?accountId=" + u.JiraAccountID,
		"accountId":   u.JiraAccountID,
		"avatarUrls":  d.avatars("user", u.JiraAccountID),
		"displayName": u.Name,
		"active":      true,
		"timeZone":    u.TimeZone,
		"accountType": "atlassian",
	}
	if u.TimeZone == "" {
		out["timeZone"] = "UTC"
	}
	if u.Email != "" {
		out["emailAddress"] = u.Email
	}
	if u.Role == "bot" || u.ID == "" {
		out["accountType"] = "app"
	}
	if myself {
		out["timeZone"] = d.s.tzName
		out["locale"] = "en_US"
		out["groups"] = map[string]any{"size": 1, "items": []any{}}
		out["applicationRoles"] = map[string]any{"size": 1, "items": []any{}}
		out["expand"] = "groups,applicationRoles"
	}
	return out
}

func (d *dispatch) links(is *issue) []any {
	lt := map[string]any{"id": linkTypeID, "name": LinkTypeName, "inward": LinkTypeInward, "outward": LinkTypeOutward,
		"self": d.api() + "/issueLinkType/" + linkTypeID}
	out := []any{}
	linked := func(o *issue) map[string]any {
		st := d.s.stateAt(o, d.now)
		unknown := d.s.UnknownEnum(o.key)
		fields := map[string]any{"summary": o.summary(), "status": d.status(st.status, unknown), "issuetype": d.issueType(o)}
		if o.ai != nil {
			fields["priority"] = d.priority(st.priority, unknown)
		}
		return map[string]any{"id": o.id, "key": o.key, "self": d.api() + "/issue/" + o.id, "fields": fields}
	}
	if is.pm != nil {
		for _, k := range is.pm.ActionItemKeys {
			a := d.s.byKey[k]
			if a == nil || a.created.After(d.now) || a.deleted() {
				continue
			}
			out = append(out, map[string]any{"id": linkID(a), "self": d.api() + "/issueLink/" + linkID(a), "type": lt, "outwardIssue": linked(a)})
		}
		return out
	}
	if p := d.s.byKey[is.ai.PostmortemKey]; p != nil && !p.created.After(d.now) && !p.deleted() {
		out = append(out, map[string]any{"id": linkID(is), "self": d.api() + "/issueLink/" + linkID(is), "type": lt, "inwardIssue": linked(p)})
	}
	return out
}

// linkID is the id of the link from an action item to its postmortem.
func linkID(ai *issue) string { return "2" + ai.id }

// description is wiki markup (v2) or ADF (v3).
func (d *dispatch) description(is *issue) any {
	if is.ai != nil {
		if is.ai.Description == "" {
			return nil
		}
		if d.v == 2 {
			return is.ai.Description
		}
		return adfDoc(adfParagraphs(is.ai.Description))
	}
	var urls []string
	if d.s.opts.IncidentLink == LinkDescription {
		for _, id := range is.pm.IncidentIDs {
			urls = append(urls, d.s.opts.IncidentURLBase+id)
		}
	}
	if d.v == 2 {
		text := postmortem.RenderWiki(&is.pm.Doc)
		if len(urls) > 0 {
			text = "Incident: " + strings.Join(urls, " ") + "\n\n" + text
		}
		return text
	}
	buf, err := postmortem.RenderADF(&is.pm.Doc)
	if err != nil {
		d.s.logger.Error("render adf", "source", "jira-simulator", "key", is.key, "err", err)
		return nil
	}
	var doc struct {
		Content []json.RawMessage `json:"content"`
	}
	if err := json.Unmarshal(buf, &doc); err != nil {
		d.s.logger.Error("render adf", "source", "jira-simulator", "key", is.key, "err", err)
		return nil
	}
	var content []any
	if len(urls) > 0 {
		nodes := []any{map[string]any{"type": "text", "text": "Incident: "}}
		for i, u := range urls {
			if i > 0 {
				nodes = append(nodes, map[string]any{"type": "text", "text": " "})
			}
			nodes = append(nodes, map[string]any{"type": "text", "text": u,
				"marks": []any{map[string]any{"type": "link", "attrs": map[string]any{"href": u}}}})
		}
		content = append(content, map[string]any{"type": "paragraph", "content": nodes})
	}
	for _, c := range doc.Content {
		content = append(content, c)
	}
	return adfDoc(content)
}

func adfDoc(content []any) map[string]any {
	if content == nil {
		content = []any{}
	}
	return map[string]any{"type": "doc", "version": 1, "content": content}
}

func adfParagraphs(text string) []any {
	var out []any
	for _, p := range strings.Split(text, "\n\n") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		var nodes []any
		for i, line := range strings.Split(p, "\n") {
			if i > 0 {
				nodes = append(nodes, map[string]any{"type": "hardBreak"})
			}
			if line != "" {
				nodes = append(nodes, map[string]any{"type": "text", "text": line})
			}
		}
		out = append(out, map[string]any{"type": "paragraph", "content": nodes})
	}
	return out
}

// history serialises one changelog history.
func (d *dispatch) history(h org.History) map[string]any {
	items := make([]map[string]any, 0, len(h.Items))
	for _, it := range h.Items {
		m := map[string]any{
			"field": it.Field, "fieldtype": it.FieldType, "fieldId": it.FieldID,
			"from": nullString(it.From), "fromString": nullString(it.FromString),
			"to": nullString(it.To), "toString": nullString(it.ToString),
		}
		if it.Field == "labels" {
			m["fromString"], m["toString"] = it.FromString, it.ToString
		}
		if m["fieldtype"] == "" {
			m["fieldtype"] = "jira"
		}
		items = append(items, m)
	}
	out := map[string]any{"id": h.ID, "created": d.time(h.At), "items": items}
	if u := d.s.users[h.AuthorAccountID]; u != nil {
		out["author"] = d.user(u, false)
	}
	return out
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// fields lists the site's fields.
func (d *dispatch) fields() []map[string]any {
	sys := func(id, name, typ string, extra ...string) map[string]any {
		schema := map[string]any{"type": typ, "system": id}
		if len(extra) > 0 {
			schema["items"] = extra[0]
		}
		return map[string]any{"id": id, "key": id, "name": name, "custom": false, "orderable": true, "navigable": true,
			"searchable": true, "clauseNames": []string{id}, "schema": schema}
	}
	custom := func(id, name, typ, plugin string) map[string]any {
		n, _ := strconv.Atoi(strings.TrimPrefix(id, "customfield_"))
		return map[string]any{"id": id, "key": id, "name": name, "custom": true, "orderable": true, "navigable": true,
			"searchable": true, "clauseNames": []string{fmt.Sprintf("cf[%d]", n), name},
			"schema": map[string]any{"type": typ, "custom": "com.atlassian.jira.plugin.system.customfieldtypes:" + plugin, "customId": n}}
	}
	return []map[string]any{
		sys("summary", "Summary", "string"),
		sys("issuetype", "Issue Type", "issuetype"),
		sys("project", "Project", "project"),
		sys("status", "Status", "status"),
		sys("priority", "Priority", "priority"),
		sys("assignee", "Assignee", "user"),
		sys("reporter", "Reporter", "user"),
		sys("creator", "Creator", "user"),
		sys("created", "Created", "datetime"),
		sys("updated", "Updated", "datetime"),
		sys("resolutiondate", "Resolved", "datetime"),
		sys("resolution", "Resolution", "resolution"),
		sys("duedate", "Due date", "date"),
		sys("labels", "Labels", "array", "string"),
		sys("components", "Components", "array", "component"),
		sys("issuelinks", "Linked Issues", "array", "issuelinks"),
		sys("description", "Description", "string"),
		custom(FieldSeverity, "Severity", "option", "select"),
		custom(FieldTeam, "Team", "option", "select"),
		custom(FieldIncident, "PagerDuty incident", "string", "textfield"),
		custom(FieldTargetDate, "Target date", "date", "datepicker"),
	}
}

// statuses lists the workflow statuses.
func (d *dispatch) statuses() []map[string]any {
	var out []map[string]any
	for _, st := range org.JiraStatuses() {
		out = append(out, d.status(st, false))
	}
	return out
}

func base64URL(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func unbase64URL(s string) ([]byte, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return b, err == nil
}
