// Package mobile is the Go host shaped for gomobile bind: an app opens a Ranker with the model
// file and a directory of its own, appends the user's events as they happen, and ranks; the
// history stays in that directory (package historyfile) and survives restarts and crashes.
//
// Exported signatures use only what gomobile binds ([]byte, string, int64, bool, error), so
// that `gomobile bind ./host/mobile` makes a Swift framework and an Android library of this
// package. Messages are the ABI's (docs/abi.md) in either of its forms: JSON (what Swift's
// JSONEncoder and kotlinx.serialization write) or MessagePack. A reply comes in the form of
// its request. The scoring runs in the embedded WebAssembly module (host/module) through
// wazero, like every other Go host.
//
// A Ranker is safe for concurrent use; calls run one at a time. gomobile cannot pass a
// context, so calls run to completion.
package mobile

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/seminar-ranker/seminar/core/abi"
	"github.com/seminar-ranker/seminar/core/abi/abijson"
	"github.com/seminar-ranker/seminar/core/msgp"
	"github.com/seminar-ranker/seminar/host"
	"github.com/seminar-ranker/seminar/host/historyfile"
	"github.com/seminar-ranker/seminar/host/module"
)

// Subdirectories of the directory given to Open.
const (
	historyDir = "history" // the snapshot and the append log (historyfile)
	cacheDir   = "wazero"  // compiled machine code, where wazero compiles (not on iOS or Android)
)

// Ranker ranks for the one user whose history its directory holds.
type Ranker struct {
	mu     sync.Mutex
	model  []byte
	dir    string
	fsys   historyfile.FS
	rt     *host.Runtime
	inst   *host.Instance
	r      *host.Ranker
	hist   *historyfile.Dir
	info   abi.ModelInfo
	count  int
	dec    abi.Decoder
	req    abi.RankRequest
	closed bool
}

// options are what tests change about Open.
type options struct {
	fsys     historyfile.FS
	cacheDir string // compiled code cache; "" is dir/wazero
}

// Open starts a ranker on a model file (with its product-quantization codec: the history is
// kept as PQ codes) and restores the history kept in dir, creating dir if needed. It fails
// when the history was made by another model's codec: call Remove(dir) to start afresh.
func Open(modelBytes []byte, dir string) (*Ranker, error) {
	return open(context.Background(), modelBytes, dir, options{fsys: historyfile.OS{}})
}

func open(ctx context.Context, model []byte, dir string, o options) (*Ranker, error) {
	if o.cacheDir == "" {
		o.cacheDir = filepath.Join(dir, cacheDir)
	}
	mods, err := module.Modules()
	if err != nil {
		return nil, fmt.Errorf("mobile: %w", err)
	}
	rt, err := host.NewRuntime(ctx, mods, host.Options{CacheDir: o.cacheDir})
	if err != nil {
		return nil, fmt.Errorf("mobile: %w", err)
	}
	r := &Ranker{model: slices.Clone(model), dir: dir, fsys: o.fsys, rt: rt}
	if err := r.start(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("mobile: %w", err), rt.Close(ctx))
	}
	return r, nil
}

// start makes an instance, loads the model and the history kept on disk, and compacts the
// history into one snapshot when the log holds segments.
func (r *Ranker) start(ctx context.Context) error {
	inst, err := r.rt.NewInstance(ctx)
	if err != nil {
		return err
	}
	r.inst, r.r = inst, host.NewRanker(inst)
	if r.info, err = r.r.LoadModel(ctx, r.model); err != nil {
		return errors.Join(err, inst.Close(ctx))
	}
	if r.info.Codec == 0 {
		return errors.Join(errors.New("the model file has no product-quantization codec (\"pq\" section), which the history is kept in"), inst.Close(ctx))
	}
	hist, c, err := historyfile.Open(r.fsys, filepath.Join(r.dir, historyDir))
	if err != nil {
		return errors.Join(err, inst.Close(ctx))
	}
	if err := r.load(ctx, c); err != nil {
		return errors.Join(err, hist.Close(), inst.Close(ctx))
	}
	r.hist = hist
	if len(c.Segments) > 0 {
		if err := r.compact(ctx); err != nil {
			return errors.Join(err, hist.Close(), inst.Close(ctx))
		}
	}
	return nil
}

// load loads the snapshot and appends the segments, checking that this model's codec made them.
func (r *Ranker) load(ctx context.Context, c *historyfile.Contents) error {
	n := 0
	if c.Snapshot != nil {
		if err := r.checkCodec(c.Snapshot); err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
		var err error
		if n, err = r.r.LoadStore(ctx, c.Snapshot); err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
	}
	for k, seg := range c.Segments {
		if err := r.checkCodec(seg); err != nil {
			return fmt.Errorf("segment %d: %w", k, err)
		}
		var err error
		if n, err = r.r.AppendStore(ctx, seg); err != nil {
			return fmt.Errorf("segment %d: %w", k, err)
		}
	}
	r.count = n
	return nil
}

// ErrCodec reports a history made by another codec than the model's: its PQ codes mean
// nothing to this model.
var ErrCodec = errors.New("the history was made by another model's codec")

// checkCodec reads the codec checksum of a binary event store (magic "SMEV", checksum at
// bytes 8 to 12; core/retrieval) before the module gets it, so that a model update gives a
// clear error rather than a malformed-store one.
func (r *Ranker) checkCodec(store []byte) error {
	if len(store) < 12 || string(store[:4]) != "SMEV" {
		return errors.New("not a binary event store")
	}
	if got := binary.LittleEndian.Uint32(store[8:]); got != r.info.Codec {
		return fmt.Errorf("%w (codec %08x, the model's is %08x): call Remove on the directory to start afresh", ErrCodec, got, r.info.Codec)
	}
	return nil
}

// ready checks that the ranker is open and restarts an instance a trap broke, from the model
// and the history on disk, which hold everything acknowledged.
func (r *Ranker) ready(ctx context.Context) error {
	if r.closed {
		return errors.New("the ranker is closed")
	}
	cause := r.inst.Err()
	if cause == nil {
		return nil
	}
	err := errors.Join(r.hist.Close(), r.inst.Close(ctx))
	if err == nil {
		err = r.start(ctx)
	}
	if err != nil {
		return fmt.Errorf("restart after %v: %w", cause, err)
	}
	return nil
}

// Append adds events after those held and keeps them in the history; it returns the number of
// events held once they are on stable storage. events is an array of the ABI's events in JSON
// or MessagePack. On error nothing was added, in memory or on disk.
func (r *Ranker) Append(events []byte) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ctx := context.Background()
	if err := r.ready(ctx); err != nil {
		return int64(r.count), fmt.Errorf("mobile: append: %w", err)
	}
	evs, err := r.decodeEvents(events)
	if err != nil {
		return int64(r.count), fmt.Errorf("mobile: append: %w", err)
	}
	n0 := r.count
	n, err := r.r.AppendEvents(ctx, evs)
	if err != nil {
		return int64(n0), fmt.Errorf("mobile: append: %w", err)
	}
	if n == n0 {
		return int64(n), nil
	}
	seg, err := r.r.StoreSegment(ctx, n0)
	if err == nil {
		err = r.hist.Append(seg)
	}
	if err != nil {
		// Memory follows the disk: drop what could not be kept.
		if _, terr := r.r.TruncateEvents(ctx, n0); terr != nil {
			err = errors.Join(err, terr)
		}
		return int64(n0), fmt.Errorf("mobile: append: %w", err)
	}
	r.count = n
	return int64(n), nil
}

// decodeEvents decodes an array of events, checked as the module checks them.
func (r *Ranker) decodeEvents(b []byte) ([]abi.Event, error) {
	b, err := toMsgpack(b)
	if err != nil {
		return nil, err
	}
	in, err := r.dec.AppendEvents(b)
	if err != nil {
		return nil, err
	}
	out := make([]abi.Event, 0, in.Len())
	var ev abi.Event
	err = in.Each(&ev, func(_ int, ev *abi.Event) error {
		// The decoder reuses the attribute and dense slices from event to event.
		e := *ev
		e.Item.Attrs = slices.Clone(ev.Item.Attrs)
		e.Item.Dense = make([][]float32, len(ev.Item.Dense))
		for k, x := range ev.Item.Dense {
			e.Item.Dense[k] = slices.Clone(x)
		}
		out = append(out, e)
		return nil
	})
	return out, err
}

// Rank orders a rank request's candidates for the user and returns the reply, in JSON when
// the request was JSON and in MessagePack when it was MessagePack.
func (r *Ranker) Rank(requestBytes []byte) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ctx := context.Background()
	if err := r.ready(ctx); err != nil {
		return nil, fmt.Errorf("mobile: rank: %w", err)
	}
	asJSON := isJSON(requestBytes)
	b, err := toMsgpack(requestBytes)
	if err == nil {
		err = r.dec.RankRequest(b, &r.req)
	}
	if err != nil {
		return nil, fmt.Errorf("mobile: rank: %w", err)
	}
	reply, err := r.r.Rank(ctx, &r.req)
	if err != nil {
		return nil, fmt.Errorf("mobile: rank: %w", err)
	}
	if asJSON {
		out, err := json.Marshal(&reply)
		if err != nil {
			return nil, fmt.Errorf("mobile: rank: %w", err)
		}
		return out, nil
	}
	w := msgp.NewWriter(nil)
	abi.AppendRankReply(w, &reply)
	if err := w.Err(); err != nil {
		return nil, fmt.Errorf("mobile: rank: %w", err)
	}
	return w.Bytes(), nil
}

// isJSON reports whether b is a JSON message: an object or an array after optional white
// space. A MessagePack message starts with a map or array header, never with '{', '[' or
// white space.
func isJSON(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

func toMsgpack(b []byte) ([]byte, error) {
	if isJSON(b) {
		return abijson.ToMsgpack(b)
	}
	return b, nil
}

// Export returns the whole history as one binary event store (the module's store_bytes):
// what LoadStore, the web package and the server take, for a backup or a move to a new device.
func (r *Ranker) Export() ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ctx := context.Background()
	if err := r.ready(ctx); err != nil {
		return nil, fmt.Errorf("mobile: export: %w", err)
	}
	b, err := r.r.StoreBytes(ctx)
	if err != nil {
		return nil, fmt.Errorf("mobile: export: %w", err)
	}
	return b, nil
}

// Compact rewrites the history as one snapshot and empties the append log. Open compacts; an
// app that appends much in one session can call it when it goes to the background.
func (r *Ranker) Compact() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	ctx := context.Background()
	if err := r.ready(ctx); err != nil {
		return fmt.Errorf("mobile: compact: %w", err)
	}
	if err := r.compact(ctx); err != nil {
		return fmt.Errorf("mobile: compact: %w", err)
	}
	return nil
}

func (r *Ranker) compact(ctx context.Context) error {
	snap, err := r.r.StoreBytes(ctx)
	if err != nil {
		return err
	}
	return r.hist.Compact(snap)
}

// Forget deletes the user's history, on disk and in memory.
func (r *Ranker) Forget() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	ctx := context.Background()
	if err := r.ready(ctx); err != nil {
		return fmt.Errorf("mobile: forget: %w", err)
	}
	if err := r.hist.Clear(); err != nil {
		return fmt.Errorf("mobile: forget: %w", err)
	}
	n, err := r.r.TruncateEvents(ctx, 0)
	if err != nil {
		return fmt.Errorf("mobile: forget: %w", err)
	}
	r.count = n
	return nil
}

// Count returns the number of events held.
func (r *Ranker) Count() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return int64(r.count)
}

// Close releases the ranker. The history stays in its directory.
func (r *Ranker) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	ctx := context.Background()
	if err := errors.Join(r.hist.Close(), r.inst.Close(ctx), r.rt.Close(ctx)); err != nil {
		return fmt.Errorf("mobile: close: %w", err)
	}
	return nil
}

// Remove deletes what Open keeps in dir: the history and the compiled-code cache. The ranker
// on dir, if any, must be closed.
func Remove(dir string) error {
	for _, sub := range []string{historyDir, cacheDir} {
		if err := os.RemoveAll(filepath.Join(dir, sub)); err != nil {
			return fmt.Errorf("mobile: %w", err)
		}
	}
	return nil
}
