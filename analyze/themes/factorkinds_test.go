package themes

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFactorKindPhrase(t *testing.T) {
	for _, c := range []struct {
		top  []string
		want string
	}{
		{[]string{"alert", "detection", "logs", "gap", "angry"}, "gaps in detection and alerting"},
		{[]string{"deploy", "pipeline", "version", "rollback", "canary"}, "deploys and rollouts without safeguards"},
		{[]string{"deadline", "pressure", "launch", "skipped", "team"}, "work under deadline pressure"},
		{[]string{"graphs", "looked normal", "measured", "wrong thing", "afternoon"}, "dashboards that hid the problem"},
		{[]string{"Runbooks", "outdated", "steps"}, "missing or outdated runbooks"},
		{[]string{"retries", "clients", "loop", "kept", "requests"}, "retries that amplified the load"},
		// One matching term, however high, is not enough.
		{[]string{"alerts", "payments", "ledger", "region", "europe"}, ""},
		// Nor a tail of weak matches: 1/2 + 1/3 + 1/4 + 1/5 < 1.3.
		{[]string{"ledger", "tests", "coverage", "staging", "untested"}, ""},
		{[]string{"ledger", "payments"}, ""},
		{nil, ""},
	} {
		require.Equal(t, c.want, factorKindPhrase(c.top), "%v", c.top)
	}
}

func TestDistinctTermsSkipTheLabelsWords(t *testing.T) {
	require.Equal(t, []string{"overload", "usage"}, distinctTerms("load beyond capacity", []string{"capacity", "overload", "load", "usage", "volumes"}, 2))
	require.Equal(t, []string{"retries", "clients"}, distinctTerms("load beyond capacity", []string{"retries", "clients", "loop"}, 2))
	// Too few new words: the label's own terms fill in, in order.
	require.Equal(t, []string{"overload", "capacity"}, distinctTerms("load beyond capacity", []string{"capacity", "overload", "load"}, 2))
	require.Empty(t, distinctTerms("bad data", nil, 2))
	// Words that name nothing are passed over: the demo's "load beyond
	// capacity: overload, enough" and "a third party failed: wrong, page showed".
	require.Equal(t, []string{"overload", "plan"}, distinctTerms("load beyond capacity", []string{"capacity", "overload", "load", "enough", "plan"}, 2))
	// A name with a light verb or an adverb after it is the name (black-box
	// pass 10: "factors about dashboards showed and hid", "errors well").
	require.Equal(t, []string{"page", "status"}, distinctTerms("a third party failed", []string{"wrong", "page showed", "status", "graphs"}, 2))
	require.Equal(t, []string{"dashboards", "alerts"}, namingTerms([]string{"dashboards showed", "hid", "alerts"}))
	require.Equal(t, []string{"alert threshold", "errors"}, namingTerms([]string{"alert threshold", "errors well"}))
	require.Equal(t, []string{"looked normal", "hard deadline"}, namingTerms([]string{"looked normal", "hard deadline"}))
	// With too few naming terms, the label's own naming terms fill in.
	require.Equal(t, []string{"overload", "capacity"}, distinctTerms("load beyond capacity", []string{"capacity", "overload", "enough"}, 2))
	// A term that repeats a word of one taken before, and a time adverb,
	// are passed over (black-box pass 6: "every client, client tried",
	// "immediately, multiplying load").
	require.Equal(t, []string{"every client", "wave"}, distinctTerms("retries that amplified the load", []string{"every client", "client tried", "wave"}, 2))
	require.Equal(t, []string{"multiplying load", "fail requests"}, distinctTerms("retries that amplified the load", []string{"immediately", "multiplying load", "fail requests"}, 2))
}

func TestNamingTerms(t *testing.T) {
	require.Equal(t, []string{"safety", "hard deadline"}, namingTerms([]string{"tight", "everyone", "safety", "go", "hard deadline"}))
	require.Equal(t, []string{"looked normal", "graphs"}, namingTerms([]string{"looked normal", "graphs", "recently"}))
	// A phrase that opens with a pronoun names nothing.
	require.Equal(t, []string{"signal"}, namingTerms([]string{"nothing turned", "signal", "something"}))
	// Bare judgements seen in labels of the simulated org ("factors about
	// broken and build", "deploy step, mixed").
	require.Equal(t, []string{"build", "deploy step"}, namingTerms([]string{"broken", "build", "mixed", "deploy step"}))
	// Nothing that names: the terms as they are.
	require.Equal(t, []string{"enough", "wrong"}, namingTerms([]string{"enough", "wrong"}))
	require.Empty(t, namingTerms(nil))
}

// TestOtherCausesLabel: a theme of unclassified factors formed from the
// classes is "other causes" with only the top terms that name something;
// with none, "other causes" alone.
func TestOtherCausesLabel(t *testing.T) {
	causes := map[string]Cause{"a": {Class: ClassUnclassified}, "b": {Class: ClassUnclassified}}
	d := &draft{theme: Theme{TopTerms: []string{"kept", "runbook", "normal", "nothing turned", "paging"}}, members: []string{"a", "b"}}
	nameThemes([]*draft{d}, causes, true, true)
	require.Equal(t, "other causes: runbook, paging", d.theme.Label)
	d = &draft{theme: Theme{TopTerms: []string{"kept", "normal"}}, members: []string{"a", "b"}}
	nameThemes([]*draft{d}, causes, true, true)
	require.Equal(t, "other causes", d.theme.Label)
}

// TestOtherCausesNamedByTheirClasses: the other-causes theme also holds
// the classes too small for a theme of their own; when they are a good part
// of it, it is named by them, not by its top terms.
func TestOtherCausesNamedByTheirClasses(t *testing.T) {
	causes := map[string]Cause{}
	var members []string
	add := func(n int, c Cause) {
		for i := 0; i < n; i++ {
			id := fmt.Sprintf("%s-%d", c.Class, i)
			causes[id] = c
			members = append(members, id)
		}
	}
	add(10, Cause{Class: ClassUnclassified})
	add(4, Cause{Class: ClassDependency, Cue: "a third party failed"})
	add(2, Cause{Class: ClassNetwork, Cue: "network routing or connectivity failure"})
	d := &draft{theme: Theme{TopTerms: []string{"vendor", "search"}}, members: members}
	nameThemes([]*draft{d}, causes, true, true)
	require.Equal(t, "other causes, mostly a third party failed", d.theme.Label, "4 of 16: a quarter")

	causes, members = map[string]Cause{}, nil
	add(10, Cause{Class: ClassUnclassified})
	add(3, Cause{Class: ClassNetwork, Cue: "network routing or connectivity failure"})
	add(2, Cause{Class: ClassData, Cue: "bad data"})
	add(1, Cause{Class: ClassSecurity, Cue: "credentials or certificates failed"})
	d = &draft{theme: Theme{TopTerms: []string{"vendor", "search"}}, members: members}
	nameThemes([]*draft{d}, causes, true, true)
	require.Equal(t, "other causes: network, data", d.theme.Label, "each holding a tenth; security (1 of 16) does not")
}

func TestFactorKindsFitTheMasks(t *testing.T) {
	// kindMasks holds one bit per kind in a uint16.
	if len(factorKinds) > 16 {
		t.Fatalf("%d factor kinds: kindMasks holds 16", len(factorKinds))
	}
	m := newKindMasks([]string{"alerting", "@config", "deadline", "Graphs", "storage"})
	want := kindMasks{1 << 0, 0, 1 << 3, 1 << 4, 0}
	for i := range want {
		if m[i] != want[i] {
			t.Fatalf("masks %v, want %v", m, want)
		}
	}
}
