package digest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestQuotedWrapsOnce(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a software bug", "“a software bug”"},
		{"“a software bug”", "“a software bug”"},
		{`"a software bug"`, "“a software bug”"},
		{` "padded" `, "“padded”"},
		{`"clipped before its closing quote…`, "“clipped before its closing quote…”"},
		{`he said "no" twice`, "“he said \"no\" twice”"},
		{`"a" and "b"`, "“\"a\" and \"b\"”"},
		{"“open only", "““open only”"},
		{"", "“”"},
	} {
		require.Equal(t, tc.want, quoted(tc.in), "%q", tc.in)
	}
}

// The summary names theme labels in quotes, once each (it read
// ““configuration changed without validation”” and ““a software bug””).
func TestHeldSummaryQuotesEachThemeOnce(t *testing.T) {
	held := func(name string) FixRow {
		return FixRow{Name: name, Held: 5, Failed: 1, HasRatio: true, Ratio: 0.2, Lower: 0.05, Upper: 0.6}
	}
	unclear := func(name string) FixRow {
		return FixRow{Name: name, Held: 2, Failed: 2, HasRatio: true, Ratio: 1, Lower: 0.4, Upper: 2.5}
	}
	s := FixSection{All: FixRow{Held: 20, Failed: 5, Open: 3}, ByTheme: []FixRow{
		held("configuration changed without validation"), held("a software bug"), held("load beyond capacity: retries, requests"),
		unclear("bad data"), unclear("expired certificates"),
	}}
	require.Equal(t, "Closing postmortem action items cut repeat failures beyond chance for 3 themes "+
		"(among them “configuration changed without validation” and “a software bug”); "+
		"for 2 others (such as “bad data”) it made no clear difference.", heldSummary(s))
	require.Contains(t, s.Sentence(), "beyond chance for “configuration changed without validation”, “a software bug” and “load beyond capacity: retries, requests”, "+
		"but made no clear difference for “bad data” and “expired certificates”.")

	// One of each: no "among them", no "1 others".
	s.ByTheme = []FixRow{held("a software bug"), unclear("bad data")}
	require.Equal(t, "Closing postmortem action items cut repeat failures beyond chance for 1 theme (“a software bug”); "+
		"for 1 other (“bad data”) it made no clear difference.", heldSummary(s))

	// As the digest shows it, in HTML and Markdown.
	d := &Digest{Month: "2026-10", MonthName: "October 2026", Previous: "2026-09", Fixes: s}
	d.Summary = []string{fixesSummary(d.Fixes, d.location())}
	h, err := RenderHTML(d)
	require.NoError(t, err)
	m, err := RenderMarkdown(d)
	require.NoError(t, err)
	for name, out := range map[string]string{"html": string(h), "markdown": string(m)} {
		require.Contains(t, out, "(“a software bug”)", name)
		require.NotContains(t, out, "““", name)
		require.NotContains(t, out, "””", name)
	}
}

// Text that comes quoted from a postmortem keeps one pair of quotes where
// the digest quotes it (highlights, theme examples, vague action items).
func TestQuotedTextFromPostmortemsIsNotQuotedTwice(t *testing.T) {
	d := &Digest{Month: "2026-10", MonthName: "October 2026", Previous: "2026-09"}
	d.Highlights.Lucky = []Highlight{{Key: "PM-1", Title: "Outage", Quote: `"The spike came at 3am."`}}
	d.Highlights.Lessons = []Highlight{{Key: "PM-2", Title: "Outage", Quote: "“Feature flags let us roll back.”"}}
	d.Themes.Top = []ThemeTrend{{ID: "th", Label: "deploy config", Representative: `"A config change went out without a canary"`,
		Factors: Measure{Name: "Factors", Unit: UnitCount, Series: Series{Months: []string{"2026-10"}, Values: []float64{3}, Known: []bool{true}}}}}
	d.Language.Examples = []Finding{{Rule: "vague_monitoring", Sentence: `"Improve monitoring"`, Why: "no measurable outcome"}}
	h, err := RenderHTML(d)
	require.NoError(t, err)
	m, err := RenderMarkdown(d)
	require.NoError(t, err)
	for name, out := range map[string]string{"html": string(h), "markdown": string(m)} {
		for _, want := range []string{"“The spike came at 3am.”", "“Feature flags let us roll back.”", "“A config change went out without a canary”", "“Improve monitoring”"} {
			require.Contains(t, out, want, name)
		}
		require.False(t, strings.Contains(out, "“\"") || strings.Contains(out, "““") || strings.Contains(out, "“&#34;"), "%s quotes twice:\n%s", name, out)
	}
}
