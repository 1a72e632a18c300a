package followup_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze/followup"
	"github.com/aftermath-sre/aftermath/simulate/org"
)

// maxSimDefaultShare bounds the share of the small simulated org's action
// items (seed 1) that no cue decides and that are prevent by default
// (measured 469 of 1895, see EVALUATION.md). The simulator has no
// ground-truth kind, so this guards the classifier's coverage of the
// simulator's vocabulary, not its accuracy.
const maxSimDefaultShare = 0.25

// TestSimulatedActionItems classifies every action item of the small
// simulated org and reports the mix of kinds, for vague and specific items.
//
//	go test ./analyze/followup -run TestSimulatedActionItems -v
func TestSimulatedActionItems(t *testing.T) {
	o, err := org.Generate(org.Options{Seed: 1, Scale: org.ScaleSmall, End: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	mix := map[bool]map[followup.Kind]int{false: {}, true: {}}
	defaults, other := map[string]bool{}, map[string]bool{}
	nDefault := 0
	for _, a := range o.ActionItems {
		r := followup.Classify(a.Summary)
		require.NotEqual(t, followup.Unknown, r.Kind, "action item %s has no words: %q", a.Key, a.Summary)
		mix[a.Vague][r.Kind]++
		if r.Kind == followup.Repair || (r.Kind == followup.Investigate && !a.Vague) {
			other[string(r.Kind)+" "+r.Cue+": "+a.Summary] = true
		}
		if r.Default {
			nDefault++
			defaults[a.Summary] = true
		}
	}
	for _, vague := range []bool{false, true} {
		var parts []string
		n := 0
		for _, k := range followup.Kinds {
			n += mix[vague][k]
		}
		for _, k := range followup.Kinds {
			parts = append(parts, fmt.Sprintf("%s %d (%.0f%%)", k, mix[vague][k], 100*float64(mix[vague][k])/float64(max(1, n))))
		}
		t.Logf("vague=%v: %d items: %s", vague, n, strings.Join(parts, ", "))
	}
	var ds []string
	for s := range defaults {
		ds = append(ds, s)
	}
	sort.Strings(ds)
	t.Logf("decided by default: %d of %d items (%d distinct texts): %q", nDefault, len(o.ActionItems), len(ds), ds)
	var os []string
	for s := range other {
		os = append(os, s)
	}
	sort.Strings(os)
	t.Logf("repair, and investigate among specific items (distinct texts, to read by hand): %q", os)
	require.LessOrEqual(t, float64(nDefault)/float64(len(o.ActionItems)), maxSimDefaultShare, "share of simulated action items no cue decides")
}
