/**
 * The coalescing writer of a link. Frames are encoded straight into one buffer and handed to the
 * socket once per tick (or as soon as the high-water mark is passed), so a burst of posts costs
 * one syscall, not one per message. While the socket is backed up, bulk frames wait here, up to
 * the bound the link enforces; control frames (heartbeats, pongs, handshake) skip the bulk queue
 * so they never wait behind bulk traffic. Since control frames are handed to the socket even
 * while it is backed up, the writer counts them (`controlBacklogBytes`) so that the link can stop
 * reading from a peer whose requests produce answers it does not read.
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
  /** Frames not yet handed to the socket are `#buf[#start, #off)`; the socket keeps the bytes before. */
  #start = 0;
  #off = 0;
  /** Sealed bulk chunks waiting for the socket to drain. */
  #sealed: Buffer[] = [];
  #sealedBytes = 0;
  #control: Buffer[] = [];
  #controlQueuedBytes = 0;
  /** Control bytes handed to the socket while it was backed up, since it last drained. */
  #controlBackedUpBytes = 0;
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
    return this.#sealedBytes + this.#off - this.#start;
  }

  /** Control bytes queued here or handed to a backed-up socket since its last `drained()`. */
  get controlBacklogBytes(): number {
    return this.#controlQueuedBytes + this.#controlBackedUpBytes;
  }

  /** The socket drained: what it held has been sent. */
  drained(): void {
    this.#controlBackedUpBytes = 0;
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
    if (this.#off - this.#start + this.#sealedBytes >= this.#highWaterBytes) this.flush();
    else this.#schedule();
    return this.writable;
  }

  /** Queues one control frame ahead of all bulk frames. */
  enqueueControl(frame: Buffer): void {
    if (this.#closed) return;
    this.#control.push(frame);
    this.#controlQueuedBytes += frame.length;
    this.#schedule();
  }

  /** Hands everything the socket will take to it now. Call again on the socket's `drain`. */
  flush(): void {
    if (this.#closed) return;
    const control = this.#control;
    const backedUp = this.#sink.writableNeedDrain;
    const chunks =
      control.length + (backedUp ? 0 : this.#sealed.length + (this.#off > this.#start ? 1 : 0));
    if (chunks === 0) return;
    // A lone chunk (a quiet link's usual case: one call or one answer) goes to the socket as it
    // is; corking would only send it through the socket's list of buffered writes.
    const cork = chunks > 1;
    if (cork) this.#sink.cork();
    try {
      if (control.length > 0) {
        this.#control = [];
        if (backedUp) this.#controlBackedUpBytes += this.#controlQueuedBytes;
        this.#controlQueuedBytes = 0;
        for (const frame of control) this.#write(frame);
      }
      if (!backedUp) {
        for (const chunk of this.#sealed) this.#write(chunk);
        this.#sealed = [];
        this.#sealedBytes = 0;
        if (this.#off > this.#start) {
          this.#write(this.#buf.subarray(this.#start, this.#off));
          // Carry on in the rest of the buffer, or in a new one.
          if (this.#buf.length - this.#off >= MIN_SPARE_BYTES) {
            this.#start = this.#off;
          } else {
            this.#buf = Buffer.allocUnsafe(this.#highWaterBytes);
            this.#start = 0;
            this.#off = 0;
          }
        }
      }
    } finally {
      if (cork) this.#sink.uncork();
    }
  }

  /** Drops everything queued; later frames are ignored. */
  close(): void {
    this.#closed = true;
    this.#sealed = [];
    this.#sealedBytes = 0;
    this.#control = [];
    this.#controlQueuedBytes = 0;
    this.#controlBackedUpBytes = 0;
    this.#start = 0;
    this.#off = 0;
  }

  #write(chunk: Buffer): void {
    this.#bytesWritten += chunk.length;
    this.#onWrite(chunk.length);
    this.#sink.write(chunk);
  }

  #grow(worst: number): void {
    if (this.#off > this.#start) {
      const chunk = this.#buf.subarray(this.#start, this.#off);
      this.#sealed.push(chunk);
      this.#sealedBytes += chunk.length;
    }
    this.#buf = Buffer.allocUnsafe(Math.max(this.#highWaterBytes, worst));
    this.#start = 0;
    this.#off = 0;
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
