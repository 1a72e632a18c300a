package postmortem

import (
	"regexp"
	"strings"
)

// actionField is the ActionItemRow field a table column fills.
type actionField int

const (
	fieldNone actionField = iota
	fieldKey
	fieldSummary
	fieldOwner
	fieldPriority
	fieldDue
)

var actionColumns = []struct {
	field actionField
	re    *regexp.Regexp
}{
	{fieldKey, regexp.MustCompile(`^(?:key|jira|jira key|jira issue|jira ticket|ticket|tickets|ticket id|issue|issue key|id|link|ref|reference|tracking|tracker|bug)$`)},
	{fieldSummary, regexp.MustCompile(`^(?:item|items|action|actions|action items?|summary|description|task|tasks|what|title|follow ?ups?|remediation|details|name)$`)},
	{fieldOwner, regexp.MustCompile(`^(?:owner|owners|assignee|assigned to|who|responsible|dri|team)$`)},
	{fieldPriority, regexp.MustCompile(`^(?:priority|prio|pri|p|importance)$`)},
	{fieldDue, regexp.MustCompile(`^(?:due|due date|deadline|target|target date|eta|by when|when|date|due by)$`)},
}

func columnField(header string) actionField {
	n := normalizeHeading(header)
	for _, c := range actionColumns {
		if c.re.MatchString(n) {
			return c.field
		}
	}
	return fieldNone
}

var reIssueKey = regexp.MustCompile(`\b[A-Z][A-Z0-9_]{1,9}-\d{1,7}\b`)

// actionItemsOf extracts action items from table rows (columns found by
// header name) and list items.
func actionItemsOf(content []block) []ActionItemRow {
	var out []ActionItemRow
	for _, b := range content {
		switch b.kind {
		case blockTable:
			out = append(out, actionTable(b)...)
		case blockList:
			for _, it := range b.items {
				if r := actionListItem(it); r.Summary != "" || r.Key != "" {
					out = append(out, r)
				}
			}
		}
	}
	return out
}

func actionTable(b block) []ActionItemRow {
	if len(b.rows) == 0 {
		return nil
	}
	cols := map[actionField]int{}
	rows := b.rows
	header := b.header
	if !header {
		known := 0
		for _, c := range rows[0] {
			if columnField(c) != fieldNone {
				known++
			}
		}
		header = known >= 2 && known*2 >= len(rows[0])
	}
	if header {
		for i, c := range rows[0] {
			if f := columnField(c); f != fieldNone {
				if _, dup := cols[f]; !dup {
					cols[f] = i
				}
			}
		}
		rows = rows[1:]
		if _, ok := cols[fieldSummary]; !ok {
			used := map[int]bool{}
			for _, i := range cols {
				used[i] = true
			}
			for i := range b.rows[0] {
				if !used[i] {
					cols[fieldSummary] = i
					break
				}
			}
		}
	} else if len(rows[0]) == 5 {
		cols = map[actionField]int{fieldKey: 0, fieldSummary: 1, fieldOwner: 2, fieldPriority: 3, fieldDue: 4}
	} else {
		cols = map[actionField]int{fieldSummary: 0}
	}
	cell := func(row []string, f actionField) string {
		i, ok := cols[f]
		if !ok || i >= len(row) {
			return ""
		}
		return strings.TrimSpace(row[i])
	}
	var out []ActionItemRow
	for _, row := range rows {
		r := ActionItemRow{
			Key:      cell(row, fieldKey),
			Summary:  cell(row, fieldSummary),
			Owner:    cell(row, fieldOwner),
			Priority: cell(row, fieldPriority),
			Due:      cell(row, fieldDue),
		}
		if k := reIssueKey.FindString(r.Key); k != "" {
			r.Key = k
		}
		if r == (ActionItemRow{}) {
			continue
		}
		out = append(out, r)
	}
	return out
}

var (
	reItemKey      = regexp.MustCompile(`^\[?([A-Z][A-Z0-9_]{1,9}-\d{1,7})\]?\s*(?:[:\-–—]\s*)?`)
	reItemParens   = regexp.MustCompile(`\s*\(([^()]*)\)\s*\.?$`)
	reItemOwner    = regexp.MustCompile(`(?i)\b(?:owner|assignee|assigned to)\s*[:=]?\s*([^,;]+)`)
	reItemPriority = regexp.MustCompile(`(?i)\bpriority\s*[:=]?\s*([^,;]+)|\b(P[0-4])\b`)
	reItemDue      = regexp.MustCompile(`(?i)\bdue(?: date| by)?\s*[:=]?\s*([^,;]+)`)
)

// actionListItem reads "ACT-12: Add alerting (owner: alice, P2, due
// 2026-01-31)": an optional leading key and an optional trailing parenthesis
// with owner, priority and due date.
func actionListItem(item string) ActionItemRow {
	var r ActionItemRow
	item = strings.TrimSpace(item)
	if m := reItemKey.FindStringSubmatch(item); m != nil {
		r.Key = m[1]
		item = item[len(m[0]):]
	}
	if m := reItemParens.FindStringSubmatchIndex(item); m != nil {
		inner := item[m[2]:m[3]]
		found := false
		if o := reItemOwner.FindStringSubmatch(inner); o != nil {
			r.Owner, found = strings.TrimSpace(o[1]), true
		}
		if p := reItemPriority.FindStringSubmatch(inner); p != nil {
			r.Priority, found = strings.TrimSpace(p[1]+p[2]), true
		}
		if dd := reItemDue.FindStringSubmatch(inner); dd != nil {
			r.Due, found = strings.TrimSpace(dd[1]), true
		}
		if found {
			item = item[:m[0]]
		}
	}
	r.Summary = strings.TrimSpace(item)
	return r
}
