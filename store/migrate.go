package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migration is one versioned schema change embedded in the binary.
type Migration struct {
	Version    uint32
	Name       string
	Statements []string // rendered, in order
	Checksum   string   // of the source file
}

var migrationName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// DDLOptions decide how migrations render.
type DDLOptions struct {
	Database string
	// Cluster, when set, renders every table as a Replicated local table
	// <name>_local created ON CLUSTER plus a Distributed table <name> over
	// it, sharded by shardingKeys (see cluster.go).
	Cluster string
}

// Migrations returns the embedded migrations rendered for opts, in version order.
func Migrations(opts DDLOptions) ([]Migration, error) {
	if !identifier.MatchString(opts.Database) {
		return nil, fmt.Errorf("store: database name %q is not an identifier", opts.Database)
	}
	if opts.Cluster != "" && !identifier.MatchString(opts.Cluster) {
		return nil, fmt.Errorf("store: cluster name %q is not an identifier", opts.Cluster)
	}
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("store: read embedded migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("store: migration file %s: name must look like 0001_name.sql", e.Name())
		}
		v, _ := strconv.ParseUint(m[1], 10, 32)
		src, err := migrationFS.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("store: read migration %s: %w", e.Name(), err)
		}
		stmts, err := renderMigration(e.Name(), string(src), opts)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(src)
		out = append(out, Migration{Version: uint32(v), Name: m[2], Statements: stmts, Checksum: hex.EncodeToString(sum[:8])})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := range out {
		if out[i].Version != uint32(i+1) {
			return nil, fmt.Errorf("store: migrations must be numbered 1..n without gaps; found %04d at position %d", out[i].Version, i+1)
		}
	}
	return out, nil
}

func renderMigration(name, src string, opts DDLOptions) ([]string, error) {
	onCluster := ""
	if opts.Cluster != "" {
		onCluster = "ON CLUSTER " + opts.Cluster
	}
	var table string
	// zkPath is the ZooKeeper path of table's replicas in cluster mode. A
	// table created by a REBUILD gets the migration's number in its path, as
	// it keeps that path after the swap and a later rebuild of the same table
	// must not collide with it.
	zkPath := func() string {
		p := fmt.Sprintf("/clickhouse/tables/{shard}/%s/%s", opts.Database, table)
		if strings.HasSuffix(table, "__rebuild") && len(name) >= 4 {
			p += "_" + name[:4]
		}
		return p
	}
	funcs := template.FuncMap{
		"replacing": func(ver string) string {
			if opts.Cluster == "" {
				return "ReplacingMergeTree(" + ver + ")"
			}
			return fmt.Sprintf("ReplicatedReplacingMergeTree('%s', '{replica}', %s)", zkPath(), ver)
		},
		"mergetree": func() string {
			if opts.Cluster == "" {
				return "MergeTree()"
			}
			return fmt.Sprintf("ReplicatedMergeTree('%s', '{replica}')", zkPath())
		},
	}
	var stmts []string
	for i, raw := range splitStatements(src) {
		if m := tableName.FindStringSubmatch(raw); m != nil {
			table = m[1]
		}
		t, err := template.New(name).Funcs(funcs).Option("missingkey=error").Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("store: migration %s statement %d: %w", name, i+1, err)
		}
		var b bytes.Buffer
		if err := t.Execute(&b, struct{ DB, OnCluster string }{opts.Database, onCluster}); err != nil {
			return nil, fmt.Errorf("store: migration %s statement %d: %w", name, i+1, err)
		}
		st := b.String()
		if m := alterTable.FindStringSubmatch(st); opts.Cluster != "" && m != nil && m[1] == opts.Database {
			// Cluster mode: alter the local tables, then create the
			// Distributed table again over their new structure (18.16
			// alters no Distributed table ON CLUSTER of a replicated cluster).
			local := strings.Replace(st, "ALTER TABLE "+m[1]+"."+m[2]+" ", "ALTER TABLE "+m[1]+"."+m[2]+"_local ", 1)
			dist, err := distributedDDL(opts, m[2], m[2]+"_local")
			if err != nil {
				return nil, fmt.Errorf("store: migration %s statement %d: %w", name, i+1, err)
			}
			stmts = append(stmts, local, "DROP TABLE IF EXISTS "+m[1]+"."+m[2]+" ON CLUSTER "+opts.Cluster, dist)
			continue
		}
		if opts.Cluster == "" || strings.HasPrefix(st, "REBUILD") || !strings.HasPrefix(st, "CREATE TABLE") {
			stmts = append(stmts, st)
			continue
		}
		// Cluster mode: the CREATE makes the local table, and a Distributed
		// table takes the name the code uses.
		m := tableName.FindStringSubmatch(raw)
		if m == nil {
			return nil, fmt.Errorf("store: migration %s statement %d: cluster mode needs CREATE TABLE IF NOT EXISTS {{.DB}}.<name>", name, i+1)
		}
		created := opts.Database + "." + m[1]
		if !strings.Contains(st, "TABLE IF NOT EXISTS "+created+" ") {
			return nil, fmt.Errorf("store: migration %s statement %d: cannot find the table name %s", name, i+1, created)
		}
		st = strings.Replace(st, "TABLE IF NOT EXISTS "+created+" ", "TABLE IF NOT EXISTS "+created+"_local ", 1)
		dist, err := distributedDDL(opts, m[1], m[1]+"_local")
		if err != nil {
			return nil, fmt.Errorf("store: migration %s statement %d: %w", name, i+1, err)
		}
		stmts = append(stmts, st, dist)
	}
	return stmts, nil
}

// distributedDDL creates table, a Distributed table over local on every node
// of the cluster, with table's sharding key.
func distributedDDL(opts DDLOptions, table, local string) (string, error) {
	key, ok := shardingKeys[strings.TrimSuffix(table, "__rebuild")]
	if !ok {
		return "", fmt.Errorf("table %s has no sharding key for cluster mode (store.shardingKeys)", table)
	}
	return fmt.Sprintf("CREATE TABLE IF NOT EXISTS %[1]s.%[2]s ON CLUSTER %[3]s AS %[1]s.%[4]s ENGINE = Distributed(%[3]s, %[1]s, %[4]s, %[5]s)",
		opts.Database, table, opts.Cluster, local, key), nil
}

var (
	identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)
	alterTable = regexp.MustCompile(`^ALTER TABLE ([A-Za-z_][A-Za-z0-9_]*)\.([a-z0-9_]+) `)
	tableName  = regexp.MustCompile(`(?i)TABLE\s+IF\s+NOT\s+EXISTS\s+\{\{\.DB\}\}\.([a-z0-9_]+)`)
)

// splitStatements splits SQL on semicolons that end a line, dropping comment
// lines and empty statements.
func splitStatements(src string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(src, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteString("\n")
		if strings.HasSuffix(t, ";") {
			s := strings.TrimSuffix(strings.TrimSpace(cur.String()), ";")
			out = append(out, s)
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

// SchemaTooNewError says the database was migrated by a newer Aftermath.
type SchemaTooNewError struct {
	Database       string
	DatabaseSchema uint32
	BinarySchema   uint32
}

func (e *SchemaTooNewError) Error() string {
	return fmt.Sprintf("store: database %q has schema version %d but this aftermath knows only up to %d: upgrade aftermath (or point it at another database)",
		e.Database, e.DatabaseSchema, e.BinarySchema)
}

// MigrationRefusedError says the database's schema needs migrating and the
// server refused this user the DDL to do it (no right to create tables,
// DDL prohibited, read-only): a user with DDL rights must migrate it.
type MigrationRefusedError struct {
	Database       string
	DatabaseSchema uint32
	BinarySchema   uint32
	Err            error // the server's refusal
}

func (e *MigrationRefusedError) Error() string {
	return fmt.Sprintf("store: database %q has schema version %d but this aftermath needs %d, and ClickHouse refuses this user the DDL to migrate it: "+
		"a user with DDL rights must run `aftermath migrate` first: %v", e.Database, e.DatabaseSchema, e.BinarySchema, e.Err)
}

func (e *MigrationRefusedError) Unwrap() error { return e.Err }

// ddlRefused says whether err is the server refusing this user a DDL
// statement, rather than the statement failing.
func ddlRefused(err error) bool {
	var ex *clickhouse.Exception
	if !errors.As(err, &ex) {
		return false
	}
	switch ex.Code {
	case codeReadonly, codeAccessDenied, codeQueryIsProhibited, codeNotEnoughPrivileges:
		return true
	}
	return false
}

// MigrateResult says what Migrate did.
type MigrateResult struct {
	From, To uint32
	Applied  []string
}

// Migrate creates the database if needed and applies every embedded migration
// not yet recorded in schema_migrations, in order. Statements are idempotent and
// a migration is recorded only after all its statements ran, so an interrupted
// run is completed by the next one. Re-running is a no-op.
//
// The recorded schema version is read first, with a read-only query: when it
// is current, no DDL runs at all, so that a user without DDL rights (allow_ddl
// = 0, read-only, no CREATE grant) can start serve, ingest and analyze on a
// database migrated by another. When a migration is pending and the server
// refuses this user the DDL, the error is a *MigrationRefusedError.
func (s *Store) Migrate(ctx context.Context) (MigrateResult, error) {
	migs, err := Migrations(DDLOptions{Database: s.db, Cluster: s.cluster})
	if err != nil {
		return MigrateResult{}, err
	}
	latest := uint32(len(migs))
	if s.cluster != "" {
		s.checkLoadBalancing(ctx)
	}
	current, err := s.SchemaVersion(ctx)
	if err != nil {
		return MigrateResult{}, err
	}
	res := MigrateResult{From: current, To: current}
	if current > latest {
		return res, &SchemaTooNewError{Database: s.db, DatabaseSchema: current, BinarySchema: latest}
	}
	onCluster := ""
	if s.cluster != "" {
		onCluster = " ON CLUSTER " + s.cluster
		// DDL ON CLUSTER is queued in ZooKeeper and waits for every node:
		// it runs only when a migration is pending, and only when every
		// node answers, so that an up-to-date schema never waits for a
		// node that is down, and nothing is queued that a later start
		// would queue again.
		down, err := s.UnreachableHosts(ctx)
		if current == latest {
			if err != nil {
				s.logger.Warn("cannot list the cluster's hosts", "cluster", s.cluster, "err", err)
			} else if len(down) > 0 {
				s.logger.Warn("clickhouse cluster degraded: host(s) unreachable; the schema is up to date, going on",
					"cluster", s.cluster, "unreachable", strings.Join(down, ","))
			}
		} else if err != nil {
			return res, err
		} else if len(down) > 0 {
			return res, &UnreachableHostsError{Cluster: s.cluster, Hosts: down}
		}
	}
	if current == latest {
		return res, nil
	}
	// ddlErr is the error of a failed DDL statement: when the server
	// refused it to this user, the error says who must migrate.
	ddlErr := func(err error) error {
		if ddlRefused(err) {
			return &MigrationRefusedError{Database: s.db, DatabaseSchema: current, BinarySchema: latest, Err: err}
		}
		return fmt.Errorf("store: %w", err)
	}
	if err := s.conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+s.db+onCluster); err != nil {
		return res, ddlErr(fmt.Errorf("create database %s: %w", s.db, err))
	}
	engine := "MergeTree()"
	if s.cluster != "" {
		// One history for the whole cluster: a fixed path (not per
		// {shard}), every node a replica of it.
		engine = fmt.Sprintf("ReplicatedMergeTree('%s', '{shard}-{replica}')", schemaPath(s.db))
	}
	ddl := fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.schema_migrations%s (
    version    UInt32,
    name       String,
    checksum   String,
    applied_at DateTime('UTC')
) ENGINE = %s ORDER BY version`, s.db, onCluster, engine)
	if err := s.conn.Exec(ctx, ddl); err != nil {
		return res, ddlErr(fmt.Errorf("create schema_migrations: %w", err))
	}
	// Read again: another process may have migrated in the meantime.
	if current, err = s.SchemaVersion(ctx); err != nil {
		return res, err
	}
	res = MigrateResult{From: current, To: current}
	if current > latest {
		return res, &SchemaTooNewError{Database: s.db, DatabaseSchema: current, BinarySchema: latest}
	}
	for _, m := range migs {
		if m.Version <= current {
			continue
		}
		for i, stmt := range m.Statements {
			if s.beforeStatement != nil {
				s.beforeStatement(m.Version, i)
			}
			var err error
			if r, ok, perr := parseRebuild(stmt); perr != nil {
				err = perr
			} else if ok {
				err = s.rebuild(ctx, r)
			} else {
				err = s.conn.Exec(ctx, stmt)
			}
			if err != nil {
				return res, ddlErr(fmt.Errorf("migration %04d_%s statement %d: %w", m.Version, m.Name, i+1, err))
			}
		}
		b, err := s.conn.PrepareBatch(s.recordCtx(ctx), "INSERT INTO "+s.db+".schema_migrations (version, name, checksum, applied_at)")
		if err != nil {
			return res, fmt.Errorf("store: record migration %04d: %w", m.Version, err)
		}
		if err := b.Append(m.Version, m.Name, m.Checksum, s.now().UTC().Truncate(time.Second)); err != nil {
			return res, fmt.Errorf("store: record migration %04d: %w", m.Version, err)
		}
		if err := b.Send(); err != nil {
			return res, fmt.Errorf("store: record migration %04d: %w", m.Version, err)
		}
		res.To = m.Version
		res.Applied = append(res.Applied, fmt.Sprintf("%04d_%s", m.Version, m.Name))
		s.logger.Info("applied migration", "version", m.Version, "name", m.Name)
	}
	return res, nil
}

// recordCtx is the context of a migration record's insert. In cluster mode
// every node is a replica of schema_migrations, and a migration runs only
// with every node up: the record reaches all of them before the insert
// returns (insert_quorum), so SchemaVersion on any node sees it right after.
// Without it a lagging replica read the previous version (a migrate that
// stopped after version 2 read back 1).
func (s *Store) recordCtx(ctx context.Context) context.Context {
	if s.cluster == "" {
		return ctx
	}
	hosts, err := s.ClusterHosts(ctx)
	if err != nil || len(hosts) < 2 {
		return ctx
	}
	return clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"insert_quorum": len(hosts), "insert_quorum_timeout": insertQuorumTimeoutMS}))
}

// SchemaVersion is the highest migration recorded in the database, 0 if none.
func (s *Store) SchemaVersion(ctx context.Context) (uint32, error) {
	var exists uint8
	if err := s.conn.QueryRow(ctx, "SELECT count() > 0 FROM system.tables WHERE database = ? AND name = 'schema_migrations'", s.db).Scan(&exists); err != nil {
		return 0, fmt.Errorf("store: look up schema_migrations: %w", err)
	}
	if exists == 0 {
		return 0, nil
	}
	var v uint32
	if err := s.conn.QueryRow(ctx, "SELECT max(version) FROM "+s.db+".schema_migrations").Scan(&v); err != nil {
		return 0, fmt.Errorf("store: read schema version: %w", err)
	}
	return v, nil
}

// CheckSchema fails unless the database schema is exactly the binary's.
func (s *Store) CheckSchema(ctx context.Context) error {
	migs, err := Migrations(DDLOptions{Database: s.db, Cluster: s.cluster})
	if err != nil {
		return err
	}
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	latest := uint32(len(migs))
	switch {
	case v > latest:
		return &SchemaTooNewError{Database: s.db, DatabaseSchema: v, BinarySchema: latest}
	case v < latest:
		return fmt.Errorf("store: database %q has schema version %d, this aftermath needs %d: run `aftermath migrate`", s.db, v, latest)
	}
	return nil
}

// rebuildStmt is a migration's REBUILD pseudo-statement: replace table by
// one created with create (which names table+"__rebuild"), keeping its rows.
type rebuildStmt struct {
	table  string // without the database
	create string
}

var rebuildHead = regexp.MustCompile(`^REBUILD\s+([A-Za-z_][A-Za-z0-9_]*)\.([a-z0-9_]+)\s+FROM\s+`)

// parseRebuild recognizes "REBUILD db.table FROM CREATE TABLE IF NOT EXISTS
// db.table__rebuild ...".
func parseRebuild(stmt string) (rebuildStmt, bool, error) {
	if !strings.HasPrefix(stmt, "REBUILD") {
		return rebuildStmt{}, false, nil
	}
	m := rebuildHead.FindStringSubmatch(stmt)
	if m == nil {
		return rebuildStmt{}, false, errors.New("malformed REBUILD: want REBUILD db.table FROM CREATE TABLE ...")
	}
	r := rebuildStmt{table: m[2], create: stmt[len(m[0]):]}
	if !strings.Contains(r.create, "TABLE IF NOT EXISTS "+m[1]+"."+r.table+"__rebuild ") {
		return rebuildStmt{}, false, fmt.Errorf("REBUILD %s: the CREATE statement must create %s__rebuild", r.table, r.table)
	}
	return r, true, nil
}

// rebuild replaces a table by a new one with the same rows: it creates
// table__rebuild, copies every row into it, renames table to table__old and
// table__rebuild to table, and drops table__old. Each step looks at which
// tables exist first, so a rebuild interrupted at any point (a killed
// process, a lost connection) is finished by the next call:
//
//   - table gone, table__rebuild there: the swap stopped half-way; finish it.
//   - table and table__old there: the swap is done; drop table__old.
//   - otherwise: (re)build table__rebuild from scratch and swap.
func (s *Store) rebuild(ctx context.Context, r rebuildStmt) error {
	if s.cluster != "" {
		return s.rebuildCluster(ctx, r)
	}
	onCluster := ""
	if s.cluster != "" {
		onCluster = " ON CLUSTER " + s.cluster
	}
	table, tmp, old := s.Table(r.table), s.Table(r.table+"__rebuild"), s.Table(r.table+"__old")
	exec := func(q string) error {
		if err := s.conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("rebuild %s: %w", r.table, err)
		}
		return nil
	}
	has := func(name string) (bool, error) {
		var n uint64
		if err := s.conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = ? AND name = ?", s.db, name).Scan(&n); err != nil {
			return false, fmt.Errorf("rebuild %s: look up table %s: %w", r.table, name, err)
		}
		return n > 0, nil
	}
	hasTable, err := has(r.table)
	if err != nil {
		return err
	}
	if !hasTable {
		hasTmp, err := has(r.table + "__rebuild")
		if err != nil {
			return err
		}
		if !hasTmp {
			return fmt.Errorf("rebuild %s: neither %s nor %s exists", r.table, table, tmp)
		}
		s.logger.Info("finishing an interrupted table rebuild", "table", r.table)
		if err := exec("RENAME TABLE " + tmp + " TO " + table + onCluster); err != nil {
			return err
		}
	}
	if hasOld, err := has(r.table + "__old"); err != nil {
		return err
	} else if hasOld {
		return exec("DROP TABLE IF EXISTS " + old + onCluster)
	}
	began := s.now()
	for _, q := range []string{
		"DROP TABLE IF EXISTS " + tmp + onCluster,
		r.create,
		"INSERT INTO " + tmp + " SELECT * FROM " + table,
		"RENAME TABLE " + table + " TO " + old + onCluster,
		"RENAME TABLE " + tmp + " TO " + table + onCluster,
		"DROP TABLE IF EXISTS " + old + onCluster,
	} {
		if s.beforeRebuildStep != nil {
			s.beforeRebuildStep(r.table, q)
		}
		if err := exec(q); err != nil {
			return err
		}
	}
	s.logger.Info("rebuilt table", "table", r.table, "took", s.now().Sub(began))
	return nil
}

// rebuildCluster is rebuild in cluster mode: the local tables are rebuilt on
// every node (ON CLUSTER), the rows are copied through a Distributed table
// over the new local tables (with the same sharding key, so every row stays
// in its shard), and the Distributed table is created again over the new
// local table. Like rebuild, it looks at which tables exist first, so an
// interrupted run is finished by the next one.
func (s *Store) rebuildCluster(ctx context.Context, r rebuildStmt) error {
	on := " ON CLUSTER " + s.cluster
	local := r.table + "_local"
	dist, tmpDist := s.Table(r.table), s.Table(r.table+"__rebuild")
	lt, tmp, old := s.Table(local), s.Table(local+"__rebuild"), s.Table(local+"__old")
	create := strings.Replace(r.create, "TABLE IF NOT EXISTS "+tmpDist+" ", "TABLE IF NOT EXISTS "+tmp+" ", 1)
	opts := DDLOptions{Database: s.db, Cluster: s.cluster}
	tmpDDL, err := distributedDDL(opts, r.table+"__rebuild", local+"__rebuild")
	if err != nil {
		return fmt.Errorf("rebuild %s: %w", r.table, err)
	}
	distDDL, err := distributedDDL(opts, r.table, local)
	if err != nil {
		return fmt.Errorf("rebuild %s: %w", r.table, err)
	}
	exec := func(q string) error {
		if s.beforeRebuildStep != nil {
			s.beforeRebuildStep(r.table, q)
		}
		if err := s.conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("rebuild %s: %w", r.table, err)
		}
		return nil
	}
	has := func(name string) (bool, error) {
		var n uint64
		if err := s.conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = ? AND name = ?", s.db, name).Scan(&n); err != nil {
			return false, fmt.Errorf("rebuild %s: look up table %s: %w", r.table, name, err)
		}
		return n > 0, nil
	}
	redoDist := []string{"DROP TABLE IF EXISTS " + tmpDist + on, "DROP TABLE IF EXISTS " + dist + on, distDDL}
	hasLocal, err := has(local)
	if err != nil {
		return err
	}
	if !hasLocal {
		hasTmp, err := has(local + "__rebuild")
		if err != nil {
			return err
		}
		if !hasTmp {
			return fmt.Errorf("rebuild %s: neither %s nor %s exists", r.table, lt, tmp)
		}
		s.logger.Info("finishing an interrupted table rebuild", "table", r.table)
		if err := exec("RENAME TABLE " + tmp + " TO " + lt + on); err != nil {
			return err
		}
	}
	if hasOld, err := has(local + "__old"); err != nil {
		return err
	} else if hasOld {
		for _, q := range append(redoDist, "DROP TABLE IF EXISTS "+old+on) {
			if err := exec(q); err != nil {
				return err
			}
		}
		return nil
	}
	began := s.now()
	steps := []string{
		"DROP TABLE IF EXISTS " + tmpDist + on,
		"DROP TABLE IF EXISTS " + tmp + on,
		create,
		tmpDDL,
		"INSERT INTO " + tmpDist + " SELECT * FROM " + dist,
		"RENAME TABLE " + lt + " TO " + old + on,
		"RENAME TABLE " + tmp + " TO " + lt + on,
	}
	steps = append(steps, redoDist...)
	steps = append(steps, "DROP TABLE IF EXISTS "+old+on)
	for _, q := range steps {
		if err := exec(q); err != nil {
			return err
		}
	}
	s.logger.Info("rebuilt table", "table", r.table, "cluster", s.cluster, "took", s.now().Sub(began))
	return nil
}
