package ingest

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	catalog "github.com/aftermath-sre/aftermath/metrics"
)

// SourceMetrics are the metrics every ingester keeps about its own runs, the
// catalogue's SourceFamily families of its source (aftermath_<source>_...);
// requests, retries and rate-limit waits come from the httpx transport
// instead. A source adds its own catalogued families next to these in its
// package.
type SourceMetrics struct {
	Source        catalog.Source
	Stored        *prometheus.CounterVec // RecordsStoredTotal, by table
	Unmapped      *prometheus.CounterVec // UnmappedRecordsTotal, by kind
	UnknownEnums  *prometheus.CounterVec // UnknownEnumValuesTotal, by field
	DecodeRetries prometheus.Counter     // DecodeRetriesTotal
	SyncErrors    prometheus.Counter     // SyncErrorsTotal
	LastSuccess   prometheus.Gauge       // LastSuccessTimestampSeconds
	SyncDuration  prometheus.Gauge       // SyncDurationSeconds
}

// NewSourceMetrics builds the metrics of src and registers them with reg
// (nil: not registered). A second call for the same source on the same
// Registerer (a rebuilt ingester) shares the first call's collectors.
func NewSourceMetrics(src catalog.Source, reg prometheus.Registerer) (*SourceMetrics, error) {
	if !src.Valid() {
		return nil, fmt.Errorf("source metrics: %q is not a source of the metrics catalogue", src)
	}
	m := &SourceMetrics{
		Source:        src,
		Stored:        NewCounterVec(catalog.RecordsStoredTotal.For(src)),
		Unmapped:      NewCounterVec(catalog.UnmappedRecordsTotal.For(src)),
		UnknownEnums:  NewCounterVec(catalog.UnknownEnumValuesTotal.For(src)),
		DecodeRetries: NewCounter(catalog.DecodeRetriesTotal.For(src)),
		SyncErrors:    NewCounter(catalog.SyncErrorsTotal.For(src)),
		LastSuccess:   NewGauge(catalog.LastSuccessTimestampSeconds.For(src)),
		SyncDuration:  NewGauge(catalog.SyncDurationSeconds.For(src)),
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

// NewCounterVec is the collector of the catalogued counter family f, with its
// name, help and labels. It panics when f is not a counter, as NewCounter and
// NewGauge do for a family of another type or with labels: the family is a
// constant of the code, and the mistake shows at the first construction.
func NewCounterVec(f catalog.Family) *prometheus.CounterVec {
	mustBe(f, catalog.Counter, true)
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: f.Name(), Help: f.Help()}, f.Labels())
}

// NewCounter is the collector of the catalogued counter family f, which has no
// labels.
func NewCounter(f catalog.Family) prometheus.Counter {
	mustBe(f, catalog.Counter, false)
	return prometheus.NewCounter(prometheus.CounterOpts{Name: f.Name(), Help: f.Help()})
}

// NewGauge is the collector of the catalogued gauge family f, which has no
// labels.
func NewGauge(f catalog.Family) prometheus.Gauge {
	mustBe(f, catalog.Gauge, false)
	return prometheus.NewGauge(prometheus.GaugeOpts{Name: f.Name(), Help: f.Help()})
}

func mustBe(f catalog.Family, typ catalog.Type, labelled bool) {
	if f.Type() != typ || (len(f.Labels()) > 0) != labelled {
		panic(fmt.Sprintf("ingest: %s is a %s with labels %v, which this collector is not", f, f.Type(), f.Labels()))
	}
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
