/**
 * The protocol's messages: one frame type byte each, bodies in JSON (docs/protocol.md). Their
 * encoding is in message-encoding.ts, their validating decoder in message-decoding.ts.
 */
import type { ClusterErrorCode } from './errors.js';

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

/**
 * The protocol identifier in HELLO, and the versions this implementation speaks. Version 2 adds
 * the session's own name to a positive SUBSCRIBED (a subscriber may have used an alias, and
 * RETRACTED always names the session itself).
 */
export const PROTOCOL_NAME = 'aes-ikc';
export const SUPPORTED_VERSIONS: readonly number[] = [1, 2];
/** The first version whose positive SUBSCRIBED carries the session's own name. */
export const SUBSCRIBED_SESSION_VERSION = 2;

/** Kernel, alias, session and state names: 1–128 of `A-Z a-z 0-9 _ . @ + -`, not starting with `.`, `@`, `+` or `-`. */
export const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,127}$/;
/** Largest number of aliases, listen addresses or peers one message may carry. */
export const MAX_LIST_ITEMS = 1024;

export type KernelRole = 'kernel' | 'client';

/** An operation an error is about (monitor `error` events and ERROR frames carry it). */
export type ErrorOperation =
  'handshake' | 'parse' | 'check' | 'find' | 'invoke' | 'channel' | 'subscribe' | 'call' | 'post';

export interface HelloMessage {
  readonly kind: 'hello';
  readonly versions: readonly number[];
  readonly name: string;
  readonly aliases: readonly string[];
  readonly role: KernelRole;
  readonly nonce: string;
  readonly listen: readonly string[];
  readonly incarnation: string;
  /** Resumed calls (docs/protocol.md 4.5): ms this side remembers calls it ran; absent from older peers. */
  readonly resume?: number | undefined;
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
  /** As in HELLO. */
  readonly resume?: number | undefined;
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
      /** The session's own name (version 2; undefined from a version 1 peer). */
      readonly session: string | undefined;
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
