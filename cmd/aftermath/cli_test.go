package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/ingest"
)

// TestFlagsAnywhere: every command takes its flags (and the common ones)
// before, between and after its positional arguments; "--" ends the flags.
func TestFlagsAnywhere(t *testing.T) {
	var n int
	var got []string
	echo := command{name: "echo", args: "WORDS...", summary: "Echo.",
		flags: func(fs *flag.FlagSet) { fs.IntVar(&n, "n", 0, "a number") },
		run:   func(_ context.Context, _ *app, args []string) error { got = args; return nil }}
	for _, tc := range []struct {
		args  []string
		want  []string
		wantN int
	}{
		{[]string{"--n", "1", "a", "b"}, []string{"a", "b"}, 1},
		{[]string{"a", "b", "--n", "2"}, []string{"a", "b"}, 2},
		{[]string{"a", "--n=3", "b", "--log.level", "debug"}, []string{"a", "b"}, 3},
		{[]string{"a", "--", "--n", "4", "b"}, []string{"a", "--n", "4", "b"}, 0},
		{[]string{"-", "--n", "5"}, []string{"-"}, 5},
		{nil, nil, 0},
	} {
		n, got = 0, nil
		var out, errOut bytes.Buffer
		code := runCommands(context.Background(), []command{echo}, append([]string{"echo"}, tc.args...), &out, &errOut)
		require.Equal(t, exitOK, code, "%v: %s", tc.args, errOut.String())
		require.Equal(t, tc.want, got, tc.args)
		require.Equal(t, tc.wantN, n, tc.args)
	}
	var out, errOut bytes.Buffer
	code := runCommands(context.Background(), []command{echo}, []string{"echo", "a", "--nope"}, &out, &errOut)
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut.String(), "flag provided but not defined: -nope")

	// The commands themselves, as the README shows them.
	cfg := writeConfig(t, "clickhouse:\n  addresses: [\"127.0.0.1:1\"]\n")
	code, stdout, stderr := runCLI(t, "config", "check", cfg, "--log.level", "debug")
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, stdout, "is valid")
	code, _, stderr = runCLI(t, "similar", "PM-912", "--config", cfg, "--json", "--n", "0")
	require.Equal(t, exitUsage, code)
	require.Equal(t, "aftermath similar: --n: must be at least 1, got 0\n", stderr, "the key and every flag are taken")
	code, _, stderr = runCLI(t, "similar", "PM-912", "PM-913", "--json")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "give exactly one postmortem key")
}

// TestHelpListsWholeSummaries: `aftermath --help` lists each command with
// the whole first sentence of its summary, wrapped, never cut.
func TestHelpListsWholeSummaries(t *testing.T) {
	code, stdout, _ := runCLI(t, "--help")
	require.Equal(t, exitOK, code)
	for _, line := range strings.Split(stdout, "\n") {
		require.LessOrEqual(t, len([]rune(line)), usageWidth, line)
	}
	_, list, ok := strings.Cut(stdout, "Commands:\n")
	require.True(t, ok)
	list, _, _ = strings.Cut(list, "\n\n")
	listed := map[string]string{}
	var name string
	for _, line := range strings.Split(list, "\n") {
		if !strings.HasPrefix(line, "   ") {
			name, line, _ = strings.Cut(strings.TrimSpace(line), " ")
		}
		listed[name] = strings.TrimSpace(listed[name] + " " + strings.TrimSpace(line))
	}
	cmds := commands()
	require.Len(t, listed, len(cmds))
	for _, c := range cmds {
		got := listed[c.name]
		require.True(t, strings.HasSuffix(got, "."), "%s: %q ends mid-sentence", c.name, got)
		require.True(t, strings.HasPrefix(strings.Join(strings.Fields(c.summary), " "), got), "%s: %q is not the start of its summary", c.name, got)
		require.NotContains(t, got[:len(got)-1], ". ", "%s: one sentence", c.name)
	}
	require.Equal(t, "Check a config file: print it normalized, defaults applied and secrets redacted, or every error with its file, line and key path (exit code 2).", listed["config"])
}

// TestHelpCommand: `aftermath help digest` prints the digest's own usage
// (its flags) on stdout, as `aftermath digest -h` does; an unknown command
// is a usage error.
func TestHelpCommand(t *testing.T) {
	code, stdout, _ := runCLI(t, "help", "digest")
	require.Equal(t, exitOK, code)
	require.Contains(t, stdout, "Usage: aftermath digest [flags]")
	require.Contains(t, stdout, "-deliver")
	require.NotContains(t, stdout, "Commands:")

	// serve's listen address falls back to the config; --help says so.
	code, stdout, _ = runCLI(t, "help", "serve")
	require.Equal(t, exitOK, code)
	require.Contains(t, stdout, "-web.listen-address address")
	require.Contains(t, stdout, "default: the config's exporter.listen_address, :9847 unless set")

	code, stdout, stderr := runCLI(t, "help", "nosuch")
	require.Equal(t, exitUsage, code)
	require.Empty(t, stdout)
	require.Contains(t, stderr, `unknown command "nosuch"`)
}

func TestWrap(t *testing.T) {
	require.Equal(t, "aa bb\n  cc\n  dddddddd\n  e", wrap("aa bb cc dddddddd e", 5, "  "))
	require.Equal(t, "", wrap("", 5, "  "))
	require.Equal(t, "one line", wrap(" one \n line ", 80, "  "))
}

// TestCommandsResolveOnlyTheSecretsTheyUse: analyze, migrate and similar
// need ClickHouse's password, not the sources' tokens; digest needs the
// delivery secrets only when it delivers; ingest --reextract, which calls
// no API, needs only ClickHouse's; a sync and serve stay strict.
// ClickHouse is unreachable, so getting past the config is exit code 1.
func TestCommandsResolveOnlyTheSecretsTheyUse(t *testing.T) {
	for _, k := range []string{"AFTERMATH_PAGERDUTY_TOKEN", "AFTERMATH_JIRA_TOKEN", "AFTERMATH_JIRA_EMAIL", "AFTERMATH_DIGEST_WEBHOOK_URL", "AFTERMATH_CLICKHOUSE_PASSWORD"} {
		t.Setenv(k, "")
	}
	unreachable := "clickhouse:\n  addresses: [\"127.0.0.1:1\"]\n  dial_timeout: 2s\n"
	sources := "pagerduty:\n  enabled: true\njira:\n  enabled: true\n  base_url: https://jira.example.com\n"
	webhook := "digest:\n  webhook:\n    enabled: true\n"
	missingPassword := "clickhouse:\n  addresses: [\"127.0.0.1:1\"]\n  password_file: " + filepath.Join(t.TempDir(), "none") + "\n"
	for _, tc := range []struct {
		config string
		args   []string
		code   int
		want   string
	}{
		{unreachable + sources + webhook, []string{"analyze"}, exitFailure, "ping clickhouse"},
		{unreachable + sources + webhook, []string{"migrate"}, exitFailure, "ping clickhouse"},
		{unreachable + sources + webhook, []string{"similar", "PM-1"}, exitFailure, "ping clickhouse"},
		{unreachable + sources, []string{"digest"}, exitFailure, "ping clickhouse"},
		{unreachable + sources + webhook, []string{"digest", "--deliver=false"}, exitFailure, "ping clickhouse"},
		{unreachable + webhook, []string{"digest"}, exitUsage, "digest.webhook.url_env: environment variable AFTERMATH_DIGEST_WEBHOOK_URL is not set"},
		{unreachable + sources, []string{"ingest", "--once"}, exitUsage, "pagerduty.token_env: environment variable AFTERMATH_PAGERDUTY_TOKEN is not set"},
		{unreachable + sources, []string{"ingest", "--reextract"}, exitFailure, "ping clickhouse"},
		{unreachable + sources, []string{"ingest", "--reextract=false", "--once"}, exitUsage, "pagerduty.token_env: environment variable AFTERMATH_PAGERDUTY_TOKEN is not set"},
		// One source named: only its credentials are needed.
		{unreachable + sources, []string{"ingest", "--once", "--source", "jira"}, exitUsage, "jira.auth.token_env: environment variable AFTERMATH_JIRA_TOKEN is not set"},
		{missingPassword + sources, []string{"ingest", "--reextract"}, exitUsage, "clickhouse.password_file: cannot read secret"},
		{unreachable + sources, []string{"serve"}, exitUsage, "pagerduty.token_env: environment variable AFTERMATH_PAGERDUTY_TOKEN is not set"},
		{unreachable + webhook, []string{"serve"}, exitUsage, "digest.webhook.url_env: environment variable AFTERMATH_DIGEST_WEBHOOK_URL is not set"},
		{missingPassword, []string{"analyze"}, exitUsage, "clickhouse.password_file: cannot read secret"},
		{missingPassword, []string{"migrate"}, exitUsage, "clickhouse.password_file: cannot read secret"},
	} {
		args := append(tc.args, "--config", writeConfig(t, tc.config))
		code, _, stderr := runCLI(t, args...)
		require.Equal(t, tc.code, code, "%v: %s", tc.args, stderr)
		require.Contains(t, stderr, tc.want, tc.args)
		if slices.Contains(tc.args, "--source") {
			require.NotContains(t, stderr, "AFTERMATH_PAGERDUTY_TOKEN", "the source not named needs no token")
		}
	}
}

// TestConfigCheckPrintsAValidConfig: what `config check` prints, saved,
// passes `config check` and prints the same again.
func TestConfigCheckPrintsAValidConfig(t *testing.T) {
	t.Setenv("AFTERMATH_PAGERDUTY_TOKEN", "pd-secret-token-value")
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ch-password"), []byte("ch-secret-password\n"), 0o600))
	first := filepath.Join(dir, "aftermath.yml")
	require.NoError(t, os.WriteFile(first, []byte("clickhouse:\n  password_file: ch-password\npagerduty:\n  enabled: true\nanalysis:\n  team_aliases: {devprod: Developer Productivity}\n"), 0o600))
	code, out1, stderr := runCLI(t, "config", "check", first)
	require.Equal(t, exitOK, code, stderr)
	require.NotContains(t, out1, "secret-")

	norm := filepath.Join(dir, "norm.yml")
	require.NoError(t, os.WriteFile(norm, []byte(out1), 0o600))
	code, out2, stderr := runCLI(t, "config", "check", norm)
	require.Equal(t, exitOK, code, "%s\n%s", stderr, out1)
	_, body1, _ := strings.Cut(out1, "\n")
	_, body2, _ := strings.Cut(out2, "\n")
	require.Equal(t, body1, body2)
	require.Contains(t, out1, "token_env: AFTERMATH_PAGERDUTY_TOKEN # token: <redacted>\n", "a set secret is noted")
}

// failingSource is an ingest source whose sync fails with err.
type failingSource struct{ err error }

func (failingSource) Name() string                                      { return "pagerduty" }
func (s failingSource) Sync(context.Context) (ingest.Stats, error)      { return ingest.Stats{}, s.err }
func (s failingSource) Reextract(context.Context) (ingest.Stats, error) { return ingest.Stats{}, s.err }

// TestSyncErrorsAreNotPrefixedTwice: a source's errors already name it.
func TestSyncErrorsAreNotPrefixedTwice(t *testing.T) {
	want := errors.New("pagerduty: GET /incidents: HTTP response failed with status code 401")
	_, err := syncOnce(context.Background(), failingSource{want}, &app{})
	require.ErrorIs(t, err, want)
	require.Equal(t, want.Error(), err.Error())
}
