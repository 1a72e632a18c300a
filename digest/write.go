package digest

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"html"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Paths are the files Write wrote.
type Paths struct {
	HTML     string
	Markdown string
	Index    string
}

// FileBase is a digest's file name without extension: "2026-10" for the
// organization, "2026-10-payments" for a team (the team's name as a slug).
func FileBase(month, team string) string {
	if team == "" {
		return month
	}
	return month + "-" + slug(team)
}

// slug keeps ASCII letters and digits, lowercased, with single dashes
// between words. A name with nothing left becomes "team-" and a hash.
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	if b.Len() == 0 {
		h := fnv.New32a()
		_, _ = h.Write([]byte(name))
		return fmt.Sprintf("team-%08x", h.Sum32())
	}
	return b.String()
}

// Write renders the digest and writes DIR/<FileBase>.html and .md
// atomically (a temporary file renamed into place), then refreshes
// DIR/index.html. Nothing is written when rendering fails.
func Write(ctx context.Context, d *Digest, dir string) (Paths, error) {
	if d == nil {
		return Paths{}, fmt.Errorf("digest: write: nil digest")
	}
	html, err := RenderHTML(d)
	if err != nil {
		return Paths{}, err
	}
	mdText, err := RenderMarkdown(d)
	if err != nil {
		return Paths{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Paths{}, fmt.Errorf("digest: create %s: %w", dir, err)
	}
	base := FileBase(d.Month, d.Team)
	p := Paths{HTML: filepath.Join(dir, base+".html"), Markdown: filepath.Join(dir, base+".md"), Index: filepath.Join(dir, "index.html")}
	for _, f := range []struct {
		path string
		data []byte
	}{{p.HTML, html}, {p.Markdown, mdText}} {
		if err := ctx.Err(); err != nil {
			return Paths{}, fmt.Errorf("digest: write %s: %w", f.path, err)
		}
		if err := writeAtomic(f.path, f.data); err != nil {
			return Paths{}, err
		}
	}
	if err := WriteIndex(dir); err != nil {
		return p, err
	}
	return p, nil
}

func writeAtomic(path string, data []byte) error {
	dir, name := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return fmt.Errorf("digest: write %s: %w", path, err)
	}
	done := false
	defer func() {
		if !done {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("digest: write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("digest: sync %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("digest: close %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("digest: chmod %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("digest: rename into %s: %w", path, err)
	}
	done = true
	return nil
}

var digestFile = regexp.MustCompile(`^(\d{4}-\d{2})(?:-([a-z0-9-]+))?\.html$`)

// Entry is one digest listed in a folder.
type Entry struct {
	Month    string
	Team     string // the team's slug; "" for the organization
	TeamName string // the team's name as the page states it, else the slug
	HTML     string // file name
	Markdown string // file name, "" when absent
}

// List returns the digests in dir, newest month first, the organization's
// before teams.
func List(dir string) ([]Entry, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("digest: list %s: %w", dir, err)
	}
	names := map[string]bool{}
	for _, de := range des {
		names[de.Name()] = true
	}
	var out []Entry
	for _, de := range des {
		m := digestFile.FindStringSubmatch(de.Name())
		if m == nil || de.IsDir() {
			continue
		}
		if _, err := ParseMonth(m[1]); err != nil {
			continue
		}
		e := Entry{Month: m[1], Team: m[2], HTML: de.Name()}
		if e.Team != "" {
			e.TeamName = teamNameOf(filepath.Join(dir, de.Name()), e.Team)
		}
		if md := strings.TrimSuffix(de.Name(), ".html") + ".md"; names[md] {
			e.Markdown = md
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Month != out[j].Month {
			return out[i].Month > out[j].Month
		}
		if (out[i].Team == "") != (out[j].Team == "") {
			return out[i].Team == ""
		}
		return out[i].Team < out[j].Team
	})
	return out, nil
}

var teamMeta = regexp.MustCompile(`<meta name="aftermath-team" content="([^"]*)">`)

// teamNameOf reads the team's name from the head of a team digest page,
// falling back to the slug.
func teamNameOf(path, slug string) string {
	f, err := os.Open(path)
	if err != nil {
		return slug
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f, head)
	if m := teamMeta.FindSubmatch(head[:n]); m != nil {
		if name := strings.TrimSpace(html.UnescapeString(string(m[1]))); name != "" {
			return name
		}
	}
	return slug
}

// LastWritten returns the newest month with an organization digest in dir,
// "" when there is none.
func LastWritten(dir string) (string, error) {
	es, err := List(dir)
	if err != nil {
		return "", err
	}
	for _, e := range es {
		if e.Team == "" {
			return e.Month, nil
		}
	}
	return "", nil
}

type indexMonth struct {
	Name    string
	Entries []Entry
}

// WriteIndex (re)writes DIR/index.html listing every digest in the folder.
func WriteIndex(dir string) error {
	es, err := List(dir)
	if err != nil {
		return err
	}
	var months []indexMonth
	for _, e := range es {
		if len(months) == 0 || months[len(months)-1].Name != monthName(e.Month) {
			months = append(months, indexMonth{Name: monthName(e.Month)})
		}
		months[len(months)-1].Entries = append(months[len(months)-1].Entries, e)
	}
	t, err := parse("index", indexTmpl)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, struct {
		Entries []Entry
		Months  []indexMonth
	}{es, months}); err != nil {
		return fmt.Errorf("digest: render index: %w", err)
	}
	return writeAtomic(filepath.Join(dir, "index.html"), buf.Bytes())
}
