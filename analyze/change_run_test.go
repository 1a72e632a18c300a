package analyze

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze/change"
	"github.com/aftermath-sre/aftermath/analyze/internal/calc"
	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
)

// changeFixture: five teams with 60 incidents a month each from August to
// October 2026, lognormal times (median 5 min to acknowledge, 1 h to
// resolve); team-c resolves three times slower from October on, team-e has
// twice the incidents in October. The run's clock is mid-November.
func changeFixture() ([]store.Incident, calc.Periods) {
	r := rand.New(rand.NewPCG(21, 22))
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	var incs []store.Incident
	for _, m := range []time.Month{time.August, time.September, time.October} {
		for _, team := range []string{"team-a", "team-b", "team-c", "team-d", "team-e"} {
			n := 60
			if team == "team-e" && m == time.October {
				n = 120
			}
			for i := 0; i < n; i++ {
				created := time.Date(2026, m, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(28*24*3600)) * time.Second)
				ack := 300 * math.Exp(0.8*r.NormFloat64())
				res := 3600 * math.Exp(r.NormFloat64())
				if team == "team-c" && m == time.October {
					res *= 3
				}
				sev := fmt.Sprintf("SEV%d", 1+r.IntN(4))
				incs = append(incs, store.Incident{
					ID: fmt.Sprintf("%s-%d-%d", team, m, i), Severity: sev, ServiceName: "svc-" + team, TeamName: team,
					CreatedAt:      created,
					AcknowledgedAt: created.Add(time.Duration(ack * float64(time.Second))),
					ResolvedAt:     created.Add(time.Duration(res * float64(time.Second))),
				})
			}
		}
	}
	return incs, calc.NewPeriods(now, time.UTC, 13)
}

func changeRows(rs []store.Result) map[string]float64 {
	out := map[string]float64{}
	for _, r := range rs {
		var kv []string
		for i, n := range r.LabelNames {
			kv = append(kv, n, r.LabelValues[i])
		}
		out[rkey(r.Metric, kv...)] = r.Value
	}
	return out
}

func TestChangeFindsThePlantedChangesOnly(t *testing.T) {
	incs, ps := changeFixture()
	rs := computeChange(incs, ps, change.Resamples, changeInputs{})
	require.NoError(t, checkResults(rs))
	got := changeRows(rs)

	verdict := func(period, measure, sev, team, stat string) (float64, bool) {
		v, ok := got[rkey(metrics.ChangeVerdict.ResultName(), "period", period, "measure", measure, "severity", sev, "team", team, "stat", stat)]
		return v, ok
	}
	// The planted changes are found.
	v, ok := verdict("2026-10", MeasureMTTR, "", "team-c", StatP50)
	require.True(t, ok)
	require.Equal(t, 1.0, v, "team-c's MTTR p50 tripled in October")
	// (Its p90 rose 2.0x in this sample, interval 1.3 to 3.8: not enough
	// among the month's 60-odd comparisons; it is allowed either way.)
	v, ok = verdict("2026-10", MeasureIncidents, "", "team-e", StatRate)
	require.True(t, ok)
	require.Equal(t, 1.0, v, "team-e's incidents doubled in October")
	// The estimate is the ratio of the two months' percentiles, inside its interval.
	key := func(bound string) string {
		return rkey(metrics.ChangeRatio.ResultName(), "period", "2026-10", "measure", MeasureMTTR, "severity", "", "team", "team-c", "stat", StatP50, "bound", bound)
	}
	require.InDelta(t, 3, got[key(BoundEstimate)], 1.2)
	require.Less(t, got[key(BoundLower)], got[key(BoundEstimate)])
	require.Greater(t, got[key(BoundUpper)], got[key(BoundEstimate)])
	require.Greater(t, got[key(BoundLower)], 1.0)

	// Nothing else changed between September and October for a team, or
	// between August and September anywhere.
	tested := 0
	for k, v := range got {
		if !strings.HasPrefix(k, metrics.ChangeVerdict.ResultName()+"|") || strings.Contains(k, "period=2026-11") {
			continue // November has no incidents yet: everything fell
		}
		tested++
		planted := strings.Contains(k, "period=2026-10") &&
			(strings.Contains(k, "measure=mttr|severity=|team=team-c|") || strings.Contains(k, "measure=incidents|severity=|team=team-e|"))
		orgWide := strings.Contains(k, "period=2026-10") && strings.Contains(k, "team=|")
		if planted || orgWide {
			continue // the org-wide and per-severity numbers include team-c's and team-e's real changes
		}
		require.Equal(t, 0.0, v, "%s: no change was planted", k)
	}
	require.GreaterOrEqual(t, tested, 50)

	// Months before the data starts are not compared; July (no data) is not.
	_, ok = verdict("2026-08", MeasureMTTR, "", "", StatP50)
	require.False(t, ok, "August is the first month with data: nothing to compare it with")
	// The current, partial month is compared with the month before (no
	// incidents in November: the rate fell).
	v, ok = verdict("2026-11", MeasureIncidents, "", "", StatRate)
	require.True(t, ok)
	require.Equal(t, -1.0, v)

	// Bands: every period with at least MinChangeSample incidents has an interval around its percentile.
	lo := got[rkey(metrics.MTTRIntervalSeconds.ResultName(), "period", "2026-09", "severity", "", "team", "team-a", "stat", StatP90, "bound", BoundLower)]
	hi := got[rkey(metrics.MTTRIntervalSeconds.ResultName(), "period", "2026-09", "severity", "", "team", "team-a", "stat", StatP90, "bound", BoundUpper)]
	require.Greater(t, lo, 0.0)
	require.Greater(t, hi, lo)
	_, ok = got[rkey(metrics.MTTAIntervalSeconds.ResultName(), "period", "30d", "severity", "", "team", "", "stat", StatP50, "bound", BoundLower)]
	require.True(t, ok, "the rolling 30 days have bands too")

	// Reruns give identical results.
	require.Equal(t, rs, computeChange(incs, ps, change.Resamples, changeInputs{}))
}

func TestChangeTooFewIncidents(t *testing.T) {
	now := time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)
	var incs []store.Incident
	for i := 0; i < MinChangeSample-1; i++ {
		for _, m := range []time.Month{time.September, time.October} {
			c := time.Date(2026, m, 1+i, 0, 0, 0, 0, time.UTC)
			incs = append(incs, store.Incident{ID: fmt.Sprint(m, i), Severity: "SEV2", TeamName: "t", CreatedAt: c, AcknowledgedAt: c.Add(time.Minute), ResolvedAt: c.Add(time.Hour)})
		}
	}
	got := changeRows(computeChange(incs, calc.NewPeriods(now, time.UTC, 3), 500, changeInputs{}))
	for k := range got {
		require.False(t, strings.HasPrefix(k, "mttr_interval_seconds|") || strings.Contains(k, "measure=mttr"), "%s: fewer than %d incidents", k, MinChangeSample)
	}
	v, ok := got[rkey(metrics.ChangeVerdict.ResultName(), "period", "2026-10", "measure", MeasureIncidents, "severity", "", "team", "", "stat", StatRate)]
	require.True(t, ok, "counts are compared however small")
	require.Equal(t, 0.0, v)
}

// TestChangeP90NeedsTwentyIncidents: a month's p90 is compared with the
// month before only when both have at least 20 incidents (two beyond the
// p90); the median needs MinChangeSample. Five slow SEV2s against fourteen
// fast ones (the shape of black-box pass 10's "real fall") get a p50
// verdict and no p90 one; with twenty in each month both are tested.
func TestChangeP90NeedsTwentyIncidents(t *testing.T) {
	require.Equal(t, 5, minComparedSample(0.5))
	require.Equal(t, 20, minComparedSample(0.9))
	now := time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)
	ps := calc.NewPeriods(now, time.UTC, 3)
	month := func(m time.Month, n int, resolve time.Duration) []store.Incident {
		var out []store.Incident
		for i := 0; i < n; i++ {
			c := time.Date(2026, m, 1+i, 0, 0, 0, 0, time.UTC)
			out = append(out, store.Incident{ID: fmt.Sprint(m, i), Severity: "SEV2", TeamName: "t", CreatedAt: c,
				AcknowledgedAt: c.Add(time.Minute), ResolvedAt: c.Add(resolve + time.Duration(i)*time.Minute)})
		}
		return out
	}
	verdict := func(got map[string]float64, stat string) bool {
		_, ok := got[rkey(metrics.ChangeVerdict.ResultName(), "period", "2026-10", "measure", MeasureMTTR, "severity", "", "team", "", "stat", stat)]
		return ok
	}
	few := changeRows(computeChange(append(month(time.September, 14, 5*time.Hour), month(time.October, 5, 40*time.Minute)...), ps, 500, changeInputs{}))
	require.True(t, verdict(few, StatP50))
	require.False(t, verdict(few, StatP90), "5 incidents: the p90 is not tested")
	many := changeRows(computeChange(append(month(time.September, 20, 5*time.Hour), month(time.October, 20, 40*time.Minute)...), ps, 500, changeInputs{}))
	require.True(t, verdict(many, StatP50))
	require.True(t, verdict(many, StatP90))
}

// The digest's other comparisons: shares (postmortem coverage, repeats,
// blame, vague items) by Fisher's exact test and counts (repeats,
// SEV1+SEV2) by the rate test, read from the other steps' results
// and in the same Benjamini–Hochberg family as the month's other tests.
func TestChangeSharesAndCounts(t *testing.T) {
	incs, ps := changeFixture()
	var s calc.Sink
	for _, per := range ps.All {
		req, cov := 50, 0.8
		if per.Label == "2026-10" {
			cov = 0.3 // 15 of 50 against 40 of 50: a real fall
		}
		s.Add(metrics.PostmortemsRequired, float64(req), "period", per.Label, "severity", "")
		s.Add(metrics.PostmortemsRequired, 30, "period", per.Label, "severity", "SEV1")
		s.Add(metrics.PostmortemCoverageRatio, cov, "period", per.Label, "severity", "")
		s.Add(metrics.PostmortemCoverageRatio, 0.5, "period", per.Label, "severity", "SEV1")
		// 300 incidents a month, 30 repeats (October: 33, noise).
		rep := 30.0
		if per.Label == "2026-10" {
			rep = 33
		}
		s.Add(metrics.IncidentsBySeverity, 100, "period", per.Label, "severity", "SEV1")
		s.Add(metrics.IncidentsBySeverity, 200, "period", per.Label, "severity", "SEV3")
		s.Add(metrics.RecurringIncidentsBySeverity, 10, "period", per.Label, "severity", "SEV1")
		s.Add(metrics.RecurringIncidentsBySeverity, rep-10, "period", per.Label, "severity", "SEV3")
		// Action items created tripled: not compared (they come in batches).
		s.Add(metrics.ActionItemsCreated, map[bool]float64{true: 120, false: 40}[per.Label == "2026-10"], "period", per.Label, "team", "team-a")
	}
	n := len(ps.All)
	lang := languageCounts{postmortems: make([]int, n), blamed: make([]int, n), items: make([]int, n), vague: make([]int, n)}
	for p := range ps.All {
		lang.postmortems[p], lang.blamed[p], lang.items[p], lang.vague[p] = 40, 8, 60, 6
	}
	more, err := changeInputsFrom(s.Results, ps, lang)
	require.NoError(t, err)
	rs := computeChange(incs, ps, 500, more)
	require.NoError(t, checkResults(rs))
	got := changeRows(rs)
	verdict := func(measure, team, stat string) float64 {
		v, ok := got[rkey(metrics.ChangeVerdict.ResultName(), "period", "2026-10", "measure", measure, "severity", "", "team", team, "stat", stat)]
		require.True(t, ok, "%s %s %s compared", measure, team, stat)
		return v
	}
	ratio := func(measure, team, stat, bound string) float64 {
		return got[rkey(metrics.ChangeRatio.ResultName(), "period", "2026-10", "measure", measure, "severity", "", "team", team, "stat", stat, "bound", bound)]
	}
	require.Equal(t, -1.0, verdict(MeasureCoverage, "", StatShare), "coverage fell from 80% to 30%")
	require.InDelta(t, 0.3/0.8, ratio(MeasureCoverage, "", StatShare, BoundEstimate), 1e-12)
	require.Less(t, ratio(MeasureCoverage, "", StatShare, BoundUpper), 1.0)
	require.Equal(t, 0.0, verdict(MeasureRepeats, "", StatShare), "33 of 300 against 30 of 300")
	require.InDelta(t, 1.1, ratio(MeasureRepeats, "", StatShare, BoundEstimate), 1e-12)
	require.Equal(t, 0.0, verdict(MeasureRepeats, "", StatRate))
	require.Equal(t, 0.0, verdict(MeasureRequired, "", StatRate), "50 incidents needed a postmortem every month")
	require.Equal(t, 0.0, verdict(MeasureMajorRepeats, "", StatShare), "10 of 100 both months")
	require.Equal(t, 0.0, verdict(MeasureBlame, "", StatShare))
	require.Equal(t, 0.0, verdict(MeasureVague, "", StatShare))
	for k := range got {
		require.NotContains(t, k, "measure=action_items_created", "action items created are not compared")
	}
	require.Equal(t, 0.0, verdict(MeasureMajorIncidents, "", StatRate))
	// The shares are not compared where the months have no data: August
	// is the first month with incidents.
	_, ok := got[rkey(metrics.ChangeVerdict.ResultName(), "period", "2026-08", "measure", MeasureCoverage, "severity", "", "team", "", "stat", StatShare)]
	require.False(t, ok)

	// A ratio that is not a share of the count fails with the family named.
	var bad calc.Sink
	bad.Add(metrics.PostmortemsRequired, 7, "period", "2026-10", "severity", "")
	bad.Add(metrics.PostmortemCoverageRatio, 0.5, "period", "2026-10", "severity", "")
	_, err = changeInputsFrom(bad.Results, ps, languageCounts{})
	require.ErrorContains(t, err, "postmortems written")
	require.ErrorContains(t, err, "2026-10")
}

// TestChangeCountsARepeatedTestOnce: incidents needing a postmortem are
// often exactly the SEV1 and SEV2 incidents (black-box pass 10: both rows
// read 5 -> 3); the same test is counted once in the correction and shares
// its verdict. Counted twice, a large p-value of it would have made the
// family one larger and taken another change's verdict away.
func TestChangeCountsARepeatedTestOnce(t *testing.T) {
	cmp := func(p float64) comparison { return comparison{c: change.Comparison{P: p, Ratio: 2}} }
	cmps := []comparison{cmp(0.02), cmp(0.5)}
	require.Equal(t, []bool{true, false}, changed(cmps))
	dup := cmp(0.5)
	dup.sameAs = 2
	require.Equal(t, []bool{true, false, false}, changed(append(cmps, dup)), "the repeat of the second adds no test")
	counted := append(cmps, cmp(0.5)) // the same p-value as a test of its own
	require.Equal(t, []bool{false, false, false}, changed(counted))
}
