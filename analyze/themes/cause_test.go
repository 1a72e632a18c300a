package themes

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestClassifyWeighsTheMechanismAboveTheComponent(t *testing.T) {
	cl := NewClassifier()
	tests := []struct {
		name, text, want string
	}{
		{"router software bug", "A software bug in the router firmware made the routers drop their BGP sessions.", ClassCodeBug},
		{"router misconfiguration", "The routers were misconfigured: an incorrect routing policy value was pushed to the routers.", ClassConfig},
		{"router line card", "A line card failure on a core router took the links down.", ClassHardware},
		{"load balancer capacity", "A surge in traffic exceeded the capacity of the load balancers.", ClassCapacity},
		{"cause after due to", "The storage nodes became unresponsive due to a power outage at the facility.", ClassHardware},
		{"cause before caused", "A configuration change to the DNS servers caused elevated errors for customers.", ClassConfig},
		{"third party", "Our upstream DNS provider suffered an outage that we could not route around.", ClassDependency},
		{"expired certificate", "The TLS certificate of the API gateway expired at midnight.", ClassSecurity},
		{"manual removal", "During maintenance an operator inadvertently removed the authentication service.", ClassProcess},
		{"bad data", "A malformed record in the metadata store corrupted the index.", ClassData},
		{"deployment", "A recent deployment to the frontend introduced the failure, and a rollback restored service.", ClassDeployment},
		{"nothing", "Customers saw errors for two hours.", ClassUnclassified},
		// How engineering teams' own postmortems name mechanisms (made-up
		// sentences, one per cue line added in themes Version 2026-12-07.1).
		{"ran out", "The build hosts ran out of inodes and every job failed to check out.", ClassCapacity},
		{"oom killed", "The importer pods were OOMKilled once the nightly batch doubled.", ClassCapacity},
		{"provider outage", "An outage in GitHub Actions left the release pipeline unable to start.", ClassDependency},
		{"hung daemon", "The scheduler process was hung on two workers, so no job was picked up.", ClassCodeBug},
		{"refactor", "The fault was introduced during a recent refactor of the queue client.", ClassDeployment},
		{"not configured", "Log rotation was never configured for the audit volume.", ClassConfig},
		// A configuration that a deployment delivered is a configuration
		// fault (Li et al.'s software bugs/config), not a deployment one
		// (themes Version 2026-12-07.2).
		{"deployed record", "A recent deployment task introduced a DNS record that pointed the portal at the wrong backend.", ClassConfig},
		{"rolled-out config", "The new proxy configuration was rolled out to every region at once and the proxies rejected it.", ClassConfig},
		{"deployed code", "A recent deployment to the frontend introduced a change that broke the login page.", ClassDeployment},
		// Load and facility failures named as the vendors name them (themes
		// Version 2026-12-07.3).
		{"load spike", "A load spike on the search cluster pushed latency past the timeout.", ClassCapacity},
		{"amount of traffic", "A batch job began to send a large amount of traffic to the billing service.", ClassCapacity},
		{"consumed cpu", "A report query consumed most CPU resources on the primary database.", ClassCapacity},
		{"without capacity", "The router was returned to service without sufficient uplink capacity.", ClassCapacity},
		{"breaker trips", "Breaker trips on both feeds left the hall dark.", ClassHardware},
		{"failure of a card", "The failure of an optical line card took the link down.", ClassHardware},
		{"device fault", "A core switch experienced a fault during the upgrade window.", ClassHardware},
		{"power maintenance", "A scheduled power maintenance left two racks unhealthy.", ClassHardware},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := cl.Classify(tc.text)
			require.Equal(t, tc.want, got.Class, "%+v", got)
			if tc.want != ClassUnclassified {
				require.NotEmpty(t, got.Evidence)
				require.Equal(t, got.Evidence, tc.text[got.Start:got.End], "the evidence is a span of the text")
				require.NotEmpty(t, got.Cue)
			}
		})
	}
}

func TestClassifyEvidenceIsTheDecidingSentence(t *testing.T) {
	text := "Customers in two regions saw errors. Engineers identified that a misconfigured firewall rule was pushed to the edge. Service recovered after a restart."
	got := NewClassifier().Classify(text)
	require.Equal(t, ClassConfig, got.Class)
	require.Contains(t, got.Evidence, "misconfigured firewall rule was pushed")
	require.NotContains(t, got.Evidence, "Customers")
	require.Equal(t, got.Evidence, text[got.Start:got.End])
}

func TestClassifySetsUnknownCausesAside(t *testing.T) {
	cl := NewClassifier()
	for _, text := range []string{
		"Engineers are investigating the full root cause.",
		"The root cause is not yet known; the incident remains under investigation.",
		"Preliminary root cause: under investigation.",
	} {
		got := cl.Classify(text)
		require.Equal(t, ClassUnclassified, got.Class, text)
		require.True(t, got.Unknown, text)
		require.NotEmpty(t, got.Evidence)
	}
	// A named mechanism wins over a hedge.
	got := cl.Classify("A misconfiguration of the cache was pushed; we continue to investigate why validation did not catch it.")
	require.Equal(t, ClassConfig, got.Class)
	require.False(t, got.Unknown)
}

func TestStripBoilerplateKeepsOffsets(t *testing.T) {
	text := "Engineers identified a recent deployment as the potential root cause."
	s := StripBoilerplate(text)
	require.Len(t, s, len(text))
	require.NotContains(t, s, "Engineers identified")
	require.NotContains(t, s, "potential root cause")
	require.Contains(t, s, "a recent deployment")
	// The template alone carries no cause: only the deployment is left.
	require.Equal(t, ClassDeployment, NewClassifier().Classify(text).Class)
}
