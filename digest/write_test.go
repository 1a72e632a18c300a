package digest_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/digest"
)

func sampleDigest(month, team string) *digest.Digest {
	return &digest.Digest{
		Month: month, Previous: "2026-09", Team: team, MonthName: "October 2026", Title: "Learning digest · October 2026",
		Scope: "the whole organization", TimeZone: "UTC", RunID: "run-x",
		Summary: []string{"SEV1s fell from 4 to 2 and SEV2s rose from 3 to 5; 19 incidents in all, up from 17.", "MTTR p90 rose 30% to 3h 10m."},
		Links:   digest.Links{HTML: "https://aftermath.example.com/digests/2026-10.html", Index: "https://aftermath.example.com/digests/"},
	}
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, de := range des {
		out = append(out, de.Name())
	}
	sort.Strings(out)
	return out
}

func TestWriteIsAtomicAndKeepsAnIndex(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "digests")
	ctx := context.Background()
	p, err := digest.Write(ctx, sampleDigest("2026-10", ""), dir)
	require.NoError(t, err)
	require.Equal(t, filepath.Join(dir, "2026-10.html"), p.HTML)
	require.Equal(t, filepath.Join(dir, "2026-10.md"), p.Markdown)
	require.Equal(t, filepath.Join(dir, "index.html"), p.Index)

	_, err = digest.Write(ctx, sampleDigest("2026-10", "Payments & Billing"), dir)
	require.NoError(t, err)
	_, err = digest.Write(ctx, sampleDigest("2026-09", ""), dir)
	require.NoError(t, err)
	require.Equal(t, []string{"2026-09.html", "2026-09.md", "2026-10-payments-billing.html", "2026-10-payments-billing.md", "2026-10.html", "2026-10.md", "index.html"},
		names(t, dir), "no temporary files are left behind")

	html, err := os.ReadFile(p.HTML)
	require.NoError(t, err)
	require.Contains(t, string(html), "MTTR p90 rose 30% to 3h 10m.")
	info, err := os.Stat(p.HTML)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o644), info.Mode().Perm())

	idx, err := os.ReadFile(p.Index)
	require.NoError(t, err)
	s := string(idx)
	require.Contains(t, s, `<a href="2026-10.html">Whole organization</a>`)
	require.Contains(t, s, `<a href="2026-10-payments-billing.html">Team Payments &amp; Billing</a>`, "the index names the team as the page does")
	require.Contains(t, s, `<a href="2026-09.md">Markdown</a>`)
	require.Less(t, strings.Index(s, "October 2026"), strings.Index(s, "September 2026"), "newest month first")
	require.NotContains(t, s, "<script")

	// rewriting replaces the content
	d := sampleDigest("2026-10", "")
	d.Summary = []string{"Rewritten."}
	_, err = digest.Write(ctx, d, dir)
	require.NoError(t, err)
	html, err = os.ReadFile(p.HTML)
	require.NoError(t, err)
	require.Contains(t, string(html), "Rewritten.")
	require.NotContains(t, string(html), "MTTR p90 rose")

	last, err := digest.LastWritten(dir)
	require.NoError(t, err)
	require.Equal(t, "2026-10", last)
	es, err := digest.List(dir)
	require.NoError(t, err)
	require.Equal(t, []digest.Entry{
		{Month: "2026-10", HTML: "2026-10.html", Markdown: "2026-10.md"},
		{Month: "2026-10", Team: "payments-billing", TeamName: "Payments & Billing", HTML: "2026-10-payments-billing.html", Markdown: "2026-10-payments-billing.md"},
		{Month: "2026-09", HTML: "2026-09.html", Markdown: "2026-09.md"},
	}, es)
}

func TestWriteFailsCleanlyWhenTheFolderIsAFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(f, []byte("x"), 0o644))
	_, err := digest.Write(context.Background(), sampleDigest("2026-10", ""), f)
	require.ErrorContains(t, err, "digest: create "+f)
}

func TestWriteHonoursACancelledContext(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := digest.Write(ctx, sampleDigest("2026-10", ""), dir)
	require.ErrorIs(t, err, context.Canceled)
	require.Empty(t, names(t, dir))
}

func TestLastWrittenIgnoresTeamsAndOtherFiles(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"2026-11-payments.html", "2026-10.html", "notes.html", "2027-13.html", "2026-12.md"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644))
	}
	last, err := digest.LastWritten(dir)
	require.NoError(t, err)
	require.Equal(t, "2026-10", last)
	last, err = digest.LastWritten(filepath.Join(dir, "missing"))
	require.NoError(t, err)
	require.Empty(t, last)
}

func TestFileBase(t *testing.T) {
	for _, tc := range []struct{ team, want string }{
		{"", "2026-10"},
		{"Payments", "2026-10-payments"},
		{"  Data / ML  Platform ", "2026-10-data-ml-platform"},
		{"../../etc/passwd", "2026-10-etc-passwd"},
		{"Équipe Ñ", "2026-10-quipe"},
	} {
		require.Equal(t, tc.want, digest.FileBase("2026-10", tc.team), tc.team)
	}
	require.Regexp(t, `^2026-10-team-[0-9a-f]{8}$`, digest.FileBase("2026-10", "東京"))
}

func TestRenderAZeroDigest(t *testing.T) {
	d := &digest.Digest{}
	_, err := digest.RenderHTML(d)
	require.NoError(t, err)
	_, err = digest.RenderMarkdown(d)
	require.NoError(t, err)
	_, err = digest.RenderHTML(nil)
	require.Error(t, err)
}

func TestDue(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	// 23:30 UTC on 31 October is already 1 November in Berlin.
	edge := time.Date(2026, 10, 31, 23, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		now       time.Time
		loc       *time.Location
		last      string
		wantMonth string
		wantDue   bool
	}{
		{"first of the month in the zone", edge, berlin, "2026-09", "2026-10", true},
		{"still October in UTC", edge, time.UTC, "2026-09", "2026-09", false},
		{"already written", edge, berlin, "2026-10", "2026-10", false},
		{"nothing written yet", edge, berlin, "", "2026-10", true},
		{"catch up after downtime", time.Date(2026, 11, 17, 9, 0, 0, 0, time.UTC), berlin, "2026-09", "2026-10", true},
		{"new year", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), time.UTC, "2026-11", "2026-12", true},
		{"nil zone is UTC", edge, nil, "2026-09", "2026-09", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, due := digest.Due(tc.now, tc.loc, tc.last)
			require.Equal(t, tc.wantMonth, m)
			require.Equal(t, tc.wantDue, due)
		})
	}
	require.Equal(t, time.Date(2026, 11, 1, 0, 0, 0, 0, berlin), digest.NextDue(time.Date(2026, 10, 15, 12, 0, 0, 0, time.UTC), berlin))
	require.Equal(t, time.Date(2026, 12, 1, 0, 0, 0, 0, berlin), digest.NextDue(edge, berlin))
}
