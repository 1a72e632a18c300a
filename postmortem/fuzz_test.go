package postmortem

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// The fuzz targets check that parsing arbitrary input never panics, never
// fails (except ParseADF on input that is not a JSON object), names only
// template sections, and that the parsed document renders to every format
// and parses again. Seeds are rendered documents (no real-data text);
// crashers found so far are kept under testdata/fuzz.

var fuzzSnippets = []string{
	"", "#", "# ", "##", "* ", "- ", "1.", "|", "||", "|a|", "||a||\n|b|", "{code}", "{code}\nx", "{noformat}",
	"[", "[a|", "[~", "!a.png!", "**", "****", "__x__", "`", "``", "```\n", "~~~", "> > >", "---", "===",
	"h1.", "h7. x", "bq. x", "&#", "&#x110000;", "&#0;", "\\", "\\\\", "**Summary**", "Summary:", "Factor 1:",
	"## Timeline\n25:00 x\n2024-02-31 10:00 y\n12:00pm z\n1/1/1 w", "## Detection\nTTD: 99999999 days",
	"## Action Items\n| a |\n|---|\n| b | c | d |", "## Contributing Factors\n- \n* \n1. ",
	"ROOT CAUSE The", "Root cause and mitigation: x. Next steps: y.", "\ufeff# T\r\n## Impact\r\nx",
	"# T\n**Summary:** x\n*Root cause:* y\n## Timeline\nz", "## Summary\n**Impact**: a\n**Resolution:** b",
	"## Root cause\n| # | Cause | Details |\n|---|---|---|\n| 1 | a | b |", "h2. Causes\n||Factor||Text||\n|Factor 1|x|",
	"<table><tr><th>a</th></tr><tr><td>b &amp; <br> c</td></tr></table>", "<table>\n<tr><td><table>x", "<TABLE><td>a</TABLE>",
}

func fuzzSeedDocs() []*Document {
	var docs []*Document
	for _, tc := range roundTripCases() {
		docs = append(docs, tc.doc)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 12 {
		docs = append(docs, genDocument(r))
	}
	return docs
}

func checkParsed(t *testing.T, d *Document) {
	t.Helper()
	require.NotNil(t, d)
	for _, s := range d.Sections {
		require.True(t, s.Name == "" || DefaultHeading(s.Name) != "", "section name %q", s.Name)
	}
	require.GreaterOrEqual(t, int64(d.TimeToDetect), int64(0), "time to detect")
	_, err := ParseMarkdown(RenderMarkdown(d))
	require.NoError(t, err)
	_, err = ParseWiki(RenderWiki(d))
	require.NoError(t, err)
	b, err := RenderADF(d)
	require.NoError(t, err)
	require.True(t, json.Valid(b))
	_, err = ParseADF(b)
	require.NoError(t, err)
}

func FuzzParseMarkdown(f *testing.F) {
	for _, d := range fuzzSeedDocs() {
		f.Add(RenderMarkdown(d))
	}
	for _, s := range fuzzSnippets {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		d, err := ParseMarkdown(text)
		require.NoError(t, err)
		checkParsed(t, d)
		d, err = Parse(text)
		if DetectFormat(text) != FormatADF {
			require.NoError(t, err)
		}
		if err == nil {
			checkParsed(t, d)
		}
	})
}

func FuzzParseWiki(f *testing.F) {
	for _, d := range fuzzSeedDocs() {
		f.Add(RenderWiki(d))
	}
	for _, s := range fuzzSnippets {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		d, err := ParseWiki(text)
		require.NoError(t, err)
		checkParsed(t, d)
	})
}

func FuzzParseADF(f *testing.F) {
	for _, d := range fuzzSeedDocs() {
		b, err := RenderADF(d)
		require.NoError(f, err)
		f.Add(b)
	}
	for _, s := range []string{
		`{}`, `{"type":"doc"}`, `{"type":"doc","content":null}`, `{"type":"doc","content":[{}]}`,
		`{"type":"doc","content":[{"type":"heading","attrs":{"level":99}}]}`,
		`{"type":"doc","content":[{"type":"table","content":[{"type":"tableRow","content":[]}]}]}`,
		`{"type":"doc","content":[{"type":"date","attrs":{"timestamp":1e300}}]}`,
		`{"type":"doc","content":[{"type":"paragraph","content":[{"type":"mention","attrs":{"id":5}}]}]}`,
		`[1,2]`, `null`, `"x"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		d, err := ParseADF(doc)
		if err != nil {
			require.Nil(t, d)
			return
		}
		checkParsed(t, d)
	})
}
