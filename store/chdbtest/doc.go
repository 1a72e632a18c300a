// Package chdbtest proves Aftermath's SQL on a modern ClickHouse: it records
// every statement the store and the analyzers send to the reference server
// (clickhouse-server 18.16, started by store/chtest), replays them in order
// on libchdb (ClickHouse 26.x in process, from npm's @chdb/lib-linux-x64-gnu,
// loaded by github.com/chdb-io/chdb-go), and compares every read's rows.
//
// The replay needs the library, so it is built only with the build tag
// "chdb" (`make test` installs the library, sets CHDB_LIB_PATH and passes the
// tag): chdb-go opens the library when the test binary starts and panics
// when it is missing. Without the tag the test skips, or fails when
// AFTERMATH_REQUIRE_TOOLS=1.
package chdbtest
