package analyze

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/aftermath-sre/aftermath/analyze/actions"
	"github.com/aftermath-sre/aftermath/analyze/response"
	"github.com/aftermath-sre/aftermath/store"
)

// dataset is every stored row a run reads.
type dataset struct {
	incidents   []store.Incident
	postmortems []store.Postmortem // with their current factors
	items       []store.ActionItem // without transitions (no analysis needs them)
}

// load reads the tables concurrently (ClickHouse reads one while Go decodes
// another), only the columns the analyses use, and the postmortems' prose
// only for those created or published since textsSince (older prose falls
// in no period).
func load(ctx context.Context, log *slog.Logger, st *store.Store, textsSince time.Time, team teamNamer) (*dataset, error) {
	d := &dataset{}
	var texts map[string]pmTexts
	var factors []store.Factor
	var wg sync.WaitGroup
	errs := make([]error, 5)
	read := func(i int, f func() error) {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = protect(log, "load", f) }()
	}
	read(0, func() (err error) { d.incidents, err = loadIncidents(ctx, st); return err })
	read(1, func() (err error) { d.postmortems, err = loadPostmortems(ctx, st); return err })
	read(2, func() (err error) { texts, err = loadPostmortemTexts(ctx, st, textsSince); return err })
	read(3, func() (err error) { factors, err = st.Factors(ctx); return err })
	read(4, func() (err error) { d.items, err = loadActionItems(ctx, st); return err })
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	// Sources name teams their own way (PagerDuty "Data Platform", a Jira
	// component "data-platform"): team labels use one canonical form.
	for i := range d.incidents {
		d.incidents[i].TeamName = team.name(d.incidents[i].TeamName)
	}
	for i := range d.items {
		d.items[i].Team = team.name(d.items[i].Team)
	}
	idx := make(map[string]int, len(d.postmortems))
	for i := range d.postmortems {
		p := &d.postmortems[i]
		p.Team = team.name(p.Team)
		idx[p.Key] = i
		if x, ok := texts[p.Key]; ok {
			p.Lucky, p.Lessons = x.lucky, x.lessons
		}
	}
	for _, f := range factors {
		if i, ok := idx[f.PostmortemKey]; ok {
			d.postmortems[i].Factors = append(d.postmortems[i].Factors, f)
		}
	}
	return d, nil
}

func loadIncidents(ctx context.Context, st *store.Store) ([]store.Incident, error) {
	// What the timelines say (first acknowledgement, the resolve time a
	// document lacks) is aggregated by ClickHouse, one row per incident.
	resp, err := st.IncidentResponses(ctx, "", time.Time{})
	if err != nil {
		return nil, err
	}
	rows, err := st.Conn().Query(ctx, `SELECT source, id, title, url, service_id, service_name, team_id, team_name, severity, status,
created_at, resolved_at, resolve_reason, merged_into, is_merged FROM `+st.Table("incidents")+" FINAL")
	if err != nil {
		return nil, fmt.Errorf("query incidents: %w", err)
	}
	defer rows.Close()
	var out []store.Incident
	for rows.Next() {
		var x store.Incident
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
		resp[store.IncidentRef{Source: x.Source, ID: x.ID}].Apply(&x)
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

func loadPostmortems(ctx context.Context, st *store.Store) ([]store.Postmortem, error) {
	rows, err := st.Conn().Query(ctx, `SELECT key, title, url, status, status_category, severity, team, service, author,
incident_ids, action_item_keys, created_at, published_at, sections, missing_sections, time_to_detect_seconds FROM `+
		st.Table("postmortems")+" FINAL ORDER BY created_at, key")
	if err != nil {
		return nil, fmt.Errorf("query postmortems: %w", err)
	}
	defer rows.Close()
	var out []store.Postmortem
	for rows.Next() {
		var p store.Postmortem
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

// pmTexts is the prose a run quotes (the digest's highlights); the language
// checks read prose through the store's per-text results instead.
type pmTexts struct{ lucky, lessons string }

func loadPostmortemTexts(ctx context.Context, st *store.Store, since time.Time) (map[string]pmTexts, error) {
	rows, err := st.Conn().Query(ctx, `SELECT key, lucky, lessons FROM `+
		st.Table("postmortems")+" FINAL WHERE published_at >= ?", since.UTC().Truncate(time.Second))
	if err != nil {
		return nil, fmt.Errorf("query postmortem texts: %w", err)
	}
	defer rows.Close()
	out := map[string]pmTexts{}
	for rows.Next() {
		var k string
		var x pmTexts
		if err := rows.Scan(&k, &x.lucky, &x.lessons); err != nil {
			return nil, fmt.Errorf("scan postmortem texts: %w", err)
		}
		out[k] = x
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read postmortem texts: %w", err)
	}
	return out, nil
}

// loadActionItems reads the deduplicated action items without their
// transitions (store.ActionItems also reads every transition, which no
// analysis needs: reopen counts and last activity are on the item).
func loadActionItems(ctx context.Context, st *store.Store) ([]store.ActionItem, error) {
	rows, err := st.Conn().Query(ctx, `SELECT key, postmortem_key, summary, status, status_category, priority, assignee_id,
assignee_name, team, due_date, created_at, updated_at, resolved_at, last_activity_at, reopen_count, url FROM `+
		st.Table("action_items")+" FINAL ORDER BY created_at, key")
	if err != nil {
		return nil, fmt.Errorf("query action items: %w", err)
	}
	defer rows.Close()
	var out []store.ActionItem
	for rows.Next() {
		var a store.ActionItem
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

// personNames are the people the blame check recognizes by name: action-item
// assignees, postmortem authors and the users in incident timelines.
func personNames(ctx context.Context, st *store.Store, d *dataset) ([]string, error) {
	seen := map[string]bool{}
	for i := range d.items {
		seen[d.items[i].AssigneeName] = true
	}
	for i := range d.postmortems {
		seen[d.postmortems[i].Author] = true
	}
	rows, err := st.Conn().Query(ctx, "SELECT DISTINCT agent_name FROM "+st.Table("timeline_events")+
		" WHERE agent_name != '' AND agent_type IN ('user', 'user_reference')")
	if err != nil {
		return nil, fmt.Errorf("query timeline user names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("scan timeline user name: %w", err)
		}
		seen[n] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read timeline user names: %w", err)
	}
	delete(seen, "")
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

type unknownCount struct {
	field string
	n     int
}

// unknowns counts the values outside the known sets, which the analyses
// report as "unknown".
func (d *dataset) unknowns() []unknownCount {
	var sev, pmSev, prio, team int
	for i := range d.incidents {
		if response.Severity(d.incidents[i].Severity) == store.SeverityUnknown {
			sev++
		}
	}
	for i := range d.postmortems {
		if response.Severity(d.postmortems[i].Severity) == store.SeverityUnknown {
			pmSev++
		}
	}
	for i := range d.items {
		if actions.Priority(d.items[i].Priority) == "unknown" {
			prio++
		}
		if d.items[i].Team == "" {
			team++
		}
	}
	return []unknownCount{{"incident_severity", sev}, {"postmortem_severity", pmSev}, {"action_item_priority", prio}, {"action_item_team", team}}
}

// TeamKey is the canonical form of a team name used in every team label:
// lower case, with runs of anything but letters and digits folded to one
// "-". "Data Platform", "data_platform" and "data-platform" are one team.
func TeamKey(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(strings.TrimSpace(name)) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	return b.String()
}

// teamNamer gives every team its label: the canonical form of its name, or
// of the name an alias maps it to.
type teamNamer map[string]string

func newTeamNamer(aliases map[string]string) teamNamer {
	n := teamNamer{}
	for from, to := range aliases {
		n[TeamKey(from)] = TeamKey(to)
	}
	return n
}

func (n teamNamer) name(s string) string {
	k := TeamKey(s)
	if to, ok := n[k]; ok {
		return to
	}
	return k
}
