/** Encoding of the protocol's message bodies and frames (docs/protocol.md). */
import { type ClusterErrorCode } from './errors.js';
import {
  type ErrorOperation,
  FrameType,
  type HelloMessage,
  PROTOCOL_NAME,
  type PeerEntry,
  type WelcomeMessage,
} from './messages.js';

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
    resume: m.resume,
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
    resume: m.resume,
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
  result:
    { states: readonly string[]; session?: string } | { code: ClusterErrorCode; message: string },
): string =>
  JSON.stringify(
    'states' in result
      ? result.session === undefined
        ? [id, true, result.states]
        : [id, true, result.states, result.session]
      : [id, false, result.code, result.message],
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
