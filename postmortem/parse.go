package postmortem

import (
	"encoding/json"
	"regexp"
	"strings"
)

// Format is a postmortem text format.
type Format string

// The formats Parse recognises.
const (
	FormatMarkdown Format = "markdown"
	FormatWiki     Format = "wiki"
	FormatADF      Format = "adf"
)

var reWikiSignal = regexp.MustCompile(`(?m)^[ \t]*(?:h[1-6]\.[ \t]|\|\||bq\.[ \t]|\{(?:code|noformat|panel|quote)[:}])`)

// DetectFormat guesses the format of text: ADF when it is a JSON object with
// "type": "doc", Jira wiki markup when a line starts with "h1." .. "h6.",
// "||", "bq." or a {code}/{noformat}/{panel}/{quote} macro, else Markdown
// (which also covers plain text).
func DetectFormat(text string) Format {
	t := strings.TrimSpace(strings.TrimPrefix(text, "\ufeff"))
	if strings.HasPrefix(t, "{") {
		var probe struct {
			Type string `json:"type"`
		}
		if json.Unmarshal([]byte(t), &probe) == nil && probe.Type == "doc" {
			return FormatADF
		}
	}
	if reWikiSignal.MatchString(text) {
		return FormatWiki
	}
	return FormatMarkdown
}

// Parse parses text in the format DetectFormat finds.
//
// All parsers share the same reading of the document. Headings map to the
// template's sections by CanonicalSection (case, punctuation, numbering and
// synonyms tolerated); sections may be missing, renamed, reordered or
// duplicated (duplicates are joined), and unknown ones are kept with Name "".
// Sections start at the level of the highest heading that names a template
// section; the first heading is the title when it names none and no later
// heading outranks it. Text without template headings falls back to
// "Label:" lines of plain-text postmortems ("Customer impact: ...", also
// after a full stop, and upper-case labels without a colon such as "ROOT
// CAUSE"). From the sections it extracts: contributing factors ("Factor N:
// name" markers, else sub-headings, else list items, else the whole section
// as one factor), action items (table rows with columns found by header name,
// or list items), timeline rows (table rows, or lines and list items starting
// with a time; times of day take the date of the rows before them; all times
// UTC), the detection text and its stated time to detect, and the other
// sections' text.
func Parse(text string) (*Document, error) {
	switch DetectFormat(text) {
	case FormatADF:
		return ParseADF([]byte(strings.TrimSpace(strings.TrimPrefix(text, "\ufeff"))))
	case FormatWiki:
		return ParseWiki(text)
	}
	return ParseMarkdown(text)
}
