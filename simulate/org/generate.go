package org

import (
	"fmt"
	"time"
)

// Random streams: each stage draws from its own stream of the seed.
const (
	streamPeople uint64 = iota + 1
	streamIDs
	streamArrivals
	streamIncidents
	streamThemes
	streamPostmortems
	streamActions
	streamText
	streamLatent
)

// gen holds generation state.
type gen struct {
	opts   Options
	params scaleParams
	org    *Org

	pids, qids, rids *idGen // people/services/policies, incidents, log entries

	teamUsers      [][]int
	svcTeam        []int
	svcKind        []string
	svcAckTimeout  []int
	svcTemplates   [][]int
	svcTemplateCum []cumulative
	svcTargets     [][][]string // [service][template k][target] "area tier"
	targetCum      cumulative
	svcShare       []float64 // share of the alert volume by service
	majorP         float64   // base probability that an incident is major

	incMeta    []incMeta
	plannedEnd []time.Time

	themes  *themeModel
	aiPlans []aiPlan

	shiftTeam int // team index of the planted MTTR shift

	strings map[string]string
	scratch []LogEntry // reused per incident
}

// Generate builds the organization described by opts. It is deterministic:
// the same opts always give an identical Org.
func Generate(opts Options) (*Org, error) {
	p, ok := opts.Scale.params()
	if !ok {
		return nil, fmt.Errorf("org: unknown scale %q (want tiny, small, medium, large or xlarge)", opts.Scale)
	}
	if opts.End.IsZero() {
		opts.End = defaultEnd
	}
	opts.End = opts.End.UTC().Truncate(time.Second)
	o := &Org{
		Options: opts,
		End:     opts.End,
		Start:   opts.End.Add(-time.Duration(p.days) * 24 * time.Hour),
	}
	o.initIndexes()
	ir := newRNG(opts.Seed, streamIDs)
	g := &gen{
		opts: opts, params: p, org: o,
		pids:      newIDGen('P', ir),
		qids:      newIDGen('Q', ir),
		rids:      newIDGen('R', ir),
		teamUsers: make([][]int, p.teams),
		strings:   make(map[string]string, 4096),
	}
	g.buildPeople()
	o.indexPeople()
	g.planLatent()
	// Base rate of a major incident, normalized by the mix of incident kinds
	// (regular alerts, incidents opened by hand) and their relative rates.
	kindMix := (1-stormShare)*(1-manualShare)*majorKindF[0] + (1-stormShare)*manualShare*majorKindF[1]
	g.majorP = majorsPerServiceMonth * float64(p.services) * float64(p.days) / 30.44 / float64(p.incidents) / kindMix
	g.buildIncidents()
	g.buildThemes()
	g.buildPostmortems()
	g.strings, g.scratch, g.aiPlans, g.incMeta, g.plannedEnd = nil, nil, nil, nil, nil
	o.indexRecords()
	return o, nil
}

// intern returns a canonical copy of s, so that the many log entries with the
// same summary share one string.
func (g *gen) intern(s string) string {
	if v, ok := g.strings[s]; ok {
		return v
	}
	g.strings[s] = s
	return s
}
