package digest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
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
// is reported without losing them.
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
	if !due {
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
	paths, err := Write(ctx, d, m.Dir)
	if err != nil {
		return "", err
	}
	logger.Info("digest written", "month", month, "html", paths.HTML, "markdown", paths.Markdown)
	if m.Deliverer != nil {
		if err := m.Deliverer.Deliver(ctx, d); err != nil {
			return month, err
		}
	}
	return month, nil
}
