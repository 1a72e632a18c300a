package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// IncidentCount is the number of incidents of one group. Period is an index
// into Scope.Periods, -1 for reads that are not per period.
type IncidentCount struct {
	Period                  int
	Severity, Service, Team string
	N                       int
}

// IncidentCounts counts the non-merged incidents created by the run's
// clock, per period (of their creation), severity, service and team.
func (s *Store) IncidentCounts(ctx context.Context, sc Scope) ([]IncidentCount, error) {
	q := "SELECT " + sc.periodsOf("created") + " AS p, sev, svc, team, count() FROM (" + s.incidentView(sc, "", 0) +
		") WHERE merged = 0 AND created <= ? GROUP BY p, sev, svc, team"
	return s.incidentCounts(ctx, "incident counts", q, true, sc.now())
}

// OpenIncidentCounts counts the non-merged incidents created by the run's
// clock and not resolved, by severity, service and team (Period -1).
func (s *Store) OpenIncidentCounts(ctx context.Context, sc Scope) ([]IncidentCount, error) {
	// An incident whose document has a resolve time is resolved: only the
	// others need their timeline.
	q := "SELECT toUInt32(0), sev, svc, team, count() FROM (" + s.incidentView(sc, "isNull(resolved_at)", viewTimeline) +
		") WHERE merged = 0 AND created <= ? AND resolved = 0 GROUP BY sev, svc, team"
	return s.incidentCounts(ctx, "open incident counts", q, false, sc.now())
}

func (s *Store) incidentCounts(ctx context.Context, what, q string, perPeriod bool, args ...any) ([]IncidentCount, error) {
	rows, err := s.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: query %s: %w", what, err)
	}
	defer rows.Close()
	var out []IncidentCount
	for rows.Next() {
		var c IncidentCount
		var p uint32
		var n uint64
		if err := rows.Scan(&p, &c.Severity, &c.Service, &c.Team, &n); err != nil {
			return nil, fmt.Errorf("store: scan %s: %w", what, err)
		}
		c.Period, c.N = int(p), int(n)
		if !perPeriod {
			c.Period = -1
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read %s: %w", what, err)
	}
	return out, nil
}

// FirstIncidentAt is when the earliest non-merged incident created by the
// run's clock was created; ok is false when there is none.
func (s *Store) FirstIncidentAt(ctx context.Context, sc Scope) (time.Time, bool, error) {
	var first uint32
	var n uint64
	err := s.conn.QueryRow(ctx, "SELECT toUInt32(min(created)), count() FROM ("+s.incidentView(sc, "", 0)+
		") WHERE merged = 0 AND created <= ?", sc.now()).Scan(&first, &n)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: query first incident: %w", err)
	}
	if n == 0 {
		return time.Time{}, false, nil
	}
	return time.Unix(int64(first), 0).UTC(), true, nil
}

// Response measures.
const (
	MeasureAck     = "ack"     // time from trigger to first acknowledgement
	MeasureResolve = "resolve" // time from trigger to resolve
)

// ResponseStat is the statistics of one response measure (MeasureAck,
// MeasureResolve) over one period's incidents, overall (all labels empty)
// or by one of severity, service and team.
type ResponseStat struct {
	Period                  int
	Measure                 string
	Severity, Service, Team string
	Stats
}

// ackResSQL are the seconds to acknowledge and to resolve of an
// incidentView row (negative when not acknowledged / not resolved).
const ackResSQL = "if(acked > 0, greatest(toInt64(0), toInt64(acked) - toInt64(created)), toInt64(-1)) AS ack, " +
	"if(resolved > 0, greatest(toInt64(0), toInt64(resolved) - toInt64(created)), toInt64(-1)) AS res"

// ResponseStats computes the times to acknowledge and to resolve of the
// non-merged incidents created by the run's clock, per period of their
// creation, overall and by severity, service and team. Groups without a
// value have no row.
func (s *Store) ResponseStats(ctx context.Context, sc Scope) ([]ResponseStat, error) {
	inner := "SELECT " + sc.periodsOf("created") + " AS p, arrayJoin([('', '', ''), (sev, '', ''), ('', svc, ''), ('', '', team)]) AS b, " +
		ackResSQL + " FROM (" + s.incidentView(sc, "created_at >= "+unixTime(time.Unix(sc.start(), 0)), viewTimeline) + ") WHERE merged = 0 AND created <= ?"
	// The sorted values stay in ClickHouse: only their statistics leave it.
	grouped := "SELECT p, b, arraySort(groupArrayIf(toFloat64(ack), ack >= 0)) AS a_ack, arraySort(groupArrayIf(toFloat64(res), res >= 0)) AS a_res " +
		"FROM (" + inner + ") GROUP BY p, b"
	q := "SELECT p, tupleElement(b, 1), tupleElement(b, 2), tupleElement(b, 3), " + statsSQL("a_ack") + ", " + statsSQL("a_res") +
		" FROM (" + grouped + ")"
	rows, err := s.conn.Query(ctx, q, sc.now())
	if err != nil {
		return nil, fmt.Errorf("store: query response stats: %w", err)
	}
	defer rows.Close()
	var out []ResponseStat
	for rows.Next() {
		var p uint32
		var sev, svc, team string
		var ack, res statsDest
		dest := append(append([]any{&p, &sev, &svc, &team}, ack.dest()...), res.dest()...)
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("store: scan response stats: %w", err)
		}
		for _, m := range []struct {
			name string
			d    statsDest
		}{{MeasureAck, ack}, {MeasureResolve, res}} {
			if m.d.n > 0 {
				out = append(out, ResponseStat{Period: int(p), Measure: m.name, Severity: sev, Service: svc, Team: team, Stats: m.d.stats()})
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read response stats: %w", err)
	}
	return out, nil
}

// Histogram is the distribution of one measure over one severity's
// incidents: Counts per bucket (not cumulative; the last is +Inf), their
// sum and count.
type Histogram struct {
	Measure, Severity string
	Counts            []uint64
	Sum               float64
	N                 uint64
}

// ResponseHistograms computes the histograms of the times to acknowledge
// and to resolve of the non-merged incidents created by the run's clock in
// period (an index into sc.Periods), by severity, over the bucket upper
// bounds (inclusive, ascending).
func (s *Store) ResponseHistograms(ctx context.Context, sc Scope, period int, bounds []float64) ([]Histogram, error) {
	if period < 0 || period >= len(sc.Periods) {
		return nil, fmt.Errorf("store: response histograms: period %d out of range", period)
	}
	bs := make([]string, len(bounds))
	for i, b := range bounds {
		bs[i] = strconv.FormatFloat(b, 'g', -1, 64)
	}
	p := sc.Periods[period]
	inner := "SELECT sev, arrayJoin([('" + MeasureAck + "', ack), ('" + MeasureResolve + "', res)]) AS mv FROM (SELECT sev, " + ackResSQL +
		" FROM (" + s.incidentView(sc, "created_at >= "+unixTime(p.From)+" AND created_at < "+unixTime(p.To), viewTimeline) + ") WHERE merged = 0 AND created <= ?)" +
		" WHERE tupleElement(mv, 2) >= 0"
	q := "SELECT tupleElement(mv, 1) AS m, sev, toUInt32(arrayFirstIndex(x -> x >= toFloat64(tupleElement(mv, 2)), [" + strings.Join(bs, ", ") + "])) AS i, " +
		"count(), toFloat64(sum(tupleElement(mv, 2))) FROM (" + inner + ") GROUP BY m, sev, i ORDER BY m, sev, i"
	rows, err := s.conn.Query(ctx, q, sc.now())
	if err != nil {
		return nil, fmt.Errorf("store: query response histograms: %w", err)
	}
	defer rows.Close()
	var out []Histogram
	for rows.Next() {
		var m, sev string
		var i uint32
		var n uint64
		var sum float64
		if err := rows.Scan(&m, &sev, &i, &n, &sum); err != nil {
			return nil, fmt.Errorf("store: scan response histograms: %w", err)
		}
		if len(out) == 0 || out[len(out)-1].Measure != m || out[len(out)-1].Severity != sev {
			out = append(out, Histogram{Measure: m, Severity: sev, Counts: make([]uint64, len(bounds)+1)})
		}
		h := &out[len(out)-1]
		b := len(bounds) // arrayFirstIndex is 1-based, 0 when no bound holds the value: +Inf
		if i > 0 {
			b = int(i) - 1
		}
		h.Counts[b] += n
		h.Sum += sum
		h.N += n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read response histograms: %w", err)
	}
	return out, nil
}

// SeverityStat is the statistics of one period's values, overall
// (Severity "") or of one severity label.
type SeverityStat struct {
	Period   int
	Severity string
	Stats
}

// DetectStats computes the time to detect that postmortems state (when
// positive), per period of the postmortem's creation, overall and by
// severity label (see postmortemSeverities).
func (s *Store) DetectStats(ctx context.Context, sc Scope) ([]SeverityStat, error) {
	inner := "SELECT " + sc.periodsOf("created") + " AS p, arrayJoin(['', " + severitySQL("pm_sev") + "]) AS sev, v FROM (" +
		"SELECT key, toUInt32(created_at) AS created, toFloat64(assumeNotNull(time_to_detect_seconds)) AS v FROM " +
		s.Table("postmortems") + " FINAL WHERE time_to_detect_seconds > 0) AS d" + s.join("ANY LEFT") + "(" + s.postmortemSeverities() +
		") AS v USING key WHERE created >= ?"
	q := "SELECT p, sev, " + statsSQL("a") + " FROM (SELECT p, sev, arraySort(groupArray(v)) AS a FROM (" + inner + ") GROUP BY p, sev)"
	rows, err := s.conn.Query(ctx, q, sc.start())
	if err != nil {
		return nil, fmt.Errorf("store: query time to detect: %w", err)
	}
	defer rows.Close()
	var out []SeverityStat
	for rows.Next() {
		var p uint32
		var st SeverityStat
		var d statsDest
		if err := rows.Scan(append([]any{&p, &st.Severity}, d.dest()...)...); err != nil {
			return nil, fmt.Errorf("store: scan time to detect: %w", err)
		}
		st.Period, st.Stats = int(p), d.stats()
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read time to detect: %w", err)
	}
	return out, nil
}

// DowntimeIntervals streams the downtime of each incident of one service (matched by name or
// id): from trigger to resolve (or now while open, or when resolved after
// now) of its non-merged incidents of the given severities, ordered by
// start, skipping intervals that end by from. fn may merge overlaps on the
// fly (calc.Union).
func (s *Store) DowntimeIntervals(ctx context.Context, service string, severities []string, from, now time.Time,
	fn func(id string, start, end time.Time) error) error {
	if len(severities) == 0 {
		return nil
	}
	sevs := make([]string, len(severities))
	for i, v := range severities {
		sevs[i] = quoteString(v)
	}
	where := "(service_name = " + quoteString(service) + " OR service_id = " + quoteString(service) + ") AND severity IN (" + strings.Join(sevs, ", ") + ")"
	q := "SELECT id, created, toUInt32(if(resolved = 0 OR resolved > ?, ?, resolved)) AS e FROM (" + s.incidentView(Scope{}, where, viewTimeline) +
		") WHERE merged = 0 AND e > created AND e > ? ORDER BY created, e, id"
	n := uint32(max(now.UTC().Unix(), 0))
	rows, err := s.conn.Query(ctx, q, n, n, uint32(max(from.UTC().Unix(), 0)))
	if err != nil {
		return fmt.Errorf("store: query downtime of %s: %w", service, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var a, b uint32
		if err := rows.Scan(&id, &a, &b); err != nil {
			return fmt.Errorf("store: scan downtime of %s: %w", service, err)
		}
		if err := fn(id, time.Unix(int64(a), 0).UTC(), time.Unix(int64(b), 0).UTC()); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read downtime of %s: %w", service, err)
	}
	return nil
}
