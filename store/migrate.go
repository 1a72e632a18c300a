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
	// Cluster, when set, renders ON CLUSTER clauses and Replicated engines.
	// Aftermath's tests run single-node only.
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
	funcs := template.FuncMap{
		"replacing": func(ver string) string {
			if opts.Cluster == "" {
				return "ReplacingMergeTree(" + ver + ")"
			}
			return fmt.Sprintf("ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/%s/%s', '{replica}', %s)", opts.Database, table, ver)
		},
		"mergetree": func() string {
			if opts.Cluster == "" {
				return "MergeTree()"
			}
			return fmt.Sprintf("ReplicatedMergeTree('/clickhouse/tables/{shard}/%s/%s', '{replica}')", opts.Database, table)
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
		stmts = append(stmts, b.String())
	}
	return stmts, nil
}

var (
	identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)
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

// MigrateResult says what Migrate did.
type MigrateResult struct {
	From, To uint32
	Applied  []string
}

// Migrate creates the database if needed and applies every embedded migration
// not yet recorded in schema_migrations, in order. Statements are idempotent and
// a migration is recorded only after all its statements ran, so an interrupted
// run is completed by the next one. Re-running is a no-op.
func (s *Store) Migrate(ctx context.Context) (MigrateResult, error) {
	migs, err := Migrations(DDLOptions{Database: s.db, Cluster: s.cluster})
	if err != nil {
		return MigrateResult{}, err
	}
	onCluster := ""
	if s.cluster != "" {
		onCluster = " ON CLUSTER " + s.cluster
	}
	if err := s.conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+s.db+onCluster); err != nil {
		return MigrateResult{}, fmt.Errorf("store: create database %s: %w", s.db, err)
	}
	engine := "MergeTree()"
	if s.cluster != "" {
		engine = fmt.Sprintf("ReplicatedMergeTree('/clickhouse/tables/{shard}/%s/schema_migrations', '{replica}')", s.db)
	}
	ddl := fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.schema_migrations%s (
    version    UInt32,
    name       String,
    checksum   String,
    applied_at DateTime('UTC')
) ENGINE = %s ORDER BY version`, s.db, onCluster, engine)
	if err := s.conn.Exec(ctx, ddl); err != nil {
		return MigrateResult{}, fmt.Errorf("store: create schema_migrations: %w", err)
	}
	current, err := s.SchemaVersion(ctx)
	if err != nil {
		return MigrateResult{}, err
	}
	latest := uint32(len(migs))
	res := MigrateResult{From: current, To: current}
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
				return res, fmt.Errorf("store: migration %04d_%s statement %d: %w", m.Version, m.Name, i+1, err)
			}
		}
		b, err := s.conn.PrepareBatch(ctx, "INSERT INTO "+s.db+".schema_migrations (version, name, checksum, applied_at)")
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
