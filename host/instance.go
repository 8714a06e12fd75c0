package host

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/tetratelabs/wazero/api"
)

// Input buffers: an instance keeps one buffer in the module between calls, grown up to
// scratchMax; a larger input gets a buffer of its own, freed after the call, so that a one-off
// load does not hold the module's allocation limit.
const (
	scratchMin = 4 << 10
	scratchMax = 1 << 20
)

// export is one bound export of the module.
type export struct {
	name string
	fn   api.Function
}

// exports are the module's exports this package calls.
type exports struct {
	version, features, statusBlock export
	alloc, free                    export
	loadModel, loadEvents          export
	appendEvents, truncateEvents   export
	rank                           export
	storeBytes, storeSegment       export
	loadStore, appendStore         export
}

// bindExports looks up every export and checks its signature, so that a module built for
// another ABI fails here rather than on its first call.
func bindExports(mod api.Module) (exports, error) {
	var errs []error
	bind := func(name string, params, results []api.ValueType) export {
		fn := mod.ExportedFunction(name)
		if fn == nil {
			errs = append(errs, fmt.Errorf("export %s is missing", name))
			return export{name: name}
		}
		def := fn.Definition()
		if !equalTypes(def.ParamTypes(), params) || !equalTypes(def.ResultTypes(), results) {
			errs = append(errs, fmt.Errorf("export %s has signature %v -> %v, want %v -> %v",
				name, def.ParamTypes(), def.ResultTypes(), params, results))
		}
		return export{name: name, fn: fn}
	}
	none := []api.ValueType{}
	one := []api.ValueType{api.ValueTypeI32}
	two := []api.ValueType{api.ValueTypeI32, api.ValueTypeI32}
	x := exports{
		version:     bind("version", none, one),
		features:    bind("features", none, one),
		statusBlock: bind("status_block", none, one),
		alloc:       bind("alloc", one, one),
		free:        bind("free", one, one),

		loadModel:      bind("load_model", two, one),
		loadEvents:     bind("load_events", two, one),
		appendEvents:   bind("append_events", two, one),
		truncateEvents: bind("truncate_events", one, one),
		rank:           bind("rank", two, one),
		storeBytes:     bind("store_bytes", none, one),
		storeSegment:   bind("store_segment", one, one),
		loadStore:      bind("load_store", two, one),
		appendStore:    bind("append_store", two, one),
	}
	return x, errors.Join(errs...)
}

func equalTypes(a, b []api.ValueType) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if a[k] != b[k] {
			return false
		}
	}
	return true
}

// Instance is one instantiation of the module. It is not safe for concurrent use; a Pool
// shares instances between goroutines.
//
// Once a call has broken the instance (see ErrInstanceBroken), every method returns that
// error and the instance should be closed.
type Instance struct {
	mod   api.Module
	mem   api.Memory
	x     exports
	stack [2]uint64 // parameters and results of the current call
	block uint32    // address of the module's status block

	scratch, scratchCap uint32 // the kept input buffer in the module's memory, if any

	clock  *callClock // under CancelAtClock, the module's monotonic clock; else nil
	stderr *tail      // the end of what the module wrote to stderr, for trap errors

	err error // why the instance is broken, or nil
}

func newInstance(ctx context.Context, mod api.Module, clock *callClock, stderr *tail) (*Instance, error) {
	x, err := bindExports(mod)
	if err != nil {
		return nil, fmt.Errorf("host: module does not implement the ABI: %w", err)
	}
	inst := &Instance{mod: mod, mem: mod.Memory(), x: x, clock: clock, stderr: stderr}
	if inst.mem == nil {
		return nil, errors.New("host: module has no memory")
	}
	v, err := inst.Version(ctx)
	if err != nil {
		return nil, err
	}
	if !v.compatible(ABIVersion()) {
		return nil, fmt.Errorf("host: module ABI %v, this host speaks %v", v, ABIVersion())
	}
	block, err := inst.call(ctx, x.statusBlock, 0, 0)
	if err != nil {
		return nil, err
	}
	inst.block = api.DecodeU32(block)
	if _, err := inst.outcome(); err != nil {
		return nil, err
	}
	return inst, nil
}

// Err returns nil while the instance is usable and otherwise the error that broke it.
func (i *Instance) Err() error {
	if i.err == nil && i.mod.IsClosed() {
		i.err = fmt.Errorf("host: %w: module closed", ErrInstanceBroken)
	}
	return i.err
}

// Close releases the instance.
func (i *Instance) Close(ctx context.Context) error {
	if i.err == nil {
		i.err = fmt.Errorf("host: %w: closed", ErrInstanceBroken)
	}
	if err := i.mod.Close(ctx); err != nil {
		return fmt.Errorf("host: close instance: %w", err)
	}
	return nil
}

// MemorySize returns the size of the instance's linear memory in bytes: what the instance holds
// (model, events, the Go heap around them), and never less than at any earlier moment, since
// linear memory only grows.
func (i *Instance) MemorySize() uint64 { return uint64(i.mem.Size()) }

// Version returns the ABI version the module implements.
func (i *Instance) Version(ctx context.Context) (Version, error) {
	r, err := i.call(ctx, i.x.version, 0, 0)
	return unpackVersion(api.DecodeU32(r)), err
}

// Features returns the module's capability bits.
func (i *Instance) Features(ctx context.Context) (Features, error) {
	r, err := i.call(ctx, i.x.features, 0, 0)
	return Features(api.DecodeU32(r)), err
}

// call invokes an export with up to two i32 parameters and returns its first result. The
// context is checked first so that an already cancelled call returns without breaking the
// instance; how cancellation during the call stops it is the runtime's Cancellation.
func (i *Instance) call(ctx context.Context, e export, a, b uint32) (uint64, error) {
	if i.err != nil {
		return 0, i.err
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("host: %s: %w", e.name, err)
	}
	i.stderr.Reset()
	i.stack = [2]uint64{api.EncodeU32(a), api.EncodeU32(b)}
	i.clock.enter(ctx)
	err := e.fn.CallWithStack(ctx, i.stack[:])
	i.clock.leave()
	if err != nil {
		if cerr := ctx.Err(); cerr != nil && errors.Is(err, errCancelledAtClock) {
			err = cerr
		}
		return 0, i.broke(e.name, err)
	}
	return i.stack[0], nil
}

// callStatus invokes a fallible export and turns a negative status into a *StatusError.
func (i *Instance) callStatus(ctx context.Context, e export, a, b uint32) error {
	r, err := i.call(ctx, e, a, b)
	if err != nil {
		return err
	}
	if s := Status(api.DecodeI32(r)); s != StatusOK {
		return i.statusError(e.name, s)
	}
	return nil
}

func (i *Instance) statusError(name string, s Status) error {
	o, err := i.outcome()
	if err != nil {
		return err
	}
	msg, err := i.read(name, o.errorPtr, o.errorLen)
	if err != nil {
		return err
	}
	serr := &StatusError{Export: name, Status: s, Message: string(msg)}
	if s == StatusInternal {
		// A recovered panic may have left the module's state half-updated.
		i.err = fmt.Errorf("%w: %w", serr, ErrInstanceBroken)
		return i.err
	}
	return serr
}

// broke records that the instance can no longer be used because of cause. A trap's own
// message is an anonymous wasm stack; the Go runtime inside says why on stderr ("fatal error:
// out of memory"), so its last lines join the error.
func (i *Instance) broke(name string, cause error) error {
	i.err = fmt.Errorf("host: %s: %w: %w", name, ErrInstanceBroken, &trapError{cause: cause, why: i.stderr.Cause()})
	return i.err
}

// trapError is why a call broke its instance: the runtime's error, whose message is its first
// line (wazero adds an anonymous wasm stack), and what the module wrote about it.
type trapError struct {
	cause error
	why   string
}

func (e *trapError) Error() string {
	msg, _, _ := strings.Cut(e.cause.Error(), "\n")
	if e.why != "" {
		msg += "; the module wrote: " + e.why
	}
	return msg
}

func (e *trapError) Unwrap() error { return e.cause }

// statusBlockSize is the size of the status block: five 32-bit words.
const statusBlockSize = 20

// outcome is the status block the module rewrites as each fallible call returns.
type outcome struct {
	status             Status
	errorPtr, errorLen uint32
	replyPtr, replyLen uint32
}

func (i *Instance) outcome() (outcome, error) {
	b, err := i.read(i.x.statusBlock.name, i.block, statusBlockSize)
	if err != nil {
		return outcome{}, err
	}
	le := binary.LittleEndian
	return outcome{
		status:   Status(int32(le.Uint32(b))),
		errorPtr: le.Uint32(b[4:]),
		errorLen: le.Uint32(b[8:]),
		replyPtr: le.Uint32(b[12:]),
		replyLen: le.Uint32(b[16:]),
	}, nil
}

// reply returns the last reply as a view of the module's memory, valid until the next call.
func (i *Instance) reply() ([]byte, error) {
	o, err := i.outcome()
	if err != nil {
		return nil, err
	}
	return i.read(i.x.statusBlock.name, o.replyPtr, o.replyLen)
}

// read returns a view of n bytes at ptr, which the module (export name) handed out.
func (i *Instance) read(name string, ptr, n uint32) ([]byte, error) {
	b, ok := i.mem.Read(ptr, n)
	if !ok {
		return nil, i.broke(name, fmt.Errorf("%d bytes at %d lie outside memory", n, ptr))
	}
	return b, nil
}

// input returns the address of a module buffer of n bytes and a view of it (valid until the
// next call) for the caller to fill. Pass the address to release after the call.
func (i *Instance) input(ctx context.Context, n uint32) (uint32, []byte, error) {
	if n == 0 {
		return 0, nil, nil
	}
	ptr := i.scratch
	if n > i.scratchCap {
		var err error
		if n > scratchMax {
			ptr, err = i.alloc(ctx, n)
		} else {
			ptr, err = i.growScratch(ctx, n)
		}
		if err != nil {
			return 0, nil, err
		}
	}
	buf, err := i.read(i.x.alloc.name, ptr, n)
	if err != nil {
		return 0, nil, err
	}
	return ptr, buf, nil
}

func (i *Instance) growScratch(ctx context.Context, n uint32) (uint32, error) {
	if i.scratch != 0 {
		if err := i.free(ctx, i.scratch); err != nil {
			return 0, err
		}
		i.scratch, i.scratchCap = 0, 0
	}
	size := min(max(n, 2*i.scratchCap, scratchMin), scratchMax)
	ptr, err := i.alloc(ctx, size)
	if err != nil {
		return 0, err
	}
	i.scratch, i.scratchCap = ptr, size
	return ptr, nil
}

// release frees an input buffer unless it is the kept one.
func (i *Instance) release(ctx context.Context, ptr uint32) error {
	if ptr == 0 || ptr == i.scratch || i.err != nil {
		return nil
	}
	return i.free(ctx, ptr)
}

func (i *Instance) alloc(ctx context.Context, size uint32) (uint32, error) {
	r, err := i.call(ctx, i.x.alloc, size, 0)
	if err != nil {
		return 0, err
	}
	ptr := api.DecodeU32(r)
	if ptr == 0 {
		o, err := i.outcome()
		if err != nil {
			return 0, err
		}
		if o.status == StatusOK {
			return 0, i.broke(i.x.alloc.name, errors.New("null pointer without a failure status"))
		}
		return 0, i.statusError(i.x.alloc.name, o.status)
	}
	return ptr, nil
}

func (i *Instance) free(ctx context.Context, ptr uint32) error {
	return i.callStatus(ctx, i.x.free, ptr, 0)
}
