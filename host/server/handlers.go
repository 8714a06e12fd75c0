package server

import (
	"errors"
	"net/http"

	"github.com/seminar-ranker/seminar/core/abi"
	"github.com/seminar-ranker/seminar/host"
	"github.com/seminar-ranker/seminar/host/server/auth"
)

// accessRule says which tokens open a route.
type accessRule int

const (
	public    accessRule = iota // no token
	anyToken                    // any valid user or admin token
	userOnly                    // a token for the {id} of the path, and no other
	adminOnly                   // an admin token
)

// MaxUserIDBytes bounds a user id.
const MaxUserIDBytes = 128

// ValidUserID reports whether id can name a user: 1 to 128 bytes of letters, digits and
// "._@-". Braces, colons and slashes are out, so that an id can neither escape the Redis hash
// tag nor a path segment.
func ValidUserID(id string) bool {
	if id == "" || len(id) > MaxUserIDBytes {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '@', c == '-':
		default:
			return false
		}
	}
	return true
}

// authorize checks the request's token against the rule: 401 without a valid token, 403 with
// a valid one that does not open this route. It returns the path's user id for userOnly.
func (s *Server) authorize(r *http.Request, rule accessRule) (string, error) {
	if rule == public {
		return "", nil
	}
	token, err := auth.FromRequest(r)
	if err != nil {
		return "", problem(http.StatusUnauthorized, "unauthorized", "Unauthorized", "send Authorization: Bearer <token>")
	}
	claims, err := s.cfg.Signer.Verify(token)
	if err != nil {
		detail := "the token is not valid"
		if errors.Is(err, auth.ErrExpired) {
			detail = "the token has expired"
		}
		return "", problem(http.StatusUnauthorized, "unauthorized", "Unauthorized", detail)
	}
	switch rule {
	case adminOnly:
		if !claims.Admin {
			return "", problem(http.StatusForbidden, "forbidden", "Forbidden", "this route needs an admin token")
		}
	case userOnly:
		id := r.PathValue("id")
		// The same answer whether or not the user exists, so that a token cannot probe ids.
		if claims.User == "" || claims.User != id {
			return "", problem(http.StatusForbidden, "forbidden", "Forbidden", "the token does not open this user's routes")
		}
		if !ValidUserID(id) {
			return "", badRequest("user id %q: want 1 to %d letters, digits or ._@-", id, MaxUserIDBytes)
		}
		return id, nil
	}
	return "", nil
}

func (s *Server) postEvents(w http.ResponseWriter, r *http.Request, c *call) error {
	f, err := requestFormat(r)
	if err != nil {
		return err
	}
	b, err := readBody(w, r, s.cfg.Limits.MaxBodyBytes)
	if err != nil {
		return err
	}
	events, err := decodeEvents(f, b, s.cfg.Limits.MaxEvents)
	if err != nil {
		return err
	}
	n, err := s.appendEvents(c.ctx, c.model, c.user, events)
	if err != nil {
		return err
	}
	writeReply(w, r, http.StatusOK, abi.EventCount{Events: n})
	return nil
}

func (s *Server) rankRequest(w http.ResponseWriter, r *http.Request, req *abi.RankRequest) error {
	f, err := requestFormat(r)
	if err != nil {
		return err
	}
	b, err := readBody(w, r, s.cfg.Limits.MaxBodyBytes)
	if err != nil {
		return err
	}
	if err := decodeRank(f, b, req); err != nil {
		return err
	}
	if len(req.Candidates) > s.cfg.Limits.MaxCandidates {
		return tooMany("candidates", len(req.Candidates), s.cfg.Limits.MaxCandidates)
	}
	return nil
}

func (s *Server) postUserRank(w http.ResponseWriter, r *http.Request, c *call) error {
	var req abi.RankRequest
	if err := s.rankRequest(w, r, &req); err != nil {
		return err
	}
	_, blobs, err := s.loadUser(c.ctx, c.model, c.user)
	if err != nil {
		return err
	}
	reply, err := c.model.pool.Rank(c.ctx, hostHistory(blobs), &req)
	if err != nil {
		return err
	}
	writeReply(w, r, http.StatusOK, reply)
	return nil
}

func (s *Server) postRank(w http.ResponseWriter, r *http.Request, c *call) error {
	f, err := requestFormat(r)
	if err != nil {
		return err
	}
	b, err := readBody(w, r, s.cfg.Limits.MaxBodyBytes)
	if err != nil {
		return err
	}
	var body StatelessRank
	if err := decodeStateless(f, b, s.cfg.Limits.MaxEvents, &body); err != nil {
		return err
	}
	if len(body.Request.Candidates) > s.cfg.Limits.MaxCandidates {
		return tooMany("candidates", len(body.Request.Candidates), s.cfg.Limits.MaxCandidates)
	}
	hb := &body.History
	var h host.History
	if hb.Store != nil || len(hb.Segments) > 0 {
		if len(hb.Events) > 0 {
			return badRequest("history: give a store (with segments) or events, not both")
		}
		blobs := append([][]byte{hb.Store}, hb.Segments...)
		if hb.Store == nil {
			blobs = blobs[1:]
		}
		if err := checkCodec(c.model.info, blobs, false); err != nil {
			return err
		}
		h = hostHistory(blobs)
	} else {
		h = host.History{Events: hb.Events, Options: hb.Options}
	}
	reply, err := c.model.pool.Rank(c.ctx, h, &body.Request)
	if err != nil {
		return err
	}
	writeReply(w, r, http.StatusOK, reply)
	return nil
}

// HistoryExport is the reply of GET /v1/users/{id}/history: the history as one store
// snapshot, which Ranker.LoadStore (or the web package's loadStore) takes as it is.
type HistoryExport struct {
	User   string `json:"user" msgpack:"user"`
	Events int    `json:"events" msgpack:"events"`
	Codec  uint32 `json:"codec" msgpack:"codec"`
	// Store is the snapshot (base64 in JSON).
	Store []byte `json:"store" msgpack:"store"`
}

func (s *Server) getHistory(w http.ResponseWriter, r *http.Request, c *call) error {
	snap, n, err := s.exportHistory(c.ctx, c.model, c.user)
	if err != nil {
		return err
	}
	if accepts(r, "application/octet-stream") {
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(snap)
		return nil
	}
	writeReply(w, r, http.StatusOK, HistoryExport{User: c.user, Events: n, Codec: c.model.info.Codec, Store: snap})
	return nil
}

func (s *Server) deleteHistory(w http.ResponseWriter, _ *http.Request, c *call) error {
	defer s.userLock(c.user)()
	if err := s.timeStore("delete", func() error { return s.cfg.Store.Delete(c.ctx, c.user) }); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ModelReply describes the model being served.
type ModelReply struct {
	Name string        `json:"name" msgpack:"name"`
	Info abi.ModelInfo `json:"info" msgpack:"info"`
}

func (s *Server) getModel(w http.ResponseWriter, r *http.Request, c *call) error {
	writeReply(w, r, http.StatusOK, ModelReply{Name: c.model.name, Info: c.model.info})
	return nil
}

func (s *Server) postModel(w http.ResponseWriter, r *http.Request, c *call) error {
	b, err := readBody(w, r, s.cfg.Limits.MaxModelBytes)
	if err != nil {
		return err
	}
	name := r.URL.Query().Get("name")
	if name == "" {
		name = "reloaded"
	}
	// The reload builds its pool with the request's context: a client that gives up before
	// the new model is ready leaves the old one in place.
	info, err := s.Reload(c.ctx, b, name)
	if err != nil {
		var se *host.StatusError
		if errors.As(err, &se) {
			return err
		}
		return problem(http.StatusUnprocessableEntity, "model", "Model refused", err.Error())
	}
	writeReply(w, r, http.StatusOK, ModelReply{Name: name, Info: info})
	return nil
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request, _ *call) error {
	writeReply(w, r, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// readyz fails while draining and when the store does not answer, so that a load balancer
// stops sending before the listener closes.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.draining.Load() {
		return errDraining
	}
	if err := s.cfg.Store.Ping(c.ctx); err != nil {
		return problem(http.StatusServiceUnavailable, "store", "Store unavailable", err.Error())
	}
	writeReply(w, r, http.StatusOK, map[string]string{"status": "ready", "model": c.model.name})
	return nil
}
