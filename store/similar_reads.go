package store

import (
	"context"
	"fmt"
	"time"
)

// SimilarInput is what matching similar postmortems reads of one
// postmortem: who it is, when, where, and its current factors' texts.
type SimilarInput struct {
	Key, Title, URL, Service string
	CreatedAt                time.Time
	Factors                  []string // in ordinal order
}

// SimilarInputs reads every deduplicated postmortem, oldest first, with the
// texts of its current contributing factors and nothing else of its prose.
func (s *Store) SimilarInputs(ctx context.Context) ([]SimilarInput, error) {
	rows, err := s.conn.Query(ctx, "SELECT key, title, url, service, created_at FROM "+s.Table("postmortems")+" FINAL ORDER BY created_at, key")
	if err != nil {
		return nil, fmt.Errorf("store: query postmortems for matching: %w", err)
	}
	defer rows.Close()
	var out []SimilarInput
	idx := map[string]int{}
	for rows.Next() {
		var p SimilarInput
		if err := rows.Scan(&p.Key, &p.Title, &p.URL, &p.Service, &p.CreatedAt); err != nil {
			return nil, fmt.Errorf("store: scan postmortem for matching: %w", err)
		}
		p.CreatedAt = p.CreatedAt.UTC()
		idx[p.Key] = len(out)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read postmortems for matching: %w", err)
	}
	rows.Close()
	frows, err := s.conn.Query(ctx, "SELECT postmortem_key, text FROM "+s.Table("contributing_factors")+
		" FINAL WHERE (postmortem_key, version)"+s.in()+"(SELECT key, version FROM "+s.Table("postmortems")+" FINAL)"+
		" ORDER BY postmortem_key, ordinal")
	if err != nil {
		return nil, fmt.Errorf("store: query factors for matching: %w", err)
	}
	defer frows.Close()
	for frows.Next() {
		var key, text string
		if err := frows.Scan(&key, &text); err != nil {
			return nil, fmt.Errorf("store: scan factor for matching: %w", err)
		}
		if i, ok := idx[key]; ok {
			out[i].Factors = append(out[i].Factors, text)
		}
	}
	if err := frows.Err(); err != nil {
		return nil, fmt.Errorf("store: read factors for matching: %w", err)
	}
	return out, nil
}
