package org

import (
	"strconv"
	"strings"
)

// alertTemplate is a monitoring alert that can fire on a service, on one of
// its targets. Every incident of one service, template and target shares a
// Signature, and their titles differ only in hosts, numbers and regions
// (near-duplicates).
type alertTemplate struct {
	id      string
	kinds   string // service kinds it applies to; "" = all
	title   string // slots: {svc} {svc2} {host} {pct} {ms} {n} {n2} {region} {region2} {pod} {db} {queue} {topic} {domain} {days} {version} {path} {code} {job}
	symptom string // human phrase for postmortem titles and summaries
	monitor string // source in the incident key
}

var alertTemplates = []alertTemplate{
	{"high-error-rate", "", "[{region}] {svc}: HTTP 5xx error rate {pct}% over threshold", "elevated 5xx errors", "prometheus"},
	{"latency-p99", "", "{svc} p99 latency {ms}ms above SLO threshold", "high latency", "prometheus"},
	{"cpu-high", "", "CPU utilization above {pct}% on {host}", "CPU saturation", "datadog"},
	{"memory-high", "", "Memory utilization above {pct}% on {host}", "memory pressure", "datadog"},
	{"disk-full", "", "Disk space low on {host}: {pct}% used on /var", "disk exhaustion", "datadog"},
	{"pod-crashloop", "", "Pod {svc}-{pod} in CrashLoopBackOff", "crash-looping pods", "prometheus"},
	{"oom-killed", "", "{svc}: {n} containers OOMKilled in the last 10m", "out-of-memory kills", "prometheus"},
	{"healthcheck", "", "Health check failing for {svc} in {region}", "failing health checks", "pingdom"},
	{"slo-burn", "", "Error budget burn rate {n}x for {svc} (1h window)", "fast error budget burn", "sloth"},
	{"synthetic", "api frontend edge", "Synthetic check failed: {svc} /{path} returned {code}", "failing synthetic checks", "checkly"},
	{"cert-expiry", "api edge frontend", "TLS certificate for {domain} expires in {days} days", "an expiring TLS certificate", "certmon"},
	{"deploy-gate", "", "Deployment of {svc} v{version} failed health gate", "a failed deployment", "argo"},
	{"traffic-drop", "api frontend edge", "{svc} request rate dropped {pct}% below baseline", "a traffic drop", "prometheus"},
	{"upstream-timeout", "api frontend", "{svc}: upstream timeouts to {svc2} ({n}/min)", "upstream timeouts", "prometheus"},
	{"conn-pool", "api worker", "{svc}: database connection pool exhausted ({n}/{n2} in use)", "connection pool exhaustion", "prometheus"},
	{"rate-limited", "api edge", "{svc} returning 429s to {pct}% of clients", "throttled requests", "prometheus"},
	{"thread-pool", "api", "{svc}: worker thread pool saturated on {host}", "thread pool saturation", "datadog"},
	{"queue-depth", "worker data", "Queue depth over {n} on {queue}", "a growing backlog", "prometheus"},
	{"job-failed", "worker", "Job {job} failed {n} times in a row", "failing jobs", "airflow"},
	{"consumer-lag", "worker data", "Kafka consumer lag high for {topic} ({n} messages)", "consumer lag", "burrow"},
	{"dead-letter", "worker data", "Dead-letter queue for {queue} has {n} messages", "dead-lettered messages", "prometheus"},
	{"replication-lag", "db", "Replication lag on {db} replica {n}s", "replication lag", "pganalyze"},
	{"slow-queries", "db", "{db}: slow query count {n}/min above threshold", "slow queries", "pganalyze"},
	{"db-connections", "db", "{db}: connections at {pct}% of max_connections", "database connection saturation", "prometheus"},
	{"deadlocks", "db", "{db}: deadlocks detected ({n} in 5m)", "database deadlocks", "pganalyze"},
	{"cache-hit", "db api", "{svc} cache hit ratio dropped to {pct}%", "a cache hit ratio drop", "prometheus"},
	{"evictions", "db", "{svc}: eviction rate {n}/s", "cache evictions", "prometheus"},
	{"lb-5xx", "edge", "Load balancer lb-{n2} 5xx rate {pct}% in {region}", "load balancer errors", "cloudwatch"},
	{"dns-failures", "edge", "DNS resolution failures for {domain} from {region}", "DNS resolution failures", "prometheus"},
	{"packet-loss", "edge", "Packet loss {pct}% between {region} and {region2}", "packet loss", "thousandeyes"},
	{"node-notready", "edge worker", "{n} Kubernetes nodes NotReady in {region}", "nodes going NotReady", "prometheus"},
	{"ingest-lag", "data", "{svc}: ingestion lag {n}m behind real time", "ingestion lag", "prometheus"},
	{"under-replicated", "data", "{n} under-replicated partitions on {svc}", "under-replicated partitions", "prometheus"},
	{"broker-down", "data", "Kafka broker {host} offline", "a broker outage", "prometheus"},
	{"pipeline-stalled", "data worker", "{svc}: no data written for {n} minutes", "a stalled pipeline", "prometheus"},
	{"js-errors", "frontend", "{svc}: JavaScript error rate spiked to {pct}%", "front-end errors", "sentry"},
	{"lcp-budget", "frontend", "{svc}: LCP p75 {ms}ms above budget", "slow page loads", "speedcurve"},
	{"cdn-5xx", "frontend edge", "CDN 5xx for {svc} assets in {region}", "CDN errors", "fastly"},
}

// manualTitles are incidents opened by hand (web_trigger); every one has its
// own signature.
var manualTitles = []string{
	"Customer reports: unable to complete {thing} ({ticket})",
	"Support escalation: {svc} {symptom2} for enterprise customer ({ticket})",
	"Major incident declared: {svc} {symptom2}",
	"Multiple tickets about {thing} failing ({ticket})",
	"Partner reports {svc} {symptom2} since {hhmm} UTC",
}

var manualThings = []string{"checkout", "login", "password reset", "order tracking", "refunds", "search", "invoice download", "sign-up", "payment method update", "image uploads"}
var manualSymptoms = []string{"returning errors", "timing out", "very slow", "showing stale data", "intermittently unavailable", "rejecting valid requests"}

func (g *gen) templatesFor(kind string) []int {
	var out []int
	for i, t := range alertTemplates {
		if t.kinds == "" || strings.Contains(t.kinds, kind) {
			out = append(out, i)
		}
	}
	return out
}

// targetAreas and targetTiers name the workload and tier an alert fires on
// (appended to its title as "(area, tier)"). One alert template of one
// service has targetsPerAlert targets with distinct areas and distinct
// tiers, so two of its targets differ in two title words.
var (
	targetAreas = []string{"orders", "payments", "search", "cart", "profile", "catalog", "billing", "reports", "sessions", "webhooks", "inventory", "shipping"}
	targetTiers = []string{"primary", "canary", "batch", "internal", "public", "partner", "mobile", "legacy", "admin"}
)

// fillAlert expands an alert title. For an alert (target >= 0) the named
// slots (path, queue, topic, domain, job, code) are fixed by the target, so
// that the titles of one signature differ only in numbers, hosts and
// regions; an incident opened by hand (target < 0) draws them.
func (g *gen) fillAlert(r *rng, title string, svc, target int) string {
	choose := func(salt int, xs []string) string {
		if target < 0 {
			return pick(r, xs)
		}
		return xs[(target*7+salt)%len(xs)]
	}
	var b strings.Builder
	b.Grow(len(title) + 24)
	name := g.org.Services[svc].Name
	for i := 0; i < len(title); i++ {
		c := title[i]
		if c != '{' {
			b.WriteByte(c)
			continue
		}
		j := strings.IndexByte(title[i:], '}')
		slot := title[i+1 : i+j]
		i += j
		switch slot {
		case "svc":
			b.WriteString(name)
		case "svc2":
			b.WriteString(g.org.Services[r.IntN(len(g.org.Services))].Name)
		case "host":
			b.WriteString(name)
			b.WriteString("-")
			b.WriteString(strconv.Itoa(r.IntN(40) + 1))
			b.WriteString(".")
			b.WriteString(pick(r, regions))
		case "pct":
			b.WriteString(strconv.Itoa(r.IntN(30) + 70))
		case "ms":
			b.WriteString(strconv.Itoa((r.IntN(40) + 8) * 50))
		case "n":
			b.WriteString(strconv.Itoa(r.IntN(200) + 3))
		case "n2":
			b.WriteString(strconv.Itoa(r.IntN(20) + 1))
		case "region":
			b.WriteString(pick(r, regions))
		case "region2":
			b.WriteString(pick(r, regions))
		case "pod":
			b.WriteString(hexID(r, 9))
			b.WriteString("-")
			b.WriteString(hexID(r, 5))
		case "db":
			if g.svcKind[svc] == "db" {
				b.WriteString(name)
			} else {
				b.WriteString(name + "-db")
			}
		case "queue":
			b.WriteString(name + choose(1, []string{"-jobs", "-retry", "-events", "-outbox"}))
		case "topic":
			b.WriteString(choose(2, []string{"orders", "payments", "clicks", "inventory", "audit", "notifications"}) + "." + choose(3, []string{"v1", "v2", "events", "changelog"}))
		case "domain":
			b.WriteString(choose(4, certDomains))
		case "days":
			b.WriteString(strconv.Itoa(r.IntN(14) + 1))
		case "version":
			b.WriteString(strconv.Itoa(r.IntN(5)+1) + "." + strconv.Itoa(r.IntN(40)) + "." + strconv.Itoa(r.IntN(20)))
		case "path":
			b.WriteString(choose(5, []string{"healthz", "api/v1/status", "login", "checkout", "search?q=test", "orders/latest"}))
		case "code":
			b.WriteString(choose(6, []string{"500", "502", "503", "504", "timeout"}))
		case "job":
			b.WriteString(name + choose(7, []string{"-nightly", "-reconcile", "-compaction", "-export"}))
		case "thing":
			b.WriteString(pick(r, manualThings))
		case "symptom2":
			b.WriteString(pick(r, manualSymptoms))
		case "ticket":
			b.WriteString("ZD-" + strconv.Itoa(r.IntN(90000)+10000))
		case "hhmm":
			b.WriteString(twoDigit(r.IntN(24)) + ":" + twoDigit(r.IntN(60)))
		default:
			b.WriteString(slot)
		}
	}
	return b.String()
}

func twoDigit(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}
