package analyze

import "testing"

func TestTeamKey(t *testing.T) {
	for in, want := range map[string]string{
		"Payments": "payments", "Data Platform": "data-platform", "data_platform": "data-platform",
		" data--platform ": "data-platform", "": "", "SRE/Infra": "sre-infra", "Zürich Ops": "zürich-ops",
	} {
		if got := TeamKey(in); got != want {
			t.Errorf("TeamKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTeamAliases(t *testing.T) {
	n := newTeamNamer(map[string]string{"devprod": "Developer Productivity", "Edge & Web": "edge"})
	for in, want := range map[string]string{
		"devprod": "developer-productivity", "DevProd": "developer-productivity",
		"Developer Productivity": "developer-productivity", "edge-web": "edge", "payments": "payments",
	} {
		if got := n.name(in); got != want {
			t.Errorf("name(%q) = %q, want %q", in, got, want)
		}
	}
}
