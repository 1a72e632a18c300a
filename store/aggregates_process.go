package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ProcessRules are the postmortem process targets, durations in seconds.
type ProcessRules struct {
	RequiredSeverities         []string
	DraftWithin, PublishWithin int64
	OverdueLookback            int64
}

func sqlStrings(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = quoteString(v)
	}
	return strings.Join(q, ", ")
}

// postmortemIncidents is a subquery of the incident ids that the
// postmortems created by the run's clock name (postmortemIncidents(true):
// of those also published by it).
func (s *Store) postmortemIncidents(now int64, published bool) string {
	q := "SELECT arrayJoin(incident_ids) FROM " + s.Table("postmortems") + " FINAL WHERE created_at <= toDateTime(" + strconv.FormatInt(now, 10) + ")"
	if published {
		q += " AND isNotNull(published_at) AND published_at <= toDateTime(" + strconv.FormatInt(now, 10) + ")"
	}
	return "(" + q + ")"
}

// Coverage is, for one period (of incident creation) and severity ("" for
// all required ones), how many resolved incidents required a postmortem
// and how many have one.
type Coverage struct {
	Period         int
	Severity       string
	Required, Have int
}

// PostmortemCoverage counts the non-merged incidents of a required
// severity resolved by the run's clock, and those a postmortem created by
// then names, per period of their creation, overall and by severity.
func (s *Store) PostmortemCoverage(ctx context.Context, sc Scope, rules ProcessRules) ([]Coverage, error) {
	if len(rules.RequiredSeverities) == 0 {
		return nil, nil
	}
	now := sc.now()
	inner := "SELECT " + sc.periodsOf("created") + " AS p, severity, toUInt8(id" + s.in() + s.postmortemIncidents(now, false) + ") AS covered FROM (" +
		s.incidentView(sc, "severity IN ("+sqlStrings(rules.RequiredSeverities)+")", viewTimeline) +
		") WHERE merged = 0 AND resolved > 0 AND resolved <= ? AND created >= ?"
	q := "SELECT p, arrayJoin(['', severity]) AS sev, count(), countIf(covered = 1) FROM (" + inner + ") GROUP BY p, sev"
	rows, err := s.conn.Query(ctx, q, now, sc.start())
	if err != nil {
		return nil, fmt.Errorf("store: query postmortem coverage: %w", err)
	}
	defer rows.Close()
	var out []Coverage
	for rows.Next() {
		var c Coverage
		var p uint32
		var n, have uint64
		if err := rows.Scan(&p, &c.Severity, &n, &have); err != nil {
			return nil, fmt.Errorf("store: scan postmortem coverage: %w", err)
		}
		c.Period, c.Required, c.Have = int(p), int(n), int(have)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read postmortem coverage: %w", err)
	}
	return out, nil
}

// OverdueIncident is a resolved incident whose postmortem is not drafted
// (no postmortem names it) or not published past its target.
type OverdueIncident struct {
	ID, Title, URL, Severity, Service, Team string
	ResolvedAt                              time.Time
	Covered, Published                      bool
}

// OverduePostmortems lists the non-merged incidents of a required severity
// whose postmortem is overdue: no postmortem created by the clock names it
// and the draft target has passed (incidents resolved within the lookback
// before the run's clock: an old gap does not alert forever), or one names
// it but none published by the clock does and the publish target has
// passed (however long ago: a draft held in review is a gap someone holds).
func (s *Store) OverduePostmortems(ctx context.Context, sc Scope, rules ProcessRules) ([]OverdueIncident, error) {
	if len(rules.RequiredSeverities) == 0 {
		return nil, nil
	}
	now := sc.now()
	q := "SELECT id, title, url, severity, svc, team, resolved, covered, published FROM (SELECT *, toUInt8(id" + s.in() +
		s.postmortemIncidents(now, false) + ") AS covered, toUInt8(id" + s.in() + s.postmortemIncidents(now, true) + ") AS published FROM (" +
		s.incidentView(sc, "severity IN ("+sqlStrings(rules.RequiredSeverities)+")", viewTimeline|viewText) +
		") WHERE merged = 0 AND resolved > 0 AND resolved <= ? AND (? - resolved <= ? OR covered = 1)) " +
		"WHERE (covered = 0 AND ? >= resolved + ?) OR (published = 0 AND ? >= resolved + ?) ORDER BY id"
	rows, err := s.conn.Query(ctx, q, now, now, rules.OverdueLookback, now, rules.DraftWithin, now, rules.PublishWithin)
	if err != nil {
		return nil, fmt.Errorf("store: query overdue postmortems: %w", err)
	}
	defer rows.Close()
	var out []OverdueIncident
	for rows.Next() {
		var x OverdueIncident
		var res uint32
		var covered, published uint8
		if err := rows.Scan(&x.ID, &x.Title, &x.URL, &x.Severity, &x.Service, &x.Team, &res, &covered, &published); err != nil {
			return nil, fmt.Errorf("store: scan overdue postmortems: %w", err)
		}
		x.ResolvedAt, x.Covered, x.Published = time.Unix(int64(res), 0).UTC(), covered == 1, published == 1
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read overdue postmortems: %w", err)
	}
	return out, nil
}

// Lag is one period's lag from resolve to draft and to publish (seconds),
// over the postmortems created by the run's clock whose incidents are all
// known and, unless merged, resolved (the period of the last resolve):
// the statistics, and how many met the target among those whose outcome
// is known.
type Lag struct {
	Period                  int
	Draft, Publish          Stats
	DraftIn, DraftKnown     int
	PublishIn, PublishKnown int
}

// PostmortemLags computes the lags per period of the incidents' resolve.
func (s *Store) PostmortemLags(ctx context.Context, sc Scope, rules ProcessRules) ([]Lag, error) {
	now := sc.now()
	n := strconv.FormatInt(now, 10)
	pmi := "SELECT key, toInt64(toUInt32(created_at)) AS pc, toInt64(ifNull(toUInt32(published_at), 0)) AS pp, arrayJoin(incident_ids) AS id FROM " +
		s.Table("postmortems") + " FINAL WHERE created_at <= toDateTime(" + n + ")"
	inc := "SELECT id, toUInt8(1) AS known, merged, resolved FROM (" + s.incidentView(sc, "id"+s.in()+s.postmortemIncidents(now, false), viewTimeline) + ")"
	perPM := "SELECT key, any(pc) AS pc, any(pp) AS pp, toInt64(maxIf(resolved, known = 1 AND merged = 0)) AS res FROM (" + pmi + ") AS pm" +
		s.join("ANY LEFT") + "(" + inc + ") AS inc USING id GROUP BY key HAVING countIf(known = 0) = 0 AND " +
		"countIf(known = 1 AND merged = 0 AND resolved = 0) = 0 AND countIf(known = 1 AND merged = 0) > 0"
	lags := "SELECT " + sc.periodsOf("res") + " AS p, greatest(toInt64(0), pc - res) AS dl, toUInt8(pp > 0 AND pp <= " + n + ") AS pub, " +
		"greatest(toInt64(0), pp - res) AS pl, res FROM (" + perPM + ") WHERE res >= ?"
	q := "SELECT p, " + statsSQL("a_d") + ", " + statsSQL("a_p") + ", d_in, d_known, p_in, p_known FROM (" +
		"SELECT p, arraySort(groupArray(toFloat64(dl))) AS a_d, arraySort(groupArrayIf(toFloat64(pl), pub = 1)) AS a_p, " +
		"countIf(dl <= ?) AS d_in, count() AS d_known, countIf(pub = 1 AND pl <= ?) AS p_in, countIf(pub = 1 OR " + n + " >= res + ?) AS p_known " +
		"FROM (" + lags + ") GROUP BY p) ORDER BY p"
	rows, err := s.conn.Query(ctx, q, rules.DraftWithin, rules.PublishWithin, rules.PublishWithin, sc.start())
	if err != nil {
		return nil, fmt.Errorf("store: query postmortem lags: %w", err)
	}
	defer rows.Close()
	var out []Lag
	for rows.Next() {
		var l Lag
		var p uint32
		var d, pb statsDest
		var c [4]uint64
		dest := append(append([]any{&p}, d.dest()...), pb.dest()...)
		if err := rows.Scan(append(dest, &c[0], &c[1], &c[2], &c[3])...); err != nil {
			return nil, fmt.Errorf("store: scan postmortem lags: %w", err)
		}
		l.Period, l.Draft, l.Publish = int(p), d.stats(), pb.stats()
		l.DraftIn, l.DraftKnown, l.PublishIn, l.PublishKnown = int(c[0]), int(c[1]), int(c[2]), int(c[3])
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read postmortem lags: %w", err)
	}
	return out, nil
}

// Completeness is one period's postmortems (created by the run's clock,
// with a template) against the template's sections: the mean share of
// sections present, and how often each section is missing.
type Completeness struct {
	Period  int
	N       int
	Mean    float64
	Missing map[string]int
}

// PostmortemCompleteness computes completeness per period of creation.
func (s *Store) PostmortemCompleteness(ctx context.Context, sc Scope) ([]Completeness, error) {
	inner := "SELECT " + sc.periodsOf("created") + " AS p, share, missing_sections FROM (SELECT toUInt32(created_at) AS created, " +
		"length(sections) / (length(sections) + length(missing_sections)) AS share, missing_sections FROM " + s.Table("postmortems") +
		" FINAL WHERE length(sections) + length(missing_sections) > 0 AND created_at <= toDateTime(?)) WHERE created >= ?"
	q := "SELECT p, count(), avg(share), groupArray(missing_sections) FROM (" + inner + ") GROUP BY p ORDER BY p"
	rows, err := s.conn.Query(ctx, q, sc.now(), sc.start())
	if err != nil {
		return nil, fmt.Errorf("store: query postmortem completeness: %w", err)
	}
	defer rows.Close()
	var out []Completeness
	for rows.Next() {
		var c Completeness
		var p uint32
		var n uint64
		var missing [][]string
		if err := rows.Scan(&p, &n, &c.Mean, &missing); err != nil {
			return nil, fmt.Errorf("store: scan postmortem completeness: %w", err)
		}
		c.Period, c.N, c.Missing = int(p), int(n), map[string]int{}
		for _, m := range missing {
			for _, sec := range m {
				c.Missing[sec]++
			}
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read postmortem completeness: %w", err)
	}
	return out, nil
}

// OwnedAndDue counts, per period of creation, the action items and those
// with both an assignee and a due date.
func (s *Store) OwnedAndDue(ctx context.Context, sc Scope) (all, ownedDue map[int]int, err error) {
	q := "SELECT " + sc.periodsOf("created") + " AS p, count(), countIf(assignee_id != '' AND due_end > 0) FROM (" + s.itemView(sc) +
		") WHERE created >= ? GROUP BY p"
	rows, err := s.conn.Query(ctx, q, sc.start())
	if err != nil {
		return nil, nil, fmt.Errorf("store: query owned and due items: %w", err)
	}
	defer rows.Close()
	all, ownedDue = map[int]int{}, map[int]int{}
	for rows.Next() {
		var p uint32
		var n, od uint64
		if err := rows.Scan(&p, &n, &od); err != nil {
			return nil, nil, fmt.Errorf("store: scan owned and due items: %w", err)
		}
		all[int(p)], ownedDue[int(p)] = int(n), int(od)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("store: read owned and due items: %w", err)
	}
	return all, ownedDue, nil
}

// Highlight is a published postmortem's quotable sections.
type Highlight struct {
	Key, Title, URL, Severity, Team, Service string
	PublishedAt                              time.Time
	Lessons, Lucky                           string
}

// Highlights streams the postmortems published in [from, the run's clock]
// with a lessons or lucky section, by severity (SEV1 first, unknown
// last: see postmortemSeverities), publication and key. Team is the label of the stored team name.
func (s *Store) Highlights(ctx context.Context, sc Scope, from time.Time, fn func(Highlight) error) error {
	q := "SELECT key, title, url, pm_sev, " + sc.teamLabel("team") + ", service, published_at, lessons, lucky FROM (SELECT key, title, url, team, service, " +
		"published_at, lessons, lucky FROM " + s.Table("postmortems") +
		" FINAL WHERE isNotNull(published_at) AND published_at >= toDateTime(?) AND published_at <= toDateTime(?) AND (lessons != '' OR lucky != '')) AS h" +
		s.join("ANY LEFT") + "(" + s.postmortemSeverities() + ") AS v USING key" +
		" ORDER BY if(indexOf(['SEV1', 'SEV2', 'SEV3', 'SEV4', 'SEV5'], pm_sev) = 0, 9, indexOf(['SEV1', 'SEV2', 'SEV3', 'SEV4', 'SEV5'], pm_sev)), published_at, key"
	rows, err := s.conn.Query(ctx, q, max(from.UTC().Unix(), 0), sc.now())
	if err != nil {
		return fmt.Errorf("store: query highlights: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var h Highlight
		var pub *time.Time
		if err := rows.Scan(&h.Key, &h.Title, &h.URL, &h.Severity, &h.Team, &h.Service, &pub, &h.Lessons, &h.Lucky); err != nil {
			return fmt.Errorf("store: scan highlights: %w", err)
		}
		if pub != nil {
			h.PublishedAt = pub.UTC()
		}
		if err := fn(h); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read highlights: %w", err)
	}
	return nil
}
