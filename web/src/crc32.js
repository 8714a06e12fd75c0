// CRC-32 with the IEEE polynomial (zip, PNG, Go's hash/crc32.ChecksumIEEE): the checksum of the
// model file's trailer and of every event store the module writes.

let table = null;

function makeTable() {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

/** crc32 returns the CRC-32 (IEEE) of bytes, an unsigned 32-bit number. */
export function crc32(bytes) {
  table ??= makeTable();
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
