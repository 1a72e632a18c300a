package org

import (
	"fmt"
	"time"
)

// scaleParams are the size knobs of one Scale.
type scaleParams struct {
	days      int
	incidents int // target incident count over the history
	teams     int
	users     int
	services  int
	// coverage, when set, replaces coverageP (postmortem coverage by
	// severity) and lifts every team's SEV3 habit to the high one: an
	// organization that writes postmortems for most incidents.
	coverage *[6]float64
}

// xlargeCoverage makes the xlarge org the size the analysis benchmark is
// sized for (issue 12: 1M incidents, about 200k postmortems and 1M action
// items): postmortems for all SEV1/SEV2 incidents, most customer-impacting
// SEV3 and a third of the other SEV3 incidents, none below, as an
// organization with a strong writing culture does.
var xlargeCoverage = [6]float64{0, 0.97, 0.95, 0.22, 0, 0}

func (s Scale) params() (scaleParams, bool) {
	switch s {
	case ScaleTiny:
		return scaleParams{days: 30, incidents: 200, teams: 8, users: 60, services: 20}, true
	case ScaleSmall:
		return scaleParams{days: 90, incidents: 2000, teams: 10, users: 100, services: 30}, true
	case ScaleMedium:
		return scaleParams{days: 365, incidents: 20000, teams: 14, users: 180, services: 50}, true
	case ScaleLarge:
		return scaleParams{days: 730, incidents: 100000, teams: 20, users: 300, services: 80}, true
	case ScaleXLarge:
		return scaleParams{days: 1095, incidents: 1000000, teams: 20, users: 480, services: 120, coverage: &xlargeCoverage}, true
	}
	return scaleParams{}, false
}

// Days is the length of the scale's history in days (0 for an unknown scale).
func (s Scale) Days() int {
	p, _ := s.params()
	return p.days
}

// TargetIncidents is the approximate number of incidents the scale generates
// (0 for an unknown scale). Actual counts vary by a few percent with the seed.
func (s Scale) TargetIncidents() int {
	p, _ := s.params()
	return p.incidents
}

// Valid reports whether s is a known scale.
func (s Scale) Valid() bool {
	_, ok := s.params()
	return ok
}

// Scales lists the known scales, smallest first.
func Scales() []Scale { return []Scale{ScaleTiny, ScaleSmall, ScaleMedium, ScaleLarge, ScaleXLarge} }

// ParseScale parses a scale name.
func ParseScale(s string) (Scale, error) {
	sc := Scale(s)
	if !sc.Valid() {
		return "", fmt.Errorf("org: unknown scale %q (want tiny, small, medium, large or xlarge)", s)
	}
	return sc, nil
}

// DefaultEnd is the End used when Options.End is zero.
var defaultEnd = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// DefaultEnd returns the End used when Options.End is zero.
func DefaultEnd() time.Time { return defaultEnd }
