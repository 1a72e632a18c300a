package org

import (
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestMajorIncidentsSpreadOverServices: major incidents (SEV1/SEV2) arrive at
// about majorsPerServiceMonth on every service, not in proportion to its
// alert volume, and most are opened by hand.
func TestMajorIncidentsSpreadOverServices(t *testing.T) {
	o := genOrg(t, 1, ScaleMedium)
	volume := map[string]int{}
	majors := map[string]int{}
	manual, total := 0, 0
	for i := range o.Incidents {
		x := &o.Incidents[i]
		volume[x.ServiceID]++
		if x.Severity == "SEV1" || x.Severity == "SEV2" {
			majors[x.ServiceID]++
			total++
			if len(x.Signature) > 7 && x.Signature[:7] == "manual/" {
				manual++
			}
		}
	}
	months := o.End.Sub(o.Start).Hours() / 24 / 30.44
	perSvcMonth := float64(total) / float64(len(o.Services)) / months
	t.Logf("%d major incidents, %.3f per service-month, %d opened by hand", total, perSvcMonth, manual)
	require.InDelta(t, majorsPerServiceMonth, perSvcMonth, 0.06)
	require.Greater(t, float64(manual)/float64(total), 0.4, "most major incidents are declared by people")
	// The busiest fifth of the services by volume.
	ids := make([]string, 0, len(o.Services))
	for _, s := range o.Services {
		ids = append(ids, s.ID)
	}
	sort.Slice(ids, func(i, j int) bool { return volume[ids[i]] > volume[ids[j]] })
	top := ids[:len(ids)/5]
	var topVol, topMaj int
	for _, id := range top {
		topVol += volume[id]
		topMaj += majors[id]
	}
	volShare, majShare := float64(topVol)/float64(len(o.Incidents)), float64(topMaj)/float64(total)
	t.Logf("busiest %d services: %.2f of the volume, %.2f of the major incidents", len(top), volShare, majShare)
	require.Greater(t, volShare, 0.3)
	require.Less(t, majShare, 0.3, "major incidents are not concentrated on the noisy services")
}

// TestLatentEffects checks the planted effects against an independent
// reading of the generated records, on two seeds.
func TestLatentEffects(t *testing.T) {
	for _, seed := range []int64{1, 7} {
		o := genOrg(t, seed, ScaleMedium)
		l := o.Latent
		// Every theme has a FixHolds entry; about half hold.
		require.Len(t, l.FixHolds, len(o.Themes))
		holds := 0
		for _, th := range o.Themes {
			v, ok := l.FixHolds[th.ID]
			require.True(t, ok, th.ID)
			if v {
				holds++
			}
		}
		require.InDelta(t, len(o.Themes)/2, holds, 1)
		require.NotNil(t, o.TeamByID(l.InvestigateTeamID))
		require.NotNil(t, o.TeamByID(l.MTTRShift.TeamID))
		require.NotEqual(t, l.InvestigateTeamID, l.MTTRShift.TeamID)
		require.GreaterOrEqual(t, l.MTTRShift.Factor, 2.0)
		require.LessOrEqual(t, l.MTTRShift.Factor, 3.0)
		// From: the first day of the last full calendar month before End.
		from := l.MTTRShift.From
		require.Equal(t, 1, from.Day())
		require.Equal(t, time.UTC, from.Location())
		require.False(t, from.AddDate(0, 1, 0).After(o.End))
		require.True(t, from.AddDate(0, 2, 0).After(o.End))

		checkFixesHold(t, o)
		checkMTTRShift(t, o)
	}
}

// checkFixesHold measures, for each theme, the rate of repeats (later
// incidents of the postmortem's service covered by a postmortem with a
// factor of the theme) per day of exposure while a postmortem's items are
// open and after they are all closed (Org.ItemsClosedAt), pooled over the
// postmortems with that theme.
func checkFixesHold(t *testing.T, o *Org) {
	type pmInc struct {
		at     time.Time
		themes []string
	}
	bySvc := map[string][]pmInc{}
	for i := range o.Postmortems {
		p := &o.Postmortems[i]
		for _, id := range p.IncidentIDs {
			x := o.IncidentByID(id)
			bySvc[x.ServiceID] = append(bySvc[x.ServiceID], pmInc{at: x.CreatedAt, themes: p.FactorThemes})
		}
	}
	type agg struct{ openN, closedN, openDays, closedDays float64 }
	per := map[string]*agg{}
	for i := range o.Postmortems {
		p := &o.Postmortems[i]
		if p.NearMiss || len(p.IncidentIDs) == 0 {
			continue
		}
		first := o.IncidentByID(p.IncidentIDs[0]).CreatedAt
		closed := o.ItemsClosedAt(p)
		split := o.End
		if !closed.IsZero() {
			split = closed
		}
		for _, th := range p.FactorThemes {
			a := per[th]
			if a == nil {
				a = &agg{}
				per[th] = a
			}
			a.openDays += split.Sub(first).Hours() / 24
			a.closedDays += o.End.Sub(split).Hours() / 24
			for _, y := range bySvc[p.ServiceID] {
				if !y.at.After(first) || !slices.Contains(y.themes, th) {
					continue
				}
				if y.at.Before(split) {
					a.openN++
				} else {
					a.closedN++
				}
			}
		}
	}
	var holdRatio, notRatio []float64
	for _, th := range o.Themes {
		a := per[th.ID]
		if a == nil || a.openN < 5 || a.closedDays < 100 {
			continue
		}
		ratio := (a.closedN / a.closedDays) / (a.openN / a.openDays)
		t.Logf("seed %d theme %-20s holds=%-5v open %3.0f repeats / %5.0f days, closed %3.0f / %5.0f days: ratio %.2f",
			o.Options.Seed, th.ID, o.Latent.FixHolds[th.ID], a.openN, a.openDays, a.closedN, a.closedDays, ratio)
		if o.Latent.FixHolds[th.ID] {
			holdRatio = append(holdRatio, ratio)
		} else {
			notRatio = append(notRatio, ratio)
		}
	}
	require.NotEmpty(t, holdRatio)
	require.NotEmpty(t, notRatio)
	for _, r := range holdRatio {
		require.Less(t, r, 0.35, "a holding fix cuts repeats")
	}
	for _, r := range notRatio {
		require.Greater(t, r, 0.5, "a fix that does not hold leaves repeats about as they were")
	}
}

// checkMTTRShift compares each team's median time to resolve (trigger to
// resolve, non-merged, resolved incidents) in the last full month with the
// months before: only the shift team moves by about the planted factor.
func checkMTTRShift(t *testing.T, o *Org) {
	s := o.Latent.MTTRShift
	before, after := map[string][]float64{}, map[string][]float64{}
	for i := range o.Incidents {
		x := &o.Incidents[i]
		if x.MergedInto != "" || x.ResolvedAt.IsZero() || x.CreatedAt.Before(s.From.AddDate(0, -3, 0)) {
			continue
		}
		d := x.ResolvedAt.Sub(x.CreatedAt).Minutes()
		switch {
		case x.CreatedAt.Before(s.From):
			before[x.TeamID] = append(before[x.TeamID], d)
		case x.CreatedAt.Before(s.From.AddDate(0, 1, 0)):
			after[x.TeamID] = append(after[x.TeamID], d)
		}
	}
	median := func(xs []float64) float64 {
		ys := slices.Clone(xs)
		slices.Sort(ys)
		return ys[len(ys)/2]
	}
	shift, maxOther := 0.0, 0.0
	for _, team := range o.Teams {
		if len(after[team.ID]) < 30 {
			continue
		}
		ratio := median(after[team.ID]) / median(before[team.ID])
		t.Logf("seed %d team %-24s median TTR last month / 3 months before: %.2f (%d incidents in the month)", o.Options.Seed, team.Name, ratio, len(after[team.ID]))
		if team.ID == s.TeamID {
			shift = ratio
			require.InDelta(t, s.Factor, ratio, 0.35*s.Factor, "the shift team moves by about the factor")
		} else {
			maxOther = max(maxOther, ratio)
			require.InDelta(t, 1, ratio, 0.6, "team %s has no planted shift", team.Name)
		}
	}
	require.Greater(t, shift, maxOther, "the planted shift is the largest change")
}
