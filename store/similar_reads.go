package store

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// Reads of the search for similar earlier postmortems (analyze.SimilarMany),
// streamed one postmortem at a time: ClickHouse groups each postmortem's
// factor texts and themes, so a caller holds what it derives, not the rows.

// similarBlockRows is the block size of these reads: the driver decodes a
// block at a time, and the default (65,536 rows, with their factor texts)
// is tens of MiB.
const similarBlockRows = 4096

// smallBlocks asks for blocks of similarBlockRows (replacing any settings
// of ctx's own).
func smallBlocks(ctx context.Context) context.Context {
	return clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"max_block_size": similarBlockRows}))
}

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

// SimilarFilter picks the postmortems StreamSimilarInputs reads.
type SimilarFilter struct {
	// Before, when not zero, keeps those created strictly before it.
	Before time.Time
	// Keys, when not nil, keeps those with one of these keys (none when
	// empty).
	Keys []string
}

// currentFactorsOf is the subquery of the current contributing factors
// (of their postmortem's latest version) of the postmortems that match
// where (a condition on postmortems, "" for all).
func (s *Store) currentFactorsOf(cols, where string) string {
	pm := "SELECT key, version FROM " + s.Table("postmortems") + " FINAL"
	if where != "" {
		pm += " WHERE " + where
	}
	return "SELECT postmortem_key" + cols + " FROM " + s.Table("contributing_factors") +
		" FINAL WHERE (postmortem_key, version)" + s.in() + "(" + pm + ")"
}

// StreamFactorTexts passes fn the texts of the current contributing factors
// of every postmortem that has any, one postmortem at a time (texts sorted),
// in no particular order, and returns the number of postmortems (with
// factors or not), counted just before.
func (s *Store) StreamFactorTexts(ctx context.Context, fn func(postmortemKey string, texts []string) error) (int, error) {
	var n uint64
	if err := s.conn.QueryRow(ctx, "SELECT count() FROM "+s.Table("postmortems")+" FINAL").Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count postmortems: %w", err)
	}
	// Ordered by key rather than grouped by ClickHouse: 18.16 returns a
	// GROUP BY's result in one block, every text at once.
	q := "SELECT postmortem_key, text FROM (" + s.currentFactorsOf(", text", "") + ") ORDER BY postmortem_key, text"
	rows, err := s.conn.Query(smallBlocks(ctx), q)
	if err != nil {
		return 0, fmt.Errorf("store: query factor texts by postmortem: %w", err)
	}
	defer rows.Close()
	var key string
	var texts []string
	for rows.Next() {
		var k, text string
		if err := rows.Scan(&k, &text); err != nil {
			return 0, fmt.Errorf("store: scan factor text: %w", err)
		}
		if k != key && texts != nil {
			if err := fn(key, texts); err != nil {
				return 0, err
			}
			texts = nil
		}
		key, texts = k, append(texts, text)
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("store: read factor texts by postmortem: %w", err)
	}
	if texts != nil {
		if err := fn(key, texts); err != nil {
			return 0, err
		}
	}
	return int(n), nil
}

// StreamSimilarInputs passes fn every deduplicated postmortem that f picks,
// in no particular order, with the texts of its current contributing factors
// and the themes of run runID, and nothing else of its prose. fn may keep
// what it is given.
func (s *Store) StreamSimilarInputs(ctx context.Context, runID string, f SimilarFilter, fn func(SimilarInput) error) error {
	if f.Keys != nil && len(f.Keys) == 0 {
		return nil
	}
	// where is f as a condition on the key column col (and on created_at
	// when created), adding its arguments: call it in the SQL's order.
	var args []any
	where := func(col string, created bool) string {
		var conds []string
		if created && !f.Before.IsZero() {
			conds = append(conds, "created_at < ?")
			args = append(args, utc(f.Before))
		}
		if f.Keys != nil {
			conds = append(conds, col+" IN ?")
			args = append(args, inSet(f.Keys))
		}
		out := ""
		for i, c := range conds {
			if i > 0 {
				out += " AND "
			}
			out += c
		}
		return out
	}
	pms := "SELECT key, title, url, service, created_at FROM " + s.Table("postmortems") + " FINAL"
	if w := where("key", true); w != "" {
		pms += " WHERE " + w
	}
	factors := s.currentFactorsOf(", text", where("key", true))
	if f.Keys != nil {
		// Also on the factors' own key: their primary key.
		factors += " AND " + where("postmortem_key", false)
	}
	factors = "SELECT postmortem_key AS key, arraySort(groupArray(text)) AS texts FROM (" + factors + ") GROUP BY postmortem_key"
	themes := "SELECT postmortem_key AS key, arraySort(groupArray(theme_id)) AS theme_ids FROM " + s.Table("factor_themes") + " WHERE run_id = ?"
	args = append(args, runID)
	if w := where("postmortem_key", false); w != "" {
		themes += " AND " + w
	}
	themes += " GROUP BY postmortem_key"
	q := "SELECT key, title, url, service, created_at, texts, theme_ids FROM (" +
		"SELECT key, title, url, service, created_at, texts FROM (" + pms + ") AS p" + s.join("ANY LEFT") + "(" + factors + ") AS f USING key" +
		") AS pf" + s.join("ANY LEFT") + "(" + themes + ") AS t USING key"
	rows, err := s.conn.Query(smallBlocks(ctx), q, args...)
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
