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

// TestMixFindsTheInvestigateTeam: the per-team mix of the simulated orgs
// (small and medium, two seeds) finds exactly the team the simulator made
// mostly "investigate" (Org.Latent.InvestigateTeamID) as majority
// investigate, over the whole history and in every month where the team
// created at least 10 items, and no other team.
func TestMixFindsTheInvestigateTeam(t *testing.T) {
	for _, tc := range []struct {
		scale org.Scale
		seed  int64
	}{{org.ScaleSmall, 1}, {org.ScaleSmall, 7}, {org.ScaleMedium, 1}, {org.ScaleMedium, 7}} {
		o, err := org.Generate(org.Options{Seed: tc.seed, Scale: tc.scale})
		require.NoError(t, err)
		var items []followup.Item
		for _, a := range o.ActionItems {
			items = append(items, followup.Item{Text: a.Summary, Team: a.TeamID, Created: a.CreatedAt, Resolved: a.ResolvedAt})
		}
		all := followup.Period{Label: "all", From: o.Start, To: o.End}
		periods := []followup.Period{all}
		for m := time.Date(o.Start.Year(), o.Start.Month(), 1, 0, 0, 0, 0, time.UTC); m.Before(o.End); m = m.AddDate(0, 1, 0) {
			periods = append(periods, followup.Period{Label: m.Format("2006-01"), From: m, To: m.AddDate(0, 1, 0)})
		}
		rows, _ := followup.Mix(items, periods, o.End, followup.Classify)
		type key struct{ team, period string }
		inv, total := map[key]int{}, map[key]int{}
		for _, r := range rows {
			k := key{r.Team, r.Period}
			total[k] += r.Created
			if r.Kind == followup.Investigate {
				inv[k] += r.Created
			}
		}
		want := o.Latent.InvestigateTeamID
		var majority []string
		for _, team := range o.Teams {
			k := key{team.ID, "all"}
			share := float64(inv[k]) / float64(max(1, total[k]))
			t.Logf("%s seed %d team %-24s investigate %3d of %4d items (%.2f)", tc.scale, tc.seed, team.Name, inv[k], total[k], share)
			if 2*inv[k] > total[k] {
				majority = append(majority, team.ID)
			}
			if team.ID == want {
				require.Greater(t, share, 0.6, "the investigate team's follow-ups are clearly mostly investigate")
				require.GreaterOrEqual(t, total[k], 30, "the investigate team has items to read")
			} else {
				require.Less(t, share, 0.25, "team %s is not mostly investigate", team.Name)
			}
		}
		require.Equal(t, []string{want}, majority)
		for _, p := range periods[1:] {
			k := key{want, p.Label}
			if total[k] >= 10 {
				require.Greater(t, 2*inv[k], total[k], "the investigate team in %s: %d of %d", p.Label, inv[k], total[k])
			}
		}
	}
}
