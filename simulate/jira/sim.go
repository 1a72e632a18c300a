// Package jira simulates the parts of the Jira Cloud REST API (v2 and v3)
// that Aftermath reads, serving a generated organization (simulate/org):
// postmortems are issues of type "Postmortem" in project PM (Draft → In
// Review → Published) and action items are Tasks in project ACT linked to
// them.
//
// Endpoints, under /rest/api/2 and /rest/api/3:
//
//	GET search/jql              JQL subset, nextPageToken paging, fields, expand=changelog
//	GET issue/{key}             one issue
//	GET issue/{key}/changelog   the full changelog, oldest first, paged by startAt
//	GET field                   system and custom fields (severity, team, incident, target date)
//	GET status                  workflow statuses with their categories
//	GET myself                  the authenticated user, with the time zone JQL dates use
//	DELETE issue/{key}          deletes the issue (204): it answers 404 and search omits it from then on
//	*   search                      410 Gone, as on Jira Cloud since the old search was removed
//
// The organization is served as of Options.Now: issues created later do not
// exist, and status, fields and changelog are those at that instant (linking
// an action item is recorded in its postmortem's changelog, as Jira does). v2
// descriptions are Jira wiki markup, v3 descriptions ADF. Date-times carry the
// authenticated user's UTC offset, as Jira's do. The server enforces basic or
// bearer auth and, like Jira Cloud, a request budget by default (429 with
// Retry-After; Options.RequestsPerMinute), and injects faults. Issues can be
// deleted or moved to another issue type while it serves (changes.go).
package jira

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aftermath-sre/aftermath/simulate/org"
)

// Project keys, issue types and custom fields of the simulated site.
const (
	ProjectPostmortems = "PM"
	ProjectActions     = "ACT"
	TypePostmortem     = "Postmortem"
	TypeTask           = "Task"

	FieldSeverity   = "customfield_10040" // select: "SEV1".."SEV5"
	FieldTeam       = "customfield_10041" // select: the team slug
	FieldIncident   = "customfield_10042" // text: comma-separated PagerDuty incident ids (LinkField)
	FieldTargetDate = "customfield_10043" // date: same value as duedate

	// LinkTypeName is the issue link type between a postmortem and its
	// action items: "PM-1 has action item ACT-3", "ACT-3 is action item of PM-1".
	LinkTypeName    = "Postmortem"
	LinkTypeInward  = "is action item of"
	LinkTypeOutward = "has action item"
)

// How a postmortem names its incidents.
const (
	LinkLabel       = "label"       // a label IncidentLabelPrefix + incident id
	LinkField       = "field"       // FieldIncident holds the ids
	LinkDescription = "description" // the incident URLs open the description
)

// MaxPageSize caps maxResults of search/jql and of the changelog endpoint.
const MaxPageSize = 100

// DefaultRequestsPerMinute is the request budget when Options leave it at
// zero: 50 requests a second. Atlassian does not publish its numbers; API
// token traffic meets a per-second burst limit (RateLimit-Reason
// jira-burst-based), which this stands for.
const DefaultRequestsPerMinute = 3000

// removedSearch is what Jira Cloud answers GET or POST /rest/api/{2,3}/search
// with since the old search was removed (CHANGE-2046): 410 Gone.
const removedSearch = "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. " +
	"A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"

// Options configure the simulator. Org is required.
type Options struct {
	Org *org.Org
	// Now is the simulated present; the org is served as of Now(). Nil
	// means Org.End.
	Now func() time.Time

	// Credentials: basic auth with Email and APIToken, or a bearer token.
	// A method whose credentials are empty is refused.
	Email       string
	APIToken    string
	BearerToken string

	// AccountID is the authenticated user's Jira account id; empty means
	// the first user of the org. TimeZone overrides that user's time zone
	// (IANA name); JQL dates are read in it and date-times are written with
	// its offset.
	AccountID string
	TimeZone  string

	// IncidentLink is LinkLabel (default), LinkField or LinkDescription.
	IncidentLink        string
	IncidentLabelPrefix string // default "pd-"
	IncidentURLBase     string // default "https://aftermath.pagerduty.com/incidents/"
	// TeamLabelPrefix: every issue carries the label TeamLabelPrefix+slug;
	// default "team-".
	TeamLabelPrefix string

	// ChangelogMax is how many histories expand=changelog embeds (the most
	// recent ones); default 100 as in Jira Cloud.
	ChangelogMax int

	// RequestsPerMinute is the request budget, on by default as on the
	// real service: 0 means DefaultRequestsPerMinute, a negative value no
	// limit. It is refilled continuously with bursts of up to Burst
	// requests (default a tenth of the budget, at least 1). Over budget:
	// 429 with Retry-After.
	RequestsPerMinute int
	Burst             int
	// Clock is the wall clock of the request budget; nil means time.Now.
	Clock func() time.Time

	// BaseURL is used in self links; empty means http://<request Host>.
	BaseURL string

	Faults Faults
	Logger *slog.Logger
}

// Faults make the simulator misbehave like a real, busy Jira. Rates are
// probabilities per request (per issue for UnknownEnumRate).
type Faults struct {
	Seed            int64
	ServerErrorRate float64       // 500, 502, 503 or 504
	SlowRate        float64       // respond after SlowDelay
	SlowDelay       time.Duration // default 2s
	TruncateRate    float64       // announce the full length, send half the body, drop the connection
	MalformedRate   float64       // a well-framed 200 whose JSON is cut short
	ShortPageRate   float64       // search returns fewer issues than maxResults (as Jira may)
	ShiftRate       float64       // a search page starts 1-3 issues early (items moved between pages)
	RateLimitRate   float64       // 429 with Retry-After: 1 regardless of the budget
	// UnknownEnumRate marks issues (by key, deterministically) whose status
	// category is Jira's "undefined" category and whose priority has a name
	// outside Jira's defaults; see UnknownEnum.
	UnknownEnumRate float64
}

// Server is the simulator; it is an http.Handler.
type Server struct {
	opts   Options
	org    *org.Org
	now    func() time.Time
	clock  func() time.Time
	logger *slog.Logger
	me     *org.User
	loc    *time.Location
	tzName string

	issues   []*issue // postmortems then action items
	byKey    map[string]*issue
	byID     map[string]*issue
	users    map[string]*org.User // by Jira account id
	userByID map[string]*org.User // by PagerDuty user id
	teams    map[string]*org.Team
	statusBy map[string]org.JiraStatus // by id and by name

	mu       sync.Mutex
	rng      *rand.Rand
	tokens   float64
	lastFill time.Time
	counts   map[string]int
	cache    []cachedSearch
	// nextChange numbers the changelog entries of moves; changeGen counts
	// deletes and moves, which invalidate cached searches (changes.go).
	nextChange int64
	changeGen  uint64
}

type cachedSearch struct {
	jql  string
	now  time.Time
	keys []*issue
}

var _ http.Handler = (*Server)(nil)

// New builds a simulator for opts.Org.
func New(opts Options) (*Server, error) {
	if opts.Org == nil {
		return nil, errors.New("jira simulator: no org")
	}
	o := opts.Org
	if opts.IncidentLink == "" {
		opts.IncidentLink = LinkLabel
	}
	switch opts.IncidentLink {
	case LinkLabel, LinkField, LinkDescription:
	default:
		return nil, fmt.Errorf("jira simulator: unknown incident link mode %q", opts.IncidentLink)
	}
	if opts.IncidentLabelPrefix == "" {
		opts.IncidentLabelPrefix = "pd-"
	}
	if opts.IncidentURLBase == "" {
		opts.IncidentURLBase = "https://aftermath.pagerduty.com/incidents/"
	}
	if opts.TeamLabelPrefix == "" {
		opts.TeamLabelPrefix = "team-"
	}
	if opts.ChangelogMax <= 0 {
		opts.ChangelogMax = 100
	}
	if opts.Faults.SlowDelay <= 0 {
		opts.Faults.SlowDelay = 2 * time.Second
	}
	if opts.RequestsPerMinute == 0 {
		opts.RequestsPerMinute = DefaultRequestsPerMinute
	}
	if opts.Burst <= 0 {
		opts.Burst = max(1, opts.RequestsPerMinute/10)
	}
	s := &Server{
		opts:     opts,
		org:      o,
		now:      opts.Now,
		clock:    opts.Clock,
		logger:   opts.Logger,
		byKey:    map[string]*issue{},
		byID:     map[string]*issue{},
		users:    map[string]*org.User{},
		userByID: map[string]*org.User{},
		teams:    map[string]*org.Team{},
		statusBy: map[string]org.JiraStatus{},
		rng:      rand.New(rand.NewPCG(uint64(opts.Faults.Seed), 0x6a697261)),
		counts:   map[string]int{},
	}
	if s.now == nil {
		end := o.End
		s.now = func() time.Time { return end }
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	for i := range o.Users {
		u := &o.Users[i]
		s.users[u.JiraAccountID] = u
		s.userByID[u.ID] = u
	}
	if o.Automation.JiraAccountID != "" {
		s.users[o.Automation.JiraAccountID] = &o.Automation
	}
	for i := range o.Teams {
		s.teams[o.Teams[i].ID] = &o.Teams[i]
	}
	for _, st := range org.JiraStatuses() {
		s.statusBy[st.ID] = st
		s.statusBy[strings.ToLower(st.Name)] = st
	}
	switch {
	case opts.AccountID != "":
		s.me = s.users[opts.AccountID]
		if s.me == nil {
			return nil, fmt.Errorf("jira simulator: account %q is not a user of the org", opts.AccountID)
		}
	case len(o.Users) > 0:
		s.me = &o.Users[0]
	default:
		return nil, errors.New("jira simulator: org has no users")
	}
	s.tzName = s.me.TimeZone
	if opts.TimeZone != "" {
		s.tzName = opts.TimeZone
	}
	if s.tzName == "" {
		s.tzName = "UTC"
	}
	loc, err := time.LoadLocation(s.tzName)
	if err != nil {
		return nil, fmt.Errorf("jira simulator: time zone %q: %w", s.tzName, err)
	}
	s.loc = loc
	s.tokens = float64(opts.Burst)
	if err := s.buildIssues(); err != nil {
		return nil, err
	}
	return s, nil
}

// Location is the time zone the simulator reads JQL dates in.
func (s *Server) Location() *time.Location { return s.loc }

// Requests returns how many requests each endpoint served (by name:
// "search", "issue", "changelog", "field", "status", "myself", "delete"), plus
// "unauthorized", "rate_limited", "fault" and "removed" (the old search,
// answered 410) counts.
func (s *Server) Requests() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

// UnknownEnum reports whether the UnknownEnumRate fault marks the issue: it
// is then served with Jira's "undefined" status category and the priority
// "Urgent".
func (s *Server) UnknownEnum(key string) bool {
	if s.opts.Faults.UnknownEnumRate <= 0 {
		return false
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%s", s.opts.Faults.Seed, key)
	return float64(h.Sum64()%1_000_000)/1_000_000 < s.opts.Faults.UnknownEnumRate
}

// Histories is how many changelog histories the issue has as of Now (0
// for an issue that does not exist then): what a client must read, between
// the search's embedded changelog and the changelog endpoint.
func (s *Server) Histories(key string) int {
	is := s.lookup(key, s.now().UTC())
	if is == nil {
		return 0
	}
	return len(is.historiesAt(s.now().UTC()))
}

// ChangelogMax is how many histories search embeds per issue.
func (s *Server) ChangelogMax() int { return s.opts.ChangelogMax }

// ExtraLabels are the labels the simulator adds to an issue beyond the
// org's own: TeamLabelPrefix+team slug, and IncidentLabelPrefix+incident id
// per incident in LinkLabel mode. They also appear in the changelog's label
// changes, as Jira would show them.
func (s *Server) ExtraLabels(key string) []string {
	if is := s.byKey[key]; is != nil {
		return slices.Clone(is.extraLabels)
	}
	return nil
}

func (s *Server) count(name string) {
	s.mu.Lock()
	s.counts[name]++
	s.mu.Unlock()
}

func (s *Server) chance(p float64) bool {
	if p <= 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rng.Float64() < p
}

func (s *Server) intN(n int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rng.IntN(n)
}

// ServeHTTP routes a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	version, rest, ok := splitAPIPath(r.URL.Path)
	if !ok {
		writeError(w, http.StatusNotFound, "No resource found for "+r.URL.Path)
		return
	}
	if rest == "search" && s.authorized(r) {
		// Removed for GET and POST alike; checked before the budget, as
		// the gateway answers it.
		s.count("removed")
		writeError(w, http.StatusGone, removedSearch)
		return
	}
	if r.Method != http.MethodGet && !(r.Method == http.MethodDelete && issuePath(rest)) {
		allow := http.MethodGet
		if issuePath(rest) {
			allow += ", " + http.MethodDelete
		}
		w.Header().Set("Allow", allow)
		writeError(w, http.StatusMethodNotAllowed, "Method "+r.Method+" is not supported by the simulator.")
		return
	}
	if !s.authorized(r) {
		s.count("unauthorized")
		w.Header().Set("WWW-Authenticate", `Basic realm="protected-area"`)
		writeError(w, http.StatusUnauthorized, "You are not authenticated. Authentication required to perform this operation.")
		return
	}
	if wait, limited := s.takeToken(); limited {
		s.count("rate_limited")
		s.writeRateLimited(w, wait)
		return
	}
	if s.chance(s.opts.Faults.RateLimitRate) {
		s.count("rate_limited")
		s.writeRateLimited(w, time.Second)
		return
	}
	if s.chance(s.opts.Faults.SlowRate) {
		select {
		case <-time.After(s.opts.Faults.SlowDelay):
		case <-r.Context().Done():
			return
		}
	}
	if s.chance(s.opts.Faults.ServerErrorRate) {
		s.count("fault")
		writeServerError(w, s.intN(4))
		return
	}
	d := &dispatch{s: s, v: version, base: s.baseURL(r), now: s.now().UTC()}
	var (
		status = http.StatusOK
		body   any
		name   string
	)
	switch {
	case rest == "search/jql":
		name = "search"
		status, body = d.search(r)
	case rest == "field":
		name = "field"
		body = d.fields()
	case rest == "status":
		name = "status"
		body = d.statuses()
	case rest == "myself":
		name = "myself"
		body = d.user(s.me, true)
	case strings.HasPrefix(rest, "issue/"):
		parts := strings.Split(strings.TrimPrefix(rest, "issue/"), "/")
		switch {
		case len(parts) == 1 && parts[0] != "" && r.Method == http.MethodDelete:
			name = "delete"
			status, body = d.deleteIssue(r, parts[0])
		case len(parts) == 1 && parts[0] != "":
			name = "issue"
			status, body = d.issue(r, parts[0])
		case len(parts) == 2 && parts[1] == "changelog":
			name = "changelog"
			status, body = d.changelog(r, parts[0])
		}
	}
	if name == "" {
		writeError(w, http.StatusNotFound, "No resource found for "+r.URL.Path)
		return
	}
	s.count(name)
	s.logger.Debug("request", "source", "jira-simulator", "endpoint", name, "api", version, "status", status)
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	buf, err := json.Marshal(body)
	if err != nil {
		s.logger.Error("encode response", "source", "jira-simulator", "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, "Internal server error")
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(buf)))
	if status == http.StatusOK && s.chance(s.opts.Faults.TruncateRate) {
		s.count("fault")
		w.WriteHeader(status)
		_, _ = w.Write(buf[:len(buf)/2])
		// The handler returns with fewer bytes than announced: net/http
		// closes the connection and the client sees an unexpected EOF.
		return
	}
	if status == http.StatusOK && s.chance(s.opts.Faults.MalformedRate) {
		s.count("fault")
		buf = buf[:len(buf)/2]
		w.Header().Set("Content-Length", strconv.Itoa(len(buf)))
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf)
}

// issuePath reports whether rest (below the API root) names one issue.
func issuePath(rest string) bool {
	key, ok := strings.CutPrefix(rest, "issue/")
	return ok && key != "" && !strings.Contains(key, "/")
}

// splitAPIPath splits "/rest/api/3/issue/PM-1" into 3 and "issue/PM-1".
func splitAPIPath(p string) (int, string, bool) {
	for _, v := range []int{2, 3} {
		prefix := "/rest/api/" + strconv.Itoa(v) + "/"
		if strings.HasPrefix(p, prefix) {
			return v, strings.TrimSuffix(strings.TrimPrefix(p, prefix), "/"), true
		}
	}
	return 0, "", false
}

func (s *Server) baseURL(r *http.Request) string {
	if s.opts.BaseURL != "" {
		return strings.TrimSuffix(s.opts.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	if email, token, ok := r.BasicAuth(); ok {
		return s.opts.Email != "" && s.opts.APIToken != "" && email == s.opts.Email && token == s.opts.APIToken
	}
	if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
		return s.opts.BearerToken != "" && strings.TrimSpace(tok) == s.opts.BearerToken
	}
	return false
}

// takeToken spends one request of the budget; when none is left it returns
// how long until one is.
func (s *Server) takeToken() (time.Duration, bool) {
	if s.opts.RequestsPerMinute < 0 {
		return 0, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	rate := float64(s.opts.RequestsPerMinute) / 60 // per second
	if !s.lastFill.IsZero() {
		s.tokens = math.Min(float64(s.opts.Burst), s.tokens+now.Sub(s.lastFill).Seconds()*rate)
	}
	s.lastFill = now
	if s.tokens >= 1 {
		s.tokens--
		return 0, false
	}
	return time.Duration((1 - s.tokens) / rate * float64(time.Second)), true
}

func (s *Server) writeRateLimited(w http.ResponseWriter, wait time.Duration) {
	secs := int(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	h := w.Header()
	h.Set("Retry-After", strconv.Itoa(secs))
	h.Set("X-RateLimit-Limit", strconv.Itoa(max(s.opts.RequestsPerMinute, 1)))
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset", s.clock().UTC().Add(time.Duration(secs)*time.Second).Format("2006-01-02T15:04Z"))
	h.Set("RateLimit-Reason", "jira-burst-based")
	writeError(w, http.StatusTooManyRequests, "Rate limit exceeded.")
}

// errorBody is Jira's error collection.
type errorBody struct {
	ErrorMessages []string          `json:"errorMessages"`
	Errors        map[string]string `json:"errors"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	buf, _ := json.Marshal(errorBody{ErrorMessages: []string{msg}, Errors: map[string]string{}})
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf)
}

func writeServerError(w http.ResponseWriter, which int) {
	switch which {
	case 0:
		writeError(w, http.StatusInternalServerError, "Internal server error")
	case 1:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1></body></html>")
	case 2:
		writeError(w, http.StatusServiceUnavailable, "Service Unavailable")
	default:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusGatewayTimeout)
		_, _ = io.WriteString(w, "<html><body><h1>504 Gateway Time-out</h1></body></html>")
	}
}

// dispatch serves one request.
type dispatch struct {
	s    *Server
	v    int
	base string
	now  time.Time
}

func (d *dispatch) api() string { return d.base + "/rest/api/" + strconv.Itoa(d.v) }

// searchResult is the body of search/jql.
type searchResult struct {
	Issues        []map[string]any `json:"issues"`
	NextPageToken string           `json:"nextPageToken,omitempty"`
	IsLast        bool             `json:"isLast"`
}

type pageToken struct {
	Offset int    `json:"o"`
	Query  uint64 `json:"q"`
}

func (d *dispatch) search(r *http.Request) (int, any) {
	q := r.URL.Query()
	jql := q.Get("jql")
	maxResults := 50
	if m := q.Get("maxResults"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 0 {
			return http.StatusBadRequest, errorBody{ErrorMessages: []string{"The value '" + m + "' is invalid for maxResults."}, Errors: map[string]string{}}
		}
		maxResults = n
	}
	// The spec leaves maxResults=0 undefined; Jira overrides page sizes
	// outside its limits, and a page of 0 would hand out a token to the
	// same offset (a client following it loops), so it is served as 1.
	// Every token points past the page it ends.
	maxResults = min(max(maxResults, 1), MaxPageSize)
	parsed, err := parseJQL(jql, d.s.loc, d.now)
	if err != nil {
		return http.StatusBadRequest, errorBody{ErrorMessages: []string{err.Error()}, Errors: map[string]string{}}
	}
	qh := hashString(jql)
	offset := 0
	if t := q.Get("nextPageToken"); t != "" {
		tok, ok := decodeToken(t)
		if !ok || tok.Query != qh {
			return http.StatusBadRequest, errorBody{ErrorMessages: []string{"The provided next page token is invalid or expired."}, Errors: map[string]string{}}
		}
		offset = tok.Offset
		if d.s.chance(d.s.opts.Faults.ShiftRate) {
			offset = max(0, offset-1-d.s.intN(3))
		}
	}
	matches := d.s.match(jql, parsed, d.now)
	n := maxResults
	if n > 1 && d.s.chance(d.s.opts.Faults.ShortPageRate) {
		n = 1 + d.s.intN(n-1)
	}
	end := min(len(matches), offset+n)
	sel := newFieldSelection(q["fields"], "id")
	expand := expandSet(q.Get("expand"))
	res := searchResult{Issues: []map[string]any{}}
	for _, is := range matches[min(offset, len(matches)):end] {
		res.Issues = append(res.Issues, d.render(is, sel, expand))
	}
	if end < len(matches) {
		res.NextPageToken = encodeToken(pageToken{Offset: end, Query: qh})
	} else {
		res.IsLast = true
	}
	return http.StatusOK, res
}

func (d *dispatch) issue(r *http.Request, idOrKey string) (int, any) {
	is := d.s.lookup(idOrKey, d.now)
	if is == nil {
		return http.StatusNotFound, errorBody{ErrorMessages: []string{"Issue does not exist or you do not have permission to see it."}, Errors: map[string]string{}}
	}
	q := r.URL.Query()
	return http.StatusOK, d.render(is, newFieldSelection(q["fields"], "*all"), expandSet(q.Get("expand")))
}

// changelogPage is the body of issue/{key}/changelog.
type changelogPage struct {
	Self       string           `json:"self"`
	NextPage   string           `json:"nextPage,omitempty"`
	MaxResults int              `json:"maxResults"`
	StartAt    int              `json:"startAt"`
	Total      int              `json:"total"`
	IsLast     bool             `json:"isLast"`
	Values     []map[string]any `json:"values"`
}

func (d *dispatch) changelog(r *http.Request, idOrKey string) (int, any) {
	is := d.s.lookup(idOrKey, d.now)
	if is == nil {
		return http.StatusNotFound, errorBody{ErrorMessages: []string{"Issue does not exist or you do not have permission to see it."}, Errors: map[string]string{}}
	}
	q := r.URL.Query()
	startAt, maxResults := 0, MaxPageSize
	for name, dst := range map[string]*int{"startAt": &startAt, "maxResults": &maxResults} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return http.StatusBadRequest, errorBody{ErrorMessages: []string{"The value '" + v + "' is invalid for " + name + "."}, Errors: map[string]string{}}
			}
			*dst = n
		}
	}
	maxResults = min(max(maxResults, 1), MaxPageSize)
	hs := is.historiesAt(d.now)
	end := min(len(hs), startAt+maxResults)
	page := changelogPage{
		Self:       fmt.Sprintf("%s/issue/%s/changelog?startAt=%d&maxResults=%d", d.api(), is.key, startAt, maxResults),
		MaxResults: maxResults,
		StartAt:    startAt,
		Total:      len(hs),
		IsLast:     end >= len(hs),
		Values:     []map[string]any{},
	}
	if !page.IsLast {
		page.NextPage = fmt.Sprintf("%s/issue/%s/changelog?startAt=%d&maxResults=%d", d.api(), is.key, end, maxResults)
	}
	for _, h := range hs[min(startAt, len(hs)):end] {
		page.Values = append(page.Values, d.history(h))
	}
	return http.StatusOK, page
}

// match evaluates a query as of now; results are cached per (jql, now)
// so that paging a fixed clock does not re-evaluate the whole org.
func (s *Server) match(jql string, q *query, now time.Time) []*issue {
	s.mu.Lock()
	for _, c := range s.cache {
		if c.jql == jql && c.now.Equal(now) {
			s.mu.Unlock()
			return c.keys
		}
	}
	gen := s.changeGen
	s.mu.Unlock()
	var out []*issue
	for _, is := range s.issues {
		if is.created.After(now) || is.deleted() {
			continue
		}
		if s.eval(q.where, is, now) {
			out = append(out, is)
		}
	}
	order := q.order
	if len(order) == 0 {
		order = []orderKey{{field: "created", desc: true}}
	}
	upd := map[*issue]time.Time{}
	for _, is := range out {
		upd[is] = is.updatedAt(now)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		for _, k := range order {
			var c int
			switch k.field {
			case "updated":
				c = upd[a].Compare(upd[b])
			case "created":
				c = a.created.Compare(b.created)
			case "key":
				c = compareKeys(a, b)
			}
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c < 0
			}
		}
		return compareKeys(a, b) < 0
	})
	s.mu.Lock()
	// A result computed while an issue was deleted or moved may be stale:
	// it serves this request, not later ones.
	if gen == s.changeGen {
		s.cache = append(s.cache, cachedSearch{jql: jql, now: now, keys: out})
		if len(s.cache) > 8 {
			s.cache = s.cache[1:]
		}
	}
	s.mu.Unlock()
	return out
}

func compareKeys(a, b *issue) int {
	if c := strings.Compare(a.project, b.project); c != 0 {
		return c
	}
	return a.num - b.num
}

func (s *Server) eval(n node, is *issue, now time.Time) bool {
	switch n := n.(type) {
	case andNode:
		return s.eval(n.a, is, now) && s.eval(n.b, is, now)
	case orNode:
		return s.eval(n.a, is, now) || s.eval(n.b, is, now)
	case notNode:
		return !s.eval(n.x, is, now)
	case clauseNode:
		if isDateField(n.field) {
			t := is.created
			if n.field == "updated" {
				t = is.updatedAt(now)
			}
			switch n.op {
			case "=":
				return t.Equal(n.at)
			case "!=":
				return !t.Equal(n.at)
			case ">":
				return t.After(n.at)
			case ">=":
				return !t.Before(n.at)
			case "<":
				return t.Before(n.at)
			case "<=":
				return !t.After(n.at)
			}
			return false
		}
		has := s.clauseValues(n.field, is, now)
		hit := false
		for _, v := range n.values {
			if slices.ContainsFunc(has, func(h string) bool { return strings.EqualFold(h, v) }) {
				hit = true
				break
			}
		}
		if n.op == "!=" || n.op == "not in" {
			return !hit
		}
		return hit
	}
	return false
}

// clauseValues lists what an issue matches for a text field.
func (s *Server) clauseValues(field string, is *issue, now time.Time) []string {
	switch field {
	case "project":
		if is.project == ProjectPostmortems {
			return []string{ProjectPostmortems, "10000", "Postmortems"}
		}
		return []string{ProjectActions, "10001", "Action Items"}
	case "issuetype":
		id, name := is.issueType(now)
		return []string{name, id}
	case "labels":
		return s.stateAt(is, now).labels
	case "issueLinkType":
		if is.pm != nil {
			for _, k := range is.pm.ActionItemKeys {
				if a := s.byKey[k]; a != nil && !a.created.After(now) && !a.deleted() {
					return []string{LinkTypeOutward}
				}
			}
			return nil
		}
		if p := s.byKey[is.ai.PostmortemKey]; p != nil && p.deleted() {
			return nil // a deleted issue's links are gone
		}
		return []string{LinkTypeInward}
	case "key":
		return []string{is.key, is.id}
	case "status":
		st := s.stateAt(is, now).status
		return []string{st.Name, st.ID}
	case "statusCategory":
		st := s.stateAt(is, now).status
		cat := categories[st.Category]
		return []string{cat.Name, cat.Key, strconv.Itoa(cat.ID)}
	}
	return nil
}

func (s *Server) lookup(idOrKey string, now time.Time) *issue {
	is := s.byKey[strings.ToUpper(idOrKey)]
	if is == nil {
		is = s.byID[idOrKey]
	}
	if is == nil || is.created.After(now) || is.deleted() {
		return nil
	}
	return is
}

func hashString(s string) uint64 {
	h := fnv.New64a()
	_, _ = io.WriteString(h, s)
	return h.Sum64()
}

func encodeToken(t pageToken) string {
	buf, _ := json.Marshal(t)
	return base64URL(buf)
}

func decodeToken(s string) (pageToken, bool) {
	buf, ok := unbase64URL(s)
	if !ok {
		return pageToken{}, false
	}
	var t pageToken
	if err := json.Unmarshal(buf, &t); err != nil || t.Offset < 0 {
		return pageToken{}, false
	}
	return t, true
}

// fieldSelection is the parsed fields parameter.
type fieldSelection struct {
	all      bool
	include  map[string]bool
	exclude  map[string]bool
	onlyIDKy bool
}

func newFieldSelection(params []string, def string) fieldSelection {
	var names []string
	for _, p := range params {
		for _, f := range strings.Split(p, ",") {
			if f = strings.TrimSpace(f); f != "" {
				names = append(names, f)
			}
		}
	}
	if len(names) == 0 {
		names = []string{def}
	}
	sel := fieldSelection{include: map[string]bool{}, exclude: map[string]bool{}}
	for _, n := range names {
		switch {
		case n == "*all" || n == "*navigable":
			sel.all = true
		case strings.HasPrefix(n, "-"):
			sel.exclude[n[1:]] = true
		default:
			sel.include[n] = true
		}
	}
	// "-description" alone means navigable fields except description.
	if !sel.all && len(sel.include) == 0 {
		sel.all = true
	}
	return sel
}

func (f fieldSelection) wants(name string) bool {
	if f.exclude[name] {
		return false
	}
	return f.all || f.include[name]
}

func expandSet(s string) map[string]bool {
	out := map[string]bool{}
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out[e] = true
		}
	}
	return out
}
