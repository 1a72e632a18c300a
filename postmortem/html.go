package postmortem

import "strings"

// maxHTMLTableLines bounds how far the closing tag of an HTML table
// embedded in Markdown is searched for.
const maxHTMLTableLines = 5000

// htmlTable reads an HTML table embedded in Markdown ("<table>" ...
// "</table>", as Markdown exports of Confluence and GitHub postmortems
// contain) starting at lines[i]; it returns the table and the index of its
// last line, or ok false and the last line searched when the table is not
// closed (the lines are then text, and no table is looked for again up to
// that line, which keeps hostile input linear). Rows are <tr> elements, cells <td> and <th>; the first row is a
// header when all its cells are <th> or it is inside <thead>. Tags inside a
// cell are dropped (<br> and block tags become a space) and character
// references decoded. Nested tables are read as text of their cell.
func htmlTable(lines []string, i int) (block, int, bool) {
	depth := 0
	for k := i; k < len(lines) && k-i < maxHTMLTableLines; k++ {
		lower := strings.ToLower(lines[k])
		depth += strings.Count(lower, "<table") - strings.Count(lower, "</table")
		if depth <= 0 {
			return htmlTableBlock(strings.Join(lines[i:k+1], "\n")), k, true
		}
	}
	return block{}, min(len(lines), i+maxHTMLTableLines) - 1, false
}

// htmlTableBlock parses the rows of one HTML table.
func htmlTableBlock(s string) block {
	var (
		rows      [][]string
		row       []string
		cell      strings.Builder
		inCell    bool
		rowHeader bool // every cell of the row so far is a <th>
		inHead    bool
		header    bool
		depth     int // table nesting
	)
	endCell := func() {
		if inCell {
			row = append(row, collapseSpace(cell.String()))
			cell.Reset()
			inCell = false
		}
	}
	endRow := func() {
		endCell()
		if len(row) > 0 {
			if len(rows) == 0 {
				header = rowHeader || inHead
			}
			rows = append(rows, row)
		}
		row, rowHeader = nil, true
	}
	rowHeader = true
	for k := 0; k < len(s); {
		c := s[k]
		if c == '&' {
			if txt, n := decodeEntity(s[k:]); n > 0 {
				if inCell {
					cell.WriteString(txt)
				}
				k += n
				continue
			}
		}
		if c != '<' || k+1 >= len(s) || !isHTMLTagStart(s[k+1]) {
			if inCell {
				cell.WriteByte(c)
			}
			k++
			continue
		}
		close := strings.IndexByte(s[k:], '>')
		if close < 0 {
			if inCell {
				cell.WriteString(s[k:])
			}
			break
		}
		name, closing := htmlTagName(s[k+1 : k+close])
		k += close + 1
		if depth > 1 && name != "table" {
			if inCell {
				cell.WriteByte(' ') // inner table markup separates words
			}
			continue
		}
		switch name {
		case "table":
			if closing {
				depth--
			} else {
				depth++
			}
			if depth > 1 || (depth == 1 && closing) {
				if inCell {
					cell.WriteByte(' ')
				}
			}
		case "thead":
			inHead = !closing
		case "tr":
			endRow()
		case "td", "th":
			endCell()
			if !closing {
				inCell = true
				if name == "td" {
					rowHeader = false
				}
			}
		case "br", "p", "div", "li":
			if inCell {
				cell.WriteByte(' ')
			}
		}
	}
	endRow()
	return block{kind: blockTable, rows: rows, header: header}
}

// htmlTagName returns the lower-case name of the tag whose text between "<"
// and ">" is inner, and whether it is a closing tag.
func htmlTagName(inner string) (string, bool) {
	closing := strings.HasPrefix(inner, "/")
	inner = strings.TrimPrefix(inner, "/")
	j := 0
	for j < len(inner) && (inner[j] >= 'a' && inner[j] <= 'z' || inner[j] >= 'A' && inner[j] <= 'Z' || inner[j] >= '0' && inner[j] <= '9') {
		j++
	}
	return strings.ToLower(inner[:j]), closing
}

func isHTMLTagStart(c byte) bool {
	return c == '/' || c == '!' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}
