/**
 * Frames: `u32 big-endian length N` then `N` bytes, of which the first is the message type and
 * the rest the body. The decoder is pure and incremental: it owns its buffer, takes chunks,
 * returns whole frames and checks the *declared* length against its limit before it buffers a
 * single byte of the body.
 */
import { ProtocolError } from './errors.js';

/** Bytes of the length prefix. */
export const FRAME_HEADER_BYTES = 4;
/** Default largest frame (type byte + body) a link accepts after the handshake: 16 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** Largest frame accepted before the peer is authenticated: 4 KiB. */
export const HANDSHAKE_MAX_FRAME_BYTES = 4 * 1024;

/** One decoded frame. `body` is a view into the received bytes; copy it to keep it. */
export interface Frame {
  readonly type: number;
  readonly body: Buffer;
}

/** Encodes one frame whose body is a UTF-8 string (or empty). */
export function encodeFrame(type: number, body: string | Buffer = ''): Buffer {
  const bodyBytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + 1 + bodyBytes.length);
  out.writeUInt32BE(bodyBytes.length + 1, 0);
  out[FRAME_HEADER_BYTES] = type;
  bodyBytes.copy(out, FRAME_HEADER_BYTES + 1);
  return out;
}

/** Incremental, bounded frame decoder. */
export class FrameDecoder {
  #maxFrameBytes: number;
  /** Bytes received but not yet returned as frames (always less than one whole frame). */
  #chunks: Buffer[] = [];
  #chunkBytes = 0;
  /** How many bytes the unfinished frame needs before decoding is worth trying again. */
  #need = 0;

  constructor(maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES) {
    this.#maxFrameBytes = maxFrameBytes;
  }

  /** Changes the limit (the link raises it once the peer is authenticated). */
  setMaxFrameBytes(maxFrameBytes: number): void {
    this.#maxFrameBytes = maxFrameBytes;
  }

  /** Bytes held while waiting for the rest of a frame. */
  get bufferedBytes(): number {
    return this.#chunkBytes;
  }

  /**
   * Takes the next chunk and returns every frame it completes (at most `maxFrames`; the rest stays
   * buffered for the next call, which may pass an empty chunk). With `reused`, the chunk's memory
   * is overwritten after the call (a socket's reused read buffer): what the decoder keeps of it is
   * copied, and the returned frames are valid only until the next read.
   * @throws ProtocolError `FRAME_TOO_LARGE` when a declared length exceeds the limit, `BAD_FRAME`
   * when a frame declares length 0. The decoder is unusable afterwards.
   */
  push(chunk: Buffer, maxFrames: number = Infinity, reused = false): Frame[] {
    let data = chunk;
    if (this.#chunkBytes > 0) {
      if (chunk.length === 0 && this.#chunks.length === 1) {
        data = this.#chunks[0] as Buffer;
        this.#chunks = [];
        this.#chunkBytes = 0;
      } else {
        this.#chunks.push(reused ? Buffer.from(chunk) : chunk);
        this.#chunkBytes += chunk.length;
        // A large body arrives in many chunks: join them once, when the frame is complete.
        if (this.#chunkBytes < this.#need) return [];
        data = Buffer.concat(this.#chunks, this.#chunkBytes);
        this.#chunks = [];
        this.#chunkBytes = 0;
      }
    }
    const frames: Frame[] = [];
    let offset = 0;
    const end = data.length;
    let need = FRAME_HEADER_BYTES;
    while (end - offset >= FRAME_HEADER_BYTES && frames.length < maxFrames) {
      const declared = data.readUInt32BE(offset);
      if (declared === 0) {
        throw new ProtocolError('BAD_FRAME', 'frame declares length 0 (no type byte)');
      }
      if (declared > this.#maxFrameBytes) {
        throw new ProtocolError(
          'FRAME_TOO_LARGE',
          `frame declares ${declared} bytes, limit is ${this.#maxFrameBytes}`,
        );
      }
      const frameEnd = offset + FRAME_HEADER_BYTES + declared;
      if (frameEnd > end) {
        need = FRAME_HEADER_BYTES + declared;
        break;
      }
      const typeAt = offset + FRAME_HEADER_BYTES;
      frames.push({ type: data[typeAt] as number, body: data.subarray(typeAt + 1, frameEnd) });
      offset = frameEnd;
    }
    if (offset < end) {
      // Keep only the unfinished tail; copy it when it is a small part of a large chunk so the
      // chunk itself can be freed, or when the chunk's memory is about to be reused.
      const tail = data.subarray(offset);
      const copy = (reused && data === chunk) || tail.length * 4 < data.length;
      this.#chunks = [copy ? Buffer.from(tail) : tail];
      this.#chunkBytes = tail.length;
      this.#need = need;
    }
    return frames;
  }
}
