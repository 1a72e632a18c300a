package digest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
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

// SourceSyncs reports, for each enabled ingest source, when its first
// successful sync that started at or after since finished; a source without
// one yet maps to the zero time. cmd/aftermath builds it over the store's
// ingest runs (store.FirstSyncsSince).
type SourceSyncs func(ctx context.Context, since time.Time) (map[string]time.Time, error)

// Readiness says whether the sources' data of a month is complete: each
// enabled source has completed a successful sync that started after the
// month ended (a sync brings its source's data up to its start).
type Readiness struct {
	Month string
	End   time.Time // the month's end (UTC)
	// Waiting are the enabled sources without such a sync yet, sorted.
	Waiting []string
	// SyncedAt is when the last of the sources' first such syncs finished
	// (zero while a source waits): an analysis that started then or later
	// read every source's data of the month.
	SyncedAt time.Time
}

// Ready reports whether every source has synced after the month ended.
func (r Readiness) Ready() bool { return len(r.Waiting) == 0 }

// CoveredBy reports whether an analysis run that started at started read
// every source's data of the month: the sources are ready and the run
// started after the last of their syncs finished.
func (r Readiness) CoveredBy(started time.Time) bool {
	return r.Ready() && !started.Before(r.SyncedAt)
}

// SyncedAfter lists, sorted, the sources whose latest successful sync (last,
// by source, as store.LastSyncs reports it) finished after an analysis run
// started at started: the run did not read all that sync stored or removed,
// so a digest written from it may miss changes to its month (a history
// extended by a longer backfill, issues Jira's reconciliation removed).
// Times are compared as stored, in whole seconds: a sync that finished in
// the second the run started counts as read.
func SyncedAfter(last map[string]time.Time, started time.Time) []string {
	var out []string
	for src, at := range last {
		if at.After(started) {
			out = append(out, src)
		}
	}
	sort.Strings(out)
	return out
}

// CheckSources asks syncs whether the data of month (in loc) is complete.
func CheckSources(ctx context.Context, syncs SourceSyncs, month string, loc *time.Location) (Readiness, error) {
	if loc == nil {
		loc = time.UTC
	}
	mt, err := ParseMonth(month)
	if err != nil {
		return Readiness{}, fmt.Errorf("digest: month %q: %w", month, err)
	}
	r := Readiness{Month: month, End: time.Date(mt.Year(), mt.Month()+1, 1, 0, 0, 0, 0, loc).UTC()}
	got, err := syncs(ctx, r.End)
	if err != nil {
		return Readiness{}, fmt.Errorf("digest: %s: check the sources' syncs: %w", month, err)
	}
	for src, at := range got {
		switch {
		case at.IsZero():
			r.Waiting = append(r.Waiting, src)
		case at.After(r.SyncedAt):
			r.SyncedAt = at
		}
	}
	sort.Strings(r.Waiting)
	if !r.Ready() {
		r.SyncedAt = time.Time{}
	}
	return r, nil
}

// Monthly writes (and optionally delivers) the previous month's digest when
// it is due and its data is complete (see Sources). serve runs it from its
// scheduler, e.g. hourly and after each analysis; the files are written
// before any delivery, and a failed delivery is reported without losing
// them and tried again at every later run until it succeeds (a marker file
// in Dir, .undelivered-YYYY-MM, says it is owed; each retry rebuilds and
// rewrites that month's digest from the latest analysis, so what is
// delivered is what the files say).
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
	// Sources, when set, holds a due digest back until its month's data is
	// complete: every enabled source has completed a successful sync that
	// started after the month ended, and the latest analysis started after
	// the last of those syncs finished. Until then each run logs (at warn,
	// naming the sources still waiting) and writes nothing, and the month
	// stays due. Nil writes without asking (tests; serve always sets it).
	Sources SourceSyncs
}

// Run writes the previous month's digest if Due says so and, with Sources
// set, its data is complete. It returns the month written ("" when nothing
// was written). ErrNoAnalysis is returned as is, so the caller can wait for
// the first analysis.
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
	var checked string // the analysis run the sources were checked against
	if m.Sources != nil {
		ok, runID, err := m.complete(ctx, logger, month, loc)
		if err != nil || !ok {
			return "", err
		}
		checked = runID
	}
	d, err := Build(ctx, m.Reader, Options{Month: month, Location: loc, Now: now, BaseURL: m.BaseURL, Logger: logger, Similar: m.Similar})
	if err != nil {
		if errors.Is(err, ErrNoAnalysis) {
			return "", err
		}
		if nc := (*MonthNotCoveredError)(nil); errors.As(err, &nc) && nc.DataFrom != "" {
			// A history that starts after the month: nothing to write.
			logger.Info("digest due but the data starts after its month; none written", "month", month, "data_from", nc.DataFrom)
			return "", nil
		}
		return "", fmt.Errorf("digest: build %s: %w", month, err)
	}
	if d.Partial {
		// The latest analysis predates the month's end: wait for a fresh one.
		logger.Info("digest due but the latest analysis predates the month's end; waiting", "month", month, "run", d.RunID)
		return "", nil
	}
	if checked != "" && d.RunID != checked {
		// A newer analysis finished meanwhile: check it at the next run.
		logger.Info("digest due but a newer analysis finished while it was built; waiting", "month", month, "run", d.RunID)
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

// complete reports whether month's data is complete for its digest (see
// Monthly.Sources), logging why not, and the analysis run it checked.
func (m *Monthly) complete(ctx context.Context, logger *slog.Logger, month string, loc *time.Location) (ok bool, runID string, err error) {
	r, err := CheckSources(ctx, m.Sources, month, loc)
	if err != nil {
		return false, "", err
	}
	if !r.Ready() {
		logger.Warn("digest waits for a successful sync of each source that started after the month ended",
			"month", month, "waiting", strings.Join(r.Waiting, ","), "month_end", r.End)
		return false, "", nil
	}
	run, found, err := m.Reader.LatestAnalysisRun(ctx)
	if err != nil {
		return false, "", fmt.Errorf("digest: %w", err)
	}
	if !found {
		return false, "", ErrNoAnalysis
	}
	if !r.CoveredBy(run.StartedAt) {
		logger.Info("digest due but the latest analysis started before the sources' last sync finished; waiting",
			"month", month, "run", run.ID, "run_started", run.StartedAt, "synced", r.SyncedAt)
		return false, "", nil
	}
	return true, run.ID, nil
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
