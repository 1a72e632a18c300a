package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
)

// driverLog is the handler of the ClickHouse driver's logger. The driver
// logs every query that fails at error level, and the store returns (and
// its callers log) the same error. A query that failed because its
// context was cancelled or timed out is not a fault of the database: a
// shutdown cancels the analysis in flight, and the driver's error line
// would alarm whoever reads the log. Those records are logged at debug
// level, as is the driver's version warning for a server Aftermath
// supports (testedServerRecord); every other record keeps its level.
type driverLog struct{ inner slog.Handler }

func (h driverLog) Enabled(ctx context.Context, l slog.Level) bool {
	// The level may be lowered in Handle: a record is dropped there.
	return h.inner.Enabled(ctx, l)
}

func (h driverLog) Handle(ctx context.Context, r slog.Record) error {
	if r.Level > slog.LevelDebug && (cancelledRecord(r) || testedServerRecord(r)) {
		if !h.inner.Enabled(ctx, slog.LevelDebug) {
			return nil
		}
		r = r.Clone()
		r.Level = slog.LevelDebug
	}
	return h.inner.Handle(ctx, r)
}

func (h driverLog) WithAttrs(as []slog.Attr) slog.Handler { return driverLog{h.inner.WithAttrs(as)} }
func (h driverLog) WithGroup(name string) slog.Handler    { return driverLog{h.inner.WithGroup(name)} }

// testedServerRecord reports whether r is the driver's warning that the
// server is older than the driver declares supported, for a server
// Aftermath's SQL is written and tested for (ClickHouse 18.16 and later,
// README): a warning on every command for the supported setup is noise.
// An older server keeps the warning.
func testedServerRecord(r slog.Record) bool {
	if r.Message != "unsupported clickhouse version" {
		return false
	}
	tested := false
	r.Attrs(func(a slog.Attr) bool {
		if a.Key != "version" {
			return true
		}
		var major, minor int
		if _, err := fmt.Sscanf(a.Value.String(), "%d.%d", &major, &minor); err == nil {
			tested = major > 18 || (major == 18 && minor >= 16)
		}
		return false
	})
	return tested
}

// cancelledRecord reports whether an error attribute of r is a context's
// cancellation or deadline.
func cancelledRecord(r slog.Record) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		if err, ok := a.Value.Any().(error); ok && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
			found = true
			return false
		}
		return true
	})
	return found
}
