/**
 * The calls this kernel has made to other kernels and not yet had answered. They are kept for the
 * whole kernel rather than per link so that a call can outlive its link: when a link is lost (no
 * BYE), a call to a peer that resumes calls is parked until a link to the same kernel (same name,
 * same incarnation) is ready again, and is then sent again under the same id; the callee answers
 * a repeat from its memory instead of running the handler twice (docs/protocol.md 4.5). Ids come
 * from one counter per kernel, so an id is never reused on any link of this kernel's run.
 */
import { CallError, type ClusterError } from './errors.js';
import type { Link } from './link.js';
import type { PeerIdentity } from './link-types.js';
import { encodeCallFrame, type EncodedFrame } from './message-encoding.js';
import { PendingCalls, type SettleOutcome } from './pending-calls.js';
import type { KernelCounters } from './stats.js';

/** How often parked calls are checked for having outlived what their callee remembers. */
const PARK_SWEEP_MS = 250;

/** Why a link closed, as far as its calls care (PeerTable's unregister cause). */
export type LinkCloseCause = 'left' | 'lost' | 'shutdown' | 'disconnected';

export interface OutgoingCallsHost {
  readonly counters: KernelCounters;
  /**
   * Whether a lost link may come back: false for a ClientLite (role `client`), which never
   * redials and is never dialed, so its calls fail at once as before.
   */
  relinks(): boolean;
  /** The ready link to kernel `name` now, if any. */
  linkFor(name: string): Link | undefined;
}

interface Route {
  readonly peer: string;
  readonly incarnation: string;
  /** The link the CALL went out on last; undefined while parked. */
  link: Link | undefined;
  /** Kept to be sent again; undefined when the callee does not resume calls. */
  readonly frame: EncodedFrame | undefined;
  /** After this (ms since the epoch) the callee may have forgotten the call: it is not resent. */
  readonly resumeBy: number;
  readonly session: string;
  readonly state: string;
}

/** How errors name a call (built only when one is made). */
function describeCall(id: number, peer: string, session: string, state: string): string {
  return `call ${id} to poe://${peer}/${session}/${state}`;
}

export class OutgoingCalls {
  readonly #host: OutgoingCallsHost;
  readonly #pending = new PendingCalls((id) => this.#routes.delete(id));
  readonly #routes = new Map<number, Route>();
  #nextId = 1;
  #parked = 0;
  #sweep: NodeJS.Timeout | undefined;

  constructor(host: OutgoingCallsHost) {
    this.#host = host;
  }

  /** A fresh request id: calls and pings share one space, never reused in this kernel's run. */
  nextId(): number {
    return this.#nextId++;
  }

  /** Calls made and not answered yet (parked ones included). */
  get size(): number {
    return this.#routes.size;
  }

  /** Sends a CALL on `link` (ready); the answer is accepted from the link it is on, once. */
  call(
    link: Link,
    session: string,
    state: string,
    args: unknown,
    options: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<unknown> {
    const peer = link.peer as PeerIdentity;
    const id = this.nextId();
    if (options.signal?.aborted === true) {
      return Promise.reject(
        new CallError('ABORTED', `${describeCall(id, peer.name, session, state)}: aborted`, {
          cause: options.signal.reason,
        }),
      );
    }
    const frame = encodeCallFrame(id, session, state, args);
    // Send first: a refused frame (queue full, link closing) fails the call synchronously.
    try {
      link.send(frame.type, frame.head, frame.tail);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    this.#host.counters.callsSent += 1;
    // The callee keeps what it ran for `resume` ms after answering; resending within half of
    // that leaves the other half for the answer and the resend to cross the network.
    const window = peer.resume ?? 0;
    const resumes = window > 0 && this.#host.relinks();
    this.#routes.set(id, {
      peer: peer.name,
      incarnation: peer.incarnation,
      link,
      frame: resumes ? frame : undefined,
      resumeBy: resumes ? Date.now() + window / 2 : 0,
      session,
      state,
    });
    return this.#pending.add(id, options, () => describeCall(id, peer.name, session, state));
  }

  /** A REPLY (`error` undefined) or FAIL arrived on `link`. */
  answer(link: Link, id: number, value: unknown, error?: Error): SettleOutcome {
    const route = this.#routes.get(id);
    if (route !== undefined && route.link !== link) return 'unexpected';
    const outcome = this.#pending.settle(id, 'call', value, error);
    if (outcome === 'answered') this.#routes.delete(id);
    return outcome;
  }

  /**
   * `link` closed. Its calls fail with CHANNEL_CLOSED, except, on a lost link, those the callee
   * can resume: they are parked until a link to that kernel is ready again (or resent at once on
   * another link already up), or until their deadline or the callee's memory runs out.
   */
  linkClosed(link: Link, cause: LinkCloseCause, reason: string): void {
    let parked = false;
    const now = Date.now();
    for (const [id, route] of this.#routes) {
      if (route.link !== link) continue;
      route.link = undefined;
      if (cause !== 'lost' || route.frame === undefined || now >= route.resumeBy) {
        this.#fail(id, `link to '${route.peer}' closed (${cause}): ${reason}`);
        continue;
      }
      this.#parked += 1;
      parked = true;
    }
    if (!parked) return;
    const peer = link.peer?.name;
    const current = peer === undefined ? undefined : this.#host.linkFor(peer);
    if (current !== undefined && current !== link) this.resume(current);
    this.#armSweep();
  }

  /** A link to a kernel is ready: send its parked calls again on it, under their ids. */
  resume(link: Link): void {
    if (this.#parked === 0) return;
    const peer = link.peer as PeerIdentity;
    const now = Date.now();
    for (const [id, route] of this.#routes) {
      if (route.link !== undefined || route.peer !== peer.name) continue;
      this.#parked -= 1;
      if (peer.incarnation !== route.incarnation) {
        this.#fail(
          id,
          `'${peer.name}' restarted while the call was pending; it may or may not have run`,
        );
      } else if (now >= route.resumeBy || route.frame === undefined) {
        this.#fail(id, this.#forgotten(route));
      } else {
        const frame = route.frame;
        try {
          link.send(frame.type, frame.head, frame.tail);
        } catch (err) {
          this.#pending.fail(id, err instanceof Error ? err : new Error(String(err)));
          this.#routes.delete(id);
          continue;
        }
        route.link = link;
        this.#host.counters.callsResent += 1;
      }
    }
  }

  /** Kernel `name` is gone for good (disconnected, left): its parked calls fail now. */
  gone(name: string, why: string): void {
    for (const [id, route] of this.#routes) {
      if (route.link !== undefined || route.peer !== name) continue;
      this.#parked -= 1;
      this.#fail(id, why);
    }
  }

  /** Fails every call still waiting (the kernel is shutting down). */
  close(error: ClusterError): void {
    this.#pending.rejectAll(error);
    this.#routes.clear();
    this.#parked = 0;
    clearTimeout(this.#sweep);
    this.#sweep = undefined;
  }

  #forgotten(route: Route): string {
    return `link to '${route.peer}' lost, and not back before the call was older than half of what '${route.peer}' remembers of calls`;
  }

  #fail(id: number, why: string): void {
    const route = this.#routes.get(id);
    if (route === undefined) return;
    this.#routes.delete(id);
    this.#pending.fail(
      id,
      new CallError(
        'CHANNEL_CLOSED',
        `${describeCall(id, route.peer, route.session, route.state)}: ${why}`,
      ),
    );
  }

  #armSweep(): void {
    if (this.#sweep !== undefined) return;
    this.#sweep = setTimeout(() => {
      this.#sweep = undefined;
      // Timed-out calls left the table through PendingCalls' own deadline sweep.
      let parked = 0;
      const now = Date.now();
      for (const [id, route] of this.#routes) {
        if (route.link !== undefined) continue;
        if (now >= route.resumeBy) this.#fail(id, this.#forgotten(route));
        else parked += 1;
      }
      this.#parked = parked;
      if (parked > 0) this.#armSweep();
    }, PARK_SWEEP_MS);
    this.#sweep.unref();
  }
}
