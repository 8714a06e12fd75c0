import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode, decode } from '../src/msgpack.js';

const hex = (b) => Buffer.from(b).toString('hex');

test('encodings are the smallest, as the module writes them', () => {
  const cases = [
    [null, 'c0'], [true, 'c3'], [false, 'c2'],
    [0, '00'], [127, '7f'], [128, 'cc80'], [65535, 'cdffff'], [65536, 'ce00010000'],
    [2 ** 32, 'cf0000000100000000'], [-1, 'ff'], [-32, 'e0'], [-33, 'd0df'], [-129, 'd1ff7f'],
    [0.5, 'cb3fe0000000000000'], ['', 'a0'], ['k', 'a16b'], ['x'.repeat(32), 'd920' + '78'.repeat(32)],
    [[1, 2], '920102'], [{ k: 1 }, '81a16b01'], [new Uint8Array([1, 2]), 'c4020102'],
  ];
  for (const [v, want] of cases) {
    assert.equal(hex(encode(v)), want, JSON.stringify(v));
    assert.deepEqual(decode(encode(v)), v);
  }
});

test('decode reads every format the module and msgpack/v5 write', () => {
  const cases = [
    ['ca3f800000', 1], ['d3ffffffffffffffff', -1], ['cf0000000000000005', 5],
    ['dc0001c0', [null]], ['de0001a161c3', { a: true }], ['c50001ff', new Uint8Array([255])],
  ];
  for (const [h, want] of cases) assert.deepEqual(decode(Buffer.from(h, 'hex')), want, h);
});

test('decode rejects bad input', () => {
  for (const h of ['', 'c1', '92c0', 'a3616263ff', 'cd00', '81c0c0', 'a2c3']) {
    assert.throws(() => decode(Buffer.from(h, 'hex')), h);
  }
});
