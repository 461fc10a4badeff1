/** How the CLI reports an error: one line naming what failed and where, and an exit code. */

interface CodedError {
  readonly code?: unknown;
  readonly exitCode?: unknown;
}

/** `aes: <message>` followed by the chain of causes, each on its own line. */
export function formatError(err: unknown): string {
  const lines: string[] = [];
  let current: unknown = err;
  let depth = 0;
  while (current !== undefined && depth < 5) {
    if (current instanceof Error) {
      const code = (current as CodedError).code;
      const prefix = depth === 0 ? 'aes: error' : '  caused by';
      lines.push(`${prefix}${typeof code === 'string' ? ` [${code}]` : ''}: ${current.message}`);
      current = current.cause;
    } else {
      lines.push(
        `${depth === 0 ? 'aes: error' : '  caused by'}: ${JSON.stringify(current) ?? 'undefined'}`,
      );
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
