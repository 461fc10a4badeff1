/** The guarded connection state machine shared by the network transports. */
import { debuglog } from 'node:util';
import type { TransportState } from '../transport.js';
import type { Listeners } from './listeners.js';

const trace = debuglog('aes-transport');

export class ConnectionState {
  private current: TransportState = 'idle';

  constructor(
    private readonly scheme: string,
    private readonly listeners: Listeners,
  ) {}

  get value(): TransportState {
    return this.current;
  }

  /**
   * Moves to `to` when the current state is one of `from`; returns false (and changes nothing)
   * otherwise, so a late event from a dead connection cannot undo a newer state.
   */
  transitionTo(
    from: readonly TransportState[],
    to: TransportState,
    url: string,
    error?: Error,
  ): boolean {
    const previous = this.current;
    if (!from.includes(previous)) {
      trace('%s: refused %s -> %s (%s)', this.scheme, previous, to, url);
      return false;
    }
    if (previous === to) return true;
    this.current = to;
    trace('%s: %s -> %s (%s)%s', this.scheme, previous, to, url, error ? `: ${error.message}` : '');
    this.listeners.emit(
      'stateChange',
      error === undefined ? { from: previous, to, url } : { from: previous, to, url, error },
    );
    return true;
  }
}
