package digest_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/digest"
)

// TestSimulatedDigestSeenBefore: on the simulated org, quoted postmortems
// list earlier postmortems (never later ones, never themselves), each
// linked, and at most digest.SimilarShown of them.
func TestSimulatedDigestSeenBefore(t *testing.T) {
	o, d := simulatedDigest(t)
	quoted, listed := 0, 0
	for _, h := range append(append([]digest.Highlight(nil), d.Highlights.Lessons...), d.Highlights.Lucky...) {
		quoted++
		q := o.PostmortemByKey(h.Key)
		require.NotNil(t, q, h.Key)
		require.LessOrEqual(t, len(h.Similar), 3)
		for _, s := range h.Similar {
			listed++
			p := o.PostmortemByKey(s.Key)
			require.NotNil(t, p, s.Key)
			require.NotEqual(t, q.Key, p.Key)
			require.True(t, p.CreatedAt.Before(q.CreatedAt), "%s is earlier than %s", s.Key, q.Key)
			require.NotEmpty(t, s.URL)
		}
	}
	require.Positive(t, quoted)
	require.Positive(t, listed, "some quoted postmortem has earlier ones like it")
	require.Contains(t, renderMD(t, d), "> Seen before: [")
}
