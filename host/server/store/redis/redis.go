package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	goredis "github.com/redis/go-redis/v9"

	"github.com/seminar-ranker/seminar/host/server/store"
)

// Store is a store.Store in Redis.
type Store struct {
	c      *goredis.Client
	prefix string
}

var _ store.Store = (*Store)(nil)

// Options configure a Store.
type Options struct {
	// Prefix starts every key, so that several deployments can share a Redis; "" is "seminar".
	Prefix string
}

// New returns a store over the client, which it closes on Close.
func New(c *goredis.Client, opts Options) *Store {
	p := opts.Prefix
	if p == "" {
		p = "seminar"
	}
	return &Store{c: c, prefix: p}
}

// Open connects to a Redis URL (redis://host:port/db) and checks that it answers.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	o, err := goredis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	s := New(goredis.NewClient(o), opts)
	if err := s.Ping(ctx); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	return s, nil
}

func (s *Store) keys(user string) []string {
	// The user id is inside the hash tag, so every key of a user lands in one cluster slot
	// and the scripts may touch them together. Ids cannot contain braces (the server checks),
	// so no id can close the tag early.
	base := s.prefix + ":{" + user + "}:"
	return []string{base + "meta", base + "snap", base + "segs"}
}

var loadScript = goredis.NewScript(`
local m = redis.call('HMGET', KEYS[1], 'seq', 'base')
local snap = redis.call('GET', KEYS[2])
local segs = redis.call('LRANGE', KEYS[3], 0, -1)
return {m[1] or '0', m[2] or '0', snap, segs}
`)

var appendScript = goredis.NewScript(`
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
if seq ~= tonumber(ARGV[1]) then return -1 end
redis.call('RPUSH', KEYS[3], ARGV[2])
redis.call('HSET', KEYS[1], 'seq', seq + 1)
return seq + 1
`)

var compactScript = goredis.NewScript(`
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
local base = tonumber(redis.call('HGET', KEYS[1], 'base') or '0')
local at = tonumber(ARGV[1])
if seq == 0 or at < base or at > seq then return -1 end
redis.call('LTRIM', KEYS[3], at - base, -1)
redis.call('SET', KEYS[2], ARGV[2])
redis.call('HSET', KEYS[1], 'base', at)
return at
`)

// Load reads the history in one script, so that the snapshot, segments and sequence agree.
func (s *Store) Load(ctx context.Context, user string) (store.History, error) {
	var h store.History
	v, err := loadScript.Run(ctx, s.c, s.keys(user)).Slice()
	if err != nil {
		return h, fmt.Errorf("redis: load: %w", err)
	}
	if len(v) < 4 {
		return h, fmt.Errorf("redis: load: %d values in the reply", len(v))
	}
	if h.Seq, err = uintOf(v[0]); err == nil {
		h.Base, err = uintOf(v[1])
	}
	if err != nil {
		return store.History{}, fmt.Errorf("redis: load: %w", err)
	}
	if snap, ok := v[2].(string); ok {
		h.Snapshot = []byte(snap)
	}
	segs, _ := v[3].([]any)
	for _, x := range segs {
		seg, ok := x.(string)
		if !ok {
			return store.History{}, fmt.Errorf("redis: load: a segment of type %T", x)
		}
		h.Segments = append(h.Segments, []byte(seg))
	}
	return h, nil
}

func uintOf(v any) (uint64, error) {
	s, ok := v.(string)
	if !ok {
		return 0, fmt.Errorf("sequence of type %T", v)
	}
	return strconv.ParseUint(s, 10, 64)
}

// Append pushes the segment if the sequence is still seq.
func (s *Store) Append(ctx context.Context, user string, seq uint64, segment []byte) (uint64, error) {
	n, err := appendScript.Run(ctx, s.c, s.keys(user), seq, segment).Int64()
	if err != nil {
		return 0, fmt.Errorf("redis: append: %w", err)
	}
	if n < 0 {
		return 0, fmt.Errorf("redis: append: %w", store.ErrConflict)
	}
	return uint64(n), nil
}

// Compact replaces the snapshot and trims the segments it covers.
func (s *Store) Compact(ctx context.Context, user string, seq uint64, snapshot []byte) error {
	n, err := compactScript.Run(ctx, s.c, s.keys(user), seq, snapshot).Int64()
	if err != nil {
		return fmt.Errorf("redis: compact: %w", err)
	}
	if n < 0 {
		return fmt.Errorf("redis: compact: %w", store.ErrConflict)
	}
	return nil
}

// Delete removes the user's keys.
func (s *Store) Delete(ctx context.Context, user string) error {
	if err := s.c.Del(ctx, s.keys(user)...).Err(); err != nil {
		return fmt.Errorf("redis: delete: %w", err)
	}
	return nil
}

// Ping checks the connection.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.c.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: ping: %w", err)
	}
	return nil
}

// Close closes the client.
func (s *Store) Close() error { return s.c.Close() }
