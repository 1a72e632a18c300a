package store

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// The reads of an analysis run: the deduplicated rows, only the columns the
// analyses use.

// AnalysisIncidents reads every deduplicated incident, oldest first, with
// what its timeline says (first acknowledgement, a missing resolve time)
// aggregated by ClickHouse.
func (s *Store) AnalysisIncidents(ctx context.Context) ([]Incident, error) {
	// What the timelines say (first acknowledgement, the resolve time a
	// document lacks) is aggregated by ClickHouse, one row per incident.
	resp, err := s.IncidentResponses(ctx, "", time.Time{})
	if err != nil {
		return nil, err
	}
	rows, err := s.conn.Query(ctx, `SELECT source, id, title, url, service_id, service_name, team_id, team_name, severity, status,
created_at, resolved_at, resolve_reason, merged_into, is_merged FROM `+s.Table("incidents")+" FINAL")
	if err != nil {
		return nil, fmt.Errorf("query incidents: %w", err)
	}
	defer rows.Close()
	var out []Incident
	for rows.Next() {
		var x Incident
		var res *time.Time
		var merged uint8
		if err := rows.Scan(&x.Source, &x.ID, &x.Title, &x.URL, &x.ServiceID, &x.ServiceName, &x.TeamID, &x.TeamName, &x.Severity, &x.Status,
			&x.CreatedAt, &res, &x.ResolveReason, &x.MergedInto, &merged); err != nil {
			return nil, fmt.Errorf("scan incident: %w", err)
		}
		x.CreatedAt = x.CreatedAt.UTC()
		if res != nil {
			x.ResolvedAt = res.UTC()
		}
		x.Merged = merged == 1
		resp[IncidentRef{Source: x.Source, ID: x.ID}].Apply(&x)
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read incidents: %w", err)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// AnalysisPostmortems reads every deduplicated postmortem without its prose
// and factors, oldest first.
func (s *Store) AnalysisPostmortems(ctx context.Context) ([]Postmortem, error) {
	rows, err := s.conn.Query(ctx, `SELECT key, title, url, status, status_category, severity, team, service, author,
incident_ids, action_item_keys, created_at, published_at, sections, missing_sections, time_to_detect_seconds FROM `+
		s.Table("postmortems")+" FINAL ORDER BY created_at, key")
	if err != nil {
		return nil, fmt.Errorf("query postmortems: %w", err)
	}
	defer rows.Close()
	var out []Postmortem
	for rows.Next() {
		var p Postmortem
		var published *time.Time
		var ttd *uint32
		if err := rows.Scan(&p.Key, &p.Title, &p.URL, &p.Status, &p.StatusCategory, &p.Severity, &p.Team, &p.Service, &p.Author,
			&p.IncidentIDs, &p.ActionItemKeys, &p.CreatedAt, &published, &p.Sections, &p.MissingSections, &ttd); err != nil {
			return nil, fmt.Errorf("scan postmortem: %w", err)
		}
		p.CreatedAt = p.CreatedAt.UTC()
		if published != nil {
			p.PublishedAt = published.UTC()
		}
		if ttd != nil {
			p.TimeToDetect = time.Duration(*ttd) * time.Second
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read postmortems: %w", err)
	}
	return out, nil
}

// AnalysisActionItems reads every deduplicated action item without its
// transitions (reopen counts and last activity are on the item), oldest first.
func (s *Store) AnalysisActionItems(ctx context.Context) ([]ActionItem, error) {
	rows, err := s.conn.Query(ctx, `SELECT key, postmortem_key, summary, status, status_category, priority, assignee_id,
assignee_name, team, due_date, created_at, updated_at, resolved_at, last_activity_at, reopen_count, url FROM `+
		s.Table("action_items")+" FINAL ORDER BY created_at, key")
	if err != nil {
		return nil, fmt.Errorf("query action items: %w", err)
	}
	defer rows.Close()
	var out []ActionItem
	for rows.Next() {
		var a ActionItem
		var due, resolved *time.Time
		var reopen uint32
		if err := rows.Scan(&a.Key, &a.PostmortemKey, &a.Summary, &a.Status, &a.StatusCategory, &a.Priority, &a.AssigneeID,
			&a.AssigneeName, &a.Team, &due, &a.CreatedAt, &a.UpdatedAt, &resolved, &a.LastActivityAt, &reopen, &a.URL); err != nil {
			return nil, fmt.Errorf("scan action item: %w", err)
		}
		a.CreatedAt, a.UpdatedAt, a.LastActivityAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC(), a.LastActivityAt.UTC()
		if due != nil {
			u := due.UTC()
			a.DueDate = time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
		}
		if resolved != nil {
			a.ResolvedAt = resolved.UTC()
		}
		a.ReopenCount = int(reopen)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read action items: %w", err)
	}
	return out, nil
}

// TimelineUserNames are the distinct names of the users acting in incident
// timelines.
func (s *Store) TimelineUserNames(ctx context.Context) ([]string, error) {
	rows, err := s.conn.Query(ctx, "SELECT DISTINCT agent_name FROM "+s.Table("timeline_events")+
		" WHERE agent_name != '' AND agent_type IN ('user', 'user_reference')")
	if err != nil {
		return nil, fmt.Errorf("query timeline user names: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("scan timeline user name: %w", err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read timeline user names: %w", err)
	}
	return out, nil
}
