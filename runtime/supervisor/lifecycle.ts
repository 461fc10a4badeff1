/**
 * An endpoint's life as its supervisor sees it: an explicit state machine whose one
 * `transitionTo(from[], to, reason)` refuses illegal moves and traces each change.
 */
import { debuglog } from 'node:util';
import { StateError } from '../errors.js';

const trace = debuglog('aes-runtime');

export type EndpointState = 'starting' | 'running' | 'stopping' | 'backoff' | 'failed' | 'stopped';

/** Every legal move. `failed` is left only by hand (`start`/`restart`). */
const LEGAL: Readonly<Record<EndpointState, readonly EndpointState[]>> = {
  stopped: ['starting'],
  failed: ['starting', 'stopped'],
  starting: ['running', 'stopping', 'backoff', 'failed'],
  running: ['stopping', 'backoff', 'failed'],
  stopping: ['stopped', 'backoff', 'failed'],
  backoff: ['starting', 'stopped'],
};

export interface StateChange {
  readonly from: EndpointState;
  readonly to: EndpointState;
  readonly reason: string;
  readonly atMs: number;
}

export class EndpointLifecycle {
  private current: EndpointState = 'stopped';
  private since: number;

  constructor(
    readonly name: string,
    private readonly now: () => number,
    private readonly onChange: (change: StateChange) => void = () => undefined,
  ) {
    this.since = now();
  }

  get state(): EndpointState {
    return this.current;
  }

  /** When the current state was entered (ms since the epoch). */
  get sinceMs(): number {
    return this.since;
  }

  /** True when the current state is one of `states`. */
  is(...states: readonly EndpointState[]): boolean {
    return states.includes(this.current);
  }

  /**
   * Moves to `to` if the current state is one of `from` and the move is legal; throws a
   * `StateError` otherwise (a bug in the caller, never an expected outcome).
   */
  transitionTo(from: readonly EndpointState[], to: EndpointState, reason: string): void {
    const was = this.current;
    if (!from.includes(was) || !LEGAL[was].includes(to)) {
      throw new StateError(
        `endpoint ${this.name}: illegal move ${was} -> ${to} (${reason}); expected from ${from.join('|')}`,
      );
    }
    this.current = to;
    this.since = this.now();
    trace('%s: %s -> %s (%s)', this.name, was, to, reason);
    this.onChange({ from: was, to, reason, atMs: this.since });
  }
}
