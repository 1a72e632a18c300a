package config

import (
	"fmt"
	"io"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"
)

const (
	day  = 24 * time.Hour
	week = 7 * day
)

// Duration is a time.Duration that also accepts days and weeks: "90s", "15m",
// "36h", "7d", "2w", "1d12h". It marshals back canonically: whole days as
// "Nd", everything else as Go prints it without trailing zero units
// ("36h", "1h30m").
type Duration time.Duration

// ParseDuration parses a Go duration with optional leading week and day
// components ("2w", "7d", "1d12h"). Negative durations are rejected.
func ParseDuration(s string) (time.Duration, error) {
	bad := fmt.Errorf("must be a duration like 30s, 15m, 36h, 7d or 2w, got %q", s)
	if s == "" {
		return 0, bad
	}
	rest := s
	var total time.Duration
	for _, u := range []struct {
		suffix byte
		unit   time.Duration
	}{{'w', week}, {'d', day}} {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) || rest[i] != u.suffix {
			continue
		}
		n, err := strconv.ParseInt(rest[:i], 10, 64)
		if err != nil || n > int64(math.MaxInt64/u.unit) {
			return 0, bad
		}
		total += time.Duration(n) * u.unit
		if total < 0 {
			return 0, bad
		}
		rest = rest[i+1:]
	}
	if rest != "" {
		if rest[0] == '-' || rest[0] == '+' {
			return 0, bad
		}
		d, err := time.ParseDuration(rest)
		if err != nil || total+d < total {
			return 0, bad
		}
		total += d
	}
	return total, nil
}

// String returns the canonical form: "7d", "36h", "1h30m", "0s".
func (d Duration) String() string {
	td := time.Duration(d)
	if td == 0 {
		return "0s"
	}
	if td%day == 0 {
		return fmt.Sprintf("%dd", td/day)
	}
	s := td.String() // "1h0m0s", "1h30m0s", "2m0s", "1.5s"
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// MarshalText implements encoding.TextMarshaler (used by YAML and JSON).
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// StartTime is a point in time written either as an absolute date
// ("2025-01-01", midnight UTC), an RFC 3339 time ("2025-01-01T08:00:00+02:00")
// or a duration back from now ("90d"). Exactly one of Time and Ago is set.
type StartTime struct {
	Time time.Time // absolute, in UTC
	Ago  Duration  // relative to now
}

// At returns the start as an absolute UTC time, given the current time.
func (s StartTime) At(now time.Time) time.Time {
	if s.Time.IsZero() {
		return now.Add(-s.Ago.D()).UTC()
	}
	return s.Time
}

// String returns the canonical form: "90d", "2025-01-01" or an RFC 3339 time
// in UTC.
func (s StartTime) String() string {
	switch {
	case s.Time.IsZero():
		return s.Ago.String()
	case s.Time.Equal(s.Time.Truncate(day)):
		return s.Time.Format(time.DateOnly)
	default:
		return s.Time.Format(time.RFC3339)
	}
}

// MarshalText implements encoding.TextMarshaler.
func (s StartTime) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *StartTime) UnmarshalText(b []byte) error {
	v := string(b)
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		*s = StartTime{Time: t.UTC()}
		return nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		*s = StartTime{Time: t.UTC()}
		return nil
	}
	if d, err := ParseDuration(v); err == nil && d > 0 {
		*s = StartTime{Ago: Duration(d)}
		return nil
	}
	return fmt.Errorf("must be a date (2025-01-01), an RFC 3339 time (2025-01-01T00:00:00Z) or a duration back from now (90d), got %q", v)
}

// ByteSize is a number of bytes written with a binary unit or none:
// "64MiB", "512KiB", "1GiB", "1048576". It marshals back with the largest
// unit that divides it ("64MiB").
type ByteSize int64

var byteUnits = []struct {
	suffix string
	size   int64
}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}

// ParseByteSize parses "64MiB", "512KiB", "1GiB", "100B" or a plain number
// of bytes. Negative sizes are rejected.
func ParseByteSize(s string) (int64, error) {
	bad := fmt.Errorf("must be a size like 64MiB, 512KiB, 1GiB or a number of bytes, got %q", s)
	v := strings.TrimSpace(s)
	unit := int64(1)
	for _, u := range byteUnits {
		if strings.HasSuffix(v, u.suffix) {
			v, unit = strings.TrimSpace(strings.TrimSuffix(v, u.suffix)), u.size
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/unit {
		return 0, bad
	}
	return n * unit, nil
}

// String returns the canonical form: "64MiB", "1500B".
func (b ByteSize) String() string {
	for _, u := range byteUnits {
		if b != 0 && int64(b)%u.size == 0 {
			return strconv.FormatInt(int64(b)/u.size, 10) + u.suffix
		}
	}
	return "0B"
}

// MarshalText implements encoding.TextMarshaler.
func (b ByteSize) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (b *ByteSize) UnmarshalText(t []byte) error {
	v, err := ParseByteSize(string(t))
	if err != nil {
		return err
	}
	*b = ByteSize(v)
	return nil
}

const redacted = "<redacted>"

// Secret holds a credential read from the environment or a file. Every way
// of printing it (fmt verbs, YAML, JSON, slog) shows "<redacted>", or ""
// when it is empty; only Reveal returns the value.
type Secret struct{ value string }

// NewSecret wraps a value, for callers that build a Config in code.
func NewSecret(value string) Secret { return Secret{value: value} }

// Reveal returns the secret value. Never log it or put it in an error.
func (s Secret) Reveal() string { return s.value }

// IsSet reports whether the secret is non-empty.
func (s Secret) IsSet() bool { return s.value != "" }

// String returns "<redacted>", or "" when the secret is empty.
func (s Secret) String() string {
	if s.value == "" {
		return ""
	}
	return redacted
}

// Format makes every fmt verb (%v, %+v, %#v, %s, %q, %x...) print String().
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }

// MarshalYAML implements yaml.Marshaler.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// MarshalText implements encoding.TextMarshaler (used by JSON).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// looksLikeSecret reports whether s, found where the name of an environment
// variable or of a file belongs, looks like a credential instead: at least
// 16 characters without a path separator or a space, and either upper case,
// lower case and digits mixed (API tokens; names are one case), or a
// character no name uses (+ = and such, as in base64), or a long run of hex
// or alphanumerics with digits; or any URL (a webhook's URL holds its
// token). Errors must not show such a value.
func looksLikeSecret(s string) bool {
	if strings.Contains(s, "://") {
		// A URL where a name belongs: webhook URLs carry their token.
		return true
	}
	if len(s) < 16 || strings.ContainsAny(s, "/\\ \t") {
		return false
	}
	var lower, upper, digit, other bool
	for _, r := range s {
		switch {
		case 'a' <= r && r <= 'z':
			lower = true
		case 'A' <= r && r <= 'Z':
			upper = true
		case '0' <= r && r <= '9':
			digit = true
		case r == '_' || r == '-' || r == '.':
		default:
			other = true
		}
	}
	plain := !strings.ContainsAny(s, "_-.")
	return other || lower && upper && digit || plain && digit && (lower || upper) && len(s) >= 24
}

// pathLooksLikeSecret reports whether any element of a file path looks like
// a secret (see looksLikeSecret).
func pathLooksLikeSecret(path string) bool {
	for _, part := range strings.FieldsFunc(path, func(r rune) bool { return r == '/' || r == '\\' }) {
		if looksLikeSecret(part) {
			return true
		}
	}
	return false
}

// shownPath is path for an error message, or a note when it looks like a
// secret.
func shownPath(path string) string {
	if pathLooksLikeSecret(path) {
		return "(path not shown: it looks like a secret)"
	}
	return path
}
