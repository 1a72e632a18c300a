package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Removal of facts that no longer exist at their source: an issue deleted
// in Jira, or moved out of the configured scope, is never seen again by an
// incremental sync, so the source lists what it still has from time to time
// and removes the rest (ingest/jira's reconciliation). The store only lists
// keys and deletes rows; what to remove, and whether it is safe to, is the
// source's call.
//
// Deletes are mutations (ALTER TABLE ... DELETE WHERE, which 18.16 and 23+
// read alike; ON CLUSTER on the local tables in cluster mode, see
// deleteWhere). A mutation runs in the background; on a single server the
// removal waits until ClickHouse reports it done, so an analysis started
// right after does not count what was removed.

// deleteChunk is how many keys one mutation names: mutations rewrite the
// parts they touch, so fewer, larger ones are cheaper, and 1,000 keys keep
// the statement far below max_query_size (256 KiB by default).
const deleteChunk = 1000

// mutationWait bounds how long a removal waits for its mutations to finish;
// past it they finish in the background.
const mutationWait = 2 * time.Minute

// PostmortemKeys returns the key of every stored postmortem, sorted.
func (s *Store) PostmortemKeys(ctx context.Context) ([]string, error) {
	return s.distinctKeys(ctx, "postmortems")
}

// ActionItemKeys returns the key of every stored action item, sorted.
func (s *Store) ActionItemKeys(ctx context.Context) ([]string, error) {
	return s.distinctKeys(ctx, "action_items")
}

func (s *Store) distinctKeys(ctx context.Context, table string) ([]string, error) {
	rows, err := s.conn.Query(ctx, "SELECT DISTINCT key FROM "+s.Table(table)+" ORDER BY key")
	if err != nil {
		return nil, fmt.Errorf("store: list keys of %s: %w", table, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("store: scan key of %s: %w", table, err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list keys of %s: %w", table, err)
	}
	return out, nil
}

// keyColumn is a table and the column that holds the key rows are removed by.
type keyColumn struct{ table, column string }

// DeletePostmortems removes the postmortems with the given keys and their
// contributing factors. The factors go first: when a removal fails half-way
// the postmortem is still stored, and the next removal of it finishes the
// job, instead of leaving factors no postmortem owns.
func (s *Store) DeletePostmortems(ctx context.Context, keys []string) error {
	if err := s.deleteKeys(ctx, keys, "", keyColumn{"contributing_factors", "postmortem_key"}, keyColumn{"postmortems", "key"}); err != nil {
		return fmt.Errorf("store: delete postmortems: %w", err)
	}
	return nil
}

// DeleteActionItems removes the action items with the given keys and their
// transitions (transitions first, as DeletePostmortems does factors).
func (s *Store) DeleteActionItems(ctx context.Context, keys []string) error {
	if err := s.deleteKeys(ctx, keys, "", keyColumn{"action_item_transitions", "item_key"}, keyColumn{"action_items", "key"}); err != nil {
		return fmt.Errorf("store: delete action items: %w", err)
	}
	return nil
}

// DeleteRawDocuments removes the raw documents of source with the given
// ids, whatever their kind, so that a re-extraction does not bring back
// what was removed.
func (s *Store) DeleteRawDocuments(ctx context.Context, source string, ids []string) error {
	if source == "" {
		return fmt.Errorf("store: delete raw documents: no source")
	}
	if err := s.deleteKeys(ctx, ids, source, keyColumn{"raw_documents", "id"}); err != nil {
		return fmt.Errorf("store: delete raw %s documents: %w", source, err)
	}
	return nil
}

// deleteKeys deletes from each table in turn the rows whose column is one of
// keys (and, when source is set, whose source is source), in chunks of
// deleteChunk keys, then waits for the mutations.
func (s *Store) deleteKeys(ctx context.Context, keys []string, source string, tables ...keyColumn) error {
	keys = slices.Compact(slices.Sorted(slices.Values(keys)))
	if len(keys) == 0 {
		return nil
	}
	names := make([]string, 0, len(tables))
	for _, t := range tables {
		names = append(names, t.table)
		for start := 0; start < len(keys); start += deleteChunk {
			chunk := keys[start:min(start+deleteChunk, len(keys))]
			cond := t.column + " IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ") + ")"
			args := make([]any, 0, len(chunk)+1)
			if source != "" {
				cond = "source = ? AND " + cond
				args = append(args, source)
			}
			for _, k := range chunk {
				args = append(args, k)
			}
			if err := s.deleteWhere(ctx, t.table, cond, args...); err != nil {
				return fmt.Errorf("%s (%d keys, the first %s): %w", t.table, len(chunk), chunk[0], err)
			}
		}
	}
	return s.waitMutations(ctx, names)
}

// waitMutations waits, on a single server, until ClickHouse has finished
// every mutation of the tables (system.mutations, is_done), at most
// mutationWait. In cluster mode the mutations run on each node's local
// tables, which one connection cannot watch; they finish in the background.
func (s *Store) waitMutations(ctx context.Context, tables []string) error {
	if s.cluster != "" || len(tables) == 0 {
		return nil
	}
	q := "SELECT count() FROM system.mutations WHERE database = ? AND table IN (" +
		strings.TrimSuffix(strings.Repeat("?, ", len(tables)), ", ") + ") AND is_done = 0"
	args := []any{s.db}
	for _, t := range tables {
		args = append(args, t)
	}
	deadline := time.Now().Add(mutationWait)
	wait := 20 * time.Millisecond
	for {
		var pending uint64
		if err := s.conn.QueryRow(ctx, q, args...).Scan(&pending); err != nil {
			return fmt.Errorf("wait for the deletes of %s: %w", strings.Join(tables, ", "), err)
		}
		if pending == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			s.logger.Warn("deletes not finished yet; ClickHouse finishes them in the background",
				"tables", strings.Join(tables, ","), "pending_mutations", pending, "waited", mutationWait)
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for the deletes of %s (they go on in ClickHouse): %w", strings.Join(tables, ", "), ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
	}
}
