// Package devdata finds the shared data files the real-data evaluation tests
// read at test time (shared/data beside the checkout: labeled public
// postmortems whose texts are never copied into the repository).
package devdata

import (
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
