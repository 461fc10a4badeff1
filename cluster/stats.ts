/** Counters a kernel keeps about its links and their traffic (typed; Prometheus comes later). */
import type { ClusterErrorCode } from './errors.js';

export interface KernelCounters {
  connectionsAccepted: number;
  /** Refused because the listener was at its concurrency limit. */
  connectionsRefused: number;
  handshakesCompleted: number;
  /** Closed by the peer before the handshake finished (incl. connect-and-close). */
  closedBeforeHandshake: number;
  handshakeTimeouts: number;
  authFailures: number;
  nameConflicts: number;
  /** Bad frames or messages (incl. over-long frames) from a peer. */
  protocolErrors: number;
  framesTooLarge: number;
  postsSent: number;
  postsReceived: number;
  callsSent: number;
  callsReceived: number;
  repliesReceived: number;
  /** Calls sent again, under their id, on a new link after theirs was lost. */
  callsResent: number;
  /** Calls that came again and were answered from memory (or joined to their running first). */
  callsRepeated: number;
  /** Replies that came after their call timed out or was cancelled. */
  lateReplies: number;
  /** Replies to calls never made on that link (or answered twice). */
  unexpectedReplies: number;
  notPublished: number;
  forbidden: number;
  handlerErrors: number;
  queueFull: number;
  /** Times reading from a peer was paused because it did not read the answers it was sent. */
  readsPaused: number;
  framesIn: number;
  bytesIn: number;
  bytesOut: number;
}

/** A snapshot: the counters plus every error, counted by code. */
export interface KernelStats extends Readonly<KernelCounters> {
  readonly errors: Readonly<Partial<Record<ClusterErrorCode, number>>>;
  readonly links: number;
}

export function createCounters(): KernelCounters {
  return {
    connectionsAccepted: 0,
    connectionsRefused: 0,
    handshakesCompleted: 0,
    closedBeforeHandshake: 0,
    handshakeTimeouts: 0,
    authFailures: 0,
    nameConflicts: 0,
    protocolErrors: 0,
    framesTooLarge: 0,
    postsSent: 0,
    postsReceived: 0,
    callsSent: 0,
    callsReceived: 0,
    repliesReceived: 0,
    callsResent: 0,
    callsRepeated: 0,
    lateReplies: 0,
    unexpectedReplies: 0,
    notPublished: 0,
    forbidden: 0,
    handlerErrors: 0,
    queueFull: 0,
    readsPaused: 0,
    framesIn: 0,
    bytesIn: 0,
    bytesOut: 0,
  };
}
