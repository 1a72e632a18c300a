package org

// noteText returns a responder's annotation for an incident on service svc.
func (g *gen) noteText(r *rng, svc int) string {
	name := g.org.Services[svc].Name
	return expand(r, pick(r, incidentNotes), slotCtx{svc: name, svc2: g.org.Services[r.IntN(len(g.org.Services))].Name, n: r.IntN(40) + 2, region: pick(r, regions)})
}

var incidentNotes = []string{
	"Investigating; error rates on {svc} started climbing around the same time as the last deploy.",
	"Rolled back {svc} to the previous release, watching dashboards.",
	"Scaled {svc} out by {n} replicas as a stop-gap.",
	"Looks like {svc2} is slow, pinged their on-call.",
	"Flapping alert, silenced for 1h while we look.",
	"Failover to [the standby|the secondary|{region}] completed.",
	"Customer support is seeing tickets about this, [status page updated|posting an update to the status page].",
	"Not customer facing as far as we can tell.",
	"Disk cleaned up, [{n}|about {n}] GB freed.",
	"Restarted the stuck [pods|workers|consumers] on {svc}.",
	"Upstream provider acknowledged the issue on their status page.",
	"Handing over to the [secondary|next shift], summary in the incident channel.",
}
