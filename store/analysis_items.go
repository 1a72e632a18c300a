package store

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// AnalysisItem is one listed thing of an analysis run that is more than a
// number: a language finding, a quoted highlight, an oldest open action item,
// a recurring incident group, a theme summary or change. Fields carry the
// kind's details as name/value pairs.
type AnalysisItem struct {
	Analysis string
	Kind     string
	Period   string // "30d", "YYYY-MM" or "" when the item is not about a period
	Key      string // what the item is about: a postmortem, action item, incident or theme
	Team     string
	Service  string
	Rank     int // order within (analysis, kind, period): 0 first
	Fields   []Field
	Value    float64
}

// Field is one named value of an AnalysisItem.
type Field struct {
	Name  string
	Value string
}

// Field returns the value of a named field, "" when absent.
func (it AnalysisItem) Field(name string) string {
	for _, f := range it.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// AnalysisItemFilter selects items of a run; empty fields match everything.
type AnalysisItemFilter struct {
	Analysis string
	Kind     string
	Period   string
	Team     string
}

// WriteAnalysisItems stores a run's items. Call it before WriteAnalysis, which
// makes the run visible.
func (s *Store) WriteAnalysisItems(ctx context.Context, runID string, computedAt time.Time, items []AnalysisItem) error {
	computed := utc(computedAt)
	const chunk = 100000
	for start := 0; start < len(items); start += chunk {
		part := items[start:min(start+chunk, len(items))]
		if err := s.batch(ctx, "analysis_items", "run_id, computed_at, analysis, kind, period, key, team, service, rank, field_names, field_values, value", len(part), func(b driver.Batch, i int) error {
			it := part[i]
			names := make([]string, len(it.Fields))
			values := make([]string, len(it.Fields))
			for j, f := range it.Fields {
				names[j], values[j] = f.Name, f.Value
			}
			if it.Rank < 0 {
				return fmt.Errorf("item %s/%s %q: negative rank", it.Analysis, it.Kind, it.Key)
			}
			return b.Append(runID, computed, it.Analysis, it.Kind, it.Period, it.Key, it.Team, it.Service, uint32(it.Rank), names, values, it.Value)
		}); err != nil {
			return err
		}
	}
	return nil
}

// AnalysisItems reads the items of a run ordered by analysis, kind, period, rank, key.
func (s *Store) AnalysisItems(ctx context.Context, runID string, f AnalysisItemFilter) ([]AnalysisItem, error) {
	q := "SELECT analysis, kind, period, key, team, service, rank, field_names, field_values, value FROM " +
		s.Table("analysis_items") + " WHERE run_id = ?"
	args := []any{runID}
	for _, c := range []struct{ col, v string }{{"analysis", f.Analysis}, {"kind", f.Kind}, {"period", f.Period}, {"team", f.Team}} {
		if c.v != "" {
			q += " AND " + c.col + " = ?"
			args = append(args, c.v)
		}
	}
	rows, err := s.conn.Query(ctx, q+" ORDER BY analysis, kind, period, rank, key", args...)
	if err != nil {
		return nil, fmt.Errorf("store: query analysis items of run %s: %w", runID, err)
	}
	defer rows.Close()
	var out []AnalysisItem
	for rows.Next() {
		var it AnalysisItem
		var rank uint32
		var names, values []string
		if err := rows.Scan(&it.Analysis, &it.Kind, &it.Period, &it.Key, &it.Team, &it.Service, &rank, &names, &values, &it.Value); err != nil {
			return nil, fmt.Errorf("store: scan analysis item: %w", err)
		}
		it.Rank = int(rank)
		for i := range names {
			v := ""
			if i < len(values) {
				v = values[i]
			}
			it.Fields = append(it.Fields, Field{Name: names[i], Value: v})
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read analysis items: %w", err)
	}
	return out, nil
}

// ThemeState is one contributing-factor theme as a run left it: enough for
// the next run to keep the theme's id (the sparse centroid) and for readers
// to show it.
type ThemeState struct {
	ID                 string
	Label              string
	TopTerms           []string
	Families           []string
	Representative     string
	RepresentativeText string
	Size               int
	CentroidTerms      []string
	CentroidWeights    []float64
}

// FactorTheme is the theme a run gave one contributing factor.
type FactorTheme struct {
	PostmortemKey string
	Ordinal       int
	ThemeID       string
}

// WriteThemes stores a run's themes and factor assignments. Call it before
// WriteAnalysis, which makes the run visible.
func (s *Store) WriteThemes(ctx context.Context, runID string, computedAt time.Time, themes []ThemeState, assignments []FactorTheme) error {
	computed := utc(computedAt)
	if err := s.batch(ctx, "themes", "run_id, computed_at, theme_id, label, top_terms, families, representative, representative_text, size, centroid_terms, centroid_weights", len(themes), func(b driver.Batch, i int) error {
		t := themes[i]
		if len(t.CentroidTerms) != len(t.CentroidWeights) {
			return fmt.Errorf("theme %s: %d centroid terms but %d weights", t.ID, len(t.CentroidTerms), len(t.CentroidWeights))
		}
		w := t.CentroidWeights
		if w == nil {
			w = []float64{}
		}
		return b.Append(runID, computed, t.ID, t.Label, strs(t.TopTerms), strs(t.Families), t.Representative, t.RepresentativeText,
			uint32(max(t.Size, 0)), strs(t.CentroidTerms), w)
	}); err != nil {
		return err
	}
	const chunk = 100000
	for start := 0; start < len(assignments); start += chunk {
		part := assignments[start:min(start+chunk, len(assignments))]
		if err := s.batch(ctx, "factor_themes", "run_id, computed_at, postmortem_key, ordinal, theme_id", len(part), func(b driver.Batch, i int) error {
			a := part[i]
			return b.Append(runID, computed, a.PostmortemKey, count32(a.Ordinal), a.ThemeID)
		}); err != nil {
			return err
		}
	}
	return nil
}

// Themes reads the themes of a run ordered by size (largest first), then id.
func (s *Store) Themes(ctx context.Context, runID string) ([]ThemeState, error) {
	rows, err := s.conn.Query(ctx, "SELECT theme_id, label, top_terms, families, representative, representative_text, size, centroid_terms, centroid_weights FROM "+
		s.Table("themes")+" WHERE run_id = ? ORDER BY size DESC, theme_id", runID)
	if err != nil {
		return nil, fmt.Errorf("store: query themes of run %s: %w", runID, err)
	}
	defer rows.Close()
	var out []ThemeState
	for rows.Next() {
		var t ThemeState
		var size uint32
		if err := rows.Scan(&t.ID, &t.Label, &t.TopTerms, &t.Families, &t.Representative, &t.RepresentativeText, &size, &t.CentroidTerms, &t.CentroidWeights); err != nil {
			return nil, fmt.Errorf("store: scan theme: %w", err)
		}
		t.Size = int(size)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read themes: %w", err)
	}
	return out, nil
}

// FactorThemes reads the factor assignments of a run.
func (s *Store) FactorThemes(ctx context.Context, runID string) ([]FactorTheme, error) {
	rows, err := s.conn.Query(ctx, "SELECT postmortem_key, ordinal, theme_id FROM "+s.Table("factor_themes")+
		" WHERE run_id = ? ORDER BY postmortem_key, ordinal", runID)
	if err != nil {
		return nil, fmt.Errorf("store: query factor themes of run %s: %w", runID, err)
	}
	defer rows.Close()
	var out []FactorTheme
	for rows.Next() {
		var a FactorTheme
		var ord uint32
		if err := rows.Scan(&a.PostmortemKey, &ord, &a.ThemeID); err != nil {
			return nil, fmt.Errorf("store: scan factor theme: %w", err)
		}
		a.Ordinal = int(ord)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read factor themes: %w", err)
	}
	return out, nil
}

// PruneAnalysisItems deletes the items, themes and factor assignments of runs
// other than the newest keep ones (the companion of PruneAnalysis).
func (s *Store) PruneAnalysisItems(ctx context.Context, keep int) error {
	for _, table := range []string{"analysis_items", "themes", "factor_themes"} {
		if err := s.pruneRuns(ctx, table, keep); err != nil {
			return fmt.Errorf("store: prune %s: %w", table, err)
		}
	}
	return nil
}
