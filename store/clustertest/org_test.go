package clustertest

// The organization written the way the ingesters would (domain vocabulary,
// UTC), without HTTP: simulate/orgstore, as in analyze's tests.

import "github.com/aftermath-sre/aftermath/simulate/orgstore"

var (
	orgIncidents   = orgstore.Incidents
	orgPostmortems = orgstore.Postmortems
	orgActionItems = orgstore.ActionItems
	serviceName    = orgstore.ServiceName
)
