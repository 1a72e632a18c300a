package org

// Prose pools for postmortem documents. Blameless pools must never contain
// blaming language ("should have", "careless", "human error", a person as the
// cause): the blaming sentences are ground truth and come only from
// blameTemplates.

var wentWellPool = []string{
	"The on-call engineer was paged within a minute of the alert.",
	"Rollback was fast once the cause was identified.",
	"Communication in the incident channel was clear and regular.",
	"The status page was updated within {mins} minutes.",
	"Responders from {team} joined quickly and helped.",
	"Feature flags allowed us to disable the new code path without a deploy.",
	"The {svc} dashboards made the error pattern easy to see.",
	"The incident commander kept a written timeline throughout.",
	"Customer support had a clear message to share with customers early on.",
	"Handover between shifts went smoothly.",
}

var wentPoorlyPool = []string{
	"It took {mins} minutes to identify the cause.",
	"Several people made changes at the same time without coordinating.",
	"The incident channel was created late.",
	"Customer support learned about the incident from customers.",
	"The first mitigation attempt did not help.",
	"We did not have access to production logs during the first part of the incident.",
	"The status page was updated late.",
	"Alerts from unrelated services added noise during the response.",
}

var luckyPool = []string{
	"The incident happened outside peak hours, so fewer customers were affected.",
	"An engineer who knew {svc} well happened to be online.",
	"The backup from the night before was recent.",
	"A much larger traffic spike was expected the next day.",
	"Only {region} was affected.",
	"Write traffic was low, so no data was lost.",
	"A similar problem in staging the week before meant the fix was already known.",
}

var genericLessons = []string{
	"Writing the timeline during the incident saved time in the review.",
	"Clear ownership shortens the response.",
	"Small changes are easier to reason about under pressure.",
}

// blameTemplates produce sentences that blame a person or use counterfactual
// blame. {name} is a full name, {first} a first name.
var blameTemplates = []string{
	"{name} pushed the change to {svc} without checking it, and that is what caused the outage.",
	"The root cause was human error: {name} ran the cleanup script against production.",
	"{first} was careless when editing the {svc} configuration.",
	"The on-call engineer should have known that the certificate for {domain} was about to expire.",
	"If {first} had followed the runbook, this would never have happened.",
	"This outage happened because {name} did not test the migration before running it.",
	"{first} should have been more careful with the deploy.",
	"Human error by {name} was the root cause of this incident.",
	"{name} ignored the warnings in the deploy pipeline.",
	"The reviewer should have caught this obvious mistake.",
	"{first} failed to check the dashboards before rolling out the change.",
	"Had {first} paid attention to the alert, the outage would have been much shorter.",
}

// vagueActions are action items without a measurable outcome.
var vagueActions = []string{
	"Be more careful when changing {svc} configuration",
	"Improve monitoring for {svc}",
	"Document the process better",
	"Investigate {svc} [latency|errors|timeouts]",
	"Look into the root cause further",
	"Improve communication during incidents",
	"Review alerting for {svc}",
	"Make sure everyone knows about the runbook",
	"Reduce alert noise for {svc}",
	"Make {svc} deploys safer",
	"Set up a dashboard",
	"Follow up with {dep}",
	"Investigate why {svc2} was slow",
	"Clean up the {svc} config",
}

// investigateActions are follow-ups whose deliverable is knowledge (the
// "investigate" kind of Lunney and Lueder), used for Latent.InvestigateTeamID.
var investigateActions = []string{
	"Find the root cause of the {comp} errors in {svc} and add it to the postmortem",
	"Investigate why {svc} did not fail over to {region2}",
	"Investigate whether {svc2} has the same weakness as {svc}",
	"Root-cause the {comp} timeouts between {svc} and {svc2} and publish the analysis in the postmortem by {month}",
	"Write a root-cause analysis of the {comp} errors in {svc} and attach it to the postmortem",
	"Audit all {n2} {svc} configuration keys for unvalidated values and list them in the postmortem",
	"Review the last 90 days of {svc} pages for the same {comp} errors and report the count in the postmortem",
}

var detectionAlert = []string{
	"The {monitor} alert \"{title}\" paged the on-call engineer.",
	"We were alerted by {monitor} when {symptom} crossed the paging threshold.",
	"An automated alert on {svc} opened the incident in PagerDuty.",
}

var detectionHuman = []string{
	"A customer reported the problem through support before any alert fired.",
	"An engineer noticed {symptom} on a dashboard while working on something else.",
	"The {team} team noticed errors in their own service and raised it with us.",
}

var nearMissSummaries = []string{
	"No incident was declared. During routine work we found that {svc} was close to failing, and fixed it before customers were affected.",
	"This is a near miss: a problem in {svc} was caught before it caused customer impact.",
	"We came close to an outage of {svc}. Nothing failed, but the margin was small enough to warrant a review.",
}

// headings: canonical first, then realistic renames.
var sectionHeadings = [][]string{
	{"Summary", "Executive Summary", "Overview"},
	{"Impact", "Customer Impact"},
	{"Timeline", "Incident Timeline"},
	{"Detection", "How We Detected It"},
	{"Contributing Factors", "Root Causes", "Causes"},
	{"What Went Well", "What Went Right"},
	{"What Went Poorly", "What Didn't Go Well"},
	{"Where We Got Lucky", "Lucky Breaks"},
	{"Action Items", "Follow-ups"},
	{"Lessons Learned", "Key Takeaways"},
}

// omitP is the chance a section is left out, by template position.
var omitP = []float64{0.01, 0.03, 0.05, 0.06, 0, 0.06, 0.04, 0.12, 0, 0.10}

var extraSections = []struct{ heading, text string }{
	{"Appendix", "Graphs and raw logs are attached to the incident channel."},
	{"Related Incidents", "See earlier incidents on the same service in PagerDuty."},
	{"Glossary", "SLO: service level objective. P99: 99th percentile latency."},
}
