package postmortem

import (
	"regexp"
	"strconv"
	"strings"
)

// reFactorMarker matches a contributing-factor marker line: "Factor 2: name",
// "Factor #2 - name", "Contributing factor 2." or a bare "Factor 2".
var reFactorMarker = regexp.MustCompile(`(?i)^(?:contributing\s+|causal\s+)?factor\s*(?:#|no\.?)?\s*(\d{1,4})\s*(?:[:.)\-–—]\s*(.*))?$`)

// factorMarker reads a marker line, returning its number and name.
func factorMarker(line string) (int, string, bool) {
	m := reFactorMarker.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		return 0, "", false
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return 0, "", false
	}
	return n, strings.TrimSpace(m[2]), true
}

// factorsOf extracts contributing factors from a factors section: "Factor N:
// name" markers (headings, bold lines, lines or list items) followed by text;
// else one factor per sub-heading; else one per list item and table row (see
// tableFactors); else the whole section as one factor. offset numbers factors that carry no number.
func factorsOf(content []block, offset int) []Factor {
	if fs := markedFactors(content); len(fs) > 0 {
		return fs
	}
	var fs []Factor
	// One factor per sub-heading.
	var cur *Factor
	var body []block
	end := func() {
		if cur != nil {
			cur.Text = plainText(body)
			fs = append(fs, *cur)
		}
		body = nil
	}
	for _, b := range content {
		if b.headingLevel() > 0 {
			end()
			cur = &Factor{Ordinal: offset + len(fs) + 1, Name: b.text}
			continue
		}
		body = append(body, b)
	}
	end()
	if len(fs) > 0 {
		return fs
	}
	for _, b := range content {
		switch b.kind {
		case blockList:
			for _, it := range b.items {
				name, text := splitNameText(it)
				fs = append(fs, Factor{Ordinal: offset + len(fs) + 1, Name: name, Text: text})
			}
		case blockTable:
			fs = append(fs, tableFactors(b, offset+len(fs))...)
		}
	}
	if len(fs) > 0 {
		return fs
	}
	if text := plainText(content); text != "" {
		return []Factor{{Ordinal: offset + 1, Text: text}}
	}
	return nil
}

func markedFactors(content []block) []Factor {
	var fs []Factor
	var body []block
	var para []string
	have := false
	flushPara := func() {
		if len(para) > 0 {
			body = append(body, block{kind: blockParagraph, text: strings.Join(para, "\n")})
			para = para[:0]
		}
	}
	end := func() {
		flushPara()
		if have {
			fs[len(fs)-1].Text = joinText(fs[len(fs)-1].Text, plainText(body))
		}
		body = nil
	}
	start := func(n int, name, text string) {
		end()
		name, lead := splitLongName(name)
		fs = append(fs, Factor{Ordinal: n, Name: name, Text: joinText(lead, text)})
		have = true
	}
	for _, b := range content {
		switch {
		case b.headingLevel() > 0:
			if n, name, ok := factorMarker(b.text); ok {
				start(n, name, "")
				continue
			}
			if have {
				body = append(body, b)
			}
		case b.kind == blockParagraph:
			for _, line := range strings.Split(b.text, "\n") {
				if n, name, ok := factorMarker(line); ok {
					start(n, name, "")
					continue
				}
				if have {
					para = append(para, line)
				}
			}
			flushPara()
		case b.kind == blockList:
			var rest []string
			for _, it := range b.items {
				if n, name, ok := factorMarker(it); ok {
					if len(rest) > 0 && have {
						body = append(body, block{kind: blockList, items: rest, ordered: b.ordered})
					}
					rest = nil
					nm, text := splitNameText(name)
					if nm == "" {
						nm, text = text, ""
					}
					start(n, nm, text)
					continue
				}
				rest = append(rest, it)
			}
			if len(rest) > 0 && have {
				body = append(body, block{kind: blockList, items: rest, ordered: b.ordered})
			}
		default:
			if have {
				body = append(body, b)
			}
		}
	}
	end()
	return fs
}

var reNameText = regexp.MustCompile(`^(.{1,80}?)(?::\s+|\s+[-–—]\s+)(.+)$`)

// splitNameText splits a list item "Name: text" or "Name - text" with a short
// name; otherwise the item is all text.
func splitNameText(item string) (name, text string) {
	item = strings.TrimSpace(item)
	if m := reNameText.FindStringSubmatch(item); m != nil && len(strings.Fields(m[1])) <= 10 {
		return strings.TrimSpace(m[1]), strings.TrimSpace(m[2])
	}
	return "", item
}

// splitLongName keeps the first sentence of a marker line as the factor name
// when the line runs on ("Factor 1: Config change. The deploy ...").
func splitLongName(name string) (string, string) {
	if len(strings.Fields(name)) <= 12 {
		return name, ""
	}
	for _, sep := range []string{". ", " - ", " — ", " – "} {
		if k := strings.Index(name, sep); k > 0 && len(strings.Fields(name[:k])) <= 12 {
			return strings.TrimSpace(name[:k]), strings.TrimSpace(name[k+len(sep):])
		}
	}
	return name, ""
}

// Factor table columns, matched against the normalized header cell.
var (
	reFactorNameColumn = regexp.MustCompile(`^(?:name|factor|factors|(?:contributing|causal) factors?|contributors?|(?:root )?causes?|title|category|area|problem|issue)$`)
	reFactorTextColumn = regexp.MustCompile(`^(?:description|descriptions|details?|explanation|text|notes?|why|how|analysis|comments?|evidence|discussion|context)$`)
	reFactorNumColumn  = regexp.MustCompile(`^(?:no|nr|num|number|n|id|index|seq)$`)
	reOrdinalCell      = regexp.MustCompile(`^(?:#?\d{1,4}\.?|(?i:(?:contributing\s+|causal\s+)?factor\s*(?:#|no\.?)?\s*\d{1,4}))$`)
)

// factorColumn is what a factor table column holds.
type factorColumn uint8

const (
	colOther factorColumn = iota
	colName
	colText
	colNumber
)

func factorColumnOf(header string) factorColumn {
	h := strings.TrimSpace(header)
	if h == "#" || h == "№" {
		return colNumber
	}
	n := normalizeHeading(h)
	switch {
	case reFactorNameColumn.MatchString(n):
		return colName
	case reFactorTextColumn.MatchString(n):
		return colText
	case reFactorNumColumn.MatchString(n):
		return colNumber
	}
	return colOther
}

// tableFactors reads one factor per table row. The first row is a header when
// the format marks it as one (a Markdown delimiter row, ADF tableHeader cells,
// a wiki "||" row) or when every cell of it names a factor column. The name
// comes from the column headed name, factor or cause, else from the first
// column that holds neither numbers nor descriptions; the text from the other
// columns, each but the description prefixed with its header ("Severity:
// high"). A column of numbers or "Factor N" cells is left out. With a single
// text column, the name is split off as in list items ("Name: text").
func tableFactors(b block, offset int) []Factor {
	rows := b.rows
	if len(rows) == 0 {
		return nil
	}
	width := 0
	for _, r := range rows {
		width = max(width, len(r))
	}
	var head []string
	if b.header || isFactorHeader(rows[0]) {
		head, rows = rows[0], rows[1:]
	}
	kinds := make([]factorColumn, width)
	for i := range kinds {
		if i < len(head) {
			kinds[i] = factorColumnOf(head[i])
		}
		// A numbering column: numbers or "Factor N" in the first column or
		// under a name header ("| Factor | Description |" with "1", "2").
		if (i == 0 || kinds[i] == colName) && ordinalColumn(rows, i) {
			kinds[i] = colNumber
		}
	}
	nameCol := -1
	for i, k := range kinds {
		if k == colName {
			nameCol = i
			break
		}
	}
	if nameCol < 0 {
		for i, k := range kinds {
			if k == colOther {
				nameCol = i
				break
			}
		}
	}
	if nameCol < 0 {
		for i, k := range kinds {
			if k != colNumber {
				nameCol = i
				break
			}
		}
	}
	if nameCol < 0 {
		return nil // only numbers
	}
	textCols := 0
	for i, k := range kinds {
		if i != nameCol && k != colNumber {
			textCols++
		}
	}
	var fs []Factor
	for _, row := range rows {
		name := cellAt(row, nameCol)
		if _, nm, ok := factorMarker(name); ok && nm != "" {
			name = nm
		}
		var parts []string
		for i, k := range kinds {
			c := cellAt(row, i)
			if i == nameCol || k == colNumber || c == "" {
				continue
			}
			if k != colText && i < len(head) && strings.TrimSpace(head[i]) != "" && textCols > 1 {
				c = strings.TrimSpace(head[i]) + ": " + c
			}
			parts = append(parts, c)
		}
		text := strings.Join(parts, "\n")
		if textCols == 0 {
			name, text = splitNameText(name)
		}
		if name == "" && text == "" {
			continue
		}
		fs = append(fs, Factor{Ordinal: offset + len(fs) + 1, Name: name, Text: text})
	}
	return fs
}

// isFactorHeader reports whether a row not marked as a header is one: every
// non-empty cell names a factor column, and at least one names the name or
// the description.
func isFactorHeader(row []string) bool {
	named := false
	for _, c := range row {
		if strings.TrimSpace(c) == "" {
			continue
		}
		switch factorColumnOf(c) {
		case colOther:
			return false
		case colName, colText:
			named = true
		}
	}
	return named
}

// ordinalColumn reports whether every non-empty cell of column i is a number
// or a bare "Factor N".
func ordinalColumn(rows [][]string, i int) bool {
	seen := false
	for _, r := range rows {
		c := cellAt(r, i)
		if c == "" {
			continue
		}
		if !reOrdinalCell.MatchString(c) {
			return false
		}
		seen = true
	}
	return seen
}

func cellAt(row []string, i int) string {
	if i < 0 || i >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[i])
}
