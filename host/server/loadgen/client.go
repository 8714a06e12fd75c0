package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/seminar-ranker/seminar/core/abi"
)

// Client calls one server with one token per user.
type Client struct {
	BaseURL string
	// Token returns the bearer token for a user.
	Token func(user string) (string, error)
	HTTP  *http.Client
}

// StatusError is a reply other than 2xx.
type StatusError struct {
	Code       int
	Body       string
	RetryAfter string
}

func (e *StatusError) Error() string { return "HTTP " + strconv.Itoa(e.Code) + ": " + e.Body }

func (c *Client) do(ctx context.Context, method, path, user string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if user != "" {
		tok, err := c.Token(user)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return &StatusError{Code: resp.StatusCode, Body: string(b), RetryAfter: resp.Header.Get("Retry-After")}
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// Append appends events to a user's history and returns the count the server holds.
func (c *Client) Append(ctx context.Context, user string, events []abi.Event) (int, error) {
	var n abi.EventCount
	err := c.do(ctx, http.MethodPost, "/v1/users/"+user+"/events", user, map[string]any{"events": events}, &n)
	return n.Events, err
}

// Rank ranks against a user's stored history.
func (c *Client) Rank(ctx context.Context, user string, req *abi.RankRequest) (abi.RankReply, error) {
	var rep abi.RankReply
	err := c.do(ctx, http.MethodPost, "/v1/users/"+user+"/rank", user, req, &rep)
	return rep, err
}

// History is the export of a user's history.
type History struct {
	Events int    `json:"events"`
	Codec  uint32 `json:"codec"`
	Store  []byte `json:"store"`
}

// History exports a user's history.
func (c *Client) History(ctx context.Context, user string) (History, error) {
	var h History
	err := c.do(ctx, http.MethodGet, "/v1/users/"+user+"/history", user, nil, &h)
	return h, err
}

// WaitReady polls /readyz until it answers 200 or ctx is done.
func (c *Client) WaitReady(ctx context.Context) error {
	for {
		err := c.do(ctx, http.MethodGet, "/readyz", "", nil, nil)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("loadgen: server not ready: %w (last: %v)", ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
