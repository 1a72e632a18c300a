package analyze

import (
	"context"

	"github.com/aftermath-sre/aftermath/domain"
	"github.com/aftermath-sre/aftermath/store"
)

// dataset is what every step of a run shares: how teams are named. The
// steps read the rows they need from the store themselves, streamed or
// aggregated by ClickHouse, so a run holds no table's rows (whatever the
// history's size, it holds what the steps derive).
type dataset struct {
	team   teamNamer
	labels map[string]string // stored team name -> label (teamNamer.labels)
}

// load reads what the steps share: the team labels of every team name
// stored.
func load(ctx context.Context, st *store.Store, team teamNamer) (*dataset, error) {
	labels, err := team.labels(ctx, st)
	if err != nil {
		return nil, err
	}
	return &dataset{team: team, labels: labels}, nil
}

// TeamKey is the canonical form of a team name used in every team label
// (domain.TeamKey): "Data Platform", "data_platform" and "data-platform"
// are one team.
func TeamKey(name string) string { return domain.TeamKey(name) }

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
