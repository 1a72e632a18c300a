// Package store is Aftermath's ClickHouse store. It speaks the domain's
// vocabulary (incident, timeline event, postmortem, contributing factor,
// action item, transition), owns the schema through embedded versioned
// migrations, and writes idempotent upserts: every table is a
// ReplacingMergeTree ordered by the natural key, and reads deduplicate.
package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Options configure Open.
type Options struct {
	Addresses []string // host:port of the native protocol
	Database  string
	Username  string
	Password  string
	// Cluster, when set, is the name of the ClickHouse cluster (remote_servers)
	// Aftermath's tables are sharded and replicated over: each table is a
	// Replicated local table <name>_local on every node plus a Distributed
	// table <name> that every read and write goes through (see cluster.go).
	Cluster     string
	DialTimeout time.Duration
	Logger      *slog.Logger
	Now         func() time.Time // clock; time.Now when nil
	// WrapConn, when set, wraps the connection after it answered; tests use
	// it to observe every statement the store and the analyzers send.
	WrapConn func(driver.Conn) driver.Conn
}

// Store is a connection to Aftermath's ClickHouse database.
type Store struct {
	conn    driver.Conn
	db      string
	cluster string
	logger  *slog.Logger
	// addrs and dialTimeout are kept for the cluster's host checks.
	addrs       []string
	dialTimeout time.Duration
	// sh is the state every Store of one connection shares (see
	// SnapshotIncidents, which derives one).
	sh *shared
	// snapshot, when set, is the table of incidents with their timeline's
	// summary that incidentView reads (SnapshotIncidents).
	snapshot string
	// insertRetryWait is the pause before the n-th retry of a failed insert
	// in cluster mode (see batch); tests shorten it.
	insertRetryWait func(n int) time.Duration
	now             func() time.Time

	// beforeStatement is a test hook called before each migration statement.
	beforeStatement func(version uint32, statement int)
	// beforeRebuildStep is a test hook called before each statement of a
	// table rebuild (see rebuild).
	beforeRebuildStep func(table, statement string)
}

// shared is the mutable state of a connection's Stores.
type shared struct {
	// quorum is insertQuorum's result, computed once.
	quorumOnce sync.Once
	quorum     int
	// quorumOffUntil: after an insert could not reach its quorum (a replica
	// down), inserts go without one until then instead of each trying
	// again first (black-box pass 11: 193 batches retried, each logged).
	quorumMu       sync.Mutex
	quorumOffUntil time.Time

	verMu   sync.Mutex
	lastVer uint64
}

// Open connects to ClickHouse and checks that it answers. It does not migrate.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if len(opts.Addresses) == 0 {
		return nil, errors.New("store: no ClickHouse address")
	}
	if opts.Database == "" {
		opts.Database = "aftermath"
	}
	if !identifier.MatchString(opts.Database) {
		return nil, fmt.Errorf("store: database name %q is not an identifier", opts.Database)
	}
	if opts.Username == "" {
		opts.Username = "default"
	}
	if opts.DialTimeout == 0 {
		opts.DialTimeout = 10 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	strategy := clickhouse.ConnOpenInOrder
	var settings clickhouse.Settings
	if opts.Cluster != "" {
		// Connections spread over the addresses, and a dial that fails moves
		// on to the next one; every node holds the same Distributed tables, so
		// which one answers does not change what the store sees.
		strategy = clickhouse.ConnOpenRoundRobin
		settings = clusterSettings()
	}
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr:             opts.Addresses,
		Settings:         settings,
		Auth:             clickhouse.Auth{Database: "default", Username: opts.Username, Password: opts.Password},
		DialTimeout:      opts.DialTimeout,
		ReadTimeout:      readTimeout,
		MaxOpenConns:     8,
		MaxIdleConns:     4,
		ConnMaxLifetime:  time.Hour,
		ConnOpenStrategy: strategy,
		Compression:      &clickhouse.Compression{Method: clickhouse.CompressionLZ4},
		// The driver's own warnings (an unsupported server version, a
		// broken connection) reach the log; its debug lines show only at
		// --log.level=debug, and so does a query it reports failed because
		// its context was cancelled (driverLog).
		Logger: slog.New(driverLog{opts.Logger.Handler()}).With("driver", "clickhouse-go"),
	})
	if err != nil {
		return nil, fmt.Errorf("store: open clickhouse %v: %w", opts.Addresses, err)
	}
	pctx, cancel := context.WithTimeout(ctx, opts.DialTimeout)
	defer cancel()
	if err := conn.Ping(pctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("store: ping clickhouse %v: %w", opts.Addresses, err)
	}
	if opts.Cluster != "" {
		// A misspelled cluster was accepted on a database already
		// migrated (black-box pass 11): its prunes and quorum inserts then
		// failed run after run with warnings only.
		if err := checkCluster(pctx, conn, opts.Cluster); err != nil {
			conn.Close()
			return nil, err
		}
		if err := checkLayout(pctx, conn, opts.Database, opts.Cluster); err != nil {
			conn.Close()
			return nil, err
		}
	}
	var c driver.Conn = conn
	if opts.WrapConn != nil {
		c = opts.WrapConn(c)
	}
	// Every read is tried again when its pooled connection broke (a query
	// cancelled earlier can leave one behind): readretry.go.
	c = retryingConn{c}
	return &Store{conn: c, db: opts.Database, cluster: opts.Cluster, addrs: opts.Addresses, dialTimeout: opts.DialTimeout, logger: opts.Logger, now: opts.Now, sh: &shared{}}, nil
}

// Close closes the connection pool.
func (s *Store) Close() error { return s.conn.Close() }

// Conn is the underlying connection, for analyzers that run their own SQL.
// Queries must name tables through Table.
func (s *Store) Conn() driver.Conn { return s.conn }

// Database is the database name.
func (s *Store) Database() string { return s.db }

// Table returns the qualified name of one of Aftermath's tables.
func (s *Store) Table(name string) string { return s.db + "." + name }

// Ping checks that ClickHouse answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.conn.Ping(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// NextVersion returns a row version that is strictly greater than every version
// this Store handed out before and not less than the clock in nanoseconds, so
// the latest write wins in ReplacingMergeTree.
func (s *Store) NextVersion() uint64 {
	s.sh.verMu.Lock()
	defer s.sh.verMu.Unlock()
	v := uint64(s.now().UnixNano())
	if v <= s.sh.lastVer {
		v = s.sh.lastVer + 1
	}
	s.sh.lastVer = v
	return v
}

// keeperHint adds to err, when ClickHouse's answer means that it has lost
// ZooKeeper (a replicated table read-only, a keeper session expired, no
// keeper), that the cluster's ZooKeeper is the thing to look at: the
// server's own words do not say so (black-box pass 11).
func keeperHint(err error) error {
	var ex *clickhouse.Exception
	if errors.As(err, &ex) {
		switch ex.Code {
		case 242, 225, 999: // TABLE_IS_READ_ONLY, NO_ZOOKEEPER, KEEPER_EXCEPTION
			return fmt.Errorf("%w (the replicated tables are read-only without ZooKeeper: is it reachable from the ClickHouse nodes?)", err)
		}
	}
	return err
}

// quorumBackoff is how long inserts go without quorum after one could not
// reach it: a replica that is down stays down for longer than a batch.
const quorumBackoff = time.Minute

// firstLine is err's message up to its first line break: ClickHouse's
// exceptions carry the server's stack trace after it.
func firstLine(err error) string {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return msg
}

// batch runs one PrepareBatch insert with a named column list. In cluster
// mode a failed insert is retried, on a new connection (so on another
// address when the node it went to is down), up to insertAttempts times:
// the rows are the same on every attempt, so a retry of an insert that did
// arrive is deduplicated (by the Replicated tables' block deduplication, and
// by ReplacingMergeTree for the versioned tables).
func (s *Store) batch(ctx context.Context, table string, columns string, n int, appendRow func(b driver.Batch, i int) error) error {
	if n == 0 {
		return nil
	}
	if s.cluster == "" {
		return s.batchOnce(ctx, table, columns, n, appendRow)
	}
	// Every replica of the shard gets the rows before the insert returns
	// (insert_quorum), so a read that goes to either replica right after
	// sees them. When the quorum cannot be reached (a replica is down), the
	// insert is retried without it: the rows are then on the live replica
	// and reach the other one when it is back.
	quorum := s.insertQuorum(ctx)
	s.sh.quorumMu.Lock()
	if time.Now().Before(s.sh.quorumOffUntil) {
		quorum = 0
	}
	s.sh.quorumMu.Unlock()
	var err error
	for attempt := 1; ; attempt++ {
		qctx := ctx
		if quorum > 1 {
			qctx = clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"insert_quorum": quorum, "insert_quorum_timeout": insertQuorumTimeoutMS}))
		}
		err = s.batchOnce(qctx, table, columns, n, appendRow)
		err = keeperHint(err)
		if err != nil && quorum > 1 && quorumError(err) {
			s.sh.quorumMu.Lock()
			s.sh.quorumOffUntil = time.Now().Add(quorumBackoff) // wall time: the store's clock may be a test's fixed one
			s.sh.quorumMu.Unlock()
			s.logger.Warn("insert could not reach every replica of its shard; writing without quorum for a while", "table", table, "rows", n,
				"quorum", quorum, "for", quorumBackoff, "err", firstLine(err))
			quorum = 0
		}
		if err == nil || attempt >= insertAttempts || ctx.Err() != nil || !retryableInsertError(err) {
			return err
		}
		wait := s.retryWait(attempt)
		s.logger.Warn("insert failed, retrying on another connection", "table", table, "rows", n, "attempt", attempt, "retry_in", wait, "err", firstLine(err))
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (retry abandoned: %w)", err, ctx.Err())
		case <-time.After(wait):
		}
	}
}

func (s *Store) batchOnce(ctx context.Context, table string, columns string, n int, appendRow func(b driver.Batch, i int) error) error {
	b, err := s.conn.PrepareBatch(ctx, "INSERT INTO "+s.Table(table)+" ("+columns+")")
	if err != nil {
		return fmt.Errorf("store: prepare insert into %s: %w", table, err)
	}
	for i := 0; i < n; i++ {
		if err := appendRow(b, i); err != nil {
			_ = b.Abort()
			return rowError{fmt.Errorf("store: insert into %s: row %d: %w", table, i, err)}
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("store: insert %d rows into %s: %w", n, table, err)
	}
	return nil
}

// utc truncates to seconds in UTC, as DateTime stores it.
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := utc(t)
	return &u
}

func fromNull(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func boolU8(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

func strs(a []string) []string {
	if a == nil {
		return []string{}
	}
	return a
}

// count32 stores a count or ordinal in a UInt32 column: negative values are
// 0, and values past the column's range stay at its maximum rather than
// wrapping.
func count32(n int) uint32 {
	switch {
	case n < 0:
		return 0
	case uint64(n) > math.MaxUint32:
		return math.MaxUint32
	}
	return uint32(n)
}
