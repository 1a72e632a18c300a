package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/aftermath-sre/aftermath/domain"
)

// UpsertRaw stores raw API documents.
func (s *Store) UpsertRaw(ctx context.Context, docs []RawDocument) error {
	v := s.NextVersion()
	return s.batch(ctx, "raw_documents", "source, kind, id, fetched_at, body, version", len(docs), func(b driver.Batch, i int) error {
		d := docs[i]
		return b.Append(d.Source, d.Kind, d.ID, utc(d.FetchedAt), string(d.Body), v)
	})
}

// RawDocuments streams the stored raw documents of source and kind (the
// latest fetch of each), in id order, to fn, a batch of at most 2,000 at a
// time; fn may write to the store.
func (s *Store) RawDocuments(ctx context.Context, source, kind string, fn func([]RawDocument) error) error {
	rows, err := s.conn.Query(ctx, "SELECT id, fetched_at, body FROM "+s.Table("raw_documents")+
		" FINAL WHERE source = ? AND kind = ? ORDER BY id", source, kind)
	if err != nil {
		return fmt.Errorf("store: query raw %s %s documents: %w", source, kind, err)
	}
	defer rows.Close()
	const batch = 2000
	docs := make([]RawDocument, 0, batch)
	for rows.Next() {
		d := RawDocument{Source: source, Kind: kind}
		var body string
		if err := rows.Scan(&d.ID, &d.FetchedAt, &body); err != nil {
			return fmt.Errorf("store: scan raw %s %s document: %w", source, kind, err)
		}
		d.FetchedAt, d.Body = d.FetchedAt.UTC(), []byte(body)
		docs = append(docs, d)
		if len(docs) == batch {
			if err := fn(docs); err != nil {
				return err
			}
			docs = make([]RawDocument, 0, batch)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read raw %s %s documents: %w", source, kind, err)
	}
	if len(docs) > 0 {
		return fn(docs)
	}
	return nil
}

// incidentColumns are what an incident's document says. The columns of
// 0001_core that held what its timeline says (acknowledged_at,
// auto_resolved and the acknowledgement, assignment, escalation and
// reassignment counts) are neither written nor read any more: those are
// computed on read from timeline_events (IncidentResponses), so an ingester
// never has to read a timeline back or fetch an incident again to keep them
// right. The columns stay (dropping them buys nothing on 18.16 and risks a
// half-applied migration); rows written since hold their defaults.
const incidentColumns = `source, id, number, title, url, incident_key, service_id, service_name, team_id, team_name,
escalation_policy_id, priority, urgency, severity, status, created_at, resolved_at, updated_at,
resolve_reason, merged_into, is_merged`

// UpsertIncidents writes incidents as their documents say; a newer write of
// the same (source, id) wins. The response fields (Incident.AcknowledgedAt,
// the counts, AutoResolved) are not stored: they come from the timeline.
func (s *Store) UpsertIncidents(ctx context.Context, incs []Incident) error {
	v := s.NextVersion()
	return s.batch(ctx, "incidents", incidentColumns+", version", len(incs), func(b driver.Batch, i int) error {
		x := incs[i]
		return b.Append(x.Source, x.ID, x.Number, x.Title, x.URL, x.IncidentKey, x.ServiceID, x.ServiceName,
			x.TeamID, x.TeamName, x.EscalationPolicyID, x.Priority, x.Urgency, x.Severity, x.Status,
			utc(x.CreatedAt), nullTime(x.ResolvedAt), utc(x.UpdatedAt),
			x.ResolveReason, x.MergedInto, boolU8(x.Merged), v)
	})
}

// IncidentFilter selects incidents by creation time; zero bounds are open.
type IncidentFilter struct {
	Source                 string
	CreatedFrom, CreatedTo time.Time // [from, to)
	OpenOnly               bool
}

// Incidents reads deduplicated incidents ordered by created_at, id, with
// what their timelines say (IncidentResponses) applied.
func (s *Store) Incidents(ctx context.Context, f IncidentFilter) ([]Incident, error) {
	incs, err := s.incidents(ctx, f)
	if err != nil {
		return nil, err
	}
	resp, err := s.IncidentResponses(ctx, f.Source, f.CreatedFrom)
	if err != nil {
		return nil, err
	}
	for i := range incs {
		resp[IncidentRef{incs[i].Source, incs[i].ID}].Apply(&incs[i])
	}
	return incs, nil
}

// incidents reads the incidents' rows, as their documents say.
func (s *Store) incidents(ctx context.Context, f IncidentFilter) ([]Incident, error) {
	q := "SELECT " + incidentColumns + " FROM " + s.Table("incidents") + " FINAL WHERE 1 = 1"
	var args []any
	if f.Source != "" {
		q += " AND source = ?"
		args = append(args, f.Source)
	}
	if !f.CreatedFrom.IsZero() {
		q += " AND created_at >= ?"
		args = append(args, utc(f.CreatedFrom))
	}
	if !f.CreatedTo.IsZero() {
		q += " AND created_at < ?"
		args = append(args, utc(f.CreatedTo))
	}
	if f.OpenOnly {
		q += " AND status != 'resolved'"
	}
	q += " ORDER BY created_at, id"
	rows, err := s.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: query incidents: %w", err)
	}
	defer rows.Close()
	var out []Incident
	for rows.Next() {
		var x Incident
		var res *time.Time
		var merged uint8
		if err := rows.Scan(&x.Source, &x.ID, &x.Number, &x.Title, &x.URL, &x.IncidentKey, &x.ServiceID, &x.ServiceName,
			&x.TeamID, &x.TeamName, &x.EscalationPolicyID, &x.Priority, &x.Urgency, &x.Severity, &x.Status,
			&x.CreatedAt, &res, &x.UpdatedAt, &x.ResolveReason, &x.MergedInto, &merged); err != nil {
			return nil, fmt.Errorf("store: scan incident: %w", err)
		}
		x.CreatedAt, x.UpdatedAt = x.CreatedAt.UTC(), x.UpdatedAt.UTC()
		x.ResolvedAt = fromNull(res)
		x.Merged = merged == 1
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read incidents: %w", err)
	}
	return out, nil
}

// OpenIncidents reads the deduplicated incidents of source created before
// createdBefore whose document says they are not resolved, ordered by
// created_at, id: the ones a source checks again for a change of state.
// Their response fields are not filled in.
func (s *Store) OpenIncidents(ctx context.Context, source string, createdBefore time.Time) ([]Incident, error) {
	return s.incidents(ctx, IncidentFilter{Source: source, CreatedTo: createdBefore, OpenOnly: true})
}

// IncidentRef names an incident.
type IncidentRef struct{ Source, ID string }

// IncidentResponses computes, in ClickHouse, what each incident's timeline
// says about its response (domain.Response): one row per incident, not its
// events. source "" means every source; events before since (zero: none)
// are left out, which leaves out no event of an incident created since.
func (s *Store) IncidentResponses(ctx context.Context, source string, since time.Time) (map[IncidentRef]domain.Response, error) {
	q := `SELECT source, incident_id,
countIf(type = ?) AS acks, minIf(created_at, type = ?) AS first_ack,
countIf(type = ?) AS escalations, countIf(type = ?) AS reassignments,
countIf(type = ?) AS resolves, maxIf(created_at, type = ?) AS last_resolve, argMaxIf(agent_type, created_at, type = ?) AS resolved_by,
max(created_at) AS last_event
FROM ` + s.Table("timeline_events") + " FINAL WHERE 1 = 1"
	args := []any{domain.EventAcknowledge, domain.EventAcknowledge, domain.EventEscalate, domain.EventAssign,
		domain.EventResolve, domain.EventResolve, domain.EventResolve}
	if source != "" {
		q += " AND source = ?"
		args = append(args, source)
	}
	if !since.IsZero() {
		q += " AND created_at >= ?"
		args = append(args, utc(since))
	}
	q += " GROUP BY source, incident_id"
	rows, err := s.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: query incident responses: %w", err)
	}
	defer rows.Close()
	out := map[IncidentRef]domain.Response{}
	for rows.Next() {
		var ref IncidentRef
		var r domain.Response
		var acks, esc, reas, resolves uint64
		var firstAck, lastResolve time.Time
		if err := rows.Scan(&ref.Source, &ref.ID, &acks, &firstAck, &esc, &reas, &resolves, &lastResolve, &r.LastResolvedBy, &r.LastEventAt); err != nil {
			return nil, fmt.Errorf("store: scan incident response: %w", err)
		}
		r.Acknowledgements, r.Escalations, r.Reassignments = count32(int(acks)), count32(int(esc)), count32(int(reas))
		if acks > 0 {
			r.FirstAcknowledgedAt = firstAck.UTC()
		}
		if resolves > 0 {
			r.LastResolvedAt = lastResolve.UTC()
		} else {
			r.LastResolvedBy = ""
		}
		r.LastEventAt = r.LastEventAt.UTC()
		out[ref] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read incident responses: %w", err)
	}
	return out, nil
}

const timelineColumns = `source, incident_id, id, type, raw_type, created_at, agent_type, agent_id, agent_name,
channel_type, summary, assignee_ids, user_id`

// UpsertTimelineEvents writes timeline events.
func (s *Store) UpsertTimelineEvents(ctx context.Context, evs []TimelineEvent) error {
	v := s.NextVersion()
	return s.batch(ctx, "timeline_events", timelineColumns+", version", len(evs), func(b driver.Batch, i int) error {
		e := evs[i]
		return b.Append(e.Source, e.IncidentID, e.ID, e.Type, e.RawType, utc(e.CreatedAt), e.AgentType, e.AgentID,
			e.AgentName, e.ChannelType, e.Summary, strs(e.AssigneeIDs), e.UserID, v)
	})
}

// TimelineEvents reads the deduplicated timeline of the given incidents (all
// incidents when ids is empty), ordered by incident, time, id.
func (s *Store) TimelineEvents(ctx context.Context, incidentIDs []string) ([]TimelineEvent, error) {
	q := "SELECT " + timelineColumns + " FROM " + s.Table("timeline_events") + " FINAL"
	var args []any
	if len(incidentIDs) > 0 {
		// One placeholder per id keeps the primary-key index usable (has(?, x)
		// scans every row against every id).
		q += " WHERE incident_id IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(incidentIDs)), ", ") + ")"
		for _, id := range incidentIDs {
			args = append(args, id)
		}
	}
	q += " ORDER BY incident_id, created_at, id"
	rows, err := s.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: query timeline events: %w", err)
	}
	defer rows.Close()
	var out []TimelineEvent
	for rows.Next() {
		var e TimelineEvent
		if err := rows.Scan(&e.Source, &e.IncidentID, &e.ID, &e.Type, &e.RawType, &e.CreatedAt, &e.AgentType, &e.AgentID,
			&e.AgentName, &e.ChannelType, &e.Summary, &e.AssigneeIDs, &e.UserID); err != nil {
			return nil, fmt.Errorf("store: scan timeline event: %w", err)
		}
		e.CreatedAt = e.CreatedAt.UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read timeline events: %w", err)
	}
	return out, nil
}

const postmortemColumns = `key, id, project, title, url, status, status_category, severity, team, service, author,
labels, incident_ids, action_item_keys, created_at, updated_at, in_review_at, published_at, description_format,
sections, missing_sections, summary, impact, detection, went_well, went_poorly, lucky, lessons,
time_to_detect_seconds, factor_count, action_item_rows`

// UpsertPostmortems writes postmortems and their contributing factors with one
// version, so that reads see exactly the factors of the latest write.
func (s *Store) UpsertPostmortems(ctx context.Context, pms []Postmortem) error {
	v := s.NextVersion()
	if err := s.batch(ctx, "postmortems", postmortemColumns+", version", len(pms), func(b driver.Batch, i int) error {
		p := pms[i]
		var ttd *uint32
		if p.TimeToDetect > 0 {
			sec := uint32(p.TimeToDetect / time.Second)
			ttd = &sec
		}
		return b.Append(p.Key, p.ID, p.Project, p.Title, p.URL, p.Status, p.StatusCategory, p.Severity, p.Team,
			p.Service, p.Author, strs(p.Labels), strs(p.IncidentIDs), strs(p.ActionItemKeys), utc(p.CreatedAt),
			utc(p.UpdatedAt), nullTime(p.InReviewAt), nullTime(p.PublishedAt), p.DescriptionFormat,
			strs(p.Sections), strs(p.MissingSections), p.Summary, p.Impact, p.Detection, p.WentWell, p.WentPoorly,
			p.Lucky, p.Lessons, ttd, uint32(len(p.Factors)), count32(p.ActionItemRows), v)
	}); err != nil {
		return err
	}
	type row struct {
		f       Factor
		created time.Time
	}
	var rows []row
	for _, p := range pms {
		for _, f := range p.Factors {
			f.PostmortemKey = p.Key
			rows = append(rows, row{f, p.CreatedAt})
		}
	}
	return s.batch(ctx, "contributing_factors", "postmortem_key, ordinal, name, text, postmortem_created_at, version", len(rows), func(b driver.Batch, i int) error {
		r := rows[i]
		return b.Append(r.f.PostmortemKey, count32(r.f.Ordinal), r.f.Name, r.f.Text, utc(r.created), v)
	})
}

// Postmortems reads deduplicated postmortems with their current factors,
// ordered by created_at, key.
func (s *Store) Postmortems(ctx context.Context) ([]Postmortem, error) {
	rows, err := s.conn.Query(ctx, "SELECT "+postmortemColumns+" FROM "+s.Table("postmortems")+" FINAL ORDER BY created_at, key")
	if err != nil {
		return nil, fmt.Errorf("store: query postmortems: %w", err)
	}
	defer rows.Close()
	var out []Postmortem
	idx := map[string]int{}
	for rows.Next() {
		var p Postmortem
		var inReview, published *time.Time
		var ttd *uint32
		var factors, actionRows uint32
		if err := rows.Scan(&p.Key, &p.ID, &p.Project, &p.Title, &p.URL, &p.Status, &p.StatusCategory, &p.Severity,
			&p.Team, &p.Service, &p.Author, &p.Labels, &p.IncidentIDs, &p.ActionItemKeys, &p.CreatedAt, &p.UpdatedAt,
			&inReview, &published, &p.DescriptionFormat, &p.Sections, &p.MissingSections, &p.Summary, &p.Impact,
			&p.Detection, &p.WentWell, &p.WentPoorly, &p.Lucky, &p.Lessons, &ttd, &factors, &actionRows); err != nil {
			return nil, fmt.Errorf("store: scan postmortem: %w", err)
		}
		p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
		p.InReviewAt, p.PublishedAt = fromNull(inReview), fromNull(published)
		if ttd != nil {
			p.TimeToDetect = time.Duration(*ttd) * time.Second
		}
		p.ActionItemRows = int(actionRows)
		idx[p.Key] = len(out)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read postmortems: %w", err)
	}
	fs, err := s.Factors(ctx)
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		if i, ok := idx[f.PostmortemKey]; ok {
			out[i].Factors = append(out[i].Factors, f)
		}
	}
	return out, nil
}

// Factors reads the current contributing factors of every postmortem, ordered
// by postmortem key and ordinal.
func (s *Store) Factors(ctx context.Context) ([]Factor, error) {
	rows, err := s.conn.Query(ctx, "SELECT postmortem_key, ordinal, name, text FROM "+s.Table("contributing_factors")+
		" FINAL WHERE (postmortem_key, version)"+s.in()+"(SELECT key, version FROM "+s.Table("postmortems")+" FINAL)"+
		" ORDER BY postmortem_key, ordinal")
	if err != nil {
		return nil, fmt.Errorf("store: query factors: %w", err)
	}
	defer rows.Close()
	var out []Factor
	for rows.Next() {
		var f Factor
		var ord uint32
		if err := rows.Scan(&f.PostmortemKey, &ord, &f.Name, &f.Text); err != nil {
			return nil, fmt.Errorf("store: scan factor: %w", err)
		}
		f.Ordinal = int(ord)
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read factors: %w", err)
	}
	return out, nil
}

const actionItemColumns = `key, id, project, postmortem_key, summary, status, status_category, priority, raw_priority,
assignee_id, assignee_name, team, labels, components, due_date, created_at, updated_at, resolved_at,
last_activity_at, reopen_count, url`

const transitionColumns = `item_key, history_id, seq, at, author_id, field, from_value, from_string, to_value, to_string`

// UpsertActionItems writes action items and their transitions.
func (s *Store) UpsertActionItems(ctx context.Context, items []ActionItem) error {
	v := s.NextVersion()
	if err := s.batch(ctx, "action_items", actionItemColumns+", version", len(items), func(b driver.Batch, i int) error {
		a := items[i]
		var due *time.Time
		if !a.DueDate.IsZero() {
			d := time.Date(a.DueDate.Year(), a.DueDate.Month(), a.DueDate.Day(), 0, 0, 0, 0, time.UTC)
			due = &d
		}
		return b.Append(a.Key, a.ID, a.Project, a.PostmortemKey, a.Summary, a.Status, a.StatusCategory, a.Priority,
			a.RawPriority, a.AssigneeID, a.AssigneeName, a.Team, strs(a.Labels), strs(a.Components), due,
			utc(a.CreatedAt), utc(a.UpdatedAt), nullTime(a.ResolvedAt), utc(a.LastActivityAt), count32(a.ReopenCount),
			a.URL, v)
	}); err != nil {
		return err
	}
	type row struct {
		t       Transition
		created time.Time
	}
	var rows []row
	for _, a := range items {
		for _, t := range a.Transitions {
			t.ItemKey = a.Key
			rows = append(rows, row{t, a.CreatedAt})
		}
	}
	return s.batch(ctx, "action_item_transitions", transitionColumns+", item_created_at, version", len(rows), func(b driver.Batch, i int) error {
		t := rows[i].t
		return b.Append(t.ItemKey, t.HistoryID, count32(t.Seq), utc(t.At), t.AuthorID, t.Field, t.FromValue,
			t.FromString, t.ToValue, t.ToString, utc(rows[i].created), v)
	})
}

// ActionItems reads deduplicated action items with their transitions, ordered
// by created_at, key.
func (s *Store) ActionItems(ctx context.Context) ([]ActionItem, error) {
	rows, err := s.conn.Query(ctx, "SELECT "+actionItemColumns+" FROM "+s.Table("action_items")+" FINAL ORDER BY created_at, key")
	if err != nil {
		return nil, fmt.Errorf("store: query action items: %w", err)
	}
	defer rows.Close()
	var out []ActionItem
	idx := map[string]int{}
	for rows.Next() {
		var a ActionItem
		var due, resolved *time.Time
		var reopen uint32
		if err := rows.Scan(&a.Key, &a.ID, &a.Project, &a.PostmortemKey, &a.Summary, &a.Status, &a.StatusCategory,
			&a.Priority, &a.RawPriority, &a.AssigneeID, &a.AssigneeName, &a.Team, &a.Labels, &a.Components, &due,
			&a.CreatedAt, &a.UpdatedAt, &resolved, &a.LastActivityAt, &reopen, &a.URL); err != nil {
			return nil, fmt.Errorf("store: scan action item: %w", err)
		}
		a.CreatedAt, a.UpdatedAt, a.LastActivityAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC(), a.LastActivityAt.UTC()
		if due != nil {
			d := due.UTC()
			a.DueDate = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
		}
		a.ResolvedAt = fromNull(resolved)
		a.ReopenCount = int(reopen)
		idx[a.Key] = len(out)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read action items: %w", err)
	}
	ts, err := s.Transitions(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if i, ok := idx[t.ItemKey]; ok {
			out[i].Transitions = append(out[i].Transitions, t)
		}
	}
	return out, nil
}

// Transitions reads every deduplicated action-item transition in time order.
func (s *Store) Transitions(ctx context.Context) ([]Transition, error) {
	rows, err := s.conn.Query(ctx, "SELECT "+transitionColumns+" FROM "+s.Table("action_item_transitions")+
		" FINAL ORDER BY item_key, at, history_id, seq")
	if err != nil {
		return nil, fmt.Errorf("store: query transitions: %w", err)
	}
	defer rows.Close()
	var out []Transition
	for rows.Next() {
		var t Transition
		var seq uint32
		if err := rows.Scan(&t.ItemKey, &t.HistoryID, &seq, &t.At, &t.AuthorID, &t.Field, &t.FromValue, &t.FromString,
			&t.ToValue, &t.ToString); err != nil {
			return nil, fmt.Errorf("store: scan transition: %w", err)
		}
		t.Seq = int(seq)
		t.At = t.At.UTC()
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read transitions: %w", err)
	}
	return out, nil
}

// Checkpoint reads an ingest checkpoint; ok is false when none was stored.
func (s *Store) Checkpoint(ctx context.Context, source, name string) (value string, ok bool, err error) {
	rows, err := s.conn.Query(ctx, "SELECT argMax(value, version) FROM "+s.Table("ingest_checkpoints")+
		" WHERE source = ? AND name = ? GROUP BY source, name", source, name)
	if err != nil {
		return "", false, fmt.Errorf("store: read checkpoint %s/%s: %w", source, name, err)
	}
	defer rows.Close()
	if rows.Next() {
		if err := rows.Scan(&value); err != nil {
			return "", false, fmt.Errorf("store: scan checkpoint %s/%s: %w", source, name, err)
		}
		ok = true
	}
	return value, ok, rows.Err()
}

// SetCheckpoint stores an ingest checkpoint. Call it only after the rows it
// covers are stored.
func (s *Store) SetCheckpoint(ctx context.Context, source, name, value string) error {
	v := s.NextVersion()
	return s.batch(ctx, "ingest_checkpoints", "source, name, value, updated_at, version", 1, func(b driver.Batch, _ int) error {
		return b.Append(source, name, value, utc(s.now()), v)
	})
}

// RecordIngestRun writes (or updates) an ingest run record.
func (s *Store) RecordIngestRun(ctx context.Context, r IngestRun) error {
	v := s.NextVersion()
	return s.batch(ctx, "ingest_runs", "source, run_id, started_at, finished_at, status, error, requests, records, version", 1, func(b driver.Batch, _ int) error {
		return b.Append(r.Source, r.RunID, utc(r.StartedAt), utc(r.FinishedAt), r.Status, r.Error, r.Requests, r.Records, v)
	})
}

// AbortStaleIngestRuns closes every run of source still recorded as running
// as aborted, finished at at, and returns how many it closed. Call it before
// a source's run starts, when no other run of that source can be in flight.
func (s *Store) AbortStaleIngestRuns(ctx context.Context, source string, at time.Time) (int, error) {
	var stale []IngestRun
	err := readRetry(ctx, func() error {
		stale = stale[:0]
		rows, err := s.conn.Query(ctx, "SELECT run_id, started_at, requests, records FROM "+s.Table("ingest_runs")+
			" FINAL WHERE source = ? AND status = ? ORDER BY started_at, run_id", source, IngestRunning)
		if err != nil {
			return fmt.Errorf("store: query running ingest runs of %s: %w", source, err)
		}
		defer rows.Close()
		for rows.Next() {
			r := IngestRun{Source: source, Status: IngestAborted}
			if err := rows.Scan(&r.RunID, &r.StartedAt, &r.Requests, &r.Records); err != nil {
				return fmt.Errorf("store: scan running ingest run of %s: %w", source, err)
			}
			r.FinishedAt = at
			if r.FinishedAt.Before(r.StartedAt) {
				r.FinishedAt = r.StartedAt
			}
			r.Error = "the run did not finish: the process stopped before recording its outcome"
			stale = append(stale, r)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: read running ingest runs of %s: %w", source, err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if len(stale) == 0 {
		return 0, nil
	}
	v := s.NextVersion()
	if err := s.batch(ctx, "ingest_runs", "source, run_id, started_at, finished_at, status, error, requests, records, version", len(stale), func(b driver.Batch, i int) error {
		r := stale[i]
		return b.Append(r.Source, r.RunID, utc(r.StartedAt), utc(r.FinishedAt), r.Status, r.Error, r.Requests, r.Records, v)
	}); err != nil {
		return 0, fmt.Errorf("store: abort stale ingest runs of %s: %w", source, err)
	}
	return len(stale), nil
}

// IngestRuns reads the deduplicated runs of source (all sources when
// empty), oldest first.
func (s *Store) IngestRuns(ctx context.Context, source string) ([]IngestRun, error) {
	q := "SELECT source, run_id, started_at, finished_at, status, error, requests, records FROM " + s.Table("ingest_runs") + " FINAL"
	var args []any
	if source != "" {
		q += " WHERE source = ?"
		args = append(args, source)
	}
	rows, err := s.conn.Query(ctx, q+" ORDER BY started_at, source, run_id", args...)
	if err != nil {
		return nil, fmt.Errorf("store: query ingest runs: %w", err)
	}
	defer rows.Close()
	var out []IngestRun
	for rows.Next() {
		var r IngestRun
		if err := rows.Scan(&r.Source, &r.RunID, &r.StartedAt, &r.FinishedAt, &r.Status, &r.Error, &r.Requests, &r.Records); err != nil {
			return nil, fmt.Errorf("store: scan ingest run: %w", err)
		}
		r.StartedAt, r.FinishedAt = r.StartedAt.UTC(), r.FinishedAt.UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read ingest runs: %w", err)
	}
	return out, nil
}

// LastIngestSuccess returns the finish time of each source's latest successful run.
func (s *Store) LastIngestSuccess(ctx context.Context) (map[string]time.Time, error) {
	rows, err := s.conn.Query(ctx, "SELECT source, max(finished_at) FROM "+s.Table("ingest_runs")+" FINAL WHERE status = 'success' GROUP BY source")
	if err != nil {
		return nil, fmt.Errorf("store: query ingest runs: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var src string
		var t time.Time
		if err := rows.Scan(&src, &t); err != nil {
			return nil, fmt.Errorf("store: scan ingest run: %w", err)
		}
		out[src] = t.UTC()
	}
	return out, rows.Err()
}

// LastSyncs is LastIngestSuccess for the given sources only, a source
// without a successful sync mapping to the zero time. The digest compares
// it with the start of the analysis it is written from: a run that started
// before a source's latest sync did not read what that sync stored or
// removed (a history extended by a longer backfill, issues Jira's
// reconciliation removed or restored).
func (s *Store) LastSyncs(ctx context.Context, sources []string) (map[string]time.Time, error) {
	out := make(map[string]time.Time, len(sources))
	if len(sources) == 0 {
		return out, nil
	}
	all, err := s.LastIngestSuccess(ctx)
	if err != nil {
		return nil, err
	}
	for _, src := range sources {
		out[src] = all[src]
	}
	return out, nil
}

// Count returns the number of rows of a table, deduplicated (FINAL) when
// its engine collapses rows at merge time (Replacing or Collapsing
// MergeTree); plain MergeTree tables have no FINAL, and ClickHouse 18.16
// refuses it there.
func (s *Store) Count(ctx context.Context, table string) (uint64, error) {
	if !identifier.MatchString(table) {
		return 0, fmt.Errorf("store: bad table name %q", table)
	}
	var engines []string
	// In cluster mode the engine that decides is the local table's (the
	// Distributed table only forwards the query).
	rows, err := s.conn.Query(ctx, "SELECT engine FROM system.tables WHERE database = ? AND name = ?", s.db, s.localTable(table))
	if err != nil {
		return 0, fmt.Errorf("store: count %s: look up engine: %w", table, err)
	}
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			rows.Close()
			return 0, fmt.Errorf("store: count %s: look up engine: %w", table, err)
		}
		engines = append(engines, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("store: count %s: look up engine: %w", table, err)
	}
	if len(engines) == 0 {
		return 0, fmt.Errorf("store: count %s: no such table in database %s", table, s.db)
	}
	final := ""
	if deduplicates(engines[0]) {
		final = " FINAL"
	}
	var n uint64
	if err := s.conn.QueryRow(ctx, "SELECT count() FROM "+s.Table(table)+final).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count %s: %w", table, err)
	}
	return n, nil
}

// deduplicates reports whether a table engine merges rows of one key into
// one (so that an exact count needs FINAL).
func deduplicates(engine string) bool {
	return strings.Contains(engine, "ReplacingMergeTree") || strings.Contains(engine, "CollapsingMergeTree")
}
