/**
 * Structured logs of a node and its endpoints: one record per line, human-readable on a TTY and
 * JSON lines otherwise (for journald, Loki, …). Every endpoint's lines carry its name.
 */
import type { LogLevel } from '../link/protocol.js';

export type { LogLevel };

export interface LogRecord {
  readonly time: string;
  readonly level: LogLevel;
  readonly node?: string;
  readonly endpoint?: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface Logger {
  debug(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  info(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  error(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  /** A logger whose records carry `bindings` too (e.g. `{ endpoint }`). */
  child(bindings: Readonly<Record<string, unknown>>): Logger;
}

export type LogFormat = 'pretty' | 'json';

export interface LoggerOptions {
  /** @defaultValue 'pretty' when `stream` is a TTY, else 'json' */
  readonly format?: LogFormat;
  /** @defaultValue process.stderr */
  readonly stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Records below this level are dropped. @defaultValue 'info' */
  readonly level?: LogLevel;
  readonly bindings?: Readonly<Record<string, unknown>>;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** `AES_LOG_LEVEL` / `AES_LOG_FORMAT` as logger options (unknown values are ignored). */
export function loggerOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): {
  level?: LogLevel;
  format?: LogFormat;
} {
  const level = env.AES_LOG_LEVEL;
  const format = env.AES_LOG_FORMAT;
  return {
    ...(level !== undefined && level in RANK ? { level: level as LogLevel } : {}),
    ...(format === 'json' || format === 'pretty' ? { format } : {}),
  };
}

function pretty(record: LogRecord): string {
  const { time, level, node, endpoint, msg, ...rest } = record;
  const where = endpoint !== undefined ? ` [${endpoint}]` : node !== undefined ? ` [${node}]` : '';
  const extra = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${time.slice(11, 23)} ${level.toUpperCase().padEnd(5)}${where} ${msg}${extra === '' ? '' : ` ${extra}`}`;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const stream = options.stream ?? process.stderr;
  const format = options.format ?? (stream.isTTY === true ? 'pretty' : 'json');
  const min = RANK[options.level ?? 'info'];
  const make = (bindings: Readonly<Record<string, unknown>>): Logger => {
    const write = (level: LogLevel, msg: string, fields?: Readonly<Record<string, unknown>>) => {
      if (RANK[level] < min) return;
      const record: LogRecord = {
        time: new Date().toISOString(),
        level,
        ...bindings,
        msg,
        ...fields,
      };
      stream.write(`${format === 'json' ? JSON.stringify(record) : pretty(record)}\n`);
    };
    return {
      debug: (msg, fields) => write('debug', msg, fields),
      info: (msg, fields) => write('info', msg, fields),
      warn: (msg, fields) => write('warn', msg, fields),
      error: (msg, fields) => write('error', msg, fields),
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  return make(options.bindings ?? {});
}

const LEVELS: ReadonlySet<string> = new Set(Object.keys(RANK));

/**
 * A line of Node's own debug output (`NODE_DEBUG=section`, util.debuglog): `SECTION PID: text`.
 * The process wrote it on stderr because it was asked to, not because something went wrong.
 */
const DEBUGLOG_LINE = /^([A-Z][A-Z0-9_.-]*) \d+: /;

/**
 * A line a child process wrote to stdout or stderr: its JSON log records keep their level and
 * fields; Node's debug output (`NODE_DEBUG`) is info with its `debug` section; other lines are
 * logged as they are (stderr as warnings), with `stream`.
 */
export function logOutputLine(log: Logger, stream: 'stdout' | 'stderr', line: string): void {
  if (line.startsWith('{')) {
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      const { level, msg, time: _time, endpoint: _endpoint, ...fields } = parsed;
      if (typeof level === 'string' && LEVELS.has(level) && typeof msg === 'string') {
        log[level as LogLevel](msg, fields);
        return;
      }
    } catch {
      // not a record: logged as it is
    }
  }
  const debug = stream === 'stderr' ? DEBUGLOG_LINE.exec(line) : null;
  if (debug !== null) {
    log.info(line, { stream, debug: (debug[1] as string).toLowerCase() });
    return;
  }
  log[stream === 'stderr' ? 'warn' : 'info'](line, { stream });
}
