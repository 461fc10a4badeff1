/**
 * Decoding of the protocol's messages: validates shape and types and never evaluates or
 * instantiates peer data — bodies go through `JSON.parse` only, names are looked up in Maps, and
 * a body that uses `__proto__` as a key is refused (docs/protocol.md).
 */
import { ProtocolError, isClusterErrorCode, type ClusterErrorCode } from './errors.js';
import {
  type ErrorOperation,
  FrameType,
  type HelloMessage,
  MAX_LIST_ITEMS,
  type Message,
  NAME_PATTERN,
  PROTOCOL_NAME,
} from './messages.js';

/** Operations an ERROR frame may name. */
const OPERATIONS: ReadonlySet<string> = new Set([
  'handshake',
  'parse',
  'check',
  'find',
  'invoke',
  'channel',
  'subscribe',
  'call',
  'post',
]);

const NEWLINE = 0x0a;
const COMMA = 0x2c;
const HEAD_CACHE_LIMIT = 1024;
/** Validated POST_TEXT heads (exact bytes, read as latin1) → [session, state]. */
const POST_HEADS = new Map<string, readonly [string, string]>();
/** Validated CALL_TEXT heads after their id (exact bytes, read as latin1) → [session, state]. */
const CALL_HEADS = new Map<string, readonly [string, string]>();

/**
 * The digits of a `[digits` prefix up to `end` as a safe integer without leading zeros (what
 * JSON.parse would accept and `id()` allow), with the index after them; undefined otherwise.
 */
function leadingId(body: Buffer, end: number): { id: number; after: number } | undefined {
  if (body[0] !== 0x5b) return undefined;
  let value = 0;
  let i = 1;
  for (; i < end && i <= 15; i++) {
    const c = body[i] as number;
    if (c < 0x30 || c > 0x39) break;
    value = value * 10 + (c - 0x30);
  }
  if (i === 1 || (body[1] === 0x30 && i > 2)) return undefined;
  return { id: value, after: i };
}

/** `[digits]` before `end` as a safe integer without leading zeros, or undefined. */
function plainId(body: Buffer, end: number): number | undefined {
  const lead = leadingId(body, end);
  return lead !== undefined && lead.after === end - 1 && body[end - 1] === 0x5d
    ? lead.id
    : undefined;
}

/**
 * Calls and posts to one state repeat the same head (after the id, for a call): look up the
 * target a head's exact bytes were validated as, or validate them (`parse`) and remember.
 */
function cachedTarget(
  cache: Map<string, readonly [string, string]>,
  body: Buffer,
  from: number,
  to: number,
  parse: () => readonly [string, string],
): readonly [string, string] {
  const key = body.toString('latin1', from, to);
  let target = cache.get(key);
  if (target === undefined) {
    target = parse();
    if (cache.size >= HEAD_CACHE_LIMIT) cache.clear();
    cache.set(key, target);
  }
  return target;
}

/** Splits a *_TEXT body into its JSON head (parsed, checked) and its raw UTF-8 string. */
function textBody(type: number, body: Buffer, items: number): { head: unknown[]; text: string } {
  const nl = body.indexOf(NEWLINE);
  if (nl < 0) throw bad(type, 'text frame needs a newline between its head and its text');
  return {
    head: tuple(type, parseBody(type, body.subarray(0, nl)), items, items),
    text: body.toString('utf8', nl + 1),
  };
}

const PROTO_WORD = Buffer.from('__proto__');
/** `\u`: a JSON escape can spell `__proto__` without its bytes appearing in the body. */
const UNICODE_ESCAPE = Buffer.from('\\u');

function bad(type: number, what: string): ProtocolError {
  return new ProtocolError('BAD_MESSAGE', `frame type ${type}: ${what}`);
}

function parseBody(type: number, body: Buffer): unknown {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new ProtocolError('BAD_MESSAGE', `frame type ${type}: body is not JSON`, { cause: err });
  }
  // Cheap byte searches keep the common path free of a reviver: only a body that mentions the
  // word, or that has a `\u` escape (which could spell it, e.g. `"\u005f_proto__"`), is walked to
  // see whether a decoded key really is `__proto__`.
  if ((body.includes(PROTO_WORD) || body.includes(UNICODE_ESCAPE)) && usesProtoKey(value)) {
    throw bad(type, "the key '__proto__' is not allowed");
  }
  return value;
}

function usesProtoKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(usesProtoKey);
  for (const key of Object.keys(value)) {
    if (key === '__proto__') return true;
    if (usesProtoKey((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

function name(type: number, value: unknown, field: string): string {
  if (typeof value !== 'string' || !NAME_PATTERN.test(value)) {
    throw bad(type, `${field} must be a name matching ${String(NAME_PATTERN)}`);
  }
  return value;
}

function nameList(type: number, value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.length > MAX_LIST_ITEMS) {
    throw bad(type, `${field} must be an array of at most ${MAX_LIST_ITEMS} names`);
  }
  return value.map((v, i) => name(type, v, `${field}[${i}]`));
}

function stringList(type: number, value: unknown, field: string, maxLength: number): string[] {
  if (!Array.isArray(value) || value.length > MAX_LIST_ITEMS) {
    throw bad(type, `${field} must be an array of at most ${MAX_LIST_ITEMS} strings`);
  }
  return value.map((v, i) => shortString(type, v, `${field}[${i}]`, maxLength));
}

function shortString(type: number, value: unknown, field: string, maxLength: number): string {
  if (typeof value !== 'string' || value.length > maxLength) {
    throw bad(type, `${field} must be a string of at most ${maxLength} characters`);
  }
  return value;
}

function id(type: number, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw bad(type, 'id must be a non-negative integer');
  }
  return value;
}

function code(type: number, value: unknown): ClusterErrorCode {
  if (!isClusterErrorCode(value)) throw bad(type, 'unknown error code');
  return value;
}

function tuple(type: number, value: unknown, min: number, max: number): unknown[] {
  if (!Array.isArray(value) || value.length < min || value.length > max) {
    throw bad(type, `body must be an array of ${min === max ? min : `${min}–${max}`} items`);
  }
  return value as unknown[];
}

function record(type: number, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw bad(type, 'body must be an object');
  }
  return value as Record<string, unknown>;
}

const MAX_TEXT = 4096;
const MAX_ADDRESS = 1024;

/**
 * Decodes and validates one frame.
 * @throws ProtocolError `BAD_MESSAGE` naming the frame type and the field at fault, or
 * `BAD_FRAME` for an unknown type.
 */
export function decodeMessage(type: number, body: Buffer): Message {
  switch (type) {
    case FrameType.POST: {
      const t = tuple(type, parseBody(type, body), 3, 3);
      return {
        kind: 'post',
        session: name(type, t[0], 'session'),
        state: name(type, t[1], 'state'),
        args: t[2],
      };
    }
    case FrameType.CALL: {
      const t = tuple(type, parseBody(type, body), 4, 4);
      return {
        kind: 'call',
        id: id(type, t[0]),
        session: name(type, t[1], 'session'),
        state: name(type, t[2], 'state'),
        args: t[3],
      };
    }
    case FrameType.POST_TEXT: {
      const nl = body.indexOf(NEWLINE);
      if (nl < 0) throw bad(type, 'text frame needs a newline between its head and its text');
      const target = cachedTarget(POST_HEADS, body, 0, nl, () => {
        const head = tuple(type, parseBody(type, body.subarray(0, nl)), 2, 2);
        return [name(type, head[0], 'session'), name(type, head[1], 'state')];
      });
      return {
        kind: 'post',
        session: target[0],
        state: target[1],
        args: body.toString('utf8', nl + 1),
      };
    }
    case FrameType.CALL_TEXT: {
      const nl = body.indexOf(NEWLINE);
      const lead = nl > 2 ? leadingId(body, nl) : undefined;
      if (lead !== undefined && body[lead.after] === COMMA) {
        // `[id` then `,"session","state"]`: JSON reads the rest the same whatever the id.
        const target = cachedTarget(CALL_HEADS, body, lead.after, nl, () => {
          const head = tuple(type, parseBody(type, body.subarray(0, nl)), 3, 3);
          return [name(type, head[1], 'session'), name(type, head[2], 'state')];
        });
        return {
          kind: 'call',
          id: lead.id,
          session: target[0],
          state: target[1],
          args: body.toString('utf8', nl + 1),
        };
      }
      const { head, text } = textBody(type, body, 3);
      return {
        kind: 'call',
        id: id(type, head[0]),
        session: name(type, head[1], 'session'),
        state: name(type, head[2], 'state'),
        args: text,
      };
    }
    case FrameType.REPLY_TEXT: {
      const nl = body.indexOf(NEWLINE);
      const quick = nl > 2 ? plainId(body, nl) : undefined;
      if (quick !== undefined)
        return { kind: 'reply', id: quick, result: body.toString('utf8', nl + 1) };
      const { head, text } = textBody(type, body, 1);
      return { kind: 'reply', id: id(type, head[0]), result: text };
    }
    case FrameType.REPLY: {
      const t = tuple(type, parseBody(type, body), 2, 2);
      return { kind: 'reply', id: id(type, t[0]), result: t[1] };
    }
    case FrameType.FAIL: {
      const t = tuple(type, parseBody(type, body), 3, 3);
      return {
        kind: 'fail',
        id: id(type, t[0]),
        code: code(type, t[1]),
        message: shortString(type, t[2], 'message', MAX_TEXT),
      };
    }
    case FrameType.HEARTBEAT:
      if (body.length !== 0) throw bad(type, 'heartbeat has no body');
      return { kind: 'heartbeat' };
    case FrameType.PING:
    case FrameType.PONG: {
      const t = tuple(type, parseBody(type, body), 1, 1);
      return { kind: type === FrameType.PING ? 'ping' : 'pong', id: id(type, t[0]) };
    }
    case FrameType.HELLO:
      return decodeHello(type, record(type, parseBody(type, body)));
    case FrameType.WELCOME: {
      const r = record(type, parseBody(type, body));
      if (typeof r.version !== 'number' || !Number.isInteger(r.version)) {
        throw bad(type, 'version must be an integer');
      }
      return {
        kind: 'welcome',
        version: r.version,
        name: name(type, r.name, 'name'),
        aliases: nameList(type, r.aliases, 'aliases'),
        nonce: shortString(type, r.nonce, 'nonce', 128),
        proof: r.proof === null ? null : shortString(type, r.proof, 'proof', 128),
        listen: stringList(type, r.listen, 'listen', MAX_ADDRESS),
        incarnation: shortString(type, r.incarnation, 'incarnation', 128),
        resume: resumeMs(type, r.resume),
      };
    }
    case FrameType.AUTH: {
      const r = record(type, parseBody(type, body));
      return {
        kind: 'auth',
        proof: r.proof === null ? null : shortString(type, r.proof, 'proof', 128),
      };
    }
    case FrameType.SUBSCRIBE: {
      const t = tuple(type, parseBody(type, body), 2, 2);
      return { kind: 'subscribe', id: id(type, t[0]), session: name(type, t[1], 'session') };
    }
    case FrameType.SUBSCRIBED: {
      const t = tuple(type, parseBody(type, body), 3, 4);
      const subscriptionId = id(type, t[0]);
      if (t[1] === true) {
        return {
          kind: 'subscribed',
          id: subscriptionId,
          ok: true,
          states: nameList(type, t[2], 'states'),
          session: t.length === 4 ? name(type, t[3], 'session') : undefined,
        };
      }
      if (t[1] === false && t.length === 4) {
        return {
          kind: 'subscribed',
          id: subscriptionId,
          ok: false,
          code: code(type, t[2]),
          message: shortString(type, t[3], 'message', MAX_TEXT),
        };
      }
      throw bad(type, 'expected [id, true, states(, session)] or [id, false, code, message]');
    }
    case FrameType.UNSUBSCRIBE: {
      const t = tuple(type, parseBody(type, body), 1, 1);
      return { kind: 'unsubscribe', session: name(type, t[0], 'session') };
    }
    case FrameType.RETRACTED: {
      const t = tuple(type, parseBody(type, body), 3, 3);
      return {
        kind: 'retracted',
        session: name(type, t[0], 'session'),
        states: nameList(type, t[1], 'states'),
        remaining: nameList(type, t[2], 'remaining'),
      };
    }
    case FrameType.PEERS: {
      const list = parseBody(type, body);
      if (!Array.isArray(list) || list.length > MAX_LIST_ITEMS) {
        throw bad(type, `body must be an array of at most ${MAX_LIST_ITEMS} peers`);
      }
      return {
        kind: 'peers',
        peers: list.map((entry: unknown, i) => {
          const t = tuple(type, entry, 2, 2);
          return {
            name: name(type, t[0], `peers[${i}].name`),
            addresses: stringList(type, t[1], `peers[${i}].addresses`, MAX_ADDRESS),
          };
        }),
      };
    }
    case FrameType.ERROR: {
      const t = tuple(type, parseBody(type, body), 4, 4);
      const op = t[2];
      if (typeof op !== 'string' || !OPERATIONS.has(op)) throw bad(type, 'unknown operation');
      return {
        kind: 'error',
        code: code(type, t[0]),
        message: shortString(type, t[1], 'message', MAX_TEXT),
        op: op as ErrorOperation,
        ref: t[3] === null ? null : shortString(type, t[3], 'ref', 512),
      };
    }
    case FrameType.BYE: {
      const t = tuple(type, parseBody(type, body), 1, 1);
      return { kind: 'bye', reason: shortString(type, t[0], 'reason', MAX_TEXT) };
    }
    default:
      throw new ProtocolError('BAD_FRAME', `unknown frame type ${type}`);
  }
}

function decodeHello(type: number, r: Record<string, unknown>): HelloMessage {
  if (r.protocol !== PROTOCOL_NAME) throw bad(type, `protocol must be '${PROTOCOL_NAME}'`);
  const versions = r.versions;
  if (
    !Array.isArray(versions) ||
    versions.length === 0 ||
    versions.length > 16 ||
    !versions.every((v) => typeof v === 'number' && Number.isInteger(v))
  ) {
    throw bad(type, 'versions must be a non-empty array of integers');
  }
  if (r.role !== 'kernel' && r.role !== 'client')
    throw bad(type, "role must be 'kernel' or 'client'");
  return {
    kind: 'hello',
    versions: versions as number[],
    name: name(type, r.name, 'name'),
    aliases: nameList(type, r.aliases, 'aliases'),
    role: r.role,
    nonce: shortString(type, r.nonce, 'nonce', 128),
    listen: stringList(type, r.listen, 'listen', MAX_ADDRESS),
    incarnation: shortString(type, r.incarnation, 'incarnation', 128),
    resume: resumeMs(type, r.resume),
  };
}

/** The optional `resume` of HELLO and WELCOME: absent, or milliseconds (a non-negative integer). */
function resumeMs(type: number, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw bad(type, 'resume must be a non-negative integer (milliseconds)');
  }
  return value;
}
