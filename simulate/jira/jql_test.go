package jira

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestJQLDateResolution(t *testing.T) {
	la, err := time.LoadLocation("America/Los_Angeles")
	require.NoError(t, err)
	bne, err := time.LoadLocation("Australia/Brisbane")
	require.NoError(t, err)
	now := time.Date(2025, 11, 2, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		in   string
		loc  *time.Location
		want time.Time
	}{
		{"utc+10", "2025-06-02 19:00", bne, time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)},
		{"slashes", "2025/06/02 19:00", bne, time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)},
		{"date only", "2025-06-02", bne, time.Date(2025, 6, 1, 14, 0, 0, 0, time.UTC)},
		{"pdt", "2025-06-02 02:00", la, time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)},
		{"pst", "2025-12-02 01:00", la, time.Date(2025, 12, 2, 9, 0, 0, 0, time.UTC)},
		// 2025-11-02 01:30 happens twice in Los Angeles: the earlier (PDT) wins.
		{"repeated wall time", "2025-11-02 01:30", la, time.Date(2025, 11, 2, 8, 30, 0, 0, time.UTC)},
		// 2025-03-09 02:30 does not exist: it moves forward by the gap.
		{"skipped wall time", "2025-03-09 02:30", la, time.Date(2025, 3, 9, 10, 30, 0, 0, time.UTC)},
		{"relative days", "-2d", la, now.Add(-48 * time.Hour)},
		{"relative compound", "-1w 2d", la, now.Add(-9 * 24 * time.Hour)},
		{"relative minutes", "-90m", la, now.Add(-90 * time.Minute)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseJQLDate(tc.in, tc.loc, now)
			require.NoError(t, err)
			require.True(t, tc.want.Equal(got), "got %v want %v", got.UTC(), tc.want)
		})
	}
	for _, bad := range []string{"2025-13-01 10:00", "yesterday", "2025-06-02T10:00", "-5y", ""} {
		_, err := parseJQLDate(bad, la, now)
		require.Error(t, err, bad)
	}
}

func TestJQLParsesPrecedenceAndOrder(t *testing.T) {
	q, err := parseJQL(`project = PM OR project = ACT AND labels = x ORDER BY updated DESC, key`, time.UTC, time.Now())
	require.NoError(t, err)
	or, ok := q.where.(orNode)
	require.True(t, ok, "OR binds looser than AND")
	_, ok = or.b.(andNode)
	require.True(t, ok)
	require.Equal(t, []orderKey{{"updated", true}, {"key", false}}, q.order)

	q, err = parseJQL(`(project = PM) and updated >= -4w 2d order by created`, time.UTC, time.Now())
	require.NoError(t, err)
	and, ok := q.where.(andNode)
	require.True(t, ok)
	require.Equal(t, []string{"-4w 2d"}, and.b.(clauseNode).values)
}
