/**
 * The protocol's messages: one frame type byte each, bodies in JSON (docs/protocol.md). Decoding
 * validates shape and types and never evaluates or instantiates peer data: bodies go through
 * `JSON.parse` only, names are looked up in Maps, and a body that uses `__proto__` as a key is
 * refused so handler code that merges arguments into objects cannot be tricked.
 */
import { ProtocolError, isClusterErrorCode, type ClusterErrorCode } from './errors.js';

/** Frame type bytes. */
export const FrameType = {
  HELLO: 1,
  WELCOME: 2,
  AUTH: 3,
  POST: 16,
  CALL: 17,
  REPLY: 18,
  FAIL: 19,
  PING: 20,
  PONG: 21,
  HEARTBEAT: 22,
  SUBSCRIBE: 23,
  SUBSCRIBED: 24,
  UNSUBSCRIBE: 25,
  RETRACTED: 26,
  PEERS: 27,
  ERROR: 28,
  BYE: 29,
  POST_TEXT: 30,
  CALL_TEXT: 31,
  REPLY_TEXT: 32,
} as const;
export type FrameTypeCode = (typeof FrameType)[keyof typeof FrameType];

/** The protocol identifier in HELLO, and the versions this implementation speaks. */
export const PROTOCOL_NAME = 'aes-ikc';
export const SUPPORTED_VERSIONS: readonly number[] = [1];

/** Kernel, alias, session and state names: 1–128 of `A-Z a-z 0-9 _ . @ + -`, not starting with `.`, `@`, `+` or `-`. */
export const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,127}$/;
/** Largest number of aliases, listen addresses or peers one message may carry. */
export const MAX_LIST_ITEMS = 1024;

export type KernelRole = 'kernel' | 'client';

/** An operation an error is about (monitor `error` events and ERROR frames carry it). */
export type ErrorOperation =
  'handshake' | 'parse' | 'check' | 'find' | 'invoke' | 'channel' | 'subscribe' | 'call' | 'post';
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

export interface HelloMessage {
  readonly kind: 'hello';
  readonly versions: readonly number[];
  readonly name: string;
  readonly aliases: readonly string[];
  readonly role: KernelRole;
  readonly nonce: string;
  readonly listen: readonly string[];
  readonly incarnation: string;
}
export interface WelcomeMessage {
  readonly kind: 'welcome';
  readonly version: number;
  readonly name: string;
  readonly aliases: readonly string[];
  readonly nonce: string;
  readonly proof: string | null;
  readonly listen: readonly string[];
  readonly incarnation: string;
}
export interface AuthMessage {
  readonly kind: 'auth';
  readonly proof: string | null;
}
export interface PostMessage {
  readonly kind: 'post';
  readonly session: string;
  readonly state: string;
  readonly args: unknown;
}
export interface CallMessage {
  readonly kind: 'call';
  readonly id: number;
  readonly session: string;
  readonly state: string;
  readonly args: unknown;
}
export interface ReplyMessage {
  readonly kind: 'reply';
  readonly id: number;
  readonly result: unknown;
}
export interface FailMessage {
  readonly kind: 'fail';
  readonly id: number;
  readonly code: ClusterErrorCode;
  readonly message: string;
}
export interface PingMessage {
  readonly kind: 'ping';
  readonly id: number;
}
export interface PongMessage {
  readonly kind: 'pong';
  readonly id: number;
}
export interface HeartbeatMessage {
  readonly kind: 'heartbeat';
}
export interface SubscribeMessage {
  readonly kind: 'subscribe';
  readonly id: number;
  readonly session: string;
}
export type SubscribedMessage =
  | {
      readonly kind: 'subscribed';
      readonly id: number;
      readonly ok: true;
      readonly states: readonly string[];
    }
  | {
      readonly kind: 'subscribed';
      readonly id: number;
      readonly ok: false;
      readonly code: ClusterErrorCode;
      readonly message: string;
    };
export interface UnsubscribeMessage {
  readonly kind: 'unsubscribe';
  readonly session: string;
}
export interface RetractedMessage {
  readonly kind: 'retracted';
  readonly session: string;
  readonly states: readonly string[];
  readonly remaining: readonly string[];
}
export interface PeerEntry {
  readonly name: string;
  readonly addresses: readonly string[];
}
export interface PeersMessage {
  readonly kind: 'peers';
  readonly peers: readonly PeerEntry[];
}
export interface ErrorMessage {
  readonly kind: 'error';
  readonly code: ClusterErrorCode;
  readonly message: string;
  readonly op: ErrorOperation;
  readonly ref: string | null;
}
export interface ByeMessage {
  readonly kind: 'bye';
  readonly reason: string;
}

/** Every message a link carries. */
export type Message =
  | HelloMessage
  | WelcomeMessage
  | AuthMessage
  | PostMessage
  | CallMessage
  | ReplyMessage
  | FailMessage
  | PingMessage
  | PongMessage
  | HeartbeatMessage
  | SubscribeMessage
  | SubscribedMessage
  | UnsubscribeMessage
  | RetractedMessage
  | PeersMessage
  | ErrorMessage
  | ByeMessage;

// ---------------------------------------------------------------- encoding (body strings)

export const encodeHello = (m: Omit<HelloMessage, 'kind'>): string =>
  JSON.stringify({
    protocol: PROTOCOL_NAME,
    versions: m.versions,
    name: m.name,
    aliases: m.aliases,
    role: m.role,
    nonce: m.nonce,
    listen: m.listen,
    incarnation: m.incarnation,
  });
export const encodeWelcome = (m: Omit<WelcomeMessage, 'kind'>): string =>
  JSON.stringify({
    version: m.version,
    name: m.name,
    aliases: m.aliases,
    nonce: m.nonce,
    proof: m.proof,
    listen: m.listen,
    incarnation: m.incarnation,
  });
export const encodeAuth = (proof: string | null): string => JSON.stringify({ proof });
/** `undefined` arguments travel as `null` (JSON has no undefined). */
export const encodePost = (session: string, state: string, args: unknown): string =>
  JSON.stringify([session, state, args ?? null]);
export const encodeCall = (id: number, session: string, state: string, args: unknown): string =>
  JSON.stringify([id, session, state, args ?? null]);
export const encodeReply = (id: number, result: unknown): string =>
  JSON.stringify([id, result ?? null]);
export const encodeFail = (id: number, code: ClusterErrorCode, message: string): string =>
  JSON.stringify([id, code, message]);
export const encodeId = (id: number): string => `[${id}]`;
export const encodeSubscribe = (id: number, session: string): string =>
  JSON.stringify([id, session]);
export const encodeSubscribed = (
  id: number,
  result: { states: readonly string[] } | { code: ClusterErrorCode; message: string },
): string =>
  JSON.stringify(
    'states' in result ? [id, true, result.states] : [id, false, result.code, result.message],
  );
export const encodeUnsubscribe = (session: string): string => JSON.stringify([session]);
export const encodeRetracted = (
  session: string,
  states: readonly string[],
  remaining: readonly string[],
): string => JSON.stringify([session, states, remaining]);
export const encodePeers = (peers: readonly PeerEntry[]): string =>
  JSON.stringify(peers.map((p) => [p.name, p.addresses]));
export const encodeError = (
  code: ClusterErrorCode,
  message: string,
  op: ErrorOperation,
  ref: string | null,
): string => JSON.stringify([code, message, op, ref]);
export const encodeBye = (reason: string): string => JSON.stringify([reason]);

/**
 * A frame ready for the writer: `head` is JSON; `tail`, when present, is a string argument or
 * result that travels as raw UTF-8 after a newline (the *_TEXT frame types), which spares JSON's
 * escaping on both sides — aes payloads are mostly JSON documents carried as strings.
 */
export interface EncodedFrame {
  readonly type: number;
  readonly head: string;
  readonly tail: string | undefined;
}

export function encodePostFrame(session: string, state: string, args: unknown): EncodedFrame {
  return typeof args === 'string'
    ? { type: FrameType.POST_TEXT, head: JSON.stringify([session, state]), tail: args }
    : { type: FrameType.POST, head: encodePost(session, state, args), tail: undefined };
}

export function encodeCallFrame(
  id: number,
  session: string,
  state: string,
  args: unknown,
): EncodedFrame {
  return typeof args === 'string'
    ? { type: FrameType.CALL_TEXT, head: JSON.stringify([id, session, state]), tail: args }
    : { type: FrameType.CALL, head: encodeCall(id, session, state, args), tail: undefined };
}

export function encodeReplyFrame(id: number, result: unknown): EncodedFrame {
  return typeof result === 'string'
    ? { type: FrameType.REPLY_TEXT, head: `[${id}]`, tail: result }
    : { type: FrameType.REPLY, head: encodeReply(id, result), tail: undefined };
}

// ---------------------------------------------------------------- decoding and validation

const NEWLINE = 0x0a;

/** Splits a *_TEXT body into its JSON head (parsed, checked) and its raw UTF-8 string. */
function textBody(type: number, body: Buffer, items: number): { head: unknown[]; text: string } {
  const nl = body.indexOf(NEWLINE);
  if (nl < 0) throw bad(type, 'text frame needs a newline between its head and its text');
  return {
    head: tuple(type, parseBody(type, body.subarray(0, nl)), items, items),
    text: body.toString('utf8', nl + 1),
  };
}

const PROTO_KEY = Buffer.from('"__proto__"');

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
  // The cheap byte search keeps the common path free of a reviver; only a body that mentions
  // the word is walked to see whether it is really used as a key.
  if (body.includes(PROTO_KEY) && usesProtoKey(value)) {
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
      const { head, text } = textBody(type, body, 2);
      return {
        kind: 'post',
        session: name(type, head[0], 'session'),
        state: name(type, head[1], 'state'),
        args: text,
      };
    }
    case FrameType.CALL_TEXT: {
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
      if (t[1] === true && t.length === 3) {
        return {
          kind: 'subscribed',
          id: subscriptionId,
          ok: true,
          states: nameList(type, t[2], 'states'),
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
      throw bad(type, 'expected [id, true, states] or [id, false, code, message]');
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
  };
}
