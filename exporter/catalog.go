package exporter

import (
	"fmt"
	"slices"

	"github.com/aftermath-sre/aftermath/metrics"
)

// itemLabels are the labels that make a family per-item (one series per
// action item or incident); such families are capped by MaxItemSeries.
var itemLabels = []string{"key", "incident"}

// resultFamilies turns catalogued analysis families into the families the
// exporter serves. A value that is not a catalogued family, or a family no
// analysis writes, is an error: the exporter refuses to start rather than
// serve without it.
func resultFamilies(cat []metrics.Family) ([]*family, error) {
	out := make([]*family, 0, len(cat))
	for _, m := range cat {
		if !m.Valid() {
			return nil, fmt.Errorf("exporter: %s is not in the metrics catalogue", m)
		}
		if m.Producer() != metrics.ByAnalysis {
			return nil, fmt.Errorf("exporter: %s is produced by the %s, not by an analysis", m, m.Producer())
		}
		f := &family{collector: m.Analysis(), name: m.ResultName(), help: m.Help(), labels: m.Labels()}
		switch m.Type() {
		case metrics.Gauge:
		case metrics.Histogram:
			f.kind = histogramKind
		default:
			return nil, fmt.Errorf("exporter: %s is a %s, which analyses do not write", m, m.Type())
		}
		for _, l := range itemLabels {
			if slices.Contains(f.labels, l) {
				f.itemKey = l
			}
		}
		out = append(out, f)
	}
	return out, nil
}
