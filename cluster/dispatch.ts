/**
 * Events addressed to this kernel's sessions: posts and calls from peers (checked against what is
 * published and who may reach it, then handed to the handler), local posts, and peers'
 * SUBSCRIBE/UNSUBSCRIBE of our sessions. Counts calls being handled per link so a graceful
 * shutdown can let them answer. Calls from peers that may send them again after a lost link go
 * through the call memory, which answers a repeat without running the handler again.
 */
import { CallMemory, MAX_REMEMBERED_BYTES, type RememberedAnswer } from './call-memory.js';
import { ClusterError } from './errors.js';
import type { Link } from './link.js';
import type { PeerIdentity } from './link-types.js';
import {
  FrameType,
  SUBSCRIBED_SESSION_VERSION,
  type CallMessage,
  type ErrorOperation,
  type PostMessage,
  type SubscribeMessage,
  type UnsubscribeMessage,
} from './messages.js';
import {
  encodeError,
  encodeFail,
  encodeReplyFrame,
  encodeSubscribed,
  type EncodedFrame,
} from './message-encoding.js';
import type { MonitorRegistry } from './monitor.js';
import {
  isAllowed,
  type SessionRegistry,
  type StateContext,
  type StateHandler,
} from './sessions.js';
import type { StateSpec } from './specifier.js';
import type { KernelCounters } from './stats.js';

/** An error to count and hand to monitors. */
export interface ErrorReport {
  readonly link: Link | undefined;
  readonly kernel?: string;
  readonly side: 'local' | 'remote';
  readonly op: ErrorOperation;
  readonly error: ClusterError;
  readonly ref: string | undefined;
}

export interface DispatchHost {
  readonly name: string;
  readonly sessions: SessionRegistry;
  readonly counters: KernelCounters;
  readonly monitors: MonitorRegistry;
  /** Calls from one link being handled at once before more are answered BUSY. */
  readonly maxInflightCalls: number;
  /** How long answers to resumable calls are remembered (0: not at all), and how many at most. */
  readonly callMemoryMs: number;
  readonly maxRememberedCalls: number;
  reportError(report: ErrorReport): void;
}

export class Dispatcher {
  readonly #host: DispatchHost;
  readonly #inflight = new Map<Link, number>();
  readonly #memory: CallMemory;

  constructor(host: DispatchHost) {
    this.#host = host;
    this.#memory = new CallMemory({
      windowMs: host.callMemoryMs,
      maxEntries: host.maxRememberedCalls,
      maxBytes: MAX_REMEMBERED_BYTES,
      now: () => Date.now(),
      send: (link, answer) => this.#send(link, answer, undefined),
    });
  }

  /** Answers remembered for callers that may repeat a call. */
  get rememberedCalls(): number {
    return this.#memory.size;
  }

  /** Calls from `link` still being handled. */
  inflight(link: Link): number {
    return this.#inflight.get(link) ?? 0;
  }

  forget(link: Link): void {
    this.#inflight.delete(link);
  }

  /** A post to a state of this kernel (any state, published or not). */
  local(s: StateSpec, args: unknown, sender: string): void {
    const handler = this.#host.sessions.get(s.session)?.states.get(s.state);
    if (handler === undefined) {
      const ref = `${s.session}/${s.state}`;
      this.#host.reportError({
        link: undefined,
        kernel: this.#host.name,
        side: 'local',
        op: 'find',
        error: new ClusterError('NOT_PUBLISHED', `no local state '${ref}'`),
        ref,
      });
      return;
    }
    const context: StateContext = { sender, session: s.session, state: s.state, kind: 'post' };
    queueMicrotask(() => this.#invoke(undefined, handler, args, context));
  }

  /** A post or call from a peer. */
  remote(link: Link, m: PostMessage | CallMessage): void {
    const host = this.#host;
    const peer = link.peer as PeerIdentity;
    const entry = host.sessions.get(m.session);
    const handler = entry?.published.has(m.state) === true ? entry.states.get(m.state) : undefined;
    if (entry === undefined || handler === undefined) {
      host.counters.notPublished += 1;
      this.#refuse(
        link,
        m,
        'NOT_PUBLISHED',
        `state '${m.session}/${m.state}' is not published on '${host.name}'`,
      );
      return;
    }
    const allow = entry.published.get(m.state);
    if (allow !== undefined && !isAllowed(allow, peer, m.kind)) {
      host.counters.forbidden += 1;
      this.#refuse(
        link,
        m,
        'FORBIDDEN',
        `kernel '${peer.name}' may not ${m.kind} '${m.session}/${m.state}' on '${host.name}'`,
      );
      return;
    }
    const context: StateContext = {
      sender: peer.name,
      session: m.session,
      state: m.state,
      kind: m.kind,
    };
    if (m.kind === 'post') {
      host.counters.postsReceived += 1;
      this.#invoke(link, handler, m.args, context);
      return;
    }
    host.counters.callsReceived += 1;
    const remembered = this.#memory.remembers(peer);
    if (remembered) {
      const start = this.#memory.start(link, m.id);
      if (start === 'repeat') {
        host.counters.callsRepeated += 1;
        return;
      }
      if (start === 'forgotten') {
        const text = `call ${m.id} from '${peer.name}' came again after '${host.name}' forgot it; it may have run`;
        link.sendPriority(FrameType.FAIL, encodeFail(m.id, 'CALL_FORGOTTEN', text));
        return;
      }
    }
    if (this.inflight(link) >= host.maxInflightCalls) {
      const text = `'${host.name}' is already handling ${host.maxInflightCalls} calls from '${peer.name}'`;
      if (remembered) this.#memory.finish(link, m.id, { kind: 'fail', body: '' }, false);
      host.reportError({
        link,
        side: 'local',
        op: 'call',
        error: new ClusterError('BUSY', text),
        ref: `${m.session}/${m.state}`,
      });
      link.sendPriority(FrameType.FAIL, encodeFail(m.id, 'BUSY', text));
      return;
    }
    let result: unknown;
    try {
      result = handler(m.args, context);
    } catch (err) {
      this.#fail(link, m, err);
      return;
    }
    if (!isThenable(result)) {
      this.#answer(link, m, result);
      return;
    }
    this.#inflight.set(link, this.inflight(link) + 1);
    result.then(
      (value) => {
        this.#done(link);
        this.#answer(link, m, value);
      },
      (err: unknown) => {
        this.#done(link);
        this.#fail(link, m, err);
      },
    );
  }

  /** A peer subscribes to one of our sessions. */
  subscribe(link: Link, message: SubscribeMessage): void {
    const host = this.#host;
    const peer = link.peer as PeerIdentity;
    const entry = host.sessions.get(message.session);
    if (entry === undefined || entry.published.size === 0) {
      host.counters.notPublished += 1;
      const text = `no published session '${message.session}' on '${host.name}'`;
      link.sendPriority(
        FrameType.SUBSCRIBED,
        encodeSubscribed(message.id, { code: 'NOT_PUBLISHED', message: text }),
      );
      host.reportError({
        link,
        side: 'local',
        op: 'subscribe',
        error: new ClusterError('NOT_PUBLISHED', text),
        ref: message.session,
      });
      return;
    }
    host.sessions.addSubscriber(entry.name, peer.name);
    const states = [...entry.published.keys()].sort();
    // The subscriber may have used an alias; RETRACTED will name the session itself.
    const answer =
      peer.version >= SUBSCRIBED_SESSION_VERSION ? { states, session: entry.name } : { states };
    link.sendPriority(FrameType.SUBSCRIBED, encodeSubscribed(message.id, answer));
    host.monitors.emit('subscribe', peer.name, {
      kernel: peer.name,
      session: entry.name,
      states,
      direction: 'remote',
    });
  }

  /** A peer drops one subscription to one of our sessions. */
  unsubscribe(link: Link, message: UnsubscribeMessage): void {
    const host = this.#host;
    const peer = link.peer as PeerIdentity;
    const entry = host.sessions.get(message.session);
    if (entry !== undefined && host.sessions.removeSubscriber(entry.name, peer.name)) {
      host.monitors.emit('unsubscribe', peer.name, {
        kernel: peer.name,
        session: entry.name,
        direction: 'remote',
        cause: 'requested',
        states: [],
        remaining: [],
      });
    }
  }

  #done(link: Link): void {
    const n = this.inflight(link) - 1;
    if (n <= 0) this.#inflight.delete(link);
    else this.#inflight.set(link, n);
  }

  #refuse(
    link: Link,
    m: PostMessage | CallMessage,
    code: 'NOT_PUBLISHED' | 'FORBIDDEN',
    text: string,
  ): void {
    const ref = `${m.session}/${m.state}`;
    const error = new ClusterError(code, text);
    this.#host.reportError({
      link,
      side: 'local',
      op: code === 'FORBIDDEN' ? 'check' : 'find',
      error,
      ref,
    });
    if (m.kind === 'call') link.sendPriority(FrameType.FAIL, encodeFail(m.id, code, text));
    else link.sendPriority(FrameType.ERROR, encodeError(code, text, 'post', ref));
  }

  #answer(link: Link, m: CallMessage, result: unknown): void {
    let frame: EncodedFrame;
    try {
      frame = encodeReplyFrame(m.id, result);
    } catch (err) {
      this.#fail(link, m, new Error(`result is not JSON-serialisable (${(err as Error).message})`));
      return;
    }
    this.#deliver(link, m, { kind: 'reply', frame });
  }

  #fail(link: Link, m: CallMessage, err: unknown): void {
    const ref = `${m.session}/${m.state}`;
    this.#handlerFailed(link, ref, err);
    const text = `'${ref}' failed: ${err instanceof Error ? err.message : String(err)}`;
    this.#deliver(link, m, { kind: 'fail', body: encodeFail(m.id, 'HANDLER_ERROR', text) });
  }

  /** Sends an answer where the call (or its latest repeat) came from, remembering it if asked. */
  #deliver(link: Link, m: CallMessage, answer: RememberedAnswer): void {
    const peer = link.peer as PeerIdentity;
    const to = this.#memory.remembers(peer) ? this.#memory.finish(link, m.id, answer) : link;
    this.#send(to, answer, `${m.session}/${m.state}`);
  }

  #send(link: Link, answer: RememberedAnswer, ref: string | undefined): void {
    // A lost link drops the answer; a caller that resumes calls asks again on its next link.
    if (link.state !== 'ready') return;
    if (answer.kind === 'fail') {
      link.sendPriority(FrameType.FAIL, answer.body);
      return;
    }
    try {
      link.send(answer.frame.type, answer.frame.head, answer.frame.tail);
    } catch (err) {
      this.#handlerFailed(link, ref ?? 'a remembered reply', err);
    }
  }

  #invoke(
    link: Link | undefined,
    handler: StateHandler,
    args: unknown,
    context: StateContext,
  ): void {
    try {
      const result = handler(args, context);
      if (isThenable(result)) {
        result.then(undefined, (err: unknown) =>
          this.#handlerFailed(link, `${context.session}/${context.state}`, err),
        );
      }
    } catch (err) {
      this.#handlerFailed(link, `${context.session}/${context.state}`, err);
    }
  }

  #handlerFailed(link: Link | undefined, ref: string, err: unknown): void {
    this.#host.counters.handlerErrors += 1;
    const error =
      err instanceof ClusterError
        ? err
        : new ClusterError(
            'HANDLER_ERROR',
            `'${ref}' failed: ${err instanceof Error ? err.message : String(err)}`,
            {
              cause: err,
            },
          );
    this.#host.reportError({
      link,
      kernel: link?.peer?.name ?? this.#host.name,
      side: 'local',
      op: 'invoke',
      error,
      ref,
    });
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
