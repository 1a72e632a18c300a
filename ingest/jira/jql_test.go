package jira

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

func TestJQLTimeIsTheUsersWallClockNeverLaterThanTheInstant(t *testing.T) {
	la := mustLoad(t, "America/Los_Angeles")
	bne := mustLoad(t, "Australia/Brisbane")
	for _, tc := range []struct {
		name string
		at   time.Time
		loc  *time.Location
		want string
	}{
		{"utc+10", time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC), bne, "2025-06-02 19:00"},
		{"utc+10 crosses midnight", time.Date(2025, 6, 2, 14, 30, 0, 0, time.UTC), bne, "2025-06-03 00:30"},
		{"utc-8 floors seconds", time.Date(2025, 1, 15, 8, 0, 59, 999, time.UTC), la, "2025-01-15 00:00"},
		{"utc-7 summer", time.Date(2025, 7, 1, 0, 15, 0, 0, time.UTC), la, "2025-06-30 17:15"},
		// 01:30 happens twice on 2025-11-02 in Los Angeles. 08:30 UTC is
		// the first (PDT) one; Jira might read "01:30" as the second, an
		// hour later, so the bound steps back an hour.
		{"first of a repeated wall time", time.Date(2025, 11, 2, 8, 30, 0, 0, time.UTC), la, "2025-11-02 00:30"},
		// 09:30 UTC is the second (PST) 01:30: every reading is <= it.
		{"second of a repeated wall time", time.Date(2025, 11, 2, 9, 30, 0, 0, time.UTC), la, "2025-11-02 01:30"},
		{"after spring forward", time.Date(2025, 3, 9, 10, 0, 0, 0, time.UTC), la, "2025-03-09 03:00"},
		{"before spring forward", time.Date(2025, 3, 9, 9, 59, 0, 0, time.UTC), la, "2025-03-09 01:59"},
		{"utc", time.Date(2025, 3, 9, 9, 59, 30, 0, time.UTC), time.UTC, "2025-03-09 09:59"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := jqlTime(tc.at, tc.loc)
			require.Equal(t, tc.want, got)
			require.False(t, latestReading(got, tc.loc).After(tc.at), "no reading of %q may lie after %v", got, tc.at)
		})
	}
}

func TestSearchJQL(t *testing.T) {
	bne := mustLoad(t, "Australia/Brisbane")
	since := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		base  string
		since time.Time
		want  string
	}{
		{"project = PM", time.Time{}, "project = PM ORDER BY updated ASC, key ASC"},
		{"project = PM AND issuetype = Postmortem ORDER BY created DESC", since,
			`(project = PM AND issuetype = Postmortem) AND updated >= "2025-06-02 19:00" ORDER BY updated ASC, key ASC`},
		{`project = PM or labels = "order by"`, since,
			`(project = PM or labels = "order by") AND updated >= "2025-06-02 19:00" ORDER BY updated ASC, key ASC`},
		{"(project = ACT)order by key", time.Time{}, "(project = ACT) ORDER BY updated ASC, key ASC"},
		{"", since, `updated >= "2025-06-02 19:00" ORDER BY updated ASC, key ASC`},
		{"project = ordering", time.Time{}, "project = ordering ORDER BY updated ASC, key ASC"},
	} {
		require.Equal(t, tc.want, searchJQL(tc.base, tc.since, bne), tc.base)
	}
}

func TestRestoreJQLRestrictsTheConfiguredJQLToTheKeys(t *testing.T) {
	for _, tc := range []struct {
		name, base string
		keys       []string
		want       string
	}{
		{"default", "project = PM AND issuetype = Postmortem", []string{"PM-1", "PM-20"},
			`(project = PM AND issuetype = Postmortem) AND key IN ("PM-1", "PM-20") ORDER BY key ASC`},
		{"an OR keeps its precedence, the ORDER BY goes", "project = PM OR project = OPS ORDER BY created DESC", []string{"OPS-3"},
			`(project = PM OR project = OPS) AND key IN ("OPS-3") ORDER BY key ASC`},
		{"no JQL", " ", []string{"PM-1"}, `key IN ("PM-1") ORDER BY key ASC`},
		{"quotes are escaped", "project = PM", []string{`PM-"1\`}, `(project = PM) AND key IN ("PM-\"1\\") ORDER BY key ASC`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, restoreJQL(tc.base, tc.keys))
		})
	}
}
