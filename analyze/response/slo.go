package response

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"

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
// of calendar-month windows. A period that ends before the incident history
// starts (the earliest non-merged incident; a PagerDuty history shorter than the
// periods, or none synced yet) gets no series: its downtime is unknown, and
// a zero would chart as full availability.
func ComputeSLO(ctx context.Context, st *store.Store, slos []SLO, ps calc.Periods, loc *time.Location) ([]store.Result, error) {
	s := calc.Sink{}
	now := ps.Now
	if len(slos) == 0 {
		return nil, nil
	}
	first, _, err := st.FirstIncidentAt(ctx, ps.Scope(nil))
	if err != nil {
		return nil, err
	}
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
			if first.IsZero() || !p.To.After(first) {
				continue // before the incident history
			}
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

// UnmatchedSLO is an SLO whose service no stored incident names.
type UnmatchedSLO struct {
	Service string
	// Closest are stored service names like Service (the same but for case
	// and punctuation, a few letters apart, or one containing the other),
	// closest first; at most ClosestShown, none when nothing is close.
	Closest []string
	// Known is how many distinct service names the stored incidents have.
	Known int
}

// ClosestShown is how many close service names an UnmatchedSLO lists.
const ClosestShown = 3

// UnmatchedSLOs returns the SLOs whose service matches no stored incident
// (by service name or id, exactly, as their downtime is measured): their
// downtime reads 0 and their availability 100% whatever happened, most
// likely because the SLO names the service differently from PagerDuty.
// Each comes with the closest service names on record. now ends the
// incidents still open.
func UnmatchedSLOs(ctx context.Context, st *store.Store, slos []SLO, now time.Time) ([]UnmatchedSLO, error) {
	if len(slos) == 0 {
		return nil, nil
	}
	all, err := st.ServiceNames(ctx)
	if err != nil {
		return nil, fmt.Errorf("slo: %w", err)
	}
	var names []string
	known := map[string]bool{}
	for _, n := range all {
		if n != "" && !known[n] {
			known[n] = true
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var out []UnmatchedSLO
	for _, slo := range slos {
		if known[slo.Service] {
			continue
		}
		// Not a name: an id, when an incident of any severity has it.
		found, err := anyIncident(ctx, st, slo.Service, now)
		if err != nil {
			return nil, err
		}
		if !found {
			out = append(out, UnmatchedSLO{Service: slo.Service, Closest: closestNames(slo.Service, names, ClosestShown), Known: len(names)})
		}
	}
	return out, nil
}

// errFound stops anyIncident's stream at the first incident.
var errFound = errors.New("found")

// anyIncident reports whether a stored incident (not merged) of any
// severity has service as its service name or id.
func anyIncident(ctx context.Context, st *store.Store, service string, now time.Time) (bool, error) {
	sevs := append(domain.Severities(), domain.SeverityUnknown)
	err := st.DowntimeIntervals(ctx, service, sevs, time.Time{}, now, func(string, time.Time, time.Time) error { return errFound })
	switch {
	case errors.Is(err, errFound):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("slo: look up the incidents of %s: %w", service, err)
	}
	return false, nil
}

// closestNames returns up to n of names close to target, closest first:
// compared by their letters and digits in lower case, those at an edit
// distance of at most a third of target's length (at least 1), and those
// containing target or contained in it (3 characters or more).
func closestNames(target string, names []string, n int) []string {
	t := foldName(target)
	if len(t) == 0 {
		return nil
	}
	limit := max(1, len(t)/3)
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	for _, name := range names {
		f := foldName(name)
		if len(f) == 0 {
			continue
		}
		d := editDistance(t, f)
		contains := min(len(t), len(f)) >= 3 && (strings.Contains(string(f), string(t)) || strings.Contains(string(t), string(f)))
		if d <= limit || contains {
			cs = append(cs, cand{name, d})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].d != cs[j].d {
			return cs[i].d < cs[j].d
		}
		return cs[i].name < cs[j].name
	})
	var out []string
	for _, c := range cs[:min(len(cs), n)] {
		out = append(out, c.name)
	}
	return out
}

// foldName is a service name's letters and digits, lower-cased.
func foldName(s string) []rune {
	var out []rune
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			out = append(out, unicode.ToLower(r))
		}
	}
	return out
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
