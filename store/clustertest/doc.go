// Package clustertest runs Aftermath's store and analysis on a real ClickHouse
// cluster (ZooKeeper and 2 shards x 2 replicas of clickhouse-server, started by
// store/chtest) and compares with a single server. It has only tests.
package clustertest
