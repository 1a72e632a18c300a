package followup

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Written for this test, one or more per kind and per boundary rule in
// testdata/LABELING.md; repair is covered here only (the dev data holds no
// repair item).
func TestClassify(t *testing.T) {
	cases := []struct {
		text     string
		kind     Kind
		evidence string
	}{
		// investigate
		{"Investigate why the cache warmer stalled during the deploy", Investigate, "Investigate"},
		{"Engineers will continue to investigate to establish the full root cause and prevent future occurrences.", Investigate, "investigate"},
		{"Audit every queue consumer for the same retry setting", Investigate, "Audit"},
		{"Determine whether the lock timeout can be raised, and if so add it to the deploy config", Investigate, "Determine"},
		{"Engineers will continue to monitor the cluster and look to establish the cause of the errors.", Investigate, "continue to monitor"},
		// mitigate
		{"Roll back the payments deploy", Mitigate, "Roll back"},
		{"Add a runbook for draining a zone", Mitigate, "runbook"},
		{"Introduce load-shedding so that the API rejects new requests when memory runs out", Mitigate, "load-shedding"},
		{"Shard the session store to reduce the blast radius of a node loss", Mitigate, "Shard"},
		{"Improve the failover time of the primary database", Mitigate, "failover"},
		{"Post status page updates within 15 minutes of a SEV1", Mitigate, "status page"},
		{"Review and enhance procedures to improve customer communication", Mitigate, "communication"},
		{"Regularly test our recovery processes on spare hosts", Mitigate, "test our recovery"},
		// repair
		{"Restore the deleted customer records from the nightly backup", Repair, "Restore the deleted"},
		{"Backfill the missing billing events for March 3", Repair, "Backfill"},
		{"Remove the temporary traffic re-route through us-east-2", Repair, "Remove the temporary"},
		{"Re-image the hosts that ran the bad kernel", Repair, "Re-image"},
		{"Replace the failed disks in rack 12", Repair, "Replace the failed"},
		// detect
		{"Add an alert when a shard has no leader for 5 minutes", Detect, "alert"},
		{"Improve monitoring to detect certificate expiry", Detect, "monitoring"},
		{"Add telemetry for queue depth per partition", Detect, "telemetry"},
		// prevent
		{"Fix the off-by-one in the pagination cursor", Prevent, "Fix"},
		{"Add validation of routing config before it is applied", Prevent, "validation"},
		{"Canary every config change in one region for an hour", Prevent, "Canary"},
		{"Increase capacity in the region to avoid congestion", Prevent, "capacity"},
		{"Investigate and fix the leak in the connection pool", Prevent, "fix"},
		{"Review procedures, and create automated rules to catch this class of misconfiguration during testing", Prevent, "misconfiguration"},
		{"We are taking multiple steps to prevent recurrence of this issue.", Prevent, "prevent"},
		// lead-ins and leading subordinate clauses are skipped
		{"Next steps include but are not limited to: Add alerting on replication lag", Detect, "alerting"},
		{"In addition to rolling back the change, we are auditing all network ACLs.", Investigate, "auditing"},
	}
	for _, c := range cases {
		t.Run(c.text, func(t *testing.T) {
			r := Classify(c.text)
			require.Equal(t, c.kind, r.Kind, "cue %q", r.Cue)
			require.Equal(t, c.evidence, r.Evidence(c.text))
			require.False(t, r.Default)
		})
	}
}

func TestClassifyDefaultAndEmpty(t *testing.T) {
	r := Classify("Make the thing better")
	require.Equal(t, Prevent, r.Kind)
	require.True(t, r.Default)
	require.Equal(t, "", r.Evidence("Make the thing better"))

	for _, s := range []string{"", "  ", "— …"} {
		require.Equal(t, Unknown, Classify(s).Kind, "%q", s)
	}
}

// The evidence span points into the text given, also after multi-byte
// runes and a skipped lead-in.
func TestEvidenceOffsets(t *testing.T) {
	text := "Étape 1 — next steps: Évaluer nothing; then add “alerting” on lag"
	r := Classify(text)
	require.Equal(t, Detect, r.Kind)
	require.Equal(t, "alerting", text[r.Start:r.End])
}
