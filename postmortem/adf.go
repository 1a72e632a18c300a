package postmortem

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// adfNode is an ADF node as decoded. Fields of the wrong JSON type are left
// empty rather than failing the document.
type adfNode struct {
	Type    string         `json:"type"`
	Text    string         `json:"text"`
	Attrs   map[string]any `json:"attrs"`
	Content []adfNode      `json:"content"`
	Marks   []adfNode      `json:"marks"`
}

// ParseADF parses a postmortem in Atlassian Document Format (the description
// format of Jira's REST API v3). It fails only when doc is not a JSON object;
// values of unexpected types are ignored, and node types it does not know
// contribute their text.
func ParseADF(doc []byte) (*Document, error) {
	if t := bytes.TrimLeft(doc, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil, errors.New("postmortem: adf: document is not a JSON object")
	}
	var root adfNode
	if err := json.Unmarshal(doc, &root); err != nil {
		var typeErr *json.UnmarshalTypeError
		if !errors.As(err, &typeErr) {
			return nil, fmt.Errorf("postmortem: adf: %w", err)
		}
	}
	var blocks []block
	adfBlocks(&root, &blocks, 0)
	return build(blocks), nil
}

// ParseADFValue parses an ADF document that was already decoded from JSON
// into maps and slices (as encoding/json decodes into an interface value,
// which is how Jira clients hand over a v3 description).
func ParseADFValue(v any) (*Document, error) {
	if _, ok := v.(map[string]any); !ok {
		return nil, errors.New("postmortem: adf: document is not a JSON object")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("postmortem: adf: %w", err)
	}
	return ParseADF(b)
}

// maxADFDepth bounds recursion on hostile documents; deeper content is read
// as text.
const maxADFDepth = 200

func (n *adfNode) attr(key string) any {
	if n.Attrs == nil {
		return nil
	}
	return n.Attrs[key]
}

// adfBlockTypes are node types that hold blocks rather than inline content.
var adfBlockTypes = map[string]bool{
	"doc": true, "paragraph": true, "heading": true, "bulletList": true, "orderedList": true,
	"taskList": true, "decisionList": true, "table": true, "codeBlock": true, "rule": true,
	"panel": true, "blockquote": true, "expand": true, "nestedExpand": true, "layoutSection": true,
	"layoutColumn": true, "bodiedExtension": true, "mediaSingle": true, "mediaGroup": true,
	"blockCard": true, "embedCard": true,
}

// adfBlocks appends the blocks of node n (a block node or a container).
func adfBlocks(n *adfNode, out *[]block, depth int) {
	if depth > maxADFDepth {
		if t := collapseSpace(adfText(n, 0)); t != "" {
			*out = append(*out, block{kind: blockParagraph, text: t})
		}
		return
	}
	switch n.Type {
	case "paragraph":
		*out = append(*out, paraLineBlocks(adfLines(n, depth))...)
	case "heading":
		level := 1
		if f, ok := n.attr("level").(float64); ok && f >= 1 && f <= 6 {
			level = int(f)
		}
		text, _ := adfInline(n, depth)
		*out = append(*out, block{kind: blockHeading, level: level, text: collapseSpace(text)})
	case "bulletList", "orderedList", "taskList", "decisionList":
		var items []string
		for i := range n.Content {
			if t := collapseSpace(adfText(&n.Content[i], depth+1)); t != "" {
				items = append(items, t)
			}
		}
		if len(items) > 0 {
			*out = append(*out, block{kind: blockList, items: items, ordered: n.Type == "orderedList"})
		}
	case "table":
		var rows [][]string
		header := false
		for r := range n.Content {
			row := &n.Content[r]
			var cells []string
			allHeader := true
			for c := range row.Content {
				cell := &row.Content[c]
				cells = append(cells, collapseSpace(adfText(cell, depth+1)))
				if cell.Type != "tableHeader" {
					allHeader = false
				}
			}
			if len(cells) == 0 {
				continue
			}
			if len(rows) == 0 {
				header = allHeader
			}
			rows = append(rows, cells)
		}
		if len(rows) > 0 {
			*out = append(*out, block{kind: blockTable, rows: rows, header: header})
		}
	case "codeBlock":
		if t := strings.TrimSpace(adfText(n, depth+1)); t != "" {
			*out = append(*out, block{kind: blockCode, text: t})
		}
	case "rule", "mediaSingle", "mediaGroup", "media":
		// no text
	default:
		hasBlocks := false
		for i := range n.Content {
			if adfBlockTypes[n.Content[i].Type] {
				hasBlocks = true
				break
			}
		}
		if hasBlocks {
			for i := range n.Content {
				c := &n.Content[i]
				if adfBlockTypes[c.Type] {
					adfBlocks(c, out, depth+1)
				} else if t := collapseLines(adfText(c, depth+1)); t != "" {
					*out = append(*out, block{kind: blockParagraph, text: t})
				}
			}
			return
		}
		if t := collapseLines(adfText(n, depth+1)); t != "" {
			*out = append(*out, block{kind: blockParagraph, text: t})
		}
	}
}

// adfInline returns the text of an inline container and whether all of its
// text is marked strong.
func adfInline(n *adfNode, depth int) (string, bool) {
	return adfInlineNodes(n.Content, depth)
}

func adfInlineNodes(nodes []adfNode, depth int) (string, bool) {
	var b strings.Builder
	allStrong, seen := true, false
	for i := range nodes {
		c := &nodes[i]
		if c.Type == "text" {
			if strings.TrimSpace(c.Text) != "" {
				seen = true
				if !c.hasMark("strong") {
					allStrong = false
				}
			}
			b.WriteString(c.Text)
			continue
		}
		t := adfText(c, depth+1)
		if strings.TrimSpace(t) != "" {
			seen, allStrong = true, false
		}
		b.WriteString(t)
	}
	return b.String(), seen && allStrong
}

// adfLines reads a paragraph line by line (lines end at hardBreak nodes): a
// line whose text is all strong is bold, and a line that starts with strong
// text ending in a colon, or followed by one, starts with a bold label.
func adfLines(n *adfNode, depth int) []paraLine {
	var out []paraLine
	start := 0
	for i := 0; i <= len(n.Content); i++ {
		if i < len(n.Content) && n.Content[i].Type != "hardBreak" {
			continue
		}
		out = append(out, adfLine(n.Content[start:i], depth))
		start = i + 1
	}
	return out
}

func adfLine(nodes []adfNode, depth int) paraLine {
	text, bold := adfInlineNodes(nodes, depth)
	if bold {
		return paraLine{text: strings.TrimSuffix(strings.TrimSpace(text), ":"), bold: true}
	}
	pl := paraLine{text: text}
	// The strong text nodes the line starts with (blank text nodes skipped).
	var label strings.Builder
	k := 0
	for ; k < len(nodes); k++ {
		c := &nodes[k]
		if c.Type != "text" || (!c.hasMark("strong") && strings.TrimSpace(c.Text) != "") {
			break
		}
		label.WriteString(c.Text)
	}
	l := strings.TrimSpace(label.String())
	if l == "" {
		return pl
	}
	rest, _ := adfInlineNodes(nodes[k:], depth)
	switch {
	case strings.HasSuffix(l, ":"):
		pl.label, pl.rest, pl.lead = strings.TrimSuffix(l, ":"), rest, true
	case strings.HasPrefix(strings.TrimSpace(rest), ":"):
		pl.label, pl.rest, pl.lead = l, strings.TrimPrefix(strings.TrimSpace(rest), ":"), true
	}
	return pl
}

func (n *adfNode) hasMark(mark string) bool {
	for _, m := range n.Marks {
		if m.Type == mark {
			return true
		}
	}
	return false
}

func (n *adfNode) attrString(key string) string {
	s, _ := n.attr(key).(string)
	return s
}

// adfText returns the plain text of any node: inline nodes by their visible
// text, block nodes' children separated by line breaks.
func adfText(n *adfNode, depth int) string {
	if depth > maxADFDepth*4 {
		return ""
	}
	switch n.Type {
	case "text":
		return n.Text
	case "hardBreak":
		return "\n"
	case "mention":
		if t := n.attrString("text"); t != "" {
			return t
		}
		if t := n.attrString("id"); t != "" {
			return "@" + t
		}
		return ""
	case "emoji":
		if t := n.attrString("text"); t != "" {
			return t
		}
		return n.attrString("shortName")
	case "inlineCard", "blockCard", "embedCard":
		return n.attrString("url")
	case "status":
		return n.attrString("text")
	case "date":
		switch ts := n.attr("timestamp").(type) {
		case string:
			var ms int64
			if _, err := fmt.Sscan(ts, &ms); err == nil && ms > -1e15 && ms < 1e15 {
				return time.UnixMilli(ms).UTC().Format("2006-01-02")
			}
			return ts
		case float64:
			if ts > -1e15 && ts < 1e15 {
				return time.UnixMilli(int64(ts)).UTC().Format("2006-01-02")
			}
		}
		return ""
	}
	var b strings.Builder
	isBlock := adfBlockTypes[n.Type] || n.Type == "listItem" || n.Type == "tableCell" || n.Type == "tableHeader" || n.Type == "tableRow"
	for i := range n.Content {
		c := &n.Content[i]
		if isBlock && i > 0 && adfBlockTypes[c.Type] {
			b.WriteString("\n")
		}
		b.WriteString(adfText(c, depth+1))
	}
	return b.String()
}

// RenderADF renders d as an ADF document (version 1): heading nodes for the
// title (level 1), sections (2) and factors (3), paragraphs with hardBreak
// nodes for line breaks, bulletList/orderedList nodes, and tables with a
// tableHeader row for the timeline and the action items.
func RenderADF(d *Document) ([]byte, error) {
	doc := adfDoc{Version: 1, Type: "doc", Content: []adfOut{}}
	for _, bl := range renderBlocks(d) {
		switch bl.kind {
		case blockHeading:
			doc.Content = append(doc.Content, adfOut{
				Type:    "heading",
				Attrs:   &adfAttrs{Level: bl.level},
				Content: adfTextNodes(collapseSpace(bl.text)),
			})
		case blockParagraph:
			doc.Content = append(doc.Content, adfParagraph(bl.text))
		case blockList:
			typ := "bulletList"
			if bl.ordered {
				typ = "orderedList"
			}
			items := make([]adfOut, 0, len(bl.items))
			for _, it := range bl.items {
				items = append(items, adfOut{Type: "listItem", Content: []adfOut{adfParagraph(collapseSpace(it))}})
			}
			doc.Content = append(doc.Content, adfOut{Type: typ, Content: items})
		case blockTable:
			rows := make([]adfOut, 0, len(bl.rows))
			for r, row := range bl.rows {
				cellType := "tableCell"
				if r == 0 && bl.header {
					cellType = "tableHeader"
				}
				cells := make([]adfOut, 0, len(row))
				for _, c := range row {
					cells = append(cells, adfOut{Type: cellType, Content: []adfOut{adfParagraph(collapseSpace(c))}})
				}
				rows = append(rows, adfOut{Type: "tableRow", Content: cells})
			}
			noNumbers := false
			doc.Content = append(doc.Content, adfOut{
				Type:    "table",
				Attrs:   &adfAttrs{IsNumberColumnEnabled: &noNumbers, Layout: "default"},
				Content: rows,
			})
		}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("postmortem: render adf: %w", err)
	}
	return out, nil
}

// adfDoc, adfOut and adfAttrs are the rendered node shapes; empty fields are
// left out, as ADF wants (no empty text nodes, optional content and attrs).
type adfDoc struct {
	Version int      `json:"version"`
	Type    string   `json:"type"`
	Content []adfOut `json:"content"`
}

type adfOut struct {
	Type    string    `json:"type"`
	Attrs   *adfAttrs `json:"attrs,omitempty"`
	Content []adfOut  `json:"content,omitempty"`
	Text    string    `json:"text,omitempty"`
}

type adfAttrs struct {
	Level                 int    `json:"level,omitempty"`
	IsNumberColumnEnabled *bool  `json:"isNumberColumnEnabled,omitempty"`
	Layout                string `json:"layout,omitempty"`
}

func adfParagraph(text string) adfOut {
	var nodes []adfOut
	for i, l := range strings.Split(text, "\n") {
		if i > 0 {
			nodes = append(nodes, adfOut{Type: "hardBreak"})
		}
		nodes = append(nodes, adfTextNodes(strings.TrimSpace(l))...)
	}
	return adfOut{Type: "paragraph", Content: nodes}
}

// adfTextNodes returns a text node for s, or none when s is empty (ADF
// forbids empty text nodes).
func adfTextNodes(s string) []adfOut {
	if s == "" {
		return nil
	}
	return []adfOut{{Type: "text", Text: s}}
}
