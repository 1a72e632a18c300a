package analyze

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/store"
)

// TestMemoReusesTheBootstrapsOfUnchangedSamples: a run after one with the
// same incidents draws no bootstrap and writes the same results; after one
// more incident in October it draws only the bootstraps whose sample holds
// it, and writes what a run without the memo writes.
func TestMemoReusesTheBootstrapsOfUnchangedSamples(t *testing.T) {
	incs, ps := changeFixture()
	const resamples = 500
	fresh := computeChange(incs, ps, resamples, changeInputs{})

	m := NewMemo()
	first := computeChange(incs, ps, resamples, changeInputs{memo: m})
	require.Equal(t, fresh, first, "a memo changes no result")
	used, drawn := m.Bootstraps()
	require.Greater(t, used, 40)
	require.Equal(t, used, drawn, "the first run draws every bootstrap")

	second := computeChange(incs, ps, resamples, changeInputs{memo: m})
	require.Equal(t, fresh, second)
	used2, drawn2 := m.Bootstraps()
	require.Equal(t, used, used2)
	require.Zero(t, drawn2, "nothing changed: nothing is drawn again")

	// One more team-a incident in October: the samples that hold it (all
	// incidents, its severity and team-a; MTTA and MTTR) of October and of
	// the rolling 30 days are drawn again (12), and September's same six,
	// whose draws October is compared with.
	extra := store.Incident{ID: "team-a-extra", Severity: "SEV2", ServiceName: "svc-team-a", TeamName: "team-a",
		CreatedAt:      time.Date(2026, 10, 20, 10, 0, 0, 0, time.UTC),
		AcknowledgedAt: time.Date(2026, 10, 20, 10, 7, 0, 0, time.UTC),
		ResolvedAt:     time.Date(2026, 10, 20, 11, 30, 0, 0, time.UTC)}
	incs2 := append(append([]store.Incident(nil), incs...), extra)
	third := computeChange(incs2, ps, resamples, changeInputs{memo: m})
	require.Equal(t, computeChange(incs2, ps, resamples, changeInputs{}), third)
	_, drawn3 := m.Bootstraps()
	require.Equal(t, 18, drawn3, "October's, the 30 days' and September's all, SEV2 and team-a samples, MTTA and MTTR")

	// A nil memo computes everything.
	var none *Memo
	require.Equal(t, fresh, computeChange(incs, ps, resamples, changeInputs{memo: none}))
}

// TestBootKeyHashesTheWholeSample: samples longer than the hash's buffer
// differ in their key when any value differs, past the first chunk too.
func TestBootKeyHashesTheWholeSample(t *testing.T) {
	qs := []float64{0.5, 0.9}
	xs := make([]float64, 1300)
	for i := range xs {
		xs[i] = float64(i)
	}
	k := bootKeyOf("mttr|2026-10||", 500, qs, xs)
	require.Equal(t, k, bootKeyOf("mttr|2026-10||", 500, qs, append([]float64(nil), xs...)))
	for _, at := range []int{0, 511, 512, 1299} {
		ys := append([]float64(nil), xs...)
		ys[at] += 0.5
		require.NotEqual(t, k, bootKeyOf("mttr|2026-10||", 500, qs, ys), "a change at %d", at)
	}
	require.NotEqual(t, k, bootKeyOf("mttr|2026-10||", 500, qs, xs[:1299]), "one value fewer")
	require.NotEqual(t, k, bootKeyOf("mttr|2026-09||", 500, qs, xs), "another seed")
	require.NotEqual(t, k, bootKeyOf("mttr|2026-10||", 5000, qs, xs), "other resamples")
}
