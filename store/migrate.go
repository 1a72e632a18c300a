package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
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
			if err := s.conn.Exec(ctx, stmt); err != nil {
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
