// UTF-8 for the MessagePack strings and the module's error messages. TextEncoder/TextDecoder are
// used where the engine has them; JavaScriptCore's shell (the engine of iOS JSContext) has
// neither, so a small exact fallback keeps the core independent of them.

const hasCodec = typeof TextEncoder === 'function' && typeof TextDecoder === 'function';
const encoder = hasCodec ? new TextEncoder() : null;
const decoder = hasCodec ? new TextDecoder('utf-8', { fatal: true }) : null;

/** utf8Encode returns the UTF-8 bytes of s (lone surrogates become U+FFFD, as TextEncoder does). */
export const utf8Encode = encoder ? (s) => encoder.encode(s) : encodeJS;

/** utf8Decode returns the string of UTF-8 bytes b; it throws a TypeError on invalid UTF-8. */
export const utf8Decode = decoder ? (b) => decoder.decode(b) : decodeJS;

/** encodeJS is utf8Encode without TextEncoder. */
export function encodeJS(s) {
  const out = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) { c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); i++; }
    }
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

/** decodeJS is utf8Decode without TextDecoder. */
export function decodeJS(b) {
  let s = '';
  for (let i = 0; i < b.length;) {
    const c = b[i];
    let n = 0; let cp = 0; let min = 0;
    if (c < 0x80) { s += String.fromCharCode(c); i++; continue; }
    if (c >= 0xc2 && c <= 0xdf) { n = 1; cp = c & 31; min = 0x80; }
    else if (c >= 0xe0 && c <= 0xef) { n = 2; cp = c & 15; min = 0x800; }
    else if (c >= 0xf0 && c <= 0xf4) { n = 3; cp = c & 7; min = 0x10000; }
    else throw new TypeError(`invalid UTF-8 at byte ${i}`);
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) throw new TypeError(`invalid UTF-8 at byte ${i + k}`);
      cp = (cp << 6) | (d & 63);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new TypeError(`invalid UTF-8 at byte ${i}`);
    s += String.fromCodePoint(cp);
    i += n + 1;
  }
  return s;
}

/** decodeLossy decodes text the module writes to stderr, which need not be valid UTF-8. */
export function decodeLossy(b) {
  try { return utf8Decode(b); } catch { return String.fromCharCode(...b); }
}
