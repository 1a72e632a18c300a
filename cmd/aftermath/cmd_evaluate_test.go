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
	require.Contains(t, stdout, "| mine / category | 24 | 2 | aftermath (k chosen) |")
	require.Contains(t, stdout, "| mine / category | 24 | 2 | baseline TF-IDF k-means (k = #labels) |")

	bad := filepath.Join(dir, "bad.jsonl")
	require.NoError(t, os.WriteFile(bad, []byte(`{"id":"a","category":"x"}`), 0o644))
	code, _, stderr = runCLI(t, "evaluate", "themes", bad)
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "bad.jsonl:1: field text: missing")

	code, _, stderr = runCLI(t, "evaluate", "themes", good, "--text-field", "full_text")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "labeled.jsonl:1: field full_text: missing")

	code, _, stderr = runCLI(t, "evaluate", "themes", good, "--scheme", "theirs")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, `no records with label_scheme "theirs"`)

	code, _, stderr = runCLI(t, "evaluate", "themes", filepath.Join(dir, "none.jsonl"))
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "none.jsonl")

	code, _, stderr = runCLI(t, "evaluate", "widgets", good)
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "usage: aftermath evaluate themes FILE.jsonl")

	code, _, stderr = runCLI(t, "evaluate", "themes", good, "--seeds", "0")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "--seeds")
}
