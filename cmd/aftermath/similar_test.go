package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/simulate/org"
	"github.com/aftermath-sre/aftermath/store/chtest"
)

// requireSimilarCommand runs `aftermath similar` against the analyzed small
// org in database db: text and JSON list earlier postmortems of the store,
// most similar first; bad usage and an unknown key exit 2, naming it once.
func requireSimilarCommand(t *testing.T, ctx context.Context, o *org.Org, db string) {
	t.Helper()
	cfgPath := filepath.Join(t.TempDir(), "aftermath.yml")
	require.NoError(t, os.WriteFile(cfgPath, []byte(fmt.Sprintf("clickhouse:\n  addresses: [%q]\n  database: %s\n", chtest.Addr(t), db)), 0o600))

	pms := append([]org.Postmortem(nil), o.Postmortems...)
	sort.Slice(pms, func(i, j int) bool { return pms[i].CreatedAt.Before(pms[j].CreatedAt) })
	q := pms[len(pms)-1]

	var out, errOut bytes.Buffer
	code := run(ctx, []string{"similar", "--config", cfgPath, "--json", "--n", "3", q.Key}, &out, &errOut)
	require.Equal(t, 0, code, "stderr: %s", errOut.String())
	var got struct {
		Key     string `json:"key"`
		Similar []struct {
			Key          string   `json:"key"`
			Title        string   `json:"title"`
			Score        float64  `json:"score"`
			SharedThemes []string `json:"shared_themes"`
		} `json:"similar"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &got), out.String())
	require.Equal(t, q.Key, got.Key)
	require.Len(t, got.Similar, 3)
	for i, m := range got.Similar {
		p := o.PostmortemByKey(m.Key)
		require.NotNil(t, p, m.Key)
		require.True(t, p.CreatedAt.Before(q.CreatedAt), "%s is not earlier than %s", m.Key, q.Key)
		require.Equal(t, p.Title, m.Title)
		if i > 0 {
			require.GreaterOrEqual(t, got.Similar[i-1].Score, m.Score)
		}
	}

	out.Reset()
	errOut.Reset()
	require.Equal(t, 0, run(ctx, []string{"similar", "--config", cfgPath, q.Key}, &out, &errOut), errOut.String())
	require.Contains(t, out.String(), "1. "+got.Similar[0].Key+"  "+got.Similar[0].Title)
	require.Contains(t, out.String(), "factor wording")

	errOut.Reset()
	require.Equal(t, 2, run(ctx, []string{"similar", "--config", cfgPath}, &out, &errOut), "no key is bad usage")
	errOut.Reset()
	require.Equal(t, 2, run(ctx, []string{"similar", "--config", cfgPath, "--n", "0", q.Key}, &out, &errOut))
	require.Contains(t, errOut.String(), "--n")
	errOut.Reset()
	out.Reset()
	require.Equal(t, 2, run(ctx, []string{"similar", "--config", cfgPath, "NOPE-1"}, &out, &errOut), "an unknown key is bad input")
	require.Equal(t, "aftermath similar: no postmortem \"NOPE-1\" in the store\n", errOut.String())
	require.Empty(t, out.String())
}
