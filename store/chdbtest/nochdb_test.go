//go:build !chdb

package chdbtest

import (
	"os"
	"testing"
)

// TestModernClickHouse needs the "chdb" build tag (see the package comment).
func TestModernClickHouse(t *testing.T) {
	const msg = "built without -tags chdb: the replay on libchdb (ClickHouse 26.x) did not run; `make test` installs the library and passes the tag"
	if os.Getenv("AFTERMATH_REQUIRE_TOOLS") == "1" {
		t.Fatal(msg + " (AFTERMATH_REQUIRE_TOOLS=1)")
	}
	t.Skip(msg)
}
