package httpx

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	catalog "github.com/aftermath-sre/aftermath/metrics"
)

// metrics are shared by every Transport registered with the same Registerer;
// the source label tells them apart.
type metrics struct {
	requests        *prometheus.CounterVec
	retries         *prometheus.CounterVec
	errors          *prometheus.CounterVec
	rateWaits       *prometheus.CounterVec
	rateWaitSeconds *prometheus.CounterVec
}

// counterVec is the counter family f of the metrics catalogue.
func counterVec(f catalog.Family) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: f.Name(), Help: f.Help()}, f.Labels())
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests:        counterVec(catalog.HTTPRequestsTotal),
		retries:         counterVec(catalog.HTTPRetriesTotal),
		errors:          counterVec(catalog.HTTPErrorsTotal),
		rateWaits:       counterVec(catalog.HTTPRateLimitWaitsTotal),
		rateWaitSeconds: counterVec(catalog.HTTPRateLimitWaitSecondsTotal),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []**prometheus.CounterVec{&m.requests, &m.retries, &m.errors, &m.rateWaits, &m.rateWaitSeconds} {
		if err := reg.Register(*c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, err
			}
			existing, ok := are.ExistingCollector.(*prometheus.CounterVec)
			if !ok {
				return nil, err
			}
			*c = existing
		}
	}
	return m, nil
}

func (m *metrics) request(source, endpoint, status string) {
	m.requests.WithLabelValues(source, endpoint, status).Inc()
}
