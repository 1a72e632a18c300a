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
// else one factor per sub-heading; else one per list item; else the whole
// section as one factor. offset numbers factors that carry no number.
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
		if b.kind != blockList {
			continue
		}
		for _, it := range b.items {
			name, text := splitNameText(it)
			fs = append(fs, Factor{Ordinal: offset + len(fs) + 1, Name: name, Text: text})
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
