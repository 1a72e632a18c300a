package org

import (
	"math"
	"time"
)

// themeSpec is the text catalog of one latent contributing-factor theme.
// Wording varies through several lead sentences, alternatives in brackets,
// slots and elaboration sentences; some vocabulary is shared with other themes
// on purpose.
type themeSpec struct {
	id, name, desc string
	popularity     float64
	affinity       string   // service kinds where it is more common
	neighbors      []string // themes whose details sometimes appear in this theme's factors
	names          []string
	leads          []string
	details        []string
	mitigations    []string
	actions        []string // concrete, measurable action items
	lessons        []string
	poorly         []string
}

var themeCatalog = []themeSpec{
	{
		id: "config-change", name: "Configuration change without validation",
		desc:       "A configuration or feature-flag change reached production without validation, review or gradual rollout.",
		neighbors:  []string{"deploy-process", "time-pressure"},
		popularity: 1.4, affinity: "api edge",
		names: []string{"Unvalidated configuration change", "Bad config push", "Configuration error in {svc}", "Config change [not validated|without validation]", "Invalid [runtime|dynamic] configuration", "Misconfigured {comp}"},
		leads: []string{
			"A one-line edit to the settings of {svc} switched off the {comp} in production.",
			"A value that looked reasonable in review turned out to be off by a factor of a thousand once {svc} read it.",
			"The change that started this was not a code change at all, just a setting flipped in the admin console.",
			"A configuration change to {svc} set [an invalid|a malformed|an incorrect] value for the {comp}, and nothing validated it before it went live.",
			"The [{svc} config file|{svc} configuration] was edited by hand and pushed without a schema check, which [broke|disabled] the {comp}.",
			"A [dynamic|runtime] config update changed the {comp} timeout from {n2} seconds to {n} milliseconds on every host at once.",
			"Our configuration system accepted a value that {svc} could not parse, so [instances|pods] restarted with [default settings|an empty config].",
			"The config change was [meant|intended] for staging but was applied to production because both environments share the same [repository|key prefix].",
			"A typo in the {svc} routing config sent [{pct}% of|all] traffic to a [decommissioned|non-existent] backend pool.",
			"[Config|Configuration] changes for {svc} bypass the [review|validation] step that code changes go through.",
			"The feature flag {flag} was turned on with [a wrong|an unexpected] targeting rule, exposing the new code path to every customer.",
		},
		details: []string{
			"There is no [dry run|validation step|lint] for this file.",
			"The config service propagated the change to every region within [seconds|a minute].",
			"The previous value was not recorded, which slowed down the revert.",
			"Reverting the config took effect only after [instances were restarted|caches expired].",
			"The diff looked harmless in review because the key names were similar.",
			"The same setting is duplicated in [two|three] places and they had drifted apart.",
			"The change was rolled out everywhere at once rather than through a canary.",
		},
		mitigations: []string{"reverting the configuration change", "restoring the previous config values", "turning the {flag} flag off"},
		actions: []string{
			"Add schema validation for {svc} configuration to CI and block merges that fail it",
			"Roll out {svc} config changes through the canary stage first (one host for 10 minutes)",
			"Keep the previous config version and add a one-command revert for {svc}",
			"Remove the duplicated {comp} settings so {svc} has a single source of truth",
		},
		lessons: []string{"Configuration deserves the same safety checks as code.", "A config push can have a larger blast radius than a deploy."},
		poorly:  []string{"Finding which config change was responsible took {mins} minutes."},
	},
	{
		id: "missing-tests", name: "Missing tests",
		desc:       "The failing behaviour was not covered by unit, integration or end-to-end tests.",
		neighbors:  []string{"deploy-process", "database-migration"},
		popularity: 1.0, affinity: "api worker frontend",
		names: []string{"Missing test coverage", "Untested code path", "No integration test for the {comp}", "Gap in automated tests", "Test suite did not cover the failing case", "Insufficient testing"},
		leads: []string{
			"Nothing exercised the failure path of the {comp} before it shipped.",
			"The behaviour that broke had never been checked automatically, only by hand during the original launch.",
			"The case of {svc2} returning an empty list had simply never been tried before release.",
			"The code path that failed had no [unit|integration] tests, so the regression in {svc} was not caught in CI.",
			"Our test suite for {svc} mocks {svc2}, and the mock did not behave like the real service [under errors|for empty responses].",
			"A refactoring of the {comp} changed error handling for [empty|null|very large] inputs, and no test exercised that case.",
			"[End-to-end|Integration] tests for {svc} had been [disabled|skipped] for [weeks|months] because they were flaky.",
			"The bug only shows up with [production-sized|real] data; the test fixtures contain only {n2} records.",
			"Test coverage of the {comp} module was around {n2}0%, and the changed function was not covered.",
			"The pull request touched {n} files but added no tests, and the review checklist does not ask for any.",
		},
		details: []string{
			"CI passed [green|without warnings].",
			"The failing case was easy to reproduce locally once we knew what to look for.",
			"[Staging|The staging environment] does not have data shaped like production.",
			"We have contract tests for some clients of {svc} but not for this one.",
			"The regression was introduced [{n2} days|two releases] before it caused the incident.",
			"The same bug would have shipped through the canary, because the canary sees little of this traffic.",
		},
		mitigations: []string{"rolling back the release and shipping a fix", "deploying a hotfix to {svc}"},
		actions: []string{
			"Add integration tests for {comp} error handling in {svc} covering empty and oversized inputs",
			"Re-enable the {svc} end-to-end suite and fix its {n2} flaky tests",
			"Require tests for changes to the {comp} module through a CODEOWNERS check",
			"Add contract tests between {svc} and {svc2} to the CI pipeline",
		},
		lessons: []string{"Tests with realistic data catch what unit tests miss.", "A disabled test suite is a missing test suite."},
		poorly:  []string{"The fix itself needed two attempts before it passed review."},
	},
	{
		id: "capacity", name: "Capacity and resource exhaustion",
		desc:       "Traffic or data growth exceeded provisioned capacity, limits or autoscaling.",
		neighbors:  []string{"retry-storm", "monitoring-gap"},
		popularity: 1.1, affinity: "db data api",
		names: []string{"Insufficient capacity", "Resource exhaustion in {svc}", "{comp} saturation", "Under-provisioned {svc}", "Traffic exceeded capacity", "Capacity planning gap"},
		leads: []string{
			"{svc} simply did not have enough room for the load that arrived at the top of the hour.",
			"We had been running close to the limit for weeks and the extra traffic tipped {svc} over.",
			"There were not enough workers to keep up, so requests queued and then timed out.",
			"{svc} ran out of [capacity|headroom] when traffic reached {pct}% above [the usual peak|normal levels].",
			"The {comp} was sized for last year's load and [saturated|was exhausted] during the [sale|marketing campaign|seasonal peak].",
			"[Memory|CPU] on the {svc} [nodes|instances] reached {pct}% and the autoscaler [hit its maximum|could not add nodes fast enough].",
			"The [database connection pool|thread pool|worker pool] in {svc} was limited to {n2}0 and every slot was in use.",
			"Disk usage on the {db} volumes grew by {n} GB a week and there was no forecast for it.",
			"A [marketing email|partner integration|large new customer] doubled request volume to {svc} [within an hour|overnight].",
			"[Autoscaling|The horizontal autoscaler] for {svc} is based on CPU, but the bottleneck was [memory|disk I/O|open connections].",
		},
		details: []string{
			"Load tests had not been run since [the last major release|{n2} months ago].",
			"[Quotas|Instance limits] in {region} prevented adding more [nodes|instances] quickly.",
			"Latency rose gradually for about {mins} minutes before errors started.",
			"Clients retried the failed requests, which added to the load.",
			"The capacity plan for {svc} had not been updated after the last [migration|launch].",
			"Usage alerts existed but were set at 95%, too late to act.",
		},
		mitigations: []string{"scaling out {svc}", "raising the {comp} limits", "adding nodes to the cluster"},
		actions: []string{
			"Raise the {svc} autoscaler maximum to {n2}0 replicas and alert at 80% of it",
			"Run a load test of {svc} at twice last year's peak before {month}",
			"Add a disk growth forecast alert for {db} that fires 14 days before full",
			"Scale {svc} on request concurrency instead of CPU",
		},
		lessons: []string{"Capacity needs a forecast, not just an alert.", "Autoscaling only helps if it scales on the real bottleneck."},
		poorly:  []string{"Adding capacity took longer than expected because of quotas."},
	},
	{
		id: "dependency-failure", name: "Dependency failure",
		desc:       "An upstream internal service or third-party provider failed and the service had no fallback.",
		neighbors:  []string{"network-partition", "retry-storm"},
		popularity: 1.2, affinity: "api edge",
		names: []string{"Third-party outage", "Failure of {dep}", "Upstream dependency failure", "{svc2} degradation", "Hard dependency on {dep}", "Dependency outage without fallback"},
		leads: []string{
			"Something outside our control broke first, and {svc} had no way to carry on without it.",
			"{svc} was waiting on another system that stopped answering, and it waited far too long.",
			"The problem started in a service run by another company and spread to us within minutes.",
			"{dep} had [an outage|a partial outage|elevated error rates] and {svc} has no fallback when it is unavailable.",
			"{svc} depends synchronously on {svc2}, so when {svc2} slowed down, {svc} [timed out|failed] as well.",
			"Calls to {dep} [started timing out|returned 503s] and our client [waited {n2}0 seconds|used no timeout at all] before giving up.",
			"A [breaking API change|deprecation] at {dep} [changed|removed] a field that {svc} relies on.",
			"The provider's status page showed no problem for the first {mins} minutes, so we [investigated our own systems|looked in the wrong place] first.",
			"{svc} treats {svc2} as a hard dependency even for [read-only|non-critical] requests.",
			"[Rate limits|Quotas] at {dep} were reached and requests were rejected for about {mins} minutes.",
		},
		details: []string{
			"There is no circuit breaker between {svc} and [the provider|{svc2}].",
			"Our contract with the provider has no SLA for this API.",
			"We had no [secondary|backup] provider configured.",
			"[Cached responses|A stale cache] could have served most requests, but the cache is bypassed on errors.",
			"The dependency is not listed in the {svc} runbook.",
			"Timeouts to {svc2} caused request threads in {svc} to pile up.",
		},
		mitigations: []string{"failing over away from {dep}", "waiting for the provider to recover", "disabling the calls to {svc2}"},
		actions: []string{
			"Add a circuit breaker with a 2 second timeout around calls from {svc} to {dep}",
			"Serve cached responses from {svc} when {svc2} is unavailable",
			"Configure a secondary provider for {dep} and test failover every quarter",
			"Make the {svc2} call asynchronous for read-only requests in {svc}",
		},
		lessons: []string{"Every external dependency needs a timeout and a fallback.", "Our availability is bounded by our hardest dependency."},
		poorly:  []string{"We could not reach the provider's support line for {mins} minutes."},
	},
	{
		id: "monitoring-gap", name: "Monitoring and alerting gap",
		desc:       "The problem was not detected by monitoring, or alerts went to the wrong place or were too coarse.",
		neighbors:  []string{"unclear-runbook", "capacity"},
		popularity: 1.0, affinity: "",
		names: []string{"Monitoring gap", "Missing alert for the {comp}", "Alert did not fire", "No visibility into {svc}", "Detection gap", "Blind spot in observability"},
		leads: []string{
			"The signal existed in the logs, but nothing turned it into a page.",
			"For the first {mins} minutes the graphs looked normal because they measured the wrong thing.",
			"Our first hint was an angry message from a customer, not anything we had set up ourselves.",
			"There was no alert on {comp} [errors|saturation|lag], so the problem was [reported by customers|noticed by support] {mins} minutes after it began.",
			"The alert for {svc} [fired|existed] but paged [a channel nobody watches|the wrong team|an email list].",
			"Our dashboards showed [averages|median latency], which hid the [tail latency|errors] affecting {pct}% of requests.",
			"The health check for {svc} only tests that the process is up, not that it can [serve requests|reach its database].",
			"The alert threshold was set to {pct}% errors, well above what customers [notice|tolerate].",
			"Metrics for {svc} stopped being reported when the [agent|exporter|sidecar] crashed, and missing data does not alert.",
			"[Synthetic checks|Black-box probes] do not cover the {comp} flow that broke.",
		},
		details: []string{
			"We learned about the incident from a [support ticket|social media post|partner email].",
			"Logs had the error within seconds, but nobody looks at them proactively.",
			"The alert was [noisy|flapping] in the past and had been [muted|downgraded to low urgency].",
			"Detection took far longer than the fix itself.",
			"Once the right dashboard was open, the cause was obvious.",
		},
		mitigations: []string{"restarting {svc}", "rolling back {svc}", "clearing the stuck {comp} state"},
		actions: []string{
			"Alert on a {svc} 5xx ratio above 1% for 5 minutes, paging the owning team",
			"Add a synthetic check for the {comp} flow every minute from three regions",
			"Alert when {svc} metrics are absent for 10 minutes",
			"Route {svc} alerts to the {team} on-call instead of the shared channel",
		},
		lessons: []string{"Alert on the symptoms customers see, not only on causes.", "Absent data is a signal too."},
		poorly:  []string{"Customers noticed before we did."},
	},
	{
		id: "deploy-process", name: "Deploy process",
		desc:       "The release process lacked canaries, health gates or a fast rollback.",
		neighbors:  []string{"config-change", "missing-tests"},
		popularity: 1.0, affinity: "api frontend worker",
		names: []string{"Unsafe deploy process", "No canary for {svc}", "Deploy without gradual rollout", "Slow rollback", "Deployment pipeline gap", "Rollout to all regions at once"},
		leads: []string{
			"The new version of {svc} reached every customer within two minutes of the merge.",
			"Going back to the old version of {svc} was slow and manual.",
			"Nothing between merge and production would have stopped a broken build of {svc}.",
			"The release of {svc} went to all [regions|hosts] at once; the pipeline has no canary stage for this service.",
			"Rolling back {svc} took {mins} minutes because the previous [image|artifact] had to be rebuilt.",
			"The deploy pipeline reported the release healthy because the health gate only [waits {n2} seconds|checks that the process starts].",
			"Releases of {svc} and {svc2} went out [within minutes of each other|at the same time], which made it hard to tell which one caused the errors.",
			"A [manual|hand-run] deploy step was [skipped|run out of order], leaving {svc} on mixed versions.",
			"The [blue/green switch|traffic shift] for {svc} moved {pct}% of traffic in one step.",
			"Deploys are allowed [on Friday evenings|during peak hours|during the freeze] without extra checks.",
		},
		details: []string{
			"There is no automated rollback on error-rate regressions.",
			"The deploy dashboard did not show which version was running where.",
			"[Feature flags|Dark launches] were not used for this change.",
			"The change had been reviewed and approved.",
			"The pipeline for {svc} is older than the one most services use.",
		},
		mitigations: []string{"rolling back the deploy", "redeploying the previous version of {svc}", "pausing the rollout"},
		actions: []string{
			"Add a canary stage (5% of traffic for 15 minutes) to the {svc} pipeline",
			"Roll back {svc} automatically when its error rate doubles within 10 minutes of a deploy",
			"Keep the last three {svc} images available for instant rollback",
			"Show the running version per region on the {svc} deploy dashboard",
		},
		lessons: []string{"Small, gradual rollouts limit the blast radius.", "A rollback that takes half an hour is not a safety net."},
		poorly:  []string{"Two teams deployed at the same time without knowing it."},
	},
	{
		id: "expired-certificate", name: "Expired certificate",
		desc:       "A TLS certificate expired or failed to rotate.",
		neighbors:  []string{"monitoring-gap", "unclear-runbook"},
		popularity: 0.35, affinity: "edge api",
		names: []string{"Expired TLS certificate", "Certificate expiry", "Manual certificate renewal", "Expired certificate on {domain}", "Certificate rotation gap", "Untracked certificate"},
		leads: []string{
			"A date we all knew about passed without anyone acting on it, and {domain} stopped accepting secure connections.",
			"Browsers and API clients began rejecting {domain} at midnight UTC.",
			"The TLS handshake to {svc} started failing for every client at once.",
			"The TLS certificate for {domain} expired and clients [refused to connect|failed the handshake].",
			"Certificate renewal for {domain} is a manual task and the reminder [went to an unmonitored mailbox|email was filtered as spam].",
			"[Automatic renewal|cert-manager] failed [silently|for {n2} days] because the [DNS|ACME] challenge could not complete.",
			"An intermediate certificate in the {svc} chain expired, even though the leaf certificate was still valid.",
			"The [internal CA|mesh] certificates for {svc} have a short lifetime and rotation stopped after [an upgrade|a config change].",
			"The certificate for {domain} was not in our inventory, so no expiry alert existed for it.",
			"A client pinned the old certificate, so the renewed one was rejected by [the mobile app|a partner integration].",
		},
		details: []string{
			"Renewing and deploying the new certificate took {mins} minutes.",
			"Expiry warnings were sent, but only to a shared inbox.",
			"Several other certificates turned out to be close to expiry as well.",
			"The private key had to be regenerated because the old one could not be found.",
		},
		mitigations: []string{"renewing the certificate", "deploying a new certificate for {domain}"},
		actions: []string{
			"Alert when any certificate in the inventory expires in fewer than 21 days",
			"Move {domain} to automated renewal with cert-manager",
			"Add {domain} and its intermediates to the certificate inventory",
			"Remove certificate pinning from the partner integration before {month}",
		},
		lessons: []string{"Certificates need an owner and automation.", "Anything that expires on a date will eventually expire in production."},
		poorly:  []string{"It took a while to find who could issue a new certificate."},
	},
	{
		id: "time-pressure", name: "Time pressure",
		desc:       "A deadline, launch or freeze led to skipped steps or batched changes.",
		neighbors:  []string{"deploy-process", "config-change"},
		popularity: 0.6, affinity: "frontend api",
		names: []string{"Time pressure", "Rushed change before a deadline", "Deadline-driven shortcut", "Change made under pressure", "Skipped steps to meet a launch date", "Competing priorities"},
		leads: []string{
			"Everyone involved knew the plan was tight, and the safety steps were the first thing to go.",
			"The work was squeezed into the last afternoon before the announcement.",
			"The team had three launches that month and this one got the least attention.",
			"The change was [rushed|pushed out] to meet the [launch|contract] deadline, and the usual [staging soak|review] was skipped.",
			"The team was under pressure to ship the {flag} launch [the same day|before the weekend], leaving no time for [load testing|a rollback plan].",
			"With the [holiday freeze|quarter end] approaching, {n2} changes were [batched|merged] into one release.",
			"The fix for an earlier incident was applied in a hurry during the incident itself and introduced a second problem.",
			"The on-call engineer was also finishing a release with a hard deadline and had little time for the alert.",
			"Review was [shortened|skipped] because [the sales team|a large customer] was waiting on the feature.",
		},
		details: []string{
			"The launch date had been brought forward by [a week|two weeks].",
			"The team was short-staffed that week.",
			"Nobody felt able to ask for a delay.",
			"Release checklists were skipped to save time.",
			"The risk was known, and the trade-off was never written down.",
		},
		mitigations: []string{"reverting the rushed change", "rolling back the launch"},
		actions: []string{
			"Add a launch readiness review with a go/no-go checklist for releases tied to deadlines",
			"Schedule launches like {flag} with a 48-hour staging soak",
			"Require a written rollback plan for changes shipped under a freeze exception",
			"Limit releases during the freeze to one change per deploy",
		},
		lessons: []string{"Deadlines are a risk factor and need explicit trade-offs.", "A launch date is not a reason to skip the rollback plan."},
		poorly:  []string{"The decision to ship anyway was made in a hallway and not recorded."},
	},
	{
		id: "unclear-runbook", name: "Unclear or outdated runbook",
		desc:       "Responders lacked a correct, current procedure or a clear owner.",
		neighbors:  []string{"monitoring-gap", "dependency-failure"},
		popularity: 0.7, affinity: "db data",
		names: []string{"Unclear runbook", "Outdated runbook for {svc}", "Missing runbook", "Runbook gap", "Unclear escalation path", "Undocumented recovery procedure"},
		leads: []string{
			"The responder did not know the safe way to recover {svc} and had to ask around in chat.",
			"The written instructions for this alert were wrong in two places.",
			"Knowing what to do depended on one person who happened to be on holiday.",
			"The runbook for the {svc} alert [pointed to|described] a [dashboard|command] that no longer exists.",
			"There was no runbook for [failing over {db}|restarting {svc} safely], so responders had to work out the steps during the incident.",
			"The runbook recommended restarting {svc}, which cleared its cache and increased load on {db}.",
			"It was unclear which team owns {svc}, so the page was passed between {n2} teams.",
			"The recovery procedure lived in one engineer's notes and the wiki page was {n2} years old.",
			"Escalation contacts for {dep} were [missing|out of date] in the runbook.",
		},
		details: []string{
			"Responders spent {mins} minutes looking for the right commands.",
			"The steps required access that the on-call engineer did not have.",
			"The runbook was written before the migration to Kubernetes.",
			"[Two|Several] runbooks disagreed with each other.",
			"The alert itself did not link to any documentation.",
		},
		mitigations: []string{"failing over manually", "following the recovery steps from the incident channel"},
		actions: []string{
			"Rewrite the {svc} failover runbook and exercise it in a game day before {month}",
			"Link a runbook from every paging alert of {svc} and lint for it in CI",
			"Record the owner of {svc} in the service catalog and route its pages to that team",
			"Grant the {team} on-call role the production access the runbook needs",
		},
		lessons: []string{"A runbook is only useful if it is exercised.", "Ownership that is not written down does not exist during an incident."},
		poorly:  []string{"The incident was handed between teams before anyone started on it."},
	},
	{
		id: "database-migration", name: "Database migration",
		desc:       "A schema change, index build or backfill locked or overloaded a database.",
		neighbors:  []string{"missing-tests", "capacity"},
		popularity: 0.6, affinity: "db",
		names: []string{"Risky database migration", "Schema migration lock", "Migration on {db}", "Long-running migration", "Backfill overloaded the database", "Non-backward-compatible schema change"},
		leads: []string{
			"A change to the table layout of {db} blocked writes while it ran.",
			"Adding a column to a very large table turned out to be far from instant.",
			"The one-off script that rewrote old rows in {db} competed with live traffic for the disk.",
			"A schema migration on {db} took [an exclusive|a table-level] lock on the [orders|users|events] table for {mins} minutes.",
			"The migration added [an index|a column with a default] to a table with {n} million rows without an online migration.",
			"A [backfill|data migration] job ran at full speed against {db} and saturated the primary's [I/O|CPU].",
			"The new code expected a column that the migration had not created yet, because code and schema were deployed in the wrong order.",
			"The migration had never been run against a production-sized copy of {db}.",
			"Dropping the old column broke a [reporting job|consumer] that still read it.",
		},
		details: []string{
			"Replication lag on the read replicas reached {n2} minutes.",
			"We have no tooling to pause or throttle migrations.",
			"Reverting the migration was not possible without a restore.",
			"The migration ran during the busiest hour of the day.",
		},
		mitigations: []string{"killing the migration", "failing over to a replica of {db}", "pausing the backfill"},
		actions: []string{
			"Run {db} migrations with a 5 second lock timeout and online index builds",
			"Throttle backfills on {db} to 500 rows per second with a pause switch",
			"Test migrations against a production-sized snapshot of {db} in CI",
			"Split schema changes into expand and contract steps in the migration guide",
		},
		lessons: []string{"Schema changes need to be backward compatible and online.", "A migration is a deploy of the database and needs the same care."},
		poorly:  []string{"Nobody could tell how far the migration had progressed."},
	},
	{
		id: "network-partition", name: "Network partition",
		desc:       "Connectivity between zones, regions or services was lost or degraded.",
		neighbors:  []string{"dependency-failure", "retry-storm"},
		popularity: 0.5, affinity: "edge data",
		names: []string{"Network partition", "Network connectivity loss", "Cross-region link failure", "Packet loss between zones", "DNS resolution failure", "Split brain after a partition"},
		leads: []string{
			"Half of the fleet could not talk to the other half for {n2} minutes.",
			"Connections from {svc} to {svc2} hung instead of failing, because packets were silently dropped.",
			"Traffic between {region} and {region2} went nowhere during the incident.",
			"A network partition between {region} and {region2} cut off {svc} from {db}.",
			"Packet loss of {pct}% on a transit link between [availability zones|data centers] caused [timeouts|retransmits] for {svc}.",
			"[Internal DNS|The resolver] stopped answering for {n2} minutes, so services could not find {svc2}.",
			"After the network recovered, both {db} nodes believed they were primary and accepted writes.",
			"A [firewall|security group] change blocked traffic from {svc} to {svc2}.",
			"The [load balancer|NAT gateway] in {region} dropped connections when its connection table filled up.",
		},
		details: []string{
			"Clients kept pooled connections to unreachable endpoints.",
			"Failover to {region2} is manual and took {mins} minutes.",
			"The cloud provider later confirmed a fault on their side.",
			"Health checks passed from inside the zone, so nothing was marked unhealthy.",
		},
		mitigations: []string{"failing traffic over to {region2}", "restoring the firewall rules", "restarting the DNS resolvers"},
		actions: []string{
			"Automate regional failover for {svc} and test it monthly",
			"Add fencing to {db} failover to prevent split brain",
			"Alert on packet loss above 1% between availability zones",
			"Probe {svc} health from outside its zone",
		},
		lessons: []string{"Failover that is not automated is slow.", "The network is part of the system and fails like any other part."},
		poorly:  []string{"Diagnosing the network path needed people from three teams."},
	},
	{
		id: "retry-storm", name: "Retry storm",
		desc:       "Retries, reconnects or cache stampedes amplified a small failure into an outage.",
		neighbors:  []string{"capacity", "dependency-failure"},
		popularity: 0.6, affinity: "worker api",
		names: []string{"Retry storm", "Thundering herd", "Aggressive client retries", "Retry amplification", "No backoff on retries", "Cache stampede"},
		leads: []string{
			"Every client tried again at once, and the second wave was worse than the first.",
			"The system kept knocking itself over: each recovery attracted a flood of pent-up requests.",
			"Well-meant automatic repeats of failed calls multiplied the traffic hitting {svc}.",
			"Clients of {svc} retried failed requests immediately [and without jitter|with no backoff], multiplying load by about {n2} times.",
			"When {svc2} [restarted|recovered], every client reconnected at the same moment and overloaded it again.",
			"Retries at three layers ([client, gateway and service|SDK, proxy and worker]) amplified a small error rate into an outage.",
			"A [cache expiry|cache flush] sent [thousands of|all] requests to {db} at once.",
			"The queue consumers retried failed messages without a limit, so the backlog kept growing.",
			"The mobile app retries in a tight loop when {svc} returns errors.",
		},
		details: []string{
			"There was no [retry budget|circuit breaker|rate limit] to stop the feedback loop.",
			"Load stayed high even after the original cause was fixed.",
			"We had to shed traffic at the edge to let {svc} recover.",
			"Request counts reached {n2}0 times the usual level.",
		},
		mitigations: []string{"shedding load at the edge", "disabling retries in the {svc} client", "draining the queue"},
		actions: []string{
			"Add exponential backoff with jitter and a 10% retry budget to the {svc} client",
			"Stagger reconnects of {svc2} clients with up to 30 seconds of random jitter",
			"Cap consumer retries at 5 and send failures to the dead-letter queue",
			"Add request coalescing to the {svc} cache so one miss triggers one database read",
		},
		lessons: []string{"Retries without backoff turn small failures into big ones.", "Recovery needs as much design as failure."},
		poorly:  []string{"Every attempt to restart {svc} was knocked over by the waiting clients."},
	},
}

// fillerSentences are theme-neutral sentences that can follow any factor.
var fillerSentences = []string{
	"This was not caught before it reached production.",
	"The on-call engineer needed about {mins} minutes to understand the impact.",
	"Several teams joined the incident call before the cause was clear.",
	"The same pattern had been seen in a smaller incident [a few weeks|two months] earlier.",
	"Nothing in our alerting pointed directly at this.",
	"Customers in {region} were affected first.",
	"The change itself was small.",
	"It was not obvious from the dashboards.",
	"The deploy that went out earlier that day turned out to be unrelated.",
	"An alert fired, but it pointed at a symptom rather than the cause.",
	"Traffic was at its normal level for a weekday.",
	"The configuration of {svc2} was checked first and ruled out.",
	"Database metrics looked healthy throughout.",
	"Some retries were visible in the logs, which was expected.",
	"The on-call engineer had joined the rotation recently.",
	"The runbook was followed where it applied.",
}

// genericFactorNames are factor names that do not name the theme.
var genericFactorNames = []string{
	"Contributing factor", "Process gap", "Technical debt in {svc}", "Latent issue in the {comp}",
	"Systemic weakness", "Gap in our safeguards", "Missing safeguard", "Design flaw in {svc}",
}

var components = []string{
	"rate limiter", "connection pool", "load balancer", "session cache", "payment retry logic", "order validation",
	"price calculation", "token refresh", "search index", "feature flag evaluation", "request router", "batch scheduler",
}

var featureFlags = []string{"new-checkout-flow", "instant-refunds", "smart-search-v2", "one-click-pay", "bulk-export", "saved-carts"}

// themeModel is the latent theme popularity: base popularity, team
// multipliers and a drift over time.
type themeModel struct {
	base  []float64   // by theme
	team  [][]float64 // [team][theme]
	trend []float64   // log-ratio of the weight at End vs Start
}

func (g *gen) buildThemes() {
	r := newRNG(g.opts.Seed, streamThemes)
	o := g.org
	m := &themeModel{base: make([]float64, len(themeCatalog)), trend: make([]float64, len(themeCatalog))}
	// Three themes rise, three fall, the rest stay flat.
	perm := r.Perm(len(themeCatalog))
	for k, i := range perm[:6] {
		mag := 0.6 + 0.9*r.Float64()
		if k%2 == 1 {
			mag = -mag
		}
		m.trend[i] = mag
	}
	for i, t := range themeCatalog {
		m.base[i] = t.popularity
		o.Themes = append(o.Themes, Theme{ID: t.id, Name: t.name, Description: t.desc, Trend: m.trend[i]})
	}
	m.team = make([][]float64, len(o.Teams))
	for ti := range o.Teams {
		kinds := ""
		for s, st := range g.svcTeam {
			if st == ti {
				kinds += g.svcKind[s] + " "
			}
		}
		w := make([]float64, len(themeCatalog))
		for i, t := range themeCatalog {
			w[i] = r.lognormal(1, 0.6)
			for _, k := range splitWords(t.affinity) {
				if containsWord(kinds, k) {
					w[i] *= 1.6
					break
				}
			}
		}
		m.team[ti] = w
	}
	g.themes = m
}

// themeWeights returns the theme weights for a team at a time.
func (m *themeModel) weights(team int, frac float64, out []float64) []float64 {
	out = out[:0]
	for i := range m.base {
		out = append(out, m.base[i]*m.team[team][i]*math.Exp(m.trend[i]*(frac-0.5)))
	}
	return out
}

// ThemeWeight is the ground-truth relative popularity of a theme for a team at
// a time (unnormalized; compare weights of one team and time). It is 0 for an
// unknown team or theme.
func (o *Org) ThemeWeight(teamID, themeID string, at time.Time) float64 {
	if o.themes == nil {
		return 0
	}
	ti, ok := o.teamIdx[teamID]
	if !ok {
		return 0
	}
	for i, t := range themeCatalog {
		if t.id == themeID {
			frac := float64(at.Sub(o.Start)) / float64(o.End.Sub(o.Start))
			return o.themes.base[i] * o.themes.team[ti][i] * math.Exp(o.themes.trend[i]*(frac-0.5))
		}
	}
	return 0
}

func splitWords(s string) []string {
	var out []string
	start := -1
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	return out
}

func containsWord(s, w string) bool {
	for _, x := range splitWords(s) {
		if x == w {
			return true
		}
	}
	return false
}
