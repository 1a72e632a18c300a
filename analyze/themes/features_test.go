package themes

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze/internal/devdata"
	"github.com/aftermath-sre/aftermath/simulate/org"
)

// stored is what a run reads back of items' features: each item's
// Features through the JSON it is stored as.
func stored(t *testing.T, fz *Featurizer, items []Item) []FeatureItem {
	t.Helper()
	out := make([]FeatureItem, len(items))
	for i, it := range items {
		b, err := json.Marshal(fz.Featurize(it.Text))
		require.NoError(t, err)
		out[i].ID = it.ID
		require.NoError(t, json.Unmarshal(b, &out[i].Features))
	}
	return out
}

// TestClusterFeaturesEqualsCluster: themes formed from stored features are
// those formed from the texts (the simulated small org, a first run and a
// second one that matches against the first run's themes).
func TestClusterFeaturesEqualsCluster(t *testing.T) {
	items, _ := simSmallFactors(t)
	fz := NewFeaturizer()
	text := map[string]string{}
	for _, it := range items {
		text[it.ID] = it.Text
	}
	withTexts := func(res Result) Result {
		for i := range res.Themes {
			require.Empty(t, res.Themes[i].RepresentativeText, "ClusterFeatures has no texts")
			res.Themes[i].RepresentativeText = text[res.Themes[i].Representative]
		}
		return res
	}
	opts := Options{Seed: 1}
	want, err := Cluster(items, nil, opts)
	require.NoError(t, err)
	got, err := ClusterFeatures(stored(t, fz, items), nil, opts)
	require.NoError(t, err)
	require.Equal(t, want, withTexts(got))
	require.NotEmpty(t, want.Themes)

	// A second run over 90% of the factors, against the first run's themes.
	opts = Options{Seed: 2, PrevAssignments: want.Assignments}
	part := items[:len(items)*9/10]
	want2, err := Cluster(part, want.Themes, opts)
	require.NoError(t, err)
	got2, err := ClusterFeatures(stored(t, fz, part), want.Themes, opts)
	require.NoError(t, err)
	require.Equal(t, want2, withTexts(got2))

	// Without bigrams and cause classes the same stored features serve.
	opts = Options{Seed: 3, NoBigrams: true, NoCauseClasses: true}
	want3, err := Cluster(items, nil, opts)
	require.NoError(t, err)
	got3, err := ClusterFeatures(stored(t, fz, items), nil, opts)
	require.NoError(t, err)
	require.Equal(t, want3, withTexts(got3))
}

func TestTermStreamRoundTrip(t *testing.T) {
	nz := newNormalizer()
	for _, text := range []string{
		"",
		"The outage.",
		"Misconfigured rate-limited third-party CDN: requests were dropped; caches were cold.",
		"Résumé parsing crashed (O'Reilly's parser), retries overloaded the DB replicas!",
		"deploy deploy deploy. Config, config",
	} {
		toks := nz.tokens(StripBoilerplate(text))
		got, err := decodeTokens(encodeTokens(toks), nil)
		require.NoError(t, err, text)
		require.Equal(t, len(toks), len(got), text)
		for i := range toks {
			require.Equal(t, toks[i].term, got[i].term, text)
			require.Equal(t, toks[i].surface, got[i].surface, text)
			if i > 0 { // the first token's gap is implied
				require.Equal(t, toks[i].gap, got[i].gap, text)
			}
		}
	}
	for _, bad := range []string{"a  b", "a |", "+s", "a =x", "a b="} {
		_, err := decodeTokens(bad, nil)
		require.ErrorIs(t, err, errEmptyToken, bad)
	}
}

func TestClusterFeaturesRejectsBadTerms(t *testing.T) {
	_, err := ClusterFeatures([]FeatureItem{{ID: "a", Features: Features{Cause: Cause{Class: ClassConfig}, Terms: "config  change"}}}, nil, Options{})
	require.ErrorContains(t, err, `themes: item "a": terms: token 1: empty token`)
	_, err = ClusterFeatures([]FeatureItem{{ID: "a"}, {ID: "a"}}, nil, Options{})
	require.ErrorContains(t, err, `duplicate item id "a"`)
}

// featureFingerprints pins, for each Version, a digest of the features of
// every factor text of the simulated org and of every text of the real dev
// postmortems. Each text's features are stored under Version, so when
// Featurize computes something else the Version must change too, or texts
// featurized before keep their old features.
var featureFingerprints = map[string]struct{ sim, real string }{
	// sim re-pinned for the generator of 7820a52 (its factor texts changed;
	// Featurize did not: the real fingerprint is the same).
	"2026-12-06.1": {sim: "f447c2b4d6fa11835f724a82", real: "ae65f1d294984f90c8cd1a41"},
	"2026-12-07.1": {sim: "5ebee4c28f19b38e305e43d5", real: "523d88350eae79d5f6536cf2"},
	// A configuration delivered by a deployment is configuration: 5 dev
	// texts change class, no simulated factor does.
	"2026-12-07.2": {sim: "5ebee4c28f19b38e305e43d5", real: "f9bc504151698e575f890206"},
	// Load and facility failures in the vendors' words: 10 dev texts
	// change class, no simulated factor does.
	"2026-12-07.3": {sim: "5ebee4c28f19b38e305e43d5", real: "6fe6fb1030bb44bd0dd921ae"},
}

func featuresDigest(t *testing.T, texts []string) string {
	fz := NewFeaturizer()
	h := sha256.New()
	for _, text := range texts {
		b, err := json.Marshal(fz.Featurize(text))
		require.NoError(t, err)
		h.Write(b)
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// TestVersionFingerprint fails when Featurize's results change and Version
// does not.
func TestVersionFingerprint(t *testing.T) {
	o, err := org.Generate(org.Options{Seed: 1, Scale: org.ScaleSmall, End: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	var texts []string
	for _, p := range o.Postmortems {
		for _, f := range p.Doc.Factors {
			texts = append(texts, f.Name+". "+f.Text, f.Text)
		}
	}
	sim := featuresDigest(t, texts)
	real := "(no data)"
	if p := devDataPath(t); p != "" {
		texts = texts[:0]
		for _, r := range loadRealRecords(t) {
			texts = append(texts, r.Text)
		}
		real = featuresDigest(t, texts)
	}
	want, ok := featureFingerprints[Version]
	require.True(t, ok, "Version %q has no pinned fingerprint: add {sim: %q, real: %q} to featureFingerprints", Version, sim, real)
	msg := "Featurize's results changed: change Version and pin {sim: %q, real: %q} for it"
	require.Equal(t, want.sim, sim, msg, sim, real)
	if real != "(no data)" {
		require.Equal(t, want.real, real, msg, sim, real)
	}
}

// devDataPath is the dev data file's path, or "" where it is absent.
func devDataPath(t *testing.T) string {
	p, err := devdata.Lookup("postmortems-dev.jsonl")
	require.NoError(t, err)
	return p
}
