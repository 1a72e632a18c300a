package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"

	"github.com/aftermath-sre/aftermath/metrics"
)

// changePanels is the reliability dashboard's "Is the change real?" row:
// the percentiles of the last 30 days inside their bootstrap bands, the
// organization's month-over-month comparisons with their 95% intervals, and
// the changes the analysis calls real (Benjamini–Hochberg over every month's
// comparisons).
func changePanels(b *builder) {
	b.row("Is the change real?")
	for _, x := range []struct {
		title        string
		value, band  metrics.Family
		what, abbrev string
	}{
		{"Time to resolve p50 and p90 with 95% band, last 30 days", metrics.MTTRSeconds, metrics.MTTRIntervalSeconds, "resolve", "MTTR"},
		{"Time to acknowledge p50 and p90 with 95% band, last 30 days", metrics.MTTASeconds, metrics.MTTAIntervalSeconds, "first acknowledgement", "MTTA"},
	} {
		b.band(panel{title: x.title, w: 12, h: 8, unit: "s", min: zero,
			desc: x.abbrev + " percentiles of the last 30 days' incidents (all teams and severities) as each analysis run computed them, inside the 95% bootstrap interval " +
				"of the same percentile: a later value inside the earlier band is not a change anyone can see in the data.",
			queries: []query{
				{expr: m(x.value, `period="30d"`, `severity=""`, `service=""`, `team=""`, `stat=~"p50|p90"`), legend: "{{stat}}"},
				{expr: m(x.band, `period="30d"`, `severity=""`, `team=""`, `stat=~"p50|p90"`), legend: "{{stat}} {{bound}}"},
			}}, []string{"p50", "p90"})
	}
	ratio := func(bound string) string {
		return "max without (bound) (" + m(metrics.ChangeRatio, `severity=""`, `team=""`, `period!="30d"`, `bound="`+bound+`"`) + ")"
	}
	b.mergedTable(panel{title: "Month over month, organization: change and 95% interval", w: 12, h: 10, unit: "short",
		desc: "Each month against the month before, for the whole organization: MTTA and MTTR percentiles (ratio of the two months', bootstrap interval), incidents, " +
			"SEV1+SEV2 incidents and repeat incidents (ratio per day, exact interval; stat rate), and the shares of postmortem coverage, postmortems with blaming language, " +
			"vague action items and repeat incidents (ratio of the two months' shares, Fisher's exact test, score interval; stat share). An interval that holds 1 is no clear change; the verdict column says whether the change survives the correction " +
			"for all of the month's comparisons (1 rose, -1 fell, 0 no clear change).",
		queries: []query{
			{expr: ratio("estimate"), table: true},
			{expr: ratio("lower"), table: true},
			{expr: ratio("upper"), table: true},
			{expr: m(metrics.ChangeVerdict, `severity=""`, `team=""`), table: true},
		}}, map[string]string{"Value #A": "change", "Value #B": "lower", "Value #C": "upper", "Value #D": "verdict"}, "period")
	verdicts := m(metrics.ChangeVerdict, `team=~"$team"`)
	b.promTable(panel{title: "Clear month-over-month changes, every month compared", w: 12, h: 10,
		desc: "The comparisons the analysis calls real, for every month it compares with the month before (the period column) and for the whole " +
			"organization (empty team and severity) as well as by team and by severity: 1 rose, -1 fell, beyond chance after Benjamini-Hochberg " +
			"at a 5% false discovery rate over all of that month's comparisons (every team, severity and measure). Everything not listed is no clear change.",
		queries:    []query{{expr: verdicts + " != 0", table: true}},
		findingsOf: verdicts, noFinding: "No clear change"}, "period")
}

// band is a time series whose "<name> lower" and "<name> upper" series are
// drawn as a shaded band around "<name>".
func (b *builder) band(p panel, names []string) {
	t := timeseries.NewPanelBuilder().Id(b.id()).Title(p.title).Description(p.desc).Datasource(promDS).
		Span(p.w).Height(p.h).Unit(p.unit).Targets(p.targets()).Thresholds(p.thresholdsConfig()).
		FillOpacity(0).LineWidth(2).ShowPoints(common.VisibilityModeNever).
		Legend(common.NewVizLegendOptionsBuilder().DisplayMode(common.LegendDisplayModeList).Placement(common.LegendPlacementBottom).ShowLegend(true))
	if p.min != nil {
		t = t.Min(*p.min)
	}
	for _, n := range names {
		t = t.OverrideByName(n+" upper", []dashboard.DynamicConfigValue{
			{Id: "custom.fillBelowTo", Value: n + " lower"}, {Id: "custom.lineWidth", Value: 0}, {Id: "custom.fillOpacity", Value: 20},
		}).OverrideByName(n+" lower", []dashboard.DynamicConfigValue{{Id: "custom.lineWidth", Value: 0}})
	}
	b.add(t)
}

// mergedTable joins instant table queries on their labels (Grafana's merge
// transformation) and names their value columns.
func (b *builder) mergedTable(p panel, rename map[string]string, sortBy string) {
	ex := map[string]any{}
	for _, c := range promTableHidden {
		ex[c] = true
	}
	names := map[string]any{}
	for k, v := range rename {
		names[k] = v
	}
	t := table.NewPanelBuilder().Id(b.id()).Title(p.title).Description(p.desc).Datasource(promDS).
		Span(p.w).Height(p.h).Unit(p.unit).Decimals(2).Targets(p.targets()).Thresholds(p.thresholdsConfig()).ShowHeader(true).
		WithTransformation(dashboard.DataTransformerConfig{Id: "merge", Options: map[string]any{}}).
		WithTransformation(dashboard.DataTransformerConfig{Id: "organize", Options: map[string]any{"excludeByName": ex, "renameByName": names}})
	if sortBy != "" {
		t = t.SortBy([]cog.Builder[common.TableSortByFieldState]{common.NewTableSortByFieldStateBuilder().DisplayName(sortBy).Desc(true)})
	}
	b.add(t)
}
