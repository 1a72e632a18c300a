package pagerduty

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aftermath-sre/aftermath/simulate/org"
)

// page holds the parsed pagination parameters.
type page struct {
	limit, offset int
	total         bool
}

func parsePage(q url.Values, def, maxLimit, maxOffset int) (page, *httpErr) {
	p := page{limit: def}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return p, badRequest("Limit must be a non-negative integer.")
		}
		if n > 0 {
			p.limit = min(n, maxLimit)
		}
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return p, badRequest("Offset must be a non-negative integer.")
		}
		p.offset = n
	}
	if p.offset+p.limit > maxOffset {
		// The real API answers the cap with code 2002, not 2001.
		return p, &httpErr{status: http.StatusBadRequest, code: 2002, msg: "Arguments Caused Error",
			errs: []string{"Offset must be less than " + strconv.Itoa(maxOffset) + " minus limit (offset + limit <= " + strconv.Itoa(maxOffset) + ")."}}
	}
	p.total = q.Get("total") == "true"
	return p, nil
}

// list renders the page of n items as the API does: key, limit, offset, more
// and total (null unless asked for).
func (s *Server) list(key string, p page, n int, item func(i int) any) map[string]any {
	off := s.shift(p.offset)
	items := make([]any, 0, p.limit)
	for i := off; i < n && i < off+p.limit; i++ {
		items = append(items, item(i))
	}
	out := map[string]any{key: items, "limit": p.limit, "offset": p.offset, "more": p.offset+p.limit < n, "total": nil}
	if p.total {
		out["total"] = n
	}
	return out
}

// multi reads an array parameter given as name[] (or name).
func multi(q url.Values, name string) []string {
	vs := append(q[name+"[]"], q[name]...)
	var out []string
	for _, v := range vs {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

func set(vs []string) map[string]bool {
	if len(vs) == 0 {
		return nil
	}
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		m[v] = true
	}
	return m
}

// parseTime reads an ISO 8601 date-time (or a date) as the API accepts it.
func parseTime(v string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05", "2006-01-02T15:04Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// dateRange reads since/until with the API's defaults: a month ending now
// when neither is given.
func dateRange(q url.Values, now int64, maxWindow bool) (since, until int64, err *httpErr) {
	if q.Get("date_range") == "all" {
		return -1 << 62, now + 1, nil
	}
	nowT := time.Unix(now, 0).UTC()
	var st, ut time.Time
	var ok bool
	if v := q.Get("since"); v != "" {
		if st, ok = parseTime(v); !ok {
			return 0, 0, badRequest("Since is not a valid date-time.")
		}
	}
	if v := q.Get("until"); v != "" {
		if ut, ok = parseTime(v); !ok {
			return 0, 0, badRequest("Until is not a valid date-time.")
		}
	}
	switch {
	case st.IsZero() && ut.IsZero():
		ut = nowT.Add(time.Second)
		st = nowT.AddDate(0, -1, 0)
	case ut.IsZero():
		ut = nowT.Add(time.Second)
	case st.IsZero():
		st = ut.AddDate(0, -1, 0)
	}
	if ut.Before(st) {
		return 0, 0, badRequest("Until must be after since.")
	}
	if maxWindow && st.AddDate(0, 6, 0).Before(ut) {
		return 0, 0, badRequest("Date range cannot be longer than 6 months.")
	}
	return st.Unix(), ut.Unix(), nil
}

func (s *Server) renderer(q url.Values, now int64) *renderer {
	return &renderer{s: s, ix: s.ix, now: now, includes: set(multi(q, "include"))}
}

func (s *Server) listIncidents(q url.Values, now int64) (any, *httpErr) {
	p, err := parsePage(q, 25, 100, s.opts.OffsetCap)
	if err != nil {
		return nil, err
	}
	since, until, err := dateRange(q, now, true)
	if err != nil {
		return nil, err
	}
	until = min(until, now+1) // incidents created after now do not exist yet
	statuses := set(multi(q, "statuses"))
	services := set(multi(q, "service_ids"))
	teams := set(multi(q, "team_ids"))
	urgencies := set(multi(q, "urgencies"))
	key := q.Get("incident_key")
	for st := range statuses {
		if st != org.StatusTriggered && st != org.StatusAcknowledged && st != org.StatusResolved {
			return nil, badRequest("Statuses must be one of triggered, acknowledged, resolved.")
		}
	}
	r := s.renderer(q, now)
	lo, hi := s.ix.incidentsCreated(since, until)
	o := s.ix.org
	type cand struct {
		i      int
		status string
		res    int64
	}
	cands := make([]cand, 0, max(0, hi-lo)) // a window after now selects none
	for i := lo; i < hi; i++ {
		inc := &o.Incidents[i]
		if services != nil && !services[inc.ServiceID] || teams != nil && !teams[inc.TeamID] ||
			urgencies != nil && !urgencies[inc.Urgency] || key != "" && inc.IncidentKey != key {
			continue
		}
		c := cand{i: i}
		if statuses != nil || strings.Contains(q.Get("sort_by"), "resolved_at") {
			st := s.ix.stateAt(inc, now)
			c.status = st.status
			if !st.resolvedAt.IsZero() {
				c.res = st.resolvedAt.Unix()
			}
			if statuses != nil && !statuses[st.status] {
				continue
			}
		}
		cands = append(cands, c)
	}
	if sb := q.Get("sort_by"); sb != "" {
		fields := strings.Split(sb, ",")
		if len(fields) > 2 {
			return nil, badRequest("Sort by accepts at most two fields.")
		}
		type key struct {
			field string
			desc  bool
		}
		var keys []key
		for _, f := range fields {
			name, dir, _ := strings.Cut(strings.TrimSpace(f), ":")
			switch name {
			case "incident_number", "created_at", "resolved_at", "urgency":
			default:
				return nil, badRequest("Sort by field must be one of incident_number, created_at, resolved_at, urgency.")
			}
			if dir != "" && dir != "asc" && dir != "desc" {
				return nil, badRequest("Sort direction must be asc or desc.")
			}
			keys = append(keys, key{name, dir == "desc"})
		}
		sort.SliceStable(cands, func(a, b int) bool {
			ia, ib := &o.Incidents[cands[a].i], &o.Incidents[cands[b].i]
			for _, k := range keys {
				var c int
				switch k.field {
				case "incident_number":
					c = ia.Number - ib.Number
				case "created_at":
					c = int(s.ix.created[cands[a].i] - s.ix.created[cands[b].i])
				case "resolved_at":
					c = int(cands[a].res - cands[b].res)
				case "urgency":
					c = strings.Compare(ia.Urgency, ib.Urgency)
				}
				if k.desc {
					c = -c
				}
				if c != 0 {
					return c < 0
				}
			}
			return false
		})
	}
	return s.list("incidents", p, len(cands), func(i int) any {
		return r.incident(&o.Incidents[cands[i].i])
	}), nil
}

func (s *Server) getIncident(id string, q url.Values, now int64) (any, *httpErr) {
	inc := s.incidentByID(id)
	if inc == nil || inc.CreatedAt.Unix() > now {
		return nil, &httpErr{status: http.StatusNotFound, code: 2100, msg: "Not Found"}
	}
	return map[string]any{"incident": s.renderer(q, now).incident(inc)}, nil
}

// overview log entry types: the most important changes to an incident.
var overviewTypes = map[string]bool{
	org.LogTrigger: true, org.LogAcknowledge: true, org.LogUnack: true, org.LogResolve: true,
	org.LogEscalate: true, org.LogAssign: true,
}

func (s *Server) incidentLogEntries(id string, q url.Values, now int64) (any, *httpErr) {
	inc := s.incidentByID(id)
	if inc == nil || inc.CreatedAt.Unix() > now {
		return nil, &httpErr{status: http.StatusNotFound, code: 2100, msg: "Not Found"}
	}
	p, err := parsePage(q, 25, 1000, s.opts.OffsetCap)
	if err != nil {
		return nil, err
	}
	since, until := int64(-1<<62), now+1
	if v := q.Get("since"); v != "" {
		t, ok := parseTime(v)
		if !ok {
			return nil, badRequest("Since is not a valid date-time.")
		}
		since = t.Unix()
	}
	if v := q.Get("until"); v != "" {
		t, ok := parseTime(v)
		if !ok {
			return nil, badRequest("Until is not a valid date-time.")
		}
		until = min(until, t.Unix())
	}
	overview := q.Get("is_overview") == "true"
	var sel []*org.LogEntry
	for i := len(inc.LogEntries) - 1; i >= 0; i-- { // newest first
		e := &inc.LogEntries[i]
		if at := e.At.Unix(); at < since || at >= until || overview && !overviewTypes[e.Type] {
			continue
		}
		sel = append(sel, e)
	}
	r := s.renderer(q, now)
	return s.list("log_entries", p, len(sel), func(i int) any { return r.logEntry(inc, sel[i]) }), nil
}

func (s *Server) listLogEntries(q url.Values, now int64) (any, *httpErr) {
	p, err := parsePage(q, 25, 100, s.opts.OffsetCap)
	if err != nil {
		return nil, err
	}
	since, until, err := dateRange(q, now, false)
	if err != nil {
		return nil, err
	}
	until = min(until, now+1)
	teams := set(multi(q, "team_ids"))
	overview := q.Get("is_overview") == "true"
	lo, hi := s.ix.entriesAt(since, until)
	o := s.ix.org
	var sel []entryRef
	if teams != nil || overview {
		for k := hi - 1; k >= lo; k-- {
			e := s.ix.entries[k]
			if teams != nil && !teams[o.Incidents[e.inc].TeamID] || overview && !overviewTypes[s.ix.entry(e).Type] {
				continue
			}
			sel = append(sel, e)
		}
	}
	r := s.renderer(q, now)
	n := hi - lo
	at := func(i int) entryRef { return s.ix.entries[hi-1-i] } // newest first
	if sel != nil || teams != nil || overview {
		n = len(sel)
		at = func(i int) entryRef { return sel[i] }
	}
	return s.list("log_entries", p, n, func(i int) any {
		e := at(i)
		return r.logEntry(&o.Incidents[e.inc], s.ix.entry(e))
	}), nil
}

func (s *Server) listServices(q url.Values, now int64) (any, *httpErr) {
	p, err := parsePage(q, 25, 100, s.opts.OffsetCap)
	if err != nil {
		return nil, err
	}
	teams := set(multi(q, "team_ids"))
	var sel []*org.Service
	for i := range s.ix.org.Services {
		sv := &s.ix.org.Services[i]
		if teams == nil || teams[sv.TeamID] {
			sel = append(sel, sv)
		}
	}
	r := s.renderer(q, now)
	return s.list("services", p, len(sel), func(i int) any { return r.service(sel[i]) }), nil
}

func (s *Server) listTeams(q url.Values, now int64) (any, *httpErr) {
	p, err := parsePage(q, 25, 100, s.opts.OffsetCap)
	if err != nil {
		return nil, err
	}
	r := s.renderer(q, now)
	ts := s.ix.org.Teams
	return s.list("teams", p, len(ts), func(i int) any { return r.team(&ts[i]) }), nil
}

func (s *Server) listUsers(q url.Values, now int64) (any, *httpErr) {
	p, err := parsePage(q, 25, 100, s.opts.OffsetCap)
	if err != nil {
		return nil, err
	}
	teams := set(multi(q, "team_ids"))
	var sel []*org.User
	for i := range s.ix.org.Users {
		u := &s.ix.org.Users[i]
		if u.ID != "" && (teams == nil || teams[u.TeamID]) {
			sel = append(sel, u)
		}
	}
	r := s.renderer(q, now)
	return s.list("users", p, len(sel), func(i int) any { return r.user(sel[i]) }), nil
}

func (s *Server) listPriorities(q url.Values, now int64) (any, *httpErr) {
	p, err := parsePage(q, 25, 100, s.opts.OffsetCap)
	if err != nil {
		return nil, err
	}
	r := s.renderer(q, now)
	ps := s.ix.org.Priorities
	return s.list("priorities", p, len(ps), func(i int) any { return r.priority(&ps[i], true) }), nil
}
