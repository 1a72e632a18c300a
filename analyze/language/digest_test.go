package language_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"hash"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze/internal/devdata"
	"github.com/aftermath-sre/aftermath/analyze/language"
	"github.com/aftermath-sre/aftermath/simulate/org"
)

// Findings digests pinned from the checker as it was before its speed-ups
// (commit 2cf3c9d): a change that only makes the checks cheaper must leave
// every finding (rule, sentence, offsets, phrase, why, order) as it was,
// since the analyzer stores them per text under language.Version. A change
// of what is found changes Version and these digests together.
const (
	orgFindingsDigest = "04eabedcc18bd035ea2659a0119beb7c018fa7ea08851b34da48fb40ddd39265"
	devFindingsDigest = "963ce5ea7353c4a2f9a90bae41b43ed09a48e047462ce241024c05259a5a43f9"
)

// findingsDigest hashes the JSON of each call's findings, in call order.
type findingsDigest struct {
	h        hash.Hash
	calls    int
	findings int
}

func newFindingsDigest() *findingsDigest { return &findingsDigest{h: sha256.New()} }

func (d *findingsDigest) add(t *testing.T, kind string, fs []language.Finding) {
	t.Helper()
	b, err := json.Marshal(fs)
	require.NoError(t, err)
	d.h.Write([]byte(kind))
	d.h.Write([]byte{0})
	d.h.Write(b)
	d.h.Write([]byte{'\n'})
	d.calls++
	d.findings += len(fs)
}

func (d *findingsDigest) sum() string { return hex.EncodeToString(d.h.Sum(nil)) }

// orgProseTexts are the prose fields and factors of every postmortem of o,
// in order: what the blame check reads.
func orgProseTexts(o *org.Org) []string {
	var texts []string
	for _, p := range o.Postmortems {
		d := p.Doc
		texts = append(texts, d.Summary, d.Impact, d.Detection, d.WentWell, d.WentPoorly, d.Lucky, d.Lessons)
		for _, f := range d.Factors {
			texts = append(texts, f.Text)
		}
	}
	return texts
}

// TestFindingsDigestOrg checks every prose field and factor of every
// postmortem of the simulated medium org for blame (with the org's people as
// known names, sorted and distinct as the analyzer reads them), and every
// action item with its owner and due-date flags, through a Checker and
// through the package-level functions, and compares a digest of all
// findings with the pinned one.
func TestFindingsDigestOrg(t *testing.T) {
	o, err := org.Generate(org.Options{Seed: 7, Scale: org.ScaleMedium})
	require.NoError(t, err)
	seen := map[string]bool{}
	var names []string
	for _, u := range o.Users {
		if u.Name != "" && !seen[u.Name] {
			seen[u.Name] = true
			names = append(names, u.Name)
		}
	}
	sort.Strings(names)
	texts := orgProseTexts(o)
	opts := language.BlameOptions{Names: names}
	c := language.NewChecker(opts)
	dg := newFindingsDigest()
	for i, text := range texts {
		dg.add(t, "blame", c.CheckBlame(text))
		// The package-level function compiles its rules on every call: a
		// sample of the texts keeps the test fast.
		if i%16 == 0 {
			dg.add(t, "blame-pkg", language.CheckBlame(text, opts))
		}
	}
	for i := range o.ActionItems {
		a := &o.ActionItems[i]
		owner, due := a.AssigneeID != "", !a.DueDate.IsZero()
		dg.add(t, "action", c.CheckActionItem(a.Summary, owner, due))
		if i%4 == 0 {
			dg.add(t, "action-pkg", language.CheckActionItem(a.Summary, owner, due))
		}
	}
	t.Logf("org: %d texts, %d action items, %d calls, %d findings, digest %s", len(texts), len(o.ActionItems), dg.calls, dg.findings, dg.sum())
	require.Equal(t, orgFindingsDigest, dg.sum(), "findings on the simulated org changed")
}

// TestFindingsDigestDev checks the text and full text of every record of
// the dev file for blame (without names, as the real-data evaluation does,
// and with a few common names), and each of their sentences (split as the
// real-data tests split them) as an action item, the hand-labeled action
// items of testdata as action items, and, with its first word
// replaced by a person, for blame, and compares a digest of
// all findings with the pinned one. Skipped without the dev file.
func TestFindingsDigestDev(t *testing.T) {
	type record struct {
		ID       string `json:"id"`
		Text     string `json:"text"`
		FullText string `json:"full_text"`
	}
	recs := devdata.Records[record](t, "postmortems-dev.jsonl")
	require.NotEmpty(t, recs)

	plain := language.NewChecker(language.BlameOptions{})
	namedOpts := language.BlameOptions{Names: []string{"John Smith", "Dave", "Mike Jones", "Alex", "Chris Brown", "Sam", "Matt", "Tom"}}
	named := language.NewChecker(namedOpts)
	dg := newFindingsDigest()
	n := 0
	for ri, r := range recs {
		for _, text := range []string{r.Text, r.FullText} {
			if text == "" {
				continue
			}
			dg.add(t, "blame", plain.CheckBlame(text))
			dg.add(t, "blame-named", named.CheckBlame(text))
			if ri%16 == 0 {
				dg.add(t, "blame-pkg", language.CheckBlame(text, namedOpts))
			}
			for _, sp := range language.Sentences(text) {
				s := text[sp.Start:sp.End]
				// The sentence with a person as its subject: real prose
				// rarely blames, so these exercise the person rules.
				if _, rest, ok := strings.Cut(s, " "); ok {
					for _, subj := range []string{"The on-call engineer ", "John Smith ", "Engineers ", "He "} {
						dg.add(t, "blame-person", named.CheckBlame(subj+rest))
					}
				}
				dg.add(t, "action", plain.CheckActionItem(s, n%2 == 0, n%3 == 0))
				if n%16 == 0 {
					dg.add(t, "action-pkg", language.CheckActionItem(s, n%2 == 0, n%3 == 0))
				}
				n++
			}
		}
	}
	// The hand-labeled action items (testdata/action_labels*.tsv): real
	// action items, as the evaluation checks them.
	byID := map[string]record{}
	for _, r := range recs {
		byID[r.ID] = r
	}
	items := 0
	for _, name := range []string{"action_labels.tsv", "action_labels_2.tsv", "action_labels_3.tsv", "action_labels_4.tsv"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		require.NoError(t, err)
		for _, line := range strings.Split(string(b), "\n") {
			cols := strings.Split(line, "\t")
			if strings.HasPrefix(line, "#") || len(cols) != 6 {
				continue
			}
			r, ok := byID[cols[0]]
			require.True(t, ok, "%s: record %s", name, cols[0])
			text := r.Text
			if cols[1] == "full_text" {
				text = r.FullText
			}
			start, err := strconv.Atoi(cols[2])
			require.NoError(t, err)
			end, err := strconv.Atoi(cols[3])
			require.NoError(t, err)
			dg.add(t, "labeled-action", plain.CheckActionItem(text[start:end], items%2 == 0, items%3 == 0))
			items++
		}
	}
	require.NotZero(t, items)
	t.Logf("dev: %d labeled action items", items)
	t.Logf("dev: %d records, %d sentences, %d calls, %d findings, digest %s", len(recs), n, dg.calls, dg.findings, dg.sum())
	require.Equal(t, devFindingsDigest, dg.sum(), "findings on the dev postmortems changed")
}
