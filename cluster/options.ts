/** The kernel's options: one documented interface, defaults, and one parse function. */
import type { SecureContextOptions } from 'node:tls';
import { debuglog } from 'node:util';
import {
  checkBackoffOptions,
  DEFAULT_BACKOFF_INITIAL_MS,
  type BackoffOptions,
} from '../util/index.js';
import { parseAddress } from './address.js';
import { DEFAULT_CALL_MEMORY_MS, DEFAULT_MAX_REMEMBERED_CALLS } from './call-memory.js';
import { UsageError } from './errors.js';
import { DEFAULT_MAX_FRAME_BYTES } from './frame-codec.js';
import { DEFAULT_HIGH_WATER_BYTES } from './frame-writer.js';
import { DEFAULT_HEARTBEAT_INTERVAL_MS, DEFAULT_HEARTBEAT_TIMEOUT_MS } from './heartbeat.js';
import type { LinkSettings } from './link-types.js';
import { NAME_PATTERN, type KernelRole } from './messages.js';

const trace = debuglog('aes-cluster');

export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 5_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_QUEUE_BYTES = 8 * 1024 * 1024;
export const DEFAULT_MAX_INFLIGHT_CALLS = 10_000;
/** How long a learned (non-seed) peer that cannot be reached is redialed before it is given up. */
export const DEFAULT_FORGET_AFTER_MS = 60_000;
/**
 * Ceiling of the redial backoff (100 ms doubling, ±20 % jitter): a member cut off for long is
 * tried about once a second, so a healed link is whole again within a couple of seconds.
 */
export const DEFAULT_REDIAL_MAX_MS = 1_000;
/**
 * A redial whose connection (TCP, and TLS) is not up within this gives up and is tried again: a
 * SYN lost in a cut-off network is otherwise resent only after 1, 3, 7 … s.
 */
export const DEFAULT_DIAL_SOCKET_TIMEOUT_MS = 2_000;

/** TLS material, used by `tls://` listeners and connections. */
export interface ClusterTlsOptions {
  readonly key?: SecureContextOptions['key'];
  readonly cert?: SecureContextOptions['cert'];
  /** Trusted CAs; on a listener, setting `ca` asks clients for certificates (mutual TLS). */
  readonly ca?: SecureContextOptions['ca'];
  /** Refuse peers whose certificate does not verify. @defaultValue true */
  readonly rejectUnauthorized?: boolean;
  /** Name checked against the server certificate (client side). */
  readonly servername?: string;
  /**
   * A peer authenticated by its certificate alone (no secret for it) must carry its kernel name
   * as the certificate's CN or a DNS subjectAltName; `false` accepts any name from a trusted
   * certificate (membership only). @defaultValue true
   */
  readonly bindNames?: boolean;
}

export interface KernelOptions {
  /** This kernel's unique name. */
  readonly name: string;
  readonly aliases?: readonly string[];
  /** Shared secret for every peer (HMAC-SHA256 challenge-response, never sent). */
  readonly secret?: string | Buffer;
  /** Per-peer secret lookup (e.g. an endpoint's launch token); overrides `secret` when it answers. */
  readonly resolveSecret?: (peer: string) => string | Buffer | undefined;
  /** Accept and make links with no secret and no verified TLS certificate. @defaultValue false */
  readonly allowUnauthenticated?: boolean;
  readonly tls?: ClusterTlsOptions;
  /** Addresses to join at start (and keep trying). */
  readonly seeds?: readonly string[];
  /**
   * Addresses told to other kernels. Default: the bound addresses of this kernel's listeners, a
   * wildcard one (`0.0.0.0`, `::`) as the host's non-internal interface addresses. Whatever the
   * source, Unix sockets and loopback addresses are told only to kernels on this host.
   */
  readonly advertise?: readonly string[];
  /** Dial the kernels that peers tell us about (full mesh). @defaultValue true */
  readonly mesh?: boolean;
  /** `client` for ClientLite: not part of the mesh, never receives broadcasts. */
  readonly role?: KernelRole;
  readonly handshakeTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  /** Silence after which a peer is declared dead. @defaultValue DEFAULT_HEARTBEAT_TIMEOUT_MS */
  readonly heartbeatTimeoutMs?: number;
  /**
   * Per-peer silence limit, asked once the peer's name is known (e.g. a node's own endpoint
   * processes, which its supervisor judges by longer limits of its own); when it returns
   * `undefined` (or anything not above `heartbeatIntervalMs`), `heartbeatTimeoutMs` applies.
   */
  readonly resolveHeartbeatTimeout?: (peer: string) => number | undefined;
  readonly maxFrameBytes?: number;
  /** Hard bound of one link's outbound queue; a post beyond it throws QueueFullError. */
  readonly maxQueueBytes?: number;
  /** Above this many queued bytes `post()` returns false (and the writer flushes at once). */
  readonly highWaterBytes?: number;
  /** Default deadline of `call()` when none is given. */
  readonly callTimeoutMs?: number;
  /**
   * How long this kernel remembers the answer to a call it ran for a peer that may send the call
   * again after a lost link (a repeat is answered from memory, never run twice); told to peers in
   * the handshake, which resend a call only within half of it. `0` remembers nothing, and peers
   * then never resend calls to this kernel. @defaultValue DEFAULT_CALL_MEMORY_MS
   */
  readonly callMemoryMs?: number;
  /** Answers remembered at most, all peers together. @defaultValue DEFAULT_MAX_REMEMBERED_CALLS */
  readonly maxRememberedCalls?: number;
  /**
   * The kernel a specifier that names none (`poe:/session/state`, IKC's blank kernel) goes to: a
   * kernel name or alias. @defaultValue this kernel's own name
   */
  readonly defaultKernel?: string;
  /**
   * Calls from one peer being handled at once (async handlers); more are answered `BUSY`.
   * @defaultValue DEFAULT_MAX_INFLIGHT_CALLS
   */
  readonly maxInflightCalls?: number;
  /**
   * A learned (non-seed) kernel unreachable this long is no longer redialed (it stays a known,
   * down member until it or a peer links again). @defaultValue DEFAULT_FORGET_AFTER_MS
   */
  readonly forgetAfterMs?: number;
  /** Redials of lost members. @defaultValue 100 ms doubling to DEFAULT_REDIAL_MAX_MS, ±20 % */
  readonly backoff?: BackoffOptions;
}

export interface ParsedKernelOptions {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly role: KernelRole;
  readonly secretFor: (peer: string) => string | Buffer | undefined;
  /** The silence limit of the link to `peer`. */
  readonly heartbeatTimeoutFor: (peer: string) => number;
  readonly allowUnauthenticated: boolean;
  readonly tls: ClusterTlsOptions | undefined;
  readonly seeds: readonly string[];
  readonly advertise: readonly string[] | undefined;
  readonly mesh: boolean;
  readonly settings: LinkSettings;
  readonly callTimeoutMs: number;
  readonly callMemoryMs: number;
  readonly maxRememberedCalls: number;
  readonly defaultKernel: string;
  readonly maxInflightCalls: number;
  readonly forgetAfterMs: number;
  readonly backoff: BackoffOptions;
}

function positive(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new UsageError('BAD_OPTIONS', `kernel option '${field}' must be a positive number`);
  }
  return value;
}

/** A duration that may be 0, sent on the wire as an integer. */
function nonNegativeInteger(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new UsageError('BAD_OPTIONS', `kernel option '${field}' must be an integer ≥ 0`);
  }
  return value;
}

function parseDefaultKernel(value: unknown, own: string): string {
  if (value === undefined) return own;
  if (typeof value !== 'string' || !NAME_PATTERN.test(value)) {
    throw new UsageError(
      'BAD_OPTIONS',
      `kernel option 'defaultKernel' must be a kernel name or alias matching ${String(NAME_PATTERN)}`,
    );
  }
  return value;
}

/** `advertise`: a list of addresses `parseAddress` accepts. */
function parseAdvertise(given: unknown): readonly string[] | undefined {
  if (given === undefined) return undefined;
  if (!Array.isArray(given)) {
    throw new UsageError('BAD_OPTIONS', "kernel option 'advertise' must be a list of addresses");
  }
  const out: string[] = [];
  for (const a of given as readonly unknown[]) {
    if (typeof a !== 'string') {
      throw new UsageError('BAD_OPTIONS', "kernel option 'advertise' must list address strings");
    }
    try {
      parseAddress(a);
    } catch (err) {
      throw new UsageError('BAD_OPTIONS', `kernel option 'advertise': ${(err as Error).message}`);
    }
    out.push(a);
  }
  return out;
}

/** The redial backoff: the caller's, over a ceiling of {@link DEFAULT_REDIAL_MAX_MS}. */
function redialBackoff(given: BackoffOptions | undefined): BackoffOptions {
  const problem = checkBackoffOptions({ maxMs: Number.MAX_SAFE_INTEGER, ...given });
  if (problem !== undefined) {
    throw new UsageError(
      'BAD_OPTIONS',
      `kernel option 'backoff.${problem.field}' ${problem.message}`,
    );
  }
  const initialMs = given?.initialMs ?? DEFAULT_BACKOFF_INITIAL_MS;
  return { ...given, maxMs: given?.maxMs ?? Math.max(DEFAULT_REDIAL_MAX_MS, initialMs) };
}

/** Validates options; names the field at fault. */
export function parseKernelOptions(input: KernelOptions): ParsedKernelOptions {
  if (typeof input !== 'object' || input === null) {
    throw new UsageError('BAD_OPTIONS', 'kernel options must be an object');
  }
  const { name } = input;
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new UsageError('BAD_OPTIONS', `kernel option 'name' must match ${String(NAME_PATTERN)}`);
  }
  const aliases = input.aliases ?? [];
  for (const a of aliases) {
    if (typeof a !== 'string' || !NAME_PATTERN.test(a)) {
      throw new UsageError(
        'BAD_OPTIONS',
        `kernel option 'aliases': '${String(a)}' is not a valid name`,
      );
    }
  }
  const { secret, resolveSecret } = input;
  if (
    secret !== undefined &&
    (secret.length === 0 || (typeof secret !== 'string' && !Buffer.isBuffer(secret)))
  ) {
    throw new UsageError(
      'BAD_OPTIONS',
      "kernel option 'secret' must be a non-empty string or Buffer",
    );
  }
  if (resolveSecret !== undefined && typeof resolveSecret !== 'function') {
    throw new UsageError('BAD_OPTIONS', "kernel option 'resolveSecret' must be a function");
  }
  const secretFor = (peer: string): string | Buffer | undefined => {
    const found = resolveSecret?.(peer);
    return found === undefined || found.length === 0 ? secret : found;
  };
  const heartbeatIntervalMs = positive(
    'heartbeatIntervalMs',
    input.heartbeatIntervalMs,
    DEFAULT_HEARTBEAT_INTERVAL_MS,
  );
  const heartbeatTimeoutMs = positive(
    'heartbeatTimeoutMs',
    input.heartbeatTimeoutMs,
    DEFAULT_HEARTBEAT_TIMEOUT_MS,
  );
  if (heartbeatTimeoutMs <= heartbeatIntervalMs) {
    throw new UsageError(
      'BAD_OPTIONS',
      "kernel option 'heartbeatTimeoutMs' must exceed 'heartbeatIntervalMs'",
    );
  }
  const { resolveHeartbeatTimeout } = input;
  if (resolveHeartbeatTimeout !== undefined && typeof resolveHeartbeatTimeout !== 'function') {
    throw new UsageError(
      'BAD_OPTIONS',
      "kernel option 'resolveHeartbeatTimeout' must be a function",
    );
  }
  const heartbeatTimeoutFor = (peer: string): number => {
    const found = resolveHeartbeatTimeout?.(peer);
    if (found === undefined) return heartbeatTimeoutMs;
    if (typeof found === 'number' && Number.isFinite(found) && found > heartbeatIntervalMs) {
      return found;
    }
    // Asked while a handshake completes, where throwing would only fail that link.
    trace('resolveHeartbeatTimeout(%s) answered %O; using heartbeatTimeoutMs', peer, found);
    return heartbeatTimeoutMs;
  };
  const role = input.role ?? 'kernel';
  if (role !== 'kernel' && role !== 'client') {
    throw new UsageError('BAD_OPTIONS', "kernel option 'role' must be 'kernel' or 'client'");
  }
  return {
    name,
    aliases: [...aliases],
    role,
    secretFor,
    heartbeatTimeoutFor,
    allowUnauthenticated: input.allowUnauthenticated === true,
    tls: input.tls,
    seeds: [...(input.seeds ?? [])],
    advertise: parseAdvertise(input.advertise),
    mesh: input.mesh ?? role === 'kernel',
    settings: {
      handshakeTimeoutMs: positive(
        'handshakeTimeoutMs',
        input.handshakeTimeoutMs,
        DEFAULT_HANDSHAKE_TIMEOUT_MS,
      ),
      heartbeatIntervalMs,
      heartbeatTimeoutMs,
      maxFrameBytes: positive('maxFrameBytes', input.maxFrameBytes, DEFAULT_MAX_FRAME_BYTES),
      maxQueueBytes: positive('maxQueueBytes', input.maxQueueBytes, DEFAULT_MAX_QUEUE_BYTES),
      highWaterBytes: positive('highWaterBytes', input.highWaterBytes, DEFAULT_HIGH_WATER_BYTES),
    },
    callTimeoutMs: positive('callTimeoutMs', input.callTimeoutMs, DEFAULT_CALL_TIMEOUT_MS),
    callMemoryMs: nonNegativeInteger('callMemoryMs', input.callMemoryMs, DEFAULT_CALL_MEMORY_MS),
    maxRememberedCalls: positive(
      'maxRememberedCalls',
      input.maxRememberedCalls,
      DEFAULT_MAX_REMEMBERED_CALLS,
    ),
    defaultKernel: parseDefaultKernel(input.defaultKernel, name),
    maxInflightCalls: positive(
      'maxInflightCalls',
      input.maxInflightCalls,
      DEFAULT_MAX_INFLIGHT_CALLS,
    ),
    forgetAfterMs: positive('forgetAfterMs', input.forgetAfterMs, DEFAULT_FORGET_AFTER_MS),
    backoff: redialBackoff(input.backoff),
  };
}
