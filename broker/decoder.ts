/**
 * An incremental, bounded STOMP frame decoder. It owns its buffer, takes chunks and returns
 * complete frames; it never touches a socket. Limits are checked before bytes are buffered: the
 * header block against `maxHeaderBytes`, a declared `content-length` against `maxFrameBytes`
 * as soon as the headers are read, an undeclared body as it grows.
 */
import { isUtf8 } from 'node:buffer';
import { FrameError } from './errors.js';
import {
  CR,
  LF,
  NUL,
  isUnescapedCommand,
  unescapeHeader,
  type StompFrame,
  type StompVersion,
} from './frame.js';

export interface DecoderLimits {
  /** Largest frame (header block plus body), in bytes. */
  readonly maxFrameBytes: number;
  /** Most headers in one frame. */
  readonly maxHeaders: number;
  /** Largest header block (command line and header lines), in bytes. */
  readonly maxHeaderBytes: number;
}

interface PendingHead {
  readonly command: string;
  readonly headers: Map<string, string>;
  readonly plainHeaders: boolean;
  readonly headBytes: number;
  readonly contentLength: number | undefined;
}

const EMPTY = Buffer.alloc(0);
const COMMAND_PATTERN = /^[A-Z]{1,32}$/;

export class StompFrameDecoder {
  readonly #limits: DecoderLimits;
  /** Negotiated version; `undefined` until CONNECT, when frames are taken unescaped. */
  #version: StompVersion | undefined;
  /** Bytes of a header block not yet complete. */
  #head: Buffer = EMPTY;
  /** The frame whose body is being read, if any. */
  #pending: PendingHead | undefined;
  #bodyChunks: Buffer[] = [];
  #bodyLength = 0;
  /** Heart-beat EOLs seen between frames since the last call to {@link takeHeartbeats}. */
  #heartbeats = 0;
  /** Bytes after a CONNECT/STOMP frame, held until the next {@link push} (see there). */
  #held: Buffer = EMPTY;

  constructor(limits: DecoderLimits, version?: StompVersion) {
    this.#limits = limits;
    this.#version = version;
  }

  /** Sets the version negotiated by CONNECT; it decides how header values are unescaped. */
  setVersion(version: StompVersion): void {
    this.#version = version;
  }

  /** Number of heart-beat EOLs seen since the last call, then resets the count. */
  takeHeartbeats(): number {
    const n = this.#heartbeats;
    this.#heartbeats = 0;
    return n;
  }

  /**
   * Feeds a chunk and returns the frames it completes. Throws {@link FrameError} on bad input.
   * A body that lies whole in `chunk` is a view of it (no copy): whoever keeps a body longer
   * than the chunk is kept, or reuses the chunk's memory, copies it.
   *
   * Until a version is set, decoding stops after a CONNECT or STOMP frame: how the frames after
   * it are unescaped depends on the version that CONNECT negotiates. The bytes after it are held
   * and decoded by the next call, which may pass an empty chunk ({@link hasHeld} says whether
   * there is anything to decode).
   */
  push(chunk: Buffer): StompFrame[] {
    const frames: StompFrame[] = [];
    let data = this.#held.length > 0 ? Buffer.concat([this.#held, chunk]) : chunk;
    this.#held = EMPTY;
    while (data.length > 0) {
      if (this.#pending === undefined) {
        data = this.#readHead(data);
        if (this.#pending === undefined) break;
      }
      const rest = this.#readBody(data, frames);
      if (rest === undefined) break;
      data = rest;
      const last = frames[frames.length - 1];
      if (this.#version === undefined && last !== undefined && isUnescapedCommand(last.command)) {
        // Copy: the caller's chunk may be large and must not stay pinned in memory.
        this.#held = Buffer.from(data);
        break;
      }
    }
    return frames;
  }

  /** Whether bytes after a CONNECT/STOMP frame wait for the next {@link push}. */
  hasHeld(): boolean {
    return this.#held.length > 0;
  }

  /** Reads the header block; returns the bytes after it, or EMPTY when more is needed. */
  #readHead(chunk: Buffer): Buffer {
    let buf = this.#head.length > 0 ? Buffer.concat([this.#head, chunk]) : chunk;
    let start = 0;
    // Heart-beats (EOLs) may come between frames.
    while (start < buf.length) {
      const b = buf[start];
      if (b === LF) {
        this.#heartbeats += 1;
        start += 1;
      } else if (b === CR && (start + 1 >= buf.length || buf[start + 1] === LF)) {
        if (start + 1 >= buf.length) break;
        this.#heartbeats += 1;
        start += 2;
      } else break;
    }
    if (start > 0) buf = buf.subarray(start);
    const end = findHeadEnd(buf, this.#limits.maxHeaderBytes + 4);
    if (end === undefined) {
      if (buf.length > this.#limits.maxHeaderBytes) {
        throw new FrameError(
          'FRAME_HEADERS_TOO_LARGE',
          `frame header block over ${this.#limits.maxHeaderBytes} bytes`,
        );
      }
      // Copy: the caller's chunk may be large and must not stay pinned in memory.
      this.#head = Buffer.from(buf);
      return EMPTY;
    }
    if (end.headEnd > this.#limits.maxHeaderBytes) {
      throw new FrameError(
        'FRAME_HEADERS_TOO_LARGE',
        `frame header block of ${end.headEnd} bytes is over the limit of ${this.#limits.maxHeaderBytes}`,
      );
    }
    this.#head = EMPTY;
    const head = buf.subarray(0, end.headEnd);
    // STOMP frames are UTF-8. Decoding anything else would replace its bytes with U+FFFD and make
    // distinct values (two message ids, say) one: refused instead, naming the line.
    if (!isUtf8(head)) throw notUtf8(head);
    this.#pending = this.#parseHead(head.toString('utf8'), end.bodyStart);
    return buf.subarray(end.bodyStart);
  }

  #parseHead(text: string, headBytes: number): PendingHead {
    // Walks the lines in place (no array of lines); escapes and CRs are handled only when the
    // block holds any, which a frame from a well-behaved client rarely does.
    const hasCr = text.includes('\r');
    let lineEnd = text.indexOf('\n');
    if (lineEnd < 0) lineEnd = text.length;
    const command = hasCr ? stripCr(text.slice(0, lineEnd)) : text.slice(0, lineEnd);
    if (!COMMAND_PATTERN.test(command)) {
      throw new FrameError(
        'FRAME_MALFORMED',
        `malformed command line '${printable(command)}': expected an upper-case STOMP command`,
      );
    }
    let headerLines = 0;
    for (let at = text.indexOf('\n', lineEnd + 1); at >= 0; at = text.indexOf('\n', at + 1)) {
      headerLines += 1;
    }
    if (lineEnd < text.length) headerLines += 1;
    if (headerLines > this.#limits.maxHeaders) {
      throw new FrameError(
        'FRAME_TOO_MANY_HEADERS',
        `${command} frame has ${headerLines} headers, over the limit of ${this.#limits.maxHeaders}`,
      );
    }
    const version =
      this.#version !== undefined && !isUnescapedCommand(command) ? this.#version : '1.0';
    const escaped = version !== '1.0' && text.includes('\\');
    const headers = new Map<string, string>();
    let start = lineEnd + 1;
    while (start <= text.length && lineEnd < text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      const line = hasCr ? stripCr(text.slice(start, end)) : text.slice(start, end);
      start = end + 1;
      lineEnd = end;
      const colon = line.indexOf(':');
      if (colon <= 0) {
        throw new FrameError(
          'FRAME_MALFORMED',
          `malformed header line '${printable(line)}' in ${command} frame: expected name:value`,
        );
      }
      if (escaped) {
        const name = unescapeHeader(line.slice(0, colon), version);
        if (!headers.has(name)) headers.set(name, unescapeHeader(line.slice(colon + 1), version));
      } else {
        const name = line.slice(0, colon);
        if (!headers.has(name)) headers.set(name, line.slice(colon + 1));
      }
    }
    const declared = headers.get('content-length');
    let contentLength: number | undefined;
    if (declared !== undefined) {
      if (!/^\d{1,15}$/.test(declared)) {
        throw new FrameError(
          'FRAME_MALFORMED',
          `content-length '${printable(declared)}' in ${command} frame is not a byte count`,
        );
      }
      contentLength = Number(declared);
      if (headBytes + contentLength > this.#limits.maxFrameBytes) {
        throw new FrameError(
          'FRAME_TOO_LARGE',
          `${command} frame declares content-length ${contentLength}, over the frame limit of ${this.#limits.maxFrameBytes} bytes`,
        );
      }
    }
    const plainHeaders = !hasCr && !escaped && !text.includes('\u0000');
    return { command, headers, plainHeaders, headBytes, contentLength };
  }

  /** Reads body bytes; returns what follows the frame, or undefined when more is needed. */
  #readBody(data: Buffer, frames: StompFrame[]): Buffer | undefined {
    const pending = this.#pending;
    if (pending === undefined) return data;
    let end: number;
    if (pending.contentLength !== undefined) {
      const need = pending.contentLength - this.#bodyLength;
      if (data.length <= need) {
        this.#keep(data);
        return undefined;
      }
      end = need;
      if (data[end] !== NUL) {
        throw new FrameError(
          'FRAME_MALFORMED',
          `${pending.command} frame body is not followed by NUL after content-length ${pending.contentLength}`,
        );
      }
    } else {
      const nul = data.indexOf(NUL);
      const taken = nul < 0 ? data.length : nul;
      if (pending.headBytes + this.#bodyLength + taken > this.#limits.maxFrameBytes) {
        throw new FrameError(
          'FRAME_TOO_LARGE',
          `${pending.command} frame is over the frame limit of ${this.#limits.maxFrameBytes} bytes`,
        );
      }
      if (nul < 0) {
        this.#keep(data);
        return undefined;
      }
      end = nul;
    }
    const last = data.subarray(0, end);
    // A body read whole from one chunk is a view of it, not a copy: the broker copies a body
    // into the record it stores or the frame it forwards before it returns to the event loop,
    // and copies it only where it keeps it (a transaction's SENDs).
    const body =
      this.#bodyChunks.length === 0
        ? last
        : Buffer.concat([...this.#bodyChunks, last], this.#bodyLength + end);
    frames.push({
      command: pending.command,
      headers: pending.headers,
      body,
      plainHeaders: pending.plainHeaders,
    });
    this.#pending = undefined;
    this.#bodyChunks = [];
    this.#bodyLength = 0;
    return data.subarray(end + 1);
  }

  #keep(data: Buffer): void {
    this.#bodyChunks.push(data);
    this.#bodyLength += data.length;
  }
}

/** Finds the blank line ending a header block (`\n\n` or `\n\r\n`), searching `limit` bytes. */
function findHeadEnd(
  buf: Buffer,
  limit: number,
): { headEnd: number; bodyStart: number } | undefined {
  const max = Math.min(buf.length, limit);
  let i = buf.indexOf(LF);
  while (i >= 0 && i < max) {
    const next = buf[i + 1];
    if (next === LF) return { headEnd: i, bodyStart: i + 2 };
    if (next === CR && buf[i + 2] === LF) return { headEnd: i, bodyStart: i + 3 };
    if (next === undefined || (next === CR && i + 2 >= buf.length)) return undefined;
    i = buf.indexOf(LF, i + 1);
  }
  return undefined;
}

function notUtf8(head: Buffer): FrameError {
  let lineStart = 0;
  for (let at = head.indexOf(LF); ; at = head.indexOf(LF, lineStart)) {
    const line = head.subarray(lineStart, at < 0 ? head.length : at);
    if (at < 0 || !isUtf8(line)) {
      const bad = firstBadByte(line);
      // The part of the line around the first bad byte, its bytes above 0x7e shown as \xNN.
      const from = Math.max(0, bad - 24);
      const to = Math.min(line.length, bad + 24);
      const excerpt = printable(line.subarray(from, to).toString('latin1'), to - from);
      const shown = `${from > 0 ? '…' : ''}${excerpt}${to < line.length ? '…' : ''}`;
      const where = `byte ${bad + 1} of the line`;
      return new FrameError(
        'FRAME_MALFORMED',
        lineStart === 0
          ? `malformed command line '${shown}': expected an upper-case STOMP command`
          : `frame header line '${shown}' is not valid UTF-8 at ${where} (STOMP frames are UTF-8)`,
      );
    }
    lineStart = at + 1;
  }
}

/** Where the first byte that starts no valid UTF-8 sequence sits in `bytes` (its length if none). */
function firstBadByte(bytes: Buffer): number {
  for (let i = 0; i < bytes.length;) {
    const lead = bytes[i] as number;
    const length = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
    if (!isUtf8(bytes.subarray(i, i + length))) return i;
    i += length;
  }
  return bytes.length;
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

function printable(text: string, max = 48): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
