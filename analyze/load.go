package analyze

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/aftermath-sre/aftermath/store"
)

// dataset is the stored rows a run holds (incidents are streamed by the
// steps that need them one at a time).
type dataset struct {
	// postmortems without their factors' names and texts: the themes step
	// reads stored per-factor features and sets each postmortem's Factors
	// to the ids (PostmortemKey, Ordinal) of the factors it clustered.
	postmortems []store.Postmortem
	items       []store.ActionItem // the language step's, without transitions
}

// load reads the tables concurrently (ClickHouse reads one while Go decodes
// another), only the columns the analyses use, and the postmortems' prose
// only for those created or published since textsSince (older prose falls
// in no period).
func load(ctx context.Context, log *slog.Logger, st *store.Store, textsSince time.Time, team teamNamer) (*dataset, error) {
	d := &dataset{}
	var texts map[string]store.PostmortemHighlights
	var wg sync.WaitGroup
	errs := make([]error, 3)
	read := func(i int, f func() error) {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = protect(log, "load", f) }()
	}
	read(0, func() (err error) { d.postmortems, err = st.AnalysisPostmortems(ctx); return err })
	read(1, func() (err error) { texts, err = st.PublishedHighlights(ctx, textsSince); return err })
	read(2, func() (err error) { d.items, err = st.AnalysisActionItems(ctx); return err })
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	// Sources name teams their own way (PagerDuty "Data Platform", a Jira
	// component "data-platform"): team labels use one canonical form.
	for i := range d.items {
		d.items[i].Team = team.name(d.items[i].Team)
	}
	for i := range d.postmortems {
		p := &d.postmortems[i]
		p.Team = team.name(p.Team)
		if x, ok := texts[p.Key]; ok {
			p.Lucky, p.Lessons = x.Lucky, x.Lessons
		}
	}
	return d, nil
}

// TeamKey is the canonical form of a team name used in every team label:
// lower case, with runs of anything but letters and digits folded to one
// "-". "Data Platform", "data_platform" and "data-platform" are one team.
func TeamKey(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(strings.TrimSpace(name)) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	return b.String()
}

// teamNamer gives every team its label: the canonical form of its name, or
// of the name an alias maps it to.
type teamNamer map[string]string

func newTeamNamer(aliases map[string]string) teamNamer {
	n := teamNamer{}
	for from, to := range aliases {
		n[TeamKey(from)] = TeamKey(to)
	}
	return n
}

// labels maps every team name stored in st onto its label (store.Scope's
// Teams), so that ClickHouse groups by label.
func (n teamNamer) labels(ctx context.Context, st *store.Store) (map[string]string, error) {
	names, err := st.TeamNames(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(names))
	for _, s := range names {
		out[s] = n.name(s)
	}
	return out, nil
}

func (n teamNamer) name(s string) string {
	k := TeamKey(s)
	if to, ok := n[k]; ok {
		return to
	}
	return k
}
