/**
 * What stompit's outgoing frame stream writes into, in front of the socket. stompit writes every
 * frame as three chunks (headers, body, terminator), each only after the previous one's write
 * callback, so a batch of pipelined SENDs costs three syscalls per frame and reaches the broker
 * in as many small packets, which it then stores in several group commits. This sink takes the
 * chunks at once and hands everything gathered to the socket once per turn of the event loop:
 * one write per burst, one group commit at the broker. Backpressure is kept: while the socket is
 * backed up, the chunk in hand is not acknowledged, so stompit waits.
 */
import { Writable } from 'node:stream';
import type { Socket } from 'node:net';

export class CoalescingSink extends Writable {
  readonly #socket: Socket;
  #chunks: Buffer[] = [];
  #bytes = 0;
  #scheduled = false;
  /** The callback of a chunk taken while the socket was backed up: called on its `drain`. */
  #held: (() => void) | undefined;

  constructor(socket: Socket) {
    super({ decodeStrings: true });
    this.#socket = socket;
    socket.on('drain', () => {
      const held = this.#held;
      this.#held = undefined;
      held?.();
    });
    // stompit's frame stream stops writing once its destination is closed.
    socket.once('close', () => this.destroy());
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
    if (this.#socket.writableNeedDrain) this.#held = done;
    else done();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#chunks = [];
    this.#bytes = 0;
    const held = this.#held;
    this.#held = undefined;
    held?.();
    callback(error);
  }

  #flush(): void {
    this.#scheduled = false;
    const chunks = this.#chunks;
    const bytes = this.#bytes;
    this.#chunks = [];
    this.#bytes = 0;
    if (chunks.length === 0 || this.#socket.destroyed) return;
    this.#socket.write(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, bytes));
  }
}
