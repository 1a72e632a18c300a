package language

import (
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// The second labeling of the action items (LABELING.md, "Second labeling"):
// the same items, labeled again by the same rule, blind to the first labels
// and to every checker and model output. It is never used to fit or choose
// anything; it measures how much two readings of the rule differ, which
// bounds what any model can show against either.

const secondActionLabels = "action_labels_second.tsv"

// readSecondActionLabels returns the second labels by item key
// ("id\tfield\tstart", as fitItem.key), checking each item's text against
// the data file.
func readSecondActionLabels(t testing.TB) map[string]bool {
	t.Helper()
	recs := loadRealRecords(t)
	out := map[string]bool{}
	for _, cols := range readTSV(t, secondActionLabels, 6) {
		start, err := strconv.Atoi(cols[2])
		require.NoError(t, err)
		end, err := strconv.Atoi(cols[3])
		require.NoError(t, err)
		r, ok := recs[cols[0]]
		require.True(t, ok, "%s: record %s not in the data file", secondActionLabels, cols[0])
		text := r.field(cols[1])
		require.LessOrEqual(t, end, len(text), "%s: %s [%d, %d) out of range", secondActionLabels, cols[0], start, end)
		require.Equal(t, cols[4], sentenceHash(text[start:end]), "%s: %s [%d, %d): text differs from the labeled one", secondActionLabels, cols[0], start, end)
		require.Contains(t, []string{"0", "1"}, cols[5], "%s: %s [%d, %d): label", secondActionLabels, cols[0], start, end)
		k := cols[0] + "\t" + cols[1] + "\t" + cols[2]
		_, dup := out[k]
		require.False(t, dup, "%s: %s labeled twice", secondActionLabels, k)
		out[k] = cols[5] == "1"
	}
	return out
}

// TestSecondActionLabels checks that the second labeling covers exactly the
// first's items and reports how the two agree (Cohen's kappa), and how the
// second reads as a "model" of the first.
func TestSecondActionLabels(t *testing.T) {
	second := readSecondActionLabels(t)
	var c confusion // prediction: second label; truth: first label
	seen := 0
	for _, l := range readActionLabels(t) {
		s, ok := second[l.id+"\t"+l.field+"\t"+strconv.Itoa(l.start)]
		require.True(t, ok, "%s [%d, %d) has a first label but no second one", l.id, l.start, l.end)
		seen++
		c.add(s, l.vague)
	}
	require.Equal(t, len(second), seen, "the second labeling has items the first does not")
	n := float64(seen)
	po := float64(c.tp+c.tn) / n
	pe := float64(c.tp+c.fp)/n*float64(c.tp+c.fn)/n + float64(c.fn+c.tn)/n*float64(c.fp+c.tn)/n
	kappa := (po - pe) / (1 - pe)
	t.Logf("first vs second labels: both vague %d, first only %d, second only %d, both specific %d; agreement %.3f, Cohen's kappa %.3f",
		c.tp, c.fn, c.fp, c.tn, po, kappa)
	t.Logf("the second labels as a model of the first: %s", cvLine(c))
	// The files are data: these are the figures EVALUATION.md reports.
	require.Equal(t, confusion{tp: 129, fp: 17, fn: 10, tn: 218}, c)
}

// secondLabelReport logs, for one outer pass of the nested CV, the
// predictions scored against the second labels and on the items both
// labelings agree on.
func secondLabelReport(t *testing.T, items []fitItem, pred []bool) {
	if _, err := os.Stat("testdata/" + secondActionLabels); err != nil {
		return
	}
	second := readSecondActionLabels(t)
	var vsSecond, agreed confusion
	for n, it := range items {
		s, ok := second[it.key]
		require.True(t, ok, "item %s has no second label", it.key)
		vsSecond.add(pred[n], s)
		if s == it.vague {
			agreed.add(pred[n], it.vague)
		}
	}
	t.Logf("    against the second labels:        %s", cvLine(vsSecond))
	t.Logf("    on the %d items both labelings agree on: %s", agreed.tp+agreed.fp+agreed.fn+agreed.tn, cvLine(agreed))
}
