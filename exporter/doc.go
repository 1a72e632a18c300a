// Package exporter shows Aftermath's findings to Prometheus.
//
// It follows the Prometheus guide "Writing exporters" and mysqld_exporter:
// every descriptor is built once, when the Exporter is made, from the
// metrics catalogue (package metrics); values are emitted with
// MustNewConstMetric at scrape time from the latest successful analysis run.
// The run's series are built once and kept in memory keyed by run id, so a
// scrape costs one small ClickHouse query (which run is latest?) plus sending
// the cached series; the results are re-read only when a newer run succeeds.
//
// Self metrics say whether a scrape could do its job: aftermath_up,
// aftermath_clickhouse_up, aftermath_collector_success{collector},
// aftermath_collector_duration_seconds{collector},
// aftermath_ingest_last_success_timestamp_seconds{source} and
// aftermath_analysis_last_success_timestamp_seconds. When ClickHouse is down,
// /metrics still answers with these saying so, and so it does when ClickHouse
// hangs: a scrape gives up on ClickHouse before Prometheus gives up on the
// scrape (the X-Prometheus-Scrape-Timeout-Seconds header, see MetricsHandler).
//
// Handler serves /metrics, /healthz, /readyz and a landing page; Serve runs it
// through exporter-toolkit (--web.listen-address, --web.config.file for TLS
// and basic auth).
package exporter
