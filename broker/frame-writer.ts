/**
 * The coalescing writer of a broker connection: every frame written in one tick of the event
 * loop goes to the socket in one `writev` (the socket is corked on the tick's first write and
 * uncorked on `process.nextTick`), and a long tick sends what it has every {@link FLUSH_BYTES}
 * so the consumer can start on it. Per-message syscalls are what kill a broker's throughput.
 * (The cluster's writer, cluster/frame-writer.ts, does the same for kernel links with its own
 * buffer; here the frames are already whole buffers and the socket's cork does the work.)
 */

/** Bytes of frames written in one tick after which they are sent without waiting for its end. */
export const FLUSH_BYTES = 64 * 1024;

/** The part of a socket the writer uses. */
export interface CorkableSink {
  write(chunk: Buffer): boolean;
  cork(): void;
  uncork(): void;
}

export class StompFrameWriter {
  readonly #sink: CorkableSink;
  #corked = false;
  /** Bytes written since the socket was last corked or flushed. */
  #corkedBytes = 0;

  constructor(sink: CorkableSink) {
    this.#sink = sink;
  }

  /** Queues `frame` for the socket write at the end of this tick. */
  write(frame: Buffer): void {
    if (!this.#corked) {
      // Coalesce every frame written in this tick into one writev.
      this.#corked = true;
      this.#corkedBytes = 0;
      this.#sink.cork();
      process.nextTick(() => {
        this.#corked = false;
        this.#sink.uncork();
      });
    }
    this.#sink.write(frame);
    this.#corkedBytes += frame.length;
    if (this.#corkedBytes >= FLUSH_BYTES) {
      // A long tick (a chunk of a thousand ACKs, each dispatching the next message) sends what
      // it has so far: the consumer starts on it while the rest is encoded, instead of getting
      // a megabyte at the end of the tick after waiting through all of it.
      this.#corkedBytes = 0;
      this.#sink.uncork();
      this.#sink.cork();
    }
  }

  /** Hands what this tick wrote to the socket now (before ending it). */
  flush(): void {
    if (this.#corked) {
      this.#corked = false;
      this.#sink.uncork();
    }
  }
}
