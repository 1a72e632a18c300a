package digest_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze"
	"github.com/aftermath-sre/aftermath/digest"
	"github.com/aftermath-sre/aftermath/simulate/org"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// medium is the medium simulated org (a year of history, seed 7) analysed
// for real, with what the tests read from the store, kept as plain data
// (the database is dropped with the first test that asks for it).
type medium struct {
	org *org.Org
	// digest is the last month's; team the digest of its busiest team.
	digest, team *digest.Digest
	themes       []store.ThemeState
	factorThemes []store.FactorTheme
}

var (
	mediumOnce   sync.Once
	mediumOrg    *medium
	mediumFailed bool
)

// mediumDigest generates, stores and analyses the medium simulated org
// once per test binary.
func mediumDigest(t *testing.T) *medium {
	t.Helper()
	if testing.Short() {
		t.Skip("analyses the medium simulated org")
	}
	mediumOnce.Do(func() {
		mediumFailed = true
		ctx := context.Background()
		o, err := org.Generate(org.Options{Seed: 7, Scale: org.ScaleMedium})
		require.NoError(t, err)
		st := chtest.Store(t)
		storeSimulatedOrg(ctx, t, st, o)
		runAt := o.End.Add(time.Hour)
		_, err = analyze.Run(ctx, st, analyze.Options{Now: func() time.Time { return runAt }, MaxItemSeries: 20})
		require.NoError(t, err)
		d, err := digest.Build(ctx, st, digest.Options{Now: func() time.Time { return runAt }})
		require.NoError(t, err)
		m := &medium{org: o, digest: d}
		busiest := d.Teams[0]
		for _, ts := range d.Teams {
			if ts.Incidents.Total.Value() > busiest.Incidents.Total.Value() {
				busiest = ts
			}
		}
		m.team, err = digest.Build(ctx, st, digest.Options{Now: func() time.Time { return runAt }, Team: busiest.Team})
		require.NoError(t, err)
		m.themes, err = st.Themes(ctx, d.RunID)
		require.NoError(t, err)
		m.factorThemes, err = st.FactorThemes(ctx, d.RunID)
		require.NoError(t, err)
		mediumOrg, mediumFailed = m, false
	})
	if mediumFailed {
		t.Fatal("building the medium simulated digest failed in an earlier test")
	}
	return mediumOrg
}
