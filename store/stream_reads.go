package store

import (
	"context"
	"fmt"
	"time"
)

// Streamed reads of the steps that need one row per incident or action item
// (bootstraps, per-pair follow-ups): compact rows, only the columns the step
// uses, labels made by ClickHouse (incidentView), so an analysis keeps what
// it derives from a row and not the row.

// ResponseTimes is what the change analysis reads of an incident: its
// severity and team labels (see incidentView) and its times, AcknowledgedAt
// and ResolvedAt zero when not acknowledged / not resolved.
type ResponseTimes struct {
	Severity, Team                        string
	CreatedAt, AcknowledgedAt, ResolvedAt time.Time
}

// StreamResponseTimes streams the non-merged incidents created in the
// run's periods (from the earliest period's start) by its clock, in no
// particular order. FirstIncidentAt says when the data starts.
func (s *Store) StreamResponseTimes(ctx context.Context, sc Scope, fn func(ResponseTimes) error) error {
	q := "SELECT sev, team, created, acked, resolved FROM (" + s.incidentView(sc, "created_at >= "+unixTime(time.Unix(sc.start(), 0)), viewTimeline) +
		") WHERE merged = 0 AND created <= ?"
	rows, err := s.conn.Query(ctx, q, sc.now())
	if err != nil {
		return fmt.Errorf("store: query response times: %w", err)
	}
	defer rows.Close()
	at := func(t uint32) time.Time {
		if t == 0 {
			return time.Time{}
		}
		return time.Unix(int64(t), 0).UTC()
	}
	for rows.Next() {
		var x ResponseTimes
		var created, acked, resolved uint32
		if err := rows.Scan(&x.Severity, &x.Team, &created, &acked, &resolved); err != nil {
			return fmt.Errorf("store: scan response times: %w", err)
		}
		x.CreatedAt, x.AcknowledgedAt, x.ResolvedAt = time.Unix(int64(created), 0).UTC(), at(acked), at(resolved)
		if err := fn(x); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read response times: %w", err)
	}
	return nil
}

// StreamIncidentStarts streams the id, service label (see incidentView) and
// creation of every non-merged incident created by the run's clock, oldest
// first (ties by id).
func (s *Store) StreamIncidentStarts(ctx context.Context, sc Scope, fn func(id, service string, created time.Time) error) error {
	q := "SELECT id, svc, created FROM (" + s.incidentView(sc, "created_at <= "+unixTime(sc.Now), 0) +
		") WHERE merged = 0 ORDER BY created, id"
	rows, err := s.conn.Query(ctx, q)
	if err != nil {
		return fmt.Errorf("store: query incident starts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, svc string
		var created uint32
		if err := rows.Scan(&id, &svc, &created); err != nil {
			return fmt.Errorf("store: scan incident start: %w", err)
		}
		if err := fn(id, svc, time.Unix(int64(created), 0).UTC()); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read incident starts: %w", err)
	}
	return nil
}

// StreamPostmortemItems streams the deduplicated action items of a
// postmortem created by now, ordered by summary (then oldest first, ties by
// key), so a caller classifying summaries sees each text's items in a row
// and classifies it once; each with only its postmortem key, summary,
// status category and updated and resolved times set (what the fixes
// analysis reads: a million items' keys were a million strings decoded for
// nothing).
func (s *Store) StreamPostmortemItems(ctx context.Context, now time.Time, fn func(*ActionItem) error) error {
	q := "SELECT postmortem_key, summary, status_category, updated_at, resolved_at FROM " + s.Table("action_items") +
		" FINAL WHERE postmortem_key != '' AND created_at <= ? ORDER BY summary, created_at, key"
	rows, err := s.conn.Query(ctx, q, now.UTC().Truncate(time.Second))
	if err != nil {
		return fmt.Errorf("store: query postmortem action items: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a ActionItem
		var resolved *time.Time
		if err := rows.Scan(&a.PostmortemKey, &a.Summary, &a.StatusCategory, &a.UpdatedAt, &resolved); err != nil {
			return fmt.Errorf("store: scan postmortem action item: %w", err)
		}
		a.UpdatedAt = a.UpdatedAt.UTC()
		if resolved != nil {
			a.ResolvedAt = resolved.UTC()
		}
		if err := fn(&a); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read postmortem action items: %w", err)
	}
	return nil
}
