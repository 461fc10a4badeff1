/**
 * The guarded connection state machine shared by the network transports, over the package's
 * state-machine helper (util/state-machine.ts): each change is traced and emitted to the
 * transport's listeners as `stateChange`.
 */
import { debuglog } from 'node:util';
import { StateMachine, type TransitionTable } from '../../util/index.js';
import type { TransportState } from '../transport.js';
import type { Listeners } from './listeners.js';

const trace = debuglog('aes-transport');

/** Every move the connection keeper makes; `closed` is final. */
const LEGAL: TransitionTable<TransportState> = {
  idle: ['connecting', 'closed'],
  connecting: ['idle', 'connected', 'closed'],
  connected: ['reconnecting', 'closed'],
  reconnecting: ['connected', 'closed'],
  closed: [],
};

export class ConnectionState {
  private readonly machine: StateMachine<TransportState>;

  constructor(scheme: string, listeners: Listeners) {
    this.machine = new StateMachine({
      name: scheme,
      initial: 'idle',
      legal: LEGAL,
      trace: ({ from, to, reason, error }, refused) => {
        if (refused) trace('%s: refused %s -> %s (%s)', scheme, from, to, reason);
        else
          trace('%s: %s -> %s (%s)%s', scheme, from, to, reason, error ? `: ${error.message}` : '');
      },
      onChange: ({ from, to, reason: url, error }) => {
        listeners.emit(
          'stateChange',
          error === undefined ? { from, to, url } : { from, to, url, error },
        );
      },
    });
  }

  get value(): TransportState {
    return this.machine.state;
  }

  /**
   * Moves to `to` when the current state is one of `from`; returns false (and changes nothing)
   * otherwise, so a late event from a dead connection cannot undo a newer state. Staying in the
   * current state (when `from` allows it) is no move: true, and nothing is emitted.
   */
  transitionTo(
    from: readonly TransportState[],
    to: TransportState,
    url: string,
    error?: Error,
  ): boolean {
    if (to === this.machine.state && from.includes(to)) return true;
    return this.machine.transitionTo(from, to, url, error);
  }
}
