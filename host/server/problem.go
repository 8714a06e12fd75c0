package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/seminar-ranker/seminar/core/abi"
	"github.com/seminar-ranker/seminar/host"
	"github.com/seminar-ranker/seminar/host/server/store"
)

// Problem is an RFC 9457 problem document. Module failures carry the module's status code
// and name beside its message, which is the Detail.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	// ModuleStatus is the abi.Status the module (or the same validation run natively)
	// reported; 0 when the failure is not the module's.
	ModuleStatus abi.Status `json:"module_status,omitempty"`
	// ModuleStatusName is ModuleStatus's name, such as "bad input".
	ModuleStatusName string `json:"module_status_name,omitempty"`

	retryAfter time.Duration
	cause      error // for the log, never sent
}

// ProblemBase prefixes every problem type; the fragment names the problem.
const ProblemBase = "https://github.com/seminar-ranker/seminar/blob/main/docs/serve.md#problem-"

func (p *Problem) Error() string { return p.Title + ": " + p.Detail }

func problem(status int, slug, title, detail string) *Problem {
	return &Problem{Type: ProblemBase + slug, Title: title, Status: status, Detail: detail}
}

func badRequest(format string, args ...any) *Problem {
	return problem(http.StatusBadRequest, "bad-request", "Bad request", fmt.Sprintf(format, args...))
}

// invalid is a request that decoded but breaks the ABI's rules: the module's own words, with
// its status.
func invalid(err error) *Problem {
	p := problem(http.StatusUnprocessableEntity, "invalid", "Invalid request", err.Error())
	p.ModuleStatus, p.ModuleStatusName = abi.StatusBadInput, abi.StatusBadInput.String()
	p.cause = err
	return p
}

// codecMismatch is a stored or sent history whose codes another codec made.
type codecMismatch struct {
	got, want uint32
}

func (e *codecMismatch) Error() string {
	return fmt.Sprintf("the history's codes were made by codec %08x and the model's codec is %08x: "+
		"re-send the events (DELETE the history, then POST them) or serve the model that made them", e.got, e.want)
}

// corruptHistory is stored bytes that no longer read as a store.
type corruptHistory struct{ err error }

func (e *corruptHistory) Error() string { return "stored history unreadable: " + e.err.Error() }
func (e *corruptHistory) Unwrap() error { return e.err }

var (
	errSaturated = errors.New("every instance is busy and the queue is full")
	errDraining  = errors.New("the server is shutting down")
)

// toProblem maps an error from any layer to the problem a client gets.
func toProblem(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	var mismatch *codecMismatch
	var corrupt *corruptHistory
	var se *host.StatusError
	var maxBytes *http.MaxBytesError
	switch {
	case errors.As(err, &maxBytes):
		p = problem(http.StatusRequestEntityTooLarge, "too-large", "Body too large",
			"the body exceeds the limit of "+strconv.FormatInt(maxBytes.Limit, 10)+" bytes")
	case errors.Is(err, errSaturated):
		p = problem(http.StatusTooManyRequests, "saturated", "Too many requests", err.Error())
	case errors.Is(err, errDraining):
		p = problem(http.StatusServiceUnavailable, "draining", "Shutting down", err.Error())
	case errors.As(err, &mismatch):
		p = problem(http.StatusConflict, "codec-mismatch", "History made by another codec", err.Error())
	case errors.As(err, &corrupt):
		p = problem(http.StatusInternalServerError, "corrupt-history", "Stored history unreadable", err.Error())
	case errors.As(err, &se):
		p = moduleProblem(se)
	case errors.Is(err, context.DeadlineExceeded):
		p = problem(http.StatusServiceUnavailable, "deadline", "Deadline exceeded",
			"the request did not finish within its deadline")
	case errors.Is(err, context.Canceled):
		// The client went away; nobody reads this, but the metrics count it apart.
		p = problem(499, "canceled", "Client closed the request", "the request was cancelled")
	case errors.Is(err, store.ErrConflict):
		p = problem(http.StatusConflict, "conflict", "Concurrent change",
			"the history kept changing while this request was writing it; try again")
	default:
		p = problem(http.StatusInternalServerError, "internal", "Internal error", "the server failed; see its log")
	}
	if p.Status == http.StatusTooManyRequests || p.Status == http.StatusServiceUnavailable {
		p.retryAfter = time.Second
	}
	p.cause = err
	return p
}

// moduleProblem maps the module's status to HTTP: the caller's fault is 4xx, the instance's
// 5xx (the pool has replaced it already).
func moduleProblem(se *host.StatusError) *Problem {
	var p *Problem
	switch se.Status {
	case abi.StatusBadInput, abi.StatusBadArgument:
		p = problem(http.StatusUnprocessableEntity, "invalid", "Invalid request", se.Message)
	case abi.StatusOutOfMemory:
		p = problem(http.StatusUnprocessableEntity, "too-large", "Beyond the module's memory", se.Message)
	case abi.StatusNotLoaded:
		p = problem(http.StatusServiceUnavailable, "not-loaded", "Model not loaded", se.Message)
	default:
		p = problem(http.StatusInternalServerError, "module", "Module failure", se.Message)
	}
	p.ModuleStatus, p.ModuleStatusName = abi.Status(se.Status), abi.Status(se.Status).String()
	return p
}

// writeProblem sends p as application/problem+json, whatever the request accepted: problem
// documents are JSON (RFC 9457 §3).
func writeProblem(w http.ResponseWriter, r *http.Request, p *Problem) {
	if p.Instance == "" {
		p.Instance = r.URL.Path
	}
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	if p.retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(int(p.retryAfter.Seconds()+0.5)))
	}
	if p.Status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="seminar"`)
	}
	b, _ := json.Marshal(p) // a Problem always encodes
	w.WriteHeader(p.Status)
	_, _ = w.Write(append(b, '\n'))
}
