package store

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aftermath-sre/aftermath/domain"
)

// Aggregate reads: what the analyses measure (counts, percentiles,
// action-item states, coverage, lags) is computed by ClickHouse, grouped by
// period, severity, service and team, so an analysis holds results, not
// rows. Every aggregate read takes a Scope: the run's clock, its reporting
// periods and the labels of the teams.
//
// Percentiles follow calc.Quantile (linear interpolation between closest
// ranks, Hyndman–Fan type 7) on arraySort(groupArray(x)); the mean is the
// sum of the sorted values over their count. Times are compared in whole
// seconds (the columns' resolution).

// Span is a reporting period [From, To).
type Span struct{ From, To time.Time }

// Scope is what an aggregate read needs of the run.
type Scope struct {
	Now time.Time
	// Periods are the run's reporting periods; rows carry their index.
	Periods []Span
	// Teams maps stored team names onto their labels (see TeamNames); a
	// name not listed is its own label.
	Teams map[string]string
}

// Stats are the percentile gauges' statistics of one group, computed by
// ClickHouse: the number of values, p50, p90, p95 (calc.Quantile's
// semantics) and the mean.
type Stats struct {
	N                   int
	P50, P90, P95, Mean float64
}

func (sc Scope) now() int64 { return sc.Now.UTC().Unix() }

// periodsOf is the SQL of the indices of the periods containing the unix
// time t, one row each (arrayJoin): the rolling period and at most one
// month. Bounds are inlined (numbers the run made, not input). t must be a
// column of a subquery that the query also uses outside this expression:
// 18.16 drops a subquery's column that only a lambda uses ("Unknown
// identifier").
func (sc Scope) periodsOf(t string) string {
	if len(sc.Periods) == 0 {
		return "toUInt32(arrayJoin(emptyArrayUInt32()))"
	}
	from := make([]string, len(sc.Periods))
	to := make([]string, len(sc.Periods))
	for i, p := range sc.Periods {
		from[i] = strconv.FormatInt(p.From.UTC().Unix(), 10)
		to[i] = strconv.FormatInt(p.To.UTC().Unix(), 10)
	}
	return fmt.Sprintf("toUInt32(arrayJoin(arrayFilter(i -> %s >= [%s][i + 1] AND %s < [%s][i + 1], range(%d))))",
		t, strings.Join(from, ", "), t, strings.Join(to, ", "), len(sc.Periods))
}

// start is the earliest instant any period covers (unix seconds).
func (sc Scope) start() int64 {
	start := sc.now()
	for _, p := range sc.Periods {
		start = min(start, p.From.UTC().Unix())
	}
	return start
}

// teamLabel is the SQL of the label of the team named by col: its mapped
// name, or the name itself.
func (sc Scope) teamLabel(col string) string {
	var from, to []string
	names := make([]string, 0, len(sc.Teams))
	for k := range sc.Teams {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if v := sc.Teams[k]; v != k {
			from, to = append(from, quoteString(k)), append(to, quoteString(v))
		}
	}
	if len(from) == 0 {
		return col
	}
	return "transform(" + col + ", [" + strings.Join(from, ", ") + "], [" + strings.Join(to, ", ") + "], " + col + ")"
}

// statsSQL is the SQL of the Stats columns (n, p50, p90, p95, mean) of the
// sorted Float64 array a (an alias).
func statsSQL(a string) string {
	n := "toInt64(length(" + a + "))"
	q := func(p string) string {
		h := "((" + n + " - 1) * " + p + ")"
		lo := "toInt64(floor(" + h + "))"
		return fmt.Sprintf("if(%[1]s >= %[2]s - 1, %[3]s[%[2]s], %[3]s[%[1]s + 1] + (%[4]s - floor(%[4]s)) * (%[3]s[%[1]s + 2] - %[3]s[%[1]s + 1]))",
			lo, n, a, h)
	}
	return "toUInt64(length(" + a + ")), " + q("0.5") + ", " + q("0.9") + ", " + q("0.95") + ", arraySum(" + a + ") / " + n
}

// statsDest are the Scan destinations of statsSQL's columns.
type statsDest struct {
	n                   uint64
	p50, p90, p95, mean float64
}

func (d *statsDest) dest() []any { return []any{&d.n, &d.p50, &d.p90, &d.p95, &d.mean} }
func (d *statsDest) stats() Stats {
	return Stats{N: int(d.n), P50: d.p50, P90: d.p90, P95: d.p95, Mean: d.mean}
}

// severitySQL is the label of the severity column col: SEV1..SEV5 or
// unknown.
func severitySQL(col string) string {
	return "if(" + col + " IN ('SEV1', 'SEV2', 'SEV3', 'SEV4', 'SEV5'), " + col + ", '" + SeverityUnknown + "')"
}

// postmortemSeverities is the subquery of every current postmortem's key
// and severity label, pm_sev: its own when it states one of SEV1..SEV5
// (jira.fields.severity), else the highest severity of the incidents it
// links (a postmortem is about its worst incident), else unknown.
func (s *Store) postmortemSeverities() string {
	const sevs = "['SEV1', 'SEV2', 'SEV3', 'SEV4', 'SEV5']"
	return "SELECT key, if(indexOf(" + sevs + ", own) > 0, own, if(linked = '', '" + SeverityUnknown + "', linked)) AS pm_sev FROM (SELECT key, severity AS own FROM " +
		s.Table("postmortems") + " FINAL) AS p" + s.join("ANY LEFT") + "(SELECT key, arrayElement(" + sevs + ", toUInt64(minIf(r, r > 0))) AS linked FROM (" +
		"SELECT key, indexOf(" + sevs + ", severity) AS r FROM (SELECT key, arrayJoin(incident_ids) AS id FROM " + s.Table("postmortems") + " FINAL) AS l" +
		s.join("ANY INNER") + "(SELECT id, severity FROM " + s.incidentSeverities() + ") AS i USING id) GROUP BY key) AS x USING key"
}

// incidentSeverities is the FROM of the incidents' id and severity: the
// run's snapshot when there is one (a copy, already deduplicated), else the
// incidents FINAL.
func (s *Store) incidentSeverities() string {
	if s.snapshot != "" {
		return s.Table(s.snapshot)
	}
	return s.Table("incidents") + " FINAL"
}

// join is the JOIN before a subquery: GLOBAL in cluster mode (see in).
func (s *Store) join(kind string) string {
	if s.cluster != "" {
		return " GLOBAL " + kind + " JOIN "
	}
	return " " + kind + " JOIN "
}

// viewParts are the optional parts of incidentView.
type viewParts uint8

const (
	// viewTimeline: acked and resolved from the timeline (else acked is 0
	// and resolved as the document has it).
	viewTimeline viewParts = 1 << iota
	// viewText: the title and url columns.
	viewText
)

// incidentView is a subquery of the deduplicated incidents with what the
// analyses use, in the analyses' vocabulary:
//
//	id, title and url (with viewText), severity (as stored), sev (its
//	label), svc and team (labels: names, falling back to ids, then
//	"unknown"), service_name, service_id, merged (UInt8), created, acked
//	and resolved (unix seconds, 0 when not acknowledged / not resolved).
//
// With viewTimeline the first acknowledgement comes from the timeline; the
// resolve time from the document, or from the timeline's last resolve when
// the document says resolved without one (domain.Response.Apply). Without
// it, acked is 0 and resolved is as the document has it (reads that need
// neither). where filters the incidents table (may be empty) and must hold
// no placeholders (it is used twice: the timeline is aggregated only for
// the incidents it selects, through the primary key). Title and url are
// left out unless asked for: 18.16 reads every column of the incidents
// subquery on the left of the timeline join, used or not (at xlarge, 190
// of the 220 MiB a lags query read).
func (s *Store) incidentView(sc Scope, where string, parts viewParts) string {
	text := ""
	if parts&viewText != 0 {
		text = "title, url, "
	}
	cols := `id, ` + text + `severity, ` + severitySQL("severity") + ` AS sev,
if(service_name != '', service_name, if(service_id != '', service_id, 'unknown')) AS svc, service_name, service_id,
if(team_name_label != '', team_name_label, if(team_id != '', team_id, 'unknown')) AS team,
toUInt8(is_merged = 1 OR merged_into != '') AS merged, toUInt32(created_at) AS created`
	inc := "SELECT source, id, " + text + "severity, service_name, service_id, " + sc.teamLabel("team_name") + " AS team_name_label, team_id, " +
		"is_merged, merged_into, created_at, status, resolved_at FROM " + s.Table("incidents") + " FINAL"
	if where != "" {
		inc += " WHERE " + where
	}
	if s.snapshot != "" && (parts&viewText == 0 || parts&viewTimeline != 0) {
		// The run's snapshot (SnapshotIncidents) holds the same incidents
		// with their timeline's summary, aggregated once.
		snap := "SELECT source, id, severity, service_name, service_id, " + sc.teamLabel("team_name") + " AS team_name_label, team_id, " +
			"is_merged, merged_into, created_at, status, resolved_at, acks, first_ack, resolves, last_resolve FROM " + s.Table(s.snapshot)
		if where != "" {
			snap += " WHERE " + where
		}
		from := "(" + snap + ")"
		if parts&viewText != 0 {
			// The snapshot has no title or url (most reads need neither):
			// they come from the incidents that where selects, which
			// costs less than aggregating their timeline again.
			txt := "SELECT source, id, title, url FROM " + s.Table("incidents") + " FINAL"
			if where != "" {
				txt += " WHERE " + where
			}
			from = from + " AS i" + s.join("ANY LEFT") + "(" + txt + ") AS x USING (source, id)"
		}
		if parts&viewTimeline == 0 {
			return "SELECT " + cols + ", toUInt32(0) AS acked, toUInt32(ifNull(toUInt32(resolved_at), 0)) AS resolved FROM " + from
		}
		return "SELECT " + cols + ", " + ackedResolvedSQL + " FROM " + from
	}
	if parts&viewTimeline == 0 {
		return "SELECT " + cols + ", toUInt32(0) AS acked, toUInt32(ifNull(toUInt32(resolved_at), 0)) AS resolved FROM (" + inc + ")"
	}
	// The first acknowledgement and the last resolve of each selected
	// incident, in one aggregation over every stored version of its
	// acknowledge and resolve events (no FINAL, no per-event step): an
	// event's type and time are the same in all its versions (a log entry
	// does not change once written; a new version is the same entry
	// fetched again), so the earliest and latest times, and whether there
	// is one at all, are those of the deduplicated events. The row counts
	// are read only as "any". Grouping by event id first (argMax per event,
	// then per incident) took four times as long over the xlarge timeline
	// (2.2 s against 0.5 s on 18.16): the outer grouping ran on one thread.
	ev := s.timelineSummarySQL()
	if where != "" {
		// By id alone (the key's second column prunes better than the
		// pair): a superset of the selected incidents; the groups of other
		// incidents are left out by the join.
		ev += " AND incident_id" + s.in() + "(SELECT id FROM " + s.Table("incidents") + " WHERE " + where + ")"
	}
	tl := ev + " GROUP BY source, incident_id"
	return "SELECT " + cols + ", " + ackedResolvedSQL + "\nFROM (" + inc + ") AS i" + s.join("ANY LEFT") + "(" + tl + ") AS t USING (source, id)"
}

// timelineSummarySQL aggregates the acknowledge and resolve events (their
// counts, the first acknowledgement and the last resolve) per incident
// (source, id): every stored version of an event, no FINAL (see
// incidentView).
func (s *Store) timelineSummarySQL() string {
	return "SELECT source, incident_id AS id, countIf(type = '" + EventAcknowledge + "') AS acks, minIf(created_at, type = '" + EventAcknowledge +
		"') AS first_ack, countIf(type = '" + EventResolve + "') AS resolves, maxIf(created_at, type = '" + EventResolve + "') AS last_resolve FROM " +
		s.Table("timeline_events") + " WHERE type IN ('" + EventAcknowledge + "', '" + EventResolve + "')"
}

// ackedResolvedSQL are incidentView's acked and resolved columns over the
// timeline's summary (acks, first_ack, resolves, last_resolve) and the
// document's status and resolved_at.
var ackedResolvedSQL = `toUInt32(if(acks > 0, toUInt32(first_ack), 0)) AS acked,
toUInt32(ifNull(toUInt32(resolved_at), if(status = '` + domain.StatusResolved + `' AND resolves > 0, toUInt32(last_resolve), 0))) AS resolved`

// TeamNames are the distinct team names the incidents, postmortems and
// action items are stored with (for Scope.Teams).
func (s *Store) TeamNames(ctx context.Context) ([]string, error) {
	rows, err := s.conn.Query(ctx, "SELECT DISTINCT name FROM (SELECT DISTINCT team_name AS name FROM "+s.Table("incidents")+
		" UNION ALL SELECT DISTINCT team AS name FROM "+s.Table("postmortems")+" UNION ALL SELECT DISTINCT team AS name FROM "+
		s.Table("action_items")+") ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("store: query team names: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("store: scan team name: %w", err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read team names: %w", err)
	}
	return out, nil
}

// ServiceNames are the distinct service names of the stored incidents (their
// latest versions).
func (s *Store) ServiceNames(ctx context.Context) ([]string, error) {
	rows, err := s.conn.Query(ctx, "SELECT DISTINCT service_name FROM "+s.Table("incidents")+" FINAL ORDER BY service_name")
	if err != nil {
		return nil, fmt.Errorf("store: query service names: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("store: scan service name: %w", err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read service names: %w", err)
	}
	return out, nil
}

// IncidentHead is what the recurrence analysis reads of an incident; the
// labels are the analyses' (see incidentView).
type IncidentHead struct {
	ID, Title, URL, Severity string
	Service, Team            string // labels
	CreatedAt                time.Time
}

// StreamIncidents streams the non-merged incidents created at or after
// from, ordered by service label, creation and id (one service's incidents
// in a row, oldest first).
func (s *Store) StreamIncidents(ctx context.Context, sc Scope, from time.Time, fn func(IncidentHead) error) error {
	q := "SELECT id, title, url, severity, svc, team, created FROM (" + s.incidentView(sc, "created_at >= "+unixTime(from), viewText) +
		") WHERE merged = 0 ORDER BY svc, created, id"
	rows, err := s.conn.Query(ctx, q)
	if err != nil {
		return fmt.Errorf("store: query incidents by service: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var x IncidentHead
		var created uint32
		if err := rows.Scan(&x.ID, &x.Title, &x.URL, &x.Severity, &x.Service, &x.Team, &created); err != nil {
			return fmt.Errorf("store: scan incident by service: %w", err)
		}
		x.CreatedAt = time.Unix(int64(created), 0).UTC()
		if err := fn(x); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read incidents by service: %w", err)
	}
	return nil
}

// InputCounts are the deduplicated rows an analysis reads, and how many
// carry a value outside the known sets (the analyses report those as
// "unknown").
type InputCounts struct {
	Incidents, Postmortems, ActionItems int
	// UnknownIncidentSeverity and UnknownPostmortemSeverity: not SEV1..SEV5
	// (a postmortem's own, else its incidents', see postmortemSeverities);
	// UnknownItemPriority: not P1..P5; ItemsWithoutTeam: no team label.
	UnknownIncidentSeverity, UnknownPostmortemSeverity, UnknownItemPriority, ItemsWithoutTeam int
}

// CountInputs counts the analysis input: every deduplicated incident,
// postmortem and action item.
func (s *Store) CountInputs(ctx context.Context, sc Scope) (InputCounts, error) {
	known := func(col string, vals ...string) string { return col + " NOT IN (" + sqlStrings(vals) + ")" }
	sev := []string{"SEV1", "SEV2", "SEV3", "SEV4", "SEV5"}
	q := "SELECT (SELECT count() FROM " + s.Table("incidents") + " FINAL), (SELECT countIf(" + known("severity", sev...) + ") FROM " +
		s.Table("incidents") + " FINAL), (SELECT count() FROM " + s.Table("postmortems") + " FINAL), (SELECT countIf(" + known("pm_sev", sev...) +
		") FROM (" + s.postmortemSeverities() + ")), " +
		"(SELECT count() FROM " + s.Table("action_items") + " FINAL), (SELECT countIf(" + known("priority", "P1", "P2", "P3", "P4", "P5") + ") FROM " +
		s.Table("action_items") + " FINAL), (SELECT countIf(" + sc.teamLabel("team") + " = '') FROM " + s.Table("action_items") + " FINAL)"
	var c [7]uint64
	if err := s.conn.QueryRow(ctx, q).Scan(&c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6]); err != nil {
		return InputCounts{}, fmt.Errorf("store: count analysis input: %w", err)
	}
	return InputCounts{Incidents: int(c[0]), UnknownIncidentSeverity: int(c[1]), Postmortems: int(c[2]), UnknownPostmortemSeverity: int(c[3]),
		ActionItems: int(c[4]), UnknownItemPriority: int(c[5]), ItemsWithoutTeam: int(c[6])}, nil
}

// unixTime is the SQL DateTime literal of t (whole seconds; the epoch for
// earlier times).
func unixTime(t time.Time) string {
	return "toDateTime(" + strconv.FormatInt(max(t.UTC().Unix(), 0), 10) + ")"
}

// PersonNames are the people the blame check recognizes by name, sorted:
// action-item assignees and postmortem authors (their latest versions) and
// the users acting in incident timelines.
func (s *Store) PersonNames(ctx context.Context) ([]string, error) {
	q := "SELECT DISTINCT n FROM (SELECT assignee_name AS n FROM " + s.Table("action_items") + " FINAL UNION ALL SELECT author AS n FROM " +
		s.Table("postmortems") + " FINAL UNION ALL SELECT agent_name AS n FROM " + s.Table("timeline_events") +
		" WHERE agent_type IN ('user', 'user_reference')) WHERE n != '' ORDER BY n"
	rows, err := s.conn.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("store: query person names: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("store: scan person name: %w", err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read person names: %w", err)
	}
	return out, nil
}

// StreamIncidentTitles streams what StreamIncidents does, in the same
// order, with only the id, service label, title and creation of each
// incident.
func (s *Store) StreamIncidentTitles(ctx context.Context, sc Scope, from time.Time, fn func(id, service, title string, created time.Time) error) error {
	q := "SELECT id, svc, title, created FROM (" + s.incidentView(sc, "created_at >= "+unixTime(from), viewText) +
		") WHERE merged = 0 ORDER BY svc, created, id"
	rows, err := s.conn.Query(ctx, q)
	if err != nil {
		return fmt.Errorf("store: query incident titles by service: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, svc, title string
		var created uint32
		if err := rows.Scan(&id, &svc, &title, &created); err != nil {
			return fmt.Errorf("store: scan incident title by service: %w", err)
		}
		if err := fn(id, svc, title, time.Unix(int64(created), 0).UTC()); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read incident titles by service: %w", err)
	}
	return nil
}
