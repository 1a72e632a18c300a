package digest_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/digest"
)

// The index counts its digests in the right number: it read "1 digests".
func TestIndexCountsItsDigestsInTheRightNumber(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	p, err := digest.Write(ctx, sampleDigest("2026-10", ""), dir)
	require.NoError(t, err)
	idx, err := os.ReadFile(p.Index)
	require.NoError(t, err)
	require.Contains(t, string(idx), `<p class="meta">1 digest.</p>`)
	require.NotContains(t, string(idx), "1 digests")

	_, err = digest.Write(ctx, sampleDigest("2026-09", ""), dir)
	require.NoError(t, err)
	idx, err = os.ReadFile(filepath.Join(dir, "index.html"))
	require.NoError(t, err)
	require.Contains(t, string(idx), `<p class="meta">2 digests, newest first.</p>`)

	// An empty folder says so once, without "0 digests".
	empty := t.TempDir()
	require.NoError(t, digest.WriteIndex(empty))
	idx, err = os.ReadFile(filepath.Join(empty, "index.html"))
	require.NoError(t, err)
	require.Contains(t, string(idx), "No digest has been written yet.")
	require.NotContains(t, string(idx), "0 digests")
}
