package language

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func sentenceTexts(text string) []string {
	var out []string
	for _, sp := range Sentences(text) {
		out = append(out, text[sp.Start:sp.End])
	}
	return out
}

func TestSentences(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"plain", "The disk filled. Writes failed! Why? Nobody knew.", []string{"The disk filled.", "Writes failed!", "Why?", "Nobody knew."}},
		{"abbreviations", "We saw errors, e.g. timeouts, i.e. slow calls. Dr. Smith paged us.", []string{"We saw errors, e.g. timeouts, i.e. slow calls.", "Dr. Smith paged us."}},
		{"decimals and versions", "Error rate rose to 3.5 percent after v1.2.3 shipped. It fell at 10.30.", []string{"Error rate rose to 3.5 percent after v1.2.3 shipped.", "It fell at 10.30."}},
		{"urls and hosts", "See https://status.example.com/incidents/1.2 for details. The host api.example.com returned 503.", []string{"See https://status.example.com/incidents/1.2 for details.", "The host api.example.com returned 503."}},
		{"version at sentence end", "We upgraded to 2.4. Then latency rose.", []string{"We upgraded to 2.4.", "Then latency rose."}},
		{"initials", "J. Smith and the U.S. team joined. Then we failed over.", []string{"J. Smith and the U.S. team joined.", "Then we failed over."}},
		{"etc ends a sentence before a capital", "Disks, NICs, etc. All were replaced.", []string{"Disks, NICs, etc.", "All were replaced."}},
		{"time abbreviation mid sentence", "At 9 a.m. on Monday the alert fired.", []string{"At 9 a.m. on Monday the alert fired."}},
		{"ellipsis mid sentence", "We waited... and then it recovered.", []string{"We waited... and then it recovered."}},
		{"quotes close a sentence", `He said "stop." Then we stopped.`, []string{`He said "stop."`, "Then we stopped."}},
		{"blank line and list items", "Root Cause\nA bad config.\n\n- first item\n- second item", []string{"Root Cause", "A bad config.", "- first item", "- second item"}},
		{"wrapped line is one sentence", "the config was\nwrong for two hours.", []string{"the config was\nwrong for two hours."}},
		{"no terminator", "trailing text without a dot", []string{"trailing text without a dot"}},
		{"empty", "   ", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, sentenceTexts(tc.text))
		})
	}
}

func TestSentencesOffsetsPointIntoText(t *testing.T) {
	text := "  Première phrase. Deuxième — phrase?  "
	for _, sp := range Sentences(text) {
		require.True(t, sp.Start >= 0 && sp.End <= len(text) && sp.Start < sp.End)
	}
	require.Equal(t, []string{"Première phrase.", "Deuxième — phrase?"}, sentenceTexts(text))
}

func rulesOf(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule)
	}
	return out
}

func TestCheckBlame(t *testing.T) {
	names := []string{"Alice Nguyen", "Bob", "Priya Raman"}
	tests := []struct {
		name string
		text string
		want []string
	}{
		// positives
		{"known name caused", "Bob caused the outage by pushing a bad config.", []string{RuleNamedPerson}},
		{"because known name", "The cluster fell over because Alice pushed an untested change.", []string{RuleNamedPerson}},
		{"possessive mistake", "Priya's mistake took down the API.", []string{RuleNamedPerson}},
		{"full name forgot", "Alice Nguyen forgot to renew the certificate.", []string{RuleNamedPerson}},
		{"unknown name forgot", "Dave forgot to drain the node before rebooting it.", []string{RuleNamedPerson}},
		{"on-call failed to", "The on-call engineer failed to respond to the page for 40 minutes.", []string{RulePersonFault}},
		{"engineer mistakenly", "An engineer mistakenly ran the cleanup script against production.", []string{RulePersonFault}},
		{"careless", "It was a careless change that nobody reviewed properly.", []string{RuleCharacter}},
		{"should have been more careful", "The team should have been more careful with the rollout.", []string{RuleCharacter}},
		{"negligent", "Negligent handling of the credentials led to the leak.", []string{RuleCharacter}},
		{"root cause human error", "Root cause: human error during the maintenance window.", []string{RuleHumanErrorCause}},
		{"caused by human error", "The outage was caused by human error.", []string{RuleHumanErrorCause}},
		{"operator error led to", "Operator error led to the deletion of the volume.", []string{RuleHumanErrorCause}},
		{"should have known", "The reviewer should have known that the flag was global.", []string{RuleCounterfactual}},
		{"could have prevented", "A second look could have prevented this.", []string{RuleCounterfactual}},
		{"if only", "If only the deploy had waited for the canary, nothing would have broken.", []string{RuleCounterfactual}},
		{"should have caught", "QA should have caught the regression.", []string{RuleCounterfactual}},
		// personal counterfactuals (inverted conditionals about a person's action)
		{"had name paid attention", "Had Priya paid attention to the dashboard, recovery would have taken minutes.", []string{RuleCounterfactual}},
		{"if name had followed", "If Bob had read the change notes, the rollout could not have gone ahead.", []string{RuleCounterfactual}},
		{"if role had checked", "If the on-call engineer had checked the queue depth, we might have failed over sooner.", []string{RuleCounterfactual}},
		{"had role not skipped", "Had the operator not skipped the drain step, the node would still be serving.", []string{RuleCounterfactual}},
		{"if he had waited", "If he had waited for the canary, the bad build would have stopped at one host.", []string{RuleCounterfactual}},
		// a person as the agent of the change that caused the failure
		{"name pushed change that caused", "Alice pushed the schema change to billing, and that change caused the outage.", []string{RuleNamedPerson}},
		{"name ran script resulted in", "Priya Raman ran the migration script, which resulted in the incident.", []string{RuleNamedPerson}},
		{"role deployed build that caused", "An engineer deployed a build that caused the checkout errors.", []string{RulePersonFault}},
		// hard negatives
		{"system conditional", "If the deploy tool had validated the config, the bad value would have been rejected at submit time.", nil},
		{"event conditional", "Had the alert fired earlier, the queue would have drained before customers noticed.", nil},
		{"person passive conditional", "Had the on-call engineer been paged at 10:02, the response would have started sooner.", nil},
		{"unknown capitalized subject", "Had Kafka replicated the partition, no data would have been lost.", nil},
		{"indicative past perfect", "If Bob had already restarted the pod, we skipped that step.", nil},
		{"possession conditional", "If the operator had the right permissions, the restore would take minutes.", nil},
		{"name paged the team", "Alice paged the team.", nil},
		{"name reverted the cause", "Alice reverted the change that caused the outage.", nil},
		{"name rolled back after cause", "Bob deployed the rollback after the bad config caused the outage.", nil},
		{"name found the cause", "Priya found that the cache change caused the incident.", nil},
		{"change caused, no person", "The config push caused the outage in us-east-1.", nil},
		{"tool allowed", "The deploy tool allowed a change to every region at once.", nil},
		{"human error is not a root cause", "Human error is not a root cause; we looked at why the command was easy to mistype.", nil},
		{"not human error", "This was not due to human error but to a missing guard in the script.", nil},
		{"action phrasing", "We should add validation to the config loader.", nil},
		{"neutral name", "Alice paged the team and Bob started the incident call.", nil},
		{"neutral name deployed fix", "Priya deployed the fix at 14:02.", nil},
		{"engineer neutral action", "An engineer executed a command intended to remove a small number of servers.", nil},
		{"company subject", "Cloudflare pushed a new WAF rule to all data centers.", nil},
		{"system counterfactual words", "Validation in the pipeline would reject such a change.", nil},
		{"careful as goal", "The new tooling makes careful rollouts the default.", nil},
		{"blameless statement", "We do not blame individuals; the system made the mistake easy.", nil},
	}
	c := NewChecker(BlameOptions{Names: names})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := c.CheckBlame(tc.text)
			require.Equal(t, tc.want, rulesOf(got), "findings: %+v", got)
			for _, f := range got {
				require.Equal(t, f.Sentence, tc.text[f.Start:f.End])
				require.NotEmpty(t, f.Why)
				require.Contains(t, f.Sentence, f.Phrase)
			}
		})
	}
}

// TestCheckBlameLinksPeopleToFailures covers the classes of error found on
// held-out real postmortems (issue 11): each case failed before the fix.
func TestCheckBlameLinksPeopleToFailures(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		// missed before
		{"role without article", "Technician unplugged the wrong cable during the maintenance.", []string{RulePersonFault}},
		{"on-call without article", "On-call engineer forgot to re-enable the alerts after the maintenance.", []string{RulePersonFault}},
		{"fault verb far after the role", "The engineer who was covering the weekend maintenance window for the storage team after two earlier pages forgot to re-enable the disk alerts.", []string{RulePersonFault}},
		{"wrong target instead of", "An operator ran the cleanup job on the production cluster instead of the staging cluster.", []string{RulePersonFault}},
		{"wrong target rather than", "A technician replaced the drive in the primary unit rather than the standby unit.", []string{RulePersonFault}},
		{"human error alone", "Human error.", []string{RuleHumanErrorCause}},
		{"operator error as a heading-like sentence", "Root cause: operator error", []string{RuleHumanErrorCause}},
		{"fault attached to the mitigation verb", "Engineers mistakenly rolled back the wrong cluster.", []string{RulePersonFault}},
		{"agent of a faulty change, relative clause", "During the upgrade, an operator was running a job that deleted the wrong set of volumes.", []string{RulePersonFault}},
		// read as blame before
		{"auxiliary had been is not a name", "The fix had been tested in staging before the rollout.", nil},
		{"remediation would have prevented", "Automated validation of the config would have prevented this outage.", nil},
		{"pronoun remediation would have prevented", "This change would have prevented the incident.", nil},
		{"system could have caught", "A canary stage could have caught the bad build before it reached all hosts.", nil},
		{"people mitigating, change at fault", "Engineers rolled back the deployment that had inadvertently disabled the health checks.", nil},
		{"people mitigating, which-clause at fault", "The on-call engineer rolled back the change, which had mistakenly removed the route.", nil},
		{"person restores", "We paged the on-call engineer, who restored the service within minutes.", nil},
		{"person as object", "The alert paged the engineer who had accidentally been left off the rotation.", nil},
		{"part of a service name", "The order-placement-worker dashboards made the error pattern easy to see.", nil},
		{"instead of as a design statement", "The system now reads the replica instead of the primary.", nil},
	}
	c := NewChecker(BlameOptions{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := c.CheckBlame(tc.text)
			require.Equal(t, tc.want, rulesOf(got), "findings: %+v", got)
			for _, f := range got {
				require.Contains(t, f.Sentence, f.Phrase)
			}
		})
	}
}

func TestCheckBlamePointsToTheSentence(t *testing.T) {
	text := "At 10:02 the alert fired. Bob forgot to renew the certificate. We renewed it at 10:40."
	got := CheckBlame(text, BlameOptions{Names: []string{"Bob"}})
	require.Len(t, got, 1)
	require.Equal(t, "Bob forgot to renew the certificate.", text[got[0].Start:got[0].End])
}

// checkActionItemCases are TestCheckActionItem's table; the action-item
// fit also keeps them as a constraint (model_fit_test.go, pinnedItems).
var checkActionItemCases = []struct {
	name    string
	summary string
	owner   bool
	due     bool
	want    []string
}{
	{"be more careful", "Be more careful when editing DNS records", true, true, []string{RuleVagueCareful}},
	{"improve monitoring", "Improve monitoring", true, true, []string{RuleVagueImprove}},
	{"document better", "Document better", true, true, []string{RuleVagueDocument}},
	{"investigate with no outcome", "Investigate the database slowness", true, true, []string{RuleVagueInvestigate}},
	{"look into", "Look into the flaky failover", true, true, []string{RuleVagueInvestigate}},
	{"consider", "Consider adding a canary stage", true, true, []string{RuleVagueHedge}},
	{"try to", "Try to reduce deploy frequency on Fridays", true, true, []string{RuleVagueHedge}},
	{"unowned and undated", "Add an alert on 5xx rate above 1% for 5 minutes", false, false, []string{RuleUnowned, RuleNoDueDate}},
	{"make sure everyone knows", "Make sure the team knows the failover procedure", true, true, []string{RuleVagueAssure}},
	{"ensure is better", "Ensure alerting is better for the payments queue", true, true, []string{RuleVagueImprove, RuleVagueAssure}},
	{"more training", "More training for new on-call engineers", true, true, []string{RuleVagueAssure}},
	{"communicate better", "Communicate better with support during incidents", true, true, []string{RuleVagueAssure}},
	{"be aware", "Everyone should be aware of the rate limits", true, true, []string{RuleVagueCareful}},
	{"double-check", "Double-check configs before merging", true, true, []string{RuleVagueCareful}},
	{"revisit", "Revisit the paging policy", true, true, []string{RuleVagueInvestigate}},
	{"follow up with vendor", "Follow up with the DNS provider", true, true, []string{RuleVagueInvestigate}},
	{"reach out", "Reach out to the storage team about the quota", true, true, []string{RuleVagueInvestigate}},
	{"investigate the cause further", "Investigate the underlying cause further", true, true, []string{RuleVagueInvestigate}},
	{"clean up", "Clean up the routing rules", true, true, []string{RuleVagueImprove}},
	{"service name is not a change", "Improve alerting for build-agents", true, true, []string{RuleVagueImprove}},
	// judged by the object (issue 11): open-ended objects whatever the verb
	{"plain verb, abstract noun", "Update methodologies", true, true, []string{RuleVagueOpenEnded}},
	{"concrete verbs, open-ended object", "Identify and deploy additional protections for the API", true, true, []string{RuleVagueOpenEnded}},
	{"add safeguards", "Add safeguards to prevent similar issues in the future", true, true, []string{RuleVagueOpenEnded}},
	{"evaluate other safeguards", "The platform team is evaluating further safeguards for the schema rollout", true, true, []string{RuleVagueOpenEnded}},
	{"continue to investigate", "We will keep investigating the queue stalls to understand the cause", true, true, []string{RuleVagueInvestigate}},
	{"review with generic purpose", "Review our release procedures to avoid similar incidents", true, true, []string{RuleVagueOpenEnded}},
	{"monitoring without a condition", "Improve alerting to spot bad settings earlier", true, true, []string{RuleVagueImprove}},
	// concrete items
	{"change with both values in words", "Reduce the health check interval from thirty seconds to five seconds", true, true, nil},
	{"change of frequency with both values", "Change the polling frequency of the exporter from 60s to 5s", true, true, nil},
	{"weak verb, named artifact", "Improve the schema of the routing config file so that reviewers see every override", true, true, nil},
	{"alerts with a condition", "Add alerts when a shard has no leader", true, true, nil},
	{"monitoring for this issue", "More monitoring to catch this kind of failure", true, true, nil},
	{"review with a specific purpose", "A review of every consumer to identify callers of the v1 billing endpoint", true, true, nil},
	{"definite known steps", "Apply the recovery steps from this incident to every replica set", true, true, nil},
	{"review with cadence owner and date", "Review the alert thresholds quarterly with the on-call team by 2026-03-01 (owner: SRE)", true, true, nil},
	{"make sure with a check", "Make sure the deploy tool rejects pool sizes of 0", true, true, nil},
	{"ensure with concrete change", "Ensure backups are restorable by adding a weekly restore test", true, true, nil},
	{"training with date", "Run a failover drill for all on-call engineers by 2026-02-15", true, true, nil},
	{"follow up with deliverable", "Follow up with the DNS provider for an RCA and a commitment on TTL handling", true, true, nil},
	{"root cause then fix", "Determine the root cause and fix the leak", true, true, nil},
	{"clean up by removing", "Clean up the routing rules by removing the unused canary routes", true, true, nil},
	{"re-enable", "Re-enable the disk alert on the database hosts", true, true, nil},
	{"alert with threshold", "Add an alert on 5xx rate above 1% for 5 minutes", true, true, nil},
	{"improve with target", "Improve p99 latency of checkout to under 300 ms", true, true, nil},
	{"improve with concrete change", "Improve monitoring by adding a queue-depth alert", true, true, nil},
	{"investigate with deliverable", "Investigate the replication lag and write a design doc for the fix", true, true, nil},
	{"concrete runbook update", "Add the failover steps to the payments runbook", true, true, nil},
	{"automate renewal", "Automate certificate renewal with cert-manager", true, true, nil},
	{"more of a quality, no criterion", "Make deploys safer", true, true, []string{RuleVagueNoTarget}},
	{"more of a quality of a named part, no criterion", "Make order-placement-worker deploys safer", true, true, []string{RuleVagueNoTarget}},
	{"more of a quality by a means", "Make the pipeline faster by caching the module downloads", true, true, nil},
	{"more of a quality, with a bound", "Make rollbacks faster than 5 minutes end to end", true, true, nil},
	{"less of an amount, no target", "Reduce alert noise", true, true, []string{RuleVagueNoTarget}},
	{"less of an amount, with a target", "Reduce alert noise to under 5 pages a week", true, true, nil},
	{"less of an amount by a means", "Reduce toil by automating the certificate renewal", true, true, nil},
	{"a generic artifact with nothing to catch", "Set up a dashboard", true, true, []string{RuleVagueNoTarget}},
	{"a bare kind of thing", "Increase timeouts", true, true, []string{RuleVagueNoTarget}},
	{"the same, said which and by how much", "Increase the checkout-api client timeout from 2s to 5s", true, true, nil},
	{"a definite object is left to the other rules", "Revert the change", true, true, nil},
	{"a generic artifact for the whole service", "Add a dashboard for the service", false, true, []string{RuleVagueNoTarget, RuleUnowned}},
	// An area of work written as the whole item, as teams write Jira
	// summaries (Version .19).
	{"an area alone", "Caching", true, true, []string{RuleVagueNoTarget}},
	{"more of an area", "More logging", true, true, []string{RuleVagueNoTarget}},
	{"an area being bettered", "Optimizing performance", true, true, []string{RuleVagueNoTarget}},
	{"two areas", "Monitoring and alerting", true, true, []string{RuleVagueNoTarget}},
	{"a named component's change is not an area", "Postgres upgrade", true, true, nil},
	{"a runbook's topic is not an area", "Runbook for the billing failover", true, true, nil},
	{"adding an area", "Add capacity", true, true, []string{RuleVagueNoTarget}},
	{"scaling with no object", "scale out (more hardware)", true, true, []string{RuleVagueNoTarget}},
	{"scaling a named thing is left to the other rules", "Scale out the search cluster", true, true, nil},
	{"tracking with no outcome", "Continue to track the port leak issue upstream", true, true, []string{RuleVagueInvestigate}},
}

func TestCheckActionItem(t *testing.T) {
	tests := checkActionItemCases
	c := NewChecker(BlameOptions{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := c.CheckActionItem(tc.summary, tc.owner, tc.due)
			require.Equal(t, tc.want, rulesOf(got), "findings: %+v", got)
			for _, f := range got {
				require.NotEmpty(t, f.Why)
				require.Equal(t, tc.summary[f.Start:f.End], f.Sentence)
			}
			require.Equal(t, got, CheckActionItem(tc.summary, tc.owner, tc.due))
		})
	}
}

// madeUpVagueItems and madeUpSpecificItems are TestMadeUpWording's action
// items; the action-item fit also keeps them as a constraint
// (model_fit_test.go, pinnedItems).
var madeUpVagueItems = []string{
	"Strengthen our deployment safeguards",
	"Look at ways to reduce alert noise",
	"Explore options for better failover",
	"Enhance observability across services",
	"Work on improving database resilience",
	"Revisit our on-call practices",
	"Harden the platform",
	"Put additional protections in place",
	"Improve our incident response process",
	"Assess the need for more capacity",
	"Continue monitoring the situation",
	"Make the system more robust",
	"Implement further measures to avoid recurrence",
	"Drive improvements in change management",
	"Ensure this does not happen again",
	"Evaluate tooling options for faster detection",
	"Add more tests",
	"Improve documentation for the on-call team",
	"Review alert thresholds",
	"Increase resiliency of the checkout flow",
	// The second batch (2026-12-07), short items as they are written in
	// Jira, labeled before the rules ran on them: the first run found 4 of
	// its 15 vague items and flagged none of its 15 specific ones.
	"Make deploys safer",
	"Reduce alert noise",
	"Set up a dashboard",
	"Make the pipeline faster",
	"Minimize downtime during upgrades",
	"Create better alerts",
	"Add a dashboard for the service",
	"Be more proactive about capacity",
	"Improve reliability of the payments service",
	"Tighten access controls",
	"Reduce toil for on-call",
	"Make rollbacks easier",
	"Add monitoring",
	"Set up alerting",
	"Communicate better with support during incidents",
	// The third batch (2026-12-07, the shortest Jira forms), labeled
	// before the rules ran on it: 2 of its 10 vague items found at first,
	// none of its 10 specific ones flagged. A bare kind of thing as the
	// object ("Increase timeouts", "Fix flaky tests") is now vague; still
	// missed, and not pinned: "Scale up the cluster", "Update the
	// runbook", "Improve the deploy process", "Speed up recovery" (a
	// definite object, which in a postmortem may mean the incident's own).
	"Increase timeouts",
	"Add more logging",
	"Fix flaky tests",
	"Look at the logs more closely",
	"Tune the alerts",
	"Add better error handling",
	// Shapes from other organizations' items (Versions .8 to .17), in
	// made-up wording: an aim wished on a subject, the outcome alone, an
	// issue reference that is no measure, a change wished with no
	// criterion.
	"The retry policy needs to be more robust.",
	"The team fixed the bug and will prevent such outages in the future.",
	"Improve alerting around scheduler health (#4512)",
	"Alerting and retries should be improved.",
}
var madeUpSpecificItems = []string{
	// The same: a singular thing without its article, a topic heading
	// before a specific action, a code-like name, an aside in parentheses, a
	// checkable purpose, a process for a named thing. Every item of these
	// two groups was judged wrongly by Version .7.
	"Create staging environment",
	"Build load test harness",
	"Reliability improvements: Move the session store to the replicated Redis cluster",
	"Update the docs.example.com redirect rules to drop the old paths",
	"Rotate the signing key of the billing API (if possible)",
	"Audit the backup jobs to make sure every database has an owner",
	"Create a process for identifying the owners of orphaned services",
	"Page the database team on replica lag, ideally through the new escalation policy",
	"Add documentation on how on-call can find the failed job in the audit log",
	"Investigate Envoy as a replacement for the edge proxy, as we have seen a number of issues with the current one",
	"Evaluate Caddy as an alternative to the nginx ingress, since we have had a number of problems with it",
	"Add a CI check that rejects configs with an empty upstream list",
	"Set the connection pool maximum of the orders service to 200",
	"Page the storage on-call when replication lag exceeds 30 seconds",
	"Move the cron jobs from the shared host to the batch cluster",
	"Delete the unused legacy-auth feature flag",
	"Write a runbook for restoring the search index from snapshots",
	"Require two approvals for changes to the firewall rules repository",
	"Enable deletion protection on all production databases",
	"Rotate the expired TLS certificate for the payments gateway",
	"Replace the hand-edited hosts file with DNS records",
	"Block deploys on Fridays after 3 pm",
	"Cap the retry count of the webhook sender at five",
	"Alert when the certificate store has a certificate that expires within two weeks",
	"Migrate the session store from Redis to DynamoDB",
	"Fix the off-by-one error in the shard allocator",
	"Disable automatic failover for the analytics replica",
	"Schedule a quarterly restore test for the billing backups",
	"Add a timeout of two seconds to calls from checkout to inventory",
	"Lower the scale-out threshold of the web tier from 80% to 60% CPU",
	"Document the manual failover steps in the payments runbook",
	// The second batch (see madeUpVagueItems).
	"Add a dashboard panel for checkout p99 latency per region",
	"Reduce the alert noise by deleting the 12 disk alerts that never paged",
	"Set up a dashboard of replication lag for every Postgres replica",
	"Make the deploy pipeline block on a failed canary",
	"Reduce the default request timeout of the API gateway from 30s to 5s",
	"Create an alert when the queue depth of the mailer exceeds 10,000 messages",
	"Make the migration script idempotent",
	"Add monitoring for the certificate expiry of api.example.com",
	"Set up alerting on 5xx rate above 2% for the login service",
	"Minimize the blast radius by deploying to one region at a time",
	"Tighten the IAM policy of the backup role to read-only on the backups bucket",
	"Make rollbacks one command: add deployctl rollback for every service",
	"Move the status page off the production cluster",
	"Reduce the Kafka retention of the audit topic from 30 to 7 days",
	"Add a pre-commit hook that validates the YAML of the alert rules",
	// The third batch (see madeUpVagueItems).
	"Increase the checkout-api client timeout from 2s to 5s",
	"Scale the search cluster from 6 to 9 nodes",
	"Log the request id in every error line of the payments service",
	"Add the DNS failover steps to the edge runbook",
	"Quarantine the three flaky integration tests in the orders suite",
	"Require a green canary before promoting a deploy to all regions",
	"Add a retry with backoff to the inventory client's reserve call",
	"Raise the disk alert threshold on the log hosts to 90%",
	"Return a 503 instead of crashing when the cache is unreachable",
	"Automate the database failover with a health-checked script",
}

// TestMadeUpWording checks wording that appears in no labeled set: 40 action
// items and 20 sentences written, and labeled, after the rules were tuned and
// before they were run on them. The first run got 51 of 60 right (actions 37
// of 40, blame 14 of 20: all 10 negatives, 4 of 10 positives); the rules were
// then generalized (tagger corrections for "further measures", "make X more
// robust", "drive improvements", "protection" as a named kind, "misconfigured
// the", "skipped the", "dropped the wrong", "pushed untested code", "should
// have <any participle>" with a person as subject). A second batch of 30
// short items, Jira-style, followed on 2026-12-07 (19 of 30 right at first;
// the rules then learned comparatives without a criterion, amounts reduced
// without a target, "set up", singular dashboards and alarms, "better" before
// a noun, "be more proactive"). EVALUATION.md reports it.
func TestMadeUpWording(t *testing.T) {
	vague, specific := madeUpVagueItems, madeUpSpecificItems
	blameful := []string{
		"The DBA dropped the wrong table during the cleanup.",
		"An administrator accidentally revoked the service account's permissions.",
		"Contractor skipped the pre-flight checklist and deployed directly to production.",
		"The release manager ignored the failing canary and promoted the build.",
		"She forgot to renew the domain.",
		"Operator error caused the outage.",
		"The on-call engineer should have escalated sooner.",
		"An engineer misconfigured the load balancer, causing the outage.",
		"The developer pushed untested code straight to main, which took down the API.",
		"Because the SRE did not follow the runbook, the failover took two hours.",
		// The second batch (2026-12-07), labeled before the checker ran on
		// it (with Jamie, Priya, Alex and Sam as known names): the first run
		// found 6 of its 10 blameful sentences and flagged none of its 10
		// blameless ones. The rules then learned a person's group after the
		// subject ("Someone on the platform team should have noticed"), a
		// counterfactual whose consequence comes first ("... would not have
		// happened if the developer had tested ..."), and a change that
		// "took down" a named service. Still missed, and not pinned: "The
		// intern deleted the bucket." (a role's act on a thing, with no
		// consequence said).
		"Jamie pushed the config without review, which took down checkout.",
		"The incident was caused by a careless mistake from the on-call engineer.",
		"Root cause: Priya ran the migration against production by accident.",
		"Someone on the platform team should have noticed the disk filling up.",
		"Alex ignored the alert for two hours.",
		"This would not have happened if the developer had tested the change.",
		"The SRE on call failed to follow the escalation policy.",
		"Negligence by the release manager led to the bad deploy.",
		"Sam's typo in the firewall rule caused the outage.",
		// Version .8, made-up wording: a mistaken belief after the act.
		"An operator restarted the primary database, wrongly thinking it was the replica.",
		"The engineer accidentally deleted files that were wrongly named.",
		// Version .13, after the report halves were scored: a team by role,
		// and a step of a change left out.
		"The payments team mistakenly deployed the staging config to production.",
		"An engineer did not renew the certificate before it expired.",
	}
	blameless := []string{
		"The on-call engineer restored service by failing over to the secondary region.",
		"Engineers identified the misconfigured load balancer at 10:42.",
		"A better alert would have caught the disk filling up.",
		"The runbook should have covered this failure mode.",
		"We should have rolled back sooner.",
		"An operator restarted the pods, and the error rate dropped.",
		"The deploy tool allowed the wrong config to reach every region.",
		"Engineers were paged because the primary failed over incorrectly.",
		"The engineer who approved the change had no way to see its blast radius.",
		"Rate limiting would have prevented the overload.",
		// The second batch's blameless sentences.
		"Jamie rolled back the config at 14:05 and errors stopped.",
		"The on-call engineer was paged at 02:13 and acknowledged within four minutes.",
		"The migration tool ran without a lock timeout, so it blocked writes.",
		"The alert fired but was routed to a channel nobody watches at night.",
		"The runbook did not say which flag to flip.",
		"Priya noticed the error rate climbing and opened the incident.",
		"The deploy pipeline allowed a change with a failing canary to proceed.",
		"Two engineers worked through the night to restore the index.",
		"A typo in the firewall rule blocked traffic from the load balancers.",
		"Nobody had been told that the certificate was about to expire.",
		// Version .8: a faulty act done to the person, not by them.
		"The contractor was mistakenly removed from the on-call rotation.",
		"The networking team rolled back the change that had mistakenly disabled the health checks.",
		"The on-call engineer did not see any errors on the dashboard.",
	}
	c := NewChecker(BlameOptions{Names: []string{"Jamie", "Priya", "Alex", "Sam"}})
	isVague := func(s string) bool {
		for _, f := range c.CheckActionItem(s, true, true) {
			if IsVagueRule(f.Rule) {
				return true
			}
		}
		return false
	}
	for _, s := range vague {
		require.True(t, isVague(s), "vague: %s", s)
	}
	for _, s := range specific {
		require.False(t, isVague(s), "specific: %s", s)
	}
	for _, s := range blameful {
		require.NotEmpty(t, c.CheckBlame(s), "blameful: %s", s)
	}
	for _, s := range blameless {
		require.Empty(t, c.CheckBlame(s), "blameless: %s", s)
	}
}

// A link or issue reference is blanked out while an item is read, but its
// findings quote the item as written, at the same offsets.
func TestFindingsQuoteTheItemWithItsLinks(t *testing.T) {
	c := NewChecker(BlameOptions{})
	for _, s := range []string{"Improve alerting around scheduler health (#4512)", "Ops: Tune the alerts (#12)", "Tune the alerts, see https://example.com/x/1"} {
		fs := c.CheckActionItem(s, true, true)
		found := false
		for _, f := range fs {
			require.Equal(t, s[f.Start:f.End], f.Sentence, "%s: %s", s, f.Rule)
			found = found || IsVagueRule(f.Rule)
		}
		require.True(t, found, "vague: %s", s)
	}
}

// TestNamedCausePhrase: a finding's phrase for a name that opens the cause
// is the connective and the name, whole words (it was the 16 bytes before
// the name, which cut words and could cut a character in two).
func TestNamedCausePhrase(t *testing.T) {
	fs := CheckBlame("The outage happened because Xavier Ueda restarted the primary.", BlameOptions{Names: []string{"Xavier Ueda"}})
	require.Len(t, fs, 1)
	require.Equal(t, RuleNamedPerson, fs[0].Rule)
	require.Equal(t, "because Xavier Ueda", fs[0].Phrase)
	fs = CheckBlame("Die Störung geschah wegen Überlast, caused by Zoë Brandt.", BlameOptions{Names: []string{"Zoë Brandt"}})
	require.Len(t, fs, 1)
	require.Equal(t, "caused by Zoë Brandt", fs[0].Phrase)
}
