package main

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/metrics"
)

const module = "github.com/aftermath-sre/aftermath"

// importRules says which packages of this module a package (by prefix) must
// never depend on, directly or not, outside its tests. They are the rules of
// shared/STYLE.md: sources never import each other nor the store; the domain
// imports nothing of the project; analyze, exporter and the digest never
// import ingest or the simulators; only cmd/ wires everything. An empty
// forbidden prefix stands for every package of the module.
var importRules = []struct {
	pkg       string
	forbidden []string
}{
	// The domain is the shared vocabulary: it depends on nothing of ours.
	{"domain", []string{""}},
	// The metrics catalogue is the contract between what writes a family
	// and what shows it: it depends on nothing of ours.
	{"metrics", []string{""}},
	// A source speaks its vendor and the domain; it reaches the store only
	// through the interface package ingest defines.
	{"ingest/pagerduty", []string{"ingest/jira", "store", "analyze", "exporter", "digest", "simulate", "cmd"}},
	{"ingest/jira", []string{"ingest/pagerduty", "store", "analyze", "exporter", "digest", "simulate", "cmd"}},
	{"ingest", []string{"store", "analyze", "exporter", "digest", "simulate", "cmd"}},
	{"analyze", []string{"ingest", "simulate", "exporter", "digest", "cmd"}},
	{"exporter", []string{"ingest", "simulate", "digest", "cmd"}},
	{"digest", []string{"ingest", "simulate", "exporter", "cmd"}},
	{"dashboards", []string{"ingest", "simulate", "analyze", "store", "digest", "cmd"}},
	{"store", []string{"ingest", "analyze", "exporter", "digest", "simulate", "config", "dashboards", "cmd"}},
	{"simulate", []string{"ingest", "store", "analyze", "exporter", "digest", "cmd"}},
	{"postmortem", []string{"ingest", "store", "analyze", "exporter", "digest", "simulate", "config", "cmd"}},
	{"config", []string{"ingest", "store", "analyze", "exporter", "digest", "simulate", "dashboards", "cmd"}},
}

// fixtures are test fixtures: packages that only tests import (checked
// below), so they may join what the rules keep apart. simulate/orgstore
// writes a simulated organization into the store as the ingesters would.
var fixtures = []string{"simulate/orgstore"}

func within(path, prefix string) bool {
	if prefix == "" {
		return strings.HasPrefix(path, module+"/")
	}
	full := module + "/" + prefix
	return path == full || strings.HasPrefix(path, full+"/")
}

func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-json=ImportPath,Deps", module+"/...").Output()
	require.NoError(t, err, "go list")
	dec := json.NewDecoder(strings.NewReader(string(out)))
	checked := 0
	for {
		var p struct {
			ImportPath string
			Deps       []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else {
			require.NoError(t, err)
		}
		fixture := false
		for _, f := range fixtures {
			fixture = fixture || within(p.ImportPath, f)
			for _, dep := range p.Deps {
				if within(dep, f) {
					t.Errorf("%s must not depend on %s: a test fixture, for tests only", p.ImportPath, dep)
				}
			}
		}
		for _, r := range importRules {
			if fixture || !within(p.ImportPath, r.pkg) {
				continue
			}
			// ingest/pagerduty is also "ingest": a source's own sub-tree is allowed.
			for _, dep := range p.Deps {
				for _, f := range r.forbidden {
					if within(dep, f) && !within(dep, r.pkg) {
						t.Errorf("%s must not depend on %s (rule: %s never imports %s)", p.ImportPath, dep, r.pkg, f)
					}
				}
			}
			checked++
		}
	}
	require.Positive(t, checked, "no package was checked: the rules name no existing package")
}

func TestImportRulesCatchAViolation(t *testing.T) {
	// The rule matcher itself: a PagerDuty package depending on the Jira one
	// must be flagged, its own sub-packages must not.
	require.True(t, within(module+"/ingest/jira/internal/x", "ingest/jira"))
	require.False(t, within(module+"/ingest/jiraish", "ingest/jira"))
	require.True(t, within(module+"/ingest/httpx", "ingest"))
	// The empty prefix (the domain's rule) matches every package of the
	// module, and nothing outside it.
	require.True(t, within(module+"/store", ""))
	require.False(t, within("github.com/stretchr/testify/require", ""))
}

// A catalogued family is spelled once, in package metrics: no string literal
// of another package's (non-test) Go code names one, nor a part to build one
// from (a prefix such as "aftermath_", or what follows aftermath_<source>_ in
// an ingest family's name). Comments may.
func TestFamilyNamesSpelledOnlyInTheCatalogue(t *testing.T) {
	name := regexp.MustCompile(`\baftermath_[a-z0-9_]+`)
	files := 0
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "node_modules") {
				return filepath.SkipDir
			}
			if path == filepath.Join(root, "metrics") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		files++
		for _, lit := range stringLiterals(t, path) {
			for _, n := range name.FindAllString(lit.text, -1) {
				if f, ok := metrics.ByName(n); ok {
					t.Errorf("%s:%d spells %s in a string; refer to the family through package metrics instead", path, lit.line, f)
				}
			}
			if text, err := strconv.Unquote(lit.text); err == nil {
				if part := familyNamePart(text); part != "" {
					t.Errorf("%s:%d spells %q, a part of %s, in a string; refer to the family through package metrics instead", path, lit.line, text, part)
				}
			}
		}
		return nil
	})
	require.NoError(t, err)
	require.Greater(t, files, 50)
}

// familyNamePart is the family whose name text would build: a prefix
// ending in "_" ("aftermath_", "aftermath_jira_"), or what follows
// aftermath_<source>_ in an ingest family's name ("records_stored_total");
// empty when text is none.
func familyNamePart(text string) string {
	for _, f := range metrics.All() {
		name := f.Name()
		if strings.HasSuffix(text, "_") && strings.HasPrefix(name, text) {
			return name
		}
		if s := f.Source(); s != "" && text == strings.TrimPrefix(name, metrics.Namespace+"_"+string(s)+"_") {
			return name
		}
	}
	return ""
}

func TestFamilyNamePart(t *testing.T) {
	require.Equal(t, "aftermath_jira_changelogs_completed_total", familyNamePart("aftermath_jira_"))
	require.NotEmpty(t, familyNamePart("aftermath_"))
	require.Equal(t, "aftermath_jira_records_stored_total", familyNamePart("records_stored_total"), "the first of the families it is a part of")
	require.Equal(t, "aftermath_pagerduty_window_repasses_total", familyNamePart("window_repasses_total"))
	for _, text := range []string{"aftermath", "aftermath_test", "jira", "records", "incidents", "_total", ""} {
		require.Empty(t, familyNamePart(text), text)
	}
}

type literal struct {
	line int
	text string
}

func stringLiterals(t *testing.T, path string) []literal {
	src, err := os.ReadFile(path)
	require.NoError(t, err)
	fset := token.NewFileSet()
	file := fset.AddFile(path, -1, len(src))
	var s scanner.Scanner
	s.Init(file, src, func(pos token.Position, msg string) { t.Errorf("%s: %s", pos, msg) }, 0)
	var out []literal
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			return out
		}
		if tok == token.STRING {
			out = append(out, literal{fset.Position(pos).Line, lit})
		}
	}
}

// Only package store (and its test helpers) talks SQL: no non-test Go file
// elsewhere calls the store's Conn(), so the schema is known in one place
// and every read can be changed (a cluster, an aggregation) behind a method.
func TestNoConnOutsideTheStore(t *testing.T) {
	root := filepath.Join("..", "..")
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "node_modules") {
				return filepath.SkipDir
			}
			if path == filepath.Join(root, "store") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		files++
		for _, line := range connCalls(t, path) {
			t.Errorf("%s:%d calls Conn(): read and write through a store method instead", path, line)
		}
		return nil
	})
	require.NoError(t, err)
	require.Greater(t, files, 50)
	require.Equal(t, []int{3}, connCalls(t, writeTemp(t, "package x\n\nfunc f() { _ = st.Conn().Query }\n")), "the check finds a call")
}

// connCalls are the lines of path with a call of a method named Conn.
func connCalls(t *testing.T, path string) []int {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	require.NoError(t, err)
	var lines []int
	ast.Inspect(f, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok {
			if sel, ok := c.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Conn" {
				lines = append(lines, fset.Position(c.Pos()).Line)
			}
		}
		return true
	})
	return lines
}

func writeTemp(t *testing.T, src string) string {
	p := filepath.Join(t.TempDir(), "x.go")
	require.NoError(t, os.WriteFile(p, []byte(src), 0o644))
	return p
}
