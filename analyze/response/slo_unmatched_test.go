package response

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/store"
)

// TestUnmatchedSLOsNameTheClosestServices: an SLO whose service no stored
// incident names (by name or id, exactly, as its downtime is measured) is
// reported with the closest service names on record; an SLO that names a
// service by its id, or exactly, is not.
func TestUnmatchedSLOsNameTheClosestServices(t *testing.T) {
	withID := func(x store.Incident, id string) store.Incident { x.ServiceID = id; return x }
	incs := []store.Incident{
		withID(inc("a", "SEV1", "checkout-api", t0, time.Time{}, t0.Add(time.Hour)), "PCHK"),
		withID(inc("b", "SEV3", "search", t0, time.Time{}, t0.Add(time.Hour)), "PSRCH"),
		withID(inc("c", "SEV4", "payments", t0, time.Time{}, t0.Add(time.Hour)), "PPAY"),
		withID(inc("d", "SEV2", "checkout-web", t0, time.Time{}, t0.Add(time.Hour)), "PWEB"),
	}
	st := stored(t, incs, nil)
	slo := func(svc string) SLO { return SLO{Service: svc, Target: 0.999, Severities: []string{"SEV1"}} }
	now := t0.Add(48 * time.Hour)
	got, err := UnmatchedSLOs(context.Background(), st, []SLO{
		slo("checkout"), // the services are checkout-api and checkout-web
		slo("search"),   // exact, even without customer-impacting incidents
		slo("PPAY"),     // by id
		slo("Payments"), // the match is exact: case matters
		slo("ledger"),   // nothing close
		slo("serach"),   // a typo of search
	}, now)
	require.NoError(t, err)
	require.Equal(t, []UnmatchedSLO{
		{Service: "checkout", Closest: []string{"checkout-api", "checkout-web"}, Known: 4},
		{Service: "Payments", Closest: []string{"payments"}, Known: 4},
		{Service: "ledger", Known: 4},
		{Service: "serach", Closest: []string{"search"}, Known: 4},
	}, got)

	got, err = UnmatchedSLOs(context.Background(), st, nil, now)
	require.NoError(t, err)
	require.Empty(t, got)
}

func TestClosestNames(t *testing.T) {
	names := []string{"api", "api-gateway", "billing", "Checkout", "checkout-api", "db", "search-api"}
	for _, tc := range []struct {
		target string
		want   []string
	}{
		{"checkout", []string{"Checkout", "checkout-api"}},
		{"check_out", []string{"Checkout", "checkout-api"}},
		{"biling", []string{"billing"}},
		{"API", []string{"api", "search-api", "api-gateway"}}, // the fewest edits first, at most three
		{"db2", []string{"db"}},
		{"ledger", nil},
		{"--", nil},
	} {
		require.Equal(t, tc.want, closestNames(tc.target, names, ClosestShown), tc.target)
	}
}
