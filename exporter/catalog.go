package exporter

import (
	"slices"

	"github.com/aftermath-sre/aftermath/analyze"
)

// itemLabels are the labels that make a family per-item (one series per
// action item or incident); such families are capped by MaxItemSeries.
var itemLabels = []string{"key", "incident"}

// catalogFamilies turns the analyzers' catalogue into families, in catalogue
// order (sorted by name), grouped later by analysis.
func catalogFamilies() []*family {
	var out []*family
	for _, m := range analyze.Catalog() {
		f := &family{collector: m.Analysis, name: m.Name, help: m.Help, labels: slices.Clone(m.Labels)}
		if m.Kind == analyze.Histogram {
			f.kind = histogramKind
		}
		for _, l := range itemLabels {
			if slices.Contains(m.Labels, l) {
				f.itemKey = l
			}
		}
		out = append(out, f)
	}
	return out
}
