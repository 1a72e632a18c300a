// Package devdata finds the shared data files the real-data evaluation tests
// read at test time (shared/data beside the checkout: labeled public
// postmortems whose texts are never copied into the repository).
package devdata

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Lookup returns the path of shared/data/name, found walking up from the
// working directory, or "" when there is none.
func Lookup(name string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "shared", "data", name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", nil
		}
		dir = parent
	}
}

// Path is Lookup for a test: without the file the test is skipped, or fails
// when AFTERMATH_REQUIRE_DATA=1.
func Path(t testing.TB, name string) string {
	t.Helper()
	p, err := Lookup(name)
	if err != nil {
		t.Fatalf("devdata: %v", err)
	}
	if p == "" {
		if os.Getenv("AFTERMATH_REQUIRE_DATA") == "1" {
			t.Fatalf("shared/data/%s not found above the working directory and AFTERMATH_REQUIRE_DATA=1", name)
		}
		t.Skipf("shared/data/%s not found above the working directory; skipping the real-data evaluation", name)
	}
	return p
}

// Records reads shared/data/name, one JSON object a line, each into a T; the
// test is skipped without the file (see Path).
func Records[T any](t testing.TB, name string) []T {
	t.Helper()
	return ReadRecords[T](t, Path(t, name))
}

// ReadRecords reads the JSON-lines file at path, each line into a T; a line
// that does not decode fails the test with its number.
func ReadRecords[T any](t testing.TB, path string) []T {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("devdata: %v", err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for line := 1; sc.Scan(); line++ {
		var r T
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("devdata: %s line %d: %v", path, line, err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("devdata: read %s: %v", path, err)
	}
	return out
}
