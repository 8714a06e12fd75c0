package server

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/seminar-ranker/seminar/core/abi"
	"github.com/seminar-ranker/seminar/core/parity"
	"github.com/seminar-ranker/seminar/host"
	"github.com/seminar-ranker/seminar/host/server/auth"
	"github.com/seminar-ranker/seminar/host/server/loadgen"
)

type req struct {
	method, path, token, ctype, accept string
	body                               []byte
}

func do(t testing.TB, h http.Handler, r req) *httptest.ResponseRecorder {
	hr := httptest.NewRequest(r.method, r.path, bytes.NewReader(r.body))
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	if r.ctype != "" {
		hr.Header.Set("Content-Type", r.ctype)
	}
	if r.accept != "" {
		hr.Header.Set("Accept", r.accept)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, hr)
	return w
}

func jsonBody(t testing.TB, v any) []byte {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

func problemOf(t testing.TB, w *httptest.ResponseRecorder) Problem {
	var p Problem
	require.Equal(t, "application/problem+json", w.Header().Get("Content-Type"), w.Body.String())
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
	assert.Equal(t, w.Code, p.Status)
	return p
}

func TestRoutes(t *testing.T) {
	s := newTestServer(t, func(c *Config) { c.Limits = Limits{MaxBodyBytes: 64 << 10, MaxEvents: 50, MaxCandidates: 20} })
	h := s.Handler()
	sg := s.cfg.Signer
	alice, bob := token(t, sg, auth.Claims{User: "alice"}), token(t, sg, auth.Claims{User: "bob"})
	admin := token(t, sg, auth.Claims{Admin: true})
	other, err := auth.NewSigner([]byte(strings.Repeat("z", 32)), nil)
	require.NoError(t, err)
	forged := token(t, other, auth.Claims{User: "alice"})
	past := time.Now().Add(-time.Hour)
	expiredSigner, err := auth.NewSigner(testSecret, func() time.Time { return past })
	require.NoError(t, err)
	expired := token(t, expiredSigner, auth.Claims{User: "alice", Expires: past.Unix() + 60})

	cat := loadgen.NewCatalog(100, 1)
	events := cat.Events(5, 1_700_000_000)
	rank := cat.Rank(10)
	msgEvents, err := msgpack.Marshal(map[string]any{"events": cat.Events(3, 1_800_000_000)})
	require.NoError(t, err)
	msgRank, err := msgpack.Marshal(&rank)
	require.NoError(t, err)
	const js, mp = "application/json", "application/msgpack"

	for _, tc := range []struct {
		name string
		req
		want   int
		check  func(t *testing.T, w *httptest.ResponseRecorder)
		status abi.Status // of the problem, when the module's
	}{
		{name: "healthz", req: req{method: "GET", path: "/healthz"}, want: 200},
		{name: "readyz", req: req{method: "GET", path: "/readyz"}, want: 200},
		{name: "no token", req: req{method: "POST", path: "/v1/users/alice/events", body: jsonBody(t, map[string]any{"events": events})}, want: 401,
			check: func(t *testing.T, w *httptest.ResponseRecorder) {
				assert.Contains(t, w.Header().Get("WWW-Authenticate"), "Bearer")
			}},
		{name: "forged token", req: req{method: "POST", path: "/v1/users/alice/events", token: forged, body: jsonBody(t, map[string]any{"events": events})}, want: 401},
		{name: "expired token", req: req{method: "POST", path: "/v1/users/alice/events", token: expired, body: jsonBody(t, map[string]any{"events": events})}, want: 401},
		{name: "garbage token", req: req{method: "GET", path: "/v1/users/alice/history", token: "not.a-token"}, want: 401},
		{name: "another user's append", req: req{method: "POST", path: "/v1/users/alice/events", token: bob, body: jsonBody(t, map[string]any{"events": events})}, want: 403},
		{name: "admin on a user route", req: req{method: "GET", path: "/v1/users/alice/history", token: admin}, want: 403},
		{name: "user on the admin route", req: req{method: "POST", path: "/v1/admin/model", token: alice, body: []byte("x")}, want: 403},
		{name: "append JSON", req: req{method: "POST", path: "/v1/users/alice/events", token: alice, ctype: js, body: jsonBody(t, map[string]any{"events": events})}, want: 200,
			check: func(t *testing.T, w *httptest.ResponseRecorder) { assert.JSONEq(t, `{"events":5}`, w.Body.String()) }},
		{name: "append a bare array", req: req{method: "POST", path: "/v1/users/alice/events", token: alice, body: jsonBody(t, cat.Events(2, 1_750_000_000))}, want: 200,
			check: func(t *testing.T, w *httptest.ResponseRecorder) { assert.JSONEq(t, `{"events":7}`, w.Body.String()) }},
		{name: "append MessagePack, reply MessagePack", req: req{method: "POST", path: "/v1/users/alice/events", token: alice, ctype: mp, accept: mp, body: msgEvents}, want: 200,
			check: func(t *testing.T, w *httptest.ResponseRecorder) {
				var n abi.EventCount
				require.NoError(t, msgpack.Unmarshal(w.Body.Bytes(), &n))
				assert.Equal(t, 10, n.Events)
			}},
		{name: "events out of time order", req: req{method: "POST", path: "/v1/users/alice/events", token: alice, body: jsonBody(t, cat.Events(1, 1_000))}, want: 422, status: abi.StatusBadInput},
		{name: "browse with a query", req: req{method: "POST", path: "/v1/users/alice/events", token: alice, body: []byte(`[{"t":1900000000,"q":"x","item":{"id":"a"}}]`)}, want: 422, status: abi.StatusBadInput},
		{name: "unknown field", req: req{method: "POST", path: "/v1/users/alice/events", token: alice, body: []byte(`{"evnts":[]}`)}, want: 400},
		{name: "wrong type", req: req{method: "POST", path: "/v1/users/alice/events", token: alice, body: []byte(`{"events":[{"t":"now"}]}`)}, want: 400},
		{name: "truncated MessagePack", req: req{method: "POST", path: "/v1/users/alice/events", token: alice, ctype: mp, body: msgEvents[:len(msgEvents)/2]}, want: 422, status: abi.StatusBadInput},
		{name: "MessagePack claiming 2^32 events", req: req{method: "POST", path: "/v1/users/alice/events", token: alice, ctype: mp, body: []byte{0xdd, 0xff, 0xff, 0xff, 0xff}}, want: 422, status: abi.StatusBadInput},
		{name: "too many events", req: req{method: "POST", path: "/v1/users/alice/events", token: alice, body: jsonBody(t, cat.Events(51, 1_900_000_000))}, want: 413},
		{name: "body too large", req: req{method: "POST", path: "/v1/users/alice/events", token: alice, body: bytes.Repeat([]byte(" "), 65<<10)}, want: 413},
		{name: "unsupported media type", req: req{method: "POST", path: "/v1/users/alice/events", token: alice, ctype: "text/plain", body: []byte("hi")}, want: 415},
		{name: "bad user id", req: req{method: "GET", path: "/v1/users/a%7Bb%7D/history", token: token(t, sg, auth.Claims{User: "a{b}"})}, want: 400},
		{name: "wrong method", req: req{method: "GET", path: "/v1/users/alice/events", token: alice}, want: 405,
			check: func(t *testing.T, w *httptest.ResponseRecorder) { assert.Equal(t, "POST", w.Header().Get("Allow")) }},
		{name: "unknown route", req: req{method: "GET", path: "/v2/nothing"}, want: 404},
		{name: "rank JSON", req: req{method: "POST", path: "/v1/users/alice/rank", token: alice, body: jsonBody(t, &rank)}, want: 200,
			check: func(t *testing.T, w *httptest.ResponseRecorder) {
				var rep abi.RankReply
				require.NoError(t, json.Unmarshal(w.Body.Bytes(), &rep))
				assert.Len(t, rep.Order, 10)
			}},
		{name: "rank MessagePack", req: req{method: "POST", path: "/v1/users/alice/rank", token: alice, ctype: mp, accept: mp, body: msgRank}, want: 200,
			check: func(t *testing.T, w *httptest.ResponseRecorder) {
				var rep abi.RankReply
				require.NoError(t, msgpack.Unmarshal(w.Body.Bytes(), &rep))
				assert.Len(t, rep.Scores, 10)
			}},
		{name: "rank for a user with no history", req: req{method: "POST", path: "/v1/users/bob/rank", token: bob, body: jsonBody(t, &rank)}, want: 200},
		{name: "too many candidates", req: req{method: "POST", path: "/v1/users/alice/rank", token: alice, body: jsonBody(t, cat.Rank(21))}, want: 413},
		{name: "invalid options", req: req{method: "POST", path: "/v1/users/alice/rank", token: alice, body: []byte(`{"candidates":[],"options":{"bits":5}}`)}, want: 422, status: abi.StatusBadInput},
		{name: "bits the codec lacks", req: req{method: "POST", path: "/v1/users/alice/rank", token: alice, body: []byte(`{"candidates":[{"id":"a"}],"options":{"bits":8}}`)}, want: 422, status: abi.StatusBadInput},
		{name: "export", req: req{method: "GET", path: "/v1/users/alice/history", token: alice}, want: 200,
			check: func(t *testing.T, w *httptest.ResponseRecorder) {
				var e HistoryExport
				require.NoError(t, json.Unmarshal(w.Body.Bytes(), &e))
				assert.Equal(t, 10, e.Events)
				assert.Equal(t, "alice", e.User)
				assert.Equal(t, s.Model().Codec, e.Codec)
			}},
		{name: "export as bytes", req: req{method: "GET", path: "/v1/users/alice/history", token: alice, accept: "application/octet-stream"}, want: 200,
			check: func(t *testing.T, w *httptest.ResponseRecorder) { assert.Equal(t, "SMEV", w.Body.String()[:4]) }},
		{name: "bob sees none of alice's events", req: req{method: "GET", path: "/v1/users/bob/history", token: bob}, want: 200,
			check: func(t *testing.T, w *httptest.ResponseRecorder) { assert.Contains(t, w.Body.String(), `"events":0`) }},
		{name: "model", req: req{method: "GET", path: "/v1/model", token: bob}, want: 200},
		{name: "stateless rank", req: req{method: "POST", path: "/v1/rank", token: bob, body: jsonBody(t, StatelessRank{History: HistoryBody{Events: events}, Request: rank})}, want: 200},
		{name: "stateless, a store of garbage", req: req{method: "POST", path: "/v1/rank", token: bob, body: jsonBody(t, StatelessRank{History: HistoryBody{Store: []byte("nope")}, Request: rank})}, want: 422, status: abi.StatusBadInput},
		{name: "stateless without a token", req: req{method: "POST", path: "/v1/rank", body: jsonBody(t, StatelessRank{Request: rank})}, want: 401},
		{name: "delete", req: req{method: "DELETE", path: "/v1/users/alice/history", token: alice}, want: 204},
		{name: "deleted", req: req{method: "GET", path: "/v1/users/alice/history", token: alice}, want: 200,
			check: func(t *testing.T, w *httptest.ResponseRecorder) { assert.Contains(t, w.Body.String(), `"events":0`) }},
		{name: "metrics", req: req{method: "GET", path: "/metrics"}, want: 200,
			check: func(t *testing.T, w *httptest.ResponseRecorder) {
				assert.Contains(t, w.Body.String(), `seminar_http_requests_total{code="403",route="events"} 1`)
				assert.Contains(t, w.Body.String(), "seminar_events_appended_total 10")
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := do(t, h, tc.req)
			require.Equal(t, tc.want, w.Code, w.Body.String())
			if tc.want >= 400 {
				p := problemOf(t, w)
				assert.Equal(t, tc.status, p.ModuleStatus)
				assert.NotEmpty(t, p.Detail)
			}
			if tc.check != nil {
				tc.check(t, w)
			}
		})
	}
}

// TestParity: the server's ranking equals the module's run directly through host for the
// same history, whether the server built that history from many appends (segments and
// compactions) or was handed it in a stateless request.
func TestParity(t *testing.T) {
	s := newTestServer(t, func(c *Config) { c.CompactAfter = 3 })
	h := s.Handler()
	alice := token(t, s.cfg.Signer, auth.Claims{User: "alice"})
	cat := loadgen.NewCatalog(500, 2)
	all := cat.Events(400, 1_700_000_000)
	for i := 0; i < len(all); i += 40 { // ten appends: segments, then compactions
		w := do(t, h, req{method: "POST", path: "/v1/users/alice/events", token: alice, body: jsonBody(t, all[i:i+40])})
		require.Equal(t, 200, w.Code, w.Body.String())
	}
	ctx := context.Background()
	inst, err := runtimeForTest(t).NewInstance(ctx)
	require.NoError(t, err)
	defer inst.Close(ctx)
	r := host.NewRanker(inst)
	_, err = r.LoadModel(ctx, s.cfg.Model)
	require.NoError(t, err)
	_, err = r.LoadEvents(ctx, all, abi.StoreOptions{})
	require.NoError(t, err)
	snapshot, err := r.StoreBytes(ctx)
	require.NoError(t, err)

	for i := range 4 {
		rq := cat.Rank(50)
		rq.Options.Heads = abi.Heads(i % 2)
		want, err := r.Rank(ctx, &rq)
		require.NoError(t, err)
		for _, via := range []struct {
			name, path string
			body       any
		}{
			{"stored", "/v1/users/alice/rank", &rq},
			{"stateless events", "/v1/rank", StatelessRank{History: HistoryBody{Events: all}, Request: rq}},
			{"stateless store", "/v1/rank", StatelessRank{History: HistoryBody{Store: snapshot}, Request: rq}},
		} {
			w := do(t, h, req{method: "POST", path: via.path, token: alice, body: jsonBody(t, via.body)})
			require.Equal(t, 200, w.Code, w.Body.String())
			var got abi.RankReply
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
			assert.Equal(t, want.Order, got.Order, via.name)
			assert.Equal(t, want.Scores, got.Scores, via.name)
		}
	}
	hist, err := s.cfg.Store.Load(ctx, "alice")
	require.NoError(t, err)
	assert.NotNil(t, hist.Snapshot, "compaction wrote a snapshot")
	assert.LessOrEqual(t, len(hist.Segments), 3)
	var e HistoryExport
	w := do(t, h, req{method: "GET", path: "/v1/users/alice/history", token: alice})
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &e))
	assert.Equal(t, snapshot, e.Store, "the export is the snapshot of the same events")
}

func TestParityFixture(t *testing.T) {
	// The shared golden cases (web, mobile, host) through the stateless route.
	dir, err := parity.Dir()
	require.NoError(t, err)
	f, models, err := parity.Load(dir)
	require.NoError(t, err)
	for _, name := range []string{parity.Model4, parity.Model8} {
		s := newTestServer(t, func(c *Config) { c.Model = models[name]; c.Limits.MaxEvents = len(f.Events) })
		tok := token(t, s.cfg.Signer, auth.Claims{User: "p"})
		for _, c := range f.Cases {
			if c.Model != name {
				continue
			}
			body := StatelessRank{History: HistoryBody{Events: f.Events, Options: abi.StoreOptions{Exact: true}}, Request: c.Request}
			w := do(t, s.Handler(), req{method: "POST", path: "/v1/rank", token: tok, body: jsonBody(t, body)})
			require.Equal(t, 200, w.Code, w.Body.String())
			var got abi.RankReply
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
			assert.NoError(t, c.Compare(got.Order, got.Scores), c.Name)
		}
	}
}

func TestCodecChangeAndReload(t *testing.T) {
	s := newTestServer(t, nil)
	h := s.Handler()
	alice := token(t, s.cfg.Signer, auth.Claims{User: "alice"})
	admin := token(t, s.cfg.Signer, auth.Claims{Admin: true})
	cat := loadgen.NewCatalog(100, 3)
	rank := jsonBody(t, cat.Rank(10))
	require.Equal(t, 200, do(t, h, req{method: "POST", path: "/v1/users/alice/events", token: alice, body: jsonBody(t, cat.Events(20, 1_700_000_000))}).Code)

	// Ranks keep going while the model is replaced back and forth: none may fail.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var failed []string
	var mu sync.Mutex
	for range 3 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				w := do(t, h, req{method: "POST", path: "/v1/users/alice/rank", token: alice, body: rank})
				if w.Code != 200 && w.Code != 409 {
					mu.Lock()
					failed = append(failed, w.Body.String())
					mu.Unlock()
				}
			}
		})
	}
	other := parityModel(t, parity.Model8)
	for i := range 4 {
		model := s.cfg.Model
		if i%2 == 0 {
			model = other
		}
		w := do(t, h, req{method: "POST", path: "/v1/admin/model?name=m" + string(rune('0'+i)), token: admin, ctype: "application/octet-stream", body: model})
		require.Equal(t, 200, w.Code, w.Body.String())
	}
	close(stop)
	wg.Wait()
	assert.Empty(t, failed, "requests failed during reloads")

	// Another codec: the stored history is refused with a clear problem until it is re-sent.
	require.Equal(t, 200, do(t, h, req{method: "POST", path: "/v1/admin/model", token: admin, body: other}).Code)
	w := do(t, h, req{method: "POST", path: "/v1/users/alice/rank", token: alice, body: rank})
	require.Equal(t, 409, w.Code)
	assert.Contains(t, problemOf(t, w).Detail, "codec")
	require.Equal(t, 204, do(t, h, req{method: "DELETE", path: "/v1/users/alice/history", token: alice}).Code)
	require.Equal(t, 200, do(t, h, req{method: "POST", path: "/v1/users/alice/events", token: alice, body: jsonBody(t, cat.Events(20, 1_700_000_000))}).Code)
	require.Equal(t, 200, do(t, h, req{method: "POST", path: "/v1/users/alice/rank", token: alice, body: rank}).Code)

	w = do(t, h, req{method: "POST", path: "/v1/admin/model", token: admin, body: []byte("not a model")})
	require.Equal(t, 422, w.Code, "a refused model leaves the current one")
	require.Equal(t, 200, do(t, h, req{method: "POST", path: "/v1/users/alice/rank", token: alice, body: rank}).Code)
}

func TestSaturation(t *testing.T) {
	s := newTestServer(t, func(c *Config) { c.PoolSize, c.Queue = 1, -1 })
	alice := token(t, s.cfg.Signer, auth.Claims{User: "alice"})
	s.admit <- struct{}{} // one request holds the only admission
	w := do(t, s.Handler(), req{method: "POST", path: "/v1/users/alice/rank", token: alice, body: []byte(`{"candidates":[]}`)})
	require.Equal(t, 429, w.Code)
	assert.Equal(t, "1", w.Header().Get("Retry-After"))
	assert.Equal(t, 200, do(t, s.Handler(), req{method: "GET", path: "/healthz"}).Code, "routes without an instance still answer")
	<-s.admit
	assert.Equal(t, 200, do(t, s.Handler(), req{method: "POST", path: "/v1/users/alice/rank", token: alice, body: []byte(`{"candidates":[]}`)}).Code)
}

// TestGracefulShutdown: a request waiting for an instance when shutdown starts is answered,
// and Serve returns only after it.
func TestGracefulShutdown(t *testing.T) {
	s := newTestServer(t, func(c *Config) { c.PoolSize = 1 })
	alice := token(t, s.cfg.Signer, auth.Claims{User: "alice"})
	srv := httptest.NewUnstartedServer(nil)
	ln := srv.Listener
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln, time.Minute) }()

	m, release := s.acquire()
	inst, err := m.pool.Get(context.Background()) // hold the only instance
	require.NoError(t, err)
	release()
	answered := make(chan int, 1)
	go func() {
		hr, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/v1/users/alice/rank", strings.NewReader(`{"candidates":[]}`))
		hr.Header.Set("Authorization", "Bearer "+alice)
		resp, err := http.DefaultClient.Do(hr)
		if err != nil {
			answered <- -1
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	for len(s.admit) == 0 { // the request is admitted and waits for the instance
		time.Sleep(time.Millisecond)
	}
	cancel()
	for !s.draining.Load() {
		time.Sleep(time.Millisecond)
	}
	select {
	case err := <-served:
		t.Fatalf("Serve returned with a request in flight: %v", err)
	default:
	}
	m.pool.Put(inst)
	require.NoError(t, <-served)
	assert.Equal(t, 200, <-answered, "the request in flight got its answer")
}
