package store

import (
	"context"
	"fmt"
	"time"
)

// PostmortemHead is what the themes, fixes and theme-cost steps read of a
// postmortem.
type PostmortemHead struct {
	Key, Team, Service string
	CreatedAt          time.Time
	IncidentIDs        []string
}

// Orders of StreamPostmortemHeads.
const (
	// ByCreation: oldest first, ties by key.
	ByCreation = iota
	// ByFactorID: in the order of their factors' ids "<key>#<ordinal>" as
	// bytes (the order of "<key>#"), so a stream of factor ids in id order
	// meets their postmortems in this order.
	ByFactorID
)

// StreamPostmortemHeads streams the current postmortems created at or
// before until, in order (ByCreation or ByFactorID), one at a time.
func (s *Store) StreamPostmortemHeads(ctx context.Context, until time.Time, order int, fn func(*PostmortemHead) error) error {
	by := " ORDER BY created_at, key"
	if order == ByFactorID {
		by = " ORDER BY concat(key, '#')"
	}
	q := "SELECT key, team, service, created_at, incident_ids FROM " + s.Table("postmortems") + " FINAL WHERE created_at <= ?" + by
	rows, err := s.conn.Query(ctx, q, utc(until))
	if err != nil {
		return fmt.Errorf("store: query postmortem heads: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p PostmortemHead
		if err := rows.Scan(&p.Key, &p.Team, &p.Service, &p.CreatedAt, &p.IncidentIDs); err != nil {
			return fmt.Errorf("store: scan postmortem head: %w", err)
		}
		p.CreatedAt = p.CreatedAt.UTC()
		if err := fn(&p); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read postmortem heads: %w", err)
	}
	return nil
}

// IncidentsWithPostmortem returns which of ids are incidents of a current
// postmortem created at or before until.
func (s *Store) IncidentsWithPostmortem(ctx context.Context, until time.Time, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	err := inChunks(ids, func(chunk []string) error {
		q := "SELECT DISTINCT id FROM (SELECT arrayJoin(incident_ids) AS id FROM " + s.Table("postmortems") +
			" FINAL WHERE created_at <= ?) WHERE id IN ?"
		rows, err := s.conn.Query(ctx, q, utc(until), inSet(chunk))
		if err != nil {
			return fmt.Errorf("store: query incidents with a postmortem: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return fmt.Errorf("store: scan incident with a postmortem: %w", err)
			}
			out[id] = true
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: read incidents with a postmortem: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PostmortemLink is how a postmortem is shown: its title and address.
type PostmortemLink struct{ Title, URL string }

// PostmortemLinks returns the title and url of each current postmortem of
// keys; a key that is not stored is absent.
func (s *Store) PostmortemLinks(ctx context.Context, keys []string) (map[string]PostmortemLink, error) {
	out := map[string]PostmortemLink{}
	err := inChunks(keys, func(chunk []string) error {
		rows, err := s.conn.Query(ctx, "SELECT key, title, url FROM "+s.Table("postmortems")+" FINAL WHERE key IN ?", inSet(chunk))
		if err != nil {
			return fmt.Errorf("store: query postmortem links: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var key string
			var l PostmortemLink
			if err := rows.Scan(&key, &l.Title, &l.URL); err != nil {
				return fmt.Errorf("store: scan postmortem link: %w", err)
			}
			out[key] = l
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: read postmortem links: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// StreamFactorThemes passes every factor assignment of a run to fn, one at
// a time and in no particular order, with the factor's id
// "<postmortem key>#<ordinal>" (the order of FactorAnalyses).
func (s *Store) StreamFactorThemes(ctx context.Context, runID string, fn func(factorID, themeID string) error) error {
	rows, err := s.conn.Query(ctx, "SELECT concat(postmortem_key, '#', toString(ordinal)), theme_id FROM "+s.Table("factor_themes")+
		" WHERE run_id = ?", runID)
	if err != nil {
		return fmt.Errorf("store: query factor themes of run %s: %w", runID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, theme string
		if err := rows.Scan(&id, &theme); err != nil {
			return fmt.Errorf("store: scan factor theme: %w", err)
		}
		if err := fn(id, theme); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read factor themes: %w", err)
	}
	return nil
}
