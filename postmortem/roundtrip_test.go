package postmortem

import (
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// formats are the three renderer/parser pairs under test.
var formats = []struct {
	name   string
	render func(*Document) (string, error)
	parse  func(string) (*Document, error)
}{
	{"markdown", func(d *Document) (string, error) { return RenderMarkdown(d), nil }, ParseMarkdown},
	{"wiki", func(d *Document) (string, error) { return RenderWiki(d), nil }, ParseWiki},
	{"adf", func(d *Document) (string, error) {
		b, err := RenderADF(d)
		return string(b), err
	}, func(s string) (*Document, error) { return ParseADF([]byte(s)) }},
	{"sniffed", func(d *Document) (string, error) { return RenderWiki(d), nil }, Parse},
}

func roundTripCases() []struct {
	name string
	doc  *Document
} {
	at := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	full := &Document{
		Title:      "Checkout outage",
		Summary:    "The primary database failed over.\nCheckout returned errors for 40 minutes.",
		Impact:     "- 12% of checkouts failed\n- p99 latency 9s",
		Detection:  "Paged by the error-rate alert.",
		WentWell:   "Rollback was quick.",
		WentPoorly: "The runbook was out of date.",
		Lucky:      "It happened on a Sunday.",
		Lessons:    "1. Validate configs\n2. Rehearse failover",
		Timeline: []TimelineRow{
			{At: at("2024-01-02T10:04:00Z"), Time: "2024-01-02 10:04 UTC", Text: "Config change deployed"},
			{At: at("2024-01-02T10:16:00Z"), Time: "10:16", Text: "Error-rate alert fires"},
			{At: at("2024-01-02T10:44:00Z"), Time: "", Text: "Rolled back"},
		},
		Factors: []Factor{
			{Ordinal: 1, Name: "Config change without validation", Text: "The change skipped the validator."},
			{Ordinal: 2, Name: "Missing tests", Text: "No test covered failover.\n\nNor the retry path."},
		},
		ActionItems: []ActionItemRow{
			{Key: "ACT-12", Summary: "Validate configs in CI", Owner: "alice", Priority: "P1", Due: "2024-02-01"},
			{Summary: "Update the failover runbook", Priority: "P3"},
		},
		TimeToDetect: 12 * time.Minute,
	}
	return []struct {
		name string
		doc  *Document
	}{
		{"full template", full},
		{"empty document", &Document{}},
		{"title only", &Document{Title: "Near miss"}},
		{"stated time to detect is not repeated", &Document{Detection: "We noticed after 25 minutes.", TimeToDetect: 25 * time.Minute}},
		{"time to detect with seconds", &Document{TimeToDetect: time.Hour + 5*time.Minute + 7*time.Second}},
		{"factor without name or ordinal", &Document{Factors: []Factor{{Text: "Capacity ran out."}, {Name: "DNS", Text: ""}}}},
		{"markup characters in text", &Document{
			Summary: `*not bold* _not italic_ [not a link](x) a|b {code} h1. \\ &amp; ~x~ ^y^ +z+ ??c?? !i.png!`,
			Impact:  "# not a heading\n- not a list\n1. not numbered\n> not a quote\n----\n===",
			Factors: []Factor{{Ordinal: 1, Name: "Snake_case *and* stars", Text: "| not | a table |"}},
			ActionItems: []ActionItemRow{
				{Key: "OPS-7", Summary: "Fix a|b [x|y] and {{mono}}", Owner: "@bob", Priority: "High", Due: "next sprint"},
			},
		}},
		{"sections subset renamed reordered with unknown ones", &Document{
			Title:   "Queue backlog",
			Summary: "Backlog grew.",
			Lessons: "Watch the queue.",
			Sections: []Section{
				{Text: "Draft, do not circulate."},
				{Name: SectionLessons, Heading: "Takeaways"},
				{Heading: "Background", Text: "The queue feeds billing."},
				{Name: SectionSummary, Heading: "TL;DR"},
				{Name: SectionActionItems},
			},
			Impact: "not rendered: its section is not listed",
		}},
	}
}

func TestRoundTripTable(t *testing.T) {
	for _, tc := range roundTripCases() {
		for _, f := range formats {
			t.Run(tc.name+"/"+f.name, func(t *testing.T) {
				text, err := f.render(tc.doc)
				require.NoError(t, err)
				got, err := f.parse(text)
				require.NoError(t, err)
				require.Equal(t, expectAfterRoundTrip(tc.doc), toComparable(got), "rendered:\n%s", text)
			})
		}
	}
}

// TestRoundTripProperty renders and parses generated documents (seeded, so
// failures reproduce) in every format. AFTERMATH_ROUNDTRIP_DOCS sets how many
// per format (400 by default, 50 with -short).
func TestRoundTripProperty(t *testing.T) {
	n := 400
	if testing.Short() {
		n = 50
	}
	if s := os.Getenv("AFTERMATH_ROUNDTRIP_DOCS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(42, 7))
			for i := range n {
				d := genDocument(r)
				text, err := f.render(d)
				require.NoError(t, err)
				got, err := f.parse(text)
				require.NoError(t, err)
				require.Equal(t, expectAfterRoundTrip(d), toComparable(got), "document %d, rendered:\n%s", i, text)
			}
		})
	}
}
