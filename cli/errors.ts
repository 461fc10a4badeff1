/**
 * How the CLI reports an error: one line naming what failed and where, and an exit code; under
 * `--json`, one JSON object on stdout instead (`errorJson`).
 */

import type { Paint } from './colour.js';

interface CodedError {
  readonly code?: unknown;
  readonly exitCode?: unknown;
}

/**
 * `aes: error [CODE]: <message>` followed by the chain of causes, each on its own line; `paint`
 * marks the `aes: error [CODE]:` prefix (red on a terminal).
 */
export function formatError(err: unknown, paint: Paint = (_role, text) => text): string {
  const lines: string[] = [];
  let current: unknown = err;
  let depth = 0;
  while (current !== undefined && depth < 5) {
    if (current instanceof Error) {
      const code = (current as CodedError).code;
      const prefix = `${depth === 0 ? 'aes: error' : '  caused by'}${typeof code === 'string' ? ` [${code}]` : ''}:`;
      lines.push(`${depth === 0 ? paint('error', prefix) : prefix} ${current.message}`);
      current = current.cause;
    } else {
      const prefix = depth === 0 ? paint('error', 'aes: error:') : '  caused by:';
      lines.push(`${prefix} ${JSON.stringify(current) ?? 'undefined'}`);
      current = undefined;
    }
    depth += 1;
  }
  if (process.env.AES_STACK === '1' && err instanceof Error && err.stack !== undefined) {
    lines.push(err.stack);
  }
  return lines.join('\n');
}

/** An error may carry its own `exitCode`; anything else exits with 1. */
export function exitCodeFor(err: unknown): number {
  const code = err instanceof Error ? (err as CodedError).exitCode : undefined;
  return typeof code === 'number' && Number.isInteger(code) && code > 0 ? code : 1;
}

/** One link of an error's chain as `--json` prints it. */
export interface JsonErrorDetail {
  /** The error's stable `code` when it has one, else its class name (`ConfigError`, `Error`). */
  readonly code: string;
  readonly message: string;
}

/** What a command run with `--json` prints on stdout when it fails (one line). */
export interface JsonErrorOutput {
  readonly error: JsonErrorDetail & {
    readonly exitCode: number;
    /** The chain of causes, outermost first; absent when there is none. */
    readonly causes?: readonly JsonErrorDetail[];
  };
}

function detail(err: unknown): JsonErrorDetail {
  if (err instanceof Error) {
    const code = (err as CodedError).code;
    // commander's usage errors begin with `error: `, which the JSON's key already says.
    const message = err.message.replace(/^error: /, '');
    return { code: typeof code === 'string' ? code : err.name, message };
  }
  return { code: 'Error', message: JSON.stringify(err) ?? 'undefined' };
}

/** `err` as `{"error":{"code","message","exitCode","causes"?}}`, the exit code given or its own. */
export function errorJson(err: unknown, exitCode = exitCodeFor(err)): JsonErrorOutput {
  const causes: JsonErrorDetail[] = [];
  let current: unknown = err instanceof Error ? err.cause : undefined;
  while (current !== undefined && causes.length < 4) {
    causes.push(detail(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return {
    error: { ...detail(err), exitCode, ...(causes.length === 0 ? {} : { causes }) },
  };
}
