/** The aes package's version, read from its package.json (from source or from dist/). */
import { readFileSync } from 'node:fs';

/** The npm package's name (its command is `aes`). */
const PACKAGE_NAME = 'aes-endpoint-server';

let cached: string | undefined;

/** The version in aes's package.json, or `0.0.0` when it cannot be read. */
export function packageVersion(): string {
  if (cached !== undefined) return cached;
  cached = '0.0.0';
  // runtime/version.ts sits one level below the package root, dist/runtime/version.js two.
  for (const url of [
    new URL('../package.json', import.meta.url),
    new URL('../../package.json', import.meta.url),
  ]) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(url, 'utf8'));
      if (
        typeof parsed === 'object' &&
        parsed !== null &&
        'name' in parsed &&
        parsed.name === PACKAGE_NAME
      ) {
        const version = (parsed as { version?: unknown }).version;
        if (typeof version === 'string') cached = version;
        break;
      }
    } catch {
      // try the next candidate
    }
  }
  return cached;
}
