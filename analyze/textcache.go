package analyze

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"

	"github.com/aftermath-sre/aftermath/store"
)

// textPutBatch bounds the rows of one insert of new per-text results.
const textPutBatch = 5_000

// textCacheStats says how much of a per-text analysis a run did itself.
type textCacheStats struct {
	Texts    int // distinct texts the run needed results for
	Analyzed int // of which analyzed in this run (new or changed texts)
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
