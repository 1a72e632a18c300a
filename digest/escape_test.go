package digest_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze"
	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
)

const (
	evilScript = `<script>alert("x")</script>`
	evilImg    = `<img src=x onerror=alert(1)>`
	evilStyle  = `</style><svg onload=alert(2)>`
	evilMD     = `**bold** [click](javascript:alert(3)) <b>raw</b> | cell`
)

// evilFixture puts script and markup into every text the digest shows from
// outside: team and service names, theme labels and factors, titles, quotes,
// action items, findings and URLs.
func evilFixture(t *testing.T) *fixture {
	f := orgFixture(t)
	team := "Team " + evilScript
	f.add(metrics.Incidents, 2, "period", "2026-10", "severity", "SEV1", "service", "svc"+evilImg, "team", team)
	f.set(metrics.IncidentsBySeverity, 4, "period", "2026-10", "severity", "SEV1")
	f.add(metrics.ActionItemsOverdue, 1, "priority", "P1", "team", team)
	f.add(metrics.ThemeInfo, 1, "theme", "th-evil", "label", "theme "+evilStyle)
	f.add(metrics.ThemeFactors, 20, "period", "2026-10", "theme", "th-evil")
	f.add(metrics.ThemeFactorsByTeam, 20, "period", "2026-10", "theme", "th-evil", "team", team)
	f.add(metrics.SLOObjectiveRatio, 0.99, "service", "svc"+evilImg, "window", "30d")
	f.add(metrics.DowntimeSeconds, 60, "service", "svc"+evilImg, "period", "2026-10")
	f.item(store.AnalysisItem{Analysis: "themes", Kind: analyze.ItemTheme, Key: "th-evil", Fields: fields("label", "theme "+evilStyle, "representative_text", "factor "+evilScript+" "+evilMD)})
	f.item(store.AnalysisItem{Analysis: "process", Kind: analyze.ItemHighlight, Period: "2026-10", Key: "PM-66", Team: team, Rank: 5,
		Fields: fields("section", "lessons", "quote", "lesson "+evilScript+" "+evilMD, "title", "title "+evilImg, "url", "javascript:alert(4)")})
	f.item(store.AnalysisItem{Analysis: "process", Kind: analyze.ItemHighlight, Period: "2026-10", Key: "PM-67", Team: team, Rank: 6,
		Fields: fields("section", "lucky", "quote", "lucky "+evilStyle, "title", "t2 "+evilMD, "url", `https://jira.example.com/browse/PM-67?a=")onmouseover=alert(5)`)})
	f.item(store.AnalysisItem{Analysis: "actions", Kind: analyze.ItemOldestOpenActionItem, Key: "EVIL-1", Team: team, Value: 999 * 86400,
		Fields: fields("summary", "item "+evilScript, "priority", "P1", "assignee", evilImg, "url", "data:text/html,<script>alert(6)</script>")})
	f.item(store.AnalysisItem{Analysis: "recurrence", Kind: analyze.ItemRecurringGroup, Period: "2026-10", Key: "PEVIL", Team: team, Service: "svc" + evilImg, Value: 9,
		Fields: fields("title", "group "+evilScript, "reason", "title")})
	f.item(store.AnalysisItem{Analysis: "language", Kind: analyze.ItemLanguageFinding, Period: "2026-10", Key: "PM-66", Team: team,
		Fields: fields("subject", "action_item", "rule", "vague "+evilImg, "sentence", "sentence "+evilScript, "why", "why "+evilImg, "title", "title "+evilMD, "url", "https://jira.example.com/browse/PM-66")})
	f.item(store.AnalysisItem{Analysis: "process", Kind: analyze.ItemOverduePostmortem, Key: "PEVIL2", Team: team, Value: 86400,
		Fields: fields("stage", "publish", "title", "pm "+evilScript, "severity", "SEV1")})
	return f
}

func TestHTMLEscapesEveryOutsideText(t *testing.T) {
	st := evilFixture(t).store()
	d := build(t, st, "2026-10", "")
	html := render(t, d)

	require.Equal(t, 1, strings.Count(strings.ToLower(html), "<style"), "only the page's own style element")
	require.Equal(t, 1, strings.Count(strings.ToLower(html), "</style"), "no injected end of style")
	for _, bad := range []string{"<script", "<img", "<svg onload", "<b>raw", `="javascript:`, `="data:`, `onmouseover=alert(5)"`} {
		require.NotContains(t, strings.ToLower(html), strings.ToLower(bad))
	}
	require.NotRegexp(t, regexp.MustCompile(`(?i)<[^>]*\son\w+\s*=`), html, "no element carries an event handler")
	// the text is still there, escaped
	for _, want := range []string{
		"Team &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;",
		"svc&lt;img src=x onerror=alert(1)&gt;",
		"theme &lt;/style&gt;&lt;svg onload=alert(2)&gt;",
		"lesson &lt;script&gt;",
		"item &lt;script&gt;",
		"group &lt;script&gt;",
		"sentence &lt;script&gt;",
		"pm &lt;script&gt;",
		"**bold** [click](javascript:alert(3)) &lt;b&gt;raw&lt;/b&gt; | cell",
	} {
		require.Contains(t, html, want)
	}
	// the unsafe link of the lesson is dropped, the title stays as text
	require.Contains(t, html, "<footer>title &lt;img src=x onerror=alert(1)&gt; · Team")
	// a quote in an http URL cannot leave the attribute
	require.Contains(t, html, `href="https://jira.example.com/browse/PM-67?a=%22%29onmouseover=alert%285%29"`)
}

func TestMarkdownEscapesEveryOutsideText(t *testing.T) {
	st := evilFixture(t).store()
	d := build(t, st, "2026-10", "")
	md := renderMD(t, d)

	for _, bad := range []string{"<script", "<img", "<svg", "<b>", "</style", "data:text/html", "**bold**", "[click]"} {
		require.NotContains(t, strings.ToLower(md), strings.ToLower(bad))
	}
	for _, want := range []string{
		`Team &lt;script&gt;alert("x")&lt;/script&gt;`,
		`svc&lt;img src=x onerror=alert(1)&gt;`,
		`\*\*bold\*\* \[click\](javascript:alert(3)) &lt;b&gt;raw&lt;/b&gt; \| cell`,
		"[title &lt;img src=x onerror=alert(1)&gt;](javascript:", // must not exist: checked below
	} {
		if strings.HasPrefix(want, "[title") {
			require.NotContains(t, md, want)
			continue
		}
		require.Contains(t, md, want)
	}
	require.NotRegexp(t, `(^|[^\\])\]\((javascript|data):`, md, "no link to a script")
	// only http(s) links, with parentheses and quotes percent-encoded
	for _, m := range regexp.MustCompile(`(?:^|[^\\])\]\(([^)]*)\)`).FindAllStringSubmatch(md, -1) {
		require.Regexp(t, `^https?://[^\s()<>"']+$`, m[1])
	}
	require.Contains(t, md, "(https://jira.example.com/browse/PM-67?a=%22%29onmouseover=alert%285%29)")
	// table rows keep their columns: an escaped | does not split a cell
	rows := 0
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| Team &lt;script") {
			rows++
			require.Equal(t, 11, strings.Count(line, "|")-strings.Count(line, `\|`), line) // ten columns
		}
	}
	require.Equal(t, 1, rows, "the evil team has one row in the teams table")
}
