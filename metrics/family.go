package metrics

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Histogram row suffixes of a stored analysis histogram.
const (
	BucketSuffix = "_bucket"
	SumSuffix    = "_sum"
	CountSuffix  = "_count"
)

// Valid reports whether f is a catalogued family.
func (f Family) Valid() bool { return f > 0 && f < numFamilies }

func (f Family) spec() spec {
	if !f.Valid() {
		panic(fmt.Sprintf("metrics: %d is not a catalogued family", uint8(f)))
	}
	return specs[f]
}

// Name is the family's Prometheus name, e.g. "aftermath_mtta_seconds".
func (f Family) Name() string { return Namespace + "_" + f.spec().name }

// String is Name, or "Family(n)" for a value that is not a family.
func (f Family) String() string {
	if !f.Valid() {
		return fmt.Sprintf("Family(%d)", uint8(f))
	}
	return f.Name()
}

// ResultName is the family's name without the namespace, as analysis rows
// store it (histogram rows add BucketSuffix, SumSuffix or CountSuffix).
func (f Family) ResultName() string { return f.spec().name }

// Help is the family's help text.
func (f Family) Help() string { return f.spec().help }

// Type is the family's Prometheus type.
func (f Family) Type() Type { return f.spec().typ }

// Labels are the family's label names, in the order rows store them and the
// exporter serves them ("le" of histogram buckets not included).
func (f Family) Labels() []string { return slices.Clone(f.spec().labels) }

// Analysis is the analysis whose results feed the family; empty unless the
// family is produced ByAnalysis.
func (f Family) Analysis() string {
	if s := f.spec(); s.by == ByAnalysis {
		return s.of
	}
	return ""
}

// Source is the ingest source whose runs the family counts; empty unless the
// family is produced ByIngest.
func (f Family) Source() Source {
	if s := f.spec(); s.by == ByIngest {
		return Source(s.of)
	}
	return ""
}

// Producer is what emits the family.
func (f Family) Producer() Producer { return f.spec().by }

// Bucket, Sum and Count are the Prometheus names of a histogram's series,
// e.g. "aftermath_incident_ack_duration_seconds_bucket", for PromQL.
func (f Family) Bucket() string { return f.Name() + BucketSuffix }

// Sum: see Bucket.
func (f Family) Sum() string { return f.Name() + SumSuffix }

// Count: see Bucket.
func (f Family) Count() string { return f.Name() + CountSuffix }

// CheckLabels reports an error unless names are exactly the family's labels,
// in order, plus a trailing "le" when bucket is set (a histogram's bucket
// row).
func (f Family) CheckLabels(names []string, bucket bool) error {
	want := f.spec().labels
	if bucket {
		if f.Type() != Histogram {
			return fmt.Errorf("metrics: %s is a %s, it has no buckets", f.Name(), f.Type())
		}
		want = append(slices.Clone(want), "le")
	}
	if len(names) == 0 && len(want) == 0 {
		return nil
	}
	if !slices.Equal(names, want) {
		return fmt.Errorf("metrics: %s has labels [%s], want [%s]", f.Name(), strings.Join(names, ", "), strings.Join(want, ", "))
	}
	return nil
}

// All returns every family, sorted by name.
func All() []Family {
	out := make([]Family, 0, numFamilies-1)
	for f := Family(1); f < numFamilies; f++ {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return specs[out[i]].name < specs[out[j]].name })
	return out
}

// By returns the families emitted by p, sorted by name.
func By(p Producer) []Family {
	var out []Family
	for _, f := range All() {
		if specs[f].by == p {
			out = append(out, f)
		}
	}
	return out
}

// ByName returns the family of a Prometheus name: the family's own name or,
// for a histogram, its _bucket, _sum or _count series.
func ByName(name string) (Family, bool) {
	short, ok := strings.CutPrefix(name, Namespace+"_")
	if !ok {
		return 0, false
	}
	f, _, ok := resolve(short)
	return f, ok
}

// ByResultName returns the analysis family of a stored result row's metric
// name, and whether the row is a histogram bucket. A histogram's _bucket,
// _sum and _count rows resolve to their family; its bare name is no row.
func ByResultName(name string) (f Family, bucket bool, ok bool) {
	f, suffix, ok := resolve(name)
	if !ok || specs[f].by != ByAnalysis || (specs[f].typ == Histogram && suffix == "") {
		return 0, false, false
	}
	return f, suffix == BucketSuffix, true
}

// resolve finds the family of a name without the namespace and the
// histogram suffix it carries.
func resolve(short string) (Family, string, bool) {
	r, ok := byShortName()[short]
	return r.f, r.suffix, ok
}

type resolved struct {
	f      Family
	suffix string
}

// byShortName indexes every family's name and its histogram series' names;
// built once, on first use.
var byShortName = sync.OnceValue(func() map[string]resolved {
	m := map[string]resolved{}
	for f := Family(1); f < numFamilies; f++ {
		s := specs[f]
		m[s.name] = resolved{f, ""}
		if s.typ == Histogram {
			for _, suf := range []string{BucketSuffix, SumSuffix, CountSuffix} {
				m[s.name+suf] = resolved{f, suf}
			}
		}
	}
	return m
})
