package similar_test

import (
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/analyze/internal/devdata"
	"github.com/aftermath-sre/aftermath/analyze/similar"
	"github.com/aftermath-sre/aftermath/analyze/themes"
)

// record is the part of a postmortems-dev.jsonl record the evaluation reads.
type record struct {
	ID           string `json:"id"`
	LabelScheme  string `json:"label_scheme"`
	Category     string `json:"category"`
	CategoryFine string `json:"category_fine"`
	Text         string `json:"text"`
	FullText     string `json:"full_text"`
	Date         string `json:"date"`
}

func loadRecords(t testing.TB) []record {
	t.Helper()
	return devdata.Records[record](t, "postmortems-dev.jsonl")
}

// noCause are labels that name no cause; a query with one is not scored
// (a neighbour with one never shares the query's label).
var noCause = map[string]bool{"unknown": true, "others": true, "internal causes (unspecified)": true, "Uncategorized": true}

// scheme is one label scheme's records prepared for matching.
type scheme struct {
	name    string
	recs    []record
	timed   bool // records have dates: candidates are the earlier ones
	label   func(record) string
	factors func(record) string // the factor text: the root-cause section or the summary
	full    func(record) string // the whole text, for the TF-IDF baseline
}

// ranker returns the keys of the top n candidates for a record.
type ranker func(key string, n int) []string

func indexRanker(t testing.TB, ix *similar.Index, timed bool) ranker {
	return func(key string, n int) []string {
		var ms []similar.Match
		var err error
		if timed {
			ms, err = ix.Similar(key, n)
		} else {
			ms, err = ix.Neighbors(key, n)
		}
		require.NoError(t, err)
		out := make([]string, len(ms))
		for i, m := range ms {
			out[i] = m.Key
		}
		return out
	}
}

type queryScore struct {
	precision float64 // share of the top 3 that share the label
	hit       float64 // 1 when at least one does
	chance    float64 // share of all candidates that share it
}

// evaluate scores every query with a cause label and at least 3 candidates:
// the share of its top 3 sharing its label. Candidates a ranker leaves out
// (score 0) count as not sharing.
func evaluate(s scheme, rank ranker, created map[string]time.Time) []queryScore {
	byKey := map[string]record{}
	for _, r := range s.recs {
		byKey[r.ID] = r
	}
	var out []queryScore
	for _, q := range s.recs {
		lq := s.label(q)
		if noCause[lq] {
			continue
		}
		var cands, same int
		for _, r := range s.recs {
			if r.ID == q.ID || (s.timed && !created[r.ID].Before(created[q.ID])) {
				continue
			}
			cands++
			if s.label(r) == lq {
				same++
			}
		}
		if cands < 3 {
			continue
		}
		top := rank(q.ID, 3)
		shared := 0
		for _, k := range top {
			if s.label(byKey[k]) == lq {
				shared++
			}
		}
		qs := queryScore{precision: float64(shared) / 3, chance: float64(same) / float64(cands)}
		if shared > 0 {
			qs.hit = 1
		}
		out = append(out, qs)
	}
	return out
}

func mean(xs []queryScore, f func(queryScore) float64) float64 {
	var s float64
	for _, x := range xs {
		s += f(x)
	}
	return s / float64(max(1, len(xs)))
}

// bootstrap is the 95% percentile interval of the mean of f over queries,
// and of the paired difference a-b, from 2000 resamples (fixed seed).
func bootstrap(a, b []queryScore, f func(queryScore) float64) (lo, hi, dlo, dhi float64) {
	r := rand.New(rand.NewPCG(14, 5))
	const reps = 2000
	ms, ds := make([]float64, reps), make([]float64, reps)
	for k := range reps {
		var sa, sb float64
		for range a {
			i := r.IntN(len(a))
			sa += f(a[i])
			sb += f(b[i])
		}
		ms[k] = sa / float64(len(a))
		ds[k] = (sa - sb) / float64(len(a))
	}
	sort.Float64s(ms)
	sort.Float64s(ds)
	return ms[reps/40], ms[reps-reps/40-1], ds[reps/40], ds[reps-reps/40-1]
}

// TestSimilarOnLabeledDev measures how often the top 3 similar postmortems
// share the query's human cause label, for the matcher (themes from the
// cause classifier, factor wording, no services in this data) and for a
// TF-IDF baseline over the whole text, with the chance rate of the
// candidates; each label scheme on its own (shared/data/README.md).
//
//	go test ./analyze/similar -run LabeledDev -v -count=1
func TestSimilarOnLabeledDev(t *testing.T) {
	recs := loadRecords(t)
	cl := themes.NewClassifier()
	schemes := []scheme{
		{name: "issre22 category", timed: true,
			label: func(r record) string { return r.Category }, factors: func(r record) string { return r.Text },
			full: func(r record) string { return r.FullText }},
		{name: "issre22 category_fine", timed: true,
			label: func(r record) string { return r.CategoryFine }, factors: func(r record) string { return r.Text },
			full: func(r record) string { return r.FullText }},
		{name: "danluu category", timed: false,
			label: func(r record) string { return r.Category }, factors: func(r record) string { return r.Text },
			full: func(r record) string { return r.Text }},
	}
	for i := range schemes {
		want := "issre22_root_cause"
		if !schemes[i].timed {
			want = "danluu_heading"
		}
		for _, r := range recs {
			if r.LabelScheme == want {
				schemes[i].recs = append(schemes[i].recs, r)
			}
		}
		require.NotEmpty(t, schemes[i].recs, "no %s records", want)
	}

	for _, s := range schemes {
		created := map[string]time.Time{}
		var pms, full, factorOnly []similar.Postmortem
		for _, r := range s.recs {
			var c time.Time
			if s.timed {
				var err error
				c, err = time.Parse("1/2/2006", r.Date)
				require.NoError(t, err, "record %s: date %q", r.ID, r.Date)
			}
			created[r.ID] = c
			var th []string
			if cause := cl.Classify(s.factors(r)); cause.Class != themes.ClassUnclassified {
				th = []string{cause.Class}
			}
			pms = append(pms, similar.Postmortem{Key: r.ID, Created: c, Themes: th, Factors: []string{s.factors(r)}})
			factorOnly = append(factorOnly, similar.Postmortem{Key: r.ID, Created: c, Factors: []string{s.factors(r)}})
			full = append(full, similar.Postmortem{Key: r.ID, Created: c, Factors: []string{s.full(r)}})
		}
		matcher, err := similar.NewIndex(pms, similar.Options{})
		require.NoError(t, err)
		textOnly := similar.Options{ThemeWeight: -1, ServiceWeight: -1, FactorWeight: 1}
		base, err := similar.NewIndex(full, textOnly)
		require.NoError(t, err)
		ablation, err := similar.NewIndex(factorOnly, textOnly)
		require.NoError(t, err)

		m := evaluate(s, indexRanker(t, matcher, s.timed), created)
		b := evaluate(s, indexRanker(t, base, s.timed), created)
		a := evaluate(s, indexRanker(t, ablation, s.timed), created)
		require.Equal(t, len(m), len(b))
		prec := func(q queryScore) float64 { return q.precision }
		hit := func(q queryScore) float64 { return q.hit }
		lo, hi, dlo, dhi := bootstrap(m, b, prec)
		blo, bhi, _, _ := bootstrap(b, b, prec)
		_, _, adlo, adhi := bootstrap(m, a, prec)
		alo, ahi, _, _ := bootstrap(a, a, prec)
		hlo, hhi, hdlo, hdhi := bootstrap(m, b, hit)
		t.Logf("%s: %d queries\n"+
			"  top-3 share of the label: matcher %.3f [%.3f, %.3f], TF-IDF baseline (whole text) %.3f [%.3f, %.3f], difference [%.3f, %.3f]\n"+
			"  factor wording only (no themes) %.3f [%.3f, %.3f], matcher minus it [%.3f, %.3f]; chance (share of candidates) %.3f\n"+
			"  at least one of the top 3 shares it: matcher %.3f [%.3f, %.3f], baseline %.3f, difference [%.3f, %.3f]",
			s.name, len(m), mean(m, prec), lo, hi, mean(b, prec), blo, bhi, dlo, dhi,
			mean(a, prec), alo, ahi, adlo, adhi, mean(m, func(q queryScore) float64 { return q.chance }),
			mean(m, hit), hlo, hhi, mean(b, hit), hdlo, hdhi)
		require.GreaterOrEqual(t, mean(m, prec), minTop3Share[s.name], "%s: matcher's top-3 share of the label", s.name)
		if s.timed {
			require.Greater(t, mean(m, prec), mean(b, prec), "%s: the matcher beats the TF-IDF baseline", s.name)
		}
	}
}
