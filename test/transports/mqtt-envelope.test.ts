/** The aes envelope that carries headers through MQTT 3.1.1: round trip and hostile payloads. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENVELOPE_MARKER, unwrapEnvelope, wrapEnvelope } from '../../transports/mqtt/envelope.js';

test('headers and body round-trip, whatever the body holds', () => {
  const body = Buffer.concat([ENVELOPE_MARKER, Buffer.from([0, 255, 10]), Buffer.from('ü')]);
  const headers = { 'aes-message-id': 'orders-out:42', 'x-ü': 'wert\n' };
  const out = unwrapEnvelope(wrapEnvelope(headers, body));
  assert.equal(out.kind, 'envelope');
  assert.deepEqual(out.kind === 'envelope' ? out.headers : undefined, headers);
  assert.deepEqual(out.body, body);
  const empty = unwrapEnvelope(wrapEnvelope({}, Buffer.alloc(0)));
  assert.equal(empty.kind, 'envelope');
  assert.equal(empty.body.length, 0);
});

test('a payload without the marker is plain and untouched', () => {
  for (const payload of [Buffer.alloc(0), Buffer.from('{"id":1}'), ENVELOPE_MARKER.subarray(1)]) {
    const out = unwrapEnvelope(payload);
    assert.equal(out.kind, 'plain');
    assert.equal(out.body, payload);
  }
});

test('a malformed envelope is delivered whole with the reason, never dropped or thrown', () => {
  const good = wrapEnvelope({ a: 'b' }, Buffer.from('body'));
  const length = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n, 0);
    return b;
  };
  const cases: [Buffer, RegExp][] = [
    [ENVELOPE_MARKER, /cut short/],
    [good.subarray(0, ENVELOPE_MARKER.length + 6), /declares \d+ header bytes/],
    [Buffer.concat([ENVELOPE_MARKER, length(0xffffffff)]), /declares 4294967295 header bytes/],
    [Buffer.concat([ENVELOPE_MARKER, length(3), Buffer.from('{x}')]), /not JSON/],
    [Buffer.concat([ENVELOPE_MARKER, length(2), Buffer.from('[]')]), /not a JSON object/],
    [Buffer.concat([ENVELOPE_MARKER, length(7), Buffer.from('{"a":1}')]), /'a' is not a string/],
  ];
  for (const [payload, reason] of cases) {
    const out = unwrapEnvelope(payload);
    assert.equal(out.kind, 'malformed', payload.toString('hex'));
    assert.match(out.kind === 'malformed' ? out.reason : '', reason);
    assert.equal(out.body, payload, 'the whole payload is kept');
  }
});
