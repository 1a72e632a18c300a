package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// snapshotPrefix begins the name of every incident snapshot table:
// incident_snapshot_<unix seconds>_<hash of the run id>.
const snapshotPrefix = "incident_snapshot_"

// snapshotMaxAge is how old a snapshot left behind (a process killed in a
// run) gets before a later snapshot drops it. Longer than any run.
const snapshotMaxAge = 24 * time.Hour

// SnapshotIncidents copies the deduplicated incidents, each with the
// summary of its timeline (how many acknowledge and resolve events, the
// first acknowledgement, the last resolve), into a table of their own, and
// returns a Store that reads them from it wherever the analyses' incident
// view needs no title or url. An analysis run's aggregates query the
// incidents a dozen times; each query otherwise deduplicates the incidents
// and aggregates the timeline again (at a million incidents, 1-2 s of the
// server's time each, against a few hundredths over the snapshot). The
// returned Store shares the connection; drop removes the table. The copy is
// taken once, so every query of the run sees the same incidents.
//
// In cluster mode the view is not snapshotted (a table created through one
// node is not seen by the others): s itself is returned, and drop does
// nothing. A snapshot left behind by a killed run is dropped by the next
// one once it is older than snapshotMaxAge.
func (s *Store) SnapshotIncidents(ctx context.Context, runID string) (*Store, func(context.Context) error, error) {
	if s.cluster != "" {
		return s, func(context.Context) error { return nil }, nil
	}
	now := time.Now()
	if s.now != nil {
		now = s.now()
	}
	s.dropStaleSnapshots(ctx, now)
	sum := sha256.Sum256([]byte(runID))
	name := snapshotPrefix + strconv.FormatInt(now.Unix(), 10) + "_" + hex.EncodeToString(sum[:6])
	q := "CREATE TABLE " + s.Table(name) + " ENGINE = MergeTree() ORDER BY created_at AS " +
		"SELECT source, id, severity, service_name, service_id, team_name, team_id, is_merged, merged_into, created_at, status, resolved_at, " +
		"acks, first_ack, resolves, last_resolve FROM (SELECT source, id, severity, service_name, service_id, team_name, team_id, is_merged, " +
		"merged_into, created_at, status, resolved_at FROM " + s.Table("incidents") + " FINAL) AS i" + s.join("ANY LEFT") +
		"(" + s.timelineSummarySQL() + " GROUP BY source, incident_id) AS t USING (source, id)"
	if err := s.conn.Exec(ctx, q); err != nil {
		// A half-created table (the statement cancelled) is not left behind.
		_ = s.dropSnapshot(context.WithoutCancel(ctx), name)
		return nil, nil, fmt.Errorf("store: snapshot incidents: %w", err)
	}
	snap := *s
	snap.snapshot = name
	return &snap, func(ctx context.Context) error { return s.dropSnapshot(ctx, name) }, nil
}

// The ClickHouse exception codes with which a server refuses to create the
// snapshot table for this user, while its reads still work.
const (
	codeReadonly       = 164 // READONLY: readonly = 1 or 2
	codeNotEnoughSpace = 243 // NOT_ENOUGH_SPACE: no disk to reserve for the table
	// MEMORY_LIMIT_EXCEEDED: the snapshot aggregates every incident's
	// timeline in one query, more at once than a step's own reads, so a
	// user's max_memory_usage can refuse it while the steps still run.
	codeMemoryLimitExceeded = 241
	codeAccessDenied        = 291 // ACCESS_DENIED (DATABASE_ACCESS_DENIED before 20.x)
	codeQueryIsProhibited   = 392 // QUERY_IS_PROHIBITED: allow_ddl = 0
	codeNotEnoughPrivileges = 497 // NOT_ENOUGH_PRIVILEGES: no CREATE TABLE grant (20.x and later)
)

// SnapshotRefused says whether err, from SnapshotIncidents, means that the
// server would not create the snapshot table for this user (no right to
// create tables, DDL or writes prohibited, no disk space or memory for it):
// the run can then read the incidents directly, slower, with the same
// results. Any other error (a connection refused or broken, a timeout, a
// failed query) is not a refusal, and reading directly would fail the same
// way or hide it.
func SnapshotRefused(err error) bool {
	var ex *clickhouse.Exception
	if !errors.As(err, &ex) {
		return false
	}
	switch ex.Code {
	case codeReadonly, codeNotEnoughSpace, codeMemoryLimitExceeded, codeAccessDenied, codeQueryIsProhibited, codeNotEnoughPrivileges:
		return true
	}
	return false
}

func (s *Store) dropSnapshot(ctx context.Context, name string) error {
	if err := s.conn.Exec(ctx, "DROP TABLE IF EXISTS "+s.Table(name)); err != nil {
		return fmt.Errorf("store: drop incident snapshot %s: %w", name, err)
	}
	return nil
}

// dropStaleSnapshots drops the snapshots older than snapshotMaxAge; a
// failure is logged, not returned (the run does not depend on it).
func (s *Store) dropStaleSnapshots(ctx context.Context, now time.Time) {
	rows, err := s.conn.Query(ctx, "SELECT name FROM system.tables WHERE database = ? AND startsWith(name, ?)", s.db, snapshotPrefix)
	if err != nil {
		s.logger.Warn("list incident snapshots", "err", err)
		return
	}
	var stale []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			s.logger.Warn("list incident snapshots", "err", err)
			break
		}
		at, _, _ := strings.Cut(strings.TrimPrefix(name, snapshotPrefix), "_")
		if sec, err := strconv.ParseInt(at, 10, 64); err == nil && now.Sub(time.Unix(sec, 0)) > snapshotMaxAge {
			stale = append(stale, name)
		}
	}
	rows.Close()
	for _, name := range stale {
		if err := s.dropSnapshot(ctx, name); err != nil {
			s.logger.Warn("drop stale incident snapshot", "table", name, "err", err)
		} else {
			s.logger.Info("dropped an incident snapshot left by an earlier run", "table", name)
		}
	}
}
