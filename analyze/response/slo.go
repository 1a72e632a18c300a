package response

import (
	"context"
	"time"

	"github.com/aftermath-sre/aftermath/analyze/internal/calc"
	"github.com/aftermath-sre/aftermath/domain"
	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
)

// SLO windows.
const (
	WindowCalendarMonth = "calendar_month"
	WindowRolling28d    = "rolling_28d"
	WindowRolling30d    = "rolling_30d"
)

// SLO is one service's availability objective.
type SLO struct {
	Service string // PagerDuty service name (or id)
	Target  float64
	Window  string // WindowCalendarMonth, WindowRolling28d or WindowRolling30d
	// Severities are the incident severities that count as customer-impacting downtime.
	Severities []string
	HourlyCost float64 // 0: cost not reported
}

// BurnRanges are the trailing ranges of error_budget_burn_rate.
var BurnRanges = []struct {
	Label string
	D     time.Duration
}{{"1h", time.Hour}, {"6h", 6 * time.Hour}, {"24h", 24 * time.Hour}, {"3d", 72 * time.Hour}}

// Downtime returns the customer-impacting downtime intervals of an SLO's
// service among incs: from trigger to resolve (or now while open) of every
// non-merged incident of a customer-impacting severity. Overlaps are merged
// by calc.UnionWithin when measured. (Rows in memory: the analysis run
// streams them from the store with StreamDowntime.)
func Downtime(incs []store.Incident, slo SLO, now time.Time) []calc.Interval {
	sev := map[string]bool{}
	for _, s := range slo.Severities {
		sev[s] = true
	}
	var out []calc.Interval
	for i := range incs {
		inc := &incs[i]
		if Merged(inc) || !sev[inc.Severity] || (inc.ServiceName != slo.Service && inc.ServiceID != slo.Service) {
			continue
		}
		end := inc.ResolvedAt
		if end.IsZero() || end.After(now) {
			end = now
		}
		if end.After(inc.CreatedAt) {
			out = append(out, calc.Interval{Start: inc.CreatedAt, End: end})
		}
	}
	return out
}

// StreamDowntime streams the same intervals as Downtime from the store,
// each with its incident's id, ordered by start: those that end after from.
// Overlapping intervals of different incidents are not merged (calc.Union
// merges them on the fly).
func StreamDowntime(ctx context.Context, st *store.Store, slo SLO, from, now time.Time, fn func(id string, iv calc.Interval) error) error {
	return st.DowntimeIntervals(ctx, slo.Service, slo.Severities, from, now, func(id string, start, end time.Time) error {
		return fn(id, calc.Interval{Start: start, End: end})
	})
}

// MeasureDowntime is the union of an SLO's downtime within each window,
// streamed from the store and merged on the fly.
func MeasureDowntime(ctx context.Context, st *store.Store, slo SLO, now time.Time, windows []calc.Interval) ([]time.Duration, error) {
	if len(windows) == 0 {
		return nil, nil
	}
	from := windows[0].Start
	for _, w := range windows[1:] {
		if w.Start.Before(from) {
			from = w.Start
		}
	}
	u := calc.NewUnion(windows)
	err := StreamDowntime(ctx, st, slo, from, now, func(_ string, iv calc.Interval) error { return u.Add(iv) })
	if err != nil {
		return nil, err
	}
	return u.Totals(), nil
}

// Window returns the SLO's current window [from, to) (to may be after now for
// a calendar month) in UTC.
func Window(slo SLO, now time.Time, loc *time.Location) (from, to time.Time) {
	switch slo.Window {
	case WindowCalendarMonth:
		return domain.Month(now, loc)
	case WindowRolling30d:
		return now.Add(-30 * 24 * time.Hour), now
	default:
		return now.Add(-28 * 24 * time.Hour), now
	}
}

// ComputeSLO returns the results of the "slo" analysis. loc is the time zone
// of calendar-month windows.
func ComputeSLO(ctx context.Context, st *store.Store, slos []SLO, ps calc.Periods, loc *time.Location) ([]store.Result, error) {
	s := calc.Sink{}
	now := ps.Now
	for _, slo := range slos {
		budget := 1 - slo.Target
		win := slo.Window
		if win == "" {
			win = WindowRolling28d
		}
		from, to := Window(slo, now, loc)
		// One stream measures every window: the SLO's, the burn ranges', the periods'.
		windows := []calc.Interval{{Start: from, End: to}}
		for _, r := range BurnRanges {
			windows = append(windows, calc.Interval{Start: now.Add(-r.D), End: now})
		}
		for _, p := range ps.All {
			windows = append(windows, calc.Interval{Start: p.From, End: p.To}) // intervals end by now
		}
		downs, err := MeasureDowntime(ctx, st, slo, now, windows)
		if err != nil {
			return nil, err
		}
		down := downs[0]
		consumed := 0.0
		if budget > 0 {
			consumed = down.Seconds() / (budget * to.Sub(from).Seconds())
		}
		s.Add(metrics.SLOObjectiveRatio, slo.Target, "service", slo.Service, "window", win)
		s.Add(metrics.ErrorBudgetConsumedRatio, consumed, "service", slo.Service, "window", win)
		s.Add(metrics.ErrorBudgetRemainingRatio, 1-consumed, "service", slo.Service, "window", win)
		for i, r := range BurnRanges {
			d := downs[1+i]
			rate := 0.0
			if budget > 0 {
				rate = d.Seconds() / r.D.Seconds() / budget
			}
			s.Add(metrics.ErrorBudgetBurnRate, rate, "service", slo.Service, "range", r.Label)
		}
		for i, p := range ps.All {
			d := downs[1+len(BurnRanges)+i]
			s.Add(metrics.DowntimeSeconds, d.Seconds(), "service", slo.Service, "period", p.Label)
			if el := p.Elapsed(now); el > 0 {
				s.Add(metrics.AvailabilityRatio, 1-d.Seconds()/el.Seconds(), "service", slo.Service, "period", p.Label)
			}
			breached := 0.0
			if d.Seconds() > budget*p.To.Sub(p.From).Seconds() {
				breached = 1
			}
			s.Add(metrics.SLOBreached, breached, "service", slo.Service, "period", p.Label)
			if slo.HourlyCost > 0 {
				s.Add(metrics.DowntimeCost, d.Hours()*slo.HourlyCost, "service", slo.Service, "period", p.Label)
			}
		}
	}
	return s.Results, nil
}
