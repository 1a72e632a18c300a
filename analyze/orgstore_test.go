package analyze

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/postmortem"
	"github.com/aftermath-sre/aftermath/simulate/org"
	"github.com/aftermath-sre/aftermath/simulate/orgstore"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

var (
	orgMu    sync.Mutex
	orgCache = map[org.Scale]*org.Org{}
)

// testOrg generates (once per test binary) the organization of a scale.
func testOrg(t testing.TB, scale org.Scale) *org.Org {
	t.Helper()
	orgMu.Lock()
	defer orgMu.Unlock()
	if o, ok := orgCache[scale]; ok {
		return o
	}
	o, err := org.Generate(org.Options{Seed: 7, Scale: scale})
	require.NoError(t, err)
	orgCache[scale] = o
	return o
}

// storeOrg writes an organization into the store the way the ingesters
// would (domain vocabulary, UTC), without HTTP.
func storeOrg(ctx context.Context, t testing.TB, st *store.Store, o *org.Org) {
	t.Helper()
	require.NoError(t, orgstore.Store(ctx, st, o))
}

// The organization's rows and names, as orgstore maps them.
var (
	orgIncidents      = orgstore.Incidents
	orgPostmortems    = orgstore.Postmortems
	orgActionItems    = orgstore.ActionItems
	teamName          = orgstore.TeamName
	serviceName       = orgstore.ServiceName
	lastHumanActivity = orgstore.LastHumanActivity
)

// templateSections keeps the postmortem import used (the template's
// section list is what completeness is measured against).
var templateSections = postmortem.TemplateSections
