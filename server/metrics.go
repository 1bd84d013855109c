package server

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/updraftsoar/updraft/runtime"
)

var _ runtime.Observer = (*Metrics)(nil)

// Metrics contains the Prometheus metrics of one process. It implements
// runtime.Observer, and the server counts webhook requests into it. A
// Metrics has its own registry, so two servers in one process, as in tests,
// count apart.
type Metrics struct {
	registry *prometheus.Registry
	handler  http.Handler

	runsStarted     *prometheus.CounterVec
	runsEnded       *prometheus.CounterVec
	runDuration     *prometheus.HistogramVec
	stepDuration    *prometheus.HistogramVec
	webhookRequests *prometheus.CounterVec
}

// Histogram buckets in seconds. Runs that wait for a person take hours, so
// the run buckets reach further than the step buckets.
var (
	runDurationBuckets  = []float64{0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 14400}
	stepDurationBuckets = []float64{0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 300}
)

// NewMetrics returns metrics registered in a new registry, together with
// the Go runtime and process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		runsStarted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "updraft_runs_started_total",
			Help: "Runs started, by trigger kind.",
		}, []string{"trigger"}),
		runsEnded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "updraft_runs_ended_total",
			Help: "Runs ended, by final status and trigger kind.",
		}, []string{"status", "trigger"}),
		runDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "updraft_run_duration_seconds",
			Help:    "Duration of ended runs from start to end, waits included, by final status.",
			Buckets: runDurationBuckets,
		}, []string{"status"}),
		stepDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "updraft_step_duration_seconds",
			Help:    "Duration of step attempts, by node type.",
			Buckets: stepDurationBuckets,
		}, []string{"node_type"}),
		webhookRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "updraft_webhook_requests_total",
			Help: "Webhook requests, by HTTP response status code.",
		}, []string{"code"}),
	}
	m.registry.MustRegister(m.runsStarted, m.runsEnded, m.runDuration, m.stepDuration,
		m.webhookRequests, collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.handler = promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
	return m
}

// CountActiveRuns registers the gauge updraft_runs_active, whose value
// count returns at each scrape, such as runtime.Engine.ActiveRuns.
func (m *Metrics) CountActiveRuns(count func() int) {
	m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "updraft_runs_active",
		Help: "Runs that this process executes now, waiting runs included.",
	}, func() float64 { return float64(count()) }))
}

// RunStarted counts a started run.
func (m *Metrics) RunStarted(_ *runtime.Run, triggerKind string) {
	m.runsStarted.WithLabelValues(triggerLabel(triggerKind)).Inc()
}

// RunEnded counts an ended run and observes its duration from its start,
// or from its creation when it never started.
func (m *Metrics) RunEnded(run *runtime.Run, triggerKind string) {
	status := string(run.Status)
	m.runsEnded.WithLabelValues(status, triggerLabel(triggerKind)).Inc()
	if run.EndedAt == nil {
		return
	}
	start := run.CreatedAt
	if run.StartedAt != nil {
		start = *run.StartedAt
	}
	m.runDuration.WithLabelValues(status).Observe(run.EndedAt.Sub(start).Seconds())
}

// StepEnded observes the duration of a step attempt.
func (m *Metrics) StepEnded(step *runtime.Step, nodeType string) {
	if nodeType == "" {
		nodeType = "unknown"
	}
	m.stepDuration.WithLabelValues(nodeType).Observe(step.EndedAt.Sub(*step.StartedAt).Seconds())
}

func triggerLabel(kind string) string {
	if kind == "" {
		return "unknown"
	}
	return kind
}

// countWebhook counts each webhook request by the status code that the
// handler's response or error sets, when the server has metrics.
func (s *Server) countWebhook(next echo.HandlerFunc) echo.HandlerFunc {
	m := s.cfg.Metrics
	if m == nil {
		return next
	}
	return func(c echo.Context) error {
		err := next(c)
		code := c.Response().Status
		if err != nil {
			code = toAPIError(err).Status
		}
		m.webhookRequests.WithLabelValues(strconv.Itoa(code)).Inc()
		return err
	}
}

// serveMetrics writes the metrics in the Prometheus text format, or in
// another format that the Accept header requests and promhttp supports. A
// server without metrics responds 404.
func (s *Server) serveMetrics(c echo.Context) error {
	if s.cfg.Metrics == nil {
		return errorf(http.StatusNotFound, codeNotFound,
			"this server has no metrics; updraft serve provides them")
	}
	s.cfg.Metrics.handler.ServeHTTP(c.Response(), c.Request())
	return nil
}
