package themes

import (
	"fmt"
	"testing"

	"github.com/aftermath-sre/aftermath/simulate/org"
)

// BenchmarkCluster measures how clustering time grows with the number of
// factors (synthetic texts, 8 themes, k chosen by silhouette on the sample):
//
//	go test ./analyze/themes -run '^$' -bench BenchmarkCluster -benchtime 1x -benchmem
func BenchmarkCluster(b *testing.B) {
	for _, n := range []int{10_000, 50_000, 100_000} {
		items, _ := synthItems(n, len(synthThemes), 1)
		b.Run(fmt.Sprintf("factors=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				res, err := Cluster(items, nil, Options{Seed: 1})
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Themes) == 0 {
					b.Fatal("no themes")
				}
			}
		})
	}
}

// BenchmarkClassify measures the cause classifier on the simulated small
// org's factor texts (about 1,500, as `analyze` passes them):
//
//	go test ./analyze/themes -run '^$' -bench BenchmarkClassify -benchmem
func BenchmarkClassify(b *testing.B) {
	items, _ := simSmallFactors(b)
	cl := NewClassifier()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, it := range items {
			cl.Classify(it.Text)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(items)), "ns/factor")
}

// BenchmarkClusterFeatures measures what a run that reads every factor's
// stored features spends on the themes: forming them over the features of
// the simulated large org's factors (about 75,000; featurized before the
// timer starts):
//
//	go test ./analyze/themes -run '^$' -bench BenchmarkClusterFeatures -benchtime 3x
func BenchmarkClusterFeatures(b *testing.B) {
	o, err := org.Generate(org.Options{Seed: 7, Scale: org.ScaleLarge})
	if err != nil {
		b.Fatal(err)
	}
	var items []Item
	for _, p := range o.Postmortems {
		for _, f := range p.Doc.Factors {
			items = append(items, Item{ID: fmt.Sprintf("%s#%d", p.Key, f.Ordinal), Text: f.Name + ". " + f.Text})
		}
	}
	feats := featurizeAll(NewFeaturizer(), items, 0)
	items = nil
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := ClusterFeatures(feats, nil, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Themes) == 0 {
			b.Fatal("no themes")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/run")
}
