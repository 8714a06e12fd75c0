package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Errors of Verify and FromRequest: all of them mean 401 to a client.
var (
	ErrMissing = errors.New("auth: no bearer token")
	ErrInvalid = errors.New("auth: invalid token")
	ErrExpired = errors.New("auth: token expired")
)

// MinSecretBytes is the shortest secret a Signer takes: HMAC-SHA256 wants a key as long as
// its output.
const MinSecretBytes = 32

// Claims are what a token grants.
type Claims struct {
	// User is the id whose routes the token opens; empty for an admin token.
	User string `json:"sub,omitempty"`
	// Admin opens the admin routes.
	Admin bool `json:"adm,omitempty"`
	// Expires is the Unix second after which the token is refused.
	Expires int64 `json:"exp"`
}

// Signer issues and verifies tokens under one secret. It is safe for concurrent use.
type Signer struct {
	key []byte
	now func() time.Time
}

// NewSigner returns a Signer with the secret; now, if nil, is time.Now (tests pass a fixed
// clock).
func NewSigner(secret []byte, now func() time.Time) (*Signer, error) {
	if len(secret) < MinSecretBytes {
		return nil, fmt.Errorf("auth: a secret of %d bytes, want at least %d", len(secret), MinSecretBytes)
	}
	if now == nil {
		now = time.Now
	}
	return &Signer{key: append([]byte(nil), secret...), now: now}, nil
}

var b64 = base64.RawURLEncoding

func (s *Signer) mac(payload string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// Issue returns a token for c. A token with neither a user nor the admin role is refused, as
// is one that has expired already.
func (s *Signer) Issue(c Claims) (string, error) {
	if c.User == "" && !c.Admin {
		return "", errors.New("auth: a token needs a user or the admin role")
	}
	if c.Expires <= s.now().Unix() {
		return "", errors.New("auth: a token that has expired already")
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("auth: %w", err)
	}
	payload := b64.EncodeToString(b)
	return payload + "." + b64.EncodeToString(s.mac(payload)), nil
}

// Verify checks the token's mac and expiry and returns its claims.
func (s *Signer) Verify(token string) (Claims, error) {
	var c Claims
	payload, sig, ok := strings.Cut(token, ".")
	if !ok || len(token) > 4096 {
		return c, ErrInvalid
	}
	got, err := b64.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(payload)) {
		return c, ErrInvalid
	}
	b, err := b64.DecodeString(payload)
	if err != nil {
		return c, ErrInvalid
	}
	if err := json.Unmarshal(b, &c); err != nil || (c.User == "" && !c.Admin) {
		return Claims{}, ErrInvalid
	}
	if s.now().Unix() >= c.Expires {
		return Claims{}, ErrExpired
	}
	return c, nil
}

// FromRequest returns the bearer token of the Authorization header.
func FromRequest(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", ErrMissing
	}
	return strings.TrimSpace(token), nil
}

// LoadOrCreateSecret reads the hex secret in path, or writes a new random one there (mode
// 0600) when the file does not exist: a server started with no flags gets a secret that
// survives restarts, and `seminar serve token` reads the same file to issue tokens.
func LoadOrCreateSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		secret, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(secret) < MinSecretBytes {
			return nil, fmt.Errorf("auth: %s: want at least %d bytes in hex", path, MinSecretBytes)
		}
		return secret, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("auth: %w", err)
	}
	secret := make([]byte, MinSecretBytes)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	// O_EXCL: two processes starting at once must not each write their own secret.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return LoadOrCreateSecret(path)
	}
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	_, err = f.WriteString(hex.EncodeToString(secret) + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	return secret, nil
}
