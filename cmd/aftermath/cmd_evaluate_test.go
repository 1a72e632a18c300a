package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEvaluateThemes(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	causes := map[string][]string{
		"cert":   {"the TLS certificate expired", "an expired cert broke the handshake"},
		"config": {"a config change with a bad value was pushed", "the misconfigured flag was rolled out without validation"},
	}
	i := 0
	for cat, texts := range causes {
		for j := 0; j < 12; j++ {
			fmt.Fprintf(&b, `{"id":"r%d","label_scheme":"mine","category":%q,"text":%q}`+"\n", i, cat, fmt.Sprintf("%s on host %d", texts[j%2], j))
			i++
		}
	}
	good := filepath.Join(dir, "labeled.jsonl")
	require.NoError(t, os.WriteFile(good, []byte(b.String()), 0o644))

	code, stdout, stderr := runCLI(t, "evaluate", "themes", good, "--seeds", "2")
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, stdout, "24 records, field text")
	require.Contains(t, stdout, "| mine / category | 24 | 2 | aftermath (settings chosen by CV) |")
	require.Contains(t, stdout, "| mine / category | 24 | 2 | aftermath (default settings) |")
	require.Contains(t, stdout, "| mine / category | 24 | 2 | baseline TF-IDF k-means (k = #labels) |")
	require.Contains(t, stdout, "How to read it: ARI (adjusted Rand index) is 0 for themes no better than chance")
	require.NotContains(t, stdout, "folds instead of")

	// Eight records: four folds, not the ten asked for, and the output says so.
	few := filepath.Join(dir, "few.jsonl")
	require.NoError(t, os.WriteFile(few, []byte(strings.Join(strings.SplitAfter(b.String(), "\n")[8:16], "")), 0o644))
	code, stdout, stderr = runCLI(t, "evaluate", "themes", few, "--seeds", "1", "--folds", "10")
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, stdout, "mine: 8 records, so 4 folds instead of 10 (each fold holds at least two records).")

	bad := filepath.Join(dir, "bad.jsonl")
	require.NoError(t, os.WriteFile(bad, []byte(`{"id":"a","category":"x"}`), 0o644))
	oneLabel := filepath.Join(dir, "onelabel.jsonl")
	require.NoError(t, os.WriteFile(oneLabel, []byte(strings.ReplaceAll(b.String(), `"category":"cert"`, `"category":"config"`)), 0o644))
	lonely := filepath.Join(dir, "lonely.jsonl")
	require.NoError(t, os.WriteFile(lonely, []byte(`{"id":"a","category":"x","text":"t","label_scheme":"one"}`), 0o644))
	// Bad input is bad usage (exit code 2), with the file, line and field.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"themes", bad}, "bad.jsonl:1: field text: missing"},
		{[]string{"themes", good, "--text-field", "full_text"}, "labeled.jsonl:1: field full_text: missing"},
		{[]string{"themes", good, "--scheme", "theirs"}, `no records with label_scheme "theirs"`},
		{[]string{"themes", lonely}, "lonely.jsonl: scheme one: fewer than two records"},
		{[]string{"themes", oneLabel}, "onelabel.jsonl: scheme mine: every record has the same category"},
		{[]string{"themes", filepath.Join(dir, "none.jsonl")}, "none.jsonl"},
		{[]string{"widgets", good}, "usage: aftermath evaluate themes FILE.jsonl"},
		{[]string{"themes", good, "--seeds", "0"}, "--seeds"},
		{[]string{"themes", good, "--folds", "1"}, "--folds"},
		{[]string{"themes", good, "extra"}, `unexpected argument "extra"`},
	} {
		code, _, stderr := runCLI(t, append([]string{"evaluate"}, tc.args...)...)
		require.Equal(t, exitUsage, code, "%v: %s", tc.args, stderr)
		require.Contains(t, stderr, tc.want, tc.args)
	}
}

func TestEvaluateLanguage(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "ours.jsonl")
	require.NoError(t, os.WriteFile(good, []byte(strings.Join([]string{
		`{"id":"ACT-1","text":"Make deploys safer","vague":true}`,
		`{"id":"ACT-2","text":"Rotate the expired TLS certificate for the payments gateway","vague":false}`,
		`{"id":"ACT-3","text":"Improve monitoring","vague":false}`,
		`{"id":"PM-1#4","text":"Dana forgot to renew the domain.","blame":true}`,
		`{"id":"PM-1#5","text":"The deploy tool allowed the wrong config to reach every region.","blame":false}`,
	}, "\n")), 0o644))

	code, stdout, stderr := runCLI(t, "evaluate", "language", good, "--misses", "--names", "Dana Smith, Dana")
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, stdout, "ours.jsonl: 3 action items (1 labeled vague), 2 sentences (1 labeled blaming)")
	require.Contains(t, stdout, "| vague action items | 3 | 1 | 2 | 0.500 [0.09, 0.91] (1/2) | 1.000 [0.21, 1.00] (1/1) | 0.500 [0.09, 0.91] (1/2) |")
	require.Contains(t, stdout, "| blaming sentences | 2 | 1 | 1 | 1.000 [0.21, 1.00] (1/1) | 1.000 [0.21, 1.00] (1/1) | 0.000 [0.00, 0.79] (0/1) |")
	require.Contains(t, stdout, `- line 3, ACT-3, labeled vague false, flagged vague-improve`)
	// The common flags go with either evaluation.
	code, _, stderr = runCLI(t, "evaluate", "language", good, "--log.level", "debug")
	require.Equal(t, exitOK, code, stderr)

	bad := filepath.Join(dir, "bad.jsonl")
	require.NoError(t, os.WriteFile(bad, []byte(`{"id":"a","text":"Add monitoring","vague":"maybe"}`), 0o644))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"language", bad}, `bad.jsonl:1: field vague: must be true or false, got "maybe"`},
		{[]string{"language", filepath.Join(dir, "none.jsonl")}, "none.jsonl"},
		{[]string{"language", good, "--seeds", "3"}, "aftermath evaluate: --seeds: a flag of evaluate themes, not of evaluate language\n"},
		{[]string{"themes", good, "--misses"}, "aftermath evaluate: --misses: a flag of evaluate language, not of evaluate themes\n"},
		{[]string{"language"}, "aftermath evaluate language FILE.jsonl"},
	} {
		code, _, stderr := runCLI(t, append([]string{"evaluate"}, tc.args...)...)
		require.Equal(t, exitUsage, code, "%v: %s", tc.args, stderr)
		require.Contains(t, stderr, tc.want, tc.args)
	}
}
