package main

import (
	"strconv"

	"github.com/seminar-ranker/seminar/core/abi"
	"github.com/seminar-ranker/seminar/core/msgp"
	"github.com/seminar-ranker/seminar/core/session"
)

// requests is the session and the buffers the request exports reuse from call to call.
type requests struct {
	s     session.Session
	dec   abi.Decoder
	req   abi.RankRequest
	rep   abi.RankReply
	reply []byte // backing store of the replies
}

// The module hashes strings and never keeps them, so they alias the request bytes.
func newRequests() requests { return requests{dec: abi.Decoder{Alias: true}} }

// outcome publishes a session's answer: its error's status and message, or the reply w wrote.
func (m *module) outcome(call string, err error, write func(w *msgp.Writer)) int32 {
	if err != nil {
		return m.failWith(call, err)
	}
	w := msgp.NewWriter(m.rq.reply[:0])
	write(w)
	if werr := w.Err(); werr != nil {
		return m.fail(statusInternal, call+": encode the reply: "+werr.Error())
	}
	m.rq.reply = w.Bytes()
	m.reply = m.rq.reply
	return statusOK
}

// failWith reports a session's error: sessions return *abi.Error, with their status.
func (m *module) failWith(call string, err error) int32 {
	if ae, ok := err.(*abi.Error); ok {
		return m.fail(int32(ae.Status), call+": "+ae.Message)
	}
	return m.fail(statusInternal, call+": "+err.Error())
}

func (m *module) count(call string, n int, err error) int32 {
	return m.outcome(call, err, func(w *msgp.Writer) { abi.AppendEventCount(w, n) })
}

// request is the input of a request export bounded by abi.MaxRequestBytes.
func (m *module) request(call string, ptr, n uint32) ([]byte, int32) {
	if n > abi.MaxRequestBytes {
		return nil, m.fail(int32(abi.StatusBadInput), call+": "+utoa(uint64(n))+" bytes, more than the limit of "+
			utoa(abi.MaxRequestBytes)+" (split the events over several calls)")
	}
	return m.input(call, ptr, n)
}

func (m *module) loadModel(ptr, n uint32) int32 {
	b, status := m.input("load_model", ptr, n)
	if status != statusOK {
		return status
	}
	info, err := m.rq.s.LoadModel(b)
	return m.outcome("load_model", err, func(w *msgp.Writer) { abi.AppendModelInfo(w, &info) })
}

func (m *module) loadEvents(ptr, n uint32) int32 {
	b, status := m.request("load_events", ptr, n)
	if status != statusOK {
		return status
	}
	opts, evs, err := m.rq.dec.LoadEvents(b)
	if err != nil {
		return m.fail(int32(abi.StatusBadInput), "load_events: "+err.Error())
	}
	count, err := m.rq.s.LoadEvents(opts, &evs)
	return m.count("load_events", count, err)
}

func (m *module) appendEvents(ptr, n uint32) int32 {
	b, status := m.request("append_events", ptr, n)
	if status != statusOK {
		return status
	}
	evs, err := m.rq.dec.AppendEvents(b)
	if err != nil {
		return m.fail(int32(abi.StatusBadInput), "append_events: "+err.Error())
	}
	count, err := m.rq.s.AppendEvents(&evs)
	return m.count("append_events", count, err)
}

func (m *module) truncateEvents(n uint32) int32 {
	count, err := m.rq.s.Truncate(int(n))
	return m.count("truncate_events", count, err)
}

func (m *module) rank(ptr, n uint32) int32 {
	b, status := m.request("rank", ptr, n)
	if status != statusOK {
		return status
	}
	rq := &m.rq
	if err := rq.dec.RankRequest(b, &rq.req); err != nil {
		return m.fail(int32(abi.StatusBadInput), "rank: "+err.Error())
	}
	err := rq.s.Rank(&rq.req, &rq.rep)
	return m.outcome("rank", err, func(w *msgp.Writer) { abi.AppendRankReply(w, &rq.rep) })
}

// storeSegment replies with the binary form of the events from index from on, raw bytes.
func (m *module) storeSegment(call string, from uint32) int32 {
	b, err := m.rq.s.StoreSegment(m.storeBuf[:0], int(from))
	if err != nil {
		return m.failWith(call, err)
	}
	m.storeBuf = b
	m.reply = b
	return statusOK
}

func (m *module) loadStore(ptr, n uint32) int32 {
	b, status := m.input("load_store", ptr, n)
	if status != statusOK {
		return status
	}
	count, err := m.rq.s.LoadStore(b)
	return m.count("load_store", count, err)
}

func (m *module) appendStore(ptr, n uint32) int32 {
	b, status := m.input("append_store", ptr, n)
	if status != statusOK {
		return status
	}
	count, err := m.rq.s.AppendStore(b)
	return m.count("append_store", count, err)
}

func utoa(v uint64) string { return strconv.FormatUint(v, 10) }
