// Package scheduler runs `aftermath serve`'s jobs: each ingest source at its
// own interval, and the analysis after ingestion. Runs never overlap (one job
// runs at a time), a failing job does not stop the others, and cancelling the
// context lets the running job wind down (ingesters checkpoint) before Run
// returns.
package scheduler

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aftermath-sre/aftermath/metrics"
)

// Job is one scheduled piece of work.
type Job struct {
	Name     string
	Interval time.Duration
	Run      func(ctx context.Context) error
	// AfterSuccess names jobs made due right away when this one succeeds
	// (the analysis after an ingest).
	AfterSuccess []string
}

// Options configure a Scheduler.
type Options struct {
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	Now        func() time.Time
	// After is time.After; tests replace it.
	After func(d time.Duration) <-chan time.Time
	// Hold, when it returns a reason, holds every job that comes due: it
	// does not run, is counted neither way, and comes due again after
	// HoldRetry (or its interval, if shorter). serve holds its jobs while
	// a migration waits for a cluster node: they would only fail.
	Hold func() string
}

// HoldRetry is how soon a held job comes due again.
const HoldRetry = 30 * time.Second

// Scheduler runs jobs one at a time.
type Scheduler struct {
	jobs     []Job
	next     []time.Time
	logger   *slog.Logger
	now      func() time.Time
	after    func(time.Duration) <-chan time.Time
	hold     func() string
	held     string // the reason logged last, so a hold is logged once
	runs     *prometheus.CounterVec
	duration *prometheus.HistogramVec
	lastOK   *prometheus.GaugeVec
}

// New returns a scheduler; every job is due at once when Run starts, in order.
func New(jobs []Job, opts Options) *Scheduler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.After == nil {
		opts.After = time.After
	}
	s := &Scheduler{
		jobs: jobs, next: make([]time.Time, len(jobs)), logger: opts.Logger, now: opts.Now, after: opts.After, hold: opts.Hold,
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: metrics.JobRunsTotal.Name(), Help: metrics.JobRunsTotal.Help(),
		}, metrics.JobRunsTotal.Labels()),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: metrics.JobDurationSeconds.Name(), Help: metrics.JobDurationSeconds.Help(),
			Buckets: []float64{0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600},
		}, metrics.JobDurationSeconds.Labels()),
		lastOK: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: metrics.JobLastSuccessTimestampSeconds.Name(), Help: metrics.JobLastSuccessTimestampSeconds.Help(),
		}, metrics.JobLastSuccessTimestampSeconds.Labels()),
	}
	if opts.Registerer != nil {
		opts.Registerer.MustRegister(s.runs, s.duration, s.lastOK)
	}
	for _, j := range jobs {
		s.runs.WithLabelValues(j.Name, "success")
		s.runs.WithLabelValues(j.Name, "failure")
	}
	return s
}

// Run runs due jobs until ctx is cancelled.
func (s *Scheduler) Run(ctx context.Context) error {
	start := s.now()
	for i := range s.next {
		s.next[i] = start
	}
	for {
		i := s.earliest()
		if i < 0 {
			<-ctx.Done()
			return nil
		}
		if wait := s.next[i].Sub(s.now()); wait > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-s.after(wait):
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		s.runOne(ctx, i)
	}
}

func (s *Scheduler) earliest() int {
	best := -1
	for i, j := range s.jobs {
		if j.Interval <= 0 {
			continue
		}
		if best < 0 || s.next[i].Before(s.next[best]) {
			best = i
		}
	}
	return best
}

func (s *Scheduler) runOne(ctx context.Context, i int) {
	j := s.jobs[i]
	began := s.now()
	if s.hold != nil {
		if reason := s.hold(); reason != "" {
			if reason != s.held {
				s.logger.Warn("jobs held", "reason", reason)
			}
			s.held = reason
			s.next[i] = began.Add(min(j.Interval, HoldRetry))
			return
		}
		if s.held != "" {
			s.logger.Info("jobs no longer held")
			s.held = ""
		}
	}
	s.logger.Info("job started", "job", j.Name)
	err := runProtected(ctx, j)
	took := s.now().Sub(began)
	s.duration.WithLabelValues(j.Name).Observe(took.Seconds())
	s.next[i] = began.Add(j.Interval)
	if err != nil {
		// A job cut short by the shutdown neither failed nor succeeded: it
		// is not counted, and the next start runs it again.
		if ctx.Err() != nil {
			s.logger.Info("job stopped by shutdown", "job", j.Name, "took", took, "err", err)
			return
		}
		s.runs.WithLabelValues(j.Name, "failure").Inc()
		s.logger.Error("job failed", "job", j.Name, "took", took, "err", err)
		return
	}
	s.runs.WithLabelValues(j.Name, "success").Inc()
	s.lastOK.WithLabelValues(j.Name).Set(float64(s.now().Unix()))
	s.logger.Info("job finished", "job", j.Name, "took", took)
	for _, name := range j.AfterSuccess {
		for k, other := range s.jobs {
			if other.Name == name && s.next[k].After(s.now()) {
				s.next[k] = s.now()
			}
		}
	}
}

// runProtected runs j, turning a panic in it into an error so that one
// job's crash is a failed run, not the end of the process: the other jobs
// and /metrics go on.
func runProtected(ctx context.Context, j Job) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("job %s panicked: %v\n%s", j.Name, v, debug.Stack())
		}
	}()
	return j.Run(ctx)
}
