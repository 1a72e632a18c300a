package jira

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aftermath-sre/aftermath/domain"
	"github.com/aftermath-sre/aftermath/postmortem"
)

// apiIssue is a Jira issue as search/jql returns it with expand=changelog.
// Fields stay raw: which ones matter (custom fields, the due date) is
// configuration, and the description is a string (v2) or an ADF object (v3).
type apiIssue struct {
	ID        string                     `json:"id"`
	Key       string                     `json:"key"`
	Fields    map[string]json.RawMessage `json:"fields"`
	Changelog *apiChangelog              `json:"changelog"`
}

type apiChangelog struct {
	StartAt    int          `json:"startAt"`
	MaxResults int          `json:"maxResults"`
	Total      int          `json:"total"`
	Histories  []apiHistory `json:"histories"`
}

// truncated reports whether the embedded changelog lacks histories.
func (c *apiChangelog) truncated() bool {
	return c == nil || c.Total > len(c.Histories)
}

type apiHistory struct {
	ID      string    `json:"id"`
	Author  *apiUser  `json:"author"`
	Created string    `json:"created"`
	Items   []apiItem `json:"items"`
}

type apiItem struct {
	Field      string  `json:"field"`
	FieldType  string  `json:"fieldtype"`
	FieldID    string  `json:"fieldId"`
	From       *string `json:"from"`
	FromString *string `json:"fromString"`
	To         *string `json:"to"`
	ToString   *string `json:"toString"`
}

type apiUser struct {
	AccountID   string `json:"accountId"`
	DisplayName string `json:"displayName"`
	AccountType string `json:"accountType"`
	TimeZone    string `json:"timeZone"`
}

type apiStatus struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	StatusCategory struct {
		Key string `json:"key"`
	} `json:"statusCategory"`
}

type apiNamed struct {
	ID    string `json:"id"`
	Key   string `json:"key"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

type apiLink struct {
	Type struct {
		Name    string `json:"name"`
		Inward  string `json:"inward"`
		Outward string `json:"outward"`
	} `json:"type"`
	InwardIssue  *apiLinked `json:"inwardIssue"`
	OutwardIssue *apiLinked `json:"outwardIssue"`
}

type apiLinked struct {
	Key    string `json:"key"`
	Fields struct {
		IssueType *apiNamed `json:"issuetype"`
	} `json:"fields"`
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// jiraTimeLayouts are the date-time forms Jira sends; its offsets have no
// colon ("+1000").
var jiraTimeLayouts = []string{"2006-01-02T15:04:05.000-0700", "2006-01-02T15:04:05-0700", time.RFC3339Nano}

func parseTime(s string) (time.Time, error) {
	for _, l := range jiraTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("unparseable date-time %q", s)
}

// issueView decodes the fields of an issue lazily and remembers problems.
type issueView struct {
	is  *apiIssue
	err error
}

func (v *issueView) decode(name string, dst any) bool {
	raw, ok := v.is.Fields[name]
	if !ok || string(raw) == "null" {
		return false
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		if v.err == nil {
			v.err = fmt.Errorf("field %s: %w", name, err)
		}
		return false
	}
	return true
}

func (v *issueView) str(name string) string {
	var s string
	v.decode(name, &s)
	return s
}

func (v *issueView) time(name string, required bool) time.Time {
	s := v.str(name)
	if s == "" {
		if required && v.err == nil {
			v.err = fmt.Errorf("field %s: missing", name)
		}
		return time.Time{}
	}
	t, err := parseTime(s)
	if err != nil && v.err == nil {
		v.err = fmt.Errorf("field %s: %w", name, err)
	}
	return t
}

// fieldValue reads a field that may be a string, an option ({"value"}), a
// named object ({"name"}) or an array of those, as strings.
func (v *issueView) fieldValues(name string) []string {
	raw, ok := v.is.Fields[name]
	if !ok || string(raw) == "null" {
		return nil
	}
	var one json.RawMessage = raw
	var many []json.RawMessage
	if err := json.Unmarshal(raw, &many); err != nil {
		many = []json.RawMessage{one}
	}
	var out []string
	for _, m := range many {
		var s string
		if json.Unmarshal(m, &s) == nil {
			out = append(out, s)
			continue
		}
		var n apiNamed
		if json.Unmarshal(m, &n) == nil {
			switch {
			case n.Value != "":
				out = append(out, n.Value)
			case n.Name != "":
				out = append(out, n.Name)
			case n.Key != "":
				out = append(out, n.Key)
			}
		}
	}
	return out
}

func (in *Ingester) category(key string, what string) string {
	switch key {
	case domain.CategoryNew, domain.CategoryInProgress, domain.CategoryDone:
		return key
	}
	in.unknown(what, key)
	return "unknown"
}

// mapped is everything one issue turns into.
type mapped struct {
	pm       *domain.Postmortem
	ai       *domain.ActionItem
	raw      []domain.RawDocument
	updated  time.Time
	unknowns []string // fields with values outside the known sets
}

// histories returns the issue's changelog oldest first.
func sortHistories(hs []apiHistory) ([]apiHistory, error) {
	type keyed struct {
		h  apiHistory
		at time.Time
		id int64
	}
	ks := make([]keyed, 0, len(hs))
	for _, h := range hs {
		at, err := parseTime(h.Created)
		if err != nil {
			return nil, fmt.Errorf("history %s: %w", h.ID, err)
		}
		id, _ := strconv.ParseInt(h.ID, 10, 64)
		ks = append(ks, keyed{h, at, id})
	}
	sort.SliceStable(ks, func(i, j int) bool {
		if !ks[i].at.Equal(ks[j].at) {
			return ks[i].at.Before(ks[j].at)
		}
		return ks[i].id < ks[j].id
	})
	out := make([]apiHistory, len(ks))
	for i, k := range ks {
		out[i] = k.h
	}
	return out, nil
}

var incidentURLRe = regexp.MustCompile(`https?://[^\s"'<>|\]\[]+/incidents/([A-Za-z0-9]+)`)
var incidentIDRe = regexp.MustCompile(`^[A-Z0-9]{6,20}$`)

// incidentIDs finds the PagerDuty incidents a postmortem names, as configured.
func (in *Ingester) incidentIDs(v *issueView, labels []string) []string {
	var ids []string
	add := func(id string) {
		if id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	switch in.opts.Fields.IncidentLink.Mode {
	case LinkByLabel:
		for _, l := range labels {
			if id, ok := strings.CutPrefix(l, in.opts.Fields.IncidentLink.LabelPrefix); ok {
				add(id)
			}
		}
	case LinkByField:
		for _, val := range v.fieldValues(in.opts.Fields.IncidentLink.Field) {
			for _, tok := range strings.FieldsFunc(val, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\t' }) {
				if m := incidentURLRe.FindStringSubmatch(tok); m != nil {
					add(m[1])
				} else if incidentIDRe.MatchString(tok) {
					add(tok)
				}
			}
		}
	case LinkByDescription:
		for _, m := range incidentURLRe.FindAllStringSubmatch(string(v.is.Fields["description"]), -1) {
			add(m[1])
		}
	}
	return ids
}

// team finds the owning team, as configured.
func (in *Ingester) team(v *issueView, labels, components []string) string {
	t := in.opts.Fields.Team
	switch t.From {
	case TeamFromComponent:
		if len(components) > 0 {
			return components[0]
		}
	case TeamFromLabel:
		for _, l := range labels {
			if rest, ok := strings.CutPrefix(l, t.LabelPrefix); ok && rest != "" {
				return rest
			}
		}
	case TeamFromField:
		if vals := v.fieldValues(t.Field); len(vals) > 0 {
			return vals[0]
		}
	}
	return ""
}

var severityRe = regexp.MustCompile(`(?i)^sev(?:erity)?[ -]?([1-5])$`)

func (in *Ingester) severity(v *issueView) string {
	if in.opts.Fields.Severity == "" {
		return "" // the linked incident's severity applies
	}
	vals := v.fieldValues(in.opts.Fields.Severity)
	if len(vals) == 0 {
		return domain.SeverityUnknown
	}
	if m := severityRe.FindStringSubmatch(strings.TrimSpace(vals[0])); m != nil {
		return "SEV" + m[1]
	}
	in.unknown("severity", vals[0])
	return domain.SeverityUnknown
}

func (in *Ingester) priority(name string) string {
	if p, ok := in.opts.Priorities[name]; ok {
		return p
	}
	p := DefaultPriority(name)
	if p == "unknown" && name != "" {
		in.unknown("priority", name)
	}
	return p
}

// mapIssue turns one issue (with its complete changelog, oldest first) into
// store rows. kind is kindPostmortem or kindActionItem.
func (in *Ingester) mapIssue(kind string, is *apiIssue, hs []apiHistory, raw []byte, fetched time.Time) (m *mapped, err error) {
	defer func() {
		// The parsers are fuzzed; this keeps one bad document from taking
		// the run down should they still panic.
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("panic while mapping: %v", r)
		}
	}()
	if is.Key == "" || is.ID == "" {
		return nil, fmt.Errorf("issue without id or key")
	}
	v := &issueView{is: is}
	created := v.time("created", true)
	updated := v.time("updated", true)
	var st apiStatus
	v.decode("status", &st)
	var project apiNamed
	v.decode("project", &project)
	var labels []string
	v.decode("labels", &labels)
	if labels == nil {
		labels = []string{}
	}
	var comps []apiNamed
	v.decode("components", &comps)
	components := make([]string, 0, len(comps))
	for _, c := range comps {
		components = append(components, c.Name)
	}
	var links []apiLink
	v.decode("issuelinks", &links)
	var reporter, assignee apiUser
	if !v.decode("reporter", &reporter) {
		v.decode("creator", &reporter)
	}
	v.decode("assignee", &assignee)
	summary := v.str("summary")
	if v.err != nil {
		return nil, v.err
	}
	url := in.browseBase + is.Key
	out := &mapped{updated: updated}
	out.raw = append(out.raw, domain.RawDocument{Source: sourceName, Kind: "issue", ID: is.Key, FetchedAt: fetched, Body: raw})
	if is.Changelog.truncated() {
		body, _ := json.Marshal(hs)
		out.raw = append(out.raw, domain.RawDocument{Source: sourceName, Kind: "changelog", ID: is.Key, FetchedAt: fetched, Body: body})
	}

	linked := func(wantPostmortem bool) []string {
		var keys []string
		for _, l := range links {
			for _, li := range []*apiLinked{l.InwardIssue, l.OutwardIssue} {
				if li == nil || li.Key == "" {
					continue
				}
				isPM := li.Fields.IssueType != nil && strings.EqualFold(li.Fields.IssueType.Name, in.opts.PostmortemIssueType)
				if isPM == wantPostmortem && !slices.Contains(keys, li.Key) {
					keys = append(keys, li.Key)
				}
			}
		}
		sortKeys(keys)
		return keys
	}

	if kind == kindPostmortem {
		p := &domain.Postmortem{
			Key: is.Key, ID: is.ID, Project: project.Key, Title: summary, URL: url,
			Status: st.Name, StatusCategory: in.category(st.StatusCategory.Key, "status_category"),
			Severity: in.severity(v), Team: in.team(v, labels, components), Author: reporter.AccountID,
			Labels: labels, IncidentIDs: in.incidentIDs(v, labels), ActionItemKeys: linked(false),
			CreatedAt: created, UpdatedAt: updated,
		}
		for _, h := range hs {
			at, err := parseTime(h.Created)
			if err != nil {
				return nil, fmt.Errorf("history %s: %w", h.ID, err)
			}
			for _, it := range h.Items {
				if it.Field != "status" {
					continue
				}
				to := str(it.ToString)
				if slices.Contains(in.opts.ReviewStatuses, to) && p.InReviewAt.IsZero() {
					p.InReviewAt = at
				}
				if slices.Contains(in.opts.PublishedStatuses, to) {
					p.PublishedAt = at
				}
			}
		}
		if p.PublishedAt.IsZero() && slices.Contains(in.opts.PublishedStatuses, st.Name) {
			p.PublishedAt = created // created directly in a published status
		}
		in.describePostmortem(p, v)
		out.pm = p
		return out, nil
	}

	var prio apiNamed
	v.decode("priority", &prio)
	a := &domain.ActionItem{
		Key: is.Key, ID: is.ID, Project: project.Key, Summary: summary, Status: st.Name,
		StatusCategory: in.category(st.StatusCategory.Key, "status_category"),
		Priority:       in.priority(prio.Name), RawPriority: prio.Name,
		AssigneeID: assignee.AccountID, AssigneeName: assignee.DisplayName,
		Team: in.team(v, labels, components), Labels: labels, Components: components,
		CreatedAt: created, UpdatedAt: updated, ResolvedAt: v.time("resolutiondate", false),
		LastActivityAt: created, URL: url,
	}
	if pms := linked(true); len(pms) > 0 {
		a.PostmortemKey = pms[0]
	}
	if due := v.str(in.opts.Fields.DueDate); due != "" {
		d, err := time.Parse("2006-01-02", due)
		if err != nil {
			return nil, fmt.Errorf("due date %q: %w", due, err)
		}
		a.DueDate = d
	}
	for _, h := range hs {
		at, err := parseTime(h.Created)
		if err != nil {
			return nil, fmt.Errorf("history %s: %w", h.ID, err)
		}
		author := ""
		human := true
		if h.Author != nil {
			author = h.Author.AccountID
			human = h.Author.AccountType != "app"
		}
		if human && at.After(a.LastActivityAt) {
			a.LastActivityAt = at
		}
		for i, it := range h.Items {
			a.Transitions = append(a.Transitions, domain.Transition{
				ItemKey: is.Key, HistoryID: h.ID, Seq: i, At: at, AuthorID: author, Field: it.Field,
				FromValue: str(it.From), FromString: str(it.FromString), ToValue: str(it.To), ToString: str(it.ToString),
			})
			if it.Field == "status" && in.isDone(str(it.From), str(it.FromString)) && !in.isDone(str(it.To), str(it.ToString)) {
				a.ReopenCount++
			}
		}
	}
	if v.err != nil {
		return nil, v.err
	}
	out.ai = a
	return out, nil
}

// isDone reports whether a status (by id, else by name) is in the done
// category, per the site's /status list.
func (in *Ingester) isDone(id, name string) bool {
	if c, ok := in.statusCategory[id]; ok {
		return c == domain.CategoryDone
	}
	return in.statusCategory["name:"+strings.ToLower(name)] == domain.CategoryDone
}

// describePostmortem parses the description into the template's parts.
func (in *Ingester) describePostmortem(p *domain.Postmortem, v *issueView) {
	raw := v.is.Fields["description"]
	var doc *postmortem.Document
	var err error
	switch {
	case len(raw) == 0 || string(raw) == "null":
		doc = &postmortem.Document{}
	case raw[0] == '"':
		var text string
		if err = json.Unmarshal(raw, &text); err == nil {
			p.DescriptionFormat = string(postmortem.DetectFormat(text))
			doc, err = postmortem.Parse(text)
		}
	default:
		p.DescriptionFormat = string(postmortem.FormatADF)
		doc, err = postmortem.ParseADF(raw)
	}
	if err != nil || doc == nil {
		in.log.Warn("unreadable postmortem description", "key", p.Key, "err", err)
		in.metrics.Unmapped.WithLabelValues("description").Inc()
		p.DescriptionFormat = "unknown"
		doc = &postmortem.Document{}
	}
	for _, name := range postmortem.TemplateSections {
		if doc.Has(name) {
			p.Sections = append(p.Sections, name)
		}
	}
	p.MissingSections = doc.Missing()
	p.Summary, p.Impact, p.Detection = doc.Summary, doc.Impact, doc.Detection
	p.WentWell, p.WentPoorly, p.Lucky, p.Lessons = doc.WentWell, doc.WentPoorly, doc.Lucky, doc.Lessons
	p.TimeToDetect = doc.TimeToDetect
	p.ActionItemRows = len(doc.ActionItems)
	for _, f := range doc.Factors {
		p.Factors = append(p.Factors, domain.Factor{PostmortemKey: p.Key, Ordinal: f.Ordinal, Name: f.Name, Text: f.Text})
	}
}

// sortKeys orders issue keys by project, then number.
func sortKeys(keys []string) {
	sort.SliceStable(keys, func(i, j int) bool {
		pi, ni := splitKey(keys[i])
		pj, nj := splitKey(keys[j])
		if pi != pj {
			return pi < pj
		}
		return ni < nj
	})
}

func splitKey(k string) (string, int) {
	i := strings.LastIndexByte(k, '-')
	if i < 0 {
		return k, 0
	}
	n, _ := strconv.Atoi(k[i+1:])
	return k[:i], n
}

// DefaultPriority maps Jira's default priority names to the domain's P1..P5;
// names that already look like P1..P5 pass through, anything else is
// domain.Unknown. Options.Priorities is consulted first.
func DefaultPriority(name string) string {
	switch name {
	case "Highest", "Blocker", "Critical", "P1":
		return "P1"
	case "High", "Major", "P2":
		return "P2"
	case "Medium", "P3":
		return "P3"
	case "Low", "Minor", "P4":
		return "P4"
	case "Lowest", "Trivial", "P5":
		return "P5"
	}
	return domain.Unknown
}
