package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/aftermath-sre/aftermath/config"
	"github.com/aftermath-sre/aftermath/dashboards/alerts"
	"github.com/aftermath-sre/aftermath/exporter"
	jirasim "github.com/aftermath-sre/aftermath/simulate/jira"
	"github.com/aftermath-sre/aftermath/simulate/org"
)

// demoOptions are `aftermath demo`'s settings.
type demoOptions struct {
	sim        simFlags
	stateDir   string
	prometheus bool
	webCfg     *web.FlagConfig
	// ready, when set, is told the URLs once everything runs (tests).
	ready func(demoURLs)
	// Tests tune Prometheus: rules to load instead of the shipped ones, and
	// a faster scrape.
	promRules      []byte
	scrapeInterval time.Duration
}

type demoURLs struct {
	Aftermath, Simulator, Prometheus string
	Digests                          string
	// Org is the simulated organization (ground truth, for tests).
	Org *org.Org
}

func newDemoFlagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func demoCommand() command {
	var o demoOptions
	return command{
		name: "demo",
		summary: "Run everything locally, with no account anywhere.\n" +
			"It starts a managed ClickHouse, the PagerDuty and Jira simulators over a generated organization,\n" +
			"`serve` ingesting and analyzing it and writing the latest digest, and, when Debian's prometheus is\n" +
			"installed, a Prometheus with the shipped alert rules.",
		flags: func(fs *flag.FlagSet) {
			o.sim.register(fs, "medium")
			fs.StringVar(&o.stateDir, "state-dir", ".aftermath/demo", "folder for the demo's ClickHouse, Prometheus and digests")
			fs.BoolVar(&o.prometheus, "prometheus", true, "also start Prometheus with the shipped rules, if it is installed")
			o.webCfg = exporter.AddFlags(fs, "127.0.0.1:9847")
		},
		run: func(ctx context.Context, a *app, _ []string) error { return a.demo(ctx, o) },
	}
}

func (a *app) demo(ctx context.Context, o demoOptions) error {
	began := time.Now()
	// The flags first, before anything starts.
	if err := o.sim.check(); err != nil {
		return err
	}
	if err := checkListenAddresses(*o.webCfg.WebListenAddresses); err != nil {
		return err
	}
	if f := *o.webCfg.WebConfigFile; f != "" {
		if err := config.CheckWebConfig(f); err != nil {
			return usagef("--web.config.file: %v", err)
		}
	}
	if err := os.MkdirAll(o.stateDir, 0o755); err != nil {
		return fmt.Errorf("--state-dir: %w", err)
	}
	state, err := filepath.Abs(o.stateDir)
	if err != nil {
		return err
	}
	// One demo per state folder, checked before anything starts. The managed
	// ClickHouse locks its own folder too, but its message names
	// clickhouse.managed.state_dir, which demo sets from --state-dir.
	unlock, err := lockDemoState(state)
	if err != nil {
		return err
	}
	defer unlock()

	// The simulators, on a free loopback port.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("simulator listener: %w", err)
	}
	simURL := "http://" + l.Addr().String()
	// PagerDuty unlimited, so the demo backfills at full speed; Jira at the
	// simulator's default budget (on, as on Jira Cloud; rarely reached).
	o.sim.rateLimit, o.sim.jiraBudget = -1, 0
	sim, generated, err := o.sim.build(time.Now, simURL)
	if err != nil {
		l.Close()
		return err
	}
	a.logger.Info("simulating an organization", "scale", o.sim.scale, "incidents", len(generated.Incidents),
		"postmortems", len(generated.Postmortems), "action_items", len(generated.ActionItems), "url", simURL)
	simCtx, stopSim := context.WithCancel(context.WithoutCancel(ctx))
	simDone := make(chan error, 1)
	go func() { simDone <- serveHTTP(simCtx, l, sim) }()
	defer func() { stopSim(); <-simDone }()

	a.cfg = demoConfig(state, simURL, o.sim, generated)
	addrs := *o.webCfg.WebListenAddresses
	if len(addrs) == 0 {
		addrs = []string{"127.0.0.1:9847"}
		*o.webCfg.WebListenAddresses = addrs
	}

	st, _, closeStore, err := a.openMigratedStore(ctx)
	if err != nil {
		return err
	}
	defer closeStore()

	urls := demoURLs{Aftermath: "http://" + loopbackHost(addrs[0]), Simulator: simURL, Org: generated}
	urls.Digests = urls.Aftermath + "/digests/"
	if o.prometheus {
		rules, every := o.promRules, o.scrapeInterval
		if rules == nil {
			rules = alerts.Rules()
		}
		if every == 0 {
			every = 15 * time.Second
		}
		promURL, stopProm, err := startPrometheus(a, filepath.Join(state, "prometheus"), loopbackHost(addrs[0]), rules, every)
		switch {
		case errors.Is(err, exec.ErrNotFound):
			a.logger.Info("prometheus is not installed: not starting it (Debian/Ubuntu: apt-get install prometheus)")
		case err != nil:
			a.logger.Warn("could not start prometheus; going on without it", "err", err)
		default:
			urls.Prometheus = promURL
			defer stopProm()
		}
	}

	started := func() {
		fmt.Fprintf(a.stdout, "\nAftermath demo is running (started in %s):\n", time.Since(began).Round(100*time.Millisecond))
		fmt.Fprintf(a.stdout, "  landing page   %s/\n  metrics        %s/metrics\n  digests        %s\n", urls.Aftermath, urls.Aftermath, urls.Digests)
		if urls.Prometheus != "" {
			fmt.Fprintf(a.stdout, "  prometheus     %s  (alert rules loaded: %s/alerts)\n", urls.Prometheus, urls.Prometheus)
		}
		fmt.Fprintf(a.stdout, "  simulators     %s  (PagerDuty at /, Jira at /rest/api/3/)\n", urls.Simulator)
		fmt.Fprintf(a.stdout, "The first ingest and analysis of the %s org run now; metrics fill in when the first analysis ends.\n", o.sim.scale)
		fmt.Fprintf(a.stdout, "Stop with Ctrl-C. State is kept in %s.\n\n", state)
		if o.ready != nil {
			o.ready(urls)
		}
	}
	return a.serve(ctx, st, o.webCfg, started)
}

// demoLockFile is the file in the state folder a running demo holds locked.
const demoLockFile = "demo.lock"

// lockDemoState locks the demo's state folder for this process; a second
// demo on the same folder gets an error naming --state-dir. The kernel
// releases the lock when its holder dies, so a killed demo never blocks the
// next one.
func lockDemoState(dir string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(dir, demoLockFile), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("--state-dir: lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("state folder %s is in use by another aftermath demo (lock %s): stop it or choose another --state-dir", dir, f.Name())
		}
		return nil, fmt.Errorf("--state-dir: lock %s: %w", f.Name(), err)
	}
	return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}

// demoConfig points Aftermath at the simulators, with SLOs on the busiest
// services of the generated org (recent customer impact first).
func demoConfig(state, simURL string, f simFlags, o *org.Org) *config.Config {
	cfg := config.Default()
	cfg.ClickHouse.Managed.StateDir = filepath.Join(state, "clickhouse")
	cfg.PagerDuty.Enabled = true
	cfg.PagerDuty.APIURL = simURL
	cfg.PagerDuty.Token = config.NewSecret(f.pdToken)
	cfg.PagerDuty.RequestsPerMinute = 0
	cfg.PagerDuty.BackfillStart = config.StartTime{Time: o.Start}
	cfg.Jira.Enabled = true
	cfg.Jira.BaseURL = simURL
	cfg.Jira.Auth.Email = f.jiraEmail
	cfg.Jira.Auth.Token = config.NewSecret(f.jiraToken)
	cfg.Jira.RequestsPerMinute = 0
	cfg.Jira.Fields.IncidentLink.Mode = f.linkMode
	if f.linkMode == config.LinkByField {
		cfg.Jira.Fields.IncidentLink.Field = jirasim.FieldIncident
	}
	cfg.Schedule = config.Schedule{PagerDuty: config.Duration(time.Minute), Jira: config.Duration(2 * time.Minute), Analysis: config.Duration(5 * time.Minute)}
	cfg.Digest.OutputDir = filepath.Join(state, "digests")
	// The simulated Jira names teams by a short component ("devprod"),
	// PagerDuty by their full names ("Developer Productivity").
	cfg.Analysis.TeamAliases = simTeamAliases(o)
	// Busiest: services with SEV1/SEV2 incidents (what the SLOs below count)
	// in the last 30 days before the simulated clock first, so the demo's
	// budget panels for the rolling 30 days have something to show; then
	// customer-impacting incidents over the whole history.
	counts := map[string]serviceLoad{}
	clock := o.End.Add(-f.ahead)
	for _, inc := range o.Incidents {
		if inc.CustomerImpacting {
			c := counts[inc.ServiceID]
			c.impacting++
			major := inc.Severity == "SEV1" || inc.Severity == "SEV2"
			if major && !inc.CreatedAt.Before(clock.AddDate(0, 0, -30)) && inc.CreatedAt.Before(clock) {
				c.recentMajor++
			}
			counts[inc.ServiceID] = c
		}
	}
	targets := []float64{0.999, 0.995, 0.99, 0.999}
	windows := []string{config.WindowRolling28d, config.WindowCalendarMonth, config.WindowRolling30d, config.WindowRolling28d}
	for i, s := range busiest(o.Services, counts, len(targets)) {
		cfg.SLOs = append(cfg.SLOs, config.SLO{Service: s.Name, Target: targets[i], Window: windows[i],
			CustomerImpacting: config.CustomerImpacting{Severities: []string{"SEV1", "SEV2"}}, HourlyCost: float64(5000 * (i + 1))})
	}
	return cfg
}

// serviceLoad is what makes a service busy for the demo's SLOs: its recent
// SEV1/SEV2 customer-impacting incidents first, then all of them.
type serviceLoad struct{ recentMajor, impacting int }

// busiest returns the n services with the most recent major incidents, ties
// broken by customer-impacting incidents overall, then by name.
func busiest(svcs []org.Service, counts map[string]serviceLoad, n int) []org.Service {
	out := slices.Clone(svcs)
	slices.SortFunc(out, func(a, b org.Service) int {
		ca, cb := counts[a.ID], counts[b.ID]
		if c := cmp.Compare(cb.recentMajor, ca.recentMajor); c != 0 {
			return c
		}
		if c := cmp.Compare(cb.impacting, ca.impacting); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out[:min(n, len(out))]
}

// loopbackHost turns ":9847" into "127.0.0.1:9847" for printing and scraping.
func loopbackHost(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" || host == "0.0.0.0" || host == "::" {
		return net.JoinHostPort("127.0.0.1", port)
	}
	return addr
}

// startPrometheus starts Debian's prometheus on a free loopback port, scraping
// Aftermath every 15s with the shipped alert rules loaded.
func startPrometheus(a *app, dir, target string, rules []byte, every time.Duration) (url string, stop func(), err error) {
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		return "", nil, exec.ErrNotFound
	}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		return "", nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, alerts.RulesFile), rules, 0o644); err != nil {
		return "", nil, err
	}
	cfg := fmt.Sprintf(`global:
  scrape_interval: %[1]s
  evaluation_interval: %[1]s
rule_files:
  - %[2]s
scrape_configs:
  - job_name: aftermath
    static_configs:
      - targets: [%[3]q]
`, model.Duration(every), alerts.RulesFile, target)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		return "", nil, err
	}
	pl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := pl.Addr().String()
	pl.Close()
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"), "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--storage.tsdb.retention.time=15d")
	cmd.Dir = dir
	logf, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		return "", nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return "", nil, err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); logf.Close(); close(done) }()
	a.logger.Info("prometheus started", "url", "http://"+addr, "log", logf.Name())
	return "http://" + addr, func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}, nil
}

// simTeamAliases maps the simulated Jira components onto PagerDuty's team
// names, as a user would in analysis.team_aliases.
func simTeamAliases(o *org.Org) map[string]string {
	out := map[string]string{}
	for _, t := range o.Teams {
		out[t.Slug] = t.Name
	}
	return out
}
