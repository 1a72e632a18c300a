package postmortem

import (
	"regexp"
	"strings"
)

var (
	reTimeColumn = regexp.MustCompile(`^(?:time|times|when|timestamp|date|date time|datetime|time utc|time date|at|clock)(?: (?:utc|pt|et|gmt))?$`)
	reTextColumn = regexp.MustCompile(`^(?:event|events|description|what happened|what|details|action|actions|text|update|note|notes|activity|summary|message|entry)$`)
)

// timelineRows extracts rows from tables (time column found by header name,
// else the first column) and from lines or list items that start with a time
// ("10:04 - paged", "2024-01-02 10:04 UTC paged"). A line without a time
// continues the row before it in the same paragraph.
func timelineRows(content []block) []TimelineRow {
	var out []TimelineRow
	var clock stampClock
	for _, b := range content {
		switch b.kind {
		case blockTable:
			out = append(out, timelineTable(b, &clock)...)
		case blockList:
			for _, it := range b.items {
				if st, raw, rest, ok := parseStamp(it); ok {
					out = append(out, TimelineRow{At: clock.resolve(st), Time: raw, Text: rest})
				} else if it = strings.TrimSpace(it); it != "" {
					out = append(out, TimelineRow{Text: it})
				}
			}
		case blockParagraph, blockCode, blockHeading:
			var cont []string // lines continuing the last row
			inRow := false
			endRow := func() {
				if inRow && len(cont) > 0 {
					last := &out[len(out)-1]
					last.Text = strings.TrimSpace(last.Text + "\n" + strings.Join(cont, "\n"))
				}
				cont, inRow = nil, false
			}
			for _, line := range splitInlineStamps(strings.Split(b.text, "\n")) {
				line = strings.TrimSpace(line)
				if line == "" {
					continue
				}
				if st, raw, rest, ok := parseStamp(line); ok {
					endRow()
					at := clock.resolve(st)
					if rest == "" && !st.hasTime {
						continue // a date line ("2024-01-02") heads the rows after it
					}
					out = append(out, TimelineRow{At: at, Time: raw, Text: rest})
					inRow = true
					continue
				}
				if inRow {
					cont = append(cont, line)
				}
			}
			endRow()
		}
	}
	return out
}

// splitInlineStamps breaks a line where a sentence ends and a new stamp with
// a date or a zone begins: timelines flattened onto one line ("... in West
// Europe. 3/18/2021 23:10 UTC - fail over ...").
func splitInlineStamps(lines []string) []string {
	var out []string
	for _, line := range lines {
		start := 0
		for i := 0; i+2 < len(line); i++ {
			if (line[i] != '.' && line[i] != ';') || line[i+1] != ' ' || i+2 == start {
				continue
			}
			if st, _, _, ok := parseStamp(line[i+2:]); ok && (st.hasDate || st.loc != nil) {
				out = append(out, line[start:i+1])
				start = i + 2
			}
		}
		out = append(out, line[start:])
	}
	return out
}

func timelineTable(b block, clock *stampClock) []TimelineRow {
	rows := b.rows
	timeCol, textCol := 0, -1
	if len(rows) == 0 {
		return nil
	}
	isHeader := b.header
	if !isHeader {
		if _, _, _, ok := parseStamp(firstCell(rows[0])); !ok {
			for _, c := range rows[0] {
				if reTimeColumn.MatchString(normalizeHeading(c)) {
					isHeader = true
				}
			}
		}
	}
	if isHeader {
		for i, c := range rows[0] {
			if reTimeColumn.MatchString(normalizeHeading(c)) {
				timeCol = i
				break
			}
		}
		for i, c := range rows[0] {
			if i != timeCol && reTextColumn.MatchString(normalizeHeading(c)) {
				textCol = i
				break
			}
		}
		rows = rows[1:]
	}
	var out []TimelineRow
	for _, row := range rows {
		if timeCol >= len(row) {
			continue
		}
		raw := strings.TrimSpace(row[timeCol])
		var text string
		if textCol >= 0 {
			if textCol < len(row) {
				text = row[textCol]
			}
		} else {
			var parts []string
			for i, c := range row {
				if i != timeCol && strings.TrimSpace(c) != "" {
					parts = append(parts, strings.TrimSpace(c))
				}
			}
			text = strings.Join(parts, " ")
		}
		text = strings.TrimSpace(text)
		if raw == "" && text == "" {
			continue
		}
		r := TimelineRow{Time: raw, Text: text}
		if st, _, rest, ok := parseStamp(raw); ok && rest == "" {
			r.At = clock.resolve(st)
		}
		out = append(out, r)
	}
	return out
}

func firstCell(row []string) string {
	if len(row) == 0 {
		return ""
	}
	return row[0]
}
