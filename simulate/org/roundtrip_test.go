package org

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/postmortem"
)

// TestDocumentsRoundTripThroughRenderers checks that generated documents are
// template-shaped: rendered to each format and parsed back, the fields that
// analyzers read come back unchanged.
func TestDocumentsRoundTripThroughRenderers(t *testing.T) {
	o := genOrg(t, 1, ScaleSmall)
	formats := []struct {
		name  string
		round func(*postmortem.Document) (*postmortem.Document, error)
	}{
		{"markdown", func(d *postmortem.Document) (*postmortem.Document, error) {
			return postmortem.ParseMarkdown(postmortem.RenderMarkdown(d))
		}},
		{"wiki", func(d *postmortem.Document) (*postmortem.Document, error) {
			return postmortem.ParseWiki(postmortem.RenderWiki(d))
		}},
		{"adf", func(d *postmortem.Document) (*postmortem.Document, error) {
			b, err := postmortem.RenderADF(d)
			if err != nil {
				return nil, err
			}
			return postmortem.ParseADF(b)
		}},
	}
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			for i := range o.Postmortems {
				p := &o.Postmortems[i]
				got, err := f.round(&p.Doc)
				require.NoError(t, err, p.Key)
				require.Equal(t, p.Doc.Title, got.Title, p.Key)
				require.Equal(t, p.Doc.Summary, got.Summary, p.Key)
				require.Equal(t, p.Doc.WentPoorly, got.WentPoorly, p.Key)
				require.Equal(t, p.Doc.Lessons, got.Lessons, p.Key)
				require.Equal(t, p.Doc.Factors, got.Factors, p.Key)
				require.Equal(t, p.Doc.TimeToDetect, got.TimeToDetect, p.Key)
				require.Equal(t, len(p.Doc.ActionItems), len(got.ActionItems), p.Key)
				for k := range p.Doc.ActionItems {
					require.Equal(t, p.Doc.ActionItems[k], got.ActionItems[k], p.Key)
				}
				require.Equal(t, len(p.Doc.Timeline), len(got.Timeline), p.Key)
				for k := range p.Doc.Timeline {
					require.True(t, p.Doc.Timeline[k].At.Equal(got.Timeline[k].At), "%s row %d", p.Key, k)
					require.Equal(t, p.Doc.Timeline[k].Text, got.Timeline[k].Text, p.Key)
				}
				require.Equal(t, p.Doc.Missing(), got.Missing(), p.Key)
			}
		})
	}
}
