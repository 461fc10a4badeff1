/**
 * The coalescing writer of a link. Frames are encoded straight into one buffer and handed to the
 * socket once per tick (or as soon as the high-water mark is passed), so a burst of posts costs
 * one syscall, not one per message. While the socket is backed up, bulk frames wait here, up to
 * the bound the link enforces; control frames (heartbeats, pongs, handshake) skip the bulk queue
 * so they never wait behind bulk traffic.
 */
import { FRAME_HEADER_BYTES } from './frame-codec.js';

/** The part of a socket the writer uses. */
export interface WriterSink {
  write(chunk: Buffer): boolean;
  cork(): void;
  uncork(): void;
  readonly writableNeedDrain: boolean;
}

export const DEFAULT_HIGH_WATER_BYTES = 64 * 1024;
const MIN_SPARE_BYTES = 4 * 1024;

export class FrameWriter {
  readonly #sink: WriterSink;
  readonly #highWaterBytes: number;
  #buf: Buffer;
  #off = 0;
  /** Sealed bulk chunks waiting for the socket to drain. */
  #sealed: Buffer[] = [];
  #sealedBytes = 0;
  #control: Buffer[] = [];
  #scheduled = false;
  #closed = false;
  #bytesWritten = 0;

  readonly #onWrite: (bytes: number) => void;

  /** `onWrite` is told the size of every chunk handed to the socket (for byte counters). */
  constructor(
    sink: WriterSink,
    highWaterBytes: number = DEFAULT_HIGH_WATER_BYTES,
    onWrite: (bytes: number) => void = () => undefined,
  ) {
    this.#sink = sink;
    this.#onWrite = onWrite;
    this.#highWaterBytes = highWaterBytes;
    this.#buf = Buffer.allocUnsafe(highWaterBytes);
  }

  /** Bulk bytes waiting in this writer (not yet handed to the socket). */
  get queuedBytes(): number {
    return this.#sealedBytes + this.#off;
  }

  /** Bytes handed to the socket so far. */
  get bytesWritten(): number {
    return this.#bytesWritten;
  }

  /** False while the socket is backed up or the queue is above its high-water mark. */
  get writable(): boolean {
    return !this.#sink.writableNeedDrain && this.queuedBytes < this.#highWaterBytes;
  }

  /**
   * Queues one bulk frame; returns `writable` afterwards. With `tail`, the body is
   * `body + "\n" + tail` (the *_TEXT frames), written without building the joined string.
   */
  enqueue(type: number, body: string, tail?: string): boolean {
    if (this.#closed) return false;
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    const worst =
      FRAME_HEADER_BYTES + 1 + (body.length + (tail === undefined ? 0 : 1 + tail.length)) * 3;
    if (this.#buf.length - this.#off < worst) this.#grow(worst);
    const buf = this.#buf;
    const start = this.#off;
    let at = start + FRAME_HEADER_BYTES + 1;
    if (body.length > 0) at += buf.write(body, at);
    if (tail !== undefined) {
      buf[at++] = 0x0a;
      if (tail.length > 0) at += buf.write(tail, at);
    }
    buf.writeUInt32BE(at - start - FRAME_HEADER_BYTES, start);
    buf[start + FRAME_HEADER_BYTES] = type;
    this.#off = at;
    if (this.#off + this.#sealedBytes >= this.#highWaterBytes) this.flush();
    else this.#schedule();
    return this.writable;
  }

  /** Queues one control frame ahead of all bulk frames. */
  enqueueControl(frame: Buffer): void {
    if (this.#closed) return;
    this.#control.push(frame);
    this.#schedule();
  }

  /** Hands everything the socket will take to it now. Call again on the socket's `drain`. */
  flush(): void {
    if (this.#closed) return;
    const control = this.#control;
    const backedUp = this.#sink.writableNeedDrain;
    if (control.length === 0 && (backedUp || this.queuedBytes === 0)) return;
    this.#sink.cork();
    try {
      if (control.length > 0) {
        this.#control = [];
        for (const frame of control) this.#write(frame);
      }
      if (!backedUp) {
        for (const chunk of this.#sealed) this.#write(chunk);
        this.#sealed = [];
        this.#sealedBytes = 0;
        if (this.#off > 0) {
          this.#write(this.#buf.subarray(0, this.#off));
          // The socket keeps the written bytes; carry on in the rest of the buffer.
          this.#buf =
            this.#buf.length - this.#off >= MIN_SPARE_BYTES
              ? this.#buf.subarray(this.#off)
              : Buffer.allocUnsafe(this.#highWaterBytes);
          this.#off = 0;
        }
      }
    } finally {
      this.#sink.uncork();
    }
  }

  /** Drops everything queued; later frames are ignored. */
  close(): void {
    this.#closed = true;
    this.#sealed = [];
    this.#sealedBytes = 0;
    this.#control = [];
    this.#off = 0;
  }

  #write(chunk: Buffer): void {
    this.#bytesWritten += chunk.length;
    this.#onWrite(chunk.length);
    this.#sink.write(chunk);
  }

  #grow(worst: number): void {
    if (this.#off > 0) {
      const chunk = this.#buf.subarray(0, this.#off);
      this.#sealed.push(chunk);
      this.#sealedBytes += chunk.length;
      this.#off = 0;
    }
    this.#buf = Buffer.allocUnsafe(Math.max(this.#highWaterBytes, worst));
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    process.nextTick(() => {
      this.#scheduled = false;
      this.flush();
    });
  }
}
