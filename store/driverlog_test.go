package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDriverLogLowersCancelledQueries(t *testing.T) {
	var buf bytes.Buffer
	inner := slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})
	log := slog.New(driverLog{inner}).With("driver", "clickhouse-go")

	log.Error("query processing failed", slog.Any("error", fmt.Errorf("read: %w", context.Canceled)))
	log.Error("query processing failed", slog.Any("error", context.DeadlineExceeded))
	require.Empty(t, buf.String(), "a cancelled query is a debug line, below the info level")

	log.Error("query processing failed", slog.Any("error", errors.New("code: 60, message: Table x doesn't exist")))
	require.Contains(t, buf.String(), "level=ERROR")
	require.Contains(t, buf.String(), "driver=clickhouse-go")
	buf.Reset()

	log.Warn("server version not supported", "version", "18.16.1")
	require.Contains(t, buf.String(), "level=WARN")
	buf.Reset()

	// The driver's own version warning: below info for the servers
	// Aftermath is tested with, kept for older ones.
	for _, v := range []string{"18.16.1", "23.8.2.7", "26.7.1"} {
		log.Warn("unsupported clickhouse version", slog.String("version", v), slog.String("minimum_supported_version", "25.8.0"))
	}
	require.Empty(t, buf.String())
	log.Warn("unsupported clickhouse version", slog.String("version", "18.14.9"), slog.String("minimum_supported_version", "25.8.0"))
	require.Contains(t, buf.String(), "level=WARN")
	buf.Reset()

	debug := slog.New(driverLog{slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})})
	debug.Error("query processing failed", slog.Any("error", context.Canceled))
	require.Contains(t, buf.String(), "level=DEBUG")
	require.Contains(t, buf.String(), "context canceled")
}
