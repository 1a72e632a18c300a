// Package pagerduty simulates the PagerDuty REST API v2 over a generated
// organization (simulate/org), so that the ingester can be proven without
// PagerDuty. It is an http.Handler:
//
//	sim, err := pagerduty.New(pagerduty.Options{Org: o, Tokens: []string{"t0ken"}})
//	srv := httptest.NewServer(sim)
//
// Endpoints: GET /incidents, /incidents/{id}, /incidents/{id}/log_entries,
// /log_entries, /services, /teams, /priorities, /users (and /services/{id},
// /teams/{id}, /users/{id}, /priorities/{id}... are not served).
//
// It behaves like the real service where an ingester can tell: token
// authentication (401 with PagerDuty's error body), classic offset pagination
// with limit ≤ 100, more, and total only when total=true; the 10,000 cap on
// offset+limit (400, code 2002 "Arguments Caused Error"); since/until on created_at with the 6-month maximum
// window (400) and date_range=all; 960 requests a minute per token with the
// ratelimit-limit/-remaining/-reset headers and 429s. Faults can be injected:
// 5xx responses, slow responses, bodies cut short by a dropped connection,
// JSON cut short in a well-framed response, unknown enum values, and list
// items that shift between pages.
//
// The organization is served as of the simulator's clock (Options.Now):
// incidents created later do not exist yet, and log entries after now (with
// the status changes they cause) are hidden. Advancing the clock makes new
// incidents appear and open ones change.
package pagerduty

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aftermath-sre/aftermath/simulate/org"
)

// DefaultRateLimit is PagerDuty's REST API limit per token and minute.
const DefaultRateLimit = 960

// MaxOffset is PagerDuty's cap on offset+limit for classic pagination.
const MaxOffset = 10000

// Options configure New.
type Options struct {
	// Org is the organization served. Required.
	Org *org.Org
	// Now is the simulator's data clock: the org is served as of this time.
	// Nil means a fixed clock at Org.End.
	Now func() time.Time
	// Clock is the wall clock of the rate limiter and slow responses; nil
	// means time.Now.
	Clock func() time.Time
	// Tokens are the accepted API tokens; empty means any non-empty token.
	Tokens []string
	// RateLimit is requests per minute per token: 0 means DefaultRateLimit,
	// negative means unlimited.
	RateLimit int
	// BaseURL is the API's own URL, used in "self" links; default
	// https://api.pagerduty.com.
	BaseURL string
	// OffsetCap is the cap on offset+limit; 0 means MaxOffset. Tests lower
	// it to exercise window splitting on small orgs.
	OffsetCap int
	// Faults are the injected failures; the zero value injects none.
	Faults Faults
	// Seed seeds the fault injection.
	Seed uint64
	// Logger logs requests at debug level; nil discards.
	Logger *slog.Logger
}

// Faults are injected failures. Rates are probabilities in [0, 1] per
// response (per item for UnknownEnumRate, decided once per item so that an
// item always looks the same).
type Faults struct {
	// TooManyRequestsRate answers 429 with a reset of 1-60 s, as when other
	// clients of the same token spend the budget (a 429 storm).
	TooManyRequestsRate float64
	ServerErrorRate     float64       // answer 500, 502, 503 or 504
	SlowRate            float64       // delay the answer by SlowDelay
	SlowDelay           time.Duration // default 2s
	TruncateRate        float64       // declare the full length, send part of the body, drop the connection
	MalformedRate       float64       // send a well-framed 200 whose JSON is cut short
	UnknownEnumRate     float64       // incidents and log entries with enum values the spec does not know
	ShiftRate           float64       // list pages served as if items had moved by a few positions
}

// Server is the simulator. It is safe for concurrent use.
type Server struct {
	opts    Options
	ix      *index
	baseURL string
	htmlURL string
	log     *slog.Logger
	tokens  map[string]bool

	mu      sync.Mutex
	rng     *rand.Rand
	windows map[string]*rateWindow

	statsMu  sync.Mutex
	requests map[string]int // by endpoint template
}

type rateWindow struct {
	start time.Time
	count int
}

var _ http.Handler = (*Server)(nil)

// New builds a simulator serving opts.Org.
func New(opts Options) (*Server, error) {
	if opts.Org == nil {
		return nil, errors.New("pagerduty simulator: no organization")
	}
	if opts.Now == nil {
		end := opts.Org.End
		opts.Now = func() time.Time { return end }
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.RateLimit == 0 {
		opts.RateLimit = DefaultRateLimit
	}
	if opts.OffsetCap <= 0 {
		opts.OffsetCap = MaxOffset
	}
	if opts.BaseURL == "" {
		opts.BaseURL = "https://api.pagerduty.com"
	}
	if opts.Faults.SlowDelay == 0 {
		opts.Faults.SlowDelay = 2 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		opts:     opts,
		ix:       newIndex(opts.Org),
		baseURL:  strings.TrimSuffix(opts.BaseURL, "/"),
		htmlURL:  "https://simulated.pagerduty.com",
		log:      opts.Logger,
		tokens:   map[string]bool{},
		rng:      rand.New(rand.NewPCG(opts.Seed, 0x5eed)),
		windows:  map[string]*rateWindow{},
		requests: map[string]int{},
	}
	for _, t := range opts.Tokens {
		s.tokens[t] = true
	}
	return s, nil
}

// Requests returns the number of requests served per endpoint template
// (failures and 429s included).
func (s *Server) Requests() map[string]int {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	out := make(map[string]int, len(s.requests))
	for k, v := range s.requests {
		out[k] = v
	}
	return out
}

func (s *Server) incidentByID(id string) *org.Incident {
	if i, ok := s.ix.incByID[id]; ok {
		return &s.ix.org.Incidents[i]
	}
	return nil
}

// apiError writes PagerDuty's error body.
func apiError(w http.ResponseWriter, status, code int, message string, errs ...string) {
	body := map[string]any{"error": map[string]any{"code": code, "message": message}}
	if len(errs) > 0 {
		body["error"].(map[string]any)["errors"] = errs
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func endpointOf(path string) (tpl string, id string) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(segs) == 1:
		return "/" + segs[0], ""
	case len(segs) == 2 && segs[0] == "incidents":
		return "/incidents/{id}", segs[1]
	case len(segs) == 3 && segs[0] == "incidents" && segs[2] == "log_entries":
		return "/incidents/{id}/log_entries", segs[1]
	}
	return "other", ""
}

// ServeHTTP serves one API request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tpl, id := endpointOf(r.URL.Path)
	s.statsMu.Lock()
	s.requests[tpl]++
	s.statsMu.Unlock()

	token, ok := tokenOf(r.Header.Get("Authorization"))
	if !ok || (len(s.tokens) > 0 && !s.tokens[token]) {
		apiError(w, http.StatusUnauthorized, 2006, "Authentication failed", "Invalid or missing token")
		return
	}
	if !s.allow(w, token) {
		apiError(w, http.StatusTooManyRequests, 2020, "Rate Limit Exceeded")
		return
	}
	if s.chance(s.opts.Faults.TooManyRequestsRate) {
		s.mu.Lock()
		reset := 1 + s.rng.IntN(60)
		s.mu.Unlock()
		w.Header().Set("ratelimit-remaining", "0")
		w.Header().Set("ratelimit-reset", strconv.Itoa(reset))
		apiError(w, http.StatusTooManyRequests, 2020, "Rate Limit Exceeded")
		return
	}
	if r.Method != http.MethodGet {
		apiError(w, http.StatusMethodNotAllowed, 2000, "Method Not Allowed")
		return
	}
	f := s.opts.Faults
	if s.chance(f.SlowRate) {
		t := time.NewTimer(f.SlowDelay)
		select {
		case <-r.Context().Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	if s.chance(f.ServerErrorRate) {
		codes := []int{500, 502, 503, 504}
		s.mu.Lock()
		c := codes[s.rng.IntN(len(codes))]
		s.mu.Unlock()
		apiError(w, c, 5000+c%100, http.StatusText(c))
		return
	}

	now := s.opts.Now().UTC().Unix()
	var (
		body any
		err  *httpErr
	)
	q := r.URL.Query()
	switch tpl {
	case "/incidents":
		body, err = s.listIncidents(q, now)
	case "/incidents/{id}":
		body, err = s.getIncident(id, q, now)
	case "/incidents/{id}/log_entries":
		body, err = s.incidentLogEntries(id, q, now)
	case "/log_entries":
		body, err = s.listLogEntries(q, now)
	case "/services":
		body, err = s.listServices(q, now)
	case "/teams":
		body, err = s.listTeams(q, now)
	case "/users":
		body, err = s.listUsers(q, now)
	case "/priorities":
		body, err = s.listPriorities(q, now)
	default:
		err = &httpErr{status: http.StatusNotFound, code: 2100, msg: "Not Found"}
	}
	if err != nil {
		apiError(w, err.status, err.code, err.msg, err.errs...)
		return
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if e := enc.Encode(body); e != nil {
		apiError(w, http.StatusInternalServerError, 5000, "Internal Server Error")
		return
	}
	data := buf.Bytes()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	switch {
	case len(data) > 2 && s.chance(f.TruncateRate):
		// Declare the full length but send only part: the server drops the
		// connection and the client sees an unexpected EOF.
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(data[:len(data)/2])
		return
	case len(data) > 2 && s.chance(f.MalformedRate):
		data = data[:len(data)/2]
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

type httpErr struct {
	status int
	code   int
	msg    string
	errs   []string
}

func badRequest(errs ...string) *httpErr {
	return &httpErr{status: http.StatusBadRequest, code: 2001, msg: "Invalid Input Provided", errs: errs}
}

func tokenOf(h string) (string, bool) {
	switch {
	case strings.HasPrefix(h, "Token token="):
		t := strings.TrimPrefix(h, "Token token=")
		return t, t != ""
	case strings.HasPrefix(h, "Bearer "):
		t := strings.TrimPrefix(h, "Bearer ")
		return t, t != ""
	}
	return "", false
}

// allow applies the per-token rate limit (a fixed one-minute window) and sets
// the rate-limit headers.
func (s *Server) allow(w http.ResponseWriter, token string) bool {
	if s.opts.RateLimit < 0 {
		return true
	}
	now := s.opts.Clock()
	s.mu.Lock()
	win := s.windows[token]
	if win == nil || now.Sub(win.start) >= time.Minute {
		win = &rateWindow{start: now}
		s.windows[token] = win
	}
	win.count++
	count := win.count
	reset := win.start.Add(time.Minute).Sub(now)
	s.mu.Unlock()
	limit := s.opts.RateLimit
	remaining := max(limit-count, 0)
	h := w.Header()
	h.Set("ratelimit-limit", strconv.Itoa(limit))
	h.Set("ratelimit-remaining", strconv.Itoa(remaining))
	h.Set("ratelimit-reset", strconv.Itoa(int((reset+time.Second-1)/time.Second)))
	return count <= limit
}

func (s *Server) chance(p float64) bool {
	if p <= 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rng.Float64() < p
}

// unknownEnum decides once per item whether it carries unknown enum values.
func (s *Server) unknownEnum(kind, id string) bool {
	p := s.opts.Faults.UnknownEnumRate
	if p <= 0 {
		return false
	}
	h := fnv.New64a()
	_, _ = fmt.Fprintf(h, "%d/%s/%s", s.opts.Seed, kind, id)
	return float64(h.Sum64()%1_000_000)/1_000_000 < p
}

// UnknownEnumItem reports whether the simulator serves the incident or log
// entry (kind "incident" or "log_entry") with unknown enum values under the
// configured faults. Tests use it as ground truth.
func (s *Server) UnknownEnumItem(kind, id string) bool { return s.unknownEnum(kind, id) }

// shift returns the offset to serve a list page from: usually the asked one,
// under the ShiftRate fault a few positions off, as when items are added or
// removed while a client pages.
func (s *Server) shift(offset int) int {
	if !s.chance(s.opts.Faults.ShiftRate) {
		return offset
	}
	s.mu.Lock()
	d := 1 + s.rng.IntN(3)
	if s.rng.IntN(2) == 0 {
		d = -d
	}
	s.mu.Unlock()
	return max(offset+d, 0)
}
