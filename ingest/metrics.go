package ingest

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// SourceMetricsOptions names one source's metrics and words their help.
type SourceMetricsOptions struct {
	// Source is the metric name part: aftermath_<Source>_records_stored_total.
	Source string
	// DisplayName is how the help texts call the source ("PagerDuty").
	DisplayName string
	// StoredTables lists the values of the table label of records_stored_total
	// for its help text ("incident, timeline_event, raw_document").
	StoredTables string

	// Help texts whose wording differs between sources. Empty means the
	// default, which names the source by DisplayName where it needs to.
	UnmappedHelp      string // default: "<DisplayName> records skipped because they could not be mapped, by kind."
	UnknownEnumsHelp  string // default: "Values <DisplayName> sent that Aftermath does not know (stored as unknown), by field."
	DecodeRetriesHelp string // default: "Responses fetched again because their body could not be decoded."
}

// SourceMetrics are the metrics every ingester keeps about its own runs,
// named aftermath_<source>_...; requests, retries and rate-limit waits come
// from the httpx transport instead. A source adds its own metrics next to
// these in its package.
type SourceMetrics struct {
	Stored        *prometheus.CounterVec // by table
	Unmapped      *prometheus.CounterVec // by kind
	UnknownEnums  *prometheus.CounterVec // by field
	DecodeRetries prometheus.Counter
	SyncErrors    prometheus.Counter
	LastSuccess   prometheus.Gauge
	SyncDuration  prometheus.Gauge
}

// NewSourceMetrics builds one source's metrics and registers them with reg
// (nil: not registered). A second call for the same source on the same
// Registerer (a rebuilt ingester) shares the first call's collectors.
func NewSourceMetrics(opts SourceMetricsOptions, reg prometheus.Registerer) (*SourceMetrics, error) {
	if opts.Source == "" || opts.DisplayName == "" {
		return nil, errors.New("source metrics: source and display name are required")
	}
	if opts.UnmappedHelp == "" {
		opts.UnmappedHelp = opts.DisplayName + " records skipped because they could not be mapped, by kind."
	}
	if opts.UnknownEnumsHelp == "" {
		opts.UnknownEnumsHelp = "Values " + opts.DisplayName + " sent that Aftermath does not know (stored as unknown), by field."
	}
	if opts.DecodeRetriesHelp == "" {
		opts.DecodeRetriesHelp = "Responses fetched again because their body could not be decoded."
	}
	name := func(s string) string { return "aftermath_" + opts.Source + "_" + s }
	m := &SourceMetrics{
		Stored: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: name("records_stored_total"),
			Help: fmt.Sprintf("Rows stored by the %s ingester, by table (%s).", opts.DisplayName, opts.StoredTables),
		}, []string{"table"}),
		Unmapped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: name("unmapped_records_total"),
			Help: opts.UnmappedHelp,
		}, []string{"kind"}),
		UnknownEnums: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: name("unknown_enum_values_total"),
			Help: opts.UnknownEnumsHelp,
		}, []string{"field"}),
		DecodeRetries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: name("decode_retries_total"),
			Help: opts.DecodeRetriesHelp,
		}),
		SyncErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: name("sync_errors_total"),
			Help: opts.DisplayName + " syncs that failed.",
		}),
		LastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: name("last_success_timestamp_seconds"),
			Help: "When the last successful " + opts.DisplayName + " sync finished (Unix time).",
		}),
		SyncDuration: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: name("sync_duration_seconds"),
			Help: "How long the last " + opts.DisplayName + " sync took.",
		}),
	}
	if err := errors.Join(
		Register(reg, &m.Stored),
		Register(reg, &m.Unmapped),
		Register(reg, &m.UnknownEnums),
		Register(reg, &m.DecodeRetries),
		Register(reg, &m.SyncErrors),
		Register(reg, &m.LastSuccess),
		Register(reg, &m.SyncDuration),
	); err != nil {
		return nil, err
	}
	return m, nil
}

// Register registers *c with reg (nil: does nothing). If reg already holds an
// identical collector (same type, names, help and labels), *c becomes that
// one, so both writers update the same series; any other conflict is an
// error.
func Register[C prometheus.Collector](reg prometheus.Registerer, c *C) error {
	if reg == nil {
		return nil
	}
	err := reg.Register(*c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			*c = existing
			return nil
		}
	}
	return err
}
