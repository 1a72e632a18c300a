// Package org generates a deterministic organization with ground truth: teams,
// users, services, escalation policies, priorities, PagerDuty-style incidents
// with full log-entry timelines, and Jira-style postmortems and action items
// with changelogs. The PagerDuty and Jira simulators serve it "as of" a clock
// time (StateAt, LogEntriesAt, ChangelogAt); tests compare what the ingesters
// stored against it.
//
// Everything is a pure function of Options (math/rand/v2 PCG streams, no
// clock): the same Options always produce an identical Org. All times are UTC
// and whole seconds. Nothing in an Org happens at or after End.
//
// # Distributions (by construction; measured shares vary a little by seed)
//
// Incidents arrive hourly as Poisson with a UTC daily profile (peak 15:00,
// about 3x the 02:00 trough), weekday/weekend ratio about 2, a 35% growth
// over the history, plus storms (10% of incidents: 3-60 alerts of one
// service within 15 minutes to 3 hours, mostly the same alert). 5% of the
// regular incidents are opened by hand (web_trigger, unique titles).
//
//   - Services: alert volume Zipf-like (exponent 0.45) over a seeded
//     ranking. Each service has 10-16 alert templates (Zipf 0.5), each firing
//     on one of 6 targets (a workload and a tier, in the title as
//     "(orders, canary)"), so most incidents do not repeat within 30 days.
//   - Major incidents (P1/P2, SEV1/SEV2) arrive at about 0.22 per service
//     per month on every service, whatever its volume; 25% are P1; most are
//     opened by hand. Otherwise priority: none 42%, P3 21%, P4 22%, P5 15%
//     for regular incidents (storm followers are mostly unprioritized).
//     Urgency: P1/P2 high, P3 85% high, P4 40%, P5 10%, none 55%.
//     Severity: P1..P5 -> SEV1..SEV5; no priority: high -> SEV3, low -> SEV4.
//   - Time to acknowledge: log-normal, sigma 1, median 1.5/2.5/4/12/30 min for
//     SEV1..SEV5 (x1.8 for low urgency). Time to resolve after the ack:
//     log-normal, sigma 1.1, median 45/35/25/50/120 min (SEV1/SEV2 at most
//     12 h); 12% of low-urgency incidents linger (median 30 h, up to 20
//     days).
//   - Auto-resolved (never acknowledged, resolved by the service through the
//     API or by timeout): 0/2/12/30/40% for SEV1..SEV5, +30% for storm
//     followers; about 20% overall.
//   - Merged (resolve_reason merge_resolve_reason, MergedInto set): 75% of
//     storm followers and 3% of others when an incident of the same service
//     is open; about 7% overall. Targets are never merged themselves.
//   - High-urgency incidents escalate by timeout (policy delay 15 or 30 min)
//     while unacknowledged; 7% of acknowledged incidents are reassigned, 3%
//     escalated by hand, 1% unacknowledged by hand; services with an
//     acknowledgement timeout (20%) unacknowledge by timeout.
//   - Recurrence: Signature is service/alert/target; RecurrenceOf is the latest
//     earlier non-merged incident with the same Signature (no window; see
//     Org.RecurrenceWithin for a windowed one).
//
// Postmortems cover resolved, non-merged incidents: SEV1 97%, SEV2 80%, SEV3
// by team habit (a third of the teams: 8% of SEV3, 88% when
// customer-impacting; the others 1% and 11%), SEV4 0.5%; 8% also cover related incidents
// of the same service within 6 hours; near misses add 4%. Draft lag after the
// last resolve: 90% log-normal (median 18 h, sigma 0.9), 10% 3-20 days. Draft
// to In Review median 36 h; In Review to Published median 36 h, 8% 7-40 days
// later; 6% never reach review, 4% never get published; 10% bounce back to
// Draft once. 15% contain 1-2 blaming sentences (BlamingSentences, verbatim in
// the prose fields or a factor text); the rest contain none of the blame
// patterns. 85% state "Time to detect: Nm" in Detection. Each document has 1-4
// factors (25/35/25/15%), one per theme, drawn from team-specific theme
// weights that drift over time (Theme.Trend, Org.ThemeWeight) and, for
// themes whose fixes hold, left out once a fix is in (Latent). Sections are
// sometimes renamed (8% each), omitted (1-12% each, more for never-published
// ones), reordered (4%), or joined by a non-template section (6%).
//
// Action items: 0-8 per postmortem (mean about 4.1), 17% vague by
// construction. Priority follows the postmortem severity. 75% are assigned at
// creation, 15% later, about 10% never; 60% get a due date at creation, 20%
// later, about 20% never (some are pushed out). Closure: log-normal (sigma
// 0.9) with median 6/14/30/55/80 days for Highest..Lowest; never closed
// 3/8/15/25/35% (+25% when vague), but 90% of those are closed Won't Do in a
// backlog review (median 100 days after creation); 8% of closures are Won't
// Do (+25% when vague); 6% of Done items are reopened. One team's specific
// items are mostly investigations (Latent).
//
// Latent effects (Org.Latent, latent.go) and the published ranges the
// generator is tuned to, with the figures before and after: REALISM.md. 0.5% of items (at least 2) carry
// automation label churn of 110-160 histories.
package org
