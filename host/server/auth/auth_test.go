package auth_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/host/server/auth"
)

func TestVerify(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	clock := func() time.Time { return now }
	s, err := auth.NewSigner([]byte(strings.Repeat("k", 32)), clock)
	require.NoError(t, err)
	other, err := auth.NewSigner([]byte(strings.Repeat("x", 32)), clock)
	require.NoError(t, err)
	alice, err := s.Issue(auth.Claims{User: "alice", Expires: now.Unix() + 60})
	require.NoError(t, err)
	admin, err := s.Issue(auth.Claims{Admin: true, Expires: now.Unix() + 60})
	require.NoError(t, err)
	foreign, err := other.Issue(auth.Claims{User: "alice", Expires: now.Unix() + 60})
	require.NoError(t, err)
	payload, mac, _ := strings.Cut(alice, ".")
	bobPayload, _, _ := strings.Cut(must(s.Issue(auth.Claims{User: "bob", Expires: now.Unix() + 60})), ".")

	for _, tc := range []struct {
		name  string
		token string
		want  auth.Claims
		err   error
	}{
		{"user", alice, auth.Claims{User: "alice", Expires: now.Unix() + 60}, nil},
		{"admin", admin, auth.Claims{Admin: true, Expires: now.Unix() + 60}, nil},
		{"another secret", foreign, auth.Claims{}, auth.ErrInvalid},
		{"payload swapped", bobPayload + "." + mac, auth.Claims{}, auth.ErrInvalid},
		{"no mac", payload, auth.Claims{}, auth.ErrInvalid},
		{"garbage", "a.b.c", auth.Claims{}, auth.ErrInvalid},
		{"empty", "", auth.Claims{}, auth.ErrInvalid},
	} {
		got, err := s.Verify(tc.token)
		if tc.err != nil {
			assert.ErrorIs(t, err, tc.err, tc.name)
			continue
		}
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.want, got, tc.name)
	}

	now = now.Add(time.Minute)
	_, err = s.Verify(alice)
	assert.ErrorIs(t, err, auth.ErrExpired, "a token is refused from its expiry on")
	_, err = s.Issue(auth.Claims{User: "alice", Expires: now.Unix()})
	assert.Error(t, err, "issuing an expired token")
	_, err = s.Issue(auth.Claims{Expires: now.Unix() + 1})
	assert.Error(t, err, "a token for nobody")
	_, err = auth.NewSigner([]byte("short"), nil)
	assert.Error(t, err)
}

func must(s string, err error) string {
	if err != nil {
		panic(err)
	}
	return s
}

func TestFromRequest(t *testing.T) {
	for _, tc := range []struct{ header, want string }{
		{"Bearer abc", "abc"}, {"bearer  abc ", "abc"}, {"", ""}, {"Basic abc", ""}, {"Bearer ", ""},
	} {
		r, _ := http.NewRequest("GET", "/", nil)
		if tc.header != "" {
			r.Header.Set("Authorization", tc.header)
		}
		got, err := auth.FromRequest(r)
		if tc.want == "" {
			assert.ErrorIs(t, err, auth.ErrMissing, tc.header)
		} else {
			assert.Equal(t, tc.want, got, tc.header)
		}
	}
}

func TestSecretFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d", "secret")
	a, err := auth.LoadOrCreateSecret(path)
	require.NoError(t, err)
	b, err := auth.LoadOrCreateSecret(path)
	require.NoError(t, err)
	assert.Equal(t, a, b, "the secret survives a restart")
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	require.NoError(t, os.WriteFile(path, []byte("00ff"), 0o600))
	_, err = auth.LoadOrCreateSecret(path)
	assert.Error(t, err, "a secret too short is refused")
}
