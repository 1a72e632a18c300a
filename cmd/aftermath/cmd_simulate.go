package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aftermath-sre/aftermath/simulate"
	jirasim "github.com/aftermath-sre/aftermath/simulate/jira"
	"github.com/aftermath-sre/aftermath/simulate/org"
	pdsim "github.com/aftermath-sre/aftermath/simulate/pagerduty"
)

// simFlags are the simulator's settings, shared by `simulate` and `demo`.
type simFlags struct {
	seed       int64
	scale      string
	ahead      time.Duration
	pdToken    string
	jiraEmail  string
	jiraToken  string
	jiraTZ     string
	linkMode   string
	rateLimit  int
	faultRate  float64
	slowRate   float64
	truncRate  float64
	enumRate   float64
	shiftRate  float64
	storm429   float64
	jiraBudget int
}

// Demo credentials of the simulator: it is a local test double, not a service.
const (
	demoPagerDutyToken = "aftermath-demo-pagerduty-token"
	demoJiraEmail      = "demo@aftermath.example"
	demoJiraToken      = "aftermath-demo-jira-token"
)

func (f *simFlags) register(fs *flag.FlagSet, defaultScale string) {
	fs.Int64Var(&f.seed, "seed", 1, "seed of the generated organization (same seed, same org)")
	fs.StringVar(&f.scale, "scale", defaultScale, "size of the organization: tiny, small (~2k incidents/90d), medium (~20k/1y), large (~100k/2y), xlarge (~1M/3y)")
	fs.DurationVar(&f.ahead, "ahead", 24*time.Hour, "generate history this far past now; it appears as the wall clock reaches it, so incremental sync has new data")
	fs.StringVar(&f.pdToken, "pagerduty.token", demoPagerDutyToken, "the PagerDuty API token the simulator accepts")
	fs.StringVar(&f.jiraEmail, "jira.email", demoJiraEmail, "the Jira account email the simulator accepts (basic auth)")
	fs.StringVar(&f.jiraToken, "jira.token", demoJiraToken, "the Jira API token the simulator accepts")
	fs.StringVar(&f.jiraTZ, "jira.time-zone", "", "time zone of the simulated Jira user (IANA name); empty = the org user's own")
	fs.StringVar(&f.linkMode, "jira.incident-link", "label", "how postmortems name their incidents: label, field or description")
	fs.IntVar(&f.rateLimit, "pagerduty.rate-limit", 0, "PagerDuty requests per minute per token: 0 = the real 960, -1 = unlimited")
	fs.IntVar(&f.jiraBudget, "jira.rate-limit", 0, "Jira requests per minute: 0 = the default 3000 (on, as on Jira Cloud), -1 = unlimited")
	fs.Float64Var(&f.faultRate, "faults.5xx-rate", 0, "share of responses that are 5xx errors")
	fs.Float64Var(&f.slowRate, "faults.slow-rate", 0, "share of responses delayed by 2s")
	fs.Float64Var(&f.truncRate, "faults.truncate-rate", 0, "share of responses whose body is cut short")
	fs.Float64Var(&f.enumRate, "faults.unknown-enum-rate", 0, "share of records carrying enum values the spec does not know")
	fs.Float64Var(&f.shiftRate, "faults.shift-rate", 0, "share of list pages served as if items had moved")
	fs.Float64Var(&f.storm429, "faults.429-rate", 0, "share of responses that are 429 (other clients spending the budget)")
}

// check validates the flags' values, so that a bad one is bad usage (exit
// code 2) naming its flag, reported before anything starts.
func (f *simFlags) check() error {
	if !org.Scale(f.scale).Valid() {
		var names []string
		for _, sc := range org.Scales() {
			names = append(names, string(sc))
		}
		return usagef("--scale: unknown scale %q (want %s)", f.scale, strings.Join(names, ", "))
	}
	if f.jiraTZ != "" {
		if _, err := time.LoadLocation(f.jiraTZ); err != nil {
			return usagef("--jira.time-zone: unknown time zone %q (want an IANA name such as Europe/Berlin)", f.jiraTZ)
		}
	}
	switch f.linkMode {
	case "label", "field", "description":
	default:
		return usagef("--jira.incident-link: must be label, field or description, got %q", f.linkMode)
	}
	for _, r := range []struct {
		flag  string
		limit int
	}{{"pagerduty.rate-limit", f.rateLimit}, {"jira.rate-limit", f.jiraBudget}} {
		if r.limit < -1 {
			return usagef("--%s: must be -1 (unlimited), 0 (the default) or more, got %d", r.flag, r.limit)
		}
	}
	for _, r := range []struct {
		flag string
		rate float64
	}{{"5xx-rate", f.faultRate}, {"slow-rate", f.slowRate}, {"truncate-rate", f.truncRate},
		{"unknown-enum-rate", f.enumRate}, {"shift-rate", f.shiftRate}, {"429-rate", f.storm429}} {
		if !(r.rate >= 0 && r.rate <= 1) {
			return usagef("--faults.%s: must be between 0 and 1, got %v", r.flag, r.rate)
		}
	}
	return nil
}

func (f *simFlags) build(now func() time.Time, baseURL string) (*simulate.Server, *org.Org, error) {
	if err := f.check(); err != nil {
		return nil, nil, err
	}
	o, err := org.Generate(org.Options{Seed: f.seed, Scale: org.Scale(f.scale), End: now().Add(f.ahead)})
	if err != nil {
		return nil, nil, fmt.Errorf("generate org: %w", err)
	}
	srv, err := simulate.New(simulate.Options{
		Org: o, Now: now, BaseURL: baseURL,
		PagerDutyToken: f.pdToken, PagerDutyRateLimit: f.rateLimit,
		PagerDutyFaults: pdsim.Faults{ServerErrorRate: f.faultRate, SlowRate: f.slowRate, TruncateRate: f.truncRate,
			UnknownEnumRate: f.enumRate, ShiftRate: f.shiftRate, TooManyRequestsRate: f.storm429},
		JiraEmail: f.jiraEmail, JiraToken: f.jiraToken, JiraTimeZone: f.jiraTZ, JiraIncidentLink: f.linkMode,
		JiraRateLimit: f.jiraBudget,
		JiraFaults: jirasim.Faults{Seed: f.seed, ServerErrorRate: f.faultRate, SlowRate: f.slowRate, TruncateRate: f.truncRate,
			UnknownEnumRate: f.enumRate, ShiftRate: f.shiftRate, RateLimitRate: f.storm429},
	})
	if err != nil {
		return nil, nil, err
	}
	return srv, o, nil
}

// serveHTTP serves h on l until ctx is done, then shuts down gracefully.
func serveHTTP(ctx context.Context, l net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}

func simulateCommand() command {
	var f simFlags
	var listen string
	return command{
		name:    "simulate",
		summary: "Serve simulated PagerDuty and Jira APIs over a generated organization.\nPagerDuty's REST API is at the root, Jira Cloud's under /rest/api/{2,3}/. Both behave like the\nreal services: pagination and caps, auth, rate limits with 429s, and injectable faults.",
		flags: func(fs *flag.FlagSet) {
			f.register(fs, "small")
			fs.StringVar(&listen, "listen", "127.0.0.1:8080", "address to serve on")
		},
		run: func(ctx context.Context, a *app, _ []string) error {
			if err := f.check(); err != nil {
				return err
			}
			l, err := net.Listen("tcp", listen)
			if err != nil {
				return usagef("--listen: %v", err)
			}
			defer l.Close()
			srv, o, err := f.build(time.Now, "http://"+l.Addr().String())
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "simulating %d incidents, %d postmortems and %d action items (%s org, seed %d) on http://%s\n",
				len(o.Incidents), len(o.Postmortems), len(o.ActionItems), f.scale, f.seed, l.Addr())
			fmt.Fprintf(a.stdout, "  PagerDuty: api_url http://%s, token %q\n  Jira:      base_url http://%s, email %q, token %q\n",
				l.Addr(), f.pdToken, l.Addr(), f.jiraEmail, f.jiraToken)
			return serveHTTP(ctx, l, srv)
		},
	}
}
