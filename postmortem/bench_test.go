package postmortem

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// benchDocs renders a fixed set of generated documents in one format.
func benchDocs(b *testing.B, render func(*Document) string) []string {
	b.Helper()
	r := rand.New(rand.NewPCG(11, 12))
	out := make([]string, 200)
	for i := range out {
		out[i] = render(genDocument(r))
	}
	return out
}

// benchParse reports parse throughput over the rendered documents: MB/s
// from SetBytes and docs/s as a custom metric.
func benchParse(b *testing.B, texts []string, parse func(string) (*Document, error)) {
	total := 0
	for _, t := range texts {
		total += len(t)
	}
	b.SetBytes(int64(total / len(texts)))
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if _, err := parse(texts[i%len(texts)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
}

func BenchmarkParseMarkdown(b *testing.B) {
	benchParse(b, benchDocs(b, RenderMarkdown), ParseMarkdown)
}

func BenchmarkParseWiki(b *testing.B) {
	benchParse(b, benchDocs(b, RenderWiki), ParseWiki)
}

func BenchmarkParseADF(b *testing.B) {
	texts := benchDocs(b, func(d *Document) string {
		out, err := RenderADF(d)
		if err != nil {
			b.Fatal(err)
		}
		return string(out)
	})
	benchParse(b, texts, func(s string) (*Document, error) { return ParseADF([]byte(s)) })
}

func BenchmarkParseSniffed(b *testing.B) {
	benchParse(b, benchDocs(b, RenderWiki), Parse)
}

func BenchmarkRenderMarkdown(b *testing.B) {
	r := rand.New(rand.NewPCG(11, 12))
	docs := make([]*Document, 200)
	for i := range docs {
		docs[i] = genDocument(r)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = RenderMarkdown(docs[i%len(docs)])
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
}

// BenchmarkParseHostile parses 100 KB inputs built to provoke quadratic
// behaviour (unclosed brackets, code spans and entities, thousands of
// duplicated headings, run-on lines); MB/s close to that of ordinary
// documents shows the parsers stay linear.
func BenchmarkParseHostile(b *testing.B) {
	const n = 100_000
	inputs := []struct{ name, text string }{
		{"brackets", strings.Repeat("[", n)},
		{"emphasis", strings.Repeat("*a _b ", n/6)},
		{"backticks", strings.Repeat("` ``", n/4)},
		{"links", strings.Repeat("[a](", n/4)},
		{"wikilinks", strings.Repeat("[a|{{", n/5)},
		{"entities", strings.Repeat("&#", n/2)},
		{"nested-lists", strings.Repeat("## Summary\n", n/11)},
		{"labels", strings.Repeat("Root cause: x. ROOT CAUSE The ", n/30)},
		{"timeline", "## Timeline\n" + strings.Repeat("10:04 x. 2024-01-02 10:00 UTC y\nmore\n", n/40)},
		{"long-line", strings.Repeat("a", n)},
	}
	for _, in := range inputs {
		for _, p := range []struct {
			name  string
			parse func(string) (*Document, error)
		}{{"markdown", ParseMarkdown}, {"wiki", ParseWiki}} {
			b.Run(in.name+"/"+p.name, func(b *testing.B) {
				b.SetBytes(int64(len(in.text)))
				for b.Loop() {
					if _, err := p.parse(in.text); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
