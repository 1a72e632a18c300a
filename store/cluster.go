package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Cluster mode (Options.Cluster set).
//
// Every table T is two tables on every node of the cluster:
//
//   - T_local, a Replicated(Replacing)MergeTree whose ZooKeeper path is
//     /clickhouse/tables/{shard}/<db>/T, holding the node's shard;
//   - T, a Distributed table over T_local, sharded by a hash of T's natural
//     key (shardingKeys). Child rows are sharded by their parent's key, so a
//     row and every newer version of it, and a parent and its children, are
//     in one shard: FINAL deduplicates within a shard and needs nothing more.
//
// The code reads and writes T (Table returns it) exactly as in single-node
// mode. Inserts are synchronous (insert_distributed_sync): when an insert
// returns, its rows are in their shards, so a run row written after its
// results never points at results still in flight. IN subqueries over
// Distributed tables are GLOBAL IN (Store.in): they run once, on the node
// that got the query, and see every shard. Mutations
// (the prunes) run ON CLUSTER on T_local. The migrations table is one
// Replicated table with a fixed path that every node holds (schemaPath).

// insertAttempts bounds the attempts of one insert in cluster mode.
const insertAttempts = 4

// insertQuorumTimeoutMS bounds how long a quorum insert waits for the
// shard's other replicas.
const insertQuorumTimeoutMS = 30000

// insertQuorum is the number of replicas an insert must reach before it
// returns: every replica of the smallest shard (from system.clusters), so
// that a read right after a write sees it whichever replica answers. 0 when
// it cannot be known or a shard has one replica.
func (s *Store) insertQuorum(ctx context.Context) int {
	s.sh.quorumOnce.Do(func() {
		hosts, err := s.ClusterHosts(ctx)
		if err != nil {
			s.logger.Warn("cannot list the cluster's replicas; inserts go without quorum", "err", err)
			return
		}
		per := map[uint32]int{}
		for _, h := range hosts {
			per[h.Shard]++
		}
		q := 0
		for _, n := range per {
			if q == 0 || n < q {
				q = n
			}
		}
		if q > 1 {
			s.sh.quorum = q
		}
	})
	return s.sh.quorum
}

// quorumError says whether err is an insert that could not reach its quorum
// (a replica is down or lags): the insert is then retried without one.
func quorumError(err error) bool {
	var ex *clickhouse.Exception
	if !errors.As(err, &ex) {
		return false
	}
	switch ex.Code {
	case 159, 285, 286, 319: // TIMEOUT_EXCEEDED, TOO_FEW_LIVE_REPLICAS, UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE, UNKNOWN_STATUS_OF_INSERT
		return true
	}
	return false
}

// clusterSettings are sent with every query in cluster mode. (18.16's
// protocol carries only numeric settings from this driver, so
// distributed_product_mode cannot be one: see in.)
func clusterSettings() clickhouse.Settings {
	return clickhouse.Settings{
		"insert_distributed_sync": 1,
		// The Distributed table reads its node's own shard over the network
		// too: 18.16's in-process path for the local replica loses the
		// version column of a FINAL read ordered by a column it does not
		// select ("Cannot find column version in source stream").
		"prefer_localhost_replica": 0,
	}
}

// readTimeout bounds the wait for a reply packet from a ClickHouse node that
// has stopped answering without closing its connections (a hung process:
// black-box pass 11); the driver's default is 5 minutes. A running query
// sends progress packets every 100 ms (interactive_delay). Setting the
// servers' receive_timeout and send_timeout per query was tried: 18.16's
// nodes still waited 300 s for a hung replica.
const readTimeout = time.Minute

// in is the IN operator before a subquery: GLOBAL IN in cluster mode, so
// that the subquery over a Distributed table runs once, on the node that got
// the query, and sees every shard (a plain IN would run it on each shard,
// which 18.16 refuses by default: distributed_product_mode=deny).
func (s *Store) in() string {
	if s.cluster != "" {
		return " GLOBAL IN "
	}
	return " IN "
}

// notIn is in's negation. 18.16 reads only "x GLOBAL NOT IN (...)": a
// "NOT" before "GLOBAL IN" is a syntax error there.
func (s *Store) notIn() string {
	if s.cluster != "" {
		return " GLOBAL NOT IN "
	}
	return " NOT IN "
}

// shardingKeys is the sharding expression of each table's Distributed
// table: a hash of the natural key, or of the parent's key for child rows.
// A migration that creates a table not listed here does not render in
// cluster mode.
var shardingKeys = map[string]string{
	"raw_documents":           "cityHash64(source, kind, id)",
	"incidents":               "cityHash64(source, id)",
	"timeline_events":         "cityHash64(source, incident_id)", // parent: the incident
	"postmortems":             "cityHash64(key)",
	"contributing_factors":    "cityHash64(postmortem_key)", // parent: the postmortem
	"action_items":            "cityHash64(key)",
	"action_item_transitions": "cityHash64(item_key)", // parent: the action item
	"ingest_checkpoints":      "cityHash64(source, name)",
	"ingest_runs":             "cityHash64(source, run_id)",
	"analysis_runs":           "cityHash64(run_id)",
	"analysis_results":        "cityHash64(run_id)",         // parent: the analysis run
	"analysis_items":          "cityHash64(run_id)",         // parent: the analysis run
	"themes":                  "cityHash64(run_id)",         // parent: the analysis run
	"factor_themes":           "cityHash64(postmortem_key)", // parent: the factor's postmortem
	"text_analyses":           "cityHash64(analyzer, version, hash)",
}

// localTable is the name of the table that holds the rows of table on one
// node: table itself on a single server, table_local in cluster mode.
func (s *Store) localTable(name string) string {
	if s.cluster == "" {
		return name
	}
	return name + "_local"
}

// schemaPath is the ZooKeeper path of the migrations table in cluster mode:
// fixed, not per shard, so that every node holds the one migration history.
func schemaPath(db string) string { return "/clickhouse/aftermath/" + db + "/schema_migrations" }

// rowError is an error of the rows themselves (a value the column does not
// take): retrying the insert cannot help.
type rowError struct{ error }

func (e rowError) Unwrap() error { return e.error }

// retryableInsertError says whether an insert that failed with err may
// succeed on another connection: a network failure, or a server that could
// not reach a replica, ZooKeeper or another shard.
func retryableInsertError(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var re rowError
	if errors.As(err, &re) {
		return false
	}
	var ex *clickhouse.Exception
	if errors.As(err, &ex) {
		switch ex.Code {
		case 3, 32, // UNEXPECTED_END_OF_FILE, ATTEMPT_TO_READ_AFTER_EOF
			159,      // TIMEOUT_EXCEEDED
			209, 210, // SOCKET_TIMEOUT, NETWORK_ERROR
			225, 999, // NO_ZOOKEEPER, KEEPER_EXCEPTION
			242,      // TABLE_IS_READ_ONLY (a replica lost its ZooKeeper session)
			279,      // ALL_CONNECTION_TRIES_FAILED
			285, 286, // TOO_FEW_LIVE_REPLICAS, UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE
			319: // UNKNOWN_STATUS_OF_INSERT
			return true
		}
		return false
	}
	// Not an answer from the server: the connection broke or never opened.
	return true
}

func (s *Store) retryWait(attempt int) time.Duration {
	if s.insertRetryWait != nil {
		return s.insertRetryWait(attempt)
	}
	return time.Duration(attempt*attempt) * 250 * time.Millisecond
}

// mutationDDLTimeout bounds how long a prune waits for every node of the
// cluster; a node that is down runs the queued mutation when it is back.
const mutationDDLTimeout = 30

// deleteWhere runs ALTER TABLE ... DELETE WHERE cond on table: on the table
// itself on a single server; ON CLUSTER on its local tables in cluster mode,
// so that every shard is pruned.
func (s *Store) deleteWhere(ctx context.Context, table, cond string, args ...any) error {
	if s.cluster == "" {
		return s.conn.Exec(ctx, "ALTER TABLE "+s.Table(table)+" DELETE WHERE "+cond, args...)
	}
	q := "ALTER TABLE " + s.Table(s.localTable(table)) + " ON CLUSTER " + s.cluster + " DELETE WHERE " + cond
	ctx = clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"distributed_ddl_task_timeout": mutationDDLTimeout}))
	err := s.conn.Exec(ctx, q, args...)
	var ex *clickhouse.Exception
	if errors.As(err, &ex) && ex.Code == 159 {
		// TIMEOUT_EXCEEDED: the mutation is queued for every host; the
		// ones that did not finish in time run it when they can.
		s.logger.Warn("prune not yet finished on every node of the cluster; it stays queued", "table", table, "err", err)
		return nil
	}
	return err
}

// runIDs returns the ids of the analysis runs that tail (a WHERE and ORDER
// BY with a "LIMIT ?" for limit) selects, for the prunes in cluster mode (a
// mutation's subquery would run on each node).
func (s *Store) runIDs(ctx context.Context, tail string, limit int) ([]string, error) {
	rows, err := s.conn.Query(ctx, "SELECT run_id FROM "+s.Table("analysis_runs")+" FINAL "+tail, limit)
	if err != nil {
		return nil, fmt.Errorf("store: newest analysis runs: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: newest analysis runs: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// pruneRuns deletes the rows of table whose run is not one of the newest
// keep analysis runs: a recorded run's (in analysis_runs), and an unrecorded
// one's only when computed more than pruneGrace ago. A run still going has
// written some tables before its row in analysis_runs (its themes first,
// its run row last), and another run's prune must not take them (black-box
// pass 11: two analyses at once left a successful run without its factor
// themes); a run killed before it was recorded goes once pruneGrace has
// passed.
func (s *Store) pruneRuns(ctx context.Context, table string, keep int) error {
	// With keep recorded runs or fewer there is nothing to prune (a killed
	// run's rows wait for the first prune after that): no mutation is
	// queued on every run (on a cluster, four DDL tasks in ZooKeeper each).
	if ids, err := s.runIDs(ctx, "ORDER BY finished_at DESC LIMIT ?", keep+1); err != nil {
		return err
	} else if len(ids) <= keep {
		return nil
	}
	settled := unixTime(s.now().Add(-pruneGrace))
	if s.cluster == "" {
		runs := s.Table("analysis_runs")
		return s.conn.Exec(ctx, "ALTER TABLE "+s.Table(table)+" DELETE WHERE run_id NOT IN (SELECT run_id FROM "+runs+
			" FINAL ORDER BY finished_at DESC LIMIT ?) AND (run_id IN (SELECT run_id FROM "+runs+") OR computed_at < "+settled+")", keep)
	}
	// On a cluster the mutation runs on each node's local table: the run
	// ids are listed, not read in a subquery. Recorded runs older than
	// pruneGrace need no listing: their rows are older too.
	ids, err := s.runIDs(ctx, "ORDER BY finished_at DESC LIMIT ?", keep)
	if err != nil {
		return err
	}
	recent, err := s.runIDs(ctx, "WHERE finished_at >= "+settled+" ORDER BY finished_at DESC LIMIT ?", 10000)
	if err != nil {
		return err
	}
	where := "run_id NOT IN (" + quoteAll(ids) + ") AND (computed_at < " + settled
	if len(recent) > 0 {
		where += " OR run_id IN (" + quoteAll(recent) + ")"
	}
	return s.deleteWhere(ctx, table, where+")")
}

// quoteAll is ids as SQL string literals, comma-separated.
func quoteAll(ids []string) string {
	quoted := make([]string, len(ids))
	for i, id := range ids {
		quoted[i] = quoteString(id)
	}
	return strings.Join(quoted, ", ")
}

// pruneGrace is how old a run's rows must be before a prune may take them:
// longer than any analysis run takes.
const pruneGrace = 24 * time.Hour

// ClusterHost is one node of the configured cluster, as system.clusters
// lists it.
type ClusterHost struct {
	Shard, Replica uint32
	Host           string
	Port           uint16
}

// Addr is host:port.
func (h ClusterHost) Addr() string { return net.JoinHostPort(h.Host, strconv.Itoa(int(h.Port))) }

// UnreachableHostsError names the nodes of the cluster that did not answer
// when Migrate had DDL to run. Nothing was queued: DDL ON CLUSTER would wait
// for them (distributed_ddl_task_timeout) and block every start.
type UnreachableHostsError struct {
	Cluster string
	Hosts   []string
}

func (e *UnreachableHostsError) Error() string {
	return fmt.Sprintf("store: cluster %s: host(s) %s unreachable; a migration is pending and runs on every node: start them, or remove them from remote_servers, and retry",
		e.Cluster, strings.Join(e.Hosts, ", "))
}

// ClusterHosts lists the nodes of the configured cluster (nil on a single
// server).
func (s *Store) ClusterHosts(ctx context.Context) ([]ClusterHost, error) {
	if s.cluster == "" {
		return nil, nil
	}
	rows, err := s.conn.Query(ctx, "SELECT shard_num, replica_num, host_name, port FROM system.clusters WHERE cluster = ? ORDER BY shard_num, replica_num", s.cluster)
	if err != nil {
		return nil, fmt.Errorf("store: list hosts of cluster %s: %w", s.cluster, err)
	}
	defer rows.Close()
	var out []ClusterHost
	for rows.Next() {
		var h ClusterHost
		if err := rows.Scan(&h.Shard, &h.Replica, &h.Host, &h.Port); err != nil {
			return nil, fmt.Errorf("store: list hosts of cluster %s: %w", s.cluster, err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list hosts of cluster %s: %w", s.cluster, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("store: cluster %q is not in the server's remote_servers (system.clusters)", s.cluster)
	}
	return out, nil
}

// UnreachableHosts returns the nodes of the cluster that do not accept a
// native-protocol connection (host:port, sorted); nil on a single server.
func (s *Store) UnreachableHosts(ctx context.Context) ([]string, error) {
	hosts, err := s.ClusterHosts(ctx)
	if err != nil || len(hosts) == 0 {
		return nil, err
	}
	timeout := s.dialTimeout
	if timeout <= 0 || timeout > 3*time.Second {
		timeout = 3 * time.Second
	}
	type res struct {
		addr string
		ok   bool
	}
	ch := make(chan res, len(hosts))
	for _, h := range hosts {
		go func(addr string) {
			ch <- res{addr, pingHost(ctx, addr, timeout) == nil}
		}(h.Addr())
	}
	var down []string
	for range hosts {
		r := <-ch
		if !r.ok {
			down = append(down, r.addr)
		}
	}
	sort.Strings(down)
	return down, nil
}

// pingHost checks that addr accepts a TCP connection (no credentials needed).
func pingHost(ctx context.Context, addr string, timeout time.Duration) error {
	d := net.Dialer{Timeout: timeout}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	return c.Close()
}

// quoteString is s as a ClickHouse string literal.
func quoteString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// checkLoadBalancing warns unless the user's profile sends the reads of a
// shard to one replica while it answers (load_balancing in_order or
// first_or_random). Inserts reach every replica (insert_quorum) except when
// one is down; then, and until it has caught up, the default (random) can
// read from the replica that has not fetched the latest rows, and an
// analysis would miss them. The setting cannot be sent per query to 18.16 by
// this driver, so it belongs in the server's profile.
func (s *Store) checkLoadBalancing(ctx context.Context) {
	var lb string
	if err := s.conn.QueryRow(ctx, "SELECT value FROM system.settings WHERE name = 'load_balancing'").Scan(&lb); err != nil {
		s.logger.Warn("cannot read the load_balancing setting", "err", err)
		return
	}
	if lb != "in_order" && lb != "first_or_random" {
		s.logger.Warn("cluster mode wants load_balancing = in_order in the profile of Aftermath's ClickHouse user: with "+lb+
			", a read may go to a replica that has not yet fetched the latest rows when inserts ran without quorum (see README, Cluster)", "load_balancing", lb)
	}
}

// UnknownClusterError is Open's error when the configured cluster is not one
// of the server's (system.clusters, from remote_servers).
type UnknownClusterError struct {
	Cluster string
	Known   []string // the server's clusters, sorted
}

func (e *UnknownClusterError) Error() string {
	known := "none"
	if len(e.Known) > 0 {
		known = strings.Join(e.Known, ", ")
	}
	return fmt.Sprintf("cluster %q is not in the server's remote_servers (system.clusters); the server has: %s", e.Cluster, known)
}

// checkCluster returns an *UnknownClusterError when cluster is not one of
// the server's.
func checkCluster(ctx context.Context, conn driver.Conn, cluster string) error {
	rows, err := conn.Query(ctx, "SELECT DISTINCT cluster FROM system.clusters ORDER BY cluster")
	if err != nil {
		return fmt.Errorf("store: list the server's clusters: %w", err)
	}
	defer rows.Close()
	var known []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return fmt.Errorf("store: list the server's clusters: %w", err)
		}
		if c == cluster {
			return nil
		}
		known = append(known, c)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: list the server's clusters: %w", err)
	}
	return &UnknownClusterError{Cluster: cluster, Known: known}
}

// LayoutError is Open's error in cluster mode for a database whose tables
// are not the sharded layout (each table a Distributed one over its
// <name>_local): the earlier unsharded cluster layout, or a database made on
// one server. Read as it is, it would give one node's rows (black-box pass
// 11: an analysis of such a database succeeded on one shard's data).
type LayoutError struct {
	Database, Cluster string
	Engine            string // the incidents table's engine
}

func (e *LayoutError) Error() string {
	return fmt.Sprintf("store: database %s is not in the sharded layout of cluster mode (its incidents table is %s, not Distributed over incidents_local): "+
		"it was made by an earlier version or on one server and is not converted; set clickhouse.database to a new database and ingest again "+
		"(README: Operating notes, Cluster)", e.Database, e.Engine)
}

// checkLayout returns a *LayoutError when database has an incidents table
// that is not Distributed (a database not yet made is fine).
func checkLayout(ctx context.Context, conn driver.Conn, database, cluster string) error {
	rows, err := conn.Query(ctx, "SELECT engine FROM system.tables WHERE database = ? AND name = 'incidents'", database)
	if err != nil {
		return fmt.Errorf("store: look up the incidents table: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var engine string
		if err := rows.Scan(&engine); err != nil {
			return fmt.Errorf("store: look up the incidents table: %w", err)
		}
		if engine != "Distributed" {
			return &LayoutError{Database: database, Cluster: cluster, Engine: engine}
		}
	}
	return rows.Err()
}
