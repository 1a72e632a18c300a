package httpx

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
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

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aftermath_http_requests_total",
			Help: "HTTP requests sent to a source API (every attempt), by endpoint template and status code (\"error\" when no response came).",
		}, []string{"source", "endpoint", "status"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aftermath_http_retries_total",
			Help: "HTTP requests retried, by endpoint template and reason (429, 5xx, timeout, network).",
		}, []string{"source", "endpoint", "reason"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aftermath_http_errors_total",
			Help: "HTTP requests that finally failed, by endpoint template and kind (status, 429, 5xx, timeout, network, canceled, body, too_large).",
		}, []string{"source", "endpoint", "kind"}),
		rateWaits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aftermath_http_rate_limit_waits_total",
			Help: "Times a request waited for the request budget or a server rate limit.",
		}, []string{"source"}),
		rateWaitSeconds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aftermath_http_rate_limit_wait_seconds_total",
			Help: "Time spent waiting for the request budget or a server rate limit.",
		}, []string{"source"}),
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
