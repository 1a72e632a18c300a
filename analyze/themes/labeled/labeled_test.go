package labeled

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReadErrorsNameTheLineAndField(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"not json", `{"id":"a","category":"x","text":"t"}` + "\n{oops\n", "f.jsonl:2: not a JSON object: invalid character 'o' looking for beginning of object key string"},
		{"no id", `{"category":"x","text":"t"}`, "f.jsonl:1: field id: missing"},
		{"no text", `{"id":"a","category":"x"}`, "f.jsonl:1: field text: missing"},
		{"empty text", `{"id":"a","category":"x","text":"  "}`, "f.jsonl:1: field text: empty"},
		{"no category", `{"id":"a","text":"t"}`, "f.jsonl:1: field category: missing"},
		{"category not a string", `{"id":"a","text":"t","category":3}`, "f.jsonl:1: field category: must be a string"},
		{"duplicate id", `{"id":"a","category":"x","text":"t"}` + "\n\n" + `{"id":"a","category":"y","text":"u"}`, `f.jsonl:3: field id: "a" already on line 1`},
		{"empty file", "\n \n", "f.jsonl: no records"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Read(strings.NewReader(tc.in), "f.jsonl", ReadOptions{})
			require.EqualError(t, err, tc.want)
		})
	}
}

func TestReadSchemesLabelsAndTextField(t *testing.T) {
	in := `{"id":"a","category":"x","category_fine":"x/1","text":"short","full_text":"long a","label_scheme":"s1"}
{"id":"b","category":"y","category_fine":null,"full_text":"long b"}`
	_, _, err := Read(strings.NewReader(in), "f.jsonl", ReadOptions{})
	require.EqualError(t, err, "f.jsonl:2: field text: missing")
	recs, skipped, err := Read(strings.NewReader(in), "f.jsonl", ReadOptions{SkipMissingText: true})
	require.NoError(t, err)
	require.Equal(t, 1, skipped)
	require.Len(t, recs, 1)
	recs, _, err = Read(strings.NewReader(in), "f.jsonl", ReadOptions{Scheme: "s1"})
	require.NoError(t, err, "only s1's records are read")
	require.Equal(t, []Record{{ID: "a", Scheme: "s1", Text: "short", Labels: map[string]string{"category": "x", "category_fine": "x/1"}}}, recs)
	_, _, err = Read(strings.NewReader(in), "f.jsonl", ReadOptions{Scheme: "s2"})
	require.EqualError(t, err, `f.jsonl: no records with label_scheme "s2"`)
	recs, _, err = Read(strings.NewReader(in), "f.jsonl", ReadOptions{TextField: "full_text"})
	require.NoError(t, err)
	require.Equal(t, []Record{
		{ID: "a", Scheme: "s1", Text: "long a", Labels: map[string]string{"category": "x", "category_fine": "x/1"}},
		{ID: "b", Scheme: DefaultScheme, Text: "long b", Labels: map[string]string{"category": "y"}},
	}, recs)
}

// labeledTopics makes n texts for each of three causes with their own
// vocabulary and varied wording.
func labeledTopics(n int) []Record {
	topics := map[string][]string{
		"certificate": {"the TLS certificate expired", "an expired cert broke the handshake", "certificate renewal was missed and TLS failed", "the cert rotation job did not renew the certificate"},
		"capacity":    {"the database ran out of connections under load", "traffic exceeded the capacity of the cluster", "the pool was exhausted by a surge of requests", "memory saturation from load overwhelmed the nodes"},
		"config":      {"a config change with a bad value was pushed", "the misconfigured flag was rolled out without validation", "a configuration typo reached production", "the config push changed a timeout value to zero"},
	}
	var out []Record
	i := 0
	for cat, ss := range topics {
		for j := 0; j < n; j++ {
			out = append(out, Record{ID: fmt.Sprintf("r%d", i), Scheme: "s", Text: fmt.Sprintf("%s on host %d.", ss[j%len(ss)], j), Labels: map[string]string{"category": cat}})
			i++
		}
	}
	return out
}

func TestEvaluateRecoversDistinctCauses(t *testing.T) {
	recs := labeledTopics(20)
	recs[0].Labels["category_fine"] = recs[0].Labels["category"] + "/fine"
	rows, err := Evaluate(recs, Options{Seeds: 3})
	require.NoError(t, err)
	require.Len(t, rows, 6, "category and category_fine, each with CV, defaults and the baseline")
	var got []string
	for _, r := range rows {
		got = append(got, r.Label+" "+r.Method)
	}
	require.Equal(t, []string{"category " + MethodCV, "category " + MethodDefaults, "category " + MethodBaseline,
		"category_fine " + MethodCV, "category_fine " + MethodDefaults, "category_fine " + MethodBaseline}, got)
	require.Equal(t, 60, rows[0].N)
	require.Equal(t, 3, rows[0].Labels)
	require.Equal(t, 4, rows[3].Labels, "category_fine falls back to category where a record has none")
	require.Equal(t, 3.0, rows[2].Clusters, "the baseline is given the true k")
	chosen := 0
	for _, n := range rows[0].Chosen {
		chosen += n
	}
	require.Equal(t, 3*5, chosen, "one choice per seed and fold")
	// Every cluster holds one cause (the clustering may split a cause by
	// its phrasings, which NMI forgives more than ARI).
	require.GreaterOrEqual(t, rows[0].Purity.Mean, 0.95, "three causes with their own words: %+v", rows[0])
	require.GreaterOrEqual(t, rows[0].NMI.Mean, 0.75, "three causes with their own words: %+v", rows[0])
	require.LessOrEqual(t, rows[0].ARI.Min, rows[0].ARI.Mean)
	require.GreaterOrEqual(t, rows[0].ARI.Max, rows[0].ARI.Mean)

	var b bytes.Buffer
	require.NoError(t, WriteMarkdown(&b, rows, 3, 5))
	require.Contains(t, b.String(), "| s / category | 60 | 3 | "+MethodCV+" |")
}

func TestSummarizeMeanAndSpread(t *testing.T) {
	s := summarize([]float64{0.1, 0.2, 0.3, 0.4})
	require.InDelta(t, 0.25, s.Mean, 1e-12)
	require.InDelta(t, 0.1290994, s.SD, 1e-6, "sample standard deviation")
	require.Equal(t, 0.1, s.Min)
	require.Equal(t, 0.4, s.Max)
	require.Equal(t, Summary{Mean: 0.5, Min: 0.5, Max: 0.5}, summarize([]float64{0.5}))
}

func TestEvaluateNeedsTwoRecordsPerScheme(t *testing.T) {
	_, err := Evaluate([]Record{{ID: "a", Scheme: "lonely", Text: "x", Labels: map[string]string{"category": "c"}}}, Options{})
	require.ErrorIs(t, err, ErrTooFew)
	require.ErrorContains(t, err, "scheme lonely")
}
