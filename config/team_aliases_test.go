package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTeamAliases(t *testing.T) {
	cfg, err := Parse([]byte("analysis:\n  team_aliases:\n    devprod: Developer Productivity\n"), "a.yml", func(string) string { return "" }, nil)
	require.NoError(t, err)
	require.Equal(t, map[string]string{"devprod": "Developer Productivity"}, cfg.Analysis.TeamAliases)

	_, err = Parse([]byte("analysis:\n  team_aliases:\n    devprod: \"\"\n"), "a.yml", func(string) string { return "" }, nil)
	require.EqualError(t, err, "a.yml:3: analysis.team_aliases.devprod: must name a team")

	_, err = Parse([]byte("digest:\n  base_url: ftp://x\n"), "a.yml", func(string) string { return "" }, nil)
	require.EqualError(t, err, `a.yml:2: digest.base_url: must be an http or https URL, got "ftp://x"`)
}

// TestConflictingTeamAliases: two aliases of one team (keys that fold to
// the same TeamKey) must map to one team, or the analysis would apply
// whichever map iteration gave first.
func TestConflictingTeamAliases(t *testing.T) {
	noEnv := func(string) string { return "" }
	_, err := Parse([]byte("analysis:\n  team_aliases:\n    devprod: Developer Productivity\n    DevProd: Other Team\n"), "a.yml", noEnv, nil)
	require.EqualError(t, err, `a.yml:3: analysis.team_aliases.devprod: is the same team as team_aliases.DevProd (both are "devprod") but maps to "Developer Productivity", not "Other Team"; keep one of them`)

	_, err = Parse([]byte("analysis:\n  team_aliases:\n    dev_prod: A\n    Dev Prod: B\n    dev-prod: A\n"), "a.yml", noEnv, nil)
	require.EqualError(t, err, "a.yml:3: analysis.team_aliases.dev_prod: is the same team as team_aliases.Dev Prod (both are \"dev-prod\") but maps to \"A\", not \"B\"; keep one of them\n"+
		"a.yml:5: analysis.team_aliases.dev-prod: is the same team as team_aliases.Dev Prod (both are \"dev-prod\") but maps to \"A\", not \"B\"; keep one of them")

	// Spellings of one team on both sides agree.
	cfg, err := Parse([]byte("analysis:\n  team_aliases:\n    devprod: Developer Productivity\n    DevProd: developer-productivity\n"), "a.yml", noEnv, nil)
	require.NoError(t, err)
	require.Len(t, cfg.Analysis.TeamAliases, 2)
}
