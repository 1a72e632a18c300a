package analyze

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aftermath-sre/aftermath/analyze/change"
	"github.com/aftermath-sre/aftermath/analyze/internal/calc"
	"github.com/aftermath-sre/aftermath/analyze/response"
	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
)

// AnalysisChange says which month-over-month changes are distinguishable
// from noise (package change).
const AnalysisChange = metrics.AnalysisChange

// Measure label values of aftermath_change_ratio and aftermath_change_verdict.
const (
	MeasureMTTA      = "mtta"
	MeasureMTTR      = "mttr"
	MeasureIncidents = "incidents"
	// MeasureMajorIncidents counts SEV1 and SEV2 incidents together.
	MeasureMajorIncidents = "major_incidents"
	// MeasureRepeats: incidents that repeat an earlier one, as a count
	// (stat rate) and as a share of all incidents (stat share).
	MeasureRepeats = "repeat_incidents"
	// MeasureMajorRepeats: the share of SEV1 and SEV2 incidents that
	// repeat an earlier one.
	MeasureMajorRepeats = "major_repeat_incidents"
	// MeasureCoverage: the share of incidents requiring a postmortem that
	// have one.
	MeasureCoverage = "postmortem_coverage"
	// MeasureRequired: incidents requiring a postmortem, as a count.
	MeasureRequired = "postmortems_required"
	// MeasureBlame: the share of postmortems with blaming language.
	MeasureBlame = "postmortems_with_blame"
	// MeasureVague: the share of action items worded vaguely.
	MeasureVague = "action_items_vague"
)

// StatRate is the stat label of a count comparison (per day).
const StatRate = "rate"

// StatShare is the stat label of a proportion comparison (Fisher's exact
// test; the ratio is of the two months' shares).
const StatShare = "share"

// Bound label values of the interval families.
const (
	BoundEstimate = "estimate"
	BoundLower    = "lower"
	BoundUpper    = "upper"
)

// ChangeFDR is the false discovery rate at which a month's comparisons are
// called real (Benjamini–Hochberg over all of the month's comparisons).
const ChangeFDR = 0.05

// MinChangeSample is the fewest incidents a percentile needs in a period
// for an interval, and in each of two months for a comparison of its
// median; a higher percentile needs more (minComparedSample).
const MinChangeSample = 5

// minComparedSample is the fewest incidents each of two months needs for
// their percentile q to be compared: at least two beyond it, so p90 needs
// 20. With fewer, the p90 is the month's slowest incident or two, and the
// paired bootstrap is far too sure of it: five SEV2s against fourteen were
// called a real fall (black-box pass 10) that an exact permutation test of
// the same times puts at p = 0.05 before any correction. Such a change is
// shown, not tested.
func minComparedSample(q float64) int {
	return max(MinChangeSample, int(math.Ceil(2/(1-q)-1e-9)))
}

var changeStats = []struct {
	stat string
	q    float64
}{{StatP50, 0.5}, {StatP90, 0.9}}

// changeGroup is a breakdown of the percentiles: all incidents, one
// severity or one team (empty = all).
type changeGroup struct{ sev, team string }

type changeSample struct {
	measure string
	group   changeGroup
}

// comparison is one test of the month against the month before.
type comparison struct {
	measure, stat string
	group         changeGroup
	c             change.Comparison
	// sameAs, when not 0, is 1 + the index of an earlier comparison of the
	// very same counts (incidents needing a postmortem when they are the
	// SEV1 and SEV2 incidents): one test, counted once in the correction,
	// with that one's verdict.
	sameAs int
}

// changeInputs are the counts behind the other steps' month-over-month
// comparisons, by period (index of ps.All): shares as numerator and
// denominator, counts as compared per day.
type changeInputs struct {
	shares []shareSeries
	counts []countSeries
	memo   *Memo // nil: every bootstrap is drawn
}

type shareSeries struct {
	measure  string
	num, den []int
}

type countSeries struct {
	measure string
	n       []int
	known   []bool // the step wrote the count for the period
}

// languageCounts are the language step's denominators and numerators by
// period: postmortems and those with blame, action items and vague ones.
type languageCounts struct {
	postmortems, blamed, items, vague []int
}

// changeInputsFrom reads the counts of the digest's other month-over-month
// comparisons from the results the run computed (process: postmortems
// required and coverage; recurrence and response: repeats and incidents by
// severity) and the language step's counts. Action items created and
// completed are not compared: they come in batches (several per
// postmortem, often closed together), so a test that counts each item as
// an independent event would call ordinary months real changes.
func changeInputsFrom(results []store.Result, ps calc.Periods, lang languageCounts) (changeInputs, error) {
	n := len(ps.All)
	period := map[string]int{}
	for i, per := range ps.All {
		period[per.Label] = i
	}
	type key struct{ metric, a, b string }
	// vals[key][p]: the result of a family (and one label) in period p.
	vals := map[key][]float64{}
	has := map[key][]bool{}
	put := func(k key, p int, v float64) {
		if vals[k] == nil {
			vals[k], has[k] = make([]float64, n), make([]bool, n)
		}
		vals[k][p] += v
		has[k][p] = true
	}
	for _, r := range results {
		p, ok := period[r.Label("period")]
		if !ok {
			continue
		}
		switch r.Metric {
		case metrics.PostmortemsRequired.ResultName(), metrics.PostmortemCoverageRatio.ResultName():
			if r.Label("severity") == "" {
				put(key{r.Metric, "", ""}, p, r.Value)
			}
		case metrics.IncidentsBySeverity.ResultName(), metrics.RecurringIncidentsBySeverity.ResultName():
			put(key{r.Metric, r.Label("severity"), ""}, p, r.Value)
			put(key{r.Metric, "*", ""}, p, r.Value)
		}
	}
	count := func(x float64, what string, p int) (int, error) {
		c := math.Round(x)
		if math.Abs(x-c) > 1e-6 || c < 0 {
			return 0, fmt.Errorf("change: %s in %s is %v, not a count", what, ps.All[p].Label, x)
		}
		return int(c), nil
	}
	var in changeInputs
	// Coverage: written = required × coverage (a ratio of two counts).
	req, cov := key{metrics.PostmortemsRequired.ResultName(), "", ""}, key{metrics.PostmortemCoverageRatio.ResultName(), "", ""}
	if vals[req] != nil {
		sh := shareSeries{measure: MeasureCoverage, num: make([]int, n), den: make([]int, n)}
		required := countSeries{measure: MeasureRequired, n: sh.den, known: has[req]}
		for p := 0; p < n; p++ {
			d, err := count(vals[req][p], metrics.PostmortemsRequired.ResultName(), p)
			if err != nil {
				return in, err
			}
			sh.den[p] = d
			if d > 0 && has[cov] != nil && has[cov][p] {
				if sh.num[p], err = count(vals[cov][p]*float64(d), "postmortems written (coverage × required)", p); err != nil {
					return in, err
				}
			}
		}
		in.shares = append(in.shares, sh)
		in.counts = append(in.counts, required)
	}
	inc, rep := metrics.IncidentsBySeverity.ResultName(), metrics.RecurringIncidentsBySeverity.ResultName()
	if vals[key{inc, "*", ""}] != nil && vals[key{rep, "*", ""}] != nil {
		all := shareSeries{measure: MeasureRepeats, num: make([]int, n), den: make([]int, n)}
		major := shareSeries{measure: MeasureMajorRepeats, num: make([]int, n), den: make([]int, n)}
		repeats := countSeries{measure: MeasureRepeats, n: make([]int, n), known: make([]bool, n)}
		for p := 0; p < n; p++ {
			sums := []struct {
				sevs     []string
				num, den *int
			}{{[]string{"*"}, &all.num[p], &all.den[p]}, {[]string{"SEV1", "SEV2"}, &major.num[p], &major.den[p]}}
			for _, x := range sums {
				for _, sev := range x.sevs {
					for _, f := range []struct {
						metric string
						to     *int
					}{{rep, x.num}, {inc, x.den}} {
						v := vals[key{f.metric, sev, ""}]
						if v == nil {
							continue
						}
						c, err := count(v[p], f.metric, p)
						if err != nil {
							return in, err
						}
						*f.to += c
					}
				}
			}
			repeats.n[p], repeats.known[p] = all.num[p], has[key{rep, "*", ""}][p]
		}
		in.shares = append(in.shares, all, major)
		in.counts = append(in.counts, repeats)
	}
	if len(lang.postmortems) == n {
		in.shares = append(in.shares, shareSeries{measure: MeasureBlame, num: lang.blamed, den: lang.postmortems},
			shareSeries{measure: MeasureVague, num: lang.vague, den: lang.items})
	}
	return in, nil
}

// changeTally holds the change step's samples and counts by period (index
// of ps.All): the MTTA and MTTR samples of every group, the incidents of
// every group and the major ones, and when the data starts.
type changeTally struct {
	ps        calc.Periods
	durations []map[changeSample][]float64
	counts    []map[changeGroup]int
	majors    []int
	dataStart time.Time
}

func newChangeTally(ps calc.Periods) *changeTally {
	n := len(ps.All)
	t := &changeTally{ps: ps, durations: make([]map[changeSample][]float64, n), counts: make([]map[changeGroup]int, n), majors: make([]int, n)}
	for i := range t.durations {
		t.durations[i] = map[changeSample][]float64{}
		t.counts[i] = map[changeGroup]int{}
	}
	return t
}

// add counts one incident the response analysis counts (not merged,
// created by the clock), with its severity and team labels.
func (t *changeTally) add(x store.ResponseTimes) {
	if t.dataStart.IsZero() || x.CreatedAt.Before(t.dataStart) {
		t.dataStart = x.CreatedAt
	}
	groups := [3]changeGroup{{}, {sev: x.Severity}, {team: x.Team}}
	ack, res := -1.0, -1.0
	if !x.AcknowledgedAt.IsZero() {
		ack = math.Max(0, x.AcknowledgedAt.Sub(x.CreatedAt).Seconds())
	}
	if !x.ResolvedAt.IsZero() {
		res = math.Max(0, x.ResolvedAt.Sub(x.CreatedAt).Seconds())
	}
	major := x.Severity == "SEV1" || x.Severity == "SEV2"
	t.ps.Of(x.CreatedAt, func(p int) {
		if major {
			t.majors[p]++
		}
		for _, g := range groups {
			t.counts[p][g]++
			if ack >= 0 {
				t.durations[p][changeSample{MeasureMTTA, g}] = append(t.durations[p][changeSample{MeasureMTTA, g}], ack)
			}
			if res >= 0 {
				t.durations[p][changeSample{MeasureMTTR, g}] = append(t.durations[p][changeSample{MeasureMTTR, g}], res)
			}
		}
	})
}

// computeChange is the change step over incidents in memory (tests and
// benchmarks; the run streams them with changeFromStore): the incidents
// the response analysis counts (merged ones and those after the clock left
// out), labelled as it labels them.
func computeChange(incs []store.Incident, ps calc.Periods, resamples int, more changeInputs) []store.Result {
	t := newChangeTally(ps)
	for i := range incs {
		inc := &incs[i]
		if response.Merged(inc) || inc.CreatedAt.After(ps.Now) {
			continue
		}
		x := store.ResponseTimes{Severity: response.Severity(inc.Severity), Team: response.TeamOf(inc),
			CreatedAt: inc.CreatedAt, AcknowledgedAt: inc.AcknowledgedAt}
		if response.Resolved(inc) {
			x.ResolvedAt = inc.ResolvedAt
		}
		t.add(x)
	}
	return t.results(resamples, more)
}

// changeFromStore is the change step over the stored incidents: ClickHouse
// labels them and sends only the run's periods' incidents, three labels
// and three times each, and says when the data starts.
func changeFromStore(ctx context.Context, st *store.Store, sc store.Scope, ps calc.Periods, resamples int, more changeInputs) ([]store.Result, error) {
	t := newChangeTally(ps)
	if err := st.StreamResponseTimes(ctx, sc, func(x store.ResponseTimes) error { t.add(x); return nil }); err != nil {
		return nil, err
	}
	first, ok, err := st.FirstIncidentAt(ctx, sc)
	if err != nil {
		return nil, err
	}
	if ok {
		t.dataStart = first
	}
	return t.results(resamples, more), nil
}

// results writes the bootstrap intervals of the MTTA and MTTR percentiles
// of every period (all incidents, by severity, by team) and compares each
// complete-data month with the month before: the percentiles by bootstrap,
// the incident counts by the exact rate-ratio test, with Benjamini–Hochberg
// over all of a month's comparisons. The other steps' shares (more.shares)
// are compared by Fisher's exact test and their counts (more.counts) by the
// rate test, in the same Benjamini–Hochberg family as the month's other
// comparisons.
func (t *changeTally) results(resamples int, more changeInputs) []store.Result {
	ps, now, n := t.ps, t.ps.Now, len(t.ps.All)
	durations, counts, majors, dataStart := t.durations, t.counts, t.majors, t.dataStart
	qs := make([]float64, len(changeStats))
	for i, s := range changeStats {
		qs[i] = s.q
	}
	s := calc.Sink{}
	// The bootstraps are independent (each seeded by its series key): run
	// them on every CPU, then write the rows in order.
	type job struct {
		p int
		k changeSample
	}
	var jobs []job
	for p := range ps.All {
		for _, k := range sortedSamples(durations[p]) {
			if len(durations[p][k]) >= MinChangeSample {
				jobs = append(jobs, job{p, k})
			}
		}
	}
	// Each bootstrap is a function of its sorted sample, seed and
	// resamples: one the previous run of this process drew from the same
	// sample (Options.Memo) gives the same bounds and comparisons, and is
	// not drawn again.
	keys := make([]bootKey, len(jobs))
	forEachIndex(len(jobs), func(i int) {
		j := jobs[i]
		xs := durations[j.p][j.k]
		sort.Float64s(xs)
		keys[i] = bootKeyOf(jobSeed(j.k, ps.All[j.p].Label), resamples, qs, xs)
	})
	memo := more.memo.last()
	bands := make([][][2]float64, len(jobs)) // by job and stat: the interval's bounds
	need := make([]bool, len(jobs))
	for i := range jobs {
		if b, ok := memo.bands[keys[i]]; ok {
			bands[i] = b
		} else {
			need[i] = true
		}
	}
	jobAt := make([]map[changeSample]int, n) // period -> sample -> job
	for p := range jobAt {
		jobAt[p] = map[changeSample]int{}
	}
	for i, jb := range jobs {
		jobAt[jb.p][jb.k] = i
	}

	// Month over month: All[p] against All[p-1] for p ≥ 2, when the data
	// covers the whole earlier month (months before the first incident are
	// not zeros to compare with). The percentiles' comparisons are
	// independent of each other: computed on every CPU first.
	compared := func(p int) bool {
		prev, cur := ps.All[p-1], ps.All[p]
		return !dataStart.IsZero() && !prev.From.Before(dataStart) && cur.From.Before(now)
	}
	type qjob struct {
		p, j   int
		k      changeSample
		before int // jobs
		after  int
	}
	var qjobs []qjob
	for p := 2; p < n; p++ {
		if !compared(p) {
			continue
		}
		for _, k := range sortedSamples(durations[p]) {
			a, okA := jobAt[p-1][k]
			b, okB := jobAt[p][k]
			if okA && okB {
				for j, cs := range changeStats {
					if n := minComparedSample(cs.q); len(durations[p-1][k]) < n || len(durations[p][k]) < n {
						continue
					}
					qjobs = append(qjobs, qjob{p, j, k, a, b})
				}
			}
		}
	}
	qcmp := make([]change.Comparison, len(qjobs))
	cmpDone := make([]bool, len(qjobs))
	for i, q := range qjobs {
		if c, ok := memo.cmps[cmpKey{keys[q.before], keys[q.after], q.j}]; ok {
			qcmp[i], cmpDone[i] = c, true
		} else {
			need[q.before], need[q.after] = true, true
		}
	}
	var drawn []int
	for i := range jobs {
		if need[i] {
			drawn = append(drawn, i)
		}
	}
	done := make([]change.Boot, len(jobs))
	forEachIndex(len(drawn), func(d int) {
		i := drawn[d]
		j := jobs[i]
		bt := change.Bootstrap(durations[j.p][j.k], qs, resamples, change.Seed(jobSeed(j.k, ps.All[j.p].Label)))
		done[i], bands[i] = bt, make([][2]float64, len(changeStats))
		for q := range changeStats {
			bands[i][q][0], bands[i][q][1] = bt.Interval(q)
		}
	})
	forEachIndex(len(qjobs), func(i int) {
		if q := qjobs[i]; !cmpDone[i] {
			qcmp[i] = change.CompareQuantile(done[q.before], done[q.after], q.j)
		}
	})
	if more.memo != nil {
		kept := memoEntries{bands: make(map[bootKey][][2]float64, len(jobs)), cmps: make(map[cmpKey]change.Comparison, len(qjobs))}
		for i := range jobs {
			kept.bands[keys[i]] = bands[i]
		}
		for i, q := range qjobs {
			kept.cmps[cmpKey{keys[q.before], keys[q.after], q.j}] = qcmp[i]
		}
		more.memo.keep(kept, len(jobs), len(drawn))
	}
	for i, jb := range jobs {
		per, k := ps.All[jb.p], jb.k
		f := metrics.MTTAIntervalSeconds
		if k.measure == MeasureMTTR {
			f = metrics.MTTRIntervalSeconds
		}
		for j, st := range changeStats {
			lo, hi := bands[i][j][0], bands[i][j][1]
			s.Add(f, lo, "period", per.Label, "severity", k.group.sev, "team", k.group.team, "stat", st.stat, "bound", BoundLower)
			s.Add(f, hi, "period", per.Label, "severity", k.group.sev, "team", k.group.team, "stat", st.stat, "bound", BoundUpper)
		}
	}
	next := 0 // the next of qcmp: the month loop below takes them in the order qjobs was built

	for p := 2; p < n; p++ {
		if !compared(p) {
			continue
		}
		prev, cur := ps.All[p-1], ps.All[p]
		var cmps []comparison
		for ; next < len(qjobs) && qjobs[next].p == p; next++ {
			q := qjobs[next]
			cmps = append(cmps, comparison{measure: q.k.measure, stat: changeStats[q.j].stat, group: q.k.group, c: qcmp[next]})
		}
		days := func(per calc.Period) float64 { return per.Elapsed(now).Hours() / 24 }
		groups := map[changeGroup]bool{}
		for g := range counts[p] {
			groups[g] = true
		}
		for g := range counts[p-1] {
			groups[g] = true
		}
		for _, sev := range response.Severities() {
			groups[changeGroup{sev: sev}] = true
		}
		for _, g := range sortedGroups(groups) {
			c := change.RateRatio(counts[p-1][g], days(prev), counts[p][g], days(cur))
			if math.IsNaN(c.Ratio) {
				continue // no incidents in either month: nothing to compare
			}
			cmps = append(cmps, comparison{measure: MeasureIncidents, stat: StatRate, group: g, c: c})
		}
		majorAt := -1
		if c := change.RateRatio(majors[p-1], days(prev), majors[p], days(cur)); !math.IsNaN(c.Ratio) {
			majorAt = len(cmps)
			cmps = append(cmps, comparison{measure: MeasureMajorIncidents, stat: StatRate, c: c})
		}
		for _, cs := range more.counts {
			if !cs.known[p-1] || !cs.known[p] {
				continue
			}
			if c := change.RateRatio(cs.n[p-1], days(prev), cs.n[p], days(cur)); !math.IsNaN(c.Ratio) {
				sameAs := 0
				if majorAt >= 0 && cs.n[p-1] == majors[p-1] && cs.n[p] == majors[p] {
					sameAs = majorAt + 1 // the same two counts: the same test
				}
				cmps = append(cmps, comparison{measure: cs.measure, stat: StatRate, c: c, sameAs: sameAs})
			}
		}
		for _, sh := range more.shares {
			if sh.den[p-1] == 0 || sh.den[p] == 0 {
				continue // a share of nothing: no comparison
			}
			c := change.Proportions(sh.num[p-1], sh.den[p-1], sh.num[p], sh.den[p])
			if math.IsNaN(c.Ratio) {
				continue // none in either month: nothing to compare
			}
			cmps = append(cmps, comparison{measure: sh.measure, stat: StatShare, c: c})
		}
		real := changed(cmps)
		for i, x := range cmps {
			kv := []string{"period", cur.Label, "measure", x.measure, "severity", x.group.sev, "team", x.group.team, "stat", x.stat}
			s.Add(metrics.ChangeRatio, x.c.Ratio, append(kv, "bound", BoundEstimate)...)
			s.Add(metrics.ChangeRatio, x.c.Lower, append(kv, "bound", BoundLower)...)
			s.Add(metrics.ChangeRatio, x.c.Upper, append(kv, "bound", BoundUpper)...)
			verdict := 0.0
			if real[i] {
				switch {
				case x.c.Ratio > 1:
					verdict = 1
				case x.c.Ratio < 1:
					verdict = -1
				}
			}
			s.Add(metrics.ChangeVerdict, verdict, kv...)
		}
	}
	return s.Results
}

// changed is Benjamini-Hochberg at ChangeFDR over the month's distinct
// tests: a comparison of the same counts as an earlier one (sameAs) is not
// counted again in the family and takes that one's verdict.
func changed(cmps []comparison) []bool {
	var pv []float64
	at := make([]int, len(cmps)) // index into pv
	for i := range cmps {
		if cmps[i].sameAs > 0 {
			at[i] = at[cmps[i].sameAs-1]
			continue
		}
		at[i] = len(pv)
		pv = append(pv, cmps[i].c.P)
	}
	distinct := change.BH(pv, ChangeFDR)
	real := make([]bool, len(cmps))
	for i := range cmps {
		real[i] = distinct[at[i]]
	}
	return real
}

func sortedSamples(m map[changeSample][]float64) []changeSample {
	out := make([]changeSample, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.measure != b.measure {
			return a.measure < b.measure
		}
		if a.group.sev != b.group.sev {
			return a.group.sev < b.group.sev
		}
		return a.group.team < b.group.team
	})
	return out
}

func sortedGroups(m map[changeGroup]bool) []changeGroup {
	out := make([]changeGroup, 0, len(m))
	for g := range m {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].sev != out[j].sev {
			return out[i].sev < out[j].sev
		}
		return out[i].team < out[j].team
	})
	return out
}

// forEachIndex calls f for every index below n, on up to one worker per
// CPU; each index is taken by exactly one worker.
func forEachIndex(n int, f func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < min(runtime.GOMAXPROCS(0), n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				f(i)
			}
		}()
	}
	wg.Wait()
}
