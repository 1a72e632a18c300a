package digest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/aftermath-sre/aftermath/domain"
)

// Due reports whether the digest of the month before now (in loc) should be
// written, given the newest month already written ("" for none). A month's
// digest falls due at midnight of the 1st of the next month in loc; if serve
// was down then, it is still due until written.
func Due(now time.Time, loc *time.Location, lastWritten string) (month string, due bool) {
	month = PreviousMonth(now, loc)
	return month, lastWritten < month
}

// NextDue is when the next month's digest falls due after now: midnight of
// the next 1st in loc.
func NextDue(now time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	_, next := domain.Month(now, loc)
	return next.In(loc)
}

// Monthly writes (and optionally delivers) the previous month's digest when
// it is due. serve runs it from its scheduler, e.g. hourly and after each
// analysis; the files are written before any delivery, and a failed delivery
// is reported without losing them and tried again at every later run until
// it succeeds (a marker file in Dir, .undelivered-YYYY-MM, says it is owed;
// each retry rebuilds and rewrites that month's digest from the latest
// analysis, so what is delivered is what the files say).
type Monthly struct {
	Reader   Reader
	Dir      string
	Location *time.Location
	BaseURL  string
	// Deliverer is optional; nil writes without delivering.
	Deliverer *Deliverer
	Now       func() time.Time
	Logger    *slog.Logger
	// Similar is passed to Build (Options.Similar); optional.
	Similar SimilarFunc
}

// Run writes the previous month's digest if Due says so. It returns the
// month written ("" when nothing was due). ErrNoAnalysis is returned as is,
// so the caller can wait for the first analysis.
func (m *Monthly) Run(ctx context.Context) (string, error) {
	now, logger, loc := time.Now, m.Logger, m.Location
	if m.Now != nil {
		now = m.Now
	}
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if loc == nil {
		loc = time.UTC
	}
	last, err := LastWritten(m.Dir)
	if err != nil {
		return "", err
	}
	month, due := Due(now(), loc, last)
	delivering := m.Deliverer != nil && m.Deliverer.Enabled()
	owed := delivering && undelivered(m.Dir, month)
	if !due && !owed {
		return "", nil
	}
	d, err := Build(ctx, m.Reader, Options{Month: month, Location: loc, Now: now, BaseURL: m.BaseURL, Logger: logger, Similar: m.Similar})
	if err != nil {
		if errors.Is(err, ErrNoAnalysis) {
			return "", err
		}
		return "", fmt.Errorf("digest: build %s: %w", month, err)
	}
	if d.Partial {
		// The latest analysis predates the month's end: wait for a fresh one.
		logger.Info("digest due but the latest analysis predates the month's end; waiting", "month", month, "run", d.RunID)
		return "", nil
	}
	if delivering && !owed {
		// Owed before the files exist: a crash between writing and
		// delivering still delivers at the next run.
		if err := markUndelivered(m.Dir, month); err != nil {
			return "", err
		}
	}
	paths, err := Write(ctx, d, m.Dir)
	if err != nil {
		return "", err
	}
	logger.Info("digest written", "month", month, "html", paths.HTML, "markdown", paths.Markdown)
	if !delivering {
		return month, nil
	}
	if err := m.Deliverer.Deliver(ctx, d); err != nil {
		return month, fmt.Errorf("%w (tried again at the next run)", err)
	}
	if err := os.Remove(undeliveredPath(m.Dir, month)); err != nil && !os.IsNotExist(err) {
		return month, fmt.Errorf("digest: delivered %s, but: %w", month, err)
	}
	return month, nil
}

// undeliveredPath is the marker of a month whose delivery is owed.
func undeliveredPath(dir, month string) string { return filepath.Join(dir, ".undelivered-"+month) }

func undelivered(dir, month string) bool {
	_, err := os.Stat(undeliveredPath(dir, month))
	return err == nil
}

func markUndelivered(dir, month string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("digest: create %s: %w", dir, err)
	}
	if err := os.WriteFile(undeliveredPath(dir, month), nil, 0o644); err != nil {
		return fmt.Errorf("digest: mark %s undelivered: %w", month, err)
	}
	return nil
}
