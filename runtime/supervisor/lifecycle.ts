/**
 * An endpoint's life as its supervisor sees it: an explicit state machine (util/state-machine.ts)
 * whose one `transitionTo(from[], to, reason)` refuses illegal moves and traces each change.
 */
import { debuglog } from 'node:util';
import { IllegalTransitionError, StateMachine, type TransitionTable } from '../../util/index.js';
import { StateError } from '../errors.js';

const trace = debuglog('aes-runtime');

export type EndpointState = 'starting' | 'running' | 'stopping' | 'backoff' | 'failed' | 'stopped';

/** Every legal move. `failed` is left only by hand (`start`/`restart`). */
const LEGAL: TransitionTable<EndpointState> = {
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
  private readonly machine: StateMachine<EndpointState>;
  private since: number;

  constructor(
    readonly name: string,
    private readonly now: () => number,
    private readonly onChange: (change: StateChange) => void = () => undefined,
  ) {
    this.since = now();
    this.machine = new StateMachine({
      name: `endpoint ${name}`,
      initial: 'stopped',
      legal: LEGAL,
      trace: ({ from, to, reason }, refused) => {
        if (!refused) trace('%s: %s -> %s (%s)', this.name, from, to, reason);
      },
    });
  }

  get state(): EndpointState {
    return this.machine.state;
  }

  /** When the current state was entered (ms since the epoch). */
  get sinceMs(): number {
    return this.since;
  }

  /** True when the current state is one of `states`. */
  is(...states: readonly EndpointState[]): boolean {
    return this.machine.is(...states);
  }

  /**
   * Moves to `to` if the current state is one of `from` and the move is legal; throws a
   * `StateError` otherwise (a bug in the caller, never an expected outcome).
   */
  transitionTo(from: readonly EndpointState[], to: EndpointState, reason: string): void {
    const was = this.machine.state;
    try {
      this.machine.transitionToOrThrow(from, to, reason);
    } catch (err) {
      if (err instanceof IllegalTransitionError) throw new StateError(err.message, { cause: err });
      throw err;
    }
    this.since = this.now();
    this.onChange({ from: was, to, reason, atMs: this.since });
  }
}
