package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // time zone checks must not depend on the machine

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// Every secret used by the tests contains "SECRET", so one search shows a leak.
var testEnv = map[string]string{
	"AFTERMATH_PAGERDUTY_TOKEN": "pd-env-SECRET-5",
	"AFTERMATH_JIRA_TOKEN":      "jira-env-SECRET-6",
	"AFTERMATH_JIRA_EMAIL":      "sre-bot@example.com",
}

func getenv(k string) string { return testEnv[k] }

func parseFile(t *testing.T, path string) (*Config, error) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return Parse(data, path, getenv, os.ReadFile)
}

// defaultsIn is Default with its relative paths in dir, as for a config
// file in dir.
func defaultsIn(dir string) *Config {
	c := Default()
	c.resolvePaths(dir)
	return c
}

func TestGoodConfigs(t *testing.T) {
	tests := []struct {
		file  string
		check func(t *testing.T, got *Config)
	}{
		{"empty.good.yml", func(t *testing.T, got *Config) {
			require.Equal(t, defaultsIn("testdata"), got)
		}},
		{"comments_only.good.yml", func(t *testing.T, got *Config) {
			require.Equal(t, defaultsIn("testdata"), got)
		}},
		{"minimal.good.yml", func(t *testing.T, got *Config) {
			want := defaultsIn("testdata")
			want.PagerDuty.Enabled = true
			want.PagerDuty.Token = NewSecret("pd-env-SECRET-5")
			want.Jira.Enabled = true
			want.Jira.BaseURL = "https://example.atlassian.net"
			want.Jira.Auth.Token = NewSecret("jira-env-SECRET-6")
			want.Jira.Auth.Email = "sre-bot@example.com"
			require.Equal(t, want, got)
		}},
		{"disabled_secrets.good.yml", func(t *testing.T, got *Config) {
			require.False(t, got.PagerDuty.Token.IsSet())
			require.False(t, got.Jira.Auth.Token.IsSet())
		}},
		{"full.good.yml", func(t *testing.T, got *Config) {
			ch := got.ClickHouse
			require.Equal(t, []string{"ch-1.internal:9000", "[::1]:9440"}, ch.Addresses)
			require.False(t, ch.ManagedLocal())
			require.Equal(t, "learning", ch.Database)
			require.Equal(t, filepath.Join("testdata", "secrets", "empty"), ch.PasswordFile, "relative to the config folder")
			require.Empty(t, ch.PasswordEnv, "password_file drops the default password_env")
			require.False(t, ch.Password.IsSet(), "an empty optional secret is fine")
			require.Equal(t, "/var/lib/aftermath/clickhouse", ch.Managed.StateDir, "absolute paths stay")
			require.Equal(t, "clickhouse-server", ch.Managed.Binary, "default kept beside set keys")
			require.Equal(t, 2*time.Minute, ch.Managed.StartTimeout.D())

			pd := got.PagerDuty
			require.Equal(t, "pd-file-SECRET-1", pd.Token.Reveal(), "trailing newline trimmed")
			require.Empty(t, pd.TokenEnv)
			require.Equal(t, 0, pd.RequestsPerMinute)
			require.Equal(t, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), pd.BackfillStart.At(time.Now()))
			require.Equal(t, map[string]string{"Sev 1 - Critical": "SEV1", "Sev 2": "SEV2"}, pd.Severity.Priorities,
				"a map in the file replaces the default map")
			require.Equal(t, "SEV2", pd.Severity.Severity("", "high"))

			j := got.Jira
			require.Equal(t, "jira-file-SECRET-2", j.Auth.Token.Reveal(), "CRLF trimmed")
			require.Equal(t, AuthBearer, j.Auth.Type)
			require.Empty(t, j.Auth.Email, "bearer needs no email")
			require.Equal(t, `project = INC AND issuetype = "Post-incident review"`, j.PostmortemJQL)
			require.Equal(t, "project = ACT AND issuetype = Task", j.ActionItemJQL)
			require.Equal(t, []string{"Published", "Done"}, j.PublishedStatuses)
			require.Equal(t, "P1", j.NormalizePriority("Blocker"))
			require.Equal(t, Unknown, j.NormalizePriority("Highest"))
			require.Equal(t, TeamField{From: TeamFromField, Field: "customfield_10030", LabelPrefix: "team-"}, j.Fields.Team)
			require.Equal(t, time.Hour, j.SyncOverlap.D())
			require.Equal(t, 2*time.Hour, j.MetadataRefresh.D())

			require.Equal(t, []SLO{
				{Service: "checkout", Target: 0.9995, Window: WindowRolling30d, HourlyCost: 1200.5,
					CustomerImpacting: CustomerImpacting{Severities: []string{"SEV1", "SEV2"}}},
				{Service: "search", Target: 0.99, Window: WindowCalendarMonth, HourlyCost: 1200.5,
					CustomerImpacting: CustomerImpacting{Severities: []string{"SEV1", "SEV2"}}},
			}, got.SLOs, "merge keys apply, explicit keys win, list items get defaults")

			a := got.Analysis
			require.Equal(t, PriorityDurations{P1: Duration(week), P2: Duration(14 * day), P3: Duration(30 * day),
				P4: Duration(60 * day), P5: Duration(36 * time.Hour)}, a.StaleAfter)
			require.Equal(t, 14*day, a.Postmortem.PublishWithin.D())
			require.Equal(t, Schedule{PagerDuty: Duration(time.Minute), Jira: Duration(15 * time.Minute),
				Analysis: Duration(15 * time.Minute)}, got.Schedule)
			require.Equal(t, Exporter{ListenAddress: "127.0.0.1:0", WebConfigFile: filepath.Join("testdata", "web", "good.yml")}, got.Exporter)

			d := got.Digest
			require.Equal(t, filepath.Join("testdata", "out", "digests"), d.OutputDir)
			require.Equal(t, "https://hooks.example.com/services/T0/B0/SECRET-3", d.Webhook.URL.Reveal())
			require.Equal(t, "smtp-SECRET-4", d.SMTP.Password.Reveal(), "no trailing newline to trim")
			require.Equal(t, []string{"sre-leads@example.com"}, d.SMTP.To)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := parseFile(t, filepath.Join("testdata", tt.file))
			require.NoError(t, err)
			require.NoError(t, got.Validate())
			tt.check(t, got)
		})
	}
}

func TestBadConfigs(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"unknown_keys.bad.yml", []string{
			`testdata/unknown_keys.bad.yml:1: clickhose: unknown key (did you mean "clickhouse"?)`,
			`testdata/unknown_keys.bad.yml:4: clickhouse.adresses: unknown key (did you mean "addresses"?)`,
			`testdata/unknown_keys.bad.yml:6: clickhouse.managed.state-dir: unknown key (did you mean "state_dir"?)`,
			`testdata/unknown_keys.bad.yml:9: jira.auth.emial: unknown key (did you mean "email"?)`,
			`testdata/unknown_keys.bad.yml:12: jira.fields.team.form: unknown key (did you mean "from"?)`,
			`testdata/unknown_keys.bad.yml:13: jira.fields.IncidentLink: unknown key (did you mean "incident_link"?)`,
			`testdata/unknown_keys.bad.yml:16: slos[0].traget: unknown key (did you mean "target"?)`,
			`testdata/unknown_keys.bad.yml:19: exporter.listen: unknown key (did you mean "listen_address"?)`,
		}},
		// A value that fails to decode gets one error, not a second one
		// from validation (slos[0].target is not also "out of range").
		{"types.bad.yml", []string{
			`testdata/types.bad.yml:2: clickhouse.addresses: must be a list, got "localhost:9000"`,
			`testdata/types.bad.yml:4: pagerduty.enabled: must be true or false, got "yes"`,
			`testdata/types.bad.yml:5: pagerduty.requests_per_minute: must be an integer, got "fast"`,
			`testdata/types.bad.yml:6: pagerduty.page_size: must be an integer, got "1.5"`,
			`testdata/types.bad.yml:8: pagerduty.severity.priorities: must be a mapping, got a list`,
			`testdata/types.bad.yml:10: jira.api_version: must be an integer, got "3"`,
			`testdata/types.bad.yml:11: jira.published_statuses: must be a list, got "Published"`,
			`testdata/types.bad.yml:14: slos[0].target: must be a number, got "high"`,
			`testdata/types.bad.yml:15: slos[0].hourly_cost: must be a number, got a mapping`,
			`testdata/types.bad.yml:16: analysis: must be a mapping, got a list`,
			`testdata/types.bad.yml:18: schedule.pagerduty: must be a duration like 30s, 15m, 36h, 7d or 2w, got "10"`,
			`testdata/types.bad.yml:21: digest.smtp.to: must be a list, got "sre@example.com"`,
			`testdata/types.bad.yml:22: digest.smtp.port: must be an integer, got "25"`,
		}},
		{"enums.bad.yml", []string{
			`testdata/enums.bad.yml:3: pagerduty.severity.priorities.P1: must be one of SEV1, SEV2, SEV3, SEV4, SEV5, got "critical"`,
			`testdata/enums.bad.yml:5: pagerduty.severity.urgency.high: must be one of SEV1, SEV2, SEV3, SEV4, SEV5, got "sev3"`,
			`testdata/enums.bad.yml:7: jira.api_version: must be 2 or 3, got 4`,
			`testdata/enums.bad.yml:9: jira.auth.type: must be one of basic, bearer, got "oauth"`,
			`testdata/enums.bad.yml:10: jira.priorities.Highest: must be one of P1, P2, P3, P4, P5, got "Urgent"`,
			`testdata/enums.bad.yml:13: jira.fields.team.from: must be one of component, label, field, got "owner"`,
			`testdata/enums.bad.yml:15: jira.fields.incident_link.mode: must be one of label, field, description, got "url"`,
			`testdata/enums.bad.yml:19: slos[0].window: must be one of calendar_month, rolling_28d, rolling_30d, got "weekly"`,
			`testdata/enums.bad.yml:21: slos[0].customer_impacting.severities[0]: must be one of SEV1, SEV2, SEV3, SEV4, SEV5, got "SEV0"`,
			`testdata/enums.bad.yml:24: analysis.postmortem.required_severities: must not be empty`,
			`testdata/enums.bad.yml:27: digest.smtp.tls: must be one of starttls, tls, none, got "ssl"`,
		}},
		{"field_ids.bad.yml", []string{
			`testdata/field_ids.bad.yml:3: jira.fields.due_date: must be a field id like customfield_10015 or "duedate"`,
			`testdata/field_ids.bad.yml:4: jira.fields.severity: must be a field id like customfield_10015 or "duedate"`,
			`testdata/field_ids.bad.yml:5: jira.fields.team.field: must be set when fields.team.from is field`,
			`testdata/field_ids.bad.yml:9: jira.fields.incident_link.field: must be a field id like customfield_10015 or "duedate"`,
		}},
		{"inline_secrets.bad.yml", []string{
			`testdata/inline_secrets.bad.yml:2: clickhouse.password: secrets are never inline; use password_env or password_file`,
			`testdata/inline_secrets.bad.yml:5: pagerduty.token: secrets are never inline; use token_env or token_file`,
			`testdata/inline_secrets.bad.yml:8: jira.auth.token: secrets are never inline; use token_env or token_file`,
			`testdata/inline_secrets.bad.yml:11: digest.webhook.url: secrets are never inline; use url_env or url_file`,
			`testdata/inline_secrets.bad.yml:13: digest.smtp.password: secrets are never inline; use password_env or password_file`,
		}},
		{"missing_secrets.bad.yml", []string{
			`testdata/missing_secrets.bad.yml:2: clickhouse.password_file: cannot read secret: open testdata/secrets/missing: no such file or directory`,
			`testdata/missing_secrets.bad.yml:5: pagerduty.token_env: environment variable AFTERMATH_NOT_SET is not set; it is required when pagerduty is enabled`,
			`testdata/missing_secrets.bad.yml:9: jira.auth.email: required when jira.auth.type is basic; set email or email_env`,
			`testdata/missing_secrets.bad.yml:11: jira.auth.token_file: file testdata/secrets/empty is empty; the secret is required when jira is enabled`,
			`testdata/missing_secrets.bad.yml:15: digest.webhook.url_file: does not hold an http or https URL`,
			`testdata/missing_secrets.bad.yml:16: digest.smtp.password: required when digest.smtp.username is set; set password_env or password_file`,
		}},
		{"duplicates.bad.yml", []string{
			`testdata/duplicates.bad.yml:2: clickhouse.addresses[2]: duplicate of addresses[0]`,
			`testdata/duplicates.bad.yml:4: clickhouse.database: duplicate key (first set at line 3)`,
			`testdata/duplicates.bad.yml:6: pagerduty.service_ids[1]: duplicate of service_ids[0]`,
			`testdata/duplicates.bad.yml:13: slos[1].customer_impacting.severities[2]: duplicate of severities[0]`,
			`testdata/duplicates.bad.yml:16: slos[3].service: duplicate of slos[1]`,
		}},
		{"durations.bad.yml", []string{
			`testdata/durations.bad.yml:2: clickhouse.dial_timeout: must be a duration like 30s, 15m, 36h, 7d or 2w, got "10"`,
			`testdata/durations.bad.yml:4: clickhouse.managed.start_timeout: must be greater than zero`,
			`testdata/durations.bad.yml:6: pagerduty.backfill_start: must be a date (2025-01-01), an RFC 3339 time (2025-01-01T00:00:00Z) or a duration back from now (90d), got "last year"`,
			`testdata/durations.bad.yml:8: jira.sync_overlap: must be a duration like 30s, 15m, 36h, 7d or 2w, got "-5m"`,
			`testdata/durations.bad.yml:9: jira.time_zone: unknown time zone "Mars/Olympus_Mons"`,
			`testdata/durations.bad.yml:10: jira.metadata_refresh: must be greater than zero`,
			`testdata/durations.bad.yml:13: analysis.stale_after.P1: must be a duration like 30s, 15m, 36h, 7d or 2w, got "1.5d"`,
			`testdata/durations.bad.yml:14: analysis.stale_after.P2: must be greater than zero`,
			`testdata/durations.bad.yml:17: analysis.postmortem.publish_within: must not be shorter than postmortem.draft_within (3d)`,
			`testdata/durations.bad.yml:18: analysis.recurrence_window: must be a duration like 30s, 15m, 36h, 7d or 2w, got "30 days"`,
			`testdata/durations.bad.yml:20: schedule.jira: must be at least 1m, got 30s`,
			`testdata/durations.bad.yml:23: digest.time_zone: unknown time zone "Europe/Nowhere"`,
		}},
		{"values.bad.yml", []string{
			`testdata/values.bad.yml:2: clickhouse.addresses[0]: must be host:port, got "localhost"`,
			`testdata/values.bad.yml:2: clickhouse.addresses[1]: must be host:port, got ":9000"`,
			`testdata/values.bad.yml:2: clickhouse.addresses[2]: must be host:port, got "db:99999"`,
			`testdata/values.bad.yml:3: clickhouse.database: must be an identifier (letters, digits and _, not starting with a digit), got "my-db"`,
			`testdata/values.bad.yml:4: clickhouse.username: must not be empty`,
			`testdata/values.bad.yml:5: clickhouse.cluster: must be an identifier (letters, digits and _, not starting with a digit), got "1cluster"`,
			`testdata/values.bad.yml:6: clickhouse.password_env: must be an environment variable name (letters, digits and _), got "NOT A NAME"`,
			`testdata/values.bad.yml:8: pagerduty.api_url: must be an http or https URL, got "ftp://api.pagerduty.com"`,
			`testdata/values.bad.yml:10: pagerduty.token_file: set only one of token_env and token_file`,
			`testdata/values.bad.yml:11: pagerduty.service_ids[0]: must be a PagerDuty id like PABC123, got "pabc123"`,
			`testdata/values.bad.yml:12: pagerduty.requests_per_minute: must be between 0 (unlimited) and 1000000, got 2000000`,
			`testdata/values.bad.yml:13: pagerduty.page_size: must be between 1 and 100, got 500`,
			`testdata/values.bad.yml:14: jira.base_url: must be set when jira is enabled`,
			`testdata/values.bad.yml:17: jira.auth.email: must be an email address, got "not-an-email"`,
			`testdata/values.bad.yml:19: jira.postmortem_jql: must not be empty`,
			`testdata/values.bad.yml:20: jira.published_statuses: must not be empty`,
			`testdata/values.bad.yml:24: jira.fields.team.label_prefix: must not be empty when fields.team.from is label`,
			`testdata/values.bad.yml:26: slos[0].service: must not be empty`,
			`testdata/values.bad.yml:27: slos[0].target: must be between 0 and 1 (exclusive), e.g. 0.999, got 1`,
			`testdata/values.bad.yml:28: slos[0].hourly_cost: must be a non-negative number, got -1`,
			`testdata/values.bad.yml:30: exporter.listen_address: must be [host]:port, got "localhost"`,
			`testdata/values.bad.yml:31: exporter.max_item_series: must be between 0 (off) and 10000, got 100000`,
			`testdata/values.bad.yml:33: digest.output_dir: must not be empty`,
			`testdata/values.bad.yml:35: digest.webhook.timeout: must be greater than zero`,
			`testdata/values.bad.yml:36: digest.smtp.host: must be set when smtp is enabled`,
			`testdata/values.bad.yml:36: digest.smtp.from: must be set when smtp is enabled`,
			`testdata/values.bad.yml:38: digest.smtp.port: must be between 1 and 65535, got 0`,
			`testdata/values.bad.yml:39: digest.smtp.to[1]: must be an email address, got "not an address"`,
			`testdata/values.bad.yml:41: analysis.memory_limit_mib: must not be negative, got -1`,
			`testdata/values.bad.yml:42: analysis.dismiss_label: must be one Jira label, without spaces, got "not reviewed"`,
		}},
		// A secret put where the name of its environment variable or file
		// belongs is never repeated in the error.
		{"secret_as_name.bad.yml", []string{
			`testdata/secret_as_name.bad.yml:4: pagerduty.token_env: must be the name of an environment variable, but the value looks like a secret (not shown); put the secret in the environment and name the variable here`,
			`testdata/secret_as_name.bad.yml:10: jira.auth.token_file: cannot read secret: the path is not shown because it looks like a secret itself; token_file takes the path of a file that holds the secret`,
			`testdata/secret_as_name.bad.yml:14: digest.webhook.url_env: must be the name of an environment variable, but the value looks like a secret (not shown); put the secret in the environment and name the variable here`,
		}},
		{"response_limits.bad.yml", []string{
			`testdata/response_limits.bad.yml:2: pagerduty.max_response_bytes: must be between 1MiB and 4GiB, got 512KiB`,
			`testdata/response_limits.bad.yml:4: jira.max_response_bytes: must be between 1MiB and 4GiB, got 8GiB`,
		}},
		{"response_limit_type.bad.yml", []string{
			`testdata/response_limit_type.bad.yml:2: pagerduty.max_response_bytes: must be a size like 64MiB, 512KiB, 1GiB or a number of bytes, got "64 megs"`,
		}},
		{"credentials_in_url.bad.yml", []string{
			`testdata/credentials_in_url.bad.yml:2: jira.base_url: must not contain credentials`,
		}},
		{"syntax.bad.yml", []string{
			`testdata/syntax.bad.yml:3: mapping values are not allowed in this context`,
		}},
		{"two_documents.bad.yml", []string{
			`testdata/two_documents.bad.yml:3: only one YAML document is allowed`,
		}},
		{"not_a_mapping.bad.yml", []string{
			`testdata/not_a_mapping.bad.yml:1: must be a mapping, got a list`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := parseFile(t, filepath.Join("testdata", tt.file))
			require.Error(t, err)
			require.Nil(t, got)
			require.Equal(t, strings.Join(tt.want, "\n"), err.Error())
			require.NotContains(t, err.Error(), "SECRET", "an error must never show a secret")
			var e *Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, filepath.Join("testdata", tt.file), e.File)
		})
	}
}

// TestTestdataCovered fails when a testdata config is in neither table.
func TestTestdataCovered(t *testing.T) {
	files, err := filepath.Glob("testdata/*.yml")
	require.NoError(t, err)
	src, err := os.ReadFile("config_test.go")
	require.NoError(t, err)
	for _, f := range files {
		require.Contains(t, string(src), `{"`+filepath.Base(f)+`"`, "%s is not tested", f)
	}
}

func TestSecretsOfDisabledSourcesAreNotRead(t *testing.T) {
	data, err := os.ReadFile("testdata/disabled_secrets.good.yml")
	require.NoError(t, err)
	var envs, files []string
	_, err = Parse(data, "testdata/disabled_secrets.good.yml",
		func(k string) string { envs = append(envs, k); return "" },
		func(p string) ([]byte, error) { files = append(files, p); return nil, errors.New("unexpected read") })
	require.NoError(t, err)
	require.Equal(t, []string{"AFTERMATH_CLICKHOUSE_PASSWORD"}, envs, "only the always-used ClickHouse password is looked up")
	require.Empty(t, files)
}

func TestErrorsWithoutLineSortLast(t *testing.T) {
	// jira.base_url is missing from the file: its error has no line of its
	// own but falls back to the "jira:" line; the slos error has its line.
	data := []byte("slos:\n  - service: a\n    target: 2\njira:\n  enabled: true\n")
	_, err := Parse(data, "a.yml", getenv, os.ReadFile)
	require.EqualError(t, err, strings.Join([]string{
		"a.yml:3: slos[0].target: must be between 0 and 1 (exclusive), e.g. 0.999, got 2",
		"a.yml:4: jira.base_url: must be set when jira is enabled",
	}, "\n"))

	c := Default()
	c.Jira.Enabled = true
	c.Schedule.Jira = 0
	require.EqualError(t, c.Validate(), strings.Join([]string{
		"jira.base_url: must be set when jira is enabled",
		"schedule.jira: must be at least 1m, got 0s",
	}, "\n"), "a Config built in code has no file and no lines")
}

func TestJiraEmail(t *testing.T) {
	data := []byte("jira:\n  enabled: true\n  base_url: https://x.example.com\n  auth:\n    email_env: MY_EMAIL\n")
	env := map[string]string{"MY_EMAIL": "ops", "AFTERMATH_JIRA_TOKEN": "t"}
	_, err := Parse(data, "a.yml", func(k string) string { return env[k] }, os.ReadFile)
	require.EqualError(t, err, `a.yml:5: jira.auth.email_env: environment variable MY_EMAIL must hold an email address, got "ops"`)

	env["MY_EMAIL"] = "ops@example.com"
	cfg, err := Parse(data, "a.yml", func(k string) string { return env[k] }, os.ReadFile)
	require.NoError(t, err)
	require.Equal(t, "ops@example.com", cfg.Jira.Auth.Email)

	inline := []byte("jira:\n  enabled: true\n  base_url: https://x.example.com\n  auth:\n    email: me@example.com\n")
	cfg, err = Parse(inline, "a.yml", func(k string) string { return env[k] }, os.ReadFile)
	require.NoError(t, err)
	require.Equal(t, "me@example.com", cfg.Jira.Auth.Email)
	require.Empty(t, cfg.Jira.Auth.EmailEnv, "an inline email drops the default email_env")
}

func TestExample(t *testing.T) {
	data, err := os.ReadFile("example.yml")
	require.NoError(t, err)
	// The CLI reads only the file --config or AFTERMATH_CONFIG names; the
	// example must not promise an implicit ./aftermath.yml.
	header, _, _ := strings.Cut(string(data), "\n\n")
	require.Contains(t, header, "--config")
	require.Contains(t, header, "$"+EnvConfigPath)
	require.Contains(t, header, "reads no file (not even ./aftermath.yml)")
	require.NotContains(t, header, "reads ./aftermath.yml")

	got, err := Parse(data, "example.yml", func(string) string { return "" }, os.ReadFile)
	require.NoError(t, err)

	require.Len(t, got.SLOs, 2)
	require.Equal(t, "checkout", got.SLOs[0].Service)
	got.SLOs = nil
	require.Equal(t, Default(), got, "example.yml must show the defaults (apart from its example SLOs)")

	// Every key is documented: it appears in the example.
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal(data, &doc))
	present := map[string]bool{}
	collectPaths(doc.Content[0], "", present)
	for _, k := range Keys() {
		require.True(t, present[k], "example.yml does not show %s", k)
	}
}

func collectPaths(n *yaml.Node, prefix string, out map[string]bool) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := joinPath(prefix, n.Content[i].Value)
			out[p] = true
			collectPaths(n.Content[i+1], p, out)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			collectPaths(c, prefix+"[]", out)
		}
	}
}

func TestKeys(t *testing.T) {
	keys := Keys()
	for _, k := range []string{"clickhouse.addresses", "jira.fields.due_date", "slos[].service", "analysis.stale_after.P1", "digest.smtp.password_file"} {
		require.Contains(t, keys, k)
	}
	for _, k := range []string{"pagerduty.token", "jira.auth.token", "clickhouse.password"} {
		require.NotContains(t, keys, k, "secrets themselves are not keys one may set")
	}
	require.Len(t, keys, len(slices.Compact(slices.Clone(keys))))
}

func TestRedactedNeverShowsSecrets(t *testing.T) {
	for _, file := range []string{"testdata/full.good.yml", "testdata/minimal.good.yml"} {
		t.Run(filepath.Base(file), func(t *testing.T) {
			cfg, err := parseFile(t, file)
			require.NoError(t, err)
			require.Contains(t, cfg.PagerDuty.Token.Reveal(), "SECRET", "the test needs a loaded secret")
			require.Contains(t, cfg.Jira.Auth.Token.Reveal(), "SECRET")

			out, err := cfg.Redacted()
			require.NoError(t, err)
			require.NotContains(t, string(out), "SECRET")
			require.Contains(t, string(out), "# token: <redacted>")

			js, err := json.Marshal(cfg)
			require.NoError(t, err)
			var logs bytes.Buffer
			slog.New(slog.NewTextHandler(&logs, nil)).Info("loaded", "config", cfg, "token", cfg.PagerDuty.Token)
			slog.New(slog.NewJSONHandler(&logs, nil)).Info("loaded", "config", cfg, "token", cfg.PagerDuty.Token)
			for name, s := range map[string]string{
				"%v": fmt.Sprintf("%v", cfg), "%+v": fmt.Sprintf("%+v", *cfg), "%#v": fmt.Sprintf("%#v", cfg),
				"%v jira": fmt.Sprintf("%v", cfg.Jira), "%q": fmt.Sprintf("%q", cfg.PagerDuty.Token),
				"%x": fmt.Sprintf("%x", cfg.PagerDuty.Token), "json": string(js), "slog": logs.String(),
			} {
				require.NotContains(t, s, "SECRET", name)
				require.Contains(t, s, "redacted", name) // JSON escapes < and >
			}
		})
	}
}

// TestRedactedRoundTrip: the printed config is a valid config file itself
// (no inline secret keys), and it parses back, with the same environment,
// to the same config.
func TestRedactedRoundTrip(t *testing.T) {
	for _, file := range []string{"testdata/full.good.yml", "testdata/minimal.good.yml", "example.yml", "testdata/empty.good.yml"} {
		t.Run(filepath.Base(file), func(t *testing.T) {
			cfg, err := parseFile(t, file)
			require.NoError(t, err)
			out, err := cfg.Redacted()
			require.NoError(t, err)

			// Paths are already joined with the config folder, so parse as
			// if the file were in the working directory.
			again, err := Parse(out, "aftermath.yml", getenv, os.ReadFile)
			require.NoError(t, err, "%s", out)
			require.Equal(t, cfg, again)
		})
	}
}

// TestRedactedNotesSetSecrets: a secret that is set is noted as a comment
// on the key it was read from; an empty one is left out without a note.
func TestRedactedNotesSetSecrets(t *testing.T) {
	cfg, err := parseFile(t, "testdata/full.good.yml")
	require.NoError(t, err)
	out, err := cfg.Redacted()
	require.NoError(t, err)
	for _, want := range []string{
		"  token_file: " + filepath.Join("testdata", "secrets", "pagerduty-token") + " # token: <redacted>\n",
		"    url_file: " + filepath.Join("testdata", "secrets", "webhook-url") + " # url: <redacted>\n",
	} {
		require.Contains(t, string(out), want)
	}
	require.Contains(t, string(out), "  password_file: "+filepath.Join("testdata", "secrets", "empty")+"\n", "an empty secret gets no note")

	cfg, err = parseFile(t, "testdata/minimal.good.yml")
	require.NoError(t, err)
	out, err = cfg.Redacted()
	require.NoError(t, err)
	require.Contains(t, string(out), "  token_env: AFTERMATH_PAGERDUTY_TOKEN # token: <redacted>\n")
}

// TestParseForResolvesOnlyWhatIsAsked: a command that never calls a source
// or delivers a digest does not need their secrets.
func TestParseForResolvesOnlyWhatIsAsked(t *testing.T) {
	data := []byte("pagerduty:\n  enabled: true\njira:\n  enabled: true\n  base_url: https://x.example.com\ndigest:\n  webhook:\n    enabled: true\n")
	var looked []string
	env := func(k string) string { looked = append(looked, k); return "" }
	noFile := func(p string) ([]byte, error) { return nil, errors.New("unexpected read of " + p) }

	cfg, err := ParseFor(data, "a.yml", ClickHouseSecrets, env, noFile)
	require.NoError(t, err)
	require.Equal(t, []string{"AFTERMATH_CLICKHOUSE_PASSWORD"}, looked)
	require.True(t, cfg.PagerDuty.Enabled)
	require.False(t, cfg.PagerDuty.Token.IsSet())

	tests := []struct {
		need Secrets
		want []string
	}{
		{SourceSecrets, []string{
			"a.yml:1: pagerduty.token_env: environment variable AFTERMATH_PAGERDUTY_TOKEN is not set; it is required when pagerduty is enabled",
			"a.yml:3: jira.auth.token_env: environment variable AFTERMATH_JIRA_TOKEN is not set; it is required when jira is enabled",
			"a.yml:3: jira.auth.email_env: environment variable AFTERMATH_JIRA_EMAIL is not set; it is required when jira.auth.type is basic",
		}},
		// One source's: `ingest --source pagerduty` needs no Jira token.
		{PagerDutySecrets, []string{
			"a.yml:1: pagerduty.token_env: environment variable AFTERMATH_PAGERDUTY_TOKEN is not set; it is required when pagerduty is enabled",
		}},
		{JiraSecrets, []string{
			"a.yml:3: jira.auth.token_env: environment variable AFTERMATH_JIRA_TOKEN is not set; it is required when jira is enabled",
			"a.yml:3: jira.auth.email_env: environment variable AFTERMATH_JIRA_EMAIL is not set; it is required when jira.auth.type is basic",
		}},
		{ClickHouseSecrets | DeliverySecrets, []string{
			"a.yml:7: digest.webhook.url_env: environment variable AFTERMATH_DIGEST_WEBHOOK_URL is not set; it is required when digest.webhook is enabled",
		}},
	}
	for _, tt := range tests {
		_, err := ParseFor(data, "a.yml", tt.need, env, noFile)
		require.EqualError(t, err, strings.Join(tt.want, "\n"), "need %b", tt.need)
	}
	_, err = Parse(data, "a.yml", env, noFile)
	require.Len(t, err.(interface{ Unwrap() []error }).Unwrap(), 4, "Parse resolves every secret")

	// Secret sources are checked whether or not they are read.
	_, err = ParseFor([]byte("pagerduty:\n  token_env: NOT A NAME\n"), "a.yml", ClickHouseSecrets, env, noFile)
	require.EqualError(t, err, `a.yml:2: pagerduty.token_env: must be an environment variable name (letters, digits and _), got "NOT A NAME"`)

	// A history that starts in the future would ingest nothing, every sync
	// reporting success.
	_, err = ParseFor([]byte("pagerduty:\n  backfill_start: 2999-01-01\n"), "a.yml", ClickHouseSecrets, env, noFile)
	require.EqualError(t, err, "a.yml:2: pagerduty.backfill_start: 2999-01-01 is in the future: the history must start on or before today")

	// A webhook's URL put where its variable's name belongs is a secret:
	// neither the name check nor the lookup repeats it.
	_, err = Parse([]byte("digest:\n  webhook:\n    enabled: true\n    url_env: https://hooks.slack.com/services/T000/B000/SECRETXYZ\n"), "a.yml", env, noFile)
	require.EqualError(t, err, "a.yml:4: digest.webhook.url_env: must be the name of an environment variable, but the value looks like a secret (not shown); put the secret in the environment and name the variable here")
}

func TestLoad(t *testing.T) {
	t.Setenv("AFTERMATH_CLICKHOUSE_PASSWORD", "ch-env-SECRET-7")
	t.Setenv("AFTERMATH_PAGERDUTY_TOKEN", "pd-real-env")
	t.Setenv("AFTERMATH_JIRA_TOKEN", "jira-real-env")
	t.Setenv("AFTERMATH_JIRA_EMAIL", "me@example.com")

	cfg, err := Load("testdata/minimal.good.yml")
	require.NoError(t, err)
	require.Equal(t, "pd-real-env", cfg.PagerDuty.Token.Reveal())
	require.Equal(t, "ch-env-SECRET-7", cfg.ClickHouse.Password.Reveal())
	require.Equal(t, "me@example.com", cfg.Jira.Auth.Email)

	cfg, err = Load("")
	require.NoError(t, err)
	require.False(t, cfg.PagerDuty.Enabled)
	require.Equal(t, "ch-env-SECRET-7", cfg.ClickHouse.Password.Reveal())

	_, err = Load("testdata/does-not-exist.yml")
	require.EqualError(t, err, "config: open testdata/does-not-exist.yml: no such file or directory")
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		err  Error
		want string
	}{
		{Error{File: "a.yml", Line: 3, Path: "jira.base_url", Msg: "bad"}, "a.yml:3: jira.base_url: bad"},
		{Error{File: "a.yml", Path: "jira.base_url", Msg: "bad"}, "a.yml: jira.base_url: bad"},
		{Error{File: "a.yml", Line: 1, Msg: "bad"}, "a.yml:1: bad"},
		{Error{Path: "jira.base_url", Msg: "bad"}, "jira.base_url: bad"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.err.Error())
	}
}

func TestSeverityMapping(t *testing.T) {
	m := Default().PagerDuty.Severity
	tests := []struct{ priority, urgency, want string }{
		{"P1", "low", "SEV1"},
		{"P5", "high", "SEV5"},
		{"", "high", "SEV3"},
		{"", "low", "SEV4"},
		{"Custom", "low", "SEV4"},
		{"", "", Unknown},
		{"", "medium", Unknown},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, m.Severity(tt.priority, tt.urgency), "%q/%q", tt.priority, tt.urgency)
	}
}

func TestNormalizePriority(t *testing.T) {
	j := Default().Jira
	for name, want := range map[string]string{"Highest": "P1", "Lowest": "P5", "P3": "P3", "Blocker": Unknown, "": Unknown} {
		require.Equal(t, want, j.NormalizePriority(name), name)
	}
}

func TestPriorityDurationsFor(t *testing.T) {
	a := Default().Analysis
	for p, want := range map[string]time.Duration{"P1": 7 * day, "P3": 30 * day, "P5": 90 * day} {
		got, ok := a.StaleAfter.For(p)
		require.True(t, ok)
		require.Equal(t, want, got, p)
	}
	_, ok := a.ClosureSLO.For("P6")
	require.False(t, ok)
}

// TestWebConfigFile: exporter.web_config_file must name a valid
// exporter-toolkit web config; each bad one in testdata/web is an error of
// the config, with the toolkit's reason.
func TestWebConfigFile(t *testing.T) {
	tests := []struct {
		file string
		want string // "" for a good file
	}{
		{"good.yml", ""},
		{"missing.yml", `cannot read web config: stat testdata/web/missing.yml: no such file or directory`},
		{"unknown_key.bad.yml", `invalid web config testdata/web/unknown_key.bad.yml: yaml: unmarshal errors: line 1: field tls_server_confg not found in type web.Config`},
		{"plaintext_password.bad.yml", `invalid web config testdata/web/plaintext_password.bad.yml: crypto/bcrypt: hashedSecret too short to be a bcrypted password`},
		{"missing_key.bad.yml", `invalid web config testdata/web/missing_key.bad.yml: missing one of key or key_file`},
		{"missing_cert_file.bad.yml", `invalid web config testdata/web/missing_cert_file.bad.yml: failed to read cert_file (testdata/web/nope.crt): open testdata/web/nope.crt: no such file or directory`},
		{"not_a_cert.bad.yml", `invalid web config testdata/web/not_a_cert.bad.yml: failed to load X509KeyPair: tls: failed to find any PEM data in certificate input`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := []byte("exporter:\n  listen_address: 127.0.0.1:9847\n  web_config_file: web/" + tt.file + "\n")
			cfg, err := Parse(data, "testdata/web_check.yml", getenv, os.ReadFile)
			if tt.want == "" {
				require.NoError(t, err)
				require.Equal(t, filepath.Join("testdata", "web", tt.file), cfg.Exporter.WebConfigFile)
				return
			}
			require.EqualError(t, err, "testdata/web_check.yml:3: exporter.web_config_file: "+tt.want)
			require.NotContains(t, err.Error(), "SECRET")
		})
	}
}

func TestLooksLikeSecret(t *testing.T) {
	for s, want := range map[string]bool{
		"AFTERMATH_PAGERDUTY_TOKEN":                            false,
		"pd_token":                                             false,
		"NOT A NAME":                                           false,
		"/run/secrets/pagerduty-token":                         false,
		"secrets/jira-api-token.txt":                           false,
		"y_NbAkKc66ryYTWUXYEu":                                 true, // PagerDuty API key
		"u+abcdefghijklmnopqr":                                 true,
		"ATATT3xFfGF0abc123=A1B2C3D4":                          true, // Jira API token
		"e3b0c44298fc1c149afbf4c8996fb924":                     true, // hex
		"glpat-AbCdEf123456GhIjKl":                             true,
		"https://hooks.slack.com/services/T000/B000/SECRETXYZ": true, // a webhook URL where its variable's name belongs
		"http://x":                                             true,
	} {
		require.Equal(t, want, looksLikeSecret(s), s)
	}
	require.True(t, pathLooksLikeSecret("/etc/aftermath/y_NbAkKc66ryYTWUXYEu"))
	require.False(t, pathLooksLikeSecret("/etc/aftermath/pagerduty.token"))
}

func TestJiraReconcileInterval(t *testing.T) {
	env := map[string]string{"AFTERMATH_JIRA_TOKEN": "t"}
	parse := func(extra string) (*Config, error) {
		data := []byte("jira:\n  enabled: true\n  base_url: https://x.example.com\n  auth:\n    email: me@example.com\n" + extra)
		return Parse(data, "a.yml", func(k string) string { return env[k] }, os.ReadFile)
	}
	cfg, err := parse("")
	require.NoError(t, err)
	require.Equal(t, 24*time.Hour, cfg.Jira.ReconcileInterval.D(), "default: once a day")
	cfg, err = parse("  reconcile_interval: 0\n")
	require.NoError(t, err)
	require.Zero(t, cfg.Jira.ReconcileInterval.D(), "0 turns it off")
	_, err = parse("  reconcile_interval: 30m\n")
	require.EqualError(t, err, `a.yml:6: jira.reconcile_interval: must be 0 (off) or at least 1h, got 30m0s`)
	require.Equal(t, 0.1, cfg.Jira.ReconcileMaxShare, "default")
	cfg, err = parse("  reconcile_max_share: 1\n")
	require.NoError(t, err)
	require.Equal(t, 1.0, cfg.Jira.ReconcileMaxShare)
	_, err = parse("  reconcile_max_share: 1.5\n")
	require.EqualError(t, err, `a.yml:6: jira.reconcile_max_share: must be greater than 0 and at most 1, got 1.5`)
}
