package store

import (
	"context"
	"fmt"
	"time"
)

// SimilarInput is what matching similar postmortems reads of one
// postmortem: who it is, when, where, its current factors' texts and the
// themes an analysis run gave them.
type SimilarInput struct {
	Key, Title, URL, Service string
	CreatedAt                time.Time
	// Factors are the texts of its current contributing factors (of its
	// latest version), sorted.
	Factors []string
	// Themes are the theme ids the run assigned to its factors, one per
	// assignment, sorted.
	Themes []string
}

// StreamSimilarInputs passes fn every deduplicated postmortem created
// before before (every one when before is zero), ordered by key, with the
// texts of its current contributing factors and the themes of run runID,
// and nothing else of its prose. ClickHouse groups the factors and themes
// by postmortem, so a caller holds one postmortem at a time; fn may keep
// what it is given.
func (s *Store) StreamSimilarInputs(ctx context.Context, runID string, before time.Time, fn func(SimilarInput) error) error {
	pms := "SELECT key, title, url, service, created_at FROM " + s.Table("postmortems") + " FINAL"
	var args []any
	if !before.IsZero() {
		pms += " WHERE created_at < ?"
		args = append(args, utc(before))
	}
	args = append(args, runID)
	factors := "SELECT postmortem_key AS key, arraySort(groupArray(text)) AS texts FROM " + s.Table("contributing_factors") +
		" FINAL WHERE (postmortem_key, version)" + s.in() + "(SELECT key, version FROM " + s.Table("postmortems") + " FINAL)" +
		" GROUP BY postmortem_key"
	themes := "SELECT postmortem_key AS key, arraySort(groupArray(theme_id)) AS theme_ids FROM " + s.Table("factor_themes") +
		" WHERE run_id = ? GROUP BY postmortem_key"
	q := "SELECT key, title, url, service, created_at, texts, theme_ids FROM (" +
		"SELECT key, title, url, service, created_at, texts FROM (" + pms + ") AS p" + s.join("ANY LEFT") + "(" + factors + ") AS f USING key" +
		") AS pf" + s.join("ANY LEFT") + "(" + themes + ") AS t USING key ORDER BY key"
	rows, err := s.conn.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("store: query postmortems for matching: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p SimilarInput
		if err := rows.Scan(&p.Key, &p.Title, &p.URL, &p.Service, &p.CreatedAt, &p.Factors, &p.Themes); err != nil {
			return fmt.Errorf("store: scan postmortem for matching: %w", err)
		}
		p.CreatedAt = p.CreatedAt.UTC()
		if err := fn(p); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read postmortems for matching: %w", err)
	}
	return nil
}
