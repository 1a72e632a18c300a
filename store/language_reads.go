package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// The reads of the per-text language checks: ClickHouse computes each
// text's hash, picks the texts with no stored result (the only ones that
// leave the server with their text), counts the distinct texts, and joins
// every postmortem and action item of the reported periods to the stored
// results of its texts, so a run streams one postmortem or action item at a
// time and never holds them all.

// actionTextHashSQL is the hash under which an action item's check is
// stored: TextHash of "<summary>\x00owner=<bool>\x00due=<bool>" (see
// ActionTextKey).
var actionTextHashSQL = TextHashSQL("concat(summary, '\\0owner=', if(assignee_id != '', 'true', 'false'), '\\0due=', if(isNull(due_date), 'false', 'true'))")

// ActionTextKey is the text an action item's check is keyed by: its
// summary and whether it has an owner and a due date (ActionTextHash is
// its TextHash, as ClickHouse computes it).
func ActionTextKey(summary string, hasOwner, hasDue bool) string {
	return fmt.Sprintf("%s\x00owner=%t\x00due=%t", summary, hasOwner, hasDue)
}

// ActionText is one distinct action-item text to check.
type ActionText struct {
	Hash             string
	Summary          string
	HasOwner, HasDue bool
}

// storedResults is the subquery of analyzer's stored results at version:
// hash AS h, the payload ("" for an empty result: JSON null or []) and
// found = 1.
func (s *Store) storedResults() string {
	// No FINAL: every row for (analyzer, version, hash) holds the same result.
	return "(SELECT hash AS h, any(if(payload IN ('null', '[]'), '', payload)) AS payload, toUInt8(1) AS found FROM " +
		s.Table("text_analyses") + " WHERE analyzer = ? AND version = ? GROUP BY hash)"
}

func (s *Store) anyLeftJoin() string {
	if s.cluster != "" {
		return " GLOBAL ANY LEFT JOIN "
	}
	return " ANY LEFT JOIN "
}

// actionTexts is the subquery of the action items created at or after a
// bound parameter, with their check's hash as h.
func (s *Store) actionTexts(cols string) string {
	return "SELECT " + actionTextHashSQL + " AS h" + cols + " FROM " + s.Table("action_items") + " FINAL WHERE created_at >= ?"
}

// UnanalyzedActionTexts passes to add, once per distinct text, the action
// items created since since whose check analyzer at version has no stored
// result for.
func (s *Store) UnanalyzedActionTexts(ctx context.Context, analyzer, version string, since time.Time, add func(ActionText) error) error {
	q := "SELECT h, any(summary), any(assignee_id != ''), any(isNotNull(due_date)) FROM (" +
		s.actionTexts(", summary, assignee_id, due_date") + ") WHERE h" + s.notIn() +
		"(SELECT hash FROM " + s.Table("text_analyses") + " WHERE analyzer = ? AND version = ?) GROUP BY h"
	rows, err := s.conn.Query(ctx, q, utc(since), analyzer, version)
	if err != nil {
		return fmt.Errorf("store: query action items without %s results: %w", analyzer, err)
	}
	defer rows.Close()
	for rows.Next() {
		var a ActionText
		var owner, due uint8
		if err := rows.Scan(&a.Hash, &a.Summary, &owner, &due); err != nil {
			return fmt.Errorf("store: scan action item text: %w", err)
		}
		a.HasOwner, a.HasDue = owner == 1, due == 1
		if err := add(a); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read action items without %s results: %w", analyzer, err)
	}
	return nil
}

// CountActionTexts is the number of distinct action-item texts (see
// ActionTextKey) of the items created since since.
func (s *Store) CountActionTexts(ctx context.Context, since time.Time) (int, error) {
	var n uint64
	if err := s.conn.QueryRow(ctx, "SELECT uniqExact(h) FROM ("+s.actionTexts("")+")", utc(since)).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count action item texts: %w", err)
	}
	return int(n), nil
}

// ActionTextResult is an action item with the stored result of its text's
// check: Payload "" for an empty result; Found false when none is stored,
// and then HasOwner and HasDue say what to check Summary with. Key, Team,
// Summary and URL are empty when the stored result is (Found and no
// Payload): such an item is only counted.
type ActionTextResult struct {
	Key, Team, Summary, URL string
	CreatedAt               time.Time
	Payload                 string
	Found                   bool
	HasOwner, HasDue        bool
	// Dismissed is set when the item carries the dismiss label: its team
	// reviewed the findings on it and judged them wrong.
	Dismissed bool
}

// StreamActionTextResults streams the action items created from since to
// until (inclusive), oldest first (ties by key), each with analyzer's
// stored result at version for its text. Items labeled dismissLabel (when
// it is not "") come with Dismissed set.
func (s *Store) StreamActionTextResults(ctx context.Context, analyzer, version, dismissLabel string, since, until time.Time, fn func(*ActionTextResult) error) error {
	// An item whose stored result is empty (most of them) is sent without
	// its key, team, summary and url: the run only counts it.
	q := "SELECT if(keep, k, ''), if(keep, team, ''), if(keep, summary, ''), if(keep, url, ''), created_at, payload, found, owner, due, dismissed FROM (" +
		"SELECT key AS k, team, summary, url, created_at, payload, found, assignee_id != '' AS owner, isNotNull(due_date) AS due, " +
		"found = 0 OR payload != '' AS keep, " + hasLabelSQL(dismissLabel) + " AS dismissed FROM (" +
		s.actionTexts(", key, team, summary, url, created_at, assignee_id, due_date, labels") + " AND created_at <= ?) AS a" + s.anyLeftJoin() +
		s.storedResults() + " AS t USING h) ORDER BY created_at, k"
	rows, err := s.conn.Query(ctx, q, labelArgs(dismissLabel, utc(since), utc(until), analyzer, version)...)
	if err != nil {
		return fmt.Errorf("store: query action items with %s results: %w", analyzer, err)
	}
	defer rows.Close()
	var a ActionTextResult
	for rows.Next() {
		var found, owner, due, dismissed uint8
		if err := rows.Scan(&a.Key, &a.Team, &a.Summary, &a.URL, &a.CreatedAt, &a.Payload, &found, &owner, &due, &dismissed); err != nil {
			return fmt.Errorf("store: scan action item with %s result: %w", analyzer, err)
		}
		a.CreatedAt = a.CreatedAt.UTC()
		a.Found, a.HasOwner, a.HasDue, a.Dismissed = found == 1, owner == 1, due == 1, dismissed == 1
		if err := fn(&a); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read action items with %s results: %w", analyzer, err)
	}
	return nil
}

// proseTexts is the subquery of the non-empty prose sections and
// contributing factors of the current postmortems that match where (with
// two bound parameters: one for the sections' postmortems, one for the
// factors'): key, section ("factor" for a factor), ordinal (0 for a
// section), h (TextHash of the text) and t (the text).
func (s *Store) proseTexts(where string) string {
	var pairs []string
	for _, c := range ProseSections {
		pairs = append(pairs, "('"+c+"', "+c+")")
	}
	return "SELECT key, tupleElement(sec, 1) AS section, toUInt16(0) AS ordinal, " + TextHashSQL("tupleElement(sec, 2)") + " AS h, tupleElement(sec, 2) AS t FROM " +
		s.Table("postmortems") + " FINAL ARRAY JOIN [" + strings.Join(pairs, ", ") + "] AS sec WHERE (" + where + ") AND tupleElement(sec, 2) != ''" +
		" UNION ALL " +
		// A factor belongs to its postmortem's current version (see Factors).
		"SELECT postmortem_key AS key, 'factor' AS section, ordinal, " + TextHashSQL("text") + " AS h, text AS t FROM " +
		s.Table("contributing_factors") + " FINAL WHERE (postmortem_key, version)" + s.in() + "(SELECT key, version FROM " +
		s.Table("postmortems") + " FINAL WHERE " + where + ") AND text != ''"
}

// proseSince is the postmortems whose prose a run checks: created or
// published since (one bound parameter, used twice).
const proseSince = "created_at >= ? OR published_at >= ?"

// UnanalyzedProse passes to add, once per distinct text, the prose
// sections and contributing factors of the current postmortems created or
// published since since (see ProseTexts) that analyzer at version has no
// stored result for.
func (s *Store) UnanalyzedProse(ctx context.Context, analyzer, version string, since time.Time, add func(hash, text string) error) error {
	since = utc(since)
	q := "SELECT h, any(t) FROM (" + s.proseTexts(proseSince) + ") WHERE h" + s.notIn() +
		"(SELECT hash FROM " + s.Table("text_analyses") + " WHERE analyzer = ? AND version = ?) GROUP BY h"
	rows, err := s.conn.Query(ctx, q, since, since, since, since, analyzer, version)
	if err != nil {
		return fmt.Errorf("store: query prose without %s results: %w", analyzer, err)
	}
	defer rows.Close()
	for rows.Next() {
		var h, t string
		if err := rows.Scan(&h, &t); err != nil {
			return fmt.Errorf("store: scan prose text: %w", err)
		}
		if err := add(h, t); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read prose without %s results: %w", analyzer, err)
	}
	return nil
}

// CountProseTexts is the number of distinct prose texts (sections and
// factors) of the current postmortems created or published since since.
func (s *Store) CountProseTexts(ctx context.Context, since time.Time) (int, error) {
	since = utc(since)
	var n uint64
	if err := s.conn.QueryRow(ctx, "SELECT uniqExact(h) FROM ("+s.proseTexts(proseSince)+")", since, since, since, since).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count prose texts: %w", err)
	}
	return int(n), nil
}

// ProseResult is one text of a postmortem with the stored result of its
// check: Payload is non-empty, or Found is false (no stored result) and
// Text is the text to check.
type ProseResult struct {
	Section string // a ProseSections name or "factor"
	Ordinal int    // of a factor
	Payload string
	Found   bool
	Text    string
}

// PostmortemProse is a postmortem with the texts whose check found
// something (or has no stored result), in no particular order.
type PostmortemProse struct {
	Key, Team, Service, Title, URL string
	CreatedAt                      time.Time
	Texts                          []ProseResult
	// Dismissed is set when the postmortem carries the dismiss label: its
	// team reviewed the findings in it and judged them wrong.
	Dismissed bool
}

// StreamPostmortemProse streams the current postmortems created from since
// to until (inclusive), oldest first (ties by key), each with the texts of
// its prose sections and factors whose stored result of analyzer at
// version is not empty, or that have none. Postmortems labeled
// dismissLabel (when it is not "") come with Dismissed set.
func (s *Store) StreamPostmortemProse(ctx context.Context, analyzer, version, dismissLabel string, since, until time.Time, fn func(*PostmortemProse) error) error {
	since, until = utc(since), utc(until)
	texts := "SELECT key, groupArray(section) AS secs, groupArray(ordinal) AS ords, groupArray(payload) AS payloads, groupArray(found) AS founds," +
		" groupArray(if(found = 1, '', t)) AS texts FROM (SELECT key, section, ordinal, t, payload, found FROM (" +
		s.proseTexts("created_at >= ? AND created_at <= ?") + ") AS x" + s.anyLeftJoin() + s.storedResults() +
		" AS r USING h WHERE payload != '' OR found = 0) GROUP BY key"
	q := "SELECT key, team, service, title, url, created_at, secs, ords, payloads, founds, texts, dismissed FROM (SELECT key, team, service, title, url, created_at, " +
		hasLabelSQL(dismissLabel) + " AS dismissed FROM " +
		s.Table("postmortems") + " FINAL WHERE created_at >= ? AND created_at <= ?) AS p" + s.anyLeftJoin() + "(" + texts + ") AS f USING key ORDER BY created_at, key"
	rows, err := s.conn.Query(ctx, q, labelArgs(dismissLabel, since, until, since, until, since, until, analyzer, version)...)
	if err != nil {
		return fmt.Errorf("store: query postmortem prose with %s results: %w", analyzer, err)
	}
	defer rows.Close()
	for rows.Next() {
		var p PostmortemProse
		var secs, payloads, texts []string
		var ords []uint16
		var founds []uint8
		var dismissed uint8
		if err := rows.Scan(&p.Key, &p.Team, &p.Service, &p.Title, &p.URL, &p.CreatedAt, &secs, &ords, &payloads, &founds, &texts, &dismissed); err != nil {
			return fmt.Errorf("store: scan postmortem prose with %s results: %w", analyzer, err)
		}
		p.CreatedAt, p.Dismissed = p.CreatedAt.UTC(), dismissed == 1
		for i := range secs {
			p.Texts = append(p.Texts, ProseResult{Section: secs[i], Ordinal: int(ords[i]), Payload: payloads[i], Found: founds[i] == 1, Text: texts[i]})
		}
		if err := fn(&p); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read postmortem prose with %s results: %w", analyzer, err)
	}
	return nil
}

// hasLabelSQL is whether a row's labels hold the label bound first in the
// query (labelArgs), or a constant 0 for no label.
func hasLabelSQL(label string) string {
	if label == "" {
		return "toUInt8(0)"
	}
	return "toUInt8(has(labels, ?))"
}

// labelArgs puts the label first among a query's arguments when
// hasLabelSQL binds it.
func labelArgs(label string, args ...any) []any {
	if label == "" {
		return args
	}
	return append([]any{label}, args...)
}
