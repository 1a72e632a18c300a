package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// TextAnalysis is one analyzer's stored result for one text. Texts are keyed
// by a hash of their content, so a text is analyzed once per analyzer version
// however many runs read it, and a changed text (a new hash) is analyzed
// again. The payload is the analyzer's own encoding; the store does not read
// it.
type TextAnalysis struct {
	Hash    string
	Payload string
}

// TextHash is the content key of a text: the first 16 bytes of its SHA-256,
// in hex.
func TextHash(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:16])
}

// textAnalysisChunk bounds the hashes of one IN list, so a query stays a few
// hundred KiB however many texts a run asks for.
const textAnalysisChunk = 5000

// inChunks calls fn with keys in slices of at most textAnalysisChunk, for
// IN lists that stay small however many keys a caller asks about; the
// first error stops it.
func inChunks(keys []string, fn func(chunk []string) error) error {
	for lo := 0; lo < len(keys); lo += textAnalysisChunk {
		if err := fn(keys[lo:min(len(keys), lo+textAnalysisChunk)]); err != nil {
			return err
		}
	}
	return nil
}

// TextAnalyses returns the stored payloads of analyzer at version for the
// given hashes, by hash. Hashes with no stored result are absent; a stored
// empty result (a JSON null or [], an analyzer's "no finding") is returned
// as "", so that the many texts without findings cost a run their hash only.
func (s *Store) TextAnalyses(ctx context.Context, analyzer, version string, hashes []string) (map[string]string, error) {
	out := make(map[string]string, len(hashes))
	if len(hashes) > 2*textAnalysisChunk {
		// Many hashes: when they are most of what analyzer stored (a run
		// over all history), one read of everything it stored is cheaper
		// than many IN lists.
		var n uint64
		if err := s.conn.QueryRow(ctx, "SELECT count() FROM "+s.Table("text_analyses")+
			" WHERE analyzer = ? AND version = ?", analyzer, version).Scan(&n); err != nil {
			return nil, fmt.Errorf("store: count text analyses %s/%s: %w", analyzer, version, err)
		}
		if n <= uint64(2*len(hashes)) {
			want := make(map[string]bool, len(hashes))
			for _, h := range hashes {
				want[h] = true
			}
			return out, s.readTextAnalyses(ctx, analyzer, version, nil, func(h, p string) {
				if want[h] {
					out[h] = p
				}
			})
		}
	}
	err := inChunks(hashes, func(chunk []string) error {
		return s.readTextAnalyses(ctx, analyzer, version, chunk, func(h, p string) { out[h] = p })
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// readTextAnalyses passes each stored (hash, payload) of analyzer at
// version to add: of the given hashes, or of all when hashes is nil.
func (s *Store) readTextAnalyses(ctx context.Context, analyzer, version string, hashes []string, add func(hash, payload string)) error {
	// No FINAL: every row for (analyzer, version, hash) holds the same
	// result, so any duplicate a merge has not removed yet is as good.
	q := "SELECT hash, if(payload IN ('null', '[]'), '', payload) FROM " + s.Table("text_analyses") + " WHERE analyzer = ? AND version = ?"
	args := []any{analyzer, version}
	if hashes != nil {
		q += " AND hash IN ?"
		args = append(args, inSet(hashes))
	}
	rows, err := s.conn.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("store: query text analyses %s/%s: %w", analyzer, version, err)
	}
	defer rows.Close()
	for rows.Next() {
		var h, p string
		if err := rows.Scan(&h, &p); err != nil {
			return fmt.Errorf("store: scan text analysis %s/%s: %w", analyzer, version, err)
		}
		add(h, p)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read text analyses %s/%s: %w", analyzer, version, err)
	}
	return nil
}

// inSet binds as a parenthesized list for IN (a plain slice binds as an
// array, which 18.16 refuses on the right of IN).
func inSet(xs []string) clickhouse.GroupSet {
	v := make([]any, len(xs))
	for i, x := range xs {
		v[i] = x
	}
	return clickhouse.GroupSet{Value: v}
}

// PutTextAnalyses stores analyzer's results at version. Writing a hash again
// is harmless: the table keeps one row per (analyzer, version, hash).
func (s *Store) PutTextAnalyses(ctx context.Context, analyzer, version string, rows []TextAnalysis) error {
	at := utc(s.now())
	return s.batch(ctx, "text_analyses", "analyzer, version, hash, payload, analyzed_at", len(rows), func(b driver.Batch, i int) error {
		return b.Append(analyzer, version, rows[i].Hash, rows[i].Payload, at)
	})
}

// PruneTextAnalyses deletes the results of analyzer's versions other than
// keep: a new analyzer version re-analyzes every text, and the old results
// are never read again.
func (s *Store) PruneTextAnalyses(ctx context.Context, analyzer, keep string) error {
	var n uint64
	if err := s.conn.QueryRow(ctx, "SELECT count() FROM "+s.Table("text_analyses")+
		" WHERE analyzer = ? AND version != ?", analyzer, keep).Scan(&n); err != nil {
		return fmt.Errorf("store: count stale text analyses of %s: %w", analyzer, err)
	}
	if n == 0 {
		return nil
	}
	if err := s.deleteWhere(ctx, "text_analyses", "analyzer = ? AND version != ?", analyzer, keep); err != nil {
		return fmt.Errorf("store: prune text analyses of %s: %w", analyzer, err)
	}
	return nil
}

// TextHashSQL is TextHash as a ClickHouse expression over expr, so reads can
// key stored texts without sending them to Aftermath.
func TextHashSQL(expr string) string {
	return "lower(hex(substring(SHA256(" + expr + "), 1, 16)))"
}

// ProseSections are the postmortem columns of prose, in document order.
var ProseSections = []string{"summary", "impact", "detection", "went_well", "went_poorly", "lucky", "lessons"}

// FactorHash is the content key of a contributing factor's name and text
// for per-text analyzers (FactorHashSQL computes the same in ClickHouse).
func FactorHash(name, text string) string { return TextHash(name + "\n" + text) }

// factorHashSQL is FactorHash over the columns of contributing_factors.
const factorHashSQL = "lower(hex(substring(SHA256(concat(name, '\\n', text)), 1, 16)))"

// currentFactors is the subquery of the current contributing factors (of
// their postmortem's latest version) of the postmortems created at or
// before a bound parameter, with their FactorHash as h.
func (s *Store) currentFactors(cols string) string {
	return "SELECT postmortem_key, ordinal, " + factorHashSQL + " AS h" + cols + " FROM " + s.Table("contributing_factors") +
		" FINAL WHERE (postmortem_key, version)" + s.in() + "(SELECT key, version FROM " + s.Table("postmortems") +
		" FINAL WHERE created_at <= ?)"
}

// FactorText is a contributing factor's name and text with its FactorHash.
type FactorText struct {
	PostmortemKey string
	Ordinal       int
	Hash          string
	Name, Text    string
}

// UnanalyzedFactors passes to add, one at a time, the current contributing
// factors of the postmortems created at or before until whose FactorHash
// analyzer at version has no stored result for: the only factors whose
// texts a run needs to read. Hashes are computed by ClickHouse, so factors
// analyzed before never leave the server.
func (s *Store) UnanalyzedFactors(ctx context.Context, analyzer, version string, until time.Time, add func(FactorText) error) error {
	q := "SELECT postmortem_key, ordinal, h, name, text FROM (" + s.currentFactors(", name, text") + ") WHERE h" + s.notIn() +
		"(SELECT hash FROM " + s.Table("text_analyses") + " WHERE analyzer = ? AND version = ?)"
	rows, err := s.conn.Query(ctx, q, utc(until), analyzer, version)
	if err != nil {
		return fmt.Errorf("store: query factors without %s results: %w", analyzer, err)
	}
	defer rows.Close()
	for rows.Next() {
		var f FactorText
		var ord uint32
		if err := rows.Scan(&f.PostmortemKey, &ord, &f.Hash, &f.Name, &f.Text); err != nil {
			return fmt.Errorf("store: scan factor text: %w", err)
		}
		f.Ordinal = int(ord)
		if err := add(f); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read factors without %s results: %w", analyzer, err)
	}
	return nil
}

// FactorAnalyses passes to add the stored result of analyzer at version for
// every current contributing factor of the postmortems created at or before
// until, ordered by the factor's id "<postmortem key>#<ordinal>" (as bytes),
// so a caller can consume them as a stream. payload is "" for a factor
// whose text has no stored result (see UnanalyzedFactors).
func (s *Store) FactorAnalyses(ctx context.Context, analyzer, version string, until time.Time,
	add func(postmortemKey string, ordinal int, payload string) error) error {
	join := " ANY LEFT JOIN "
	if s.cluster != "" {
		join = " GLOBAL ANY LEFT JOIN "
	}
	// No FINAL on text_analyses: every row for a hash holds the same result.
	q := "SELECT postmortem_key, ordinal, payload FROM (" + s.currentFactors("") + ") AS f" + join +
		"(SELECT hash AS h, any(payload) AS payload FROM " + s.Table("text_analyses") +
		" WHERE analyzer = ? AND version = ? GROUP BY hash) AS t USING h ORDER BY concat(postmortem_key, '#', toString(ordinal))"
	rows, err := s.conn.Query(ctx, q, utc(until), analyzer, version)
	if err != nil {
		return fmt.Errorf("store: query factor results of %s: %w", analyzer, err)
	}
	defer rows.Close()
	for rows.Next() {
		var key, payload string
		var ord uint32
		if err := rows.Scan(&key, &ord, &payload); err != nil {
			return fmt.Errorf("store: scan factor result of %s: %w", analyzer, err)
		}
		if err := add(key, int(ord), payload); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read factor results of %s: %w", analyzer, err)
	}
	return nil
}

// FactorTexts returns the current name and text of the given factors (by
// postmortem key and ordinal); factors not stored are absent.
func (s *Store) FactorTexts(ctx context.Context, factors []FactorText) ([]FactorText, error) {
	if len(factors) == 0 {
		return nil, nil
	}
	want := map[string]bool{}
	var keys []string
	for _, f := range factors {
		if !want[f.PostmortemKey] {
			keys = append(keys, f.PostmortemKey)
		}
		want[f.PostmortemKey] = true
		want[f.PostmortemKey+"#"+strconv.Itoa(f.Ordinal)] = true
	}
	q := "SELECT postmortem_key, ordinal, name, text FROM " + s.Table("contributing_factors") +
		" FINAL WHERE (postmortem_key, version)" + s.in() + "(SELECT key, version FROM " + s.Table("postmortems") +
		" FINAL WHERE key IN ?) AND postmortem_key IN ? ORDER BY postmortem_key, ordinal"
	rows, err := s.conn.Query(ctx, q, inSet(keys), inSet(keys))
	if err != nil {
		return nil, fmt.Errorf("store: query factor texts: %w", err)
	}
	defer rows.Close()
	var out []FactorText
	for rows.Next() {
		var f FactorText
		var ord uint32
		if err := rows.Scan(&f.PostmortemKey, &ord, &f.Name, &f.Text); err != nil {
			return nil, fmt.Errorf("store: scan factor text: %w", err)
		}
		f.Ordinal = int(ord)
		if want[f.PostmortemKey+"#"+strconv.Itoa(f.Ordinal)] {
			f.Hash = FactorHash(f.Name, f.Text)
			out = append(out, f)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read factor texts: %w", err)
	}
	return out, nil
}

// LatestTextAnalysisVersion returns, among analyzer's versions that start
// with prefix, the one written last, with its stored payload for hash; ok
// is false when there is none.
func (s *Store) LatestTextAnalysisVersion(ctx context.Context, analyzer, prefix, hash string) (version, payload string, ok bool, err error) {
	rows, err := s.conn.Query(ctx, "SELECT version, argMax(payload, analyzed_at), max(analyzed_at) AS at FROM "+s.Table("text_analyses")+
		" WHERE analyzer = ? AND substring(version, 1, length(?)) = ? AND hash = ? GROUP BY version ORDER BY at DESC, version DESC LIMIT 1",
		analyzer, prefix, prefix, hash)
	if err != nil {
		return "", "", false, fmt.Errorf("store: query the latest %s version: %w", analyzer, err)
	}
	defer rows.Close()
	if rows.Next() {
		var at time.Time
		if err := rows.Scan(&version, &payload, &at); err != nil {
			return "", "", false, fmt.Errorf("store: scan the latest %s version: %w", analyzer, err)
		}
		ok = true
	}
	if err := rows.Err(); err != nil {
		return "", "", false, fmt.Errorf("store: read the latest %s version: %w", analyzer, err)
	}
	return version, payload, ok, nil
}

// CarryProseAnalyses stores analyzer's results of version from under
// version to as well, but for the prose texts (the sections and factors of
// every current postmortem, see proseTexts) that match pattern, an RE2
// expression ("" carries every result): those have no result at to, and a
// run checks them again. The copy runs in ClickHouse (INSERT ... SELECT);
// running it twice stores the same results twice, which reads take as one.
func (s *Store) CarryProseAnalyses(ctx context.Context, analyzer, from, to, pattern string) error {
	q := "INSERT INTO " + s.Table("text_analyses") + " (analyzer, version, hash, payload, analyzed_at) SELECT analyzer, ?, hash, payload, now() FROM " +
		s.Table("text_analyses") + " WHERE analyzer = ? AND version = ?"
	args := []any{to, analyzer, from}
	if pattern != "" {
		q += " AND hash" + s.notIn() + "(SELECT h FROM (" + s.proseTexts("1") + ") WHERE match(t, ?))"
		args = append(args, pattern)
	}
	if err := s.conn.Exec(ctx, q, args...); err != nil {
		return fmt.Errorf("store: carry %s results from version %s: %w", analyzer, from, err)
	}
	return nil
}
