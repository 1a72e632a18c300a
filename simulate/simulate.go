// Package simulate serves one generated organization through both simulated
// APIs on one listener: Jira Cloud under /rest/api/, PagerDuty's REST API at
// the root (their paths do not collide). `aftermath simulate` and
// `aftermath demo` use it; the ingesters' tests use the two simulators
// directly.
package simulate

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	jirasim "github.com/aftermath-sre/aftermath/simulate/jira"
	"github.com/aftermath-sre/aftermath/simulate/org"
	pdsim "github.com/aftermath-sre/aftermath/simulate/pagerduty"
)

// Options configure New.
type Options struct {
	Org *org.Org
	// Now is the simulated present of both APIs; nil serves the org as of its End.
	Now func() time.Time
	// BaseURL is where the simulator is reached, for self links.
	BaseURL string

	PagerDutyToken     string
	PagerDutyRateLimit int // requests per minute per token; 0 = PagerDuty's 960, negative = unlimited
	PagerDutyFaults    pdsim.Faults

	JiraEmail        string
	JiraToken        string
	JiraTimeZone     string // the Jira user's time zone; "" = the org user's own
	JiraIncidentLink string // label, field or description
	JiraRateLimit    int    // requests per minute; 0 = jirasim.DefaultRequestsPerMinute, negative = unlimited
	JiraFaults       jirasim.Faults

	Logger *slog.Logger
}

// Server serves both simulators.
type Server struct {
	PagerDuty *pdsim.Server
	Jira      *jirasim.Server
}

// New builds both simulators over opts.Org.
func New(opts Options) (*Server, error) {
	pd, err := pdsim.New(pdsim.Options{
		Org: opts.Org, Now: opts.Now, Tokens: nonEmpty(opts.PagerDutyToken), RateLimit: opts.PagerDutyRateLimit,
		BaseURL: opts.BaseURL, Faults: opts.PagerDutyFaults, Seed: uint64(opts.Org.Options.Seed), Logger: opts.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("simulate: pagerduty: %w", err)
	}
	j, err := jirasim.New(jirasim.Options{
		Org: opts.Org, Now: opts.Now, Email: opts.JiraEmail, APIToken: opts.JiraToken, TimeZone: opts.JiraTimeZone,
		IncidentLink: opts.JiraIncidentLink, RequestsPerMinute: opts.JiraRateLimit, BaseURL: opts.BaseURL,
		Faults: opts.JiraFaults, Logger: opts.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("simulate: jira: %w", err)
	}
	return &Server{PagerDuty: pd, Jira: j}, nil
}

// ServeHTTP routes /rest/ to Jira and everything else to PagerDuty.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/rest/") {
		s.Jira.ServeHTTP(w, r)
		return
	}
	s.PagerDuty.ServeHTTP(w, r)
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}
