/** The listener set behind `Transport.listen()`; a throwing listener never breaks the transport. */
import { debuglog } from 'node:util';
import type { TransportListener } from '../transport.js';

const trace = debuglog('aes-transport');

export class Listeners {
  private readonly set = new Set<TransportListener>();

  add(listener: TransportListener): () => void {
    this.set.add(listener);
    return () => {
      this.set.delete(listener);
    };
  }

  /** True when some listener handles `event`. */
  has(event: keyof TransportListener): boolean {
    for (const listener of this.set) if (listener[event] !== undefined) return true;
    return false;
  }

  emit<K extends keyof TransportListener>(
    event: K,
    argument: Parameters<NonNullable<TransportListener[K]>>[0],
  ): void {
    for (const listener of this.set) {
      const fn = listener[event] as ((arg: typeof argument) => void) | undefined;
      if (fn === undefined) continue;
      try {
        fn.call(listener, argument);
      } catch (err) {
        trace('listener %s threw: %o', event, err);
      }
    }
  }
}
