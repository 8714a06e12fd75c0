// A small MessagePack (https://msgpack.org/) encoder and decoder for the scoring module's
// messages (docs/abi.md). encode takes null, booleans, numbers (integers as the smallest int
// encoding, other numbers as float64), strings, arrays (and numeric typed arrays), Uint8Array
// (bin) and plain objects (maps with string keys, in insertion order); decode returns the same
// kinds, maps as plain objects and 64-bit integers beyond 2^53 as BigInt.

import { utf8Decode, utf8Encode } from './utf8.js';

class Writer {
  constructor() {
    this.buf = new Uint8Array(256);
    this.view = new DataView(this.buf.buffer);
    this.len = 0;
  }

  reserve(n) {
    if (this.len + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    grown.set(this.buf.subarray(0, this.len));
    this.buf = grown;
    this.view = new DataView(grown.buffer);
  }

  u8(v) { this.reserve(1); this.view.setUint8(this.len, v); this.len += 1; }
  u16(v) { this.reserve(2); this.view.setUint16(this.len, v); this.len += 2; }
  u32(v) { this.reserve(4); this.view.setUint32(this.len, v); this.len += 4; }
  bytes(b) { this.reserve(b.length); this.buf.set(b, this.len); this.len += b.length; }

  header(n, fix, fixMax, c16, c32) {
    if (n <= fixMax && fix !== null) this.u8(fix | n);
    else if (n < 0x10000) { this.u8(c16); this.u16(n); }
    else { this.u8(c32); this.u32(n); }
  }

  value(v) {
    if (v === null || v === undefined) { this.u8(0xc0); return; }
    switch (typeof v) {
      case 'boolean': this.u8(v ? 0xc3 : 0xc2); return;
      case 'number': this.number(v); return;
      case 'bigint': this.bigint(v); return;
      case 'string': {
        const b = utf8Encode(v);
        if (b.length < 32) this.u8(0xa0 | b.length);
        else if (b.length < 0x100) { this.u8(0xd9); this.u8(b.length); }
        else if (b.length < 0x10000) { this.u8(0xda); this.u16(b.length); }
        else { this.u8(0xdb); this.u32(b.length); }
        this.bytes(b);
        return;
      }
      default:
    }
    if (v instanceof Uint8Array) {
      if (v.length < 0x100) { this.u8(0xc4); this.u8(v.length); }
      else if (v.length < 0x10000) { this.u8(0xc5); this.u16(v.length); }
      else { this.u8(0xc6); this.u32(v.length); }
      this.bytes(v);
      return;
    }
    // Float32Array and the other numeric typed arrays (dense vectors) go as arrays of numbers.
    if (Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView))) {
      this.header(v.length, 0x90, 15, 0xdc, 0xdd);
      for (const x of v) this.value(x);
      return;
    }
    if (typeof v === 'object') {
      const keys = Object.keys(v).filter((k) => v[k] !== undefined);
      this.header(keys.length, 0x80, 15, 0xde, 0xdf);
      for (const k of keys) { this.value(k); this.value(v[k]); }
      return;
    }
    throw new TypeError(`msgpack: cannot encode a ${typeof v}`);
  }

  number(v) {
    if (!Number.isInteger(v) || !Number.isSafeInteger(v)) {
      this.u8(0xcb); this.reserve(8); this.view.setFloat64(this.len, v); this.len += 8;
      return;
    }
    if (v >= 0) {
      if (v < 0x80) this.u8(v);
      else if (v < 0x100) { this.u8(0xcc); this.u8(v); }
      else if (v < 0x10000) { this.u8(0xcd); this.u16(v); }
      else if (v < 0x100000000) { this.u8(0xce); this.u32(v); }
      else this.bigint(BigInt(v));
      return;
    }
    if (v >= -32) this.u8(v & 0xff);
    else if (v >= -0x80) { this.u8(0xd0); this.reserve(1); this.view.setInt8(this.len, v); this.len += 1; }
    else if (v >= -0x8000) { this.u8(0xd1); this.reserve(2); this.view.setInt16(this.len, v); this.len += 2; }
    else if (v >= -0x80000000) { this.u8(0xd2); this.reserve(4); this.view.setInt32(this.len, v); this.len += 4; }
    else this.bigint(BigInt(v));
  }

  bigint(v) {
    this.reserve(9);
    if (v >= 0n) { this.u8(0xcf); this.view.setBigUint64(this.len, v); }
    else { this.u8(0xd3); this.view.setBigInt64(this.len, v); }
    this.len += 8;
  }
}

/** encode returns the MessagePack encoding of v. */
export function encode(v) {
  const w = new Writer();
  w.value(v);
  return w.buf.slice(0, w.len);
}

/** decode returns the one MessagePack value in bytes (a Uint8Array); it throws on bad input. */
export function decode(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  const need = (n) => {
    if (pos + n > bytes.length) throw new RangeError(`msgpack: truncated input at byte ${pos}`);
  };
  const u8 = () => { need(1); return view.getUint8(pos++); };
  const take = (n, read) => { need(n); const v = read(pos); pos += n; return v; };
  const int64 = (v) => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
  const str = (n) => { need(n); const s = utf8Decode(bytes.subarray(pos, pos + n)); pos += n; return s; };
  const bin = (n) => { need(n); const b = new Uint8Array(bytes.subarray(pos, pos + n)); pos += n; return b; };
  const array = (n) => { const a = new Array(n); for (let i = 0; i < n; i++) a[i] = value(); return a; };
  const map = (n) => {
    const o = {};
    for (let i = 0; i < n; i++) {
      const k = value();
      if (typeof k !== 'string') throw new TypeError('msgpack: a map key that is not a string');
      Object.defineProperty(o, k, { value: value(), enumerable: true, writable: true, configurable: true });
    }
    return o;
  };
  const value = () => {
    const c = u8();
    if (c < 0x80) return c;
    if (c < 0x90) return map(c & 0x0f);
    if (c < 0xa0) return array(c & 0x0f);
    if (c < 0xc0) return str(c & 0x1f);
    if (c >= 0xe0) return c - 0x100;
    switch (c) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return bin(u8());
      case 0xc5: return bin(take(2, (p) => view.getUint16(p)));
      case 0xc6: return bin(take(4, (p) => view.getUint32(p)));
      case 0xca: return take(4, (p) => view.getFloat32(p));
      case 0xcb: return take(8, (p) => view.getFloat64(p));
      case 0xcc: return u8();
      case 0xcd: return take(2, (p) => view.getUint16(p));
      case 0xce: return take(4, (p) => view.getUint32(p));
      case 0xcf: return int64(take(8, (p) => view.getBigUint64(p)));
      case 0xd0: return take(1, (p) => view.getInt8(p));
      case 0xd1: return take(2, (p) => view.getInt16(p));
      case 0xd2: return take(4, (p) => view.getInt32(p));
      case 0xd3: return int64(take(8, (p) => view.getBigInt64(p)));
      case 0xd9: return str(u8());
      case 0xda: return str(take(2, (p) => view.getUint16(p)));
      case 0xdb: return str(take(4, (p) => view.getUint32(p)));
      case 0xdc: return array(take(2, (p) => view.getUint16(p)));
      case 0xdd: return array(take(4, (p) => view.getUint32(p)));
      case 0xde: return map(take(2, (p) => view.getUint16(p)));
      case 0xdf: return map(take(4, (p) => view.getUint32(p)));
      default: throw new TypeError(`msgpack: unsupported format byte 0x${c.toString(16)} at byte ${pos - 1}`);
    }
  };
  const v = value();
  if (pos !== bytes.length) throw new RangeError(`msgpack: ${bytes.length - pos} bytes after the value`);
  return v;
}
