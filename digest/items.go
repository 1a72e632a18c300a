package digest

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aftermath-sre/aftermath/analyze"
	"github.com/aftermath-sre/aftermath/analyze/fixes"
	"github.com/aftermath-sre/aftermath/analyze/language"
	"github.com/aftermath-sre/aftermath/store"
)

// Item kinds the digest reads, with the fields it uses (analyze documents
// every field).
const (
	itemHighlight   = analyze.ItemHighlight            // section lessons|lucky, quote, title, url; Period = month published
	itemOldestOpen  = analyze.ItemOldestOpenActionItem // summary, priority, assignee, url, created_at, due_date; Value = age
	itemRecurring   = analyze.ItemRecurringGroup       // title, repeats, reason, url; Value = the month's incidents
	itemTheme       = analyze.ItemTheme                // label, representative_text
	itemThemeChange = analyze.ItemThemeChange          // change new|merge|split|retired, themes, into, from
	itemThemeTeam   = analyze.ItemThemeTeamExample     // factor, postmortem, text; Key = theme, Period = month, Team
	itemFinding     = analyze.ItemLanguageFinding      // rule, sentence, why, title, url
	itemOverduePM   = analyze.ItemOverduePostmortem    // stage, title, severity, url; Value = seconds late
	itemPendingFix  = analyze.ItemPendingFix           // theme, theme_label, title, url, since, last_incident, last_at, open_items, items; Value = repeats
)

// Highlight sections.
const (
	sectionLessons = "lessons"
	sectionLucky   = "lucky"
)

// itemIndex groups a run's analysis items by kind.
type itemIndex struct {
	byKind map[string][]store.AnalysisItem
}

func indexItems(items []store.AnalysisItem) *itemIndex {
	ix := &itemIndex{byKind: map[string][]store.AnalysisItem{}}
	for _, it := range items {
		ix.byKind[it.Kind] = append(ix.byKind[it.Kind], it)
	}
	for _, list := range ix.byKind {
		sort.SliceStable(list, func(i, j int) bool {
			if list[i].Rank != list[j].Rank {
				return list[i].Rank < list[j].Rank
			}
			return list[i].Key < list[j].Key
		})
	}
	return ix
}

// select returns the items of a kind in a period ("" = any) and team ("" =
// any), in rank order.
func (ix *itemIndex) pick(kind, period, team string) []store.AnalysisItem {
	var out []store.AnalysisItem
	for _, it := range ix.byKind[kind] {
		if period != "" && it.Period != period {
			continue
		}
		if team != "" && it.Team != team {
			continue
		}
		out = append(out, it)
	}
	return out
}

// safeURL keeps only absolute http(s) URLs; anything else (javascript:,
// data:, relative) becomes "".
func safeURL(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

func field(it store.AnalysisItem, names ...string) string {
	for _, n := range names {
		if v := strings.TrimSpace(it.Field(n)); v != "" {
			return v
		}
	}
	return ""
}

func fieldTime(it store.AnalysisItem, names ...string) time.Time {
	v := field(it, names...)
	if v == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC()
		}
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(n, 0).UTC()
	}
	return time.Time{}
}

func fieldInt(it store.AnalysisItem, names ...string) int {
	n, err := strconv.Atoi(field(it, names...))
	if err != nil {
		return 0
	}
	return n
}

// highlights quotes up to max of the month's highlights of a section. A
// quote that an earlier one already says (the same words, whatever the case,
// spacing and final stop) is not quoted again: its postmortem is listed under
// the first one's Also.
func (ix *itemIndex) highlights(section, month, team string, max int) []Highlight {
	var out []Highlight
	seen := map[string]int{} // normalized quote -> index in out
	for _, it := range ix.pick(itemHighlight, month, team) {
		if it.Field("section") != section {
			continue
		}
		q := field(it, "quote")
		if q == "" {
			continue
		}
		norm := sameWords(q)
		if i, ok := seen[norm]; ok {
			if it.Key != out[i].Key {
				out[i].Also = append(out[i].Also, QuoteSource{Key: it.Key, Title: field(it, "title"), URL: safeURL(field(it, "url")), Team: it.Team})
			}
			continue
		}
		if len(out) >= max {
			continue // still read: a later item may repeat a quote shown
		}
		seen[norm] = len(out)
		out = append(out, Highlight{
			Quote: q, Title: field(it, "title"), URL: safeURL(field(it, "url")),
			Key: it.Key, Team: it.Team, Service: it.Service,
		})
	}
	return out
}

// sameWords normalizes a quote for comparison: lowercase, single spaces,
// no final stop.
func sameWords(q string) string {
	return strings.TrimRight(strings.Join(strings.Fields(strings.ToLower(q)), " "), ".!")
}

func actionItemOf(it store.AnalysisItem) ActionItem {
	return ActionItem{
		Key: it.Key, Title: field(it, "summary"), Priority: field(it, "priority"), Team: it.Team,
		Assignee: field(it, "assignee"), URL: safeURL(field(it, "url")), Postmortem: field(it, "postmortem"),
		Created: fieldTime(it, "created_at"), Due: fieldTime(it, "due_date"), Age: it.Value,
	}
}

// oldestActionItems lists the oldest open items: a team's in its rank
// order, the organization's by age across teams.
func (ix *itemIndex) oldestActionItems(team string, max int) []ActionItem {
	list := ix.pick(itemOldestOpen, "", team)
	if team == "" {
		list = append([]store.AnalysisItem(nil), list...)
		sort.SliceStable(list, func(i, j int) bool {
			if list[i].Value != list[j].Value {
				return list[i].Value > list[j].Value
			}
			return list[i].Key < list[j].Key
		})
	}
	var out []ActionItem
	seen := map[string]bool{}
	for _, it := range list {
		if seen[it.Key] {
			continue
		}
		seen[it.Key] = true
		out = append(out, actionItemOf(it))
		if len(out) >= max {
			break
		}
	}
	return out
}

// describeActionItems fills titles and links of listed items from the
// oldest-open items the run wrote about the same keys.
func (ix *itemIndex) describeActionItems(list []ActionItem) {
	byKey := map[string]store.AnalysisItem{}
	for _, it := range ix.byKind[itemOldestOpen] {
		byKey[it.Key] = it
	}
	for i := range list {
		if it, ok := byKey[list[i].Key]; ok {
			ai := actionItemOf(it)
			list[i].Title, list[i].URL, list[i].Assignee, list[i].Due = ai.Title, ai.URL, ai.Assignee, ai.Due
		}
	}
}

func (ix *itemIndex) recurringGroups(month, team string, max int) []RecurringGroup {
	var out []RecurringGroup
	for _, it := range ix.pick(itemRecurring, month, team) {
		g := RecurringGroup{
			Key: it.Key, Title: field(it, "title"), Service: it.Service, Team: it.Team, Reason: field(it, "reason"),
			Repeats: fieldInt(it, "repeats"), First: fieldTime(it, "first_at"), Last: fieldTime(it, "last_at"),
		}
		if it.Value > 0 && !math.IsInf(it.Value, 0) {
			g.Incidents = int(it.Value)
		}
		if u := safeURL(field(it, "url")); u != "" {
			g.Examples = append(g.Examples, Link{Title: "latest incident", URL: u})
		}
		out = append(out, g)
		if len(out) >= max {
			break
		}
	}
	return out
}

// themeInfo returns a theme's label and representative factor from the
// run's theme items.
func (ix *itemIndex) themeInfo(id string) (label, representative string) {
	for _, it := range ix.byKind[itemTheme] {
		if it.Key == id {
			return field(it, "label"), field(it, "representative_text")
		}
	}
	return "", ""
}

// setting is the run's item of setting key (analyze.ItemRunSetting; the
// zero item when the run recorded none).
func (ix *itemIndex) setting(key string) store.AnalysisItem {
	for _, it := range ix.byKind[analyze.ItemRunSetting] {
		if it.Key == key {
			return it
		}
	}
	return store.AnalysisItem{}
}

// themeTeamExample is the team's own example of a theme: the factor of its
// latest postmortem in the theme in month, or else in the latest earlier
// month of months that has one; with the postmortem's key. "" when the team
// has none.
func (ix *itemIndex) themeTeamExample(id, team, month string, months []string) (text, postmortem string) {
	best := ""
	for _, it := range ix.byKind[itemThemeTeam] {
		if it.Key != id || it.Team != team || it.Period > month || it.Period <= best || !slices.Contains(months, it.Period) {
			continue
		}
		if t := field(it, "text"); t != "" {
			best, text, postmortem = it.Period, t, field(it, "postmortem")
		}
	}
	return text, postmortem
}

// themeChanges describes the merges and splits the run recorded against the
// previous run (new and retired themes are routine and left out).
func (ix *itemIndex) themeChanges(label func(string) string, max int) []string {
	name := func(id string) string {
		if l := label(id); l != id {
			return quoted(l)
		}
		return "an earlier theme"
	}
	var out []string
	for _, it := range ix.pick(itemThemeChange, "", "") {
		ids := splitList(it.Field("themes"))
		var text string
		switch it.Field("change") {
		case "merge":
			var from []string
			for _, id := range ids {
				if id != it.Field("into") {
					from = append(from, name(id))
				}
			}
			if len(from) == 0 {
				continue
			}
			text = fmt.Sprintf("Since the previous analysis, %s merged into %s.", joinAnd(from), name(it.Field("into")))
		case "split":
			var parts []string
			for _, id := range ids {
				parts = append(parts, name(id))
			}
			text = fmt.Sprintf("Since the previous analysis, %s split into %s.", name(it.Field("from")), joinAnd(parts))
		default:
			continue
		}
		out = append(out, text)
		if len(out) >= max {
			break
		}
	}
	return out
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// findings picks examples of vague action items, one per rule. Blame
// findings are counted but never quoted: a leadership digest that repeats
// "X should have been more careful" would do the blaming itself.
func (ix *itemIndex) findings(month, team string, max int) []Finding {
	var out []Finding
	seen := map[string]bool{}
	for _, it := range ix.pick(itemFinding, month, team) {
		rule := field(it, "rule")
		// The examples are of wording: an item without an owner or a due
		// date may be worded well.
		if it.Field("subject") != "action_item" || seen[rule] || rule == language.RuleUnowned || rule == language.RuleNoDueDate {
			continue
		}
		seen[rule] = true
		out = append(out, Finding{
			Rule: rule, Sentence: field(it, "sentence"), Why: field(it, "why"), Subject: "action_item",
			Key: it.Key, Title: field(it, "title"), URL: safeURL(field(it, "url")), Source: "action item " + it.Key,
		})
		if len(out) >= max {
			break
		}
	}
	return out
}

// pendingFixes lists the fixes still owed while their failure repeats: a
// team's in its rank order, the organization's across teams in the same
// order (fixes.ComparePending: most repeats, then the latest repeat).
func (ix *itemIndex) pendingFixes(team string, max int) []PendingFix {
	type keyed struct {
		key fixes.PendingKey
		fix PendingFix
	}
	var all []keyed
	for _, it := range ix.pick(itemPendingFix, "", team) {
		p := PendingFix{
			Postmortem: it.Key, Title: field(it, "title"), URL: safeURL(field(it, "url")), Theme: field(it, "theme_label", "theme"),
			Team: it.Team, Service: it.Service, Repeats: int(it.Value), LastIncident: field(it, "last_incident"),
		}
		p.Since, _ = time.Parse(time.RFC3339, field(it, "since"))
		p.LastAt, _ = time.Parse(time.RFC3339, field(it, "last_at"))
		p.OpenItems, _ = strconv.Atoi(field(it, "open_items"))
		p.Items, _ = strconv.Atoi(field(it, "items"))
		all = append(all, keyed{fixes.PendingKey{Repeats: p.Repeats, LastAt: p.LastAt, Postmortem: p.Postmortem, Theme: field(it, "theme")}, p})
	}
	if team == "" {
		slices.SortStableFunc(all, func(a, b keyed) int { return fixes.ComparePending(a.key, b.key) })
	}
	var out []PendingFix
	for _, k := range all[:min(max, len(all))] {
		out = append(out, k.fix)
	}
	return out
}

func (ix *itemIndex) overduePostmortems(team string, max int) []OverduePostmortem {
	var out []OverduePostmortem
	for _, it := range ix.pick(itemOverduePM, "", team) {
		out = append(out, OverduePostmortem{
			Incident: it.Key, Title: field(it, "title"), Severity: field(it, "severity"), Stage: field(it, "stage"),
			Team: it.Team, URL: safeURL(field(it, "url")), Late: it.Value,
		})
	}
	// The most severe first (a SEV1 still without its postmortem is what
	// a leader asks about), then the latest.
	sort.SliceStable(out, func(i, j int) bool {
		if a, b := severityRank(out[i].Severity), severityRank(out[j].Severity); a != b {
			return a < b
		}
		return out[i].Late > out[j].Late
	})
	return out[:min(len(out), max)]
}
