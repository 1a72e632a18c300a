package language

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// realRecord is the part of a postmortems-dev.jsonl record the language
// evaluation reads.
type realRecord struct {
	ID          string `json:"id"`
	LabelScheme string `json:"label_scheme"`
	Text        string `json:"text"`
	FullText    string `json:"full_text"`
	HumanError  *bool  `json:"human_error"`
}

// findDataFile walks up from the working directory to shared/data/name.
// It skips the test when the file is absent, unless AFTERMATH_REQUIRE_DATA=1.
func findDataFile(t testing.TB, name string) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		p := filepath.Join(dir, "shared", "data", name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	if os.Getenv("AFTERMATH_REQUIRE_DATA") == "1" {
		t.Fatalf("shared/data/%s not found above the working directory and AFTERMATH_REQUIRE_DATA=1", name)
	}
	t.Skipf("shared/data/%s not found above the working directory; skipping the real-data evaluation", name)
	return ""
}

func loadRealRecords(t testing.TB) map[string]realRecord {
	t.Helper()
	f, err := os.Open(findDataFile(t, "postmortems-dev.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	out := map[string]realRecord{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var r realRecord
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r))
		out[r.ID] = r
	}
	require.NoError(t, sc.Err())
	return out
}

// field returns the labeled text field of a record.
func (r realRecord) field(name string) string {
	if name == "full_text" {
		return r.FullText
	}
	return r.Text
}

func sentenceHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])[:10]
}

// candidateNet is a deliberately broad net of words around people, errors
// and hindsight, wider than any rule, used only to pick sentences worth
// labeling (so the labeled set holds enough positives and hard negatives).
var personNet = regexp.MustCompile(`(?i)\b(engineer|operator|technician|employee|staff|someone|he|she|team member|human|mistake|accidental|inadvertent|typo|forgot|careless|blame|should have|could have)`)

var candidateNet = regexp.MustCompile(`(?i)\b(engineer|operator|team member|employee|staff|technician|human|manual|manually|mistake|mistaken|error|should|could have|would have|careless|forgot|failed to|typo|accidental|inadvertent|incorrect|person|someone|blame|he|she|oversight|overlooked|neglect|responsible|fault)`)

// TestPrintLabelCandidates prints sentences to label (AFTERMATH_LABEL_CANDIDATES=1):
// every sentence caught by the broad net in records flagged human_error or
// in danluu summaries, every sentence naming a person, role or mistake,
// a hash-sampled share of net sentences elsewhere, and a hash-sampled
// background of other sentences. It prints no rule output, so labeling is
// done blind to what the checker says.
func TestPrintLabelCandidates(t *testing.T) {
	if os.Getenv("AFTERMATH_LABEL_CANDIDATES") != "1" {
		t.Skip("set AFTERMATH_LABEL_CANDIDATES=1 to print sentences to label")
	}
	recs := loadRealRecords(t)
	ids := make([]string, 0, len(recs))
	for id := range recs {
		ids = append(ids, id)
	}
	sortStrings(ids)
	for _, id := range ids {
		r := recs[id]
		for _, fieldName := range []string{"text", "full_text"} {
			text := r.field(fieldName)
			if text == "" || (fieldName == "text" && r.LabelScheme != "danluu_heading") {
				continue
			}
			for i, sp := range Sentences(text) {
				s := text[sp.Start:sp.End]
				h := sentenceHash(s)
				bucket, _ := strconv.ParseUint(h[:4], 16, 32)
				net := candidateNet.MatchString(s)
				he := r.HumanError != nil && *r.HumanError
				pick := (net && he) || (net && bucket%4 == 0) || (!net && bucket%120 == 0) ||
					(fieldName == "text" && net) || personNet.MatchString(s)
				if pick && len(s) < 600 {
					fmt.Printf("%s\t%s\t%d\t%s\t%s\n", id, fieldName, i, h, strings.ReplaceAll(s, "\n", " "))
				}
			}
		}
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// confusion counts predictions against labels.
type confusion struct{ tp, fp, fn, tn int }

func (c *confusion) add(pred, truth bool) {
	switch {
	case pred && truth:
		c.tp++
	case pred && !truth:
		c.fp++
	case !pred && truth:
		c.fn++
	default:
		c.tn++
	}
}

func (c confusion) precision() float64 {
	if c.tp+c.fp == 0 {
		return 1
	}
	return float64(c.tp) / float64(c.tp+c.fp)
}

func (c confusion) recall() float64 {
	if c.tp+c.fn == 0 {
		return 1
	}
	return float64(c.tp) / float64(c.tp+c.fn)
}

func (c confusion) String() string {
	return fmt.Sprintf("n=%d positives=%d tp=%d fp=%d fn=%d precision=%.3f recall=%.3f",
		c.tp+c.fp+c.fn+c.tn, c.tp+c.fn, c.tp, c.fp, c.fn, c.precision(), c.recall())
}

type blameLabel struct {
	id, field string
	index     int
	hash      string
	blame     bool
}

func readBlameLabels(t testing.TB) []blameLabel {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "blame_labels.tsv"))
	require.NoError(t, err)
	defer f.Close()
	var out []blameLabel
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		if strings.HasPrefix(sc.Text(), "#") || strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		require.Len(t, cols, 5, "blame_labels.tsv line %d", line)
		idx, err := strconv.Atoi(cols[2])
		require.NoError(t, err, "blame_labels.tsv line %d", line)
		require.Contains(t, []string{"0", "1"}, cols[4], "blame_labels.tsv line %d", line)
		out = append(out, blameLabel{cols[0], cols[1], idx, cols[3], cols[4] == "1"})
	}
	require.NoError(t, sc.Err())
	return out
}

// evaluateBlameLabels checks every labeled sentence against CheckBlame and
// returns the confusion counts, plus the misclassified sentences.
func evaluateBlameLabels(t testing.TB) (confusion, []string) {
	recs := loadRealRecords(t)
	labels := readBlameLabels(t)
	c := NewChecker(BlameOptions{})
	var conf confusion
	var misses []string
	for _, l := range labels {
		r, ok := recs[l.id]
		require.True(t, ok, "labeled record %s not in the data file", l.id)
		text := r.field(l.field)
		spans := Sentences(text)
		require.Less(t, l.index, len(spans), "record %s %s: sentence %d out of range (splitter changed?)", l.id, l.field, l.index)
		sp := spans[l.index]
		s := text[sp.Start:sp.End]
		require.Equal(t, l.hash, sentenceHash(s), "record %s %s sentence %d: text differs from the labeled one (splitter changed?)", l.id, l.field, l.index)
		pred := false
		for _, f := range c.CheckBlame(text) {
			if f.Start == sp.Start {
				pred = true
			}
		}
		conf.add(pred, l.blame)
		if pred != l.blame {
			misses = append(misses, fmt.Sprintf("label=%v pred=%v %s", l.blame, pred, s))
		}
	}
	return conf, misses
}

// TestBlameOnLabeledRealSentences measures CheckBlame against the hand
// labels and guards against regressions: precision and recall must stay at
// or above the figures reported in EVALUATION.md.
//
//	go test ./analyze/language -run TestBlameOnLabeledRealSentences -v
func TestBlameOnLabeledRealSentences(t *testing.T) {
	conf, misses := evaluateBlameLabels(t)
	t.Logf("blame on hand-labeled real sentences: %s", conf)
	if os.Getenv("AFTERMATH_EVAL") == "1" {
		for _, m := range misses {
			t.Log("miss: " + m)
		}
	}
	require.GreaterOrEqual(t, conf.precision(), minRealPrecision)
	require.GreaterOrEqual(t, conf.recall(), minRealRecall)
}
