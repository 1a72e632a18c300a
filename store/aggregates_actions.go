package store

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ItemRules are the per-priority thresholds of the action-item measures,
// in seconds, by priority label (P1..P5, unknown); a label not listed has
// none.
type ItemRules struct {
	StaleAfter map[string]int64
	ClosureSLO map[string]int64
}

// thresholdSQL is the SQL of the threshold of the priority label col (0:
// none).
func thresholdSQL(col string, m map[string]int64) string {
	var from, to []string
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if m[k] > 0 {
			from, to = append(from, quoteString(k)), append(to, strconv.FormatInt(m[k], 10))
		}
	}
	if len(from) == 0 {
		return "toInt64(0)"
	}
	return "toInt64(transform(" + col + ", [" + strings.Join(from, ", ") + "], [" + strings.Join(to, ", ") + "], 0))"
}

// DeclinedStatus is the pattern (RE2, on the lower-cased status name) of
// the statuses of the done category that close an action item without
// doing it: "Won't Do", "Won't Fix", "Cancelled", "Declined", "Rejected",
// "Duplicate", "Obsolete", "Invalid", "Abandoned". Such an item is closed
// but not completed. (A "Done" status whose resolution is "Won't Do" is not
// told apart: the resolution is not ingested.)
//
// The pattern has no question mark: the queries bind "?" placeholders.
const DeclinedStatus = `(won't|wont|won’t|will not) (do|fix)|wontfix|not doing|cancel|declin|reject|duplicate|obsolete|invalid|abandon`

// itemView is a subquery of the deduplicated action items with what the
// analyses use: key, postmortem_key, summary, status, assignee_id,
// assignee_name, url, due_date, reopen_count, created_at, prio and team
// (labels; "unknown" when not P1..P5 / empty), open (UInt8: status not
// in the done category), declined (UInt8: closed by a DeclinedStatus),
// and as unix seconds (Int64): created, closed
// (resolve time, falling back to the last update), active (last activity,
// falling back to the last update and creation) and due_end (the end of
// the due day, 0 without a due date).
func (s *Store) itemView(sc Scope) string {
	return `SELECT key, postmortem_key, summary, status, assignee_id, assignee_name, url, due_date, reopen_count, created_at,
if(priority IN ('P1', 'P2', 'P3', 'P4', 'P5'), priority, 'unknown') AS prio,
if(team_label != '', team_label, 'unknown') AS team,
toUInt8(status_category != '` + CategoryDone + `') AS open,
toUInt8(status_category = '` + CategoryDone + `' AND match(lower(status), ` + quoteString(DeclinedStatus) + `)) AS declined,
toInt64(toUInt32(created_at)) AS created,
toInt64(ifNull(toUInt32(resolved_at), toUInt32(updated_at))) AS closed,
toInt64(if(toUInt32(last_activity_at) != 0, toUInt32(last_activity_at), if(toUInt32(updated_at) != 0, toUInt32(updated_at), toUInt32(created_at)))) AS active,
toInt64(if(isNull(due_date), 0, (toUInt32(assumeNotNull(due_date)) + 1) * 86400)) AS due_end
FROM (SELECT key, postmortem_key, summary, status, status_category, priority, assignee_id, assignee_name, due_date, created_at, updated_at,
resolved_at, last_activity_at, reopen_count, url, ` + sc.teamLabel("team") + ` AS team_label FROM ` + s.Table("action_items") + " FINAL)"
}

// ItemGroup is what the action-items analysis counts of the items of one
// priority and team label created by the run's clock.
type ItemGroup struct {
	Priority, Team string
	// Open; Closed: completed (done, not declined); Declined: closed by a
	// DeclinedStatus.
	Open, Closed, Declined int
	// Overdue: open past the end of their due day; Stale: open with no
	// activity for longer than their priority's StaleAfter; Unowned: open
	// without an assignee; WithoutDueDate: open without a due date.
	Overdue, Stale, Unowned, WithoutDueDate int
	Reopened                                int
	// OldestOpenCreated is when the oldest open item was created (zero
	// without open items).
	OldestOpenCreated time.Time
	// Determined are the items whose closure within their priority's
	// ClosureSLO is known (completed, or open for longer), Within of them
	// completed within it; declined items are neither.
	Determined, Within int
}

// ActionItemGroups counts the action items created by the run's clock by
// priority and team label.
func (s *Store) ActionItemGroups(ctx context.Context, sc Scope, rules ItemRules) ([]ItemGroup, error) {
	now := sc.now()
	n := strconv.FormatInt(now, 10)
	q := "SELECT prio, team, countIf(open = 1), countIf(open = 0 AND declined = 0), countIf(open = 1 AND due_end > 0 AND " + n + " >= due_end), " +
		"countIf(open = 1 AND stale_after > 0 AND " + n + " - active > stale_after), countIf(open = 1 AND assignee_id = ''), " +
		"countIf(open = 1 AND due_end = 0), countIf(reopen_count > 0), toUInt32(minIf(created, open = 1)), " +
		"countIf(slo > 0 AND declined = 0 AND (open = 0 OR " + n + " - created > slo)), countIf(slo > 0 AND open = 0 AND declined = 0 AND closed - created <= slo), " +
		"countIf(declined = 1) " +
		"FROM (SELECT *, " + thresholdSQL("prio", rules.StaleAfter) + " AS stale_after, " + thresholdSQL("prio", rules.ClosureSLO) + " AS slo FROM (" +
		s.itemView(sc) + ") WHERE created <= ?) GROUP BY prio, team ORDER BY prio, team"
	rows, err := s.conn.Query(ctx, q, now)
	if err != nil {
		return nil, fmt.Errorf("store: query action item groups: %w", err)
	}
	defer rows.Close()
	var out []ItemGroup
	for rows.Next() {
		var g ItemGroup
		var c [10]uint64
		var oldest uint32
		if err := rows.Scan(&g.Priority, &g.Team, &c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6], &oldest, &c[7], &c[8], &c[9]); err != nil {
			return nil, fmt.Errorf("store: scan action item groups: %w", err)
		}
		g.Open, g.Closed, g.Overdue, g.Stale, g.Unowned = int(c[0]), int(c[1]), int(c[2]), int(c[3]), int(c[4])
		g.WithoutDueDate, g.Reopened, g.Determined, g.Within, g.Declined = int(c[5]), int(c[6]), int(c[7]), int(c[8]), int(c[9])
		if g.Open > 0 {
			g.OldestOpenCreated = time.Unix(int64(oldest), 0).UTC()
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read action item groups: %w", err)
	}
	return out, nil
}

// OwnerLoad is how many open action items created by the run's clock one
// owner (an assignee id) has in one team label.
type OwnerLoad struct {
	Team, Owner string
	Open        int
}

// OpenItemsPerOwner counts the open, assigned action items created by the
// run's clock per team label and assignee, by team then assignee.
func (s *Store) OpenItemsPerOwner(ctx context.Context, sc Scope) ([]OwnerLoad, error) {
	q := "SELECT team, assignee_id, count() FROM (" + s.itemView(sc) + ") WHERE open = 1 AND assignee_id != '' AND created <= ? " +
		"GROUP BY team, assignee_id ORDER BY team, assignee_id"
	rows, err := s.conn.Query(ctx, q, sc.now())
	if err != nil {
		return nil, fmt.Errorf("store: query open items per owner: %w", err)
	}
	defer rows.Close()
	var out []OwnerLoad
	for rows.Next() {
		var l OwnerLoad
		var n uint64
		if err := rows.Scan(&l.Team, &l.Owner, &n); err != nil {
			return nil, fmt.Errorf("store: scan open items per owner: %w", err)
		}
		l.Open = int(n)
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read open items per owner: %w", err)
	}
	return out, nil
}

// TeamCount is a number of one period and team label.
type TeamCount struct {
	Period int
	Team   string
	N      int
}

// ActionItemFlow counts the action items created by the run's clock per
// period and team label: created (in the period), completed (closed, not
// declined, with the close time in the period) and declined (closed by a
// DeclinedStatus in the period).
func (s *Store) ActionItemFlow(ctx context.Context, sc Scope) (created, completed, declined []TeamCount, err error) {
	read := func(what, t, where string) ([]TeamCount, error) {
		q := "SELECT " + sc.periodsOf(t) + " AS p, team, count() FROM (" + s.itemView(sc) + ") WHERE created <= ?" + where +
			" GROUP BY p, team ORDER BY p, team"
		rows, err := s.conn.Query(ctx, q, sc.now())
		if err != nil {
			return nil, fmt.Errorf("store: query action items %s: %w", what, err)
		}
		defer rows.Close()
		var out []TeamCount
		for rows.Next() {
			var p uint32
			var c TeamCount
			var n uint64
			if err := rows.Scan(&p, &c.Team, &n); err != nil {
				return nil, fmt.Errorf("store: scan action items %s: %w", what, err)
			}
			c.Period, c.N = int(p), int(n)
			out = append(out, c)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: read action items %s: %w", what, err)
		}
		return out, nil
	}
	if created, err = read("created", "created", ""); err != nil {
		return nil, nil, nil, err
	}
	// closed is also used outside the lambda (see periodsOf).
	if completed, err = read("completed", "closed", " AND open = 0 AND declined = 0 AND closed > 0"); err != nil {
		return nil, nil, nil, err
	}
	if declined, err = read("declined", "closed", " AND open = 0 AND declined = 1 AND closed > 0"); err != nil {
		return nil, nil, nil, err
	}
	return created, completed, declined, nil
}

// ItemTexts streams the summaries of the action items created by the run's
// clock in each period, grouped by summary, period and team label: N items,
// Done of them completed (closed, not declined) by the clock. Rows come ordered by summary, so a
// caller classifying texts sees each text once in a row.
func (s *Store) ItemTexts(ctx context.Context, sc Scope, fn func(summary string, period int, team string, n, done int) error) error {
	q := "SELECT summary, " + sc.periodsOf("created") + " AS p, team, count(), countIf(open = 0 AND declined = 0 AND closed <= ?) FROM (" + s.itemView(sc) +
		") WHERE created <= ? GROUP BY summary, p, team ORDER BY summary, p, team"
	rows, err := s.conn.Query(ctx, q, sc.now(), sc.now())
	if err != nil {
		return fmt.Errorf("store: query action item texts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var text, team string
		var p uint32
		var n, done uint64
		if err := rows.Scan(&text, &p, &team, &n, &done); err != nil {
			return fmt.Errorf("store: scan action item texts: %w", err)
		}
		if err := fn(text, int(p), team, int(n), int(done)); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read action item texts: %w", err)
	}
	return nil
}

// Durations streams the times to close of the action items created by the
// run's clock, for a Kaplan–Meier estimate: completed items are events at
// their time to close (at least 0), open ones are censored at their age and
// declined ones at their time to close (they left without being done).
// byPriority false gives one stream over every item (Priority ""); true
// one per priority label, ordered by label. Within a stream, durations
// ascend; events and censorings at one duration come as one call. total is
// the stream's number of items, given with its first call.
func (s *Store) Durations(ctx context.Context, sc Scope, byPriority bool, fn func(priority string, total int, seconds float64, events, censored int) error) error {
	now := sc.now()
	prio := "''"
	if byPriority {
		prio = "prio"
	}
	obs := "SELECT " + prio + " AS k, toFloat64(if(open = 1, ? - created, greatest(toInt64(0), closed - created))) AS d, toUInt8(open = 0 AND declined = 0) AS ev FROM (" +
		s.itemView(sc) + ") WHERE created <= ?"
	q := "SELECT k, d, countIf(ev = 1), countIf(ev = 0) FROM (" + obs + ") GROUP BY k, d ORDER BY k, d"
	totals := map[string]int{}
	{
		rows, err := s.conn.Query(ctx, "SELECT k, count() FROM ("+obs+") GROUP BY k", now, now)
		if err != nil {
			return fmt.Errorf("store: query action item counts: %w", err)
		}
		for rows.Next() {
			var k string
			var n uint64
			if err := rows.Scan(&k, &n); err != nil {
				rows.Close()
				return fmt.Errorf("store: scan action item counts: %w", err)
			}
			totals[k] = int(n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: read action item counts: %w", err)
		}
	}
	rows, err := s.conn.Query(ctx, q, now, now)
	if err != nil {
		return fmt.Errorf("store: query action item durations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var d float64
		var ev, ce uint64
		if err := rows.Scan(&k, &d, &ev, &ce); err != nil {
			return fmt.Errorf("store: scan action item durations: %w", err)
		}
		if err := fn(k, totals[k], d, int(ev), int(ce)); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read action item durations: %w", err)
	}
	return nil
}

// ItemSeries is one action item of a per-item gauge: how long it is past
// its due day (overdue) or without activity (stale).
type ItemSeries struct {
	Key, Team, Priority string
	Seconds             int64
}

// Item gauges.
const (
	GaugeOverdue = "overdue"
	GaugeStale   = "stale"
)

// WorstItems lists the open action items created by the run's clock that
// are overdue (gauge GaugeOverdue) or stale (GaugeStale, by rules), the
// longest first (then by key): every one of them (a key, a team, a
// priority and a number each), for the caller to choose which to serve.
func (s *Store) WorstItems(ctx context.Context, sc Scope, rules ItemRules, gauge string) ([]ItemSeries, error) {
	n := strconv.FormatInt(sc.now(), 10)
	var by, cond string
	switch gauge {
	case GaugeOverdue:
		by, cond = n+" - due_end", "due_end > 0 AND "+n+" >= due_end"
	case GaugeStale:
		by, cond = n+" - active", "stale_after > 0 AND "+n+" - active > stale_after"
	default:
		return nil, fmt.Errorf("store: unknown item gauge %q", gauge)
	}
	q := "SELECT key, team, prio, toInt64(" + by + ") AS secs FROM (SELECT *, " + thresholdSQL("prio", rules.StaleAfter) + " AS stale_after FROM (" +
		s.itemView(sc) + ")) WHERE open = 1 AND created <= ? AND " + cond + " ORDER BY secs DESC, key"
	rows, err := s.conn.Query(ctx, q, sc.now())
	if err != nil {
		return nil, fmt.Errorf("store: query %s items: %w", gauge, err)
	}
	defer rows.Close()
	var out []ItemSeries
	for rows.Next() {
		var x ItemSeries
		if err := rows.Scan(&x.Key, &x.Team, &x.Priority, &x.Seconds); err != nil {
			return nil, fmt.Errorf("store: scan %s items: %w", gauge, err)
		}
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read %s items: %w", gauge, err)
	}
	return out, nil
}

// OldestOpenItems lists the oldest open action items created by the run's
// clock of each team label (at most perTeam each; by creation, then key),
// ordered by team. Team holds the label, Priority the priority label.
func (s *Store) OldestOpenItems(ctx context.Context, sc Scope, perTeam int) ([]ActionItem, error) {
	q := "SELECT key, postmortem_key, summary, status, prio, assignee_id, assignee_name, team, due_date, created_at, " +
		"toUInt32(active), url FROM (" + s.itemView(sc) + ") WHERE open = 1 AND created <= ? ORDER BY team, created, key LIMIT " +
		strconv.Itoa(perTeam) + " BY team"
	rows, err := s.conn.Query(ctx, q, sc.now())
	if err != nil {
		return nil, fmt.Errorf("store: query oldest open items: %w", err)
	}
	defer rows.Close()
	var out []ActionItem
	for rows.Next() {
		var a ActionItem
		var due *time.Time
		var active uint32
		if err := rows.Scan(&a.Key, &a.PostmortemKey, &a.Summary, &a.Status, &a.Priority, &a.AssigneeID, &a.AssigneeName, &a.Team, &due,
			&a.CreatedAt, &active, &a.URL); err != nil {
			return nil, fmt.Errorf("store: scan oldest open items: %w", err)
		}
		a.CreatedAt = a.CreatedAt.UTC()
		a.LastActivityAt = time.Unix(int64(active), 0).UTC()
		a.StatusCategory = CategoryInProgress // open
		if due != nil {
			u := due.UTC()
			a.DueDate = time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read oldest open items: %w", err)
	}
	return out, nil
}

// SeverityCount is a number of one severity label.
type SeverityCount struct {
	Severity string
	N        int
}

// PostmortemsWithoutItems counts, by severity label, the postmortems
// published by the run's clock that have no action item (none listed, and
// none pointing at them); every severity with a published postmortem has a
// row.
func (s *Store) PostmortemsWithoutItems(ctx context.Context, sc Scope) ([]SeverityCount, error) {
	q := "SELECT " + severitySQL("pm_sev") + " AS sev, countIf(empty(action_item_keys) AND NOT (key" + s.in() + "(SELECT postmortem_key FROM " +
		s.Table("action_items") + " FINAL WHERE postmortem_key != ''))) FROM (SELECT key, action_item_keys FROM " + s.Table("postmortems") +
		" FINAL WHERE isNotNull(published_at) AND published_at <= toDateTime(?)) AS w" + s.join("ANY LEFT") + "(" + s.postmortemSeverities() +
		") AS v USING key GROUP BY sev ORDER BY sev"
	rows, err := s.conn.Query(ctx, q, sc.now())
	if err != nil {
		return nil, fmt.Errorf("store: query postmortems without action items: %w", err)
	}
	defer rows.Close()
	var out []SeverityCount
	for rows.Next() {
		var c SeverityCount
		var n uint64
		if err := rows.Scan(&c.Severity, &n); err != nil {
			return nil, fmt.Errorf("store: scan postmortems without action items: %w", err)
		}
		c.N = int(n)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read postmortems without action items: %w", err)
	}
	return out, nil
}
