package host_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seminar-ranker/seminar/core/abi"
	"github.com/seminar-ranker/seminar/core/modelfile"
	"github.com/seminar-ranker/seminar/core/parity"
	"github.com/seminar-ranker/seminar/host"
)

func loadFixture(t *testing.T) (*parity.Fixture, map[string][]byte) {
	t.Helper()
	dir, err := parity.Dir()
	require.NoError(t, err)
	f, models, err := parity.Load(dir)
	require.NoError(t, err)
	return f, models
}

func newRanker(t *testing.T, mods host.Modules) *host.Ranker {
	t.Helper()
	ctx := context.Background()
	rt, err := host.NewRuntime(ctx, mods, host.Options{CacheDir: host.SharedCacheDir()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = rt.Close(ctx) })
	inst, err := rt.NewInstance(ctx)
	require.NoError(t, err)
	return host.NewRanker(inst)
}

func TestRankerStatuses(t *testing.T) {
	ctx := context.Background()
	f, models := loadFixture(t)
	events := f.Events
	req := f.Cases[5].Request
	noPQ := func() []byte {
		m, _, err := modelfile.Load(models[parity.Model4])
		require.NoError(t, err)
		b, err := modelfile.Marshal(m, nil)
		require.NoError(t, err)
		return b
	}()
	tests := []struct {
		name   string
		run    func(r *host.Ranker) error
		status host.Status
		msg    string
	}{
		{"rank before a model", func(r *host.Ranker) error {
			_, err := r.Rank(ctx, &req)
			return err
		}, host.StatusNotLoaded, "load_model"},
		{"events before a model", func(r *host.Ranker) error {
			_, err := r.LoadEvents(ctx, events, host.StoreOptions{})
			return err
		}, host.StatusNotLoaded, "load_model"},
		{"not a model file", func(r *host.Ranker) error {
			_, err := r.LoadModel(ctx, []byte("hello"))
			return err
		}, host.StatusBadInput, "load_model"},
		{"truncate before a model", func(r *host.Ranker) error {
			_, err := r.TruncateEvents(ctx, 0)
			return err
		}, host.StatusNotLoaded, "load_model"},
		{"truncate past the events", func(r *host.Ranker) error {
			load(t, r, models[parity.Model4], events[:3], host.StoreOptions{})
			_, err := r.TruncateEvents(ctx, 4)
			return err
		}, host.StatusBadArgument, "3 are held"},
		{"segment past the events", func(r *host.Ranker) error {
			load(t, r, models[parity.Model4], events[:3], host.StoreOptions{})
			_, err := r.StoreSegment(ctx, 4)
			return err
		}, host.StatusBadArgument, "3 are held"},
		{"misspelt part weight, checked before the call", func(r *host.Ranker) error {
			req := req
			req.Options.Weights = abi.PartWeights{"qeury": 2}
			_, err := r.Rank(ctx, &req)
			return err
		}, host.StatusBadInput, `rank: options.weights: unknown part "qeury"`},
		{"bits of the other codec", func(r *host.Ranker) error {
			load(t, r, models[parity.Model4], events, host.StoreOptions{})
			req := req
			req.Options.Bits = 8
			_, err := r.Rank(ctx, &req)
			return err
		}, host.StatusBadInput, "4-bit codes"},
		{"exact without exact vectors", func(r *host.Ranker) error {
			load(t, r, models[parity.Model4], events, host.StoreOptions{})
			req := req
			req.Options.Exact = true
			_, err := r.Rank(ctx, &req)
			return err
		}, host.StatusNotLoaded, "exact: true"},
		{"store bytes without a codec", func(r *host.Ranker) error {
			load(t, r, noPQ, events, host.StoreOptions{})
			_, err := r.StoreBytes(ctx)
			return err
		}, host.StatusNotLoaded, "no \"pq\" section"},
		{"events out of time order", func(r *host.Ranker) error {
			load(t, r, models[parity.Model4], events, host.StoreOptions{})
			_, err := r.AppendEvents(ctx, events[:1])
			return err
		}, host.StatusBadInput, "earlier than the event before it"},
		{"dense slot of the wrong width", func(r *host.Ranker) error {
			load(t, r, models[parity.Model4], events, host.StoreOptions{})
			req := req
			req.Candidates = []abi.Item{{ID: "x", Dense: [][]float32{{1, 2}}}}
			_, err := r.Rank(ctx, &req)
			return err
		}, host.StatusBadInput, "width 2"},
		{"browse event with a query", func(r *host.Ranker) error {
			_, err := r.LoadModel(ctx, models[parity.Model4])
			require.NoError(t, err)
			_, err = r.LoadEvents(ctx, []host.Event{{Kind: abi.Browse, Query: "q", Item: abi.Item{ID: "a"}}}, host.StoreOptions{})
			return err
		}, host.StatusBadInput, "browse event"},
		{"store bytes of garbage", func(r *host.Ranker) error {
			load(t, r, models[parity.Model4], events, host.StoreOptions{})
			_, err := r.LoadStore(ctx, []byte("SMEV and then some garbage bytes"))
			return err
		}, host.StatusBadInput, "malformed event store: version 32"},
		{"store bytes of another codec", func(r *host.Ranker) error {
			load(t, r, models[parity.Model4], events, host.StoreOptions{})
			store, err := r.StoreBytes(ctx)
			require.NoError(t, err)
			_, err = r.LoadModel(ctx, models[parity.Model8])
			require.NoError(t, err)
			_, err = r.LoadStore(ctx, store)
			return err
		}, host.StatusBadInput, "encode the events again with this model"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRanker(t, host.BuiltModules())
			err := tt.run(r)
			require.ErrorIs(t, err, tt.status)
			assert.ErrorContains(t, err, tt.msg)
			require.NoError(t, r.Instance().Err(), "a status leaves the instance usable")
		})
	}
}

func load(t *testing.T, r *host.Ranker, file []byte, events []host.Event, opts host.StoreOptions) {
	t.Helper()
	ctx := context.Background()
	_, err := r.LoadModel(ctx, file)
	require.NoError(t, err)
	n, err := r.LoadEvents(ctx, events, opts)
	require.NoError(t, err)
	require.Equal(t, len(events), n)
}

// A failed load keeps the events held; appending in two steps, or persisting the store and
// loading it back, ranks as loading everything at once.
func TestRankerEventsAndStore(t *testing.T) {
	ctx := context.Background()
	f, models := loadFixture(t)
	events := f.Events
	c := f.Cases[5] // 4-bit defaults
	r := newRanker(t, host.BuiltModules())

	info, err := r.LoadModel(ctx, models[parity.Model4])
	require.NoError(t, err)
	assert.Equal(t, host.ModelInfo{Dim: 16, Heads: 2, TopK: 8, DenseDims: []int{8}, Bits: 4, Codec: info.Codec,
		CodesPerEvent: 12, BytesPerEvent: 15}, info)
	assert.NotZero(t, info.Codec)

	n, err := r.LoadEvents(ctx, events[:100], host.StoreOptions{})
	require.NoError(t, err)
	require.Equal(t, 100, n)
	_, err = r.AppendEvents(ctx, []host.Event{events[100], {Time: events[100].Time, Kind: 7}})
	require.ErrorIs(t, err, host.StatusBadInput)
	n, err = r.AppendEvents(ctx, events[100:])
	require.NoError(t, err)
	require.Equal(t, len(events), n)
	reply, err := r.Rank(ctx, &c.Request)
	require.NoError(t, err)
	require.NoError(t, c.Compare(reply.Order, reply.Scores))
	assert.Equal(t, abi.Bits4, reply.Bits)
	assert.False(t, reply.Exact)
	assert.GreaterOrEqual(t, reply.Timings.Total, reply.Timings.Scan)

	store, err := r.StoreBytes(ctx)
	require.NoError(t, err)
	// Header, time and kind, coarse codes in 32-event blocks, fine codes, checksum.
	assert.Len(t, store, 4+24+len(events)*5+12/2*((len(events)+31)/32*32)+len(events)*4+4)

	fresh := newRanker(t, host.BuiltModules())
	_, err = fresh.LoadModel(ctx, models[parity.Model4])
	require.NoError(t, err)
	n, err = fresh.LoadStore(ctx, store)
	require.NoError(t, err)
	require.Equal(t, len(events), n)
	reply, err = fresh.Rank(ctx, &c.Request)
	require.NoError(t, err)
	require.NoError(t, c.Compare(reply.Order, reply.Scores))
	again, err := fresh.StoreBytes(ctx)
	require.NoError(t, err)
	assert.Equal(t, store, again)
}

// A model without a codec ranks exactly, merged or per head: the fixture's exact cases.
func TestRankerWithoutCodec(t *testing.T) {
	ctx := context.Background()
	f, models := loadFixture(t)
	m, _, err := modelfile.Load(models[parity.Model4])
	require.NoError(t, err)
	noPQ, err := modelfile.Marshal(m, nil)
	require.NoError(t, err)
	r := newRanker(t, host.BuiltModules())
	load(t, r, noPQ, f.Events, host.StoreOptions{})
	for _, c := range f.Cases[:2] {
		require.True(t, c.Request.Options.Exact)
		reply, err := r.Rank(ctx, &c.Request)
		require.NoError(t, err, c.Name)
		require.NoError(t, c.Compare(reply.Order, reply.Scores))
		assert.True(t, reply.Exact)
	}
	// Default options mean exact search on a model without a codec; weights do not apply.
	req := f.Cases[0].Request
	req.Options = abi.RankOptions{}
	reply, err := r.Rank(ctx, &req)
	require.NoError(t, err)
	require.NoError(t, f.Cases[0].Compare(reply.Order, reply.Scores))
	req.Options.Weights = abi.PartWeights{abi.PartQuery: 2}
	_, err = r.Rank(ctx, &req)
	require.ErrorIs(t, err, host.StatusBadInput)
}

// Pool.Rank loads each user's history into whichever instance serves the call.
func TestPoolRank(t *testing.T) {
	ctx := context.Background()
	f, models := loadFixture(t)
	rt, err := host.NewRuntime(ctx, host.BuiltModules(), host.Options{CacheDir: host.SharedCacheDir()})
	require.NoError(t, err)
	defer rt.Close(ctx)
	p, err := host.NewPool(rt, host.PoolOptions{Size: 1, Setup: host.ModelSetup(models[parity.Model4])})
	require.NoError(t, err)
	defer p.Close(ctx)

	c := f.Cases[5]
	events := f.Events
	reply, err := p.Rank(ctx, host.History{Events: events}, &c.Request)
	require.NoError(t, err)
	require.NoError(t, c.Compare(reply.Order, reply.Scores))

	// Another user with a short history on the same instance gets their own ranking.
	short, err := p.Rank(ctx, host.History{Events: events[:5]}, &c.Request)
	require.NoError(t, err)
	assert.NotEqual(t, reply.Scores, short.Scores)

	var store []byte
	require.NoError(t, p.Do(ctx, func(inst *host.Instance) error {
		r := host.NewRanker(inst)
		if _, err := r.LoadEvents(ctx, events, host.StoreOptions{}); err != nil {
			return err
		}
		store, err = r.StoreBytes(ctx)
		return err
	}))
	fromStore, err := p.Rank(ctx, host.History{Store: store}, &c.Request)
	require.NoError(t, err)
	require.NoError(t, c.Compare(fromStore.Order, fromStore.Scores))
}

// cancelOnDone is a context cancelled as soon as the runtime asks for its Done channel, which it
// does as a call enters the module: a cancellation while the call runs.
type cancelOnDone struct {
	context.Context
	cancel context.CancelFunc
}

func (c *cancelOnDone) Done() <-chan struct{} {
	c.cancel()
	return c.Context.Done()
}

// Under the default CancelAtClock, a rank call cancelled while it runs stops at the ranking's
// next clock read; the pool replaces the broken instance and serves the next call.
func TestPoolCancelledRank(t *testing.T) {
	bg := context.Background()
	f, models := loadFixture(t)
	rt, err := host.NewRuntime(bg, host.BuiltModules(), host.Options{CacheDir: host.SharedCacheDir()})
	require.NoError(t, err)
	defer rt.Close(bg)
	setups := 0
	setup := host.ModelSetup(models[parity.Model4])
	p, err := host.NewPool(rt, host.PoolOptions{Size: 1, Setup: func(ctx context.Context, inst *host.Instance) error {
		setups++
		return setup(ctx, inst)
	}})
	require.NoError(t, err)
	defer p.Close(bg)

	c := f.Cases[5]
	events := f.Events
	var first *host.Instance
	err = p.Do(bg, func(inst *host.Instance) error {
		first = inst
		r := host.NewRanker(inst)
		if _, err := r.LoadEvents(bg, events, host.StoreOptions{}); err != nil {
			return err
		}
		// A first call sizes the instance's input buffer, so that the cancelled one makes a
		// single call into the module: rank.
		if _, err := r.Rank(bg, &c.Request); err != nil {
			return err
		}
		ctx, cancel := context.WithCancel(bg)
		defer cancel()
		_, err := r.Rank(&cancelOnDone{Context: ctx, cancel: cancel}, &c.Request)
		return err
	})
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, host.ErrInstanceBroken)
	require.ErrorIs(t, first.Err(), host.ErrInstanceBroken)

	reply, err := p.Rank(bg, host.History{Events: events}, &c.Request)
	require.NoError(t, err)
	require.NoError(t, c.Compare(reply.Order, reply.Scores))
	assert.Equal(t, 2, setups, "the broken instance was replaced")
}

// A fresh instance holds an empty history: appends work at once, and a rank with no events
// scores every candidate.
func TestRankerAppendAfterModel(t *testing.T) {
	ctx := context.Background()
	f, models := loadFixture(t)
	r := newRanker(t, host.BuiltModules())
	_, err := r.LoadModel(ctx, models[parity.Model4])
	require.NoError(t, err)
	empty, err := r.Rank(ctx, &f.Cases[5].Request)
	require.NoError(t, err)
	assert.Len(t, empty.Order, len(f.Cases[5].Request.Candidates))
	n, err := r.AppendEvents(ctx, f.Events)
	require.NoError(t, err)
	require.Equal(t, len(f.Events), n)
	c := &f.Cases[5]
	reply, err := r.Rank(ctx, &c.Request)
	require.NoError(t, err)
	require.NoError(t, c.Compare(reply.Order, reply.Scores))
}

// Loads and appends larger than one call carries are split, and rank as one load does; a
// split append that fails in a later call takes back what the earlier calls added.
func TestRankerSplitsLargeLoads(t *testing.T) {
	ctx := context.Background()
	f, models := loadFixture(t)
	r := newRanker(t, host.BuiltModules())
	host.SetChunk(r, 4<<10) // a few dozen events per call
	c := &f.Cases[5]
	_, err := r.LoadModel(ctx, models[parity.Model4])
	require.NoError(t, err)
	n, err := r.LoadEvents(ctx, f.Events, abi.StoreOptions{})
	require.NoError(t, err)
	require.Equal(t, len(f.Events), n)
	reply, err := r.Rank(ctx, &c.Request)
	require.NoError(t, err)
	require.NoError(t, c.Compare(reply.Order, reply.Scores))

	before, err := r.StoreBytes(ctx)
	require.NoError(t, err)
	late := f.Events[len(f.Events)-1].Time
	more := make([]abi.Event, 200)
	for j := range more {
		more[j] = abi.Event{Time: late + int64(j), Item: f.Events[j].Item}
	}
	more[150].Time = late - 1 // goes back in time, in a later call than the first
	_, err = r.AppendEvents(ctx, more)
	require.ErrorIs(t, err, host.StatusBadInput)
	assert.ErrorContains(t, err, "earlier than the event before it")
	after, err := r.StoreBytes(ctx)
	require.NoError(t, err)
	assert.Equal(t, before, after, "a failed split append changes nothing")
}

// A history kept as a snapshot and segments ranks as the events it holds, through a pool.
func TestPoolRankSegments(t *testing.T) {
	ctx := context.Background()
	f, models := loadFixture(t)
	rt, err := host.NewRuntime(ctx, host.BuiltModules(), host.Options{CacheDir: host.SharedCacheDir()})
	require.NoError(t, err)
	defer rt.Close(ctx)
	p, err := host.NewPool(rt, host.PoolOptions{Size: 1, Setup: host.ModelSetup(models[parity.Model4])})
	require.NoError(t, err)
	defer p.Close(ctx)
	var h host.History
	require.NoError(t, p.Do(ctx, func(inst *host.Instance) error {
		r := host.NewRanker(inst)
		if _, err := r.LoadEvents(ctx, nil, abi.StoreOptions{}); err != nil {
			return err
		}
		snapshot, err := r.StoreBytes(ctx)
		if err != nil {
			return err
		}
		h.Store = snapshot
		for start := 0; start < len(f.Events); start += 70 {
			n0, err := r.AppendEvents(ctx, f.Events[start:min(start+70, len(f.Events))])
			if err != nil {
				return err
			}
			seg, err := r.StoreSegment(ctx, start)
			if err != nil {
				return err
			}
			_ = n0
			h.Segments = append(h.Segments, seg)
		}
		return nil
	}))
	require.Len(t, h.Segments, 5)
	c := &f.Cases[5]
	reply, err := p.Rank(ctx, h, &c.Request)
	require.NoError(t, err)
	require.NoError(t, c.Compare(reply.Order, reply.Scores))

	h.Segments[2] = append([]byte(nil), h.Segments[2]...)
	h.Segments[2][40] ^= 1
	_, err = p.Rank(ctx, h, &c.Request)
	require.ErrorIs(t, err, host.StatusBadInput, "a corrupt segment is refused")
	assert.ErrorContains(t, err, "segment 2")
}
