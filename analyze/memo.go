package analyze

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"sync"

	"github.com/aftermath-sre/aftermath/analyze/change"
	"github.com/aftermath-sre/aftermath/analyze/themes"
)

// Memo keeps what a run computed that the next run of the same process can
// take instead of computing it again when its input is the same: the themes
// featurizer (built once per process instead of once per run), and the
// change step's bootstraps, each a function of its sorted sample, seed and number
// of resamples (the MTTA and MTTR percentiles' intervals and the month over
// month comparisons). Closed months' incidents rarely change between two
// runs an hour apart, so most of them are the same. Only the last run's
// entries are kept, so it holds one run's worth (a few hundred intervals
// and comparisons). `serve` passes one Memo to every run
// (Options.Memo); safe for concurrent use.
type Memo struct {
	mu           sync.Mutex
	entries      memoEntries
	boots, drawn int
	// The themes featurizer (its normalizer and cause classifier, about
	// 80 ms to build), kept for the next run: it depends on nothing but the
	// binary.
	featurizer *themes.Featurizer
}

// Featurizer returns the themes featurizer, built on the first call. A nil
// Memo builds a new one every call.
func (m *Memo) Featurizer() *themes.Featurizer {
	if m == nil {
		return themes.NewFeaturizer()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.featurizer == nil {
		m.featurizer = themes.NewFeaturizer()
	}
	return m.featurizer
}

// Bootstraps returns how many bootstraps the last run used and how many of
// them it drew (the others came from the run before).
func (m *Memo) Bootstraps() (used, drawn int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.boots, m.drawn
}

// NewMemo returns an empty Memo.
func NewMemo() *Memo { return &Memo{} }

type memoEntries struct {
	bands map[bootKey][][2]float64     // by bootstrap: each stat's interval
	cmps  map[cmpKey]change.Comparison // month over month, by the two bootstraps and the stat
}

// bootKey identifies a bootstrap by its input: a 128-bit hash of the seed's
// label, the resamples, the quantile levels and the sorted sample.
type bootKey [2]uint64

type cmpKey struct {
	before, after bootKey
	stat          int
}

func bootKeyOf(seed string, resamples int, qs, sorted []float64) bootKey {
	var k bootKey
	for i, salt := range []string{"aftermath/boot/a", "aftermath/boot/b"} {
		h := fnv.New64a()
		h.Write([]byte(salt))
		h.Write([]byte(seed))
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], uint64(resamples))
		h.Write(b[:])
		var buf [8 * 512]byte // the floats in chunks: a month's sample at xlarge is ~100k of them
		for _, xs := range [][]float64{qs, sorted} {
			binary.LittleEndian.PutUint64(b[:], uint64(len(xs)))
			h.Write(b[:])
			for len(xs) > 0 {
				n := min(len(xs), 512)
				for j, x := range xs[:n] {
					binary.LittleEndian.PutUint64(buf[8*j:], math.Float64bits(x))
				}
				h.Write(buf[:8*n])
				xs = xs[n:]
			}
		}
		k[i] = h.Sum64()
	}
	return k
}

// jobSeed is the label a bootstrap's seed is drawn from.
func jobSeed(k changeSample, period string) string {
	return k.measure + "|" + period + "|" + k.group.sev + "|" + k.group.team
}

// last returns the last run's entries (none for a nil Memo).
func (m *Memo) last() memoEntries {
	if m == nil {
		return memoEntries{}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.entries
}

// keep replaces the entries with this run's.
func (m *Memo) keep(e memoEntries, boots, drawn int) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries, m.boots, m.drawn = e, boots, drawn
}
