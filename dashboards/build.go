package dashboards

import (
	"fmt"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"

	"github.com/aftermath-sre/aftermath/metrics"
)

// Data source uids the provisioning files give the two data sources; the
// dashboards' data source variables default to them.
const (
	PrometheusUID = "aftermath-prometheus"
	ClickHouseUID = "aftermath-clickhouse"
	// ClickHousePluginID is the official ClickHouse data source for Grafana.
	ClickHousePluginID = "grafana-clickhouse-datasource"
)

// selector is the one label selector every Prometheus query of every
// dashboard starts with: the Aftermath job and instance picked in the
// dashboard's variables. It is written here once and nowhere else.
const selector = `job=~"$job", instance=~"$instance"`

// m is a metric selector: the family's name, the shared selector and any
// matchers of the panel, e.g. m(metrics.Incidents, `period="30d"`).
func m(f metrics.Family, matchers ...string) string {
	return sel(f.Name(), matchers)
}

func sel(name string, matchers []string) string {
	return name + "{" + strings.Join(append([]string{selector}, matchers...), ", ") + "}"
}

// labelValues is the query of a variable listing a label's values among the
// family's series of the chosen job.
func labelValues(f metrics.Family, label string) string {
	return "label_values(" + f.Name() + `{job=~"$job"}, ` + label + ")"
}

// withThemeLabels joins a theme-keyed expression with the themes' labels.
func withThemeLabels(expr string) string {
	return expr + " * on (job, instance, theme) group_left (label) " + m(metrics.ThemeInfo)
}

var (
	promDS = common.DataSourceRef{Type: ptr("prometheus"), Uid: ptr("${datasource}")}
	chDS   = common.DataSourceRef{Type: ptr(ClickHousePluginID), Uid: ptr("${clickhouse}")}
)

func ptr[T any](v T) *T { return &v }

// query is one Prometheus target.
type query struct {
	expr, legend string
	instant      bool
	table        bool // format table (implies instant)
}

func (q query) build(ref string) cog.Builder[variantsDataquery] {
	b := prometheus.NewDataqueryBuilder().Expr(q.expr).RefId(ref).Datasource(promDS)
	if q.legend != "" {
		b = b.LegendFormat(q.legend)
	}
	switch {
	case q.table:
		b = b.Instant().Format(prometheus.PromQueryFormatTable)
	case q.instant:
		b = b.Instant()
	default:
		b = b.Range()
	}
	return b
}

func refID(i int) string { return string(rune('A' + i)) }

// builder keeps the grid and the panel ids of one dashboard.
type builder struct {
	d      *dashboard.DashboardBuilder
	nextID uint32
	// findings maps a findings panel's title to its panel.findingsOf.
	findings map[string]string
}

func newBuilder(uid, title, description string, tags []string, vars ...cog.Builder[dashboard.VariableModel]) *builder {
	d := dashboard.NewDashboardBuilder(title).
		Uid(uid).
		Description(description).
		Tags(append([]string{"aftermath"}, tags...)).
		Editable().
		Timezone(common.TimeZoneUtc).
		Time("now-30d", "now").
		Refresh("5m").
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		Link(dashboard.NewDashboardLinkBuilder("Aftermath").
			Type(dashboard.DashboardLinkTypeDashboards).
			Tags([]string{"aftermath"}).
			AsDropdown(true).
			IncludeVars(true).
			KeepTime(true))
	for _, v := range vars {
		d = d.WithVariable(v)
	}
	return &builder{d: d, nextID: 1, findings: map[string]string{}}
}

func (b *builder) row(title string) {
	b.d = b.d.WithRow(dashboard.NewRowBuilder(title).Id(b.nextID))
	b.nextID++
}

// panel is what every panel kind shares.
type panel struct {
	title, desc string
	unit        string
	w, h        uint32
	queries     []query
	min, max    *float64
	thresholds  []dashboard.Threshold
	hide        []string // table columns to hide
	// findingsOf makes a findings panel: its query is findingsOf with a
	// filter that keeps only the rows that are findings, so it is empty
	// when there is none (see Expression.FindingsOf); noFinding is what the
	// empty panel says.
	findingsOf, noFinding string
	// values names a table's value columns, one per query in order, when
	// its queries are merged into one row per series (a table of several
	// measures: "Value #A" becomes the name, with its unit).
	values []valueColumn
}

// valueColumn is the name and unit of one query's values in a merged table.
type valueColumn struct{ name, unit string }

func (p panel) targets() []cog.Builder[variantsDataquery] {
	var out []cog.Builder[variantsDataquery]
	for i, q := range p.queries {
		out = append(out, q.build(refID(i)))
	}
	return out
}

func (p panel) thresholdsConfig() cog.Builder[dashboard.ThresholdsConfig] {
	steps := p.thresholds
	if steps == nil {
		steps = []dashboard.Threshold{{Value: nil, Color: "green"}}
	}
	return dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(steps)
}

func (b *builder) add(p cog.Builder[dashboard.Panel]) { b.d = b.d.WithPanel(p) }

func (b *builder) id() uint32 {
	id := b.nextID
	b.nextID++
	return id
}

func (b *builder) timeseries(p panel) {
	t := timeseries.NewPanelBuilder().Id(b.id()).Title(p.title).Description(p.desc).Datasource(promDS).
		Span(p.w).Height(p.h).Unit(p.unit).Targets(p.targets()).Thresholds(p.thresholdsConfig()).
		FillOpacity(10).LineWidth(1).ShowPoints(common.VisibilityModeNever).
		Legend(common.NewVizLegendOptionsBuilder().DisplayMode(common.LegendDisplayModeList).Placement(common.LegendPlacementBottom).ShowLegend(true))
	if p.min != nil {
		t = t.Min(*p.min)
	}
	if p.max != nil {
		t = t.Max(*p.max)
	}
	b.add(t)
}

func (b *builder) stat(p panel) {
	s := stat.NewPanelBuilder().Id(b.id()).Title(p.title).Description(p.desc).Datasource(promDS).
		Span(p.w).Height(p.h).Unit(p.unit).Targets(p.targets()).Thresholds(p.thresholdsConfig()).
		ColorMode(common.BigValueColorModeValue).GraphMode(common.BigValueGraphModeArea).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Values(false))
	b.add(s)
}

func (b *builder) bars(p panel) {
	g := bargauge.NewPanelBuilder().Id(b.id()).Title(p.title).Description(p.desc).Datasource(promDS).
		Span(p.w).Height(p.h).Unit(p.unit).Targets(p.targets()).Thresholds(p.thresholdsConfig()).
		DisplayMode(common.BarGaugeDisplayModeGradient).Orientation(common.VizOrientationHorizontal).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Values(false))
	if p.min != nil {
		g = g.Min(*p.min)
	}
	if p.max != nil {
		g = g.Max(*p.max)
	}
	if p.findingsOf != "" {
		b.findings[p.title] = p.findingsOf
		g = g.NoValue(p.noFinding)
	}
	b.add(g)
}

// hidden is the organize transformation that hides a table's columns.
func hidden(columns []string) dashboard.DataTransformerConfig {
	ex := map[string]any{}
	for _, c := range columns {
		ex[c] = true
	}
	return dashboard.DataTransformerConfig{Id: "organize", Options: map[string]any{"excludeByName": ex}}
}

// promTableHidden are the columns of a Prometheus table that say nothing.
var promTableHidden = []string{"Time", "__name__", "job", "instance"}

func (b *builder) promTable(p panel, sortBy string) {
	t := table.NewPanelBuilder().Id(b.id()).Title(p.title).Description(p.desc).Datasource(promDS).
		Span(p.w).Height(p.h).Unit(p.unit).Targets(p.targets()).Thresholds(p.thresholdsConfig()).
		ShowHeader(true)
	if len(p.values) > 0 {
		// One row per series with each query's value in its own column.
		t = t.WithTransformation(dashboard.DataTransformerConfig{Id: "merge", Options: map[string]any{}})
		for i, v := range p.values {
			t = t.OverrideByName("Value #"+refID(i), []dashboard.DynamicConfigValue{{Id: "displayName", Value: v.name}, {Id: "unit", Value: v.unit}})
		}
	}
	t = t.WithTransformation(hidden(append(append([]string{}, promTableHidden...), p.hide...)))
	if p.findingsOf != "" {
		b.findings[p.title] = p.findingsOf
		t = t.NoValue(p.noFinding)
	}
	if sortBy != "" {
		t = t.SortBy([]cog.Builder[common.TableSortByFieldState]{common.NewTableSortByFieldStateBuilder().DisplayName(sortBy).Desc(true)})
	}
	b.add(t)
}

// sqlTable is a table panel reading ClickHouse through the official plugin.
func (b *builder) sqlTable(title, desc string, w, h uint32, sql string) {
	t := table.NewPanelBuilder().Id(b.id()).Title(title).Description(desc).Datasource(chDS).
		Span(w).Height(h).ShowHeader(true).
		WithTarget(newClickHouseQuery(sql).RefId("A"))
	b.add(t)
}

func (b *builder) build() (dashboard.Dashboard, error) {
	d, err := b.d.Build()
	if err != nil {
		return d, fmt.Errorf("dashboards: build: %w", err)
	}
	return d, nil
}

// Variables.

func datasourceVar() cog.Builder[dashboard.VariableModel] {
	return dashboard.NewDatasourceVariableBuilder("datasource").Label("Prometheus").Type("prometheus").
		Current(dashboard.VariableOption{Text: dashboard.StringOrArrayOfString{String: ptr("Aftermath Prometheus")}, Value: dashboard.StringOrArrayOfString{String: ptr(PrometheusUID)}})
}

func clickhouseVar() cog.Builder[dashboard.VariableModel] {
	return dashboard.NewDatasourceVariableBuilder("clickhouse").Label("ClickHouse").Type(ClickHousePluginID).
		Current(dashboard.VariableOption{Text: dashboard.StringOrArrayOfString{String: ptr("Aftermath ClickHouse")}, Value: dashboard.StringOrArrayOfString{String: ptr(ClickHouseUID)}})
}

// labelVar is a multi-value variable of a label's values; "All" is ".*" so
// that it works in regex matchers and in the ClickHouse match() filter.
func labelVar(name, label, query string, multi bool) cog.Builder[dashboard.VariableModel] {
	return dashboard.NewQueryVariableBuilder(name).Label(label).
		Datasource(promDS).
		Query(dashboard.StringOrMap{String: ptr(query)}).
		Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
		Sort(dashboard.VariableSortAlphabeticalAsc).
		Multi(multi).IncludeAll(true).AllValue(".*").
		Current(dashboard.VariableOption{Text: dashboard.StringOrArrayOfString{String: ptr("All")}, Value: dashboard.StringOrArrayOfString{String: ptr("$__all")}})
}

func commonVars() []cog.Builder[dashboard.VariableModel] {
	return []cog.Builder[dashboard.VariableModel]{
		datasourceVar(),
		labelVar("job", "Job", "label_values("+metrics.Up.Name()+", job)", false),
		labelVar("instance", "Instance", labelValues(metrics.Up, "instance"), false),
	}
}
