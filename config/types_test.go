package config

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in        string
		want      time.Duration
		canonical string
	}{
		{"90s", 90 * time.Second, "1m30s"},
		{"15m", 15 * time.Minute, "15m"},
		{"36h", 36 * time.Hour, "36h"},
		{"1h30m", 90 * time.Minute, "1h30m"},
		{"24h", day, "1d"},
		{"7d", 7 * day, "7d"},
		{"2w", 14 * day, "14d"},
		{"1d12h", 36 * time.Hour, "36h"},
		{"2w3d", 17 * day, "17d"},
		{"1w0d2h", 7*day + 2*time.Hour, "170h"},
		{"1.5s", 1500 * time.Millisecond, "1.5s"},
		{"100ms", 100 * time.Millisecond, "100ms"},
		{"0", 0, "0s"},
		{"0d", 0, "0s"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			require.Equal(t, tt.canonical, Duration(got).String())
			again, err := ParseDuration(tt.canonical)
			require.NoError(t, err)
			require.Equal(t, got, again, "canonical form parses back")
		})
	}
}

func TestParseDurationErrors(t *testing.T) {
	for _, in := range []string{"", "10", "-5m", "+5m", "-1d", "1.5d", "d", "w", "3d2w", "1w1w", "7 d", "5 m", "1y", "99999999999999w", "15251w", "abc"} {
		t.Run(in, func(t *testing.T) {
			_, err := ParseDuration(in)
			require.EqualError(t, err, fmt.Sprintf("must be a duration like 30s, 15m, 36h, 7d or 2w, got %q", in))
		})
	}
}

func TestDurationEncoding(t *testing.T) {
	type doc struct {
		D Duration `yaml:"d" json:"d"`
	}
	out, err := yaml.Marshal(doc{D: Duration(36 * time.Hour)})
	require.NoError(t, err)
	require.Equal(t, "d: 36h\n", string(out))
	js, err := json.Marshal(doc{D: Duration(7 * day)})
	require.NoError(t, err)
	require.JSONEq(t, `{"d":"7d"}`, string(js))
	var back doc
	require.NoError(t, json.Unmarshal(js, &back))
	require.Equal(t, Duration(7*day), back.D)
}

func TestStartTime(t *testing.T) {
	now := time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in        string
		at        time.Time
		canonical string
	}{
		{"2025-01-01", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), "2025-01-01"},
		{"2025-01-01T08:00:00+02:00", time.Date(2025, 1, 1, 6, 0, 0, 0, time.UTC), "2025-01-01T06:00:00Z"},
		{"2025-01-01T00:00:00Z", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), "2025-01-01"},
		{"90d", now.Add(-90 * day), "90d"},
		{"36h", now.Add(-36 * time.Hour), "36h"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var s StartTime
			require.NoError(t, s.UnmarshalText([]byte(tt.in)))
			require.Equal(t, tt.at, s.At(now))
			require.Equal(t, time.UTC, s.At(now).Location())
			require.Equal(t, tt.canonical, s.String())
		})
	}
	for _, in := range []string{"", "0d", "last year", "2025-13-01", "01/02/2025", "-90d"} {
		var s StartTime
		require.Error(t, s.UnmarshalText([]byte(in)), in)
	}
}

func TestSecretPrinting(t *testing.T) {
	s := NewSecret("hunter2")
	require.Equal(t, "hunter2", s.Reveal())
	require.True(t, s.IsSet())
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%10s", "%d"} {
		require.Equal(t, redacted, fmt.Sprintf(verb, s), verb)
	}
	require.Equal(t, "{<redacted>}", fmt.Sprintf("%v", struct{ S Secret }{s}))
	require.Equal(t, "", fmt.Sprintf("%v", Secret{}), "empty prints empty")

	y, err := yaml.Marshal(map[string]Secret{"a": s, "b": {}})
	require.NoError(t, err)
	require.Equal(t, "a: <redacted>\nb: \"\"\n", string(y))
	j, err := json.Marshal(map[string]Secret{"a": s})
	require.NoError(t, err)
	require.JSONEq(t, `{"a":"<redacted>"}`, string(j))
	require.Equal(t, redacted, s.LogValue().String())
}

func TestByteSize(t *testing.T) {
	good := []struct {
		in   string
		want int64
		back string
	}{
		{"64MiB", 64 << 20, "64MiB"},
		{"512KiB", 512 << 10, "512KiB"},
		{"1GiB", 1 << 30, "1GiB"},
		{"1048576", 1 << 20, "1MiB"},
		{"1500", 1500, "1500B"},
		{"100B", 100, "100B"},
		{"2 MiB", 2 << 20, "2MiB"},
		{"0", 0, "0B"},
	}
	for _, tc := range good {
		got, err := ParseByteSize(tc.in)
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
		require.Equal(t, tc.back, ByteSize(got).String(), tc.in)
	}
	for _, in := range []string{"", "-1", "64MB", "1.5GiB", "MiB", "99999999999TiB", "64 megs"} {
		_, err := ParseByteSize(in)
		require.Error(t, err, in)
	}
}
