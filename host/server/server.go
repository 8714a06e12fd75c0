package server

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/seminar-ranker/seminar/core/abi"
)

// Server is the HTTP API. Make one with New, serve Handler (or call Serve), and Close it.
type Server struct {
	cfg     Config
	metrics *metrics
	mux     *http.ServeMux

	modelMu  sync.RWMutex
	model    *modelSet
	retiring sync.WaitGroup // replaced model sets still draining

	admit    chan struct{} // one token per request holding or awaiting an instance
	draining atomic.Bool

	seed  maphash.Seed
	locks [256]sync.Mutex // striped per-user write locks
}

// New loads the model into a first instance and returns a Server.
func New(ctx context.Context, cfg Config) (*Server, error) {
	private := cfg.Registerer == nil
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	m, err := newMetrics(cfg.Registerer, private)
	if err != nil {
		return nil, err
	}
	ms, err := newModelSet(ctx, cfg.Runtime, cfg.Model, cfg.ModelName, cfg.PoolSize)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg: cfg, metrics: m, model: ms, seed: maphash.MakeSeed(),
		admit: make(chan struct{}, cfg.PoolSize+cfg.Queue),
	}
	m.setModel(nil, ms)
	s.routes()
	return s, nil
}

// Handler returns the server's routes.
func (s *Server) Handler() http.Handler { return s.mux }

// Model returns the description of the model being served.
func (s *Server) Model() abi.ModelInfo {
	m, release := s.acquire()
	defer release()
	return m.info
}

// Serve answers on ln until ctx is done, then shuts down gracefully: readiness fails at once,
// the listener closes, and requests in flight get up to grace to finish.
func (s *Server) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	hs := &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: 10 * time.Second,
		// The body read and the work share the request's deadline; these only stop a client
		// that trickles bytes from holding a connection forever.
		ReadTimeout:  s.cfg.Limits.Timeout + 10*time.Second,
		WriteTimeout: s.cfg.Limits.Timeout + 10*time.Second,
		IdleTimeout:  2 * time.Minute,
		BaseContext:  func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	s.draining.Store(true)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := hs.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		return fmt.Errorf("server: shutdown: %w", err)
	}
	return nil
}

// Close closes the model's pool once its requests are done. It does not close the Runtime or
// the Store, which the caller made.
func (s *Server) Close(ctx context.Context) error {
	s.draining.Store(true)
	s.modelMu.Lock()
	m := s.model
	s.modelMu.Unlock()
	s.retiring.Wait()
	m.refs.Wait()
	return m.pool.Close(ctx)
}

// admitOrRefuse takes an admission token, or fails at once when PoolSize+Queue requests hold
// them: waiting without bound is what turns overload into timeouts for everyone.
func (s *Server) admitOrRefuse() (func(), error) {
	if s.draining.Load() {
		return nil, errDraining
	}
	select {
	case s.admit <- struct{}{}:
		s.metrics.admitted.Inc()
		return func() { <-s.admit; s.metrics.admitted.Dec() }, nil
	default:
		return nil, errSaturated
	}
}

// statusWriter records the status a handler wrote, for the metrics.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// handle registers a route: the methods it answers (others get 405), its access rule and,
// for work that needs an instance, admission and the deadline. Handlers return an error
// rather than write one, so that every failure becomes a problem document in one place.
func (s *Server) handle(pattern, route string, access accessRule, admit bool, methods map[string]handlerFunc) {
	allow := ""
	for m := range methods {
		if allow != "" {
			allow += ", "
		}
		allow += m
	}
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		s.metrics.inflight.Inc()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				// A handler bug must cost one request, not the process.
				s.cfg.Logger.Error("panic in handler", "route", route, "panic", v)
				if sw.code == 0 {
					writeProblem(sw, r, toProblem(fmt.Errorf("panic: %v", v)))
				}
			}
			s.metrics.inflight.Dec()
			s.metrics.observe(route, sw.code, time.Since(start))
		}()
		if err := s.serve(sw, r, access, admit, methods, allow); err != nil {
			p := toProblem(err)
			if p.Status >= 500 {
				s.cfg.Logger.Error("request failed", "route", route, "path", r.URL.Path, "err", p.cause)
			}
			writeProblem(sw, r, p)
		}
	})
}

type handlerFunc func(w http.ResponseWriter, r *http.Request, c *call) error

// call is what a handler gets besides the request: the model set it runs on and the
// request's context with its deadline.
type call struct {
	ctx   context.Context
	model *modelSet
	user  string
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, access accessRule, admit bool,
	methods map[string]handlerFunc, allow string) error {
	h, ok := methods[r.Method]
	if !ok {
		w.Header().Set("Allow", allow)
		return problem(http.StatusMethodNotAllowed, "method", "Method not allowed", r.Method+"; this route allows "+allow)
	}
	user, err := s.authorize(r, access)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.Limits.Timeout)
	defer cancel()
	if admit {
		release, err := s.admitOrRefuse()
		if err != nil {
			return err
		}
		defer release()
	}
	m, release := s.acquire()
	defer release()
	return h(w, r.WithContext(ctx), &call{ctx: ctx, model: m, user: user})
}

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	s.handle("/v1/users/{id}/events", "events", userOnly, true, map[string]handlerFunc{http.MethodPost: s.postEvents})
	s.handle("/v1/users/{id}/rank", "user_rank", userOnly, true, map[string]handlerFunc{http.MethodPost: s.postUserRank})
	s.handle("/v1/users/{id}/history", "history", userOnly, true, map[string]handlerFunc{
		http.MethodGet: s.getHistory, http.MethodDelete: s.deleteHistory,
	})
	s.handle("/v1/rank", "rank", anyToken, true, map[string]handlerFunc{http.MethodPost: s.postRank})
	s.handle("/v1/model", "model", anyToken, false, map[string]handlerFunc{http.MethodGet: s.getModel})
	s.handle("/v1/admin/model", "admin_model", adminOnly, false, map[string]handlerFunc{http.MethodPost: s.postModel})
	s.handle("/healthz", "healthz", public, false, map[string]handlerFunc{http.MethodGet: s.healthz})
	s.handle("/readyz", "readyz", public, false, map[string]handlerFunc{http.MethodGet: s.readyz})
	metricsHandler := promhttp.HandlerFor(s.cfg.Gatherer, promhttp.HandlerOpts{})
	s.handle("/metrics", "metrics", public, false, map[string]handlerFunc{
		http.MethodGet: func(w http.ResponseWriter, r *http.Request, _ *call) error {
			metricsHandler.ServeHTTP(w, r)
			return nil
		},
	})
	s.handle("/", "not_found", public, false, map[string]handlerFunc{
		http.MethodGet: notFound, http.MethodPost: notFound, http.MethodPut: notFound,
		http.MethodDelete: notFound, http.MethodPatch: notFound, http.MethodHead: notFound,
	})
}

func notFound(_ http.ResponseWriter, r *http.Request, _ *call) error {
	return problem(http.StatusNotFound, "not-found", "Not found", "no route "+r.URL.Path)
}
