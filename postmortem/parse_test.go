package postmortem

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestCanonicalSection(t *testing.T) {
	cases := map[string]string{
		"Summary":                           SectionSummary,
		"  executive SUMMARY  ":             SectionSummary,
		"TL;DR":                             SectionSummary,
		"Overview":                          SectionSummary,
		"1. Summary":                        SectionSummary,
		"Impact":                            SectionImpact,
		"Customer impact":                   SectionImpact,
		"Summary of impact":                 SectionImpact,
		"2) Impact:":                        SectionImpact,
		"Timeline":                          SectionTimeline,
		"3. Timeline":                       SectionTimeline,
		"Chronology":                        SectionTimeline,
		"Incident timeline (UTC)":           SectionTimeline,
		"Detection":                         SectionDetection,
		"How was it detected?":              SectionDetection,
		"How was the incident detected":     SectionDetection,
		"Contributing Factors":              SectionContributingFactors,
		"Root Cause(s)":                     SectionContributingFactors,
		"Root causes":                       SectionContributingFactors,
		"Causes":                            SectionContributingFactors,
		"What went wrong":                   SectionContributingFactors,
		"Root cause and mitigation":         SectionContributingFactors,
		"Preliminary root cause":            SectionContributingFactors,
		"IV. Root Cause":                    SectionContributingFactors,
		"What went well":                    SectionWentWell,
		"What Went Well?":                   SectionWentWell,
		"What went poorly":                  SectionWentPoorly,
		"What didn't go well":               SectionWentPoorly,
		"What didn’t go so well":            SectionWentPoorly,
		"Where we got lucky":                SectionLucky,
		"Luck":                              SectionLucky,
		"Follow-ups":                        SectionActionItems,
		"Follow up items":                   SectionActionItems,
		"Action Items":                      SectionActionItems,
		"Remediation":                       SectionActionItems,
		"Remediation and prevention":        SectionActionItems,
		"Next steps":                        SectionActionItems,
		"Lessons Learned":                   SectionLessons,
		"Learnings":                         SectionLessons,
		"Key takeaways":                     SectionLessons,
		"Background":                        "",
		"Summary of the DB outage on Jan 2": "",
		"Postmortem: checkout outage":       "",
		"":                                  "",
	}
	for heading, want := range cases {
		require.Equal(t, want, CanonicalSection(heading), "heading %q", heading)
	}
}

func TestDefaultHeadingCoversTemplate(t *testing.T) {
	for _, n := range TemplateSections {
		h := DefaultHeading(n)
		require.NotEmpty(t, h, n)
		require.Equal(t, n, CanonicalSection(h), "the default heading must map back to its section")
	}
	require.Empty(t, DefaultHeading("nope"))
}

func namesOf(d *Document) []string {
	var out []string
	for _, s := range d.Sections {
		out = append(out, s.Name)
	}
	return out
}

func TestParseMarkdownHeadingStyles(t *testing.T) {
	cases := []struct {
		name  string
		text  string
		title string
		names []string
	}{
		{
			name:  "atx with title",
			text:  "# DB outage\n\n## Summary\nx\n\n## Impact\ny\n",
			title: "DB outage",
			names: []string{SectionSummary, SectionImpact},
		},
		{
			name:  "title and sections at the same level",
			text:  "# DB outage\n# Summary\nx\n# Root cause\ny\n",
			title: "DB outage",
			names: []string{SectionSummary, SectionContributingFactors},
		},
		{
			name:  "setext",
			text:  "DB outage\n=========\n\nSummary\n-------\nx\n\nLessons learned\n---------------\ny\n",
			title: "DB outage",
			names: []string{SectionSummary, SectionLessons},
		},
		{
			name:  "bold lines",
			text:  "**Summary**\nThe thing broke.\n\n**Impact:**\nUsers saw errors.\n\n**Background**\nIt is old.\n",
			names: []string{SectionSummary, SectionImpact, ""},
		},
		{
			name:  "label lines in plain text",
			text:  "Customer impact: Users could not log in.\nRoot cause and mitigation: A bad deploy. Engineers rolled back.\nNext steps: We will add canaries.\nProvide feedback: Take our survey.",
			names: []string{SectionImpact, SectionContributingFactors, SectionActionItems, ""},
		},
		{
			name:  "labels inside one line",
			text:  "Summary of impact: Between 10:00 and 11:00 UTC users saw errors. Preliminary root cause: A bad config. Mitigation: Rolled back.",
			names: []string{SectionImpact, SectionContributingFactors, ""},
		},
		{
			name:  "prose only",
			text:  "At 10:25 PM the power failed. Everything went down.\n\nWe fixed it.",
			names: []string{""},
		},
		{
			name:  "preamble, unknown, renamed, reordered, duplicated",
			text:  "Some intro.\n\n## 4. Lessons\na\n\n## Appendix\nb\n\n## TL;DR\nc\n\n## Summary\nd\n",
			names: []string{"", SectionLessons, "", SectionSummary, SectionSummary},
		},
		{
			name:  "deeper headings stay inside the section",
			text:  "## Timeline\n### Day 1\n10:00 start\n## Impact\nbad\n",
			names: []string{SectionTimeline, SectionImpact},
		},
		{
			name:  "numbered headings and case",
			text:  "## 1. SUMMARY\na\n## 2) what went well\nb\n## 3 - Where We Got Lucky\nc\n",
			names: []string{SectionSummary, SectionWentWell, SectionLucky},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ParseMarkdown(tc.text)
			require.NoError(t, err)
			require.Equal(t, tc.title, d.Title)
			require.Equal(t, tc.names, namesOf(d))
		})
	}
}

func TestParseDuplicatedSectionsAreJoined(t *testing.T) {
	d, err := ParseMarkdown("## Summary\nfirst\n## Impact\nx\n## Overview\nsecond\n")
	require.NoError(t, err)
	require.Equal(t, "first\n\nsecond", d.Summary)
	require.True(t, d.Has(SectionImpact))
	require.Equal(t, []string{SectionTimeline, SectionDetection, SectionContributingFactors, SectionWentWell,
		SectionWentPoorly, SectionLucky, SectionActionItems, SectionLessons}, d.Missing())
}

func TestParseLabelSplitsInlineText(t *testing.T) {
	d, err := ParseMarkdown("Customer impact: Users could not log in. Root cause and mitigation: A bad deploy.")
	require.NoError(t, err)
	require.Equal(t, "Users could not log in.", d.Impact)
	require.Equal(t, []Factor{{Ordinal: 1, Text: "A bad deploy."}}, d.Factors)
}

func TestParseFactors(t *testing.T) {
	cases := []struct {
		name string
		text string
		want []Factor
	}{
		{
			name: "factor headings",
			text: "## Contributing Factors\n### Factor 1: Config change\nNo validation.\n\nAt all.\n### Factor 2 - Capacity\nRan out.\n",
			want: []Factor{{1, "Config change", "No validation.\n\nAt all."}, {2, "Capacity", "Ran out."}},
		},
		{
			name: "factor lines in one paragraph",
			text: "## Root causes\nIntro text.\nFactor 1: Config change\nNo validation.\nFactor 3: Missing tests\nNone.\n",
			want: []Factor{{1, "Config change", "No validation."}, {3, "Missing tests", "None."}},
		},
		{
			name: "bold factor lines",
			text: "## Contributing factors\n**Factor 1: Expired certificate**\n\nNobody renewed it.\n",
			want: []Factor{{1, "Expired certificate", "Nobody renewed it."}},
		},
		{
			name: "bullet list without markers",
			text: "## Causes\nThese contributed:\n\n- Config change: the deploy skipped validation\n- Missing alert on queue depth\n",
			want: []Factor{{1, "Config change", "the deploy skipped validation"}, {2, "", "Missing alert on queue depth"}},
		},
		{
			name: "numbered list",
			text: "## Contributing Factors\n1. Time pressure — release deadline\n2. Unclear runbook\n",
			want: []Factor{{1, "Time pressure", "release deadline"}, {2, "", "Unclear runbook"}},
		},
		{
			name: "root cause paragraph only",
			text: "## Root Cause\nA latent bug in the instance manager slowed recovery.\n",
			want: []Factor{{1, "", "A latent bug in the instance manager slowed recovery."}},
		},
		{
			name: "sub-headings without markers",
			text: "## What went wrong\n### Capacity\nThe pool was full.\n### Retries\nClients retried.\n",
			want: []Factor{{1, "Capacity", "The pool was full."}, {2, "Retries", "Clients retried."}},
		},
		{
			name: "markers in list items",
			text: "## Contributing Factors\n- Factor 1: DNS: TTL too long\n- Factor 2: Monitoring gap\n",
			want: []Factor{{1, "DNS", "TTL too long"}, {2, "Monitoring gap", ""}},
		},
		{
			name: "two factor sections continue numbering",
			text: "## Root cause\nA bug.\n## Contributing factors\n- Capacity\n",
			want: []Factor{{1, "", "A bug."}, {2, "", "Capacity"}},
		},
		{
			name: "run-on marker line keeps the first sentence as the name",
			text: "## Contributing Factors\nFactor 1: Config change. The deploy pipeline applied the change to every region at once without a canary.\n",
			want: []Factor{{1, "Config change", "The deploy pipeline applied the change to every region at once without a canary."}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ParseMarkdown(tc.text)
			require.NoError(t, err)
			require.Equal(t, tc.want, d.Factors)
		})
	}
}

func TestParseActionItems(t *testing.T) {
	cases := []struct {
		name string
		text string
		want []ActionItemRow
	}{
		{
			name: "columns found by header name in any order",
			text: "## Follow-ups\n| Owner | Due date | Ticket | Description | Status | Priority |\n|---|---|---|---|---|---|\n| alice | 2024-02-01 | [OPS-12](https://x/browse/OPS-12) | Add canary | Open | P1 |\n| | | | Fix runbook | Done | |\n",
			want: []ActionItemRow{
				{Key: "OPS-12", Summary: "Add canary", Owner: "alice", Priority: "P1", Due: "2024-02-01"},
				{Summary: "Fix runbook"},
			},
		},
		{
			name: "assignee and deadline synonyms",
			text: "## Action items\n| Item | Assignee | Deadline |\n| --- | --- | --- |\n| Rotate certs | bob | Q3 |\n",
			want: []ActionItemRow{{Summary: "Rotate certs", Owner: "bob", Due: "Q3"}},
		},
		{
			name: "bullet list with key and details",
			text: "## Next steps\n- ACT-3: Add alerting on queue depth (owner: carol, P2, due 2024-03-01)\n- [ACT-4] Write a runbook\n- Review capacity (we will do this soon)\n",
			want: []ActionItemRow{
				{Key: "ACT-3", Summary: "Add alerting on queue depth", Owner: "carol", Priority: "P2", Due: "2024-03-01"},
				{Key: "ACT-4", Summary: "Write a runbook"},
				{Summary: "Review capacity (we will do this soon)"},
			},
		},
		{
			name: "prose is not an action item",
			text: "## Next steps\nWe sincerely apologize for the impact.\n",
			want: nil,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ParseMarkdown(tc.text)
			require.NoError(t, err)
			require.Equal(t, tc.want, d.ActionItems)
		})
	}
}

func TestParseHeaderlessWikiActionTableUsesTemplateOrder(t *testing.T) {
	d, err := ParseWiki("h2. Action Items\n|ACT-1|Add canary|alice|P1|2024-02-01|\n")
	require.NoError(t, err)
	require.Equal(t, []ActionItemRow{{Key: "ACT-1", Summary: "Add canary", Owner: "alice", Priority: "P1", Due: "2024-02-01"}}, d.ActionItems)
}

func TestParseTimeline(t *testing.T) {
	utc := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		require.NoError(t, err)
		return tm.UTC()
	}
	cases := []struct {
		name string
		text string
		want []TimelineRow
	}{
		{
			name: "lines with date, then times of day carried on and past midnight",
			text: "## Timeline\n2024-01-02 23:40 UTC - deploy starts\n23:55 - alert fires\ncontinued text\n00:10 - rolled back\n",
			want: []TimelineRow{
				{At: utc("2024-01-02T23:40:00Z"), Time: "2024-01-02 23:40 UTC", Text: "deploy starts"},
				{At: utc("2024-01-02T23:55:00Z"), Time: "23:55", Text: "alert fires\ncontinued text"},
				{At: utc("2024-01-03T00:10:00Z"), Time: "00:10", Text: "rolled back"},
			},
		},
		{
			name: "zones are converted to UTC",
			text: "## Timeline\n- 2024-06-04 22:25 PDT: power lost\n- 23:46 power restored\n- 2024-06-05T01:00:00+02:00 all good\n",
			want: []TimelineRow{
				{At: utc("2024-06-05T05:25:00Z"), Time: "2024-06-04 22:25 PDT", Text: "power lost"},
				{At: utc("2024-06-05T06:46:00Z"), Time: "23:46", Text: "power restored"},
				{At: utc("2024-06-04T23:00:00Z"), Time: "2024-06-05T01:00:00+02:00", Text: "all good"},
			},
		},
		{
			name: "time only without any date keeps the raw time",
			text: "## Timeline\n10:04 - paged\n10:05am acked\n",
			want: []TimelineRow{{Time: "10:04", Text: "paged"}, {Time: "10:05am", Text: "acked"}},
		},
		{
			name: "date heading then times",
			text: "## Timeline\n### Jan 2, 2024\n* 09:00 start\n* note without time\n",
			want: []TimelineRow{
				{At: utc("2024-01-02T09:00:00Z"), Time: "09:00", Text: "start"},
				{Text: "note without time"},
			},
		},
		{
			name: "table with when and what columns",
			text: "## Chronology\n| # | When | What |\n|---|---|---|\n| 1 | 2024-01-02 10:00 | begin |\n| 2 | later | end |\n",
			want: []TimelineRow{
				{At: utc("2024-01-02T10:00:00Z"), Time: "2024-01-02 10:00", Text: "begin"},
				{Time: "later", Text: "end"},
			},
		},
		{
			name: "invalid clock is not a time",
			text: "## Timeline\n25:99 nonsense\n",
			want: nil,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ParseMarkdown(tc.text)
			require.NoError(t, err)
			require.Equal(t, tc.want, d.Timeline)
		})
	}
}

func TestParseTimeToDetect(t *testing.T) {
	cases := map[string]time.Duration{
		"## Detection\nTime to detect: 12 minutes":                            12 * time.Minute,
		"## Detection\nTTD: 1h05m":                                            time.Hour + 5*time.Minute,
		"## Detection\nThe issue was detected after 25 minutes by a customer": 25 * time.Minute,
		"## Detection\nIt took us about 40 mins to detect the problem.":       40 * time.Minute,
		"## Detection\nTime-to-detection (TTD) was 1 hour and 30 seconds":     time.Hour + 30*time.Second,
		"## Detection\nDetected within an hour.":                              time.Hour,
		"## Detection\nAlerting paged within seconds.":                        0,
		"## Detection\nThe deploy took 2 hours.":                              0,
		"## Summary\nx\n## Impact\nTTD: 7m":                                   7 * time.Minute,
		"## Summary\nWe detected after 9 minutes.":                            0, // phrases only count in Detection
	}
	for text, want := range cases {
		d, err := ParseMarkdown(text)
		require.NoError(t, err)
		require.Equal(t, want, d.TimeToDetect, text)
	}
}

func TestParseMarkdownInline(t *testing.T) {
	d, err := ParseMarkdown("## Summary\n**Bold** and _em_ and `code *x*` and [link](http://x) and ![img](y.png) and <https://z> and \\*lit\\* and 2*3 and snake_case and &amp;\n")
	require.NoError(t, err)
	require.Equal(t, "Bold and em and code *x* and link and img and https://z and *lit* and 2*3 and snake_case and &", d.Summary)
}

func TestParseWiki(t *testing.T) {
	text := `h1. Checkout outage

h2. Summary
*Bold* _em_ -del- +ins+ {{mono}} [the docs|https://x] [~accountid:abc123] !shot.png|thumbnail! line\\break \{literal\}

h2. Timeline
||Time||Event||
|2024-01-02 10:04 UTC|deploy [PR|https://git/x|tip]|

h2. Contributing Factors
h3. Factor 1: Config
{code:yaml}
replicas: 0
{code}
{noformat}raw *text*{noformat}

*Where we got lucky*
It was Sunday.

h2. Action Items
||Key||Action||Owner||Priority||Due||
|[ACT-1|https://jira/browse/ACT-1]|Add validation|alice|P1|2024-02-01|
* ACT-2: Write runbook
# ignored numbered item? no, a second list
`
	d, err := ParseWiki(text)
	require.NoError(t, err)
	require.Equal(t, "Checkout outage", d.Title)
	require.Equal(t, "Bold em del ins mono the docs abc123 line\nbreak {literal}", d.Summary)
	require.Equal(t, []TimelineRow{{At: time.Date(2024, 1, 2, 10, 4, 0, 0, time.UTC), Time: "2024-01-02 10:04 UTC", Text: "deploy PR"}}, d.Timeline)
	// "*Where we got lucky*" is a bold line below the level of the h2
	// sections; it names another template section, so it starts that section
	// rather than being swallowed by the factors (issue 10, item 9).
	require.Equal(t, []Factor{{Ordinal: 1, Name: "Config", Text: "replicas: 0\n\nraw *text*"}}, d.Factors)
	require.Equal(t, "It was Sunday.", d.Lucky)
	require.Equal(t, []ActionItemRow{
		{Key: "ACT-1", Summary: "Add validation", Owner: "alice", Priority: "P1", Due: "2024-02-01"},
		{Key: "ACT-2", Summary: "Write runbook"},
		{Summary: "ignored numbered item? no, a second list"},
	}, d.ActionItems)
}

func TestParseWikiBoldLineSections(t *testing.T) {
	d, err := ParseWiki("*Summary*\nBroke.\n\n*Where we got lucky:*\nSunday.\n")
	require.NoError(t, err)
	require.Equal(t, []string{SectionSummary, SectionLucky}, namesOf(d))
	require.Equal(t, "Sunday.", d.Lucky)
}

func TestParseADF(t *testing.T) {
	doc := `{"type":"doc","version":1,"content":[
	 {"type":"heading","attrs":{"level":2},"content":[{"type":"text","text":"Summary"}]},
	 {"type":"paragraph","content":[{"type":"text","text":"Paged "},{"type":"mention","attrs":{"id":"x1","text":"@alice"}},
	   {"type":"text","text":" see "},{"type":"inlineCard","attrs":{"url":"https://jira/browse/INC-1"}},{"type":"hardBreak"},
	   {"type":"text","text":"bold","marks":[{"type":"strong"}]},{"type":"emoji","attrs":{"shortName":":fire:","text":"🔥"}},
	   {"type":"date","attrs":{"timestamp":"1704189840000"}},{"type":"status","attrs":{"text":"DONE"}}]},
	 {"type":"panel","attrs":{"panelType":"info"},"content":[{"type":"paragraph","content":[{"type":"text","text":"In a panel."}]}]},
	 {"type":"rule"},
	 {"type":"paragraph","content":[{"type":"text","text":"Where we got lucky","marks":[{"type":"strong"}]}]},
	 {"type":"paragraph","content":[{"type":"text","text":"Sunday."}]},
	 {"type":"heading","attrs":{"level":2},"content":[{"type":"text","text":"Root causes"}]},
	 {"type":"bulletList","content":[
	   {"type":"listItem","content":[{"type":"paragraph","content":[{"type":"text","text":"Capacity: pool full"}]},
	     {"type":"bulletList","content":[{"type":"listItem","content":[{"type":"paragraph","content":[{"type":"text","text":"nested"}]}]}]}]},
	   {"type":"listItem","content":[{"type":"paragraph","content":[{"type":"text","text":"Retries"}]}]}]},
	 {"type":"someFutureNode","content":[{"type":"text","text":"future text"}]},
	 {"type":"codeBlock","content":[{"type":"text","text":"kubectl rollout undo"}]},
	 {"type":"heading","attrs":{"level":2},"content":[{"type":"text","text":"Action items"}]},
	 {"type":"table","content":[
	   {"type":"tableRow","content":[{"type":"tableHeader","content":[{"type":"paragraph","content":[{"type":"text","text":"Summary"}]}]},
	                                 {"type":"tableHeader","content":[{"type":"paragraph","content":[{"type":"text","text":"Assignee"}]}]}]},
	   {"type":"tableRow","content":[{"type":"tableCell","content":[{"type":"paragraph","content":[{"type":"text","text":"Add capacity"}]}]},
	                                 {"type":"tableCell","content":[{"type":"paragraph","content":[{"type":"mention","attrs":{"text":"@bob"}}]}]}]}]}
	]}`
	d, err := ParseADF([]byte(doc))
	require.NoError(t, err)
	// The strong "Where we got lucky" paragraph names another template
	// section, so it starts that section inside the h2 summary.
	require.Equal(t, []string{SectionSummary, SectionLucky, SectionContributingFactors, SectionActionItems}, namesOf(d))
	require.Equal(t, "Paged @alice see https://jira/browse/INC-1\nbold🔥2024-01-02DONE\n\nIn a panel.", d.Summary)
	require.Equal(t, "Sunday.", d.Lucky)
	require.Equal(t, []Factor{{1, "Capacity", "pool full nested"}, {2, "", "Retries"}}, d.Factors)
	require.Equal(t, []ActionItemRow{{Summary: "Add capacity", Owner: "@bob"}}, d.ActionItems)
	require.Contains(t, d.Sections[2].Text, "future text")
	require.Contains(t, d.Sections[2].Text, "kubectl rollout undo")
}

func TestParseADFErrors(t *testing.T) {
	for name, in := range map[string]string{
		"not json":  "## Summary",
		"array":     `[{"type":"doc"}]`,
		"string":    `"doc"`,
		"truncated": `{"type":"doc","content":[`,
	} {
		_, err := ParseADF([]byte(in))
		require.Error(t, err, name)
		require.Contains(t, err.Error(), "postmortem: adf", name)
	}
	// Wrong types inside a valid object are tolerated, not errors.
	d, err := ParseADF([]byte(`{"type":"doc","content":[{"type":"heading","attrs":{"level":"two"},"content":"x"},{"type":7},{"content":[{"type":"text","text":5}]},null,1]}`))
	require.NoError(t, err)
	require.Empty(t, d.Sections)
}

func TestDetectFormat(t *testing.T) {
	cases := map[string]Format{
		`{"type":"doc","version":1,"content":[]}`: FormatADF,
		"  \n{\"version\":1,\"type\":\"doc\"}":    FormatADF,
		`{"type":"paragraph"}`:                    FormatMarkdown,
		"h1. Title\n\nh2. Summary":                FormatWiki,
		"intro\n||a||b||\n|1|2|":                  FormatWiki,
		"{code}x{code}":                           FormatWiki,
		"# Title\n\n## Summary":                   FormatMarkdown,
		"plain prose":                             FormatMarkdown,
		"":                                        FormatMarkdown,
	}
	for text, want := range cases {
		require.Equal(t, want, DetectFormat(text), text)
	}
}

func TestRenderOnlyListedSections(t *testing.T) {
	d := &Document{
		Summary: "s", Impact: "i",
		Sections: []Section{{Name: SectionImpact, Heading: "Customer impact"}, {Heading: "Notes", Text: "n"}},
	}
	md := RenderMarkdown(d)
	require.Equal(t, "## Customer impact\n\ni\n\n## Notes\n\nn\n", md)
	require.NotContains(t, RenderWiki(d), "Summary")
}

func TestRenderTemplateOrder(t *testing.T) {
	md := RenderMarkdown(&Document{Title: "T"})
	require.Equal(t, "# T\n\n## Summary\n\n## Impact\n\n## Timeline\n\n## Detection\n\n## Contributing Factors\n\n"+
		"## What Went Well\n\n## What Went Poorly\n\n## Where We Got Lucky\n\n## Action Items\n\n## Lessons Learned\n", md)
}

func TestRenderADFIsValidADFShape(t *testing.T) {
	b, err := RenderADF(&Document{Summary: "a\nb", ActionItems: []ActionItemRow{{Summary: "x"}}})
	require.NoError(t, err)
	require.JSONEq(t, `{"type":"doc","version":1,"content":[
	  {"type":"heading","attrs":{"level":2},"content":[{"type":"text","text":"Summary"}]},
	  {"type":"paragraph","content":[{"type":"text","text":"a"},{"type":"hardBreak"},{"type":"text","text":"b"}]},
	  {"type":"heading","attrs":{"level":2},"content":[{"type":"text","text":"Impact"}]},
	  {"type":"heading","attrs":{"level":2},"content":[{"type":"text","text":"Timeline"}]},
	  {"type":"heading","attrs":{"level":2},"content":[{"type":"text","text":"Detection"}]},
	  {"type":"heading","attrs":{"level":2},"content":[{"type":"text","text":"Contributing Factors"}]},
	  {"type":"heading","attrs":{"level":2},"content":[{"type":"text","text":"What Went Well"}]},
	  {"type":"heading","attrs":{"level":2},"content":[{"type":"text","text":"What Went Poorly"}]},
	  {"type":"heading","attrs":{"level":2},"content":[{"type":"text","text":"Where We Got Lucky"}]},
	  {"type":"heading","attrs":{"level":2},"content":[{"type":"text","text":"Action Items"}]},
	  {"type":"table","attrs":{"isNumberColumnEnabled":false,"layout":"default"},"content":[
	    {"type":"tableRow","content":[
	      {"type":"tableHeader","content":[{"type":"paragraph","content":[{"type":"text","text":"Key"}]}]},
	      {"type":"tableHeader","content":[{"type":"paragraph","content":[{"type":"text","text":"Action"}]}]},
	      {"type":"tableHeader","content":[{"type":"paragraph","content":[{"type":"text","text":"Owner"}]}]},
	      {"type":"tableHeader","content":[{"type":"paragraph","content":[{"type":"text","text":"Priority"}]}]},
	      {"type":"tableHeader","content":[{"type":"paragraph","content":[{"type":"text","text":"Due"}]}]}]},
	    {"type":"tableRow","content":[
	      {"type":"tableCell","content":[{"type":"paragraph"}]},
	      {"type":"tableCell","content":[{"type":"paragraph","content":[{"type":"text","text":"x"}]}]},
	      {"type":"tableCell","content":[{"type":"paragraph"}]},
	      {"type":"tableCell","content":[{"type":"paragraph"}]},
	      {"type":"tableCell","content":[{"type":"paragraph"}]}]}]},
	  {"type":"heading","attrs":{"level":2},"content":[{"type":"text","text":"Lessons Learned"}]}]}`, string(b))
}

func TestExactSectionsAgreeWithPatterns(t *testing.T) {
	for heading, name := range exactSections {
		require.Equal(t, name, matchSectionPatterns(heading), "exact heading %q", heading)
		require.Equal(t, heading, normalizeHeading(heading), "exact headings are stored normalized")
	}
}

func TestRenderedURLsStayVerbatim(t *testing.T) {
	url := "https://acme-corp.pagerduty.com/incidents/Q1_X-Y*Z"
	d := &Document{Summary: "Paged via " + url + " at once.", Sections: []Section{{Name: SectionSummary}}}
	for name, text := range map[string]string{"markdown": RenderMarkdown(d), "wiki": RenderWiki(d)} {
		require.Contains(t, text, url, name)
		got, err := Parse(text)
		require.NoError(t, err)
		require.Equal(t, d.Summary, got.Summary, name)
	}
}

func TestParseADFValue(t *testing.T) {
	b, err := RenderADF(&Document{Summary: "s", Lucky: "l"})
	require.NoError(t, err)
	var v any
	require.NoError(t, json.Unmarshal(b, &v))
	d, err := ParseADFValue(v)
	require.NoError(t, err)
	require.Equal(t, "s", d.Summary)
	require.Equal(t, "l", d.Lucky)

	_, err = ParseADFValue("a string description")
	require.Error(t, err)
	_, err = ParseADFValue(nil)
	require.Error(t, err)
}
