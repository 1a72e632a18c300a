package analyze

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/aftermath-sre/aftermath/store"
)

// textPutBatch bounds the rows of one insert of new per-text results.
const textPutBatch = 20_000

// textCacheStats says how much of a per-text analysis a run did itself.
type textCacheStats struct {
	Texts    int // distinct texts the run needed results for
	Analyzed int // of which analyzed in this run (new or changed texts)
}

// perText returns analyze's result for every hash in hashes: the stored
// one where analyzer at version has analyzed that text before, and
// otherwise analyze(texts[hash]), computed now on every core and stored, so
// the next run reads it. A result equal to the zero value is stored too (a
// text with no finding is not analyzed again) but left out of the returned
// map. texts needs to hold only the texts that may lack a stored result.
func perText[T any](ctx context.Context, log *slog.Logger, st *store.Store, analyzer, version string, hashes []string,
	texts map[string]string, analyze func(text string) T, isZero func(T) bool) (map[string]T, textCacheStats, error) {
	return perTextOf(ctx, log, st, analyzer, version, hashes, func(h string) (string, bool) {
		t, ok := texts[h]
		return t, ok
	}, analyze, isZero)
}

// perTextOf is perText with the texts given by a lookup, called only for
// the hashes that have no stored result, so a caller need not gather the
// texts of everything analyzed before.
func perTextOf[T any](ctx context.Context, log *slog.Logger, st *store.Store, analyzer, version string, hashes []string,
	textOf func(hash string) (string, bool), analyze func(text string) T, isZero func(T) bool) (map[string]T, textCacheStats, error) {
	seen := make(map[string]bool, len(hashes))
	distinct := make([]string, 0, len(hashes))
	for _, h := range hashes {
		if !seen[h] {
			seen[h] = true
			distinct = append(distinct, h)
		}
	}
	stats := textCacheStats{Texts: len(distinct)}
	out := map[string]T{}
	t0 := time.Now()
	payloads, err := st.TextAnalyses(ctx, analyzer, version, distinct)
	if err != nil {
		return nil, stats, err
	}
	tRead := time.Since(t0)
	toAnalyze := map[string]string{}
	var storedHashes []string
	for _, h := range distinct {
		if p, ok := payloads[h]; ok {
			if p != "" { // "" is a stored empty result: nothing to decode
				storedHashes = append(storedHashes, h)
			}
			continue
		}
		t, ok := textOf(h)
		if !ok {
			// The store said it was analyzed, and its result is gone
			// (a version prune in between): the next run sends it.
			return nil, stats, fmt.Errorf("%s: no stored result for text %s at version %s", analyzer, h, version)
		}
		toAnalyze[h] = t
	}
	seen, distinct = nil, nil
	t0 = time.Now()
	decoded, err := decodeStored[T](log, analyzer, storedHashes, payloads)
	if err != nil {
		return nil, stats, err
	}
	log.Debug("per-text results read", "analyzer", analyzer, "texts", stats.Texts, "stored", len(storedHashes),
		"read", tRead, "decode", time.Since(t0))
	payloads = nil
	for i, h := range storedHashes {
		if !isZero(decoded[i]) {
			out[h] = decoded[i]
		}
	}
	decoded = nil
	stats.Analyzed = len(toAnalyze)

	hashes = make([]string, 0, len(toAnalyze))
	for h := range toAnalyze {
		hashes = append(hashes, h)
	}
	texts := make([]string, len(hashes))
	for i, h := range hashes {
		texts[i] = toAnalyze[h]
	}
	results, err := analyzeNew(ctx, log, st, analyzer, version, hashes, texts, analyze)
	if err != nil {
		return nil, stats, err
	}
	for i, h := range hashes {
		if !isZero(results[i]) {
			out[h] = results[i]
		}
	}
	return out, stats, nil
}

// analyzeNew analyzes texts (whose hashes are hashes) on every core, stores
// the results of analyzer at version in batches of textPutBatch, and
// returns them in the order of texts.
func analyzeNew[T any](ctx context.Context, log *slog.Logger, st *store.Store, analyzer, version string, hashes, texts []string,
	analyze func(text string) T) ([]T, error) {
	results := make([]T, len(texts))
	workers := max(1, runtime.GOMAXPROCS(0))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			errs[w] = protect(log, analyzer, func() error {
				for i := w; i < len(texts); i += workers {
					results[i] = analyze(texts[i])
				}
				return nil
			})
		}(w)
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	rows := make([]store.TextAnalysis, 0, min(len(texts), textPutBatch))
	flush := func() error {
		if err := st.PutTextAnalyses(ctx, analyzer, version, rows); err != nil {
			return fmt.Errorf("%s: store per-text results: %w", analyzer, err)
		}
		rows = rows[:0]
		return nil
	}
	for i, h := range hashes {
		b, err := json.Marshal(results[i])
		if err != nil {
			return nil, fmt.Errorf("%s: encode result for text %s: %w", analyzer, h, err)
		}
		rows = append(rows, store.TextAnalysis{Hash: h, Payload: string(b)})
		if len(rows) == textPutBatch {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return results, nil
}

// decodeStored decodes the stored payloads of hashes on every core (a run
// that analyzed nothing new spends most of its per-text time here).
func decodeStored[T any](log *slog.Logger, analyzer string, hashes []string, payloads map[string]string) ([]T, error) {
	out := make([]T, len(hashes))
	err := eachInParallel(log, analyzer, len(hashes), 1000, func(i int) error {
		if err := json.Unmarshal([]byte(payloads[hashes[i]]), &out[i]); err != nil {
			return fmt.Errorf("%s: decode stored result for text %s: %w", analyzer, hashes[i], err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eachInParallel calls f for every index below n, on up to one worker per
// core (one more worker per perWorker indices), and returns the workers'
// errors; a panic in f becomes an error of the analyzer (protect).
func eachInParallel(log *slog.Logger, analyzer string, n, perWorker int, f func(i int) error) error {
	workers := max(1, min(runtime.GOMAXPROCS(0), n/perWorker+1))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			errs[w] = protect(log, analyzer, func() error {
				for i := w; i < n; i += workers {
					if err := f(i); err != nil {
						return err
					}
				}
				return nil
			})
		}(w)
	}
	wg.Wait()
	return errors.Join(errs...)
}
