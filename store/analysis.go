package store

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Analysis run statuses.
const (
	RunSuccess = "success"
	RunFailed  = "failed"
)

// AnalysisRun is one run of `aftermath analyze`.
type AnalysisRun struct {
	ID         string
	StartedAt  time.Time
	FinishedAt time.Time
	Status     string
	Error      string
}

// Result is one computed value of an analysis run: a metric with labels. The
// exporter and the digest read only these (and the tables analyzers add).
type Result struct {
	Analysis    string // e.g. "response", "actions", "process", "themes", "language"
	Metric      string // e.g. "mttr_seconds"
	LabelNames  []string
	LabelValues []string
	Value       float64
}

// Label returns the value of a label, "" when absent.
func (r Result) Label(name string) string {
	for i, n := range r.LabelNames {
		if n == name && i < len(r.LabelValues) {
			return r.LabelValues[i]
		}
	}
	return ""
}

// WriteAnalysis stores a run's results and then its run record, so a run is
// visible to readers only once all its results are stored.
func (s *Store) WriteAnalysis(ctx context.Context, run AnalysisRun, results []Result) error {
	computed := utc(run.FinishedAt)
	const chunk = 100000
	for start := 0; start < len(results); start += chunk {
		part := results[start:min(start+chunk, len(results))]
		if err := s.batch(ctx, "analysis_results", "run_id, computed_at, analysis, metric, label_names, label_values, value", len(part), func(b driver.Batch, i int) error {
			r := part[i]
			if len(r.LabelNames) != len(r.LabelValues) {
				return fmt.Errorf("result %s/%s: %d label names but %d values", r.Analysis, r.Metric, len(r.LabelNames), len(r.LabelValues))
			}
			return b.Append(run.ID, computed, r.Analysis, r.Metric, strs(r.LabelNames), strs(r.LabelValues), r.Value)
		}); err != nil {
			return err
		}
	}
	return s.RecordAnalysisRun(ctx, run)
}

// RecordAnalysisRun writes (or updates) a run record.
func (s *Store) RecordAnalysisRun(ctx context.Context, run AnalysisRun) error {
	v := s.NextVersion()
	return s.batch(ctx, "analysis_runs", "run_id, started_at, finished_at, status, error, version", 1, func(b driver.Batch, _ int) error {
		return b.Append(run.ID, utc(run.StartedAt), utc(run.FinishedAt), run.Status, run.Error, v)
	})
}

// LatestAnalysisRun returns the latest successful run; ok is false if none.
func (s *Store) LatestAnalysisRun(ctx context.Context) (run AnalysisRun, ok bool, err error) {
	rows, err := s.conn.Query(ctx, "SELECT run_id, started_at, finished_at, status, error FROM "+s.Table("analysis_runs")+
		" FINAL WHERE status = ? ORDER BY finished_at DESC, run_id DESC LIMIT 1", RunSuccess)
	if err != nil {
		return run, false, fmt.Errorf("store: query analysis runs: %w", err)
	}
	defer rows.Close()
	if rows.Next() {
		if err := rows.Scan(&run.ID, &run.StartedAt, &run.FinishedAt, &run.Status, &run.Error); err != nil {
			return run, false, fmt.Errorf("store: scan analysis run: %w", err)
		}
		run.StartedAt, run.FinishedAt = run.StartedAt.UTC(), run.FinishedAt.UTC()
		ok = true
	}
	return run, ok, rows.Err()
}

// AnalysisResults reads every result of a run, optionally of one analysis.
func (s *Store) AnalysisResults(ctx context.Context, runID, analysis string) ([]Result, error) {
	q := "SELECT analysis, metric, label_names, label_values, value FROM " + s.Table("analysis_results") + " WHERE run_id = ?"
	args := []any{runID}
	if analysis != "" {
		q += " AND analysis = ?"
		args = append(args, analysis)
	}
	rows, err := s.conn.Query(ctx, q+" ORDER BY analysis, metric", args...)
	if err != nil {
		return nil, fmt.Errorf("store: query analysis results of run %s: %w", runID, err)
	}
	defer rows.Close()
	var out []Result
	for rows.Next() {
		var r Result
		if err := rows.Scan(&r.Analysis, &r.Metric, &r.LabelNames, &r.LabelValues, &r.Value); err != nil {
			return nil, fmt.Errorf("store: scan analysis result: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// PruneAnalysis deletes the results of runs other than the newest keep ones.
func (s *Store) PruneAnalysis(ctx context.Context, keep int) error {
	if err := s.pruneRuns(ctx, "analysis_results", keep); err != nil {
		return fmt.Errorf("store: prune analysis results: %w", err)
	}
	return nil
}
