package server

import (
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the server's Prometheus series, registered on the Config's registry (never
// the global one, so that tests and several servers in one process do not collide).
type metrics struct {
	requests    *prometheus.CounterVec   // route, code
	duration    *prometheus.HistogramVec // route
	inflight    prometheus.Gauge
	admitted    prometheus.Gauge
	storeOps    *prometheus.HistogramVec // op
	appended    prometheus.Counter
	conflicts   prometheus.Counter
	compactions prometheus.Counter
	reloads     *prometheus.CounterVec // result
	model       *prometheus.GaugeVec   // name, codec
}

func newMetrics(reg prometheus.Registerer, private bool) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "seminar_http_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "seminar_http_request_duration_seconds", Help: "Time to answer a request, by route.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"route"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "seminar_http_inflight_requests", Help: "Requests being answered.",
		}),
		admitted: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "seminar_admitted_requests", Help: "Requests holding or waiting for an instance.",
		}),
		storeOps: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "seminar_store_op_duration_seconds", Help: "Time of store operations (load, append, compact, delete).",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
		}, []string{"op"}),
		appended: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "seminar_events_appended_total", Help: "Events appended to stored histories.",
		}),
		conflicts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "seminar_append_conflicts_total", Help: "Appends retried because another writer extended the history first.",
		}),
		compactions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "seminar_compactions_total", Help: "Histories rewritten as one snapshot.",
		}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "seminar_model_reloads_total", Help: "Model reloads by result (ok, refused).",
		}, []string{"result"}),
		model: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "seminar_model_info", Help: "The model being served (value 1), by name and codec checksum.",
		}, []string{"name", "codec"}),
	}
	cs := []prometheus.Collector{m.requests, m.duration, m.inflight, m.admitted, m.storeOps, m.appended,
		m.conflicts, m.compactions, m.reloads, m.model}
	if private {
		cs = append(cs, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("server: metrics: %w", err)
		}
	}
	return m, nil
}

func (m *metrics) setModel(old, next *modelSet) {
	if old != nil {
		m.model.DeleteLabelValues(old.name, codecLabel(old))
	}
	m.model.WithLabelValues(next.name, codecLabel(next)).Set(1)
}

func codecLabel(ms *modelSet) string { return fmt.Sprintf("%08x", ms.info.Codec) }

func (m *metrics) observe(route string, code int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

// timeStore runs a store operation and records its time.
func (s *Server) timeStore(op string, fn func() error) error {
	start := time.Now()
	err := fn()
	s.metrics.storeOps.WithLabelValues(op).Observe(time.Since(start).Seconds())
	return err
}
