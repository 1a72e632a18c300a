// Package alerts ships Aftermath's Prometheus alert rules
// (aftermath.rules.yml, with `promtool test rules` unit tests in
// aftermath.rules.test.yml) and an example Alertmanager route
// (alertmanager.example.yml). The files are the product; this package embeds
// them so that a binary can write them out.
package alerts

import (
	"bytes"
	_ "embed"
)

var (
	//go:embed aftermath.rules.yml
	rules []byte
	//go:embed alertmanager.example.yml
	alertmanagerExample []byte
)

// RulesFile is the rules file name, relative to this package.
const RulesFile = "aftermath.rules.yml"

// Rules returns the Prometheus rules file.
func Rules() []byte { return bytes.Clone(rules) }

// AlertmanagerExample returns the example Alertmanager configuration.
func AlertmanagerExample() []byte { return bytes.Clone(alertmanagerExample) }
