package labeled

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReadRejectsBadRecordsByLineAndField(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"text":"Add monitoring","vague":true}`, "f.jsonl:1: field id: missing"},
		{`{"id":"a","vague":true}`, "f.jsonl:1: field text: missing"},
		{`{"id":"a","text":"  ","vague":true}`, "f.jsonl:1: field text: empty"},
		{`{"id":"a","text":"Add monitoring","vague":"yes"}`, `f.jsonl:1: field vague: must be true or false, got "yes"`},
		{`{"id":"a","text":"Add monitoring"}`, "f.jsonl:1: fields vague and blame: missing"},
		{"{\"id\":\"a\",\"text\":\"x\",\"blame\":false}\n\n{\"id\":\"a\",\"text\":\"y\",\"blame\":false}", `f.jsonl:3: field id: "a" already on line 1`},
		{`not json`, "f.jsonl:1: not a JSON object"},
		{"\n\n", "f.jsonl: no record with a vague or blame label"},
	} {
		_, err := Read(strings.NewReader(tc.in), "f.jsonl")
		require.ErrorContains(t, err, tc.want, tc.in)
	}
}

func TestEvaluateCountsAgainstTheLabels(t *testing.T) {
	in := strings.Join([]string{
		`{"id":"v1","text":"Make deploys safer","vague":true}`,
		`{"id":"v2","text":"Reduce alert noise","vague":true}`,
		`{"id":"v3","text":"Add a CI check that rejects configs with an empty upstream list","vague":true}`, // labeled vague, not flagged: a miss
		`{"id":"s1","text":"Rotate the expired TLS certificate for the payments gateway","vague":false}`,
		`{"id":"s2","text":"Improve monitoring","vague":false}`, // labeled specific, flagged
		`{"id":"b1","text":"The DBA dropped the wrong table during the cleanup.","blame":true}`,
		`{"id":"b2","text":"The on-call engineer restored service by failing over to the secondary region.","blame":false}`,
		`{"id":"both","text":"Be more careful when editing DNS records","vague":true,"blame":false}`,
	}, "\n")
	recs, err := Read(strings.NewReader(in), "mine.jsonl")
	require.NoError(t, err)
	require.Len(t, recs, 8)
	rep := Evaluate(recs, Options{})
	require.Equal(t, Counts{TP: 3, FP: 1, FN: 1, TN: 1}, rep.Vague)
	require.Equal(t, Counts{TP: 1, TN: 2}, rep.Blame)
	require.Len(t, rep.Disagreements, 2)
	require.Equal(t, "v3", rep.Disagreements[0].ID)
	require.Empty(t, rep.Disagreements[0].Rules)
	require.Equal(t, "s2", rep.Disagreements[1].ID)
	require.Equal(t, []string{"vague-improve"}, rep.Disagreements[1].Rules)
	require.Equal(t, 5, rep.Disagreements[1].Line)
	require.Equal(t, []RuleCount{
		{Check: "blame", Rule: "person-fault", Flagged: 1, Positive: 1},
		{Check: "vague", Rule: "vague-be-careful", Flagged: 1, Positive: 1},
		{Check: "vague", Rule: "vague-improve", Flagged: 1, Positive: 0},
		{Check: "vague", Rule: "vague-no-target", Flagged: 2, Positive: 2},
	}, rep.Rules)

	var b bytes.Buffer
	require.NoError(t, WriteMarkdown(&b, rep, true))
	out := b.String()
	require.Contains(t, out, "| vague action items | 6 | 4 | 4 | 0.750 [0.30, 0.95] (3/4) | 0.750 [0.30, 0.95] (3/4) | 0.500 [0.09, 0.91] (1/2) |")
	require.Contains(t, out, "| blaming sentences | 3 | 1 | 1 | 1.000 [0.21, 1.00] (1/1) | 1.000 [0.21, 1.00] (1/1) | 0.000 [0.00, 0.66] (0/2) |")
	require.Contains(t, out, `- line 3, v3, labeled vague true, not flagged: "Add a CI check`)
	require.Contains(t, out, `- line 5, s2, labeled vague false, flagged vague-improve: `)
	require.Contains(t, out, "| vague | vague-improve | 1 | 0.000 [0.00, 0.79] (0/1) |")
	require.Contains(t, out, "| vague | vague-no-target | 2 | 1.000 [0.34, 1.00] (2/2) |")
	b.Reset()
	require.NoError(t, WriteMarkdown(&b, rep, false))
	require.NotContains(t, b.String(), "disagreements")
}

func TestRatioWithoutTexts(t *testing.T) {
	require.Equal(t, "– (0/0)", Counts{TP: 0, TN: 3}.Precision().String())
}
