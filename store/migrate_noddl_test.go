package store_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// execLog is a connection that keeps every statement sent through Exec
// (DDL, mutations, INSERT ... SELECT); reads and batches pass through.
type execLog struct {
	driver.Conn
	mu    sync.Mutex
	stmts []string
}

func (c *execLog) Exec(ctx context.Context, query string, args ...any) error {
	c.mu.Lock()
	c.stmts = append(c.stmts, query)
	c.mu.Unlock()
	return c.Conn.Exec(ctx, query, args...)
}

var ddl = regexp.MustCompile(`(?i)^\s*(CREATE|DROP|RENAME|ALTER|TRUNCATE|ATTACH|DETACH)\b`)

// ddlSent lists the DDL statements sent so far.
func (c *execLog) ddlSent() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, q := range c.stmts {
		if ddl.MatchString(q) {
			out = append(out, q)
		}
	}
	return out
}

// openNoDDL opens db on the test server as a user without DDL rights: every
// query of the connection carries allow_ddl = 0, as a users.xml profile with
// allow_ddl = 0 would set it (18.16 has no CREATE USER, and the managed
// server's users.xml has the default user only). Its Exec statements are
// logged.
func openNoDDL(t *testing.T, db string) (*store.Store, *execLog) {
	t.Helper()
	addr := chtest.Addr(t)
	log := &execLog{}
	st, err := store.Open(context.Background(), store.Options{Addresses: []string{addr}, Database: db,
		WrapConn: func(c driver.Conn) driver.Conn {
			// The store's own connection is replaced by one with the
			// user's setting, under which the store's per-query settings
			// still apply.
			c.Close()
			conn, err := clickhouse.Open(&clickhouse.Options{
				Addr:     []string{addr},
				Auth:     clickhouse.Auth{Database: "default", Username: "default"},
				Settings: clickhouse.Settings{"allow_ddl": 0},
			})
			require.NoError(t, err)
			log.Conn = conn
			return log
		}})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	// The test means something only if the server does refuse this user DDL.
	err = st.Conn().Exec(context.Background(), "CREATE DATABASE IF NOT EXISTS "+db)
	var ex *clickhouse.Exception
	require.True(t, errors.As(err, &ex), "DDL must be refused to this user, got %v", err)
	require.Equal(t, int32(392), ex.Code, "QUERY_IS_PROHIBITED")
	log.stmts = nil
	return st, log
}

func latestSchema(t *testing.T, db string) uint32 {
	t.Helper()
	migs, err := store.Migrations(store.DDLOptions{Database: db})
	require.NoError(t, err)
	return uint32(len(migs))
}

// TestMigrateWithoutDDLRightsOnCurrentSchema: on a database whose schema is
// current (migrated by a user with DDL rights), a user with allow_ddl = 0
// migrates with no DDL at all, so serve, ingest and analyze start; its
// reads and writes work, and an analysis's incident snapshot is refused in
// a way the run reads around.
func TestMigrateWithoutDDLRightsOnCurrentSchema(t *testing.T) {
	admin := chtest.Store(t)
	ctx := context.Background()
	require.NoError(t, admin.UpsertIncidents(ctx, []store.Incident{incident(1, "db down"), incident(2, "queue stuck")}))

	st, log := openNoDDL(t, admin.Database())
	res, err := st.Migrate(ctx)
	require.NoError(t, err, "a current schema needs no DDL")
	latest := latestSchema(t, st.Database())
	require.Equal(t, store.MigrateResult{From: latest, To: latest}, res)
	require.Empty(t, log.ddlSent(), "no DDL on a current schema")
	require.NoError(t, st.CheckSchema(ctx))

	// ingest: writes are inserts.
	require.NoError(t, st.UpsertIncidents(ctx, []store.Incident{incident(3, "disk full")}))
	require.NoError(t, st.UpsertTimelineEvents(ctx, []store.TimelineEvent{{Source: "pagerduty", IncidentID: "P000003", ID: "L1",
		Type: store.EventAcknowledge, RawType: "acknowledge_log_entry", CreatedAt: t0.Add(5 * time.Minute)}}))
	incs, err := st.Incidents(ctx, store.IncidentFilter{})
	require.NoError(t, err)
	require.Len(t, incs, 3)

	// analyze: the snapshot is refused, and the aggregates read the
	// incidents directly.
	_, _, err = st.SnapshotIncidents(ctx, "run-1")
	require.Error(t, err)
	require.True(t, store.SnapshotRefused(err), "got %v", err)
	sc := store.Scope{Now: t0.Add(24 * time.Hour), Periods: []store.Span{{From: t0.Add(-time.Hour), To: t0.Add(24 * time.Hour)}}}
	counts, err := st.IncidentCounts(ctx, sc)
	require.NoError(t, err)
	n := 0
	for _, c := range counts {
		n += c.N
	}
	require.Equal(t, 3, n)
	_, _, err = st.LatestAnalysisRun(ctx)
	require.NoError(t, err)
	for _, q := range log.ddlSent() {
		// The only DDL tried is the refused snapshot, and the drop of
		// what it may have left.
		require.Regexp(t, `^(CREATE TABLE|DROP TABLE IF EXISTS) \S+\.incident_snapshot_\d+_[0-9a-f]+ `, q+" ")
	}
}

// TestMigrateWithoutDDLRightsNeedsMigrating: when a migration is pending
// and the user may not run DDL, the error names the versions and says that
// a user with DDL rights must run `aftermath migrate`.
func TestMigrateWithoutDDLRightsNeedsMigrating(t *testing.T) {
	ctx := context.Background()
	t.Run("one migration behind", func(t *testing.T) {
		admin := chtest.Open(t)
		latest := latestSchema(t, admin.Database())
		stop, cancel := context.WithCancel(ctx)
		admin.SetBeforeStatement(func(v uint32, i int) {
			if v == latest {
				cancel() // stop before the last migration
			}
		})
		_, err := admin.Migrate(stop)
		require.Error(t, err)
		v, err := admin.SchemaVersion(ctx)
		require.NoError(t, err)
		require.Equal(t, latest-1, v)

		st, _ := openNoDDL(t, admin.Database())
		_, err = st.Migrate(ctx)
		var refused *store.MigrationRefusedError
		require.ErrorAs(t, err, &refused)
		require.Equal(t, latest-1, refused.DatabaseSchema)
		require.Equal(t, latest, refused.BinarySchema)
		require.ErrorContains(t, err, fmt.Sprintf("database %q has schema version %d but this aftermath needs %d", st.Database(), latest-1, latest))
		require.ErrorContains(t, err, "a user with DDL rights must run `aftermath migrate`")
		var ex *clickhouse.Exception
		require.ErrorAs(t, err, &ex, "the server's refusal is kept")
		require.Equal(t, int32(392), ex.Code)
		v, err = admin.SchemaVersion(ctx)
		require.NoError(t, err)
		require.Equal(t, latest-1, v, "nothing applied")
	})
	t.Run("no schema", func(t *testing.T) {
		empty := chtest.Open(t)
		st, _ := openNoDDL(t, empty.Database())
		_, err := st.Migrate(ctx)
		var refused *store.MigrationRefusedError
		require.ErrorAs(t, err, &refused)
		require.Zero(t, refused.DatabaseSchema)
		require.ErrorContains(t, err, "a user with DDL rights must run `aftermath migrate`")
	})
}
