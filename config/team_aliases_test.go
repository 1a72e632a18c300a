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
