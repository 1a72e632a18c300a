package dashboards

import (
	"encoding/json"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
)

type variantsDataquery = variants.Dataquery

// clickHouseQuery is a raw SQL query of the official ClickHouse data source
// for Grafana (grafana-clickhouse-datasource, v4): the SDK ships no type for
// it, so this is the SDK's documented custom query type.
type clickHouseQuery struct {
	RefId      string                `json:"refId"`
	Hide       *bool                 `json:"hide,omitempty"`
	Datasource *common.DataSourceRef `json:"datasource,omitempty"`
	// EditorType "sql" is the raw SQL editor (not the query builder).
	EditorType string `json:"editorType"`
	// QueryType and Format say how the plugin shapes the result: a table.
	QueryType string `json:"queryType"`
	Format    int    `json:"format"`
	RawSql    string `json:"rawSql"`
}

// clickHouseFormatTable is the plugin's (sqlds') table format.
const clickHouseFormatTable = 1

func (q clickHouseQuery) ImplementsDataqueryVariant() {}

func (q clickHouseQuery) DataqueryType() string { return ClickHousePluginID }

func (q clickHouseQuery) Validate() error { return nil }

func (q clickHouseQuery) Equals(other variants.Dataquery) bool {
	o, ok := other.(clickHouseQuery)
	if !ok {
		return false
	}
	a, _ := json.Marshal(q)
	b, _ := json.Marshal(o)
	return string(a) == string(b)
}

// ClickHouseQueryVariant lets cog unmarshal the dashboards' ClickHouse
// targets (cog.NewRuntime().RegisterDataqueryVariant).
func ClickHouseQueryVariant() variants.DataqueryConfig {
	return variants.DataqueryConfig{
		Identifier: ClickHousePluginID,
		DataqueryUnmarshaler: func(raw []byte) (variants.Dataquery, error) {
			var q clickHouseQuery
			if err := json.Unmarshal(raw, &q); err != nil {
				return nil, err
			}
			return q, nil
		},
	}
}

type clickHouseQueryBuilder struct{ q clickHouseQuery }

var _ cog.Builder[variants.Dataquery] = (*clickHouseQueryBuilder)(nil)

func newClickHouseQuery(sql string) *clickHouseQueryBuilder {
	return &clickHouseQueryBuilder{q: clickHouseQuery{
		Datasource: &chDS, EditorType: "sql", QueryType: "table", Format: clickHouseFormatTable, RawSql: sql,
	}}
}

func (b *clickHouseQueryBuilder) RefId(ref string) *clickHouseQueryBuilder {
	b.q.RefId = ref
	return b
}

func (b *clickHouseQueryBuilder) Build() (variants.Dataquery, error) { return b.q, nil }
