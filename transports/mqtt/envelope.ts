/**
 * The aes envelope: MQTT 3.1.1 has no user properties, so where a broker speaks only 3.1.1
 * (RabbitMQ 3.x) aes carries a message's headers — `aes-message-id` above all, which inbound
 * de-duplication needs — inside the payload, ahead of the body:
 *
 *     "\0aes-envelope/1\n"  u32 (big-endian) header bytes  headers as a JSON object of strings  body
 *
 * A payload that does not start with the marker is delivered as it is, with no headers (a plain
 * MQTT publisher). One that starts with it but is cut short or malformed is delivered whole as
 * well, never dropped, and the caller is told why.
 */

export const ENVELOPE_MARKER = Buffer.from('\0aes-envelope/1\n', 'latin1');
const LENGTH_BYTES = 4;

export function wrapEnvelope(headers: Readonly<Record<string, string>>, body: Buffer): Buffer {
  const json = Buffer.from(JSON.stringify(headers), 'utf8');
  const length = Buffer.allocUnsafe(LENGTH_BYTES);
  length.writeUInt32BE(json.length, 0);
  return Buffer.concat([ENVELOPE_MARKER, length, json, body]);
}

export type Unwrapped =
  | { readonly kind: 'plain'; readonly body: Buffer }
  | { readonly kind: 'envelope'; readonly headers: Record<string, string>; readonly body: Buffer }
  | { readonly kind: 'malformed'; readonly reason: string; readonly body: Buffer };

export function unwrapEnvelope(payload: Buffer): Unwrapped {
  if (
    payload.length < ENVELOPE_MARKER.length ||
    !payload.subarray(0, ENVELOPE_MARKER.length).equals(ENVELOPE_MARKER)
  ) {
    return { kind: 'plain', body: payload };
  }
  const malformed = (reason: string): Unwrapped => ({ kind: 'malformed', reason, body: payload });
  const start = ENVELOPE_MARKER.length + LENGTH_BYTES;
  if (payload.length < start) return malformed('envelope cut short before its header length');
  const length = payload.readUInt32BE(ENVELOPE_MARKER.length);
  if (payload.length < start + length) {
    return malformed(`envelope declares ${length} header bytes, has ${payload.length - start}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.toString('utf8', start, start + length));
  } catch (err) {
    return malformed(`envelope headers are not JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return malformed('envelope headers are not a JSON object');
  }
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') return malformed(`envelope header '${key}' is not a string`);
    headers[key] = value;
  }
  return { kind: 'envelope', headers, body: payload.subarray(start + length) };
}
