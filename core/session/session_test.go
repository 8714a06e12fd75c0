package session_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/abi"
	"github.com/seminar-ranker/seminar/core/modelfile"
	"github.com/seminar-ranker/seminar/core/parity"
	"github.com/seminar-ranker/seminar/core/session"
)

func fixture(t *testing.T) (*parity.Fixture, map[string][]byte) {
	t.Helper()
	dir, err := parity.Dir()
	require.NoError(t, err)
	f, models, err := parity.Load(dir)
	require.NoError(t, err)
	return f, models
}

func status(err error) abi.Status {
	var ae *abi.Error
	if errors.As(err, &ae) {
		return ae.Status
	}
	return abi.StatusOK
}

// Every operation before a model, and every bad argument, is an *abi.Error with the status the
// module reports.
func TestStatuses(t *testing.T) {
	f, models := fixture(t)
	noPQ := func() []byte {
		m, _, err := modelfile.Load(models[parity.Model4])
		require.NoError(t, err)
		b, err := modelfile.Marshal(m, nil)
		require.NoError(t, err)
		return b
	}()
	loaded := func(t *testing.T, file []byte) *session.Session {
		s := session.New()
		_, err := s.LoadModel(file)
		require.NoError(t, err)
		_, err = s.LoadEvents(abi.StoreOptions{}, session.Slice(f.Events))
		require.NoError(t, err)
		return s
	}
	req := f.Cases[5].Request
	var rep abi.RankReply
	tests := []struct {
		name string
		run  func(t *testing.T) error
		want abi.Status
		msg  string
	}{
		{"rank before a model", func(*testing.T) error { return session.New().Rank(&req, &rep) }, abi.StatusNotLoaded, "load_model"},
		{"append before a model", func(*testing.T) error {
			_, err := session.New().AppendEvents(session.Slice(f.Events))
			return err
		}, abi.StatusNotLoaded, "load_model"},
		{"not a model file", func(*testing.T) error { _, err := session.New().LoadModel([]byte("x")); return err }, abi.StatusBadInput, ""},
		{"exact without vectors", func(t *testing.T) error {
			r := req
			r.Options.Exact = true
			return loaded(t, models[parity.Model4]).Rank(&r, &rep)
		}, abi.StatusNotLoaded, "exact: true"},
		{"bits of another codec", func(t *testing.T) error {
			r := req
			r.Options.Bits = abi.Bits8
			return loaded(t, models[parity.Model4]).Rank(&r, &rep)
		}, abi.StatusBadInput, "4-bit codes"},
		{"store without a codec", func(t *testing.T) error {
			_, err := loaded(t, noPQ).StoreBytes(nil)
			return err
		}, abi.StatusNotLoaded, "no \"pq\" section"},
		{"int8 without a codec", func(t *testing.T) error {
			s := session.New()
			_, err := s.LoadModel(noPQ)
			require.NoError(t, err)
			_, err = s.LoadEvents(abi.StoreOptions{Int8: true}, session.Slice(f.Events))
			return err
		}, abi.StatusBadInput, "int8"},
		{"truncate past the events", func(t *testing.T) error {
			_, err := loaded(t, models[parity.Model4]).Truncate(len(f.Events) + 1)
			return err
		}, abi.StatusBadArgument, "are held"},
		{"segment past the events", func(t *testing.T) error {
			_, err := loaded(t, models[parity.Model4]).StoreSegment(nil, len(f.Events)+1)
			return err
		}, abi.StatusBadArgument, "are held"},
		{"an event back in time", func(t *testing.T) error {
			_, err := loaded(t, models[parity.Model4]).AppendEvents(session.Slice(f.Events[:1]))
			return err
		}, abi.StatusBadInput, "events[0]: time"},
		{"an invalid event", func(t *testing.T) error {
			_, err := loaded(t, models[parity.Model4]).AppendEvents(session.Slice{{Time: 1 << 40, Kind: 3}})
			return err
		}, abi.StatusBadInput, "events[0].k: 3"},
		{"a store of another codec", func(t *testing.T) error {
			b, err := loaded(t, models[parity.Model8]).StoreBytes(nil)
			require.NoError(t, err)
			_, err = loaded(t, models[parity.Model4]).LoadStore(b)
			return err
		}, abi.StatusBadInput, "encode the events again"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run(t)
			require.Error(t, err)
			assert.Equal(t, tt.want, status(err))
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
}

// A history built in appends, saved as a snapshot and segments, truncated and restored, ranks
// as the whole history loaded at once.
func TestHistoryRoundTrips(t *testing.T) {
	f, models := fixture(t)
	c := &f.Cases[5]
	s := session.New()
	_, err := s.LoadModel(models[parity.Model4])
	require.NoError(t, err)
	var segments [][]byte
	snapshot, err := s.StoreBytes(nil)
	require.NoError(t, err)
	for start := 0; start < len(f.Events); start += 64 {
		n0 := s.Len()
		_, err := s.AppendEvents(session.Slice(f.Events[start:min(start+64, len(f.Events))]))
		require.NoError(t, err)
		seg, err := s.StoreSegment(nil, n0)
		require.NoError(t, err)
		segments = append(segments, seg)
	}
	var rep abi.RankReply
	require.NoError(t, s.Rank(&c.Request, &rep))
	require.NoError(t, c.Compare(rep.Order, rep.Scores))
	whole, err := s.StoreBytes(nil)
	require.NoError(t, err)

	restored := session.New()
	_, err = restored.LoadModel(models[parity.Model4])
	require.NoError(t, err)
	_, err = restored.LoadStore(snapshot)
	require.NoError(t, err)
	for _, seg := range segments {
		_, err := restored.AppendStore(seg)
		require.NoError(t, err)
	}
	again, err := restored.StoreBytes(nil)
	require.NoError(t, err)
	assert.Equal(t, whole, again)

	n, err := restored.Truncate(64)
	require.NoError(t, err)
	assert.Equal(t, 64, n)
	_, err = restored.AppendStore(segments[1])
	require.NoError(t, err, "the segment after the first 64 events follows them again")
	require.NoError(t, restored.Rank(&c.Request, &rep))
}
