// Package ingesttest holds test helpers shared by the ingest packages.
package ingesttest

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// Describing is a prometheus.Registerer that records the descriptors of
// what is registered with it (as Desc.String()), so a test can compare what
// a package registers with the metrics catalogue. It registers nothing.
type Describing struct {
	mu    sync.Mutex
	Descs []string
}

// Register records c's descriptors.
func (d *Describing) Register(c prometheus.Collector) error {
	ch := make(chan *prometheus.Desc)
	go func() { c.Describe(ch); close(ch) }()
	d.mu.Lock()
	defer d.mu.Unlock()
	for desc := range ch {
		d.Descs = append(d.Descs, desc.String())
	}
	return nil
}

// MustRegister records every collector's descriptors.
func (d *Describing) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		_ = d.Register(c)
	}
}

// Unregister does nothing: Describing holds no collector.
func (d *Describing) Unregister(prometheus.Collector) bool { return false }
