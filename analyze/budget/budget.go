// Package budget attributes a service's downtime, and so its error-budget
// spend, to the incidents that caused it, and through their postmortems to
// the themes of their contributing factors.
//
// Downtime is the SLO analysis' (analyze/response Downtime and ComputeSLO):
// the union of the customer-impacting incidents' intervals. Where
// incidents overlap, each instant of downtime is split evenly among the
// incidents open at that instant, so an incident's shares add up to exactly
// the service's downtime. An incident's share is then split evenly among the
// distinct themes of its postmortems' factors; an incident without a
// postmortem goes to NoPostmortem, and one whose postmortems have no themed
// factor to Unthemed.
package budget

import (
	"sort"
	"time"
)

// Buckets of downtime that no theme explains.
const (
	NoPostmortem = "no_postmortem"
	Unthemed     = "unthemed"
)

// Span is one incident's downtime interval [Start, End).
type Span struct {
	ID         string
	Start, End time.Time
}

// Attribute returns each span's share of the downtime within [from, to),
// in seconds, keyed by span id (spans with no share are absent). A span's
// share of an instant is 1/k when k spans cover it; the shares add up to
// the length of the union of the spans within [from, to).
func Attribute(spans []Span, from, to time.Time) map[string]float64 {
	type ev struct {
		at    time.Time
		start bool
		i     int
	}
	var evs []ev
	for i, s := range spans {
		a, b := s.Start, s.End
		if a.Before(from) {
			a = from
		}
		if b.After(to) {
			b = to
		}
		if !b.After(a) {
			continue
		}
		evs = append(evs, ev{a, true, i}, ev{b, false, i})
	}
	sort.Slice(evs, func(i, j int) bool {
		if !evs[i].at.Equal(evs[j].at) {
			return evs[i].at.Before(evs[j].at)
		}
		if evs[i].start != evs[j].start {
			return !evs[i].start // ends first
		}
		return evs[i].i < evs[j].i
	})
	out := map[string]float64{}
	active := map[int]bool{}
	var last time.Time
	for _, e := range evs {
		if len(active) > 0 && e.at.After(last) {
			share := e.at.Sub(last).Seconds() / float64(len(active))
			for i := range active {
				out[spans[i].ID] += share
			}
		}
		last = e.at
		if e.start {
			active[e.i] = true
		} else {
			delete(active, e.i)
		}
	}
	return out
}

// ByTheme splits each incident's seconds evenly among its themes (see
// the package doc for the buckets of incidents without a theme).
// hasPostmortem tells whether an incident has a postmortem; themes are the
// distinct themes of its postmortems' factors.
func ByTheme(perIncident map[string]float64, themes map[string][]string, hasPostmortem func(id string) bool) map[string]float64 {
	out := map[string]float64{}
	ids := make([]string, 0, len(perIncident))
	for id := range perIncident {
		ids = append(ids, id)
	}
	sort.Strings(ids) // a fixed order of float additions
	for _, id := range ids {
		secs := perIncident[id]
		var ts []string
		for _, t := range themes[id] {
			if t != "" && !contains(ts, t) {
				ts = append(ts, t)
			}
		}
		switch {
		case len(ts) > 0:
			for _, t := range ts {
				out[t] += secs / float64(len(ts))
			}
		case hasPostmortem(id):
			out[Unthemed] += secs
		default:
			out[NoPostmortem] += secs
		}
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
