package jira_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/ingest/jira"
	simjira "github.com/aftermath-sre/aftermath/simulate/jira"
	"github.com/aftermath-sre/aftermath/simulate/jira/jiratest"
)

// edgeOffsets are edit times relative to each sync: just before it (seen by
// that sync), exactly at it, and in the seconds and minute after it, where a
// JQL bound written in the wrong time zone or rounded the wrong way loses
// them.
var edgeOffsets = []time.Duration{-time.Second, 0, time.Second, 30 * time.Second, 59 * time.Second, time.Minute, 61 * time.Second, 5 * time.Minute}

// edgeOrg builds an org for a Jira user in tz whose issues change around
// every sync time: edits at edgeOffsets of each sync, and a new postmortem
// with a new action item 30 seconds after each sync.
func edgeOrg(tz string, syncs []time.Time) *jiratest.Builder {
	first, last := syncs[0], syncs[len(syncs)-1]
	b := jiratest.New(last.Add(24*time.Hour), [2]string{"Jira User", tz}, [2]string{"Other User", "Europe/Berlin"})
	b.Postmortem(first.Add(-10*24*time.Hour), "PINC001")
	for _, s := range syncs {
		b.Postmortem(s.Add(30 * time.Second))
	}
	const items = 4
	for i := 0; i < items; i++ {
		b.ActionItem("PM-1", first.Add(-9*24*time.Hour+time.Duration(i)*time.Minute))
	}
	for k, s := range syncs {
		b.ActionItem(fmt.Sprintf("PM-%d", k+2), s.Add(45*time.Second))
	}
	n := 0
	for k, s := range syncs {
		for j, off := range edgeOffsets {
			key := fmt.Sprintf("ACT-%d", 1+n%items)
			at := s.Add(off)
			switch n % 3 {
			case 0:
				b.Label(key, at, fmt.Sprintf("edge-%d-%d", k, j), 1)
			case 1:
				b.Assign(key, at, n%2, 1)
			default:
				b.Due(key, at, at.Truncate(24*time.Hour).Add(time.Duration(n)*24*time.Hour), 0)
			}
			n++
		}
		b.Transition("PM-1", s.Add(time.Duration(k+1)*time.Second), []string{"In Review", "Draft"}[k%2], 0)
	}
	return b
}

// runEdgeScenario syncs at each sync time with no overlap and reports the
// first mismatch against the ground truth at that time ("" when none).
func runEdgeScenario(t *testing.T, tz string, syncs []time.Time, mod func(*jira.Options)) string {
	t.Helper()
	b := edgeOrg(tz, syncs)
	e := newEnv(t, b.Org, simjira.Options{})
	opts := func(op *jira.Options) {
		op.Overlap = -1 // none: the bound alone must be right
		if mod != nil {
			mod(op)
		}
	}
	in := e.ingester(opts)
	for _, s := range append(syncs, b.Org.End) {
		e.clock.Set(s)
		e.sync(in)
		if ms := mismatches(t, e.st, groundTruth(t, e, e.options(), s)); len(ms) > 0 {
			return fmt.Sprintf("after the sync at %s: %v", s.Format(time.RFC3339), ms)
		}
	}
	return ""
}

func every(start time.Time, step time.Duration, n int) []time.Time {
	out := make([]time.Time, n)
	for i := range out {
		out[i] = start.Add(time.Duration(i) * step)
	}
	return out
}

func TestIncrementalSyncMissesNothingInTheUsersTimeZone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		tz    string
		syncs []time.Time
	}{
		{"UTC+10 Brisbane", "Australia/Brisbane", every(time.Date(2025, 6, 2, 13, 58, 10, 0, time.UTC), 47*time.Minute, 4)},
		{"UTC-8 Los Angeles winter", "America/Los_Angeles", every(time.Date(2025, 1, 15, 7, 59, 30, 0, time.UTC), 53*time.Minute, 4)},
		// 2025-11-02: 01:00-02:00 happens twice in Los Angeles (09:00 UTC: PDT -> PST).
		{"Los Angeles across the fall-back change", "America/Los_Angeles", every(time.Date(2025, 11, 2, 7, 40, 0, 0, time.UTC), 25*time.Minute, 6)},
		// 2025-03-09: 02:00-03:00 does not exist (10:00 UTC: PST -> PDT).
		{"Los Angeles across the spring-forward change", "America/Los_Angeles", every(time.Date(2025, 3, 9, 9, 15, 0, 0, time.UTC), 25*time.Minute, 4)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Empty(t, runEdgeScenario(t, tc.tz, tc.syncs, nil))
		})
	}
}

// TestTheEdgeScenarioCatchesWrongTimeZones shows that the scenario above
// fails for the classic bugs: a bound written in UTC for a user behind UTC,
// and an offset frozen before a daylight-saving change.
func TestTheEdgeScenarioCatchesWrongTimeZones(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, tz, wrong string
		syncs           []time.Time
	}{
		{"UTC bound for a UTC-8 user", "America/Los_Angeles", "UTC", every(time.Date(2025, 1, 15, 7, 59, 30, 0, time.UTC), 53*time.Minute, 4)},
		{"summer offset after fall-back", "America/Los_Angeles", "Etc/GMT+7", every(time.Date(2025, 11, 2, 9, 10, 0, 0, time.UTC), 25*time.Minute, 4)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			miss := runEdgeScenario(t, tc.tz, tc.syncs, func(op *jira.Options) { op.TimeZone = tc.wrong })
			require.NotEmpty(t, miss, "a wrong time zone must lose edits")
			t.Log(short(miss))
		})
	}
}
