// The header of the module's binary event store (core/retrieval/storefile.go): enough to refuse
// a history made by another codec before handing it to the module, which checks the rest (its
// CRC-32 trailer included).

import { HistoryError } from './errors.js';

const MAGIC = [0x53, 0x4d, 0x45, 0x56]; // "SMEV"
const HEADER = 28;

/**
 * storeHeader reads the codec checksum and event count of a snapshot or segment, or throws a
 * HistoryError 'corrupt' when the bytes are not a store.
 *
 * @param {unknown} bytes a stored record
 * @returns {{codec: number, events: number}}
 */
export function storeHeader(bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.length < HEADER + 4 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new HistoryError('corrupt', 'a history record is not an event store');
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { codec: v.getUint32(8, true), events: v.getUint32(16, true) };
}
