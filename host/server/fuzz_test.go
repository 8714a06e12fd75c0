package server

import (
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/seminar-ranker/seminar/host/server/auth"
	"github.com/seminar-ranker/seminar/host/server/loadgen"
)

// FuzzHandlers sends hostile bodies, media types and tokens to every route: each must get an
// answer below 500 (a 4xx, or a 2xx for a body that happens to be valid), and the server must
// keep answering.
func FuzzHandlers(f *testing.F) {
	cat := loadgen.NewCatalog(50, 9)
	rank := cat.Rank(5)
	ev, _ := msgpack.Marshal(map[string]any{"events": cat.Events(3, 1_700_000_000)})
	rk, _ := msgpack.Marshal(&rank)
	st, _ := msgpack.Marshal(StatelessRank{History: HistoryBody{Events: cat.Events(2, 1)}, Request: rank})
	for _, seed := range []struct {
		route, ctype, tok uint8
		body              []byte
	}{
		{0, 0, 0, []byte(`{"events":[{"t":1700000000,"item":{"id":"a"}}]}`)},
		{0, 1, 0, ev},
		{1, 0, 0, []byte(`{"query":"q","candidates":[{"id":"a","attrs":[{"f":"g","v":"x"}]}],"options":{"k":3}}`)},
		{1, 1, 0, rk},
		{2, 0, 0, []byte(`{"history":{"store":"U01FVgEEAgA="},"request":{"candidates":[]}}`)},
		{2, 1, 0, st},
		{0, 1, 0, []byte{0xdd, 0xff, 0xff, 0xff, 0xff}},
		{1, 0, 0, []byte(`{"candidates":[{"dense":[[1e39]]}]}`)},
		{3, 2, 1, []byte("x")},
		{4, 0, 2, nil},
		{5, 0, 3, []byte("SMEV")},
	} {
		f.Add(seed.route, seed.ctype, seed.tok, seed.body)
	}
	s := newTestServer(f, func(c *Config) { c.Limits = Limits{MaxBodyBytes: 1 << 16, MaxEvents: 100, MaxCandidates: 50} })
	h := s.Handler()
	sg := s.cfg.Signer
	tokens := []string{
		token(f, sg, auth.Claims{User: "alice"}), token(f, sg, auth.Claims{User: "bob"}),
		token(f, sg, auth.Claims{Admin: true}), "", "garbage.token",
	}
	routes := []struct{ method, path string }{
		{"POST", "/v1/users/alice/events"}, {"POST", "/v1/users/alice/rank"}, {"POST", "/v1/rank"},
		{"POST", "/v1/admin/model"}, {"GET", "/v1/users/alice/history"}, {"DELETE", "/v1/users/alice/history"},
		{"PUT", "/v1/users/alice/events"}, {"POST", "/v1/users/a%7D/rank"},
	}
	ctypes := []string{"application/json", "application/msgpack", "application/octet-stream", "", "text/html; charset=\x00"}
	f.Fuzz(func(t *testing.T, route, ctype, tok uint8, body []byte) {
		rt := routes[int(route)%len(routes)]
		if rt.path == "/v1/admin/model" && int(tok)%len(tokens) == 2 {
			// A valid admin reload of a random file is refused (422) but compiles a pool
			// first; keep the fuzzer on the cheap paths.
			tok++
		}
		w := do(t, h, req{method: rt.method, path: rt.path, token: tokens[int(tok)%len(tokens)],
			ctype: ctypes[int(ctype)%len(ctypes)], body: body})
		if w.Code >= 500 {
			t.Fatalf("%s %s: %d %s", rt.method, rt.path, w.Code, w.Body.String())
		}
		if hw := do(t, h, req{method: "GET", path: "/healthz"}); hw.Code != 200 {
			t.Fatalf("server down after %s %s: %d", rt.method, rt.path, hw.Code)
		}
	})
}
