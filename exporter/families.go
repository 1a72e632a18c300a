package exporter

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/aftermath-sre/aftermath/metrics"
	"github.com/aftermath-sre/aftermath/store"
)

// Namespace prefixes every metric name.
const Namespace = metrics.Namespace

type kind int

const (
	gaugeKind kind = iota
	histogramKind
)

// family is one metric family served from analysis results. Its descriptor is
// built once.
type family struct {
	collector string // the analysis whose results feed it
	name      string // result metric name without the namespace
	help      string
	labels    []string
	kind      kind
	// itemKey, when set, makes this a per-item info family: at most
	// MaxItemSeries series are served, those with the highest value first,
	// ties broken by this label.
	itemKey string
	desc    *prometheus.Desc
}

func (f *family) fqName() string { return Namespace + "_" + f.name }

// resultNames are the result metric names that feed the family.
func (f *family) resultNames() []string {
	if f.kind == histogramKind {
		return []string{f.name + "_bucket", f.name + "_sum", f.name + "_count"}
	}
	return []string{f.name}
}

// built is what a collector serves for one analysis run. It never changes
// once built; its exposition is rendered on first use.
type built struct {
	metrics []prometheus.Metric
	skipped int            // results that could not be served (unknown metric, wrong labels, duplicates)
	dropped int            // per-item series left out by the cap
	reasons map[string]int // skipped, by reason, for the log

	renderOnce sync.Once
	text, gz   []byte // text exposition of metrics, and the same gzipped
	renderErr  error
}

// rendered returns the text exposition of the series, plain and gzipped,
// built once per run: encoding tens of thousands of series on every scrape
// is what makes a scrape slow.
func (b *built) rendered() (text, gz []byte, err error) {
	b.renderOnce.Do(func() {
		reg := prometheus.NewPedanticRegistry()
		if err := reg.Register(staticMetrics(b.metrics)); err != nil {
			b.renderErr = err
			return
		}
		mfs, err := reg.Gather()
		if err != nil {
			b.renderErr = err
			return
		}
		var buf bytes.Buffer
		for _, mf := range mfs {
			if _, err := expfmt.MetricFamilyToText(&buf, mf); err != nil {
				b.renderErr = err
				return
			}
		}
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		_, _ = zw.Write(buf.Bytes())
		if err := zw.Close(); err != nil {
			b.renderErr = err
			return
		}
		b.text, b.gz = buf.Bytes(), z.Bytes()
	})
	return b.text, b.gz, b.renderErr
}

// staticMetrics is an unchecked collector of fixed metrics.
type staticMetrics []prometheus.Metric

func (staticMetrics) Describe(chan<- *prometheus.Desc) {}

func (s staticMetrics) Collect(ch chan<- prometheus.Metric) {
	for _, m := range s {
		ch <- m
	}
}

func (b *built) skip(reason string) {
	b.skipped++
	if b.reasons == nil {
		b.reasons = map[string]int{}
	}
	b.reasons[reason]++
}

// buildMetrics turns one collector's results into const metrics. It never
// fails: a result that cannot be served is counted (the skipped-results self
// metric, which AftermathResultsSkipped watches) and left out, so one bad row never breaks a
// scrape (a duplicate series would make the whole /metrics fail). An analysis
// run refuses to write a row its catalogue family does not describe, so such
// rows come only from a run written by another version of Aftermath.
func buildMetrics(fams []*family, results []store.Result, maxItems int) *built {
	b := &built{}
	byResult := map[string]*family{}
	for _, f := range fams {
		for _, n := range f.resultNames() {
			byResult[n] = f
		}
	}
	type hist struct {
		labels  []string
		buckets map[float64]uint64
		sum     float64
		count   uint64
		hasSum  bool
		hasCnt  bool
	}
	type item struct {
		labels []string
		key    string
		value  float64
	}
	seen := map[string]bool{}
	hists := map[*family]map[string]*hist{}
	var histOrder []string // family name + key, in first-seen order
	histByOrder := map[string]*hist{}
	histFam := map[string]*family{}
	items := map[*family][]item{}
	for _, r := range results {
		f := byResult[r.Metric]
		if f == nil {
			b.skip("unknown metric " + r.Metric)
			continue
		}
		suffix := strings.TrimPrefix(r.Metric, f.name)
		wantLE := f.kind == histogramKind && suffix == "_bucket"
		vals, le, ok := labelValues(f.labels, r, wantLE)
		if !ok {
			b.skip("labels of " + r.Metric)
			continue
		}
		if math.IsNaN(r.Value) && f.kind == histogramKind {
			b.skip("NaN in " + r.Metric)
			continue
		}
		key := r.Metric + "\xff" + strings.Join(vals, "\xff")
		if wantLE {
			key += "\xff" + strconv.FormatFloat(le, 'g', -1, 64)
		}
		if seen[key] {
			b.skip("duplicate " + r.Metric)
			continue
		}
		seen[key] = true
		switch {
		case f.kind == gaugeKind && f.itemKey != "":
			items[f] = append(items[f], item{vals, vals[slices.Index(f.labels, f.itemKey)], r.Value})
		case f.kind == gaugeKind:
			b.metrics = append(b.metrics, prometheus.MustNewConstMetric(f.desc, prometheus.GaugeValue, r.Value, vals...))
		default:
			hk := strings.Join(vals, "\xff")
			m := hists[f]
			if m == nil {
				m = map[string]*hist{}
				hists[f] = m
			}
			h := m[hk]
			if h == nil {
				h = &hist{labels: vals, buckets: map[float64]uint64{}}
				m[hk] = h
				ok := f.name + "\xfe" + hk
				histOrder = append(histOrder, ok)
				histByOrder[ok] = h
				histFam[ok] = f
			}
			switch suffix {
			case "_bucket":
				if !math.IsInf(le, 1) {
					h.buckets[le] = count(r.Value)
				}
			case "_sum":
				h.sum, h.hasSum = r.Value, true
			case "_count":
				h.count, h.hasCnt = count(r.Value), true
			}
		}
	}
	for _, k := range histOrder {
		h, f := histByOrder[k], histFam[k]
		if !h.hasCnt || !h.hasSum {
			b.skip("incomplete histogram " + f.name)
			continue
		}
		b.metrics = append(b.metrics, prometheus.MustNewConstHistogram(f.desc, h.count, h.sum, h.buckets, h.labels...))
	}
	for _, f := range fams {
		its := items[f]
		sort.SliceStable(its, func(i, j int) bool {
			if its[i].value != its[j].value {
				return its[i].value > its[j].value
			}
			return its[i].key < its[j].key
		})
		if len(its) > maxItems {
			b.dropped += len(its) - maxItems
			its = its[:maxItems]
		}
		for _, it := range its {
			b.metrics = append(b.metrics, prometheus.MustNewConstMetric(f.desc, prometheus.GaugeValue, it.value, it.labels...))
		}
	}
	return b
}

// labelValues orders r's label values as the family's label names; for a
// histogram bucket it also returns the parsed "le". It fails unless r has
// exactly the family's labels (plus "le" for a bucket), each once.
func labelValues(names []string, r store.Result, wantLE bool) (vals []string, le float64, ok bool) {
	want := len(names)
	if wantLE {
		want++
	}
	if len(r.LabelNames) != want || len(r.LabelValues) != want {
		return nil, 0, false
	}
	vals = make([]string, len(names))
	set := make([]bool, len(names))
	haveLE := false
	for i, n := range r.LabelNames {
		if wantLE && n == "le" {
			v, err := parseLE(r.LabelValues[i])
			if err != nil || haveLE {
				return nil, 0, false
			}
			le, haveLE = v, true
			continue
		}
		j := slices.Index(names, n)
		if j < 0 || set[j] {
			return nil, 0, false
		}
		vals[j], set[j] = r.LabelValues[i], true
	}
	// len(r.LabelNames) == want and every name was a distinct known one (or
	// le), so every family label is set.
	return vals, le, !wantLE || haveLE
}

func parseLE(s string) (float64, error) {
	switch strings.ToLower(s) {
	case "+inf", "inf":
		return math.Inf(1), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("bad le %q: %w", s, err)
	}
	return v, nil
}

func count(v float64) uint64 {
	if !(v > 0) || math.IsInf(v, 1) {
		return 0
	}
	return uint64(math.Round(v))
}
