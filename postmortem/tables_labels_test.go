package postmortem

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// adfTable builds an ADF table; header makes the first row tableHeader cells.
func adfTable(header bool, rows ...[]string) string {
	var rs []string
	for r, row := range rows {
		typ := "tableCell"
		if r == 0 && header {
			typ = "tableHeader"
		}
		var cells []string
		for _, c := range row {
			cells = append(cells, `{"type":"`+typ+`","content":[{"type":"paragraph","content":[{"type":"text","text":"`+c+`"}]}]}`)
		}
		rs = append(rs, `{"type":"tableRow","content":[`+strings.Join(cells, ",")+`]}`)
	}
	return `{"type":"table","content":[` + strings.Join(rs, ",") + `]}`
}

func adfHeading(level, text string) string {
	return `{"type":"heading","attrs":{"level":` + level + `},"content":[{"type":"text","text":"` + text + `"}]}`
}

func adfDocOf(nodes ...string) string {
	return `{"type":"doc","version":1,"content":[` + strings.Join(nodes, ",") + `]}`
}

// TestParseFactorTables: a contributing-factors table gives one factor per
// row, named from the name/factor/cause column (else the first column that is
// not numbering), described by the other columns, in every format. Before
// issue 10 item 9 each of these became one unnamed factor holding the table.
func TestParseFactorTables(t *testing.T) {
	twoFactors := []Factor{{1, "Config push", "No canary stage"}, {2, "Capacity", "Pool was full"}}
	cases := []struct {
		name string
		text string
		want []Factor
	}{
		{
			name: "markdown pipe table with a header and an extra column",
			text: "# Outage\n## Contributing factors\n| Factor | Description | Severity |\n|---|---|---|\n| Config push | No canary stage | high |\n| Capacity | Pool was full | |\n## Impact\nErrors.\n",
			want: []Factor{{1, "Config push", "No canary stage\nSeverity: high"}, {2, "Capacity", "Pool was full"}},
		},
		{
			name: "markdown table without delimiter row: header found by column names",
			text: "## Root cause\n| Cause | Details |\n| Config push | No canary stage |\n| Capacity | Pool was full |\n",
			want: twoFactors,
		},
		{
			name: "markdown table without a header: first column is the name",
			text: "## Root cause\n| Config push | No canary stage |\n| Capacity | Pool was full |\n",
			want: twoFactors,
		},
		{
			name: "numbering column left out, name column not first",
			text: "## Contributing Factors\n| # | Description | Root cause |\n|---|---|---|\n| 1 | No canary stage | Config push |\n| 2 | Pool was full | Capacity |\n",
			want: twoFactors,
		},
		{
			name: "Factor N cells are numbering",
			text: "## Contributing Factors\n| | | |\n|---|---|---|\n| Factor 1 | Config push | No canary stage |\n| Factor 2 | Capacity | Pool was full |\n",
			want: twoFactors,
		},
		{
			name: "single column splits name and text like a list item",
			text: "## What went wrong\n| Contributing factor |\n|---|\n| Config push: No canary stage |\n| Missing alert on queue depth |\n",
			want: []Factor{{1, "Config push", "No canary stage"}, {2, "", "Missing alert on queue depth"}},
		},
		{
			name: "table rows continue the numbering after a list",
			text: "## Root cause\n- Retry storm: clients retried\n\n| Config push | No canary stage |\n",
			want: []Factor{{1, "Retry storm", "clients retried"}, {2, "Config push", "No canary stage"}},
		},
		{
			name: "wiki table with a || header and a numbering column",
			text: "h2. Root causes\n||#||Cause||Details||\n|1|Config push|No canary stage|\n|2|Capacity|Pool was full|\n",
			want: twoFactors,
		},
		{
			name: "wiki table without a header",
			text: "h2. Contributing factors\n|Config push|No canary stage|\n|Capacity|Pool was full|\n",
			want: twoFactors,
		},
		{
			name: "wiki table whose unmarked first row names the columns",
			text: "h2. Contributing factors\n|Name|Description|\n|Config push|No canary stage|\n|Capacity|Pool was full|\n",
			want: twoFactors,
		},
		{
			name: "ADF table with tableHeader cells",
			text: adfDocOf(adfHeading("2", "Contributing factors"),
				adfTable(true, []string{"Factor", "Description"}, []string{"Config push", "No canary stage"}, []string{"Capacity", "Pool was full"})),
			want: twoFactors,
		},
		{
			name: "ADF table without header cells, first row names the columns",
			text: adfDocOf(adfHeading("2", "Root cause"),
				adfTable(false, []string{"Cause", "Details"}, []string{"Config push", "No canary stage"}, []string{"Capacity", "Pool was full"})),
			want: twoFactors,
		},
		{
			name: "ADF table without any header",
			text: adfDocOf(adfHeading("2", "Root cause"),
				adfTable(false, []string{"Config push", "No canary stage"}, []string{"Capacity", "Pool was full"})),
			want: twoFactors,
		},
		{
			name: "HTML table in Markdown with thead, tags and entities",
			text: "## Root cause\n<table>\n<thead><tr><th>Factor</th><th>Description</th></tr></thead>\n<tbody>\n<tr><td>Config &amp; push</td><td>No <b>canary</b><br>stage</td></tr>\n<tr><td>Capacity</td><td>Pool was full</td></tr>\n</tbody>\n</table>\n\n## Impact\nErrors.\n",
			want: []Factor{{1, "Config & push", "No canary stage"}, {2, "Capacity", "Pool was full"}},
		},
		{
			name: "HTML table with a th header row and no thead",
			text: "## Root cause\n<TABLE border=1><TR><TH>Cause</TH><TH>Details</TH></TR><TR><TD>Config push</TD><TD>No canary stage</TD></TR><TR><TD>Capacity</TD><TD>Pool was full</TD></TR></TABLE>\n",
			want: twoFactors,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Parse(tc.text)
			require.NoError(t, err)
			require.Equal(t, tc.want, d.Factors)
		})
	}
}

// TestParseHTMLTableOutsideFactors: an HTML table is a table in every section
// (the action items read it by column), and one that is never closed stays
// text.
func TestParseHTMLTableOutsideFactors(t *testing.T) {
	d, err := ParseMarkdown("## Action items\n<table><tr><th>Key</th><th>Action</th><th>Owner</th></tr>\n<tr><td>ACT-1</td><td>Add a canary</td><td>alice</td></tr></table>\n")
	require.NoError(t, err)
	require.Equal(t, []ActionItemRow{{Key: "ACT-1", Summary: "Add a canary", Owner: "alice"}}, d.ActionItems)

	d, err = ParseMarkdown("## Summary\n<table><tr><td>never closed\n\nThe database failed over.\n")
	require.NoError(t, err)
	require.Contains(t, d.Summary, "The database failed over.")
}

// TestParseHTMLTableLinear: unclosed "<table" lines are searched for their
// end once, not once per line.
func TestParseHTMLTableLinear(t *testing.T) {
	text := strings.Repeat("<table>\n", 100000)
	start := time.Now()
	_, err := ParseMarkdown(text)
	require.NoError(t, err)
	require.Less(t, time.Since(start), 5*time.Second)
}

// TestParseBoldLabels: "**Label:** text" lines (and whole bold lines) that
// name a template section are sections whether or not the document also has
// headings; before issue 10 item 9 they were swallowed by the heading section
// they were in (or by the preamble).
func TestParseBoldLabels(t *testing.T) {
	cases := []struct {
		name    string
		text    string
		names   []string
		summary string
		impact  string
		factors []Factor
	}{
		{
			name:    "markdown labels before the headings",
			text:    "# DB outage\n\n**Summary:** The primary failed over.\n**Impact**: 12% of checkouts failed.\n\n**Root cause:** A stale replica was promoted.\n\n## Timeline\n10:04 failover\n",
			names:   []string{SectionSummary, SectionImpact, SectionContributingFactors, SectionTimeline},
			summary: "The primary failed over.",
			impact:  "12% of checkouts failed.",
			factors: []Factor{{1, "", "A stale replica was promoted."}},
		},
		{
			name:    "the same labels without headings",
			text:    "**Summary:** The primary failed over.\n**Impact**: 12% of checkouts failed.\n\n**Root cause:** A stale replica was promoted.\n",
			names:   []string{SectionSummary, SectionImpact, SectionContributingFactors},
			summary: "The primary failed over.",
			impact:  "12% of checkouts failed.",
			factors: []Factor{{1, "", "A stale replica was promoted."}},
		},
		{
			name:    "wiki labels before the headings",
			text:    "h1. DB outage\n*Summary:* The primary failed over.\n*Root cause:* A stale replica was promoted.\nh2. Timeline\n10:04 failover\n",
			names:   []string{SectionSummary, SectionContributingFactors, SectionTimeline},
			summary: "The primary failed over.",
			factors: []Factor{{1, "", "A stale replica was promoted."}},
		},
		{
			name: "ADF strong labels, one per hardBreak line",
			text: adfDocOf(adfHeading("1", "DB outage"),
				`{"type":"paragraph","content":[{"type":"text","text":"Summary:","marks":[{"type":"strong"}]},{"type":"text","text":" The primary failed over."},{"type":"hardBreak"},`+
					`{"type":"text","text":"Impact","marks":[{"type":"strong"}]},{"type":"text","text":": 12% of checkouts failed."}]}`,
				adfHeading("2", "Timeline"), `{"type":"paragraph","content":[{"type":"text","text":"10:04 failover"}]}`),
			names:   []string{SectionSummary, SectionImpact, SectionTimeline},
			summary: "The primary failed over.",
			impact:  "12% of checkouts failed.",
		},
		{
			name:    "labels under a heading outside the template",
			text:    "## Incident details\n**Impact:** 12% of checkouts failed.\n**Root cause:** A stale replica.\n## Timeline\n10:04 failover\n",
			names:   []string{"", SectionImpact, SectionContributingFactors, SectionTimeline},
			impact:  "12% of checkouts failed.",
			factors: []Factor{{1, "", "A stale replica."}},
		},
		{
			name:    "a label of another section inside a template section",
			text:    "## Summary\nThe primary failed over.\n\n**Impact:** 12% of checkouts failed.\n## Timeline\n10:04 failover\n",
			names:   []string{SectionSummary, SectionImpact, SectionTimeline},
			summary: "The primary failed over.",
			impact:  "12% of checkouts failed.",
		},
		{
			name:    "a common other label ends a run of labels",
			text:    "# DB outage\n**Root cause:** A stale replica.\n**Resolution:** Failed back.\n## Timeline\n10:04 failover\n",
			names:   []string{SectionContributingFactors, "", SectionTimeline},
			factors: []Factor{{1, "", "A stale replica."}},
		},
		{
			name:    "a label naming its own section is a sub-heading",
			text:    "## Root cause\n**Trigger:** A config push.\n**Root cause:** No canary stage.\n## Impact\nErrors.\n",
			names:   []string{SectionContributingFactors, SectionImpact},
			impact:  "Errors.",
			factors: []Factor{{1, "Trigger", "A config push."}, {2, "Root cause", "No canary stage."}},
		},
		{
			name:    "unknown and unpromoted labels read as written",
			text:    "# DB outage\n**Status:** resolved\n## Summary\n**Note:** The primary failed over.\n",
			names:   []string{"", SectionSummary},
			summary: "Note: The primary failed over.",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Parse(tc.text)
			require.NoError(t, err)
			require.Equal(t, tc.names, namesOf(d))
			require.Equal(t, tc.summary, d.Summary)
			require.Equal(t, tc.impact, d.Impact)
			require.Equal(t, tc.factors, d.Factors)
		})
	}
}

// TestParseBoldLabelsGroupingRows: bold lines that group the rows of the
// timeline or the action items ("**Detection**") stay in those sections.
func TestParseBoldLabelsGroupingRows(t *testing.T) {
	d, err := ParseMarkdown("## Timeline\n**Detection**\n- 10:04 alert fired\n## Action items\n**Detection:**\n- ACT-1: Add a canary alert\n\n**Prevention:**\n- ACT-2: Validate configs\n")
	require.NoError(t, err)
	require.Equal(t, []string{SectionTimeline, SectionActionItems}, namesOf(d))
	require.Len(t, d.Timeline, 1)
	require.Equal(t, []ActionItemRow{{Key: "ACT-1", Summary: "Add a canary alert"}, {Key: "ACT-2", Summary: "Validate configs"}}, d.ActionItems)
}

// TestParseUnpromotedLabelKeepsPreambleText: a known label in the preamble
// that does not start a section is kept with its text on one line.
func TestParseUnpromotedLabelKeepsPreambleText(t *testing.T) {
	d, err := ParseMarkdown("# DB outage\n**Status:** resolved\n## Summary\nx\n")
	require.NoError(t, err)
	require.Equal(t, "Status: resolved", d.Sections[0].Text)
}
