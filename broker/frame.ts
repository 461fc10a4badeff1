/**
 * STOMP frames: the decoded shape, header escaping per protocol version, and the encoder.
 * 1.0 has no escaping; 1.1 escapes `\\`, `\n`, `:`; 1.2 also `\r`. CONNECT and CONNECTED frames
 * are never escaped (STOMP 1.2 "Value Encoding").
 */
import { FrameError } from './errors.js';

export type StompVersion = '1.0' | '1.1' | '1.2';

/** Versions this broker speaks, best last. */
export const SUPPORTED_VERSIONS: readonly StompVersion[] = ['1.0', '1.1', '1.2'];

/** A decoded frame. Repeated headers keep their first value, as the specification requires. */
export interface StompFrame {
  readonly command: string;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Buffer;
  /**
   * Set by the decoder when no header name or value can hold CR, LF or NUL (the block had none
   * of CR, NUL or an escape sequence), so {@link unsafeHeader} need not look.
   */
  readonly plainHeaders?: boolean;
}

/** Headers of an outgoing frame, in order. */
export type HeaderList = ReadonlyArray<readonly [string, string]>;

export const NUL = 0;
export const LF = 10;
export const CR = 13;
const NUL_BUFFER = Buffer.from([NUL]);

/** Whether a frame with this command is exempt from header escaping. */
export function isUnescapedCommand(command: string): boolean {
  return command === 'CONNECT' || command === 'CONNECTED' || command === 'STOMP';
}

const ESCAPE_11 = /[\\\n:]/g;
const ESCAPE_12 = /[\\\n:\r]/g;
const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\n': '\\n',
  ':': '\\c',
  '\r': '\\r',
};

/** Escapes a header name or value for `version`. */
export function escapeHeader(value: string, version: StompVersion): string {
  if (version === '1.0') return value;
  const pattern = version === '1.2' ? ESCAPE_12 : ESCAPE_11;
  pattern.lastIndex = 0;
  return pattern.test(value) ? value.replace(pattern, (c) => ESCAPES[c] ?? c) : value;
}

/** Undoes {@link escapeHeader}; an undefined escape sequence is a fatal protocol error. */
export function unescapeHeader(value: string, version: StompVersion): string {
  if (version === '1.0' || !value.includes('\\')) return value;
  let out = '';
  for (let i = 0; i < value.length; i += 1) {
    const c = value[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = value[i + 1];
    i += 1;
    if (next === '\\') out += '\\';
    else if (next === 'n') out += '\n';
    else if (next === 'c') out += ':';
    else if (next === 'r' && version === '1.2') out += '\r';
    else {
      throw new FrameError(
        'FRAME_MALFORMED',
        `undefined escape sequence '\\${next ?? ''}' in header '${value.slice(0, 64)}' (STOMP ${version})`,
      );
    }
  }
  return out;
}

const LINE_BREAK_OR_NUL = /[\r\n\0]/;

/**
 * The first header whose name or value holds CR, LF or NUL, its name shown printable (at most 64
 * characters); `undefined` when there is none. STOMP 1.0 cannot escape these characters: written
 * raw to a 1.0 receiver they end the header line (or the frame), so a sender could forge headers
 * and a body.
 */
export function unsafeHeader(headers: ReadonlyMap<string, string>): string | undefined {
  for (const [name, value] of headers) {
    if (LINE_BREAK_OR_NUL.test(name) || LINE_BREAK_OR_NUL.test(value)) {
      const cut = name.length > 64 ? `${name.slice(0, 64)}…` : name;
      return cut.replace(/[\r\n\0]/g, (c) => (c === '\r' ? '\\r' : c === '\n' ? '\\n' : '\\0'));
    }
  }
  return undefined;
}

/**
 * Encodes a frame as one buffer (head, body, NUL). `content-length` is added whenever there is a
 * body, so binary bodies with NUL bytes survive.
 */
export function encodeFrame(
  command: string,
  headers: HeaderList,
  body: Buffer | undefined,
  version: StompVersion,
): Buffer {
  const escape = !isUnescapedCommand(command);
  let head = `${command}\n`;
  for (const [name, value] of headers) {
    head += escape
      ? `${escapeHeader(name, version)}:${escapeHeader(value, version)}\n`
      : `${name}:${value}\n`;
  }
  return frameFromHead(head, body);
}

/**
 * A frame from its command and header lines (`head`, each line ending in LF, already escaped)
 * and its body: adds `content-length` whenever there is a body, the blank line and the NUL.
 */
export function frameFromHead(head: string, body: Buffer | undefined): Buffer {
  const bodyLength = body?.length ?? 0;
  if (bodyLength > 0) head += `content-length:${bodyLength}\n`;
  head += '\n';
  if (body === undefined || bodyLength === 0) return Buffer.from(`${head}\0`, 'utf8');
  const headLength = Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(headLength + bodyLength + 1);
  out.write(head, 0, 'utf8');
  body.copy(out, headLength);
  out[headLength + bodyLength] = NUL;
  return out;
}

/** The one-byte heart-beat. */
export const HEARTBEAT = Buffer.from('\n');
export { NUL_BUFFER };
