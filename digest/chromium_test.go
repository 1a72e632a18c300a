package digest_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/digest"
)

// chromium returns Debian's headless Chromium, skipping the test when it is
// missing unless AFTERMATH_REQUIRE_TOOLS=1.
func chromium(t *testing.T) string {
	t.Helper()
	for _, c := range []string{"chromium", "/usr/bin/chromium", "chromium-browser"} {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	if os.Getenv("AFTERMATH_REQUIRE_TOOLS") == "1" {
		t.Fatal("chromium is required (AFTERMATH_REQUIRE_TOOLS=1) but not installed")
	}
	t.Skip("chromium not installed")
	return ""
}

func runChromium(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
		"--disable-dev-shm-usage", "--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	require.NoError(t, err, "chromium %v: %s", args, stderr.String())
	return stdout.Bytes()
}

// probeFrame is one digest page the probe shows at one width.
type probeFrame struct {
	ID, Src string
	Width   int
}

// probePage (a test-only page, never part of the digest, which has no
// script) shows digests in iframes exactly 1280, 390, 375 and 360 px wide
// (phones; 375 is also 390 less a desktop scrollbar) — a
// headless window is at least 500 px wide, an iframe is not — and
// records for each whether the document is wider than its viewport, which
// tables stick out of the page, and which table wrappers scroll sideways (a
// table cut off in its card: the columns to its right are hidden until the
// reader scrolls, and never printed). The first frame comes first on the
// page, so a screenshot of the page is that frame.
func probePage(frames []probeFrame) string {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html><body style="margin:0">` + "\n")
	ids := make([]string, len(frames))
	for i, f := range frames {
		ids[i] = "'" + f.ID + "'"
		fmt.Fprintf(&b, `<iframe id="%s" src="%s" style="display:block;width:%dpx;height:2200px;border:0"></iframe>`+"\n", f.ID, f.Src, f.Width)
	}
	b.WriteString(`<script>
window.addEventListener('load', function () {
  var out = [];
  [` + strings.Join(ids, ", ") + `].forEach(function (id) {
    var f = document.getElementById(id), d = f.contentDocument, w = d.documentElement.clientWidth, wide = [], cut = [];
    var name = function (e) { return (e.closest('section') || {}).id + '/' + ((e.querySelector('th') || {}).textContent || '').trim(); };
    d.querySelectorAll('table').forEach(function (e) {
      var r = e.getBoundingClientRect();
      if (r.right > w + 0.5) { wide.push(name(e) + ':' + Math.round(r.right)); }
    });
    d.querySelectorAll('.tw').forEach(function (e) {
      if (e.scrollWidth > e.clientWidth + 1) { cut.push(name(e) + ':' + e.scrollWidth + '>' + e.clientWidth); }
    });
    out.push(id + ':innerWidth=' + f.contentWindow.innerWidth + ';scrollWidth=' + d.documentElement.scrollWidth + ';overflow=' + (d.documentElement.scrollWidth > w) + ';wide=' + wide.join(',') + ';cut=' + cut.join(','));
  });
  document.body.setAttribute('data-probe', out.join('|'));
});
</script></body></html>`)
	return b.String()
}

var probeRe = regexp.MustCompile(`data-probe="([^"]*)"`)

// TestChromiumRendersTheDigest renders the small simulated org's digest,
// with worst-case text added, and the medium org's (four-digit counts, the
// one the layout defects were found in) and its busiest team's, in a real
// Chromium at 1280 px and at phone widths (390, 375, 360): no page and no
// table is wider than the window, and no table scrolls sideways in its
// card (at 1280 px the severity and MTTA/MTTR tables used to, hiding their
// trend column, and at 390 px the "Is the change real?" table its
// reading).
func TestChromiumRendersTheDigest(t *testing.T) {
	bin := chromium(t)
	_, sim := simulatedDigest(t)
	med := mediumDigest(t)
	d := *sim
	// worst-case content further down the page: an unbroken 300-character
	// token and a long quote must wrap, not widen the page
	long := strings.Repeat("x", 300)
	d.Highlights.Lessons = append(append([]digest.Highlight(nil), d.Highlights.Lessons...),
		digest.Highlight{Quote: long + " " + strings.Repeat("word ", 80), Title: long, URL: "https://jira.example.com/browse/" + long, Team: long})
	d.Recurrence.Groups = append(append([]digest.RecurringGroup(nil), d.Recurrence.Groups...),
		digest.RecurringGroup{Title: long, Service: long, Team: long, Incidents: 3})
	dir := t.TempDir()
	paths, err := digest.Write(context.Background(), &d, dir)
	require.NoError(t, err)
	html, err := os.ReadFile(paths.HTML)
	require.NoError(t, err)
	if dst := os.Getenv("AFTERMATH_DIGEST_SHOTS"); dst != "" {
		copyFile(t, paths.HTML, filepath.Join(dst, "digest.html"))
		copyFile(t, paths.Markdown, filepath.Join(dst, "digest.md"))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "digest.html"), html, 0o644))
	docs := map[string]string{"digest.html": "the small org with worst-case text"}
	for name, md := range map[string]*digest.Digest{"medium.html": med.digest, "medium-team.html": med.team} {
		b, err := digest.RenderHTML(md)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
		docs[name] = "the medium org"
		if md.Team != "" {
			docs[name] += ", team " + md.Team
		}
		if dst := os.Getenv("AFTERMATH_DIGEST_SHOTS"); dst != "" {
			copyFile(t, filepath.Join(dir, name), filepath.Join(dst, name))
		}
	}
	var frames []probeFrame
	for _, src := range []string{"digest.html", "medium.html", "medium-team.html"} {
		for _, w := range []int{390, 375, 360, 1280} {
			frames = append(frames, probeFrame{ID: fmt.Sprintf("%s-%d", strings.TrimSuffix(src, ".html"), w), Src: src, Width: w})
		}
	}
	probe := filepath.Join(dir, "probe.html")
	require.NoError(t, os.WriteFile(probe, []byte(probePage(frames)), 0o644))

	// Two Chromium runs (each start costs seconds): the probe page (verdicts
	// and the 390 px screenshot of the first frame), then the digest at
	// 1280 px (screenshot and PDF).
	shots := map[int]string{390: filepath.Join(dir, "shot-390.png"), 1280: filepath.Join(dir, "shot-1280.png")}
	pdf := filepath.Join(dir, "digest.pdf")
	dom := runChromium(t, bin, "--allow-file-access-from-files", "--run-all-compositor-stages-before-draw", "--virtual-time-budget=5000",
		"--window-size=390,2200", "--screenshot="+shots[390], "--dump-dom", "file://"+probe)
	m := probeRe.FindSubmatch(dom)
	require.NotNil(t, m, "the probe did not run")
	verdict := map[string]string{}
	for _, part := range strings.Split(string(m[1]), "|") {
		id, rest, _ := strings.Cut(part, ":")
		verdict[id] = rest
	}
	runChromium(t, bin, "--window-size=1280,2200", "--screenshot="+shots[1280], "--no-pdf-header-footer", "--print-to-pdf="+pdf, "file://"+paths.HTML)

	for _, f := range frames {
		t.Run(fmt.Sprintf("no horizontal overflow at %d px in %s", f.Width, docs[f.Src]), func(t *testing.T) {
			v := verdict[f.ID]
			require.Contains(t, v, fmt.Sprintf("innerWidth=%d;", f.Width), "the probe measured another width: %s", v)
			require.Contains(t, v, "overflow=false", "page wider than %d px: %s", f.Width, v)
			require.Contains(t, v, ";wide=;", "tables wider than %d px: %s", f.Width, v)
			require.True(t, strings.HasSuffix(v, ";cut="), "tables cut off in their card (they scroll sideways) at %d px: %s", f.Width, v)
		})
	}
	for _, width := range []int{1280, 390} {
		t.Run(fmt.Sprintf("non-blank with charts at %d px", width), func(t *testing.T) {
			img := decodePNG(t, shots[width])
			require.Equal(t, width, img.Bounds().Dx())
			ink, accent := inkAndAccent(img)
			total := img.Bounds().Dx() * img.Bounds().Dy()
			require.Greater(t, float64(ink)/float64(total), 0.01, "page looks blank: %d dark pixels of %d", ink, total)
			require.Greater(t, accent, 200, "the charts' accent and severity colours do not show (%d pixels)", accent)
			if dst := os.Getenv("AFTERMATH_DIGEST_SHOTS"); dst != "" {
				copyFile(t, shots[width], filepath.Join(dst, filepath.Base(shots[width])))
			}
			if width == 1280 && os.Getenv("AFTERMATH_UPDATE_SCREENSHOT") == "1" {
				writeScreenshot(t, img, "testdata/screenshot.png", 1400)
			}
		})
	}

	t.Run("print to pdf", func(t *testing.T) {
		b, err := os.ReadFile(pdf)
		require.NoError(t, err)
		require.True(t, bytes.HasPrefix(b, []byte("%PDF-")), "not a PDF")
		require.Contains(t, string(b[max(0, len(b)-1024):]), "%%EOF")
		require.Greater(t, len(b), 10_000)
		pages := bytes.Count(b, []byte("/Type /Page")) - bytes.Count(b, []byte("/Type /Pages"))
		require.GreaterOrEqual(t, pages, 2, "a whole month does not fit one page")
		if dst := os.Getenv("AFTERMATH_DIGEST_SHOTS"); dst != "" {
			copyFile(t, pdf, filepath.Join(dst, "digest.pdf"))
		}
	})
}

// writeScreenshot saves the top of a screenshot for the README.
func writeScreenshot(t *testing.T, img image.Image, path string, height int) {
	t.Helper()
	b := img.Bounds()
	top := image.NewRGBA(image.Rect(0, 0, b.Dx(), min(height, b.Dy())))
	draw.Draw(top, top.Bounds(), img, b.Min, draw.Src)
	var buf bytes.Buffer
	require.NoError(t, (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, top))
	require.Less(t, buf.Len(), 300_000, "keep the README screenshot small")
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	return img
}

// inkAndAccent counts dark pixels (text, axes) and pixels in the accent blue
// or the SEV1/SEV2 reds and oranges of the charts.
func inkAndAccent(img image.Image) (ink, accent int) {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			if r < 150 && g < 150 && bl < 150 {
				ink++
			}
			switch {
			case near(r, 0x28) && near(g, 0x59) && near(bl, 0xc5): // accent
				accent++
			case near(r, 0xb4) && near(g, 0x23) && near(bl, 0x18): // SEV1
				accent++
			case near(r, 0xe3) && near(g, 0x62) && near(bl, 0x0b): // SEV2
				accent++
			}
		}
	}
	return ink, accent
}

func near(v, want uint32) bool { return v+12 >= want && v <= want+12 }

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Dir(to), 0o755))
	require.NoError(t, os.WriteFile(to, b, 0o644))
}
