/**
 * One read buffer per outgoing TCP or Unix socket, through Node's `onread` socket option: the
 * socket reads into this buffer, reused for every read, and hands each chunk straight to the
 * link. The usual path allocates a 64 KiB buffer per read and pushes every chunk through the
 * socket's readable stream (a `data` event and a deferred read-ahead check), which is most of
 * what a small message costs to receive. Node offers `onread` only to sockets it connects, so
 * accepted (inbound) and TLS sockets keep the usual path.
 */

/** Size of the reused buffer (what one read can return, as in Node's own reads). */
export const READ_BUFFER_BYTES = 64 * 1024;

/** A chunk is a view into the reused buffer: valid only until the call returns. */
export type ChunkSink = (chunk: Buffer) => void;

export class ReadBuffer {
  readonly #buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  #sink: ChunkSink = () => undefined;

  /** The `onread` option for `net.createConnection`. */
  readonly option = {
    buffer: this.#buffer,
    callback: (bytes: number): boolean => {
      this.#sink(this.#buffer.subarray(0, bytes));
      // Reading pauses through socket.pause(), never by returning false here.
      return true;
    },
  };

  /** Where chunks go from now on (they are dropped until this is called). */
  attach(sink: ChunkSink): void {
    this.#sink = sink;
  }
}
